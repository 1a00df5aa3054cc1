//! Groups on a real SQLite file: members are rows, so changes touch only the members named;
//! unknown member ids change nothing; names are unique in any case; a user's groups keep the
//! order it was added to them; deleting a user leaves its groups, deleting a group its users.

use serde_json::{json, Map, Value};

use scim_store::{
    ChangeContext, EventQuery, GroupWrite, MemberChange, Store, StoreError, UserSource, UserWrite,
};

fn user(i: usize) -> UserWrite {
    let mut data = Map::new();
    data.insert("userName".into(), json!(format!("user{i}@example.com")));
    data.insert("displayName".into(), json!(format!("User {i}")));
    data.insert("active".into(), json!(true));
    UserWrite::new(format!("u{i}"), data, UserSource::Scim)
}

fn group(id: &str, name: &str) -> GroupWrite {
    let mut data = Map::new();
    data.insert("displayName".into(), json!(name));
    GroupWrite {
        id: id.into(),
        data,
    }
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

async fn store(dir: &tempfile::TempDir) -> std::sync::Arc<dyn Store> {
    let s = scim_store::open(dir.path().join("g.db").to_str().unwrap())
        .await
        .unwrap();
    s.bulk_insert_users((1..=6).map(user).collect())
        .await
        .unwrap();
    s
}

async fn members(s: &dyn Store, id: &str) -> Vec<String> {
    s.group_members(id, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.value)
        .collect()
}

#[tokio::test]
async fn membership_changes_touch_only_the_members_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let ctx = ChangeContext::by("test");

    // An unknown member: refused, nothing written.
    let e = s
        .insert_group(group("g1", "Engineering"), &ids(&["u1", "nobody"]), &ctx)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Invalid(m) if m.contains("'nobody'")),
        "{e}"
    );
    assert_eq!(s.list_groups(0, 10).await.unwrap().1, 0);

    let (g, changed) = s
        .insert_group(
            group("g1", "Engineering"),
            &ids(&["u1", "u2", "u3", "u2"]),
            &ctx,
        )
        .await
        .unwrap();
    assert_eq!(changed.added, ids(&["u1", "u2", "u3"]));
    assert_eq!((g.member_count, g.version), (3, 1));
    // The name is unique in any case.
    let e = s
        .insert_group(group("g2", "ENGINEERING"), &[], &ctx)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e}");
    assert_eq!(
        s.find_group_by_display_name("engineering")
            .await
            .unwrap()
            .map(|g| g.id),
        Some("g1".to_owned())
    );

    // Add: only those not in it yet; an unknown id refuses the whole change.
    let add = |v: &[&str]| MemberChange {
        add: ids(v),
        ..Default::default()
    };
    let e = s
        .update_group(&g, group("g1", "Engineering"), &add(&["u4", "ghost"]), &ctx)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)));
    assert_eq!(members(s.as_ref(), "g1").await, ids(&["u1", "u2", "u3"]));
    let (g, changed) = s
        .update_group(&g, group("g1", "Engineering"), &add(&["u4", "u1"]), &ctx)
        .await
        .unwrap();
    assert_eq!(changed.added, ids(&["u4"]));
    assert!(changed.removed.is_empty());
    assert_eq!((g.member_count, g.version), (4, 2));

    // Remove: those named (unknown ones ignored, as Entra's old-style removal expects).
    let remove = MemberChange {
        remove: ids(&["u1", "nobody"]),
        ..Default::default()
    };
    let (g, changed) = s
        .update_group(&g, group("g1", "Engineering"), &remove, &ctx)
        .await
        .unwrap();
    assert_eq!(changed.removed, ids(&["u1"]));
    assert_eq!(g.member_count, 3);

    // Replace the whole list.
    let replace = MemberChange {
        replace: Some(ids(&["u2", "u5"])),
        ..Default::default()
    };
    let (g, changed) = s
        .update_group(&g, group("g1", "Engineering"), &replace, &ctx)
        .await
        .unwrap();
    let mut removed = changed.removed.clone();
    removed.sort();
    assert_eq!(removed, ids(&["u3", "u4"]));
    assert_eq!(changed.added, ids(&["u5"]));
    assert_eq!(members(s.as_ref(), "g1").await, ids(&["u2", "u5"]));
    let page = s.group_members("g1", 1, 1).await.unwrap();
    assert_eq!(page[0].value, "u5");
    assert_eq!(page[0].display, "User 5");

    // A stale version changes nothing.
    let stale = scim_store::GroupRecord {
        version: 1,
        ..g.clone()
    };
    let e = s
        .update_group(
            &stale,
            group("g1", "Renamed"),
            &MemberChange::default(),
            &ctx,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::VersionMismatch));
    assert_eq!(
        s.get_group("g1").await.unwrap().unwrap().display_name,
        "Engineering"
    );
}

