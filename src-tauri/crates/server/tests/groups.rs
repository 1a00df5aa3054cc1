//! `/Groups` over HTTP against the real server: every group request shape Okta and Entra ID
//! send (IDP-BEHAVIOUR.md), replayed in `full`; `/Groups` refused in words in `jit`; the
//! protocol around groups (filters, paging, projections, ETags, uniqueness, unknown members,
//! users' read-only `groups`); and roles from group names in every order.

#[macro_use]
mod common;

use reqwest::Method;
use serde_json::{json, Value};

use common::*;
use scim_store::EventQuery;

const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ADSCIM_GROUP: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

/// Users created as Okta's Push New Users does; their ids.
async fn users(srv: &TestServer, names: &[&str]) -> Vec<String> {
    let mut ids = Vec::new();
    for n in names {
        let body = srv
            .provision(&format!("{n}@example.com"), n, "Tester")
            .await;
        ids.push(body["id"].as_str().expect("an id").to_owned());
    }
    ids
}

async fn create_group(srv: &TestServer, name: &str, members: &[&str]) -> String {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    let (status, headers, body) = srv
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_SCHEMA], "displayName": name, "members": members}),
        )
        .await;
    assert_eq!(status, 201, "POST /Groups {name}: {body:#}");
    assert!(headers.get("location").is_some(), "Location header");
    body["id"].as_str().expect("the group's id").to_owned()
}

