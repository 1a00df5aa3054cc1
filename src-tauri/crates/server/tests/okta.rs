//! Okta's SCIM 2.0 connector, replayed request by request (see IDP-BEHAVIOUR.md), under both
//! provisioning policies where the request applies.

#[macro_use]
mod common;

use std::collections::HashSet;

use futures::StreamExt;
use reqwest::Method;
use serde_json::json;

use common::*;

both_policies!(
    connector_test,
    lookup_by_user_name,
    profile_update_get_then_put,
    duplicate_user_name_on_put,
    deactivate_and_reactivate_with_patch,
    deactivate_with_get_then_put,
    import_paging,
    unknown_id_is_404,
    bad_authorization_is_401,
    groups_endpoint_is_a_scim_error,
    user_without_role_gets_default_role,
    lookup_with_special_characters,
);

// ---- connector test -------------------------------------------------------------------------

async fn connector_test(policy: &str) {
    let srv = TestServer::start(policy).await;
    for (i, name) in ["ann", "ben", "cat"].iter().enumerate() {
        srv.provision(&format!("{name}@example.com"), name, &format!("Family{i}"))
            .await;
    }
    let (status, headers, body) = srv.get("/Users?startIndex=1&count=2").await;
    assert_eq!(
        status, 200,
        "connector test GET /Users?startIndex=1&count=2: {body:#}"
    );
    assert_scim_json(&headers, "GET /Users");
    assert_eq!(
        assert_list(&body),
        3,
        "totalResults counts every user: {body:#}"
    );
    assert_eq!(body["startIndex"], 1, "{body:#}");
    assert_eq!(body["itemsPerPage"], 2, "{body:#}");
    let rs = resources(&body);
    assert_eq!(rs.len(), 2, "count=2 returns two users: {body:#}");
    for r in &rs {
        assert!(
            r["id"].as_str().is_some_and(|s| !s.is_empty()),
            "every user has an id: {body:#}"
        );
        assert!(
            r["userName"].is_string(),
            "every user has a userName: {body:#}"
        );
        assert!(
            r.get("password").is_none(),
            "password must never be returned: {body:#}"
        );
        assert_eq!(r["meta"]["resourceType"], "User", "{body:#}");
    }
}

// ---- lookup before create -------------------------------------------------------------------

async fn lookup_by_user_name(policy: &str) {
    let srv = TestServer::start(policy).await;
    // Absent: the exact request Okta sends, percent-encoded.
    let (status, headers, body) = srv
        .get("/Users?filter=userName%20eq%20%22jane%40example.com%22&startIndex=1&count=100")
        .await;
    assert_eq!(status, 200, "lookup of an absent user: {body:#}");
    assert_scim_json(&headers, "lookup");
    assert_eq!(
        assert_list(&body),
        0,
        "absent user → totalResults 0: {body:#}"
    );
    assert!(
        body["totalResults"].is_u64(),
        "totalResults must be a JSON integer, not {:?}",
        body["totalResults"]
    );
    assert!(resources(&body).is_empty(), "{body:#}");

    let user = srv.provision("Jane.Doe@Example.com", "Jane", "Doe").await;
    let id = user["id"].as_str().unwrap();
    for filter_value in [
        "Jane.Doe@Example.com",
        "jane.doe@example.com",
        "JANE.DOE@EXAMPLE.COM",
    ] {
        let path = format!(
            "/Users?filter=userName%20eq%20%22{}%22&startIndex=1&count=100",
            filter_value.replace('@', "%40")
        );
        let (status, _h, body) = srv.get(&path).await;
        assert_eq!(status, 200, "lookup {filter_value}: {body:#}");
        assert_eq!(
            assert_list(&body),
            1,
            "lookup {filter_value} finds the user (case-insensitive): {body:#}"
        );
        let r = &resources(&body)[0];
        assert_eq!(r["id"], id, "{body:#}");
        assert_eq!(
            r["userName"], "Jane.Doe@Example.com",
            "userName is returned as it was sent: {body:#}"
        );
    }
    // Another user's name does not match.
    let (status, _h, body) = srv
        .get("/Users?filter=userName%20eq%20%22jane%40example.org%22&startIndex=1&count=100")
        .await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(assert_list(&body), 0, "{body:#}");
}