#[tokio::test]
async fn a_users_groups_keep_their_order_and_deletions_leave_the_other_side() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let ctx = ChangeContext::by("test");
    let (eng, _) = s
        .insert_group(group("g1", "Engineering"), &ids(&["u1", "u2"]), &ctx)
        .await
        .unwrap();
    let (sales, _) = s
        .insert_group(group("g2", "Sales"), &ids(&["u1"]), &ctx)
        .await
        .unwrap();
    let names = |v: Vec<scim_store::UserGroup>| -> Vec<String> {
        v.into_iter().map(|g| g.display_name).collect()
    };
    assert_eq!(
        names(s.groups_of_user("u1").await.unwrap()),
        ["Engineering", "Sales"]
    );
    // Leaving the first group and joining it again puts it last.
    let (eng, _) = s
        .update_group(
            &eng,
            group("g1", "Engineering"),
            &MemberChange {
                remove: ids(&["u1"]),
                ..Default::default()
            },
            &ctx,
        )
        .await
        .unwrap();
    let (eng, _) = s
        .update_group(
            &eng,
            group("g1", "Engineering"),
            &MemberChange {
                add: ids(&["u1"]),
                ..Default::default()
            },
            &ctx,
        )
        .await
        .unwrap();
    assert_eq!(
        names(s.groups_of_user("u1").await.unwrap()),
        ["Sales", "Engineering"]
    );

    // Deleting a user takes it out of its groups, and the counts follow.
    let u1 = s.get_user("u1").await.unwrap().unwrap();
    s.delete_user(&u1, &ctx).await.unwrap();
    assert_eq!(s.get_group("g1").await.unwrap().unwrap().member_count, 1);
    assert_eq!(s.get_group("g2").await.unwrap().unwrap().member_count, 0);
    assert_eq!(members(s.as_ref(), "g1").await, ids(&["u2"]));

    // Deleting a group leaves its users.
    s.delete_group(&s.get_group("g1").await.unwrap().unwrap(), &ctx)
        .await
        .unwrap();
    assert!(s.get_user("u2").await.unwrap().is_some());
    assert!(s.groups_of_user("u2").await.unwrap().is_empty());
    assert!(matches!(
        s.group_members("g1", 0, 10).await,
        Err(StoreError::NotFound(_))
    ));
    let e = s.delete_group(&eng, &ctx).await.unwrap_err();
    assert!(matches!(e, StoreError::VersionMismatch));
    assert_eq!(s.list_groups(0, 10).await.unwrap().0[0].id, sales.id);
}

#[tokio::test]
async fn the_log_records_membership_changes_as_lists_of_who_came_and_went() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let ctx = ChangeContext::audited("okta", "PATCH", "/scim/v2/Groups/g1");
    let (g, _) = s
        .insert_group(group("g1", "Engineering"), &ids(&["u1", "u2"]), &ctx)
        .await
        .unwrap();
    s.update_group(
        &g,
        group("g1", "Engineering"),
        &MemberChange {
            add: ids(&["u3"]),
            remove: ids(&["u1"]),
            ..Default::default()
        },
        &ctx,
    )
    .await
    .unwrap();
    let events = s
        .list_events(&EventQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    let last = &events[1].event;
    assert_eq!(last.resource_type.as_deref(), Some("Group"));
    assert_eq!(last.user_name.as_deref(), Some("Engineering"));
    let m = last.diff.iter().find(|c| c.path == "members").unwrap();
    assert_eq!(m.new, Some(Value::from(vec!["u3"])));
    assert_eq!(m.old, Some(Value::from(vec!["u1"])));
    let created = events[0]
        .event
        .diff
        .iter()
        .find(|c| c.path == "members")
        .unwrap();
    assert_eq!(created.new, Some(json!(["u1", "u2"])));
}