/// The member ids of a group, as `GET /Groups/{id}` returns them, sorted.
async fn member_ids(srv: &TestServer, id: &str) -> Vec<String> {
    let (status, _h, body) = srv.get(&format!("/Groups/{id}")).await;
    assert_eq!(status, 200, "{body:#}");
    let mut ids: Vec<String> = body["members"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| m["value"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

// ---- jit ------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jit_refuses_groups_in_words_and_discovery_leaves_them_out() {
    let srv = TestServer::start("jit").await;
    for (method, path) in [
        (Method::GET, "/Groups?startIndex=1&count=100"),
        (Method::GET, "/Groups/abc"),
        (Method::POST, "/Groups"),
        (Method::PATCH, "/Groups/abc"),
        (Method::DELETE, "/Groups/abc"),
    ] {
        let body = json!({"displayName": "Sales", "members": []});
        let (status, _h, resp) = srv
            .send(method.clone(), path, Some(&body), Some(&srv.bearer()), &[])
            .await;
        assert_scim_error(status, &resp, 404, None);
        let detail = resp["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("Push Groups"), "{method} {path}: {resp:#}");
    }
    let (_s, _h, types) = srv.get("/ResourceTypes").await;
    assert_eq!(assert_list(&types), 1, "{types:#}");
    let (status, _h, _b) = srv.get("/ResourceTypes/Group").await;
    assert_eq!(status, 404);
    let (status, _h, _b) = srv.get(&format!("/Schemas/{GROUP_SCHEMA}")).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_discovery_describes_groups() {
    let srv = TestServer::start("full").await;
    let (_s, _h, types) = srv.get("/ResourceTypes").await;
    assert_eq!(assert_list(&types), 2, "{types:#}");
    let (status, _h, group) = srv.get("/ResourceTypes/Group").await;
    assert_eq!(status, 200, "{group:#}");
    assert_eq!(group["endpoint"], "/Groups");
    assert_eq!(group["schema"], GROUP_SCHEMA);
    let (status, _h, schema) = srv.get(&format!("/Schemas/{GROUP_SCHEMA}")).await;
    assert_eq!(status, 200, "{schema:#}");
    let names: Vec<&str> = schema["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(
        names.contains(&"displayName") && names.contains(&"members"),
        "{names:?}"
    );
}

// ---- Okta's Push Groups -----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_push_groups_in_order() {
    let srv = TestServer::start("full").await;
    let ids = users(&srv, &["ann", "bob", "cat"]).await;
    // Connector test and lookup.
    let (status, headers, list) = srv.get("/Groups?startIndex=1&count=100").await;
    assert_eq!(status, 200, "{list:#}");
    assert_scim_json(&headers, "GET /Groups");
    assert_eq!(assert_list(&list), 0);
    let (status, _h, list) = srv
        .get("/Groups?filter=displayName%20eq%20%22Sales%22&startIndex=1&count=100")
        .await;
    assert_eq!(status, 200);
    assert_eq!(assert_list(&list), 0);
    // Create with no members.
    let (status, headers, created) = srv
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_SCHEMA], "displayName": "Sales", "members": []}),
        )
        .await;
    assert_eq!(status, 201, "{created:#}");
    assert_scim_json(&headers, "POST /Groups");
    let gid = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["displayName"], "Sales");
    assert_eq!(created["meta"]["resourceType"], "Group");
    assert!(created.get("members").is_none() || created["members"] == json!([]));
    // The lookup finds it now, in any case.
    let (_s, _h, list) = srv
        .get("/Groups?filter=displayName%20eq%20%22sales%22&startIndex=1&count=100")
        .await;
    assert_eq!(assert_list(&list), 1, "{list:#}");
    // Before each membership change, the replace of {id, displayName}.
    let (status, _h, body) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(json!([{"op": "replace", "value": {"id": gid, "displayName": "Sales"}}])),
        )
        .await;
    assert_eq!(status, 204, "{body:#}");
    // Add members with their display names.
    let add: Vec<Value> = ids
        .iter()
        .zip(["ann", "bob", "cat"])
        .map(|(id, n)| json!({"value": id, "display": n}))
        .collect();
    let (status, headers, body) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(json!([{"op": "add", "path": "members", "value": add}])),
        )
        .await;
    assert_eq!(status, 204, "{body:#}");
    assert!(
        headers.get("etag").is_some(),
        "a PATCH answered 204 carries the new ETag"
    );
    assert_eq!(
        member_ids(&srv, &gid).await,
        sorted(&ids.iter().collect::<Vec<_>>())
    );
    // Remove one by a value filter.
    let (status, _h, body) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(
                json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", ids[1])}]),
            ),
        )
        .await;
    assert_eq!(status, 204, "{body:#}");
    assert_eq!(member_ids(&srv, &gid).await, sorted(&[&ids[0], &ids[2]]));
    // A full push: replace the whole list.
    let (status, _h, _b) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(
                json!([{"op": "replace", "path": "members", "value": [{"value": ids[1]}]}]),
            ),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(member_ids(&srv, &gid).await, vec![ids[1].clone()]);
    // Or a PUT with the whole list (and a rename).
    let (status, _h, put) = srv
        .put(
            &format!("/Groups/{gid}"),
            &json!({"schemas": [GROUP_SCHEMA], "id": gid, "displayName": "Sales EMEA",
                "members": [{"value": ids[0]}, {"value": ids[2]}]}),
        )
        .await;
    assert_eq!(status, 200, "{put:#}");
    assert_eq!(put["displayName"], "Sales EMEA");
    assert_eq!(put["members"].as_array().map(Vec::len), Some(2), "{put:#}");
    // Each user's read-only groups.
    let (_s, _h, ann) = srv.get(&format!("/Users/{}", ids[0])).await;
    assert_eq!(ann["groups"][0]["value"], gid.as_str(), "{ann:#}");
    assert_eq!(ann["groups"][0]["display"], "Sales EMEA");
    assert_eq!(ann["groups"][0]["type"], "direct");
    let (_s, _h, bob) = srv.get(&format!("/Users/{}", ids[1])).await;
    assert!(bob.get("groups").is_none(), "bob left the group: {bob:#}");
    // Delete the group: its users stay.
    let (status, _h, _b) = srv.delete(&format!("/Groups/{gid}")).await;
    assert_eq!(status, 204);
    let (status, _h, _b) = srv.get(&format!("/Groups/{gid}")).await;
    assert_eq!(status, 404);
    let (status, _h, ann) = srv.get(&format!("/Users/{}", ids[0])).await;
    assert_eq!(status, 200);
    assert!(ann.get("groups").is_none(), "{ann:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_adds_hundreds_of_members_in_one_request() {
    let srv = TestServer::start("full").await;
    let names: Vec<String> = (0..256).map(|i| format!("user{i:03}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let ids = users(&srv, &refs).await;
    let gid = create_group(&srv, "Everyone", &[]).await;
    let add: Vec<Value> = ids
        .iter()
        .map(|id| json!({"value": id, "display": "x"}))
        .collect();
    let (status, _h, body) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(json!([{"op": "add", "path": "members", "value": add}])),
        )
        .await;
    assert_eq!(status, 204, "{body:#}");
    let (_s, _h, g) = srv
        .get(&format!("/Groups/{gid}?excludedAttributes=members"))
        .await;
    assert!(g.get("members").is_none(), "{g:#}");
    assert_eq!(member_ids(&srv, &gid).await.len(), 256);
    // The log records the change as the members added, not as a whole list.
    let e = srv
        .wait_event("the add", |e| {
            e.event.method == "PATCH" && e.event.resource_type.as_deref() == Some("Group")
        })
        .await;
    let members = e
        .event
        .diff
        .iter()
        .find(|d| d.path == "members")
        .expect("a members change");
    assert_eq!(
        members.new.as_ref().and_then(Value::as_array).map(Vec::len),
        Some(256)
    );
    assert!(members.old.is_none());
}

// ---- Entra ID -------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra_group_shapes() {
    let srv = TestServer::start_entra("full").await;
    let ids = users(&srv, &["dee", "eve", "fay"]).await;
    let (status, _h, list) = srv
        .get("/Groups?excludedAttributes=members&filter=displayName eq \"Finance\"")
        .await;
    assert_eq!(status, 200, "{list:#}");
    assert_eq!(assert_list(&list), 0);
    let (status, _h, created) = srv
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_SCHEMA, ADSCIM_GROUP], "externalId": guid(),
                "displayName": "Finance", "members": []}),
        )
        .await;
    assert_eq!(status, 201, "{created:#}");
    let gid = created["id"].as_str().unwrap().to_owned();
    // Capitalised ops, $ref: null.
    let (status, _h, body) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(json!([{"op": "Add", "path": "members", "value": [
                {"$ref": null, "value": ids[0]}, {"$ref": null, "value": ids[1]}, {"$ref": null, "value": ids[2]}]}])),
        )
        .await;
    assert_eq!(status, 204, "{body:#}");
    // The old-style removal removes the members listed, and only those.
    let (status, _h, body) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(json!([{"op": "Remove", "path": "members", "value": [{"value": ids[0]}]}])),
        )
        .await;
    assert_eq!(status, 204, "{body:#}");
    assert_eq!(member_ids(&srv, &gid).await, sorted(&[&ids[1], &ids[2]]));
    // Entra's rename.
    let (status, _h, _b) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(json!([{"op": "Replace", "path": "displayName", "value": "Finance EU"}])),
        )
        .await;
    assert_eq!(status, 204);
    let (_s, _h, list) = srv
        .get("/Groups?excludedAttributes=members&filter=displayName eq \"Finance EU\"")
        .await;
    assert_eq!(assert_list(&list), 1, "{list:#}");
    assert!(resources(&list)[0].get("members").is_none());
    // Asking for the group in the answer gets 200 with it.
    let (status, _h, body) = srv
        .patch(
            &format!("/Groups/{gid}?excludedAttributes=members"),
            &patch_body(json!([{"op": "Replace", "path": "externalId", "value": "ext-1"}])),
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body["externalId"], "ext-1");
    assert!(body.get("members").is_none());
    // Deleting a user removes it from its groups.
    let (status, _h, _b) = srv.delete(&format!("/Users/{}", ids[1])).await;
    assert_eq!(status, 204);
    assert_eq!(member_ids(&srv, &gid).await, vec![ids[2].clone()]);
}