// ---- push new users -------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_new_user_full_creates_and_never_returns_password() {
    let srv = TestServer::start("full").await;
    let okta = okta_id();
    let sent = okta_user_body("jane.doe@example.com", "Jane", "Doe", &okta);
    let (status, headers, body) = srv.post("/Users", &sent).await;
    assert_eq!(status, 201, "Push New Users: {body:#}");
    assert_scim_json(&headers, "POST /Users");
    let id = body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {body:#}"))
        .to_owned();
    assert!(!id.is_empty());
    assert!(
        body.get("password").is_none(),
        "password must never be returned: {body:#}"
    );
    assert!(
        !body.to_string().contains("1mz050nq"),
        "the password text leaked into the response: {body:#}"
    );
    assert_eq!(body["userName"], "jane.doe@example.com", "{body:#}");
    assert_eq!(body["name"]["givenName"], "Jane", "{body:#}");
    assert_eq!(body["name"]["familyName"], "Doe", "{body:#}");
    assert_eq!(body["displayName"], "Jane Doe", "{body:#}");
    assert_eq!(body["locale"], "en-US", "{body:#}");
    assert_eq!(body["externalId"], okta.as_str(), "{body:#}");
    assert_eq!(body["active"], true, "{body:#}");
    assert_eq!(
        body["emails"],
        json!([{"primary": true, "value": "jane.doe@example.com", "type": "work"}]),
        "{body:#}"
    );
    assert!(
        body["schemas"]
            .as_array()
            .is_some_and(|s| s.iter().any(|v| v == USER_SCHEMA)),
        "{body:#}"
    );
    assert_eq!(body["meta"]["resourceType"], "User", "{body:#}");
    let location = body["meta"]["location"].as_str().unwrap_or_default();
    assert_eq!(
        location,
        format!("{}/Users/{id}", srv.base),
        "meta.location: {body:#}"
    );
    assert_eq!(
        headers.get("location").and_then(|v| v.to_str().ok()),
        Some(location),
        "Location header equals meta.location"
    );
    assert_eq!(
        etag(&headers),
        body["meta"]["version"].as_str().unwrap_or_default(),
        "ETag = meta.version"
    );
    if let Some(groups) = body.get("groups") {
        assert_eq!(
            groups,
            &json!([]),
            "groups are read-only and were sent empty: {body:#}"
        );
    }

    // Readable afterwards, still without a password.
    let (status, _h, got) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(status, 200, "{got:#}");
    assert!(got.get("password").is_none(), "{got:#}");
    assert_eq!(got["userName"], "jane.doe@example.com");
    // Stored hashed, never in the resource.
    let rec = srv.store.get_user(&id).await.unwrap().expect("stored");
    assert!(
        rec.data.get("password").is_none(),
        "password must not be stored in the resource: {:?}",
        rec.data
    );
    let hash = rec.password_hash.expect("the password is stored hashed");
    assert!(
        !hash.contains("1mz050nq"),
        "the password is stored in clear: {hash}"
    );

    // Okta's next lookup finds it.
    let (_s, _h, list) = srv
        .get("/Users?filter=userName%20eq%20%22jane.doe%40example.com%22&startIndex=1&count=100")
        .await;
    assert_eq!(assert_list(&list), 1, "{list:#}");
}

