//! The console's Groups: the list with member counts and granted roles, a group's page with
//! its members (paged, searched) and timeline, a user's groups and where its role comes from,
//! and group changes published apart from user changes — all from real requests to the
//! embedded server.

mod common;

use serde_json::{json, Value};

use scim_console_core::console::Console;
use scim_console_core::groups::{GroupsQuery, MembersQuery, RoleSource};
use scim_store::Permission;

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

async fn okta(c: &Console) -> scim_client::ScimClient {
    let (_t, secret) = c
        .core
        .create_token("Okta", Permission::UserModify, None)
        .await
        .unwrap();
    scim_client::okta::client(&c.base_url, &secret).unwrap()
}

async fn send(client: &scim_client::ScimClient, method: &str, path: &str, body: Value) -> Value {
    let x = client
        .send(method.parse().unwrap(), path, Some(body))
        .await
        .unwrap();
    assert!(x.ok(), "{method} {path}: {} {:?}", x.status, x.response);
    x.response.unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_members_roles_and_live_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _db) = common::start(&dir, false, false).await;
    for (k, v) in [
        ("provisioning", "full"),
        ("org-name", "acme"),
        ("group-role-pattern", "BigPanda_{org}_BPRole_{role}"),
    ] {
        c.set_setting(k, v).await.unwrap();
    }
    // Admin is one of the roles defined at first.
    assert!(c
        .core
        .runtime()
        .await
        .unwrap()
        .roles
        .iter()
        .any(|r| r == "Admin"));
    let client = okta(&c).await;
    let mut ids = Vec::new();
    for n in ["ann", "bob", "cat"] {
        let u = send(
            &client,
            "POST",
            "/Users",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": format!("{n}@example.com"), "displayName": format!("{n} Tester"),
                "active": true}),
        )
        .await;
        ids.push(u["id"].as_str().unwrap().to_owned());
    }
    let mut changes = c.core.read().subscribe();
    let admins = send(
        &client,
        "POST",
        "/Groups",
        json!({"schemas": [GROUP], "displayName": "BigPanda_acme_BPRole_Admin",
            "members": [{"value": ids[0]}, {"value": ids[1]}]}),
    )
    .await;
    let admins = admins["id"].as_str().unwrap().to_owned();
    send(
        &client,
        "POST",
        "/Groups",
        json!({"schemas": [GROUP], "displayName": "Engineering", "members": [{"value": ids[2]}]}),
    )
    .await;

    // Group changes are published as groups; the derived roles as users.
    let mut kinds = Vec::new();
    while let Ok(e) = changes.try_recv() {
        kinds.push((e.resource_type, e.user_name));
    }
    assert!(
        kinds.contains(&("Group".to_owned(), "BigPanda_acme_BPRole_Admin".to_owned())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("User".to_owned(), "ann@example.com".to_owned())),
        "{kinds:?}"
    );

    // The list: member counts and the role each grants.
    let page = c.list_groups(GroupsQuery::default()).await.unwrap();
    assert!(page.offered);
    assert_eq!(page.total, 2);
    assert_eq!(
        page.role_pattern.as_deref(),
        Some("BigPanda_{org}_BPRole_{role}")
    );
    let row = |name: &str| page.groups.iter().find(|g| g.display_name == name).unwrap();
    assert_eq!(row("BigPanda_acme_BPRole_Admin").member_count, 2);
    assert_eq!(
        row("BigPanda_acme_BPRole_Admin").role.as_deref(),
        Some("Admin")
    );
    assert_eq!(row("Engineering").role, None);
    let found = c
        .list_groups(GroupsQuery {
            text: Some("engin".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.groups[0].display_name, "Engineering");

    // A group's page: members paged and searched, and its timeline.
    let d = c
        .group_detail(
            &admins,
            MembersQuery {
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(d.members_total, 2);
    assert_eq!(d.members.len(), 1);
    assert_eq!(d.members[0].user_name, "ann@example.com");
    assert_eq!(d.members[0].role, "Admin");
    assert_eq!(d.events.len(), 1);
    assert_eq!(d.events[0].event.method, "POST");
    assert!(d.scim.get("members").is_none());
    let d = c
        .group_detail(
            &admins,
            MembersQuery {
                text: Some("BOB".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(d.members_total, 1);
    assert_eq!(d.members[0].user_name, "bob@example.com");
    // Percent signs and underscores are searched for as themselves.
    let d = c
        .group_detail(
            &admins,
            MembersQuery {
                text: Some("%".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(d.members_total, 0);

    // A user's page: its groups and where its role comes from.
    let ann = c.user_detail(&ids[0]).await.unwrap();
    assert_eq!(ann.groups.len(), 1);
    // The SCIM view shows the read-only groups, as GET /Users/{id} answers them.
    assert_eq!(ann.scim["groups"][0]["value"], admins.as_str());
    assert_eq!(ann.groups[0].role.as_deref(), Some("Admin"));
    assert_eq!(
        ann.role_source,
        RoleSource::Group {
            group: "BigPanda_acme_BPRole_Admin".into(),
            group_id: admins.clone()
        }
    );
    let cat = c.user_detail(&ids[2]).await.unwrap();
    assert_eq!(cat.groups[0].display_name, "Engineering");
    assert_eq!(cat.role_source, RoleSource::Default);
    // A role sent in the role attribute, with no role group.
    send(
        &client,
        "PATCH",
        &format!("/Users/{}", ids[2]),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "pantherRole", "value": "Admin"}]}),
    )
    .await;
    let cat = c.user_detail(&ids[2]).await.unwrap();
    assert_eq!(
        cat.role_source,
        RoleSource::Attribute {
            attribute: "pantherRole".into()
        }
    );
    // The derived change is in the user's timeline with its cause.
    assert!(
        ann.events.iter().any(|e| e.event.method == "ROLE"
            && e.event.path == "role Admin from group BigPanda_acme_BPRole_Admin"),
        "{:#?}",
        ann.events
    );

    // Under jit, the view says groups are not offered.
    c.set_setting("provisioning", "jit").await.unwrap();
    assert!(!c.list_groups(GroupsQuery::default()).await.unwrap().offered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_plays_entra_and_okta_push_groups() {
    use scim_client::entra::Dialect;
    use scim_console_core::simulator::SimAction;
    let dir = tempfile::tempdir().unwrap();
    let (c, _db) = common::start(&dir, false, false).await;
    c.set_setting("provisioning", "full").await.unwrap();
    let sim = |a: SimAction| {
        let c = c.clone();
        async move { c.simulate(a).await.unwrap() }
    };
    let s = sim(SimAction::EntraTestConnection).await;
    assert!(s.sequence.ok, "{}", s.sequence.outcome);
    assert_eq!(s.sequence.exchanges[0].method, "GET");
    for (u, g, f) in [
        ("dee@example.com", "Dee", "One"),
        ("eve@example.com", "Eve", "Two"),
    ] {
        let s = sim(SimAction::EntraCreate {
            user_name: u.into(),
            given_name: g.into(),
            family_name: f.into(),
        })
        .await;
        assert!(s.sequence.ok, "{}", s.sequence.outcome);
        assert!(s.user.unwrap().active);
    }
    // Both PATCH dialects.
    for dialect in [Dialect::Legacy, Dialect::Aadopt] {
        let s = sim(SimAction::EntraUpdate {
            user_name: "dee@example.com".into(),
            given_name: "Deirdre".into(),
            family_name: format!("{dialect:?}"),
            dialect,
        })
        .await;
        assert!(s.sequence.ok, "{}", s.sequence.outcome);
        assert_eq!(s.user.unwrap().name, format!("Deirdre {dialect:?}"));
    }
    let s = sim(SimAction::EntraDisable {
        user_name: "eve@example.com".into(),
        dialect: Dialect::Legacy,
    })
    .await;
    assert!(s.sequence.ok, "{}", s.sequence.outcome);
    assert!(!s.user.unwrap().active, "\"False\" disables");
    let legacy = s
        .sequence
        .exchanges
        .last()
        .unwrap()
        .request
        .clone()
        .unwrap();
    assert_eq!(legacy["Operations"][0]["value"], "False");

    // Entra's group, then its old-style removal.
    let s = sim(SimAction::EntraGroup {
        name: "Finance".into(),
        members: vec!["dee@example.com".into(), "eve@example.com".into()],
    })
    .await;
    assert!(s.sequence.ok, "{}", s.sequence.outcome);
    assert_eq!(s.group.as_ref().unwrap().member_count, 2);
    let s = sim(SimAction::EntraRemoveFromGroup {
        group: "Finance".into(),
        user_name: "eve@example.com".into(),
    })
    .await;
    assert!(s.sequence.ok, "{}", s.sequence.outcome);
    assert_eq!(s.group.as_ref().unwrap().member_count, 1);

    // Okta's Push Groups: lookup, create, the rename, the members; then a removal.
    let s = sim(SimAction::PushGroup {
        name: "Sales".into(),
        members: vec!["dee@example.com".into(), "nobody@example.com".into()],
    })
    .await;
    assert!(s.sequence.ok, "{}", s.sequence.outcome);
    assert!(
        s.sequence.outcome.contains("nobody@example.com"),
        "{}",
        s.sequence.outcome
    );
    let paths: Vec<String> = s
        .sequence
        .exchanges
        .iter()
        .map(|x| format!("{} {}", x.method, x.path.split('?').next().unwrap()))
        .collect();
    assert_eq!(paths[0], "GET /Groups");
    assert_eq!(paths[1], "POST /Groups");
    assert_eq!(s.group.as_ref().unwrap().member_count, 1);
    let s = sim(SimAction::RemoveFromGroup {
        group: "Sales".into(),
        user_name: "dee@example.com".into(),
    })
    .await;
    assert!(s.sequence.ok, "{}", s.sequence.outcome);
    assert_eq!(s.group.unwrap().member_count, 0);

    // Every one of these requests is logged as simulated, none as the identity provider's.
    let events = c
        .core
        .read()
        .list_events(&scim_store::EventQuery {
            limit: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(events.len() > 10);
    assert!(events.iter().all(|e| e.event.simulated), "{events:#?}");
    assert!(events
        .iter()
        .any(|e| e.event.client.as_deref() == Some(scim_client::entra::USER_AGENT)));
}
