//! Everything is audited: a change an admin makes in the console and a SAML login are in the
//! event log, with their actor, in the change's own transaction — and neither counts towards
//! the deprovisioning guard, which watches the identity provider.

mod common;

use common::demo_console;
use scim_console_core::console::UsersQuery;
use scim_store::{ChangeContext, EventQuery};

#[tokio::test]
async fn console_changes_and_saml_logins_are_in_the_log_and_not_guarded() {
    let dir = tempfile::tempdir().unwrap();
    let c = demo_console(&dir).await;
    c.core.set_setting("guard-count", "1").await.unwrap();
    c.core.set_setting("guard-percent", "0").await.unwrap();
    let rows = c
        .list_users(UsersQuery {
            text: None,
            filter: Some("active eq true".to_owned()),
            offset: 0,
            limit: 3,
            ..Default::default()
        })
        .await
        .unwrap()
        .rows;
    assert_eq!(rows.len(), 3);
    for r in &rows {
        let row = c.update_user(&r.id, Some(false), None).await.unwrap();
        assert!(
            !row.active,
            "the console's deactivation is applied, never held"
        );
    }
    let user = c
        .core
        .jit_login(
            "new.hire@example.com",
            "New",
            "Hire",
            Some("Analyst"),
            &ChangeContext::by("SAML login"),
        )
        .await
        .unwrap();
    // No waiting: the entries were written with the changes.
    let events = c
        .core
        .read()
        .list_events(&EventQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    for r in &rows {
        let e = events
            .iter()
            .find(|e| e.event.resource_id.as_deref() == Some(r.id.as_str()))
            .unwrap_or_else(|| panic!("no entry for {}: {events:#?}", r.user_name));
        assert_eq!(e.event.method, "CONSOLE");
        assert_eq!(e.event.status, 200);
        assert_eq!(e.event.client.as_deref(), Some("console"));
        assert!(e.event.token_id.is_none());
        assert!(e
            .event
            .diff
            .iter()
            .any(|d| d.path == "active" && d.new == Some(serde_json::json!(false))));
    }
    let login = events
        .iter()
        .find(|e| e.event.resource_id.as_deref() == Some(user.id.as_str()))
        .expect("the login's entry");
    assert_eq!(login.event.method, "LOGIN");
    assert_eq!(login.event.status, 201);
    assert_eq!(login.event.role.as_deref(), Some("Analyst"));
    let state = c.core.read().guard_state().await.unwrap();
    assert!(state.tripped_at.is_none(), "{state:?}");
}