/// DESIGN.md: "A user without a role gets the default role". The SCIM representation carries
/// only a role the identity provider set, so that removing the role attribute really removes it;
/// the role the user has in the application is then the default role, whatever it is.
async fn user_without_role_gets_default_role(policy: &str) {
    let srv = TestServer::start(policy).await;
    let user = srv.provision("jane@example.com", "Jane", "Doe").await;
    let id = user["id"].as_str().unwrap().to_owned();
    assert!(
        user.get("pantherRole").is_none(),
        "no role was set: {user:#}"
    );
    let rec = srv.store.get_user(&id).await.unwrap().unwrap();
    assert_eq!(rec.role, None, "no explicit role stored");
    let rt = srv.core.runtime().await.unwrap();
    assert_eq!(
        rt.effective_role(&rec),
        "ReadOnlyAnalyst",
        "the default role applies"
    );

    // The default-role setting is honoured, also for users who already exist.
    srv.core
        .set_setting("default-role", "Analyst")
        .await
        .expect("set default-role");
    let rt = srv.core.runtime().await.unwrap();
    assert_eq!(rt.effective_role(&rec), "Analyst");

    // A role set by the IdP wins; removing it returns the user to the default role.
    let set = json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "pantherRole", "value": "admin"}]});
    let (status, _h, body) = srv.patch(&format!("/Users/{id}"), &set).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(
        body["pantherRole"], "Admin",
        "stored in the role's own spelling: {body:#}"
    );
    let rec = srv.store.get_user(&id).await.unwrap().unwrap();
    assert_eq!(
        (rec.role.as_deref(), rt.effective_role(&rec)),
        (Some("Admin"), "Admin")
    );
    let (status, _body, names) = srv.filter_user_names("pantherRole eq \"Admin\"").await;
    assert_eq!((status, names), (200, vec!["jane@example.com".to_owned()]));

    let remove =
        json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "remove", "path": "pantherRole"}]});
    let (status, _h, body) = srv.patch(&format!("/Users/{id}"), &remove).await;
    assert_eq!(status, 200, "{body:#}");
    assert!(body.get("pantherRole").is_none(), "{body:#}");
    let rec = srv.store.get_user(&id).await.unwrap().unwrap();
    assert_eq!(
        (rec.role.as_deref(), rt.effective_role(&rec)),
        (None, "Analyst")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_groups_against_jit_says_what_to_turn_off() {
    let srv = TestServer::start("jit").await;
    for path in [
        "/Groups?startIndex=1&count=100",
        "/Groups?filter=displayName%20eq%20%22Sales%22&startIndex=1&count=100",
    ] {
        let (status, headers, body) = srv.get(path).await;
        assert_scim_error(status, &body, 404, None);
        assert_scim_json(&headers, path);
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("Push Groups") && detail.contains("Import Groups"),
            "{body:#}"
        );
    }
    let (status, _h, body) = srv
        .post("/Groups", &json!({"displayName": "Sales", "members": []}))
        .await;
    assert_scim_error(status, &body, 404, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_new_user_jit_is_refused_with_an_explanation() {
    let srv = TestServer::start("jit").await;
    let (status, headers, body) = srv
        .post(
            "/Users",
            &okta_user_body("jane@example.com", "Jane", "Doe", &okta_id()),
        )
        .await;
    assert_scim_error(status, &body, 403, None);
    assert_scim_json(&headers, "POST /Users under jit");
    let detail = body["detail"].as_str().unwrap_or_default().to_lowercase();
    assert!(
        detail.contains("just in time")
            || detail.contains("just-in-time")
            || detail.contains("jit"),
        "the error must explain just-in-time provisioning: {body:#}"
    );
    assert!(
        detail.contains("saml") || detail.contains("login"),
        "the error should say users come from SAML login: {body:#}"
    );
    let (_s, _h, list) = srv
        .get("/Users?filter=userName%20eq%20%22jane%40example.com%22")
        .await;
    assert_eq!(assert_list(&list), 0, "nothing was created: {list:#}");
    assert_eq!(srv.store.count_users().await.unwrap().total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_duplicate_user_name_differing_in_case_is_409() {
    let srv = TestServer::start("full").await;
    let (status, _h, first) = srv
        .post(
            "/Users",
            &okta_user_body("jane@example.com", "Jane", "Doe", &okta_id()),
        )
        .await;
    assert_eq!(status, 201, "{first:#}");
    let (status, headers, body) = srv
        .post(
            "/Users",
            &okta_user_body("JANE@Example.COM", "Janet", "Doe", &okta_id()),
        )
        .await;
    assert_scim_error(status, &body, 409, Some("uniqueness"));
    assert_scim_json(&headers, "409");
    let (_s, _h, list) = srv.get("/Users").await;
    assert_eq!(
        assert_list(&list),
        1,
        "the duplicate was not created: {list:#}"
    );
    assert_eq!(
        resources(&list)[0]["name"]["givenName"],
        "Jane",
        "the original is untouched: {list:#}"
    );
}

async fn duplicate_user_name_on_put(policy: &str) {
    let srv = TestServer::start(policy).await;
    srv.provision("jane@example.com", "Jane", "Doe").await;
    let mut bob = srv.provision("bob@example.com", "Bob", "Roe").await;
    let id = bob["id"].as_str().unwrap().to_owned();
    bob["userName"] = json!("JANE@EXAMPLE.com");
    let (status, _h, body) = srv.put(&format!("/Users/{id}"), &bob).await;
    assert_scim_error(status, &body, 409, Some("uniqueness"));
    let (_s, _h, got) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(
        got["userName"], "bob@example.com",
        "the rename was not applied: {got:#}"
    );
}

// ---- profile update -------------------------------------------------------------------------

async fn profile_update_get_then_put(policy: &str) {
    let srv = TestServer::start(policy).await;
    let created = srv.provision("jane@example.com", "Jane", "Doe").await;
    let id = created["id"].as_str().unwrap().to_owned();

    let (status, h, mut user) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(status, 200, "{user:#}");
    let old_etag = etag(&h);
    // Okta sends back the object it got, plus its changes; the custom attribute arrives as a
    // top-level member of the core namespace.
    user["name"]["familyName"] = json!("Doe-Smith");
    user["displayName"] = json!("Jane Doe-Smith");
    user["title"] = json!("Director");
    user["pantherRole"] = json!("Admin");
    let (status, headers, body) = srv.put(&format!("/Users/{id}"), &user).await;
    assert_eq!(status, 200, "PUT /Users/{id}: {body:#}");
    assert_scim_json(&headers, "PUT");
    assert_eq!(body["id"], id.as_str(), "{body:#}");
    assert_eq!(
        body["pantherRole"], "Admin",
        "the custom role attribute is applied: {body:#}"
    );
    assert_eq!(body["name"]["familyName"], "Doe-Smith", "{body:#}");
    assert_eq!(body["name"]["givenName"], "Jane", "{body:#}");
    assert_eq!(body["displayName"], "Jane Doe-Smith", "{body:#}");
    assert_eq!(body["title"], "Director", "{body:#}");
    assert_eq!(body["userName"], "jane@example.com", "{body:#}");
    assert_eq!(body["active"], true, "{body:#}");
    assert_eq!(
        body["emails"], created["emails"],
        "emails sent back unchanged stay: {body:#}"
    );
    assert!(body.get("password").is_none(), "{body:#}");
    assert_ne!(etag(&headers), old_etag, "a change makes a new version");
    assert_eq!(
        etag(&headers),
        body["meta"]["version"].as_str().unwrap_or_default()
    );
    assert_eq!(
        body["meta"]["created"], created["meta"]["created"],
        "meta.created never changes: {body:#}"
    );

    let (_s, _h, again) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(again["pantherRole"], "Admin", "{again:#}");
    assert_eq!(again["title"], "Director", "{again:#}");
    let rec = srv.store.get_user(&id).await.unwrap().unwrap();
    assert_eq!(
        rec.role.as_deref(),
        Some("Admin"),
        "the stored role column follows the attribute"
    );

    // Okta sends what it got back, so PUT it again with a password and a lower-case role.
    let mut again2 = again.clone();
    again2["pantherRole"] = json!("analyst");
    again2["password"] = json!("n3wPassw0rd");
    let (status, _h, body) = srv.put(&format!("/Users/{id}"), &again2).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(
        body["pantherRole"], "Analyst",
        "roles are matched case-insensitively and stored in their own spelling: {body:#}"
    );
    assert!(body.get("password").is_none(), "{body:#}");
    assert!(!body.to_string().contains("n3wPassw0rd"), "{body:#}");
}

// ---- deactivate / reactivate ----------------------------------------------------------------

async fn deactivate_and_reactivate_with_patch(policy: &str) {
    let srv = TestServer::start(policy).await;
    let user = srv.provision("jane@example.com", "Jane", "Doe").await;
    srv.provision("other@example.com", "Other", "User").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let deactivate = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": false}}]
    });
    let (status, headers, body) = srv.patch(&format!("/Users/{id}"), &deactivate).await;
    assert_eq!(
        status, 200,
        "Okta's deactivate answers 200 with the user: {body:#}"
    );
    assert_scim_json(&headers, "PATCH");
    assert_eq!(body["active"], false, "{body:#}");
    assert_eq!(body["id"], id.as_str(), "{body:#}");
    assert_eq!(body["userName"], "jane@example.com", "{body:#}");
    assert_eq!(
        body["name"]["givenName"], "Jane",
        "the rest of the user is untouched: {body:#}"
    );

    // Still readable, still found by Okta's lookup, still in the import.
    let (status, _h, got) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(status, 200, "a deactivated user stays readable: {got:#}");
    assert_eq!(got["active"], false, "{got:#}");
    let (_s, _h, list) = srv
        .get("/Users?filter=userName%20eq%20%22jane%40example.com%22&startIndex=1&count=100")
        .await;
    assert_eq!(
        assert_list(&list),
        1,
        "a deactivated user is still returned by the filter: {list:#}"
    );
    assert_eq!(resources(&list)[0]["active"], false, "{list:#}");
    let (_s, _h, all) = srv.get("/Users?startIndex=1&count=100").await;
    assert_eq!(assert_list(&all), 2, "{all:#}");
    assert!(
        resources(&all)
            .iter()
            .any(|u| u["id"] == id.as_str() && u["active"] == false),
        "{all:#}"
    );
    assert!(!srv.store.get_user(&id).await.unwrap().unwrap().active);

    let reactivate = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": true}}]
    });
    let (status, _h, body) = srv.patch(&format!("/Users/{id}"), &reactivate).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body["active"], true, "{body:#}");
    let (_s, _h, got) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(got["active"], true, "{got:#}");
}

