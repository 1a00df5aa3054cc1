//! The guide's verification and the Health page follow the requests that really arrive over
//! HTTP: a token made by another process (as `scim-console token create` makes one) verifies
//! the connection, misconfigurations seen in traffic become findings with their fixes, and the
//! simulator's requests count for nothing.

mod common;

use std::sync::Arc;

use serde_json::json;

use scim_console_core::console::Console;
use scim_console_core::health::{FindingAction, HealthView, Severity};
use scim_console_core::onboarding::{OnboardingChange, OnboardingView};
use scim_server::core::Core;
use scim_store::Permission;

async fn console(dir: &tempfile::TempDir) -> (Arc<Console>, String) {
    common::start(dir, false, false).await
}

/// Creates a token the way the command line does: a core of its own on the same file.
async fn token_from_elsewhere(db: &str, name: &str, p: Permission, days: Option<u32>) -> String {
    let core = Core::new(scim_store::open(db).await.unwrap())
        .await
        .unwrap();
    core.create_token(name, p, days).await.unwrap().1
}

use common::until;

fn step(v: &OnboardingView, n: u8) -> &scim_console_core::onboarding::StepView {
    &v.steps[usize::from(n - 1)]
}

fn codes(h: &HealthView) -> Vec<&str> {
    h.findings.iter().map(|f| f.code).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_manage_users_token_verifies_the_connection_and_traffic_shows_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let (c, db) = console(&dir).await;

    let h = c.health().await.unwrap();
    assert!(h.last_request.is_none());
    assert_eq!(codes(&h), ["no_requests"]);

    // A token made elsewhere, never chosen in the guide.
    let secret = token_from_elsewhere(&db, "okta-prod", Permission::UserModify, None).await;
    let read_only = token_from_elsewhere(&db, "auditor", Permission::UserRead, None).await;
    let v = c.onboarding().await.unwrap();
    assert_eq!(v.existing_tokens.len(), 1, "only Manage Users tokens");
    assert_eq!(v.existing_tokens[0].token.name, "okta-prod");
    assert_eq!(step(&v, 3).state, "todo");

    // A read-only token's request verifies nothing; Okta's connector test with the other does.
    assert_eq!(
        common::send(&c, &read_only, "GET", "/Users?startIndex=1&count=2", None).await,
        200
    );
    assert_eq!(
        common::send(&c, &secret, "GET", "/Users?startIndex=1&count=2", None).await,
        200
    );
    let v = until(
        "step 3 verified",
        async || c.onboarding().await.unwrap(),
        |v| step(v, 3).state == "verified",
    )
    .await;
    assert_eq!(v.verified_by.as_deref(), Some("okta-prod"));
    assert_eq!(step(&v, 2).state, "verified");
    assert_eq!(
        v.first_request
            .as_ref()
            .unwrap()
            .event
            .token_name
            .as_deref(),
        Some("okta-prod")
    );

    // Step 2 can adopt it; a read-only token is refused in words.
    let id = v.existing_tokens[0].token.id;
    let v = c
        .onboarding_update(OnboardingChange::UseToken { id })
        .await
        .unwrap();
    assert_eq!(v.token.as_ref().unwrap().token.name, "okta-prod");
    assert!(
        v.secret.is_none(),
        "the secret of a token made elsewhere is not known"
    );
    let tokens = c.list_tokens().await.unwrap();
    let auditor = tokens.iter().find(|t| t.token.name == "auditor").unwrap();
    let e = c
        .onboarding_update(OnboardingChange::UseToken {
            id: auditor.token.id,
        })
        .await
        .unwrap_err();
    assert!(e.message.contains("Manage Users"), "{}", e.message);

    // Okta trying to create users in the just-in-time policy, and pushing groups.
    let new_user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "new@example.com", "active": true});
    assert_eq!(
        common::send(&c, &secret, "POST", "/Users", Some(new_user)).await,
        403
    );
    assert_eq!(
        common::send(
            &c,
            &secret,
            "GET",
            "/Groups?filter=displayName%20eq%20%22Eng%22",
            None
        )
        .await,
        404
    );
    let v = until(
        "the create note",
        async || c.onboarding().await.unwrap(),
        |v| step(v, 4).notes.len() == 2,
    )
    .await;
    let notes = &step(&v, 4).notes;
    let create = notes.iter().find(|n| n.code == "create_refused").unwrap();
    assert_eq!(create.severity, Severity::Error);
    assert!(
        create.fix.contains("turn off Create Users"),
        "{}",
        create.fix
    );
    let groups = notes.iter().find(|n| n.code == "groups_refused").unwrap();
    assert!(groups.fix.contains("Import Groups"), "{}", groups.fix);
    assert_eq!(step(&v, 4).state, "todo");

    // A refused role, for a user who logged in: a warning with its one-click fixes, gone once
    // the role is defined.
    let u = common::dana(&c).await;
    let bad = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"pantherRole": "Superuser"}}]});
    assert_eq!(
        common::send(&c, &secret, "PATCH", &format!("/Users/{}", u.id), Some(bad)).await,
        400
    );
    let h = until(
        "the refused role",
        async || c.health().await.unwrap(),
        |h| codes(h).contains(&"refused_role"),
    )
    .await;
    let role = h
        .findings
        .iter()
        .find(|f| f.code == "refused_role")
        .unwrap();
    assert_eq!(role.severity, Severity::Warning);
    assert!(role.actions.contains(&FindingAction::AddRole {
        role: "Superuser".into()
    }));
    assert!(role.actions.contains(&FindingAction::ShowUser {
        user_name: "dana@example.com".into()
    }));
    // Errors first; the counts are the requests that arrived (the read-only token's too).
    assert_eq!(h.findings[0].severity, Severity::Error);
    assert_eq!(h.requests_24h, 5);
    assert_eq!(h.errors_24h, 3);
    assert_eq!(h.last_request.as_ref().unwrap().event.method, "PATCH");
    assert_eq!(h.token.as_ref().unwrap().token.name, "okta-prod");
    assert!(!codes(&h).contains(&"no_requests"));

    c.add_role("Superuser").await.unwrap();
    let h = c.health().await.unwrap();
    assert!(!codes(&h).contains(&"refused_role"), "{:?}", codes(&h));

    // A wrong token: 401s are a finding of their own.
    assert_eq!(
        common::send(&c, "not-a-token", "GET", "/Users", None).await,
        401
    );
    let h = until(
        "the 401",
        async || c.health().await.unwrap(),
        |h| codes(h).contains(&"unauthorized"),
    )
    .await;
    let f = h
        .findings
        .iter()
        .find(|f| f.code == "unauthorized")
        .unwrap();
    assert!(f.fix.contains("without 'Bearer'"), "{}", f.fix);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_about_to_expire_and_the_simulator_are_seen_for_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let (c, db) = console(&dir).await;
    let secret = token_from_elsewhere(&db, "okta-short", Permission::UserModify, Some(3)).await;

    // The simulator's connector test verifies nothing and is no request from the IdP.
    let sim = c
        .simulate(scim_console_core::simulator::SimAction::ConnectorTest)
        .await
        .unwrap();
    assert!(sim.sequence.ok);
    let h = c.health().await.unwrap();
    assert!(h.last_request.is_none(), "{:?}", h.last_request);
    assert_eq!(h.requests_24h, 0);
    assert_eq!(c.onboarding().await.unwrap().steps[2].state, "todo");

    assert_eq!(
        common::send(&c, &secret, "GET", "/Users?startIndex=1&count=2", None).await,
        200
    );
    let h = until(
        "the request",
        async || c.health().await.unwrap(),
        |h| h.last_request.is_some(),
    )
    .await;
    assert_eq!(h.token.as_ref().unwrap().state, "expiring");
    let f = h.findings.iter().find(|f| f.code == "token").unwrap();
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.title.contains("okta-short"), "{}", f.title);
    assert!(f.actions.contains(&FindingAction::ShowTokens));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_comes_with_a_week_of_history_that_verifies_no_step() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _) = common::start(&dir, true, true).await;
    let page = c
        .events_page(scim_console_core::console::EventsQuery {
            limit: Some(2000),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(page.total >= 80, "{}", page.total);
    let first = chrono::DateTime::parse_from_rfc3339(&page.rows[0].record.event.at).unwrap();
    let last =
        chrono::DateTime::parse_from_rfc3339(&page.rows.last().unwrap().record.event.at).unwrap();
    assert!(last - first > chrono::Duration::days(6), "{first} – {last}");
    let summaries: Vec<&str> = page.rows.iter().map(|r| r.summary.as_str()).collect();
    for kind in [
        "Deactivated ",
        "Role Analyst → Admin",
        "Refused role 'Superuser'",
        "Lookup ",
        "Update a user that is not here",
        "First login of ",
    ] {
        assert!(
            summaries
                .iter()
                .any(|s| s.starts_with(kind) || s.contains(kind)),
            "no '{kind}' in {summaries:#?}"
        );
    }
    let h = c.health().await.unwrap();
    for code in ["refused_role", "missing_users", "token"] {
        assert!(codes(&h).contains(&code), "{code}: {:?}", codes(&h));
    }
    assert!(h.requests_24h > 0 || h.last_request.is_some());
    // The guide is about the admin's own Okta: sample requests verify nothing.
    let v = c.onboarding().await.unwrap();
    assert!(v.steps.iter().all(|s| s.state == "todo"), "{:?}", v.steps);
    assert!(v
        .existing_tokens
        .iter()
        .all(|t| t.token.name != scim_server::demo::HISTORY_TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialects_in_the_traffic_are_named_with_what_to_change() {
    let dir = tempfile::tempdir().unwrap();
    let (c, db) = console(&dir).await;
    c.set_setting("provisioning", "full").await.unwrap();
    let secret = token_from_elsewhere(&db, "idp", Permission::UserModify, None).await;
    let okta = scim_client::okta::client(&c.base_url, &secret).unwrap();
    let entra = scim_client::entra::client(&c.base_url, &secret).unwrap();
    let created = okta
        .send(
            "POST".parse().unwrap(),
            "/Users",
            Some(
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "kai@example.com", "active": true}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(created.status, 201);
    let id = created.response.unwrap()["id"].as_str().unwrap().to_owned();

    // Entra without ?aadOptscim062020: "False" as a string, a capitalised op.
    let x = entra
        .send(
            "PATCH".parse().unwrap(),
            &format!("/Users/{id}"),
            Some(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(x.status, 200);
    let h = until(
        "the legacy dialect",
        async || c.health().await.unwrap(),
        |h| codes(h).contains(&"entra_legacy_dialect"),
    )
    .await;
    let f = h
        .findings
        .iter()
        .find(|f| f.code == "entra_legacy_dialect")
        .unwrap();
    assert!(f.fix.contains("?aadOptscim062020"), "{}", f.fix);
    assert_eq!(f.severity, Severity::Info);
    let FindingAction::ShowEvent { id: entry } = f.actions[0] else {
        panic!("{:?}", f.actions)
    };
    let e = c.core.read().get_event(entry).await.unwrap().unwrap();
    assert_eq!(e.event.dialect.as_deref(), Some("entra-legacy"));
    assert!(!codes(&h).contains(&"okta_put_everything"));

    // An Okta wizard app: deactivation as GET then PUT of the whole user.
    let got = okta
        .send("GET".parse().unwrap(), &format!("/Users/{id}"), None)
        .await
        .unwrap();
    let mut user = got.response.unwrap();
    user["active"] = json!(true);
    let x = okta
        .send(
            "PUT".parse().unwrap(),
            &format!("/Users/{id}"),
            Some(user.clone()),
        )
        .await
        .unwrap();
    assert_eq!(x.status, 200);
    assert!(
        !codes(&c.health().await.unwrap()).contains(&"okta_put_everything"),
        "a PUT that deactivates nobody is no sign"
    );
    user["active"] = json!(false);
    let x = okta
        .send("PUT".parse().unwrap(), &format!("/Users/{id}"), Some(user))
        .await
        .unwrap();
    assert_eq!(x.status, 200);
    let h = until(
        "the PUT deactivation",
        async || c.health().await.unwrap(),
        |h| codes(h).contains(&"okta_put_everything"),
    )
    .await;
    let f = h
        .findings
        .iter()
        .find(|f| f.code == "okta_put_everything")
        .unwrap();
    assert!(f.fix.contains("Okta Integration Network"), "{}", f.fix);
    // The Okta guide shows it where the To App settings are.
    let v = c.onboarding().await.unwrap();
    assert!(step(&v, 4)
        .notes
        .iter()
        .any(|n| n.code == "okta_put_everything"));
}
