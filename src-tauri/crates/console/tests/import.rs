//! A SCIM server read through SCIM alone (as a foreign one is): a paged import of every user
//! and group with progress, and what changed between two imports.

mod common;

use serde_json::json;

use scim_client::import::{diff, import, ChangeKind};
use scim_store::Permission;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_imports_show_what_was_added_removed_and_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _db) = common::start(&dir, false, false).await;
    c.set_setting("provisioning", "full").await.unwrap();
    c.set_setting("rate-limit", "off").await.unwrap();
    let (_t, secret) = c
        .core
        .create_token("reader", Permission::UserModify, None)
        .await
        .unwrap();
    let client = scim_client::okta::client(&c.base_url, &secret).unwrap();
    let mut ids = Vec::new();
    for i in 0..120 {
        let x = client
            .send(
                "POST".parse().unwrap(),
                "/Users",
                Some(
                    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": format!("user{i:03}@example.com"), "active": true}),
                ),
            )
            .await
            .unwrap();
        assert_eq!(x.status, 201);
        ids.push(x.response.unwrap()["id"].as_str().unwrap().to_owned());
    }
    for g in ["Sales", "Ops"] {
        let x = client
            .send(
                "POST".parse().unwrap(),
                "/Groups",
                Some(json!({"displayName": g, "members": [{"value": ids[0]}]})),
            )
            .await
            .unwrap();
        assert_eq!(x.status, 201);
    }
    let mut seen = Vec::new();
    let first = import(&client, 50, |p| seen.push(p)).await.unwrap();
    assert_eq!(first.users.len(), 120);
    assert_eq!(first.groups.len(), 2);
    assert!(first.groups_offered);
    let users: Vec<_> = seen.iter().filter(|p| p.resource == "Users").collect();
    assert_eq!(users.len(), 3, "three pages of 50: {seen:?}");
    assert_eq!(users.last().unwrap().fetched, 120);
    assert_eq!(users.last().unwrap().total, 120);

    // Between two polls: one deactivated, one deleted, one created, a group renamed.
    let off = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": false}}]});
    let x = client
        .send(
            "PATCH".parse().unwrap(),
            &format!("/Users/{}", ids[5]),
            Some(off),
        )
        .await
        .unwrap();
    assert_eq!(x.status, 200);
    let x = client
        .send(
            "DELETE".parse().unwrap(),
            &format!("/Users/{}", ids[6]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(x.status, 204);
    let x = client
        .send(
            "POST".parse().unwrap(),
            "/Users",
            Some(json!({"userName": "new@example.com", "active": true})),
        )
        .await
        .unwrap();
    assert_eq!(x.status, 201);
    let second = import(&client, 50, |_| {}).await.unwrap();
    let changes = diff(&first, &second);
    let find = |k: ChangeKind, name: &str| changes.iter().find(|c| c.kind == k && c.name == name);
    assert_eq!(
        find(ChangeKind::Changed, "user005@example.com")
            .unwrap()
            .attributes,
        ["active"]
    );
    assert!(find(ChangeKind::Removed, "user006@example.com").is_some());
    assert!(find(ChangeKind::Added, "new@example.com").is_some());
    // Nothing else: no group changed (user006 was in none).
    assert_eq!(changes.len(), 3, "{changes:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_refuses_says_so_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _db) = common::start(&dir, false, false).await;
    let client = scim_client::okta::client(&c.base_url, "not-a-token").unwrap();
    let e = import(&client, 100, |_| {}).await.unwrap_err();
    assert!(e.to_string().contains("401"), "{e}");
    // Under just-in-time provisioning /Groups is not offered: users are read all the same.
    let (_t, secret) = c
        .core
        .create_token("reader", Permission::UserRead, None)
        .await
        .unwrap();
    let client = scim_client::okta::client(&c.base_url, &secret).unwrap();
    let s = import(&client, 100, |_| {}).await.unwrap();
    assert!(!s.groups_offered);
}