/// Custom (wizard) apps deactivate with GET then PUT `active:false`.
async fn deactivate_with_get_then_put(policy: &str) {
    let srv = TestServer::start(policy).await;
    let user = srv.provision("jane@example.com", "Jane", "Doe").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let (_s, _h, mut got) = srv.get(&format!("/Users/{id}")).await;
    got["active"] = json!(false);
    let (status, _h, body) = srv.put(&format!("/Users/{id}"), &got).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body["active"], false, "{body:#}");
    let (status, _h, again) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(status, 200, "{again:#}");
    assert_eq!(again["active"], false, "{again:#}");
    let (_s, _h, list) = srv
        .get("/Users?filter=userName%20eq%20%22jane%40example.com%22")
        .await;
    assert_eq!(assert_list(&list), 1, "{list:#}");
}

// ---- import ---------------------------------------------------------------------------------

async fn import_walk(srv: &TestServer) -> Vec<String> {
    let mut ids = Vec::new();
    let mut start = 1u64;
    loop {
        let (status, _h, body) = srv
            .get(&format!("/Users?startIndex={start}&count=100"))
            .await;
        assert_eq!(status, 200, "import page at {start}: {body:#}");
        let total = assert_list(&body);
        assert_eq!(
            total, 250,
            "totalResults on every page: {}",
            body["totalResults"]
        );
        assert_eq!(body["startIndex"], start, "startIndex echoes the request");
        let page = resources(&body);
        let expected_len = std::cmp::min(100, 250 - (start - 1)) as usize;
        assert_eq!(
            page.len(),
            expected_len,
            "page at {start} has {expected_len} users"
        );
        ids.extend(
            page.iter()
                .map(|u| u["id"].as_str().expect("id").to_owned()),
        );
        start += 100;
        if start > total {
            break;
        }
    }
    ids
}

