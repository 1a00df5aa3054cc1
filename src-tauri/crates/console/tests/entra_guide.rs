//! The Connect Microsoft Entra ID guide, verified from the requests that really arrive: Entra's
//! Test Connection with a token made elsewhere, its first user and group; the simulator's
//! requests verify nothing; the Tenant URL carries ?aadOptscim062020; the group naming preview
//! follows the settings.

mod common;

use std::time::Duration;

use scim_console_core::console::Console;
use scim_console_core::entra_guide::EntraGuideView;
use scim_console_core::onboarding::OnboardingChange;
use scim_console_core::simulator::SimAction;
use scim_server::core::Core;
use scim_store::Permission;

async fn until(c: &Console, what: &str, done: impl Fn(&EntraGuideView) -> bool) -> EntraGuideView {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let v = c.entra_guide().await.unwrap();
        if done(&v) {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "never saw {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra_guide_from_test_connection_to_connected() {
    let dir = tempfile::tempdir().unwrap();
    let (c, db) = common::start(&dir, false, false).await;
    for (k, v) in [
        ("provisioning", "full"),
        ("org-name", "acme"),
        ("group-role-pattern", "BigPanda_{org}_BPRole_{role}"),
    ] {
        c.set_setting(k, v).await.unwrap();
    }
    let v = c.entra_guide().await.unwrap();
    assert!(v.steps.iter().all(|s| s.state == "todo"));
    assert!(
        v.tenant_url.ends_with("/scim/v2?aadOptscim062020"),
        "{}",
        v.tenant_url
    );
    // The console's own loopback address is no URL for Entra's cloud.
    assert_eq!(v.reachability.verdict, "unusable");
    assert!(!v.connection_fields[0].copy);
    let said = format!("{:?} {:?}", v.reachability.reasons, v.reachability.fix);
    assert!(
        said.contains("Entra ID's cloud") && !said.contains("Okta's cloud"),
        "{said}"
    );
    // The naming preview: one group name per defined role.
    assert_eq!(
        v.naming.pattern.as_deref(),
        Some("BigPanda_{org}_BPRole_{role}")
    );
    assert!(v
        .naming
        .examples
        .iter()
        .any(|e| e.group == "BigPanda_acme_BPRole_Analyst" && e.role == "Analyst"));
    assert!(v.mappings_keep.iter().any(|m| m.scim == "userName"));
    assert!(v.mappings_remove.iter().any(|m| m.scim == "pantherRole"));
    assert_eq!(v.cycle_minutes, 40);

    // The simulator's Entra requests verify nothing.
    let s = c.simulate(SimAction::EntraTestConnection).await.unwrap();
    assert!(s.sequence.ok);
    assert_eq!(c.entra_guide().await.unwrap().steps[2].state, "todo");

    // A token made by the command line; the admin picks it in step 2.
    let core = Core::new(scim_store::open(&db).await.unwrap())
        .await
        .unwrap();
    let (token, secret) = core
        .create_token("entra", Permission::UserModify, Some(365))
        .await
        .unwrap();
    let v = c
        .entra_guide_update(OnboardingChange::UseToken { id: token.id })
        .await
        .unwrap();
    assert_eq!(v.steps[1].state, "done");
    assert!(
        v.token_expires.is_some(),
        "the expiry is shown: an expired token quarantines the job"
    );
    assert!(
        !v.connection_fields[1].copy,
        "the secret is not known to this console"
    );

    // Entra's Test Connection verifies steps 2 and 3.
    let entra = scim_client::entra::client(&c.base_url, &secret).unwrap();
    let t = scim_client::entra::test_connection(&entra).await.unwrap();
    assert!(t.ok, "{}", t.outcome);
    let v = until(&c, "Test Connection", |v| v.steps[2].state == "verified").await;
    assert_eq!(v.steps[1].state, "verified");
    assert!(v
        .test_connection
        .as_ref()
        .unwrap()
        .event
        .path
        .contains("filter="));
    assert!(!v.connected);

    // Its PATCH dialect before 2020 is noted on step 3.
    let u = scim_client::entra::create_user(&entra, "mia@example.com", "Mia", "Lee")
        .await
        .unwrap();
    assert!(u.ok, "{}", u.outcome);
    let d = scim_client::entra::disable(
        &entra,
        "mia@example.com",
        scim_client::entra::Dialect::Legacy,
    )
    .await
    .unwrap();
    assert!(d.ok, "{}", d.outcome);
    let v = until(&c, "the first user", |v| {
        v.connected
            && v.steps[2]
                .notes
                .iter()
                .any(|n| n.code == "entra_legacy_dialect")
    })
    .await;
    assert_eq!(v.steps[3].state, "verified");
    assert_eq!(v.steps[5].state, "verified");
    assert_eq!(v.steps[4].state, "todo");

    // A group with a role: step 5.
    let g = scim_client::entra::provision_group(
        &entra,
        "BigPanda_acme_BPRole_Analyst",
        &["mia@example.com".to_owned()],
    )
    .await
    .unwrap();
    assert!(g.ok, "{}", g.outcome);
    let v = until(&c, "the first group", |v| v.steps[4].state == "verified").await;
    assert!(v.group_created.is_some());
    let mia = c
        .core
        .read()
        .find_user_by_user_name("mia@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mia.role.as_deref(), Some("Analyst"));

    // Progress is kept apart from Okta's guide, and bad changes are refused in words.
    assert_eq!(c.onboarding().await.unwrap().steps[2].state, "todo");
    let e = c
        .entra_guide_update(OnboardingChange::GoTo { step: 9 })
        .await
        .unwrap_err();
    assert!(e.message.contains("1 to 6"), "{}", e.message);
}
