//! Switching what the window shows: the app's own server, a SCIM Console server over its admin
//! API, a foreign SCIM server read through SCIM alone — saved as profiles whose secrets stay
//! out of the profiles file (here, with no keychain: for the session, or in a private file).

mod common;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use common::until;
use scim_client::import::ChangeKind;
use scim_console_cli::profiles::{Kind, Profiles};
use scim_console_core::connections::{Connections, Keep, NewConnection, ShownKind};
use scim_console_core::console::{Console, ErrorCode};
use scim_store::Permission;

fn new(
    name: &str,
    kind: Kind,
    url: &str,
    token: &str,
    keep: Keep,
    file: Option<String>,
) -> NewConnection {
    NewConnection {
        name: name.to_owned(),
        kind,
        url: url.to_owned(),
        token: token.to_owned(),
        keep,
        file,
        allow_writes: false,
        poll_seconds: Some(3600),
    }
}

async fn scim(
    server: &Console,
    secret: &str,
    method: &str,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let client = scim_client::okta::client(&server.base_url, secret).unwrap();
    let x = client
        .send(method.parse().unwrap(), path, Some(body))
        .await
        .unwrap();
    assert!(x.ok(), "{x:?}");
    x.response.unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_switches_between_its_own_a_remote_and_a_foreign_server() {
    // The only test in this file: set before anything reads it.
    std::env::set_var("SCIM_CONSOLE_KEYCHAIN", "off");
    let dir = tempfile::tempdir().unwrap();
    let app_dir = dir.path().join("app");
    let server_dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(&app_dir).unwrap();
    let (own, _) = common::start(&tempfile::TempDir::new_in(&app_dir).unwrap(), false, false).await;
    let (server, _) = common::start(&server_dir, false, false).await;
    server.set_setting("provisioning", "full").await.unwrap();
    server.set_setting("rate-limit", "off").await.unwrap();
    let (_, admin) = server
        .core
        .create_token("support", Permission::Admin, None)
        .await
        .unwrap();
    let (_, okta) = server
        .core
        .create_token("okta", Permission::UserModify, None)
        .await
        .unwrap();
    let profiles = Profiles::at(dir.path().join("connections.json"));
    let conns = Connections::new(own.clone(), Some(profiles.clone()));

    let v = conns.view().await.unwrap();
    assert_eq!(v.kind, ShownKind::Embedded);
    assert!(v
        .keychain_problem
        .as_deref()
        .unwrap()
        .contains("turned off"));
    assert!(Arc::ptr_eq(&conns.console().unwrap(), &own));

    // No keychain: said so, and nothing saved.
    let e = conns
        .add(new(
            "prod",
            Kind::Remote,
            &server.base_url,
            &admin,
            Keep::Keychain,
            None,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidValue);
    assert!(e.message.contains("this session only"), "{}", e.message);
    // A server that refuses the token: nothing saved either.
    let e = conns
        .add(new(
            "prod",
            Kind::Remote,
            &server.base_url,
            &okta,
            Keep::Session,
            None,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthorized, "{e:?}");
    assert!(profiles.list().unwrap().is_empty());

    let v = conns
        .add(new(
            "prod",
            Kind::Remote,
            &server.base_url,
            &admin,
            Keep::Session,
            None,
        ))
        .await
        .unwrap();
    assert_eq!(
        (v.current.as_deref(), v.kind),
        (Some("prod"), ShownKind::Remote)
    );
    let remote = conns.console().unwrap();
    assert_eq!(
        remote.base_url, server.base_url,
        "every screen reads that server"
    );
    assert!(!std::fs::read_to_string(profiles.path())
        .unwrap()
        .contains(&admin));

    // A foreign server (any SCIM endpoint), its token in a private file.
    for u in ["ann", "bob", "cat"] {
        scim(
            &server,
            &okta,
            "POST",
            "/Users",
            json!({"userName": format!("{u}@example.com"), "active": true}),
        )
        .await;
    }
    let file = dir
        .path()
        .join("vendor.token")
        .to_string_lossy()
        .into_owned();
    let v = conns
        .add(new(
            "vendor",
            Kind::Foreign,
            &server.base_url,
            &okta,
            Keep::File,
            Some(file.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(v.kind, ShownKind::Foreign);
    assert_eq!(conns.console().err().unwrap().code, ErrorCode::NotOffered);
    let f = conns.foreign().unwrap();
    let first = until(
        "the first read",
        async || f.view(None).await,
        |v| v.reads == 1,
    )
    .await;
    assert_eq!(first.total_users, 3);
    assert_eq!(first.interval_seconds, 3600);
    assert!(
        first.users.iter().all(|u| u.change.is_none()),
        "nothing highlighted at first"
    );

    // Between two reads: one added, one deactivated, one deleted — highlighted.
    let bob = first
        .users
        .iter()
        .find(|u| u.user_name == "bob@example.com")
        .unwrap()
        .id
        .clone();
    let cat = first
        .users
        .iter()
        .find(|u| u.user_name == "cat@example.com")
        .unwrap()
        .id
        .clone();
    scim(
        &server,
        &okta,
        "POST",
        "/Users",
        json!({"userName": "dan@example.com", "active": true}),
    )
    .await;
    scim(
        &server,
        &okta,
        "PATCH",
        &format!("/Users/{bob}"),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "replace", "value": {"active": false}}]}),
    )
    .await;
    let client = scim_client::okta::client(&server.base_url, &okta).unwrap();
    assert_eq!(
        client
            .send("DELETE".parse().unwrap(), &format!("/Users/{cat}"), None)
            .await
            .unwrap()
            .status,
        204
    );
    f.refresh_now();
    let second = until(
        "the second read",
        async || f.view(None).await,
        |v| v.reads == 2,
    )
    .await;
    let by = |n: &str| {
        second
            .users
            .iter()
            .find(|u| u.user_name == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by("dan@example.com").change, Some(ChangeKind::Added));
    assert_eq!(by("bob@example.com").change, Some(ChangeKind::Changed));
    assert!(by("bob@example.com").changed.contains(&"active".to_owned()));
    assert_eq!(by("ann@example.com").change, None);
    assert_eq!(second.removed.len(), 1);
    assert_eq!(second.removed[0].name, "cat@example.com");
    assert!(second.users[0].change.is_some(), "changed ones first");
    assert_eq!(f.view(Some("ANN")).await.users.len(), 1, "search");

    // After a restart: the session's token is gone and asked for; the file's is read.
    drop(f);
    let again = Connections::new(own.clone(), Some(profiles.clone()));
    let v = again.view().await.unwrap();
    assert_eq!(v.kind, ShownKind::Embedded);
    let prod = v
        .profiles
        .iter()
        .find(|p| p.profile.name == "prod")
        .unwrap();
    assert!(prod.needs_token);
    let vendor = v
        .profiles
        .iter()
        .find(|p| p.profile.name == "vendor")
        .unwrap();
    assert!(!vendor.needs_token);
    let e = again.switch(Some("prod"), None).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthorized);
    assert!(e.message.contains("paste it again"), "{}", e.message);
    let v = again.switch(Some("prod"), Some(&admin)).await.unwrap();
    assert_eq!(v.kind, ShownKind::Remote);
    let link = again
        .console()
        .unwrap()
        .remote
        .as_ref()
        .unwrap()
        .link
        .clone();
    until("live", async || link.borrow().live, |l| *l).await;
    let v = again.switch(Some("vendor"), None).await.unwrap();
    assert_eq!(v.kind, ShownKind::Foreign);
    // The remote console's stream ended when it was switched away from.
    tokio::time::timeout(Duration::from_secs(5), async {
        while link.has_changed().is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the stream of a console no longer shown ends");

    // Removing the one shown shows the app's own server again, and forgets its secret.
    let v = again.remove("vendor").await.unwrap();
    assert_eq!(v.kind, ShownKind::Embedded);
    assert!(!std::path::Path::new(&file).exists());
    assert_eq!(v.profiles.len(), 1);
    assert_eq!(
        again.switch(Some("vendor"), None).await.unwrap_err().code,
        ErrorCode::NotFound
    );
}