async fn import_paging(policy: &str) {
    let srv = TestServer::start(policy).await;
    let emails: Vec<String> = (0..250)
        .map(|i| format!("user{i:03}@example.com"))
        .collect();
    let mut created: HashSet<String> = HashSet::new();
    if srv.is_jit() {
        for e in &emails {
            created.insert(srv.jit_login(e, "Test", "User", None).await.id);
        }
    } else {
        let ids: Vec<String> = futures::stream::iter(emails.iter())
            .map(|e| {
                let srv = &srv;
                async move {
                    let (status, _h, body) = srv
                        .post("/Users", &okta_user_body(e, "Test", "User", &okta_id()))
                        .await;
                    assert_eq!(status, 201, "POST {e}: {body:#}");
                    body["id"].as_str().unwrap().to_owned()
                }
            })
            .buffer_unordered(8)
            .collect()
            .await;
        created.extend(ids);
    }
    assert_eq!(created.len(), 250);

    let first = import_walk(&srv).await;
    let unique: HashSet<&String> = first.iter().collect();
    assert_eq!(
        unique.len(),
        first.len(),
        "no user appears twice across pages"
    );
    assert_eq!(unique.len(), 250, "every user is seen");
    assert!(
        first.iter().all(|id| created.contains(id)),
        "only the created users are returned"
    );

    // The order is stable: again, and also after users on later pages changed.
    let second = import_walk(&srv).await;
    assert_eq!(first, second, "the same walk returns the same order");
    for id in [&first[5], &first[150], &first[240]] {
        let (status, _h, body) = srv
            .patch(
                &format!("/Users/{id}"),
                &patch_body(json!([{"op": "replace", "value": {"active": false}}])),
            )
            .await;
        assert_eq!(status, 200, "{body:#}");
    }
    let third = import_walk(&srv).await;
    assert_eq!(first, third, "updates do not reorder the import");

    // Past the end: an empty page, the total still right.
    let (status, _h, body) = srv.get("/Users?startIndex=251&count=100").await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(assert_list(&body), 250, "{body:#}");
    assert!(resources(&body).is_empty(), "{body:#}");
}

