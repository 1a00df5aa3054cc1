//! A console on a SCIM Console server deployed elsewhere, reached over its admin API with an
//! admin token: every view reads that server, the admin's changes are made there, the Okta
//! guide creates its token there and verifies from that server's traffic, and its live stream
//! survives the server going away and coming back.

mod common;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use common::until;
use scim_console_core::console::{Console, ErrorCode, UsersQuery};
use scim_console_core::embedded::{self, StartOptions};
use scim_console_core::remote;
use scim_store::Permission;

/// A headless server on a new database in `dir`, and an admin token for it.
async fn server(dir: &tempfile::TempDir) -> (Arc<Console>, String) {
    let (s, _db) = common::start(dir, false, false).await;
    s.set_setting("rate-limit", "off").await.unwrap();
    let (_, admin) = s
        .core
        .create_token("support", Permission::Admin, None)
        .await
        .unwrap();
    (s, admin)
}

fn all_users() -> UsersQuery {
    UsersQuery {
        text: None,
        filter: None,
        offset: 0,
        limit: 100,
        sort: None,
        descending: None,
    }
}

fn user(name: &str) -> serde_json::Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
           "userName": name, "name": {"givenName": "Ada", "familyName": "Lovelace"},
           "emails": [{"value": name, "primary": true}], "active": true})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_console_reads_changes_and_onboards_the_server_it_is_connected_to() {
    let dir = tempfile::tempdir().unwrap();
    let (s, admin) = server(&dir).await;

    // Words, not a stack trace, for a wrong token or a SCIM token.
    let (_, scim) = s
        .core
        .create_token("okta", Permission::UserModify, None)
        .await
        .unwrap();
    let wrong = remote::connect(&s.base_url, &scim).await.err().unwrap();
    assert_eq!(wrong.code, ErrorCode::Unauthorized);
    assert!(wrong.message.contains("admin token"), "{}", wrong.message);

    // Any of its URLs will do: the SCIM base URL is what an admin has at hand.
    let c = remote::connect(&s.base_url, &admin).await.unwrap();
    assert_eq!(c.base_url, s.base_url, "the Tenant URL is the server's");
    assert!(c.remote.is_some());
    until(
        "the live stream",
        async || c.remote.as_ref().unwrap().link.borrow().live,
        |l| *l,
    )
    .await;

    // The Okta guide creates its token on that server and verifies from its traffic.
    let made = c.onboarding_create_token("okta-prod", None).await.unwrap();
    let tokens = s.core.read().list_tokens().await.unwrap();
    assert!(tokens.iter().any(|t| t.name == "okta-prod"));
    let v = c.onboarding().await.unwrap();
    assert!(v.tenant_url.starts_with(&s.base_url), "{}", v.tenant_url);
    assert_eq!(v.steps[2].state, "todo");
    assert_eq!(
        common::send(&s, &made.secret, "GET", "/Users?startIndex=1&count=2", None).await,
        200
    );
    let v = until(
        "step 3 verified from the server's traffic",
        async || c.onboarding().await.unwrap(),
        |v| v.steps[2].state == "verified",
    )
    .await;
    assert_eq!(v.verified_by.as_deref(), Some("okta-prod"));

    // A user created there by SCIM is told of live and listed.
    let mut reloads = c.external.subscribe();
    assert_eq!(
        common::send(&s, &scim, "POST", "/Users", Some(user("ada@example.com"))).await,
        403,
        "just-in-time policy refuses creation"
    );
    c.set_setting("provisioning", "full").await.unwrap();
    assert_eq!(
        common::send(&s, &scim, "POST", "/Users", Some(user("ada@example.com"))).await,
        201,
        "the setting was made on the server"
    );
    tokio::time::timeout(Duration::from_secs(10), reloads.recv())
        .await
        .expect("a live notice of the change")
        .unwrap();
    let page = c.list_users(all_users()).await.unwrap();
    assert_eq!(page.total, 1);
    let ada = page.rows[0].clone();
    assert_eq!(ada.user_name, "ada@example.com");

    // The admin's change is made on the server with its rules, logged naming the admin token.
    let row = c.update_user(&ada.id, Some(false), None).await.unwrap();
    assert!(!row.active);
    let there = s.core.get_user(&ada.id).await.unwrap();
    assert!(!there.active);
    let d = c.user_detail(&ada.id).await.unwrap();
    let actors: Vec<_> = d
        .events
        .iter()
        .filter_map(|e| e.event.client.clone())
        .collect();
    assert!(
        actors.iter().any(|a| a.contains("admin token 'support'")),
        "{actors:?}"
    );
    // A refused change says why, as the server does.
    let bad = c.add_role("").await.err().unwrap();
    assert_eq!(bad.code, ErrorCode::InvalidValue, "{bad:?}");

    // Support staff check that server from the remote console (with its simulator's token,
    // made there) and export a bundle of it without any secret.
    let report = c
        .run_check(scim_client::check::Profile::Okta, true)
        .await
        .unwrap();
    assert_eq!(report.failed, 0, "{}", report.text());
    assert_eq!(report.base_url, s.base_url);
    let out = tempfile::tempdir().unwrap();
    let bundle = c.support_bundle(out.path()).await.unwrap();
    let json = std::fs::read_to_string(&bundle.json_path).unwrap();
    assert!(json.contains("okta-prod"), "the server's tokens by name");
    for secret in [&admin, &made.secret, &scim] {
        assert!(!json.contains(secret.as_str()), "a secret in the bundle");
    }

    // The embedded console of that server sees the guide's progress the remote one made.
    assert_eq!(
        s.onboarding().await.unwrap().verified_by.as_deref(),
        Some("okta-prod")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_stream_comes_back_after_the_server_restarts_and_misses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (s, admin) = server(&dir).await;
    s.set_setting("provisioning", "full").await.unwrap();
    let (_, scim) = s
        .core
        .create_token("okta", Permission::UserModify, None)
        .await
        .unwrap();
    let addr = s
        .base_url
        .trim_start_matches("http://")
        .trim_end_matches("/scim/v2")
        .to_owned();
    let db = s.db.clone();
    let c = remote::connect(&s.base_url, &admin).await.unwrap();
    let link = c.remote.as_ref().unwrap().link.clone();
    until("live", async || link.borrow().live, |l| *l).await;
    assert_eq!(
        common::send(&s, &scim, "POST", "/Users", Some(user("one@example.com"))).await,
        201
    );
    s.flush_log().await;
    let before = until(
        "the first entry",
        async || link.borrow().last_event_id,
        |id| id.is_some_and(|i| i > 0),
    )
    .await
    .unwrap();

    // The server goes away: the link says so, in words.
    s.shutdown().await;
    drop(s);
    let down = until("the link down", async || link.borrow().clone(), |l| !l.live).await;
    assert!(down.error.is_some());
    assert!(
        c.list_users(all_users()).await.err().unwrap().code == ErrorCode::Unreachable,
        "reads say the server cannot be reached"
    );

    // It comes back on the same address; what it logs next arrives, after what came before.
    let (s2, serve) = embedded::start(StartOptions {
        demo: false,
        db: Some(db),
        listen: Some(addr),
        history: false,
    })
    .await
    .unwrap();
    tokio::spawn(serve);
    assert_eq!(
        common::send(&s2, &scim, "POST", "/Users", Some(user("two@example.com"))).await,
        201
    );
    s2.flush_log().await;
    let back = until(
        "the link back with the new entry",
        async || link.borrow().clone(),
        |l| l.live && l.last_event_id.is_some_and(|i| i > before),
    )
    .await;
    assert!(back.reconnects >= 1, "{back:?}");
    let page = c.list_users(all_users()).await.unwrap();
    assert_eq!(page.total, 2);
}