// ---- the protocol around groups -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uniqueness_unknown_members_and_etags() {
    let srv = TestServer::start("full").await;
    let ids = users(&srv, &["gil"]).await;
    let gid = create_group(&srv, "Ops", &[&ids[0]]).await;
    // displayName is unique case-insensitively.
    let (status, _h, body) = srv
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_SCHEMA], "displayName": "OPS"}),
        )
        .await;
    assert_scim_error(status, &body, 409, Some("uniqueness"));
    // Unknown member ids: 400 invalidValue, and nothing applied.
    let (status, _h, body) = srv
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_SCHEMA], "displayName": "Dev",
                "members": [{"value": ids[0]}, {"value": "no-such-user"}]}),
        )
        .await;
    assert_scim_error(status, &body, 400, Some("invalidValue"));
    assert!(
        body["detail"].as_str().unwrap().contains("no-such-user"),
        "{body:#}"
    );
    let (_s, _h, list) = srv.get("/Groups?filter=displayName eq \"Dev\"").await;
    assert_eq!(assert_list(&list), 0, "nothing was created");
    let (status, _h, body) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(json!([
                {"op": "replace", "path": "displayName", "value": "Ops 2"},
                {"op": "add", "path": "members", "value": [{"value": "nobody"}]}])),
        )
        .await;
    assert_scim_error(status, &body, 400, Some("invalidValue"));
    let (_s, _h, g) = srv.get(&format!("/Groups/{gid}")).await;
    assert_eq!(g["displayName"], "Ops", "nothing applied: {g:#}");
    // A rename onto another group's name.
    create_group(&srv, "Support", &[]).await;
    let (status, _h, body) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(json!([{"op": "replace", "path": "displayName", "value": "support"}])),
        )
        .await;
    assert_scim_error(status, &body, 409, Some("uniqueness"));
    // ETags: If-None-Match, and If-Match on a stale version.
    let (_s, headers, _g) = srv.get(&format!("/Groups/{gid}")).await;
    let etag = headers.get("etag").unwrap().to_str().unwrap().to_owned();
    let (status, _h, _b) = srv
        .with_headers(
            Method::GET,
            &format!("/Groups/{gid}"),
            None,
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(status, 304);
    let (status, _h, _b) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(json!([{"op": "replace", "path": "displayName", "value": "Ops West"}])),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _h, body) = srv
        .with_headers(
            Method::DELETE,
            &format!("/Groups/{gid}"),
            None,
            &[("If-Match", &etag)],
        )
        .await;
    assert_scim_error(status, &body, 412, None);
    // A group needs a name; members must be users.
    let (status, _h, body) = srv.post("/Groups", &json!({"members": []})).await;
    assert_scim_error(status, &body, 400, None);
    let (status, _h, body) = srv
        .post(
            "/Groups",
            &json!({"displayName": "Nested", "members": [{"value": gid, "type": "Group"}]}),
        )
        .await;
    assert_scim_error(status, &body, 400, Some("invalidValue"));
    // A read-only token cannot change groups.
    let reader = srv
        .insert_token("reader", scim_store::Permission::UserRead, None)
        .await;
    let (status, _h, body) = srv
        .as_token(
            &reader,
            Method::POST,
            "/Groups",
            Some(&json!({"displayName": "X"})),
        )
        .await;
    assert_scim_error(status, &body, 403, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_paging_sorting_and_projections() {
    let srv = TestServer::start("full").await;
    let ids = users(&srv, &["hal", "ida"]).await;
    for (name, members) in [
        ("Alpha", vec![ids[0].as_str()]),
        ("beta", vec![ids[0].as_str(), ids[1].as_str()]),
        ("Gamma", vec![]),
    ] {
        create_group(&srv, name, &members).await;
    }
    let names = |list: &Value| -> Vec<String> {
        resources(list)
            .iter()
            .map(|g| g["displayName"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let get = |q: String| {
        let srv = &srv;
        async move {
            let (status, _h, body) = srv.get(&q).await;
            assert_eq!(status, 200, "{q}: {body:#}");
            body
        }
    };
    // The whole grammar: members.value, co, sw, not, or, meta.
    let l = get(format!(
        "/Groups?filter=members.value eq \"{}\"&sortBy=displayName",
        ids[1]
    ))
    .await;
    assert_eq!(names(&l), ["beta"]);
    let l = get(format!(
        "/Groups?filter=members[value eq \"{}\"]&sortBy=displayName",
        ids[0]
    ))
    .await;
    assert_eq!(names(&l), ["Alpha", "beta"]);
    let l = get("/Groups?filter=displayName co \"a\" and not (members pr)".to_owned()).await;
    assert_eq!(names(&l), ["Gamma"]);
    let l = get(
        "/Groups?filter=displayName sw \"AL\" or displayName ew \"TA\"&sortBy=displayName"
            .to_owned(),
    )
    .await;
    assert_eq!(names(&l), ["Alpha", "beta"]);
    let l = get(
        "/Groups?filter=meta.resourceType eq \"Group\"&sortBy=displayName&sortOrder=descending"
            .to_owned(),
    )
    .await;
    assert_eq!(names(&l), ["Gamma", "beta", "Alpha"]);
    // Paging: stable, with integer counts.
    let l = get("/Groups?startIndex=2&count=1".to_owned()).await;
    assert_eq!(l["totalResults"], 3);
    assert_eq!(l["itemsPerPage"], 1);
    assert_eq!(l["startIndex"], 2);
    assert_eq!(names(&l), ["beta"]);
    // attributes / excludedAttributes.
    let l = get("/Groups?attributes=displayName&filter=displayName eq \"beta\"".to_owned()).await;
    let g = &resources(&l)[0];
    assert!(g.get("members").is_none() && g.get("id").is_some(), "{g:#}");
    let l = get("/Groups?attributes=members.value&filter=displayName eq \"beta\"".to_owned()).await;
    let g = &resources(&l)[0];
    assert_eq!(g["members"].as_array().map(Vec::len), Some(2), "{g:#}");
    assert!(g.get("displayName").is_none());
    // A SearchRequest.
    let (status, _h, l) = srv
        .post(
            "/Groups/.search",
            &json!({"schemas": [SEARCH_SCHEMA], "filter": "displayName eq \"gamma\"",
                "excludedAttributes": ["members"]}),
        )
        .await;
    assert_eq!(status, 200, "{l:#}");
    assert_eq!(names(&l), ["Gamma"]);
    // A search at the root covers users and groups, paged across both.
    let (status, _h, l) = srv
        .post(
            "/.search",
            &json!({"schemas": [SEARCH_SCHEMA], "filter": "meta.resourceType pr", "startIndex": 2, "count": 2}),
        )
        .await;
    assert_eq!(status, 200, "{l:#}");
    assert_eq!(l["totalResults"], 5, "two users and three groups: {l:#}");
    let types: Vec<String> = resources(&l)
        .iter()
        .map(|r| {
            r["meta"]["resourceType"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(types, ["User", "Group"], "{l:#}");
    // Users by their groups.
    let (_s, _h, beta) = srv.get("/Groups?filter=displayName eq \"beta\"").await;
    let beta_id = resources(&beta)[0]["id"].as_str().unwrap().to_owned();
    let (status, _b, found) = srv
        .filter_user_names(&format!("groups.value eq \"{beta_id}\""))
        .await;
    assert_eq!(status, 200);
    assert_eq!(found, ["hal@example.com", "ida@example.com"]);
    // A bad filter is a SCIM Error.
    let (status, _h, body) = srv.get("/Groups?filter=displayName eq").await;
    assert_scim_error(status, &body, 400, Some("invalidFilter"));
}

// ---- roles from group names -----------------------------------------------------------------

async fn bigpanda(srv: &TestServer, on_last: &str) {
    for role in ["Admin", "Analyst", "Read Only"] {
        let _ = srv.core.add_role(role).await;
    }
    for (k, v) in [
        ("org-name", "acme"),
        ("group-role-pattern", "BigPanda_{org}_BPRole_{role}"),
        ("on-last-role-removed", on_last),
    ] {
        srv.core.set_setting(k, v).await.expect("setting");
    }
}

async fn role_of(srv: &TestServer, id: &str) -> (Option<String>, bool) {
    let u = srv.store.get_user(id).await.unwrap().expect("the user");
    (
        u.data
            .get("pantherRole")
            .and_then(Value::as_str)
            .map(str::to_owned),
        u.active,
    )
}

async fn add(srv: &TestServer, gid: &str, uid: &str) {
    let (status, _h, body) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(json!([{"op": "add", "path": "members", "value": [{"value": uid}]}])),
        )
        .await;
    assert_eq!(status, 204, "{body:#}");
}

async fn remove(srv: &TestServer, gid: &str, uid: &str) {
    let (status, _h, body) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(json!([{"op": "remove", "path": format!("members[value eq \"{uid}\"]")}])),
        )
        .await;
    assert_eq!(status, 204, "{body:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_follow_the_group_joined_first() {
    let srv = TestServer::start("full").await;
    bigpanda(&srv, "deactivate").await;
    let ids = users(&srv, &["jo"]).await;
    let jo = &ids[0];
    let analyst = create_group(&srv, "BigPanda_acme_BPRole_Analyst", &[]).await;
    let admin = create_group(&srv, "BigPanda_acme_BPRole_Admin", &[]).await;
    let plain = create_group(&srv, "Engineering", &[]).await;
    // A plain group gives nothing.
    add(&srv, &plain, jo).await;
    assert_eq!(role_of(&srv, jo).await, (None, true));
    // Assign: the role comes from the group.
    add(&srv, &admin, jo).await;
    assert_eq!(role_of(&srv, jo).await, (Some("Admin".into()), true));
    // A second role group: the first stays.
    add(&srv, &analyst, jo).await;
    assert_eq!(role_of(&srv, jo).await, (Some("Admin".into()), true));
    // Leaving the first: the next in order of assignment.
    remove(&srv, &admin, jo).await;
    assert_eq!(role_of(&srv, jo).await, (Some("Analyst".into()), true));
    // The cause is in the log.
    let e = srv
        .wait_event("the derived role", |e| {
            e.event.method == "ROLE" && e.event.path.contains("Analyst")
        })
        .await;
    assert_eq!(
        e.event.path,
        "role Analyst from group BigPanda_acme_BPRole_Analyst"
    );
    assert_eq!(e.event.resource_id.as_deref(), Some(jo.as_str()));
    assert!(
        e.event.diff.iter().any(|d| d.path == "pantherRole"),
        "{e:#?}"
    );
    assert_eq!(e.event.client.as_deref(), Some(TOKEN_NAME));
    // Leaving the last: deactivated, as set; the role attribute is left as it was.
    remove(&srv, &analyst, jo).await;
    assert_eq!(role_of(&srv, jo).await, (Some("Analyst".into()), false));
    srv.wait_event("the deactivation", |e| {
        e.event.method == "ROLE" && e.event.path.starts_with("deactivated")
    })
    .await;
    // Leaving a plain group changes nothing.
    remove(&srv, &plain, jo).await;
    assert_eq!(role_of(&srv, jo).await, (Some("Analyst".into()), false));
    // Assigned a role group again: active again, with its role (the identity provider never
    // deactivated it, so it sends no reactivation).
    add(&srv, &admin, jo).await;
    assert_eq!(role_of(&srv, jo).await, (Some("Admin".into()), true));
    srv.wait_event("the reactivation", |e| {
        e.event.method == "ROLE"
            && e.event.path == "reactivated with role Admin from group BigPanda_acme_BPRole_Admin"
    })
    .await;
    // Deactivated by the identity provider, it stays so whatever groups it joins.
    let (status, _h, _b) = srv
        .patch(
            &format!("/Users/{jo}"),
            &patch_body(json!([{"op": "replace", "path": "active", "value": false}])),
        )
        .await;
    assert_eq!(status, 200);
    remove(&srv, &admin, jo).await;
    add(&srv, &analyst, jo).await;
    assert_eq!(role_of(&srv, jo).await, (Some("Analyst".into()), false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_role_group_removed_deletes_when_set_and_roles_from_elsewhere_stay() {
    let srv = TestServer::start("full").await;
    bigpanda(&srv, "delete").await;
    let ids = users(&srv, &["kim", "lee"]).await;
    // lee's role comes from the role attribute and no role group applies: left alone.
    let (status, _h, _b) = srv
        .patch(
            &format!("/Users/{}", ids[1]),
            &patch_body(json!([{"op": "replace", "path": "pantherRole", "value": "Read Only"}])),
        )
        .await;
    assert_eq!(status, 200);
    let admin = create_group(&srv, "BigPanda_acme_BPRole_Admin", &[&ids[0]]).await;
    let plain = create_group(&srv, "Everyone", &[&ids[0], &ids[1]]).await;
    assert_eq!(role_of(&srv, &ids[0]).await, (Some("Admin".into()), true));
    remove(&srv, &plain, &ids[1]).await;
    assert_eq!(
        role_of(&srv, &ids[1]).await,
        (Some("Read Only".into()), true)
    );
    // Deleting the role group takes kim's last role group away: deleted, as set.
    let (status, _h, _b) = srv.delete(&format!("/Groups/{admin}")).await;
    assert_eq!(status, 204);
    let (status, _h, _b) = srv.get(&format!("/Users/{}", ids[0])).await;
    assert_eq!(status, 404, "kim is deleted");
    srv.wait_event("the deletion", |e| {
        e.event.method == "ROLE" && e.event.path.starts_with("deleted")
    })
    .await;
    assert_eq!(member_ids(&srv, &plain).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_roles_are_refused_and_renames_move_roles() {
    let srv = TestServer::start("full").await;
    bigpanda(&srv, "deactivate").await;
    let ids = users(&srv, &["max"]).await;
    // A group that would grant an undefined role: refused on create, and nothing made.
    let (status, _h, body) = srv
        .post(
            "/Groups",
            &json!({"displayName": "BigPanda_acme_BPRole_Superuser"}),
        )
        .await;
    assert_scim_error(status, &body, 400, Some("invalidValue"));
    assert!(
        body["detail"].as_str().unwrap().contains("Superuser"),
        "{body:#}"
    );
    // Spaces are underscores; another organisation's groups grant nothing.
    let ro = create_group(&srv, "BigPanda_acme_BPRole_Read_Only", &[&ids[0]]).await;
    assert_eq!(
        role_of(&srv, &ids[0]).await,
        (Some("Read Only".into()), true)
    );
    create_group(&srv, "BigPanda_other_BPRole_Superuser", &[&ids[0]]).await;
    assert_eq!(
        role_of(&srv, &ids[0]).await,
        (Some("Read Only".into()), true)
    );
    // Renamed into an undefined role: refused, and nothing applied.
    let (status, _h, body) = srv
        .patch(
            &format!("/Groups/{ro}"),
            &patch_body(json!([{"op": "replace", "path": "displayName", "value": "BigPanda_acme_BPRole_Owner"}])),
        )
        .await;
    assert_scim_error(status, &body, 400, Some("invalidValue"));
    // Renamed to another role: its members take it.
    let (status, _h, body) = srv
        .put(
            &format!("/Groups/{ro}"),
            &json!({"displayName": "BigPanda_acme_BPRole_Analyst"}),
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(
        body["members"].as_array().map(Vec::len),
        Some(1),
        "a PUT without members keeps them: {body:#}"
    );
    assert_eq!(role_of(&srv, &ids[0]).await, (Some("Analyst".into()), true));
    // Renamed out of the pattern: the last role group is gone.
    let (status, _h, _b) = srv
        .patch(
            &format!("/Groups/{ro}"),
            &patch_body(
                json!([{"op": "replace", "path": "displayName", "value": "Analysts (old)"}]),
            ),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        role_of(&srv, &ids[0]).await,
        (Some("Analyst".into()), false)
    );
    // The log never holds a whole member list for these: every ROLE entry names one user.
    let entries = srv
        .store
        .list_events(&EventQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(entries.iter().filter(|e| e.event.method == "ROLE").count() >= 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_push_replaces_thousands_of_members_in_one_patch() {
    let srv = TestServer::start("full").await;
    let n = 5_000u64;
    let users: Vec<scim_store::UserWrite> = (0..n)
        .map(|i| {
            let mut data = serde_json::Map::new();
            data.insert("userName".into(), json!(format!("bulk{i}@example.com")));
            data.insert("active".into(), json!(true));
            scim_store::UserWrite::new(format!("b{i}"), data, scim_store::UserSource::Scim)
        })
        .collect();
    srv.store.bulk_insert_users(users).await.expect("users");
    let gid = create_group(&srv, "Everyone", &[]).await;
    let all: Vec<Value> = (0..n).map(|i| json!({"value": format!("b{i}")})).collect();
    let (status, _h, body) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(json!([{"op": "replace", "path": "members", "value": all}])),
        )
        .await;
    assert_eq!(status, 204, "{body:#}");
    let (_s, _h, g) = srv
        .get(&format!("/Groups/{gid}?attributes=members.value"))
        .await;
    assert_eq!(g["members"].as_array().map(Vec::len), Some(n as usize));
    // The next full push keeps two: the others are removed, and the log counts them.
    let (status, _h, _b) = srv
        .patch(
            &format!("/Groups/{gid}"),
            &patch_body(json!([{"op": "replace", "path": "members",
                "value": [{"value": "b7"}, {"value": "b9"}]}])),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(member_ids(&srv, &gid).await, ["b7", "b9"]);
    let e = srv
        .wait_event("the second push", |e| {
            e.event.method == "PATCH"
                && e.event
                    .diff
                    .iter()
                    .any(|d| d.path == "members" && d.old.is_some())
        })
        .await;
    let removed = e.event.diff.iter().find(|d| d.path == "members").unwrap();
    let list = removed.old.as_ref().unwrap().as_array().unwrap();
    let note = list.last().unwrap().as_str().unwrap();
    let kept = list.len() - 1;
    assert_eq!(
        note,
        format!("…[{} more not stored]", n as usize - 2 - kept)
    );
    assert_eq!(
        e.event.status, 204,
        "the log says what the client was answered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_left_without_a_role_count_toward_the_guard_and_are_held_until_released() {
    let srv = TestServer::start("full").await;
    bigpanda(&srv, "deactivate").await;
    for (k, v) in [("guard-count", "2"), ("guard-percent", "0")] {
        srv.core.set_setting(k, v).await.expect("guard setting");
    }
    let ids = users(&srv, &["u1", "u2", "u3", "u4", "u5"]).await;
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let admins = create_group(&srv, "BigPanda_acme_BPRole_Admin", &refs).await;
    // Deleting the role group leaves five users without a role: two are deactivated, then the
    // guard trips and holds the other three. The group is gone either way.
    let (status, _h, body) = srv.delete(&format!("/Groups/{admins}")).await;
    assert_eq!(status, 204, "{body:#}");
    let mut inactive = 0;
    for id in &ids {
        if !role_of(&srv, id).await.1 {
            inactive += 1;
        }
    }
    assert_eq!(inactive, 2, "the guard let two through");
    let (held, n) = srv.store.held_requests(100).await.unwrap();
    assert_eq!(n, 3, "{held:#?}");
    assert!(held
        .iter()
        .all(|h| h.kind == "deactivate: no role group left"
            && h.token_name.as_deref() == Some(TOKEN_NAME)));
    // The derived deactivations are in the log with the token of the request that caused them.
    let e = srv
        .wait_event("a derived deactivation", |e| {
            e.event.method == "ROLE" && e.event.path.starts_with("deactivated")
        })
        .await;
    assert_eq!(e.event.token_name.as_deref(), Some(TOKEN_NAME));
    // Releasing works them out again: no role group gives them a role, so they go too.
    assert_eq!(srv.core.release_guard().await.unwrap(), 3);
    for id in &ids {
        assert!(
            !role_of(&srv, id).await.1,
            "{id} deactivated after the release"
        );
    }
    assert_eq!(srv.store.held_requests(100).await.unwrap().1, 0);
    // Their releases are used up by that: none is left for a later deprovision to pass on.
    for h in &held {
        assert!(
            !srv.store.take_released(&h.resource_id).await.unwrap(),
            "{} kept a released mark",
            h.resource_id
        );
    }
}