// ---- errors the Okta spec test checks --------------------------------------------------------

async fn unknown_id_is_404(policy: &str) {
    let srv = TestServer::start(policy).await;
    srv.provision("jane@example.com", "Jane", "Doe").await;
    let missing = "/Users/010101-0000-0000-0000-does-not-exist";
    let (status, headers, body) = srv.get(missing).await;
    assert_scim_error(status, &body, 404, None);
    assert_scim_json(&headers, "404");
    assert_eq!(
        body["status"], "404",
        "Okta's spec test wants the string \"404\": {body:#}"
    );

    // A profile update for a user that does not exist (under jit: never logged in) finds nothing.
    let put = json!({"schemas": [USER_SCHEMA], "userName": "ghost@example.com", "active": true});
    let (status, _h, body) = srv.put(missing, &put).await;
    assert_scim_error(status, &body, 404, None);
    let (status, _h, body) = srv
        .patch(
            missing,
            &patch_body(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
    assert_scim_error(status, &body, 404, None);
    assert_eq!(
        srv.store.count_users().await.unwrap().total,
        1,
        "nothing was created"
    );
}

async fn bad_authorization_is_401(policy: &str) {
    let srv = TestServer::start(policy).await;
    let cases: [(&str, Option<&str>); 4] = [
        (
            "a wrong bearer token",
            Some("Bearer scim_notTheRightTokenAtAll0000000000000000000"),
        ),
        ("no Authorization header", None),
        ("Basic auth", Some("Basic dXNlcjpwYXNzd29yZA==")),
        ("an empty bearer", Some("Bearer ")),
    ];
    for (what, auth) in cases {
        let (status, headers, body) = srv
            .send(Method::GET, "/Users?startIndex=1&count=2", None, auth, &[])
            .await;
        assert_eq!(status, 401, "{what} → 401: {body:#}");
        assert_scim_error(status, &body, 401, None);
        assert_scim_json(&headers, what);
        assert!(
            headers.get("www-authenticate").is_some(),
            "{what}: 401 should carry WWW-Authenticate"
        );
    }
    // The good token still works.
    let (status, _h, body) = srv.get("/Users?startIndex=1&count=2").await;
    assert_eq!(status, 200, "{body:#}");
}

async fn groups_endpoint_is_a_scim_error(policy: &str) {
    let srv = TestServer::start(policy).await;
    srv.provision("jane@example.com", "Jane", "Doe").await;
    for path in [
        "/Groups?startIndex=1&count=100",
        "/Groups?filter=displayName%20eq%20%22Sales%22&startIndex=1&count=100",
    ] {
        let (status, headers, body) = srv.get(path).await;
        assert_scim_json(&headers, path);
        if srv.is_jit() {
            assert_scim_error(status, &body, 404, None);
        } else {
            // Full provisioning offers groups: the connector test reads an empty list.
            assert_eq!(status, 200, "{path}: {body:#}");
            assert_eq!(assert_list(&body), 0, "{body:#}");
        }
    }
}

// ---- jit specifics --------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jit_users_can_be_updated_but_never_deleted() {
    let srv = TestServer::start("jit").await;
    let rec = srv
        .jit_login("jane@example.com", "Jane", "Doe", Some("Analyst"))
        .await;
    let id = rec.id.clone();

    let (status, _h, mut user) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(status, 200, "{user:#}");
    assert_eq!(
        user["pantherRole"], "Analyst",
        "the role from the SAML login: {user:#}"
    );
    user["pantherRole"] = json!("Admin");
    let (status, _h, body) = srv.put(&format!("/Users/{id}"), &user).await;
    assert_eq!(status, 200, "PUT of a JIT user: {body:#}");
    assert_eq!(body["pantherRole"], "Admin", "{body:#}");

    let (status, _h, body) = srv
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
    assert_eq!(status, 200, "PATCH of a JIT user: {body:#}");
    assert_eq!(body["active"], false, "{body:#}");

    let (status, headers, body) = srv.delete(&format!("/Users/{id}")).await;
    assert_scim_error(status, &body, 403, None);
    assert_scim_json(&headers, "DELETE under jit");
    let detail = body["detail"].as_str().unwrap_or_default().to_lowercase();
    assert!(
        detail.contains("deactivat") || detail.contains("active"),
        "the error says to deactivate instead: {body:#}"
    );

    let (status, _h, got) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(status, 200, "the user was not deleted: {got:#}");
    assert_eq!(got["pantherRole"], "Admin", "{got:#}");
    assert!(srv.store.get_user(&id).await.unwrap().is_some());

    // A later SAML login keeps the SCIM-managed state readable.
    let again = srv.jit_login("JANE@example.com", "Jane", "Doe", None).await;
    assert_eq!(
        again.id, id,
        "a later login finds the same user (case-insensitively)"
    );
}

/// Okta's sample body sometimes carries the custom attribute in a PATCH too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jit_role_change_by_patch_and_unknown_role_refused() {
    let srv = TestServer::start("jit").await;
    let id = srv
        .jit_login("jane@example.com", "Jane", "Doe", None)
        .await
        .id;
    let (status, _h, body) = srv
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([{"op": "replace", "value": {"pantherRole": "Admin"}}])),
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body["pantherRole"], "Admin", "{body:#}");
    let (status, _h, body) = srv
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([{"op": "replace", "path": "pantherRole", "value": "Superuser"}])),
        )
        .await;
    assert_scim_error(status, &body, 400, Some("invalidValue"));
    let (_s, _h, got) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(got["pantherRole"], "Admin", "{got:#}");
}

/// Okta percent-encodes the whole filter; `+` and `'` in a userName must survive.
async fn lookup_with_special_characters(policy: &str) {
    let srv = TestServer::start(policy).await;
    let plus = srv.provision("jane+scim@example.com", "Jane", "Doe").await;
    let quote = srv.provision("o'brien@example.com", "Pat", "O'Brien").await;
    for (path, want) in [
        (
            "/Users?filter=userName%20eq%20%22jane%2Bscim%40example.com%22&startIndex=1&count=100",
            &plus,
        ),
        (
            "/Users?filter=userName%20eq%20%22O%27Brien%40example.com%22&startIndex=1&count=100",
            &quote,
        ),
    ] {
        let (status, _h, body) = srv.get(path).await;
        assert_eq!(status, 200, "{path}: {body:#}");
        assert_eq!(assert_list(&body), 1, "{path}: {body:#}");
        assert_eq!(resources(&body)[0]["id"], want["id"], "{path}: {body:#}");
    }
    // A '+' that is not percent-encoded is a space in a query string: no match, no error.
    let (status, _h, body) = srv
        .get("/Users?filter=userName%20eq%20%22jane+scim%40example.com%22")
        .await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(assert_list(&body), 0, "{body:#}");
}

/// Okta may push the same user twice at once (retries, two assignments): exactly one is
/// created, the other gets 409 uniqueness, never a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_duplicate_pushes_create_one_user() {
    let srv = TestServer::start("full").await;
    let names = [
        "race@example.com",
        "RACE@example.com",
        "Race@Example.com",
        "race@EXAMPLE.COM",
        "rAcE@example.com",
    ];
    let results = futures::future::join_all(names.iter().map(|n| {
        let srv = &srv;
        async move {
            srv.post(
                "/Users",
                &okta_user_body(n, "Race", "Condition", &okta_id()),
            )
            .await
        }
    }))
    .await;
    let created = results.iter().filter(|(s, _, _)| *s == 201).count();
    assert_eq!(
        created,
        1,
        "exactly one user is created: {:#?}",
        results.iter().map(|(s, _, b)| (s, b)).collect::<Vec<_>>()
    );
    for (status, _h, body) in results.iter().filter(|(s, _, _)| *s != 201) {
        assert_scim_error(*status, body, 409, Some("uniqueness"));
    }
    assert_eq!(srv.store.count_users().await.unwrap().total, 1);
}
