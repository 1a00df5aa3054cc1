//! Microsoft Entra ID's provisioning requests, replayed (see IDP-BEHAVIOUR.md).

#[macro_use]
mod common;

use reqwest::Method;
use serde_json::{json, Value};

use common::*;

both_policies!(
    test_connection,
    patch_update_ops,
    patch_manager_as_array,
    patch_manager_as_bare_string,
    disable_with_string_boolean,
    aad_opt_scim062020_pathless_replace,
    groups_endpoint_is_a_scim_error,
);

/// Entra's create body (schemas core + enterprise, meta.resourceType, roles:[]).
fn entra_create_body(user_name: &str, external_id: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": external_id,
        "userName": user_name,
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": format!("{}@testuser.com", user_name.replace('@', "_"))}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Given Family", "familyName": "Family", "givenName": "Given"},
        "roles": []
    })
}

/// A user as the policy allows: JIT login, or Entra's POST.
async fn entra_user(srv: &TestServer, email: &str) -> Value {
    if srv.is_jit() {
        srv.provision(email, "Given", "Family").await
    } else {
        let (status, _h, body) = srv.post("/Users", &entra_create_body(email, &guid())).await;
        assert_eq!(status, 201, "Entra create: {body:#}");
        let (_s, _h, got) = srv
            .get(&format!("/Users/{}", body["id"].as_str().unwrap()))
            .await;
        got
    }
}

// ---- test connection ------------------------------------------------------------------------

async fn test_connection(policy: &str) {
    let srv = TestServer::start_entra(policy).await;
    // An existing user must not make the random lookups match.
    entra_user(&srv, "someone@example.com").await;
    let random = guid();
    let cases = [
        format!("/Users?filter=userName eq \"{random}\""),
        format!("/Users?filter=userName+eq+%22{random}%22"),
        format!("/Users?filter=externalId eq \"{random}\""),
        // The unquoted form older Entra docs show.
        "/Users?filter=externalId eq 0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef".to_owned(),
        "/Users?filter=externalId%20eq%200a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef".to_owned(),
    ];
    for path in &cases {
        let (status, headers, body) = srv.get(path).await;
        assert_eq!(status, 200, "test connection {path}: {body:#}");
        assert_scim_json(&headers, path);
        assert_eq!(
            assert_list(&body),
            0,
            "{path} → an empty ListResponse: {body:#}"
        );
        assert!(resources(&body).is_empty(), "{body:#}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unquoted_external_id_filter_finds_the_user() {
    let srv = TestServer::start_entra("full").await;
    let ext = "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef";
    let (status, _h, created) = srv
        .post(
            "/Users",
            &entra_create_body("Test_User_ab6490ee@contoso.com", ext),
        )
        .await;
    assert_eq!(status, 201, "{created:#}");
    for path in [
        format!("/Users?filter=externalId eq {ext}"),
        format!("/Users?filter=externalId eq \"{ext}\""),
        "/Users?filter=userName eq \"test_user_ab6490ee@contoso.com\"".to_owned(),
        format!("/Users?filter=userName eq \"Test_User_ab6490ee@contoso.com\" and externalId eq \"{ext}\""),
    ] {
        let (status, _h, body) = srv.get(&path).await;
        assert_eq!(status, 200, "{path}: {body:#}");
        assert_eq!(assert_list(&body), 1, "{path} finds the user: {body:#}");
        assert_eq!(resources(&body)[0]["id"], created["id"], "{body:#}");
    }
    // externalId is case-exact (RFC 7643 §3.1): a different case finds nothing.
    let (_s, _h, body) = srv
        .get(&format!(
            "/Users?filter=externalId eq \"{}\"",
            ext.to_uppercase()
        ))
        .await;
    assert_eq!(assert_list(&body), 0, "{body:#}");
}

// ---- create ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_user_full() {
    let srv = TestServer::start_entra("full").await;
    let ext = guid();
    let mut sent = entra_create_body("Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1", &ext);
    sent[ENTERPRISE] = json!({"employeeNumber": "701984", "department": "Tour Operations"});
    let (status, headers, body) = srv.post("/Users", &sent).await;
    assert_eq!(status, 201, "Entra create under full: {body:#}");
    assert_scim_json(&headers, "POST /Users");
    assert!(
        body["id"].as_str().is_some_and(|s| !s.is_empty()),
        "{body:#}"
    );
    assert_eq!(body["externalId"], ext.as_str(), "{body:#}");
    assert_eq!(
        body["userName"], "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "{body:#}"
    );
    assert_eq!(body["active"], true, "{body:#}");
    assert_eq!(body["name"]["formatted"], "Given Family", "{body:#}");
    assert_eq!(body["name"]["familyName"], "Family", "{body:#}");
    assert_eq!(body["name"]["givenName"], "Given", "{body:#}");
    assert_eq!(body["emails"][0]["type"], "work", "{body:#}");
    assert_eq!(body["emails"][0]["primary"], true, "{body:#}");
    assert_eq!(body["meta"]["resourceType"], "User", "{body:#}");
    assert!(body["meta"]["created"].is_string(), "{body:#}");
    assert!(body["meta"]["lastModified"].is_string(), "{body:#}");
    assert!(
        body.get("roles").is_none() || body["roles"] == json!([]),
        "roles:[] means no roles: {body:#}"
    );
    assert_eq!(enterprise(&body, "employeeNumber"), "701984", "{body:#}");
    assert_eq!(
        enterprise(&body, "department"),
        "Tour Operations",
        "{body:#}"
    );
    let schemas = body["schemas"].as_array().cloned().unwrap_or_default();
    assert!(
        schemas.contains(&json!(USER_SCHEMA)) && schemas.contains(&json!(ENTERPRISE)),
        "{body:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_user_jit_is_refused() {
    let srv = TestServer::start_entra("jit").await;
    let (status, headers, body) = srv
        .post("/Users", &entra_create_body("someone@contoso.com", &guid()))
        .await;
    assert_scim_error(status, &body, 403, None);
    assert_scim_json(&headers, "403");
    assert_eq!(srv.store.count_users().await.unwrap().total, 0);
}

// ---- update ---------------------------------------------------------------------------------

async fn patch_update_ops(policy: &str) {
    let srv = TestServer::start_entra(policy).await;
    let user = entra_user(&srv, "jane@contoso.com").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let body = patch_body(json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updated.jane@contoso.com"},
        {"op": "Replace", "path": "name.familyName", "value": "UpdatedFamily"}
    ]));
    let (status, headers, got) = srv.patch(&format!("/Users/{id}"), &body).await;
    assert_eq!(status, 200, "Entra PATCH with capitalised ops: {got:#}");
    assert_scim_json(&headers, "PATCH");
    let emails = got["emails"].as_array().cloned().unwrap_or_default();
    let work: Vec<&Value> = emails.iter().filter(|e| e["type"] == "work").collect();
    assert_eq!(work.len(), 1, "one work email: {got:#}");
    assert_eq!(work[0]["value"], "updated.jane@contoso.com", "{got:#}");
    assert_eq!(work[0]["primary"], true, "the primary flag stays: {got:#}");
    assert_eq!(got["name"]["familyName"], "UpdatedFamily", "{got:#}");
    assert_eq!(
        got["name"]["givenName"], "Given",
        "other name parts stay: {got:#}"
    );
    // The new email is searchable.
    let (_s, _h, list) = srv
        .get("/Users?filter=emails.value eq \"updated.jane@contoso.com\"")
        .await;
    assert_eq!(assert_list(&list), 1, "{list:#}");

    // `Add` of a work email value on a user without one creates it.
    let (status, _h, got) = srv
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([{"op": "Add", "path": "emails[type eq \"home\"].value", "value": "jane@home.example"}])),
        )
        .await;
    assert_eq!(status, 200, "{got:#}");
    let emails = got["emails"].as_array().cloned().unwrap_or_default();
    assert!(
        emails
            .iter()
            .any(|e| e["type"] == "home" && e["value"] == "jane@home.example"),
        "{got:#}"
    );
    assert!(
        emails
            .iter()
            .any(|e| e["type"] == "work" && e["value"] == "updated.jane@contoso.com"),
        "{got:#}"
    );
}

async fn manager_pair(srv: &TestServer) -> (String, String) {
    let user = entra_user(srv, "report@contoso.com").await;
    let manager = entra_user(srv, "boss@contoso.com").await;
    (
        user["id"].as_str().unwrap().to_owned(),
        manager["id"].as_str().unwrap().to_owned(),
    )
}

async fn patch_manager_as_array(policy: &str) {
    let srv = TestServer::start_entra(policy).await;
    let (id, boss) = manager_pair(&srv).await;
    let body = patch_body(json!([{
        "op": "Add",
        "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        "value": [{"$ref": null, "value": boss}]
    }]));
    let (status, _h, got) = srv.patch(&format!("/Users/{id}"), &body).await;
    assert_eq!(
        status, 200,
        "Entra's manager as a one-element array of {{$ref, value}}: {got:#}"
    );
    assert_eq!(
        enterprise(&got, "manager")["value"],
        boss.as_str(),
        "{got:#}"
    );
    assert!(
        got["schemas"]
            .as_array()
            .is_some_and(|s| s.contains(&json!(ENTERPRISE))),
        "{got:#}"
    );
    let (_s, _h, again) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(
        enterprise(&again, "manager")["value"],
        boss.as_str(),
        "{again:#}"
    );
}

async fn patch_manager_as_bare_string(policy: &str) {
    let srv = TestServer::start_entra(policy).await;
    let (id, boss) = manager_pair(&srv).await;
    for op in ["Add", "Replace"] {
        let body = patch_body(json!([{
            "op": op,
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "value": boss
        }]));
        let (status, _h, got) = srv.patch(&format!("/Users/{id}"), &body).await;
        assert_eq!(status, 200, "{op} manager as a bare id: {got:#}");
        assert_eq!(
            enterprise(&got, "manager")["value"],
            boss.as_str(),
            "{got:#}"
        );
    }
    // A manager value object with a $ref (Entra's other form).
    let body = patch_body(json!([{
        "op": "Replace",
        "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        "value": {"$ref": format!("{}/Users/{boss}", srv.base), "value": boss}
    }]));
    let (status, _h, got) = srv.patch(&format!("/Users/{id}"), &body).await;
    assert_eq!(status, 200, "{got:#}");
    assert_eq!(
        enterprise(&got, "manager")["value"],
        boss.as_str(),
        "{got:#}"
    );
}

// ---- disable --------------------------------------------------------------------------------

async fn disable_with_string_boolean(policy: &str) {
    let srv = TestServer::start_entra(policy).await;
    let user = entra_user(&srv, "jane@contoso.com").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let (status, headers, got) = srv
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await;
    assert_eq!(status, 200, "disable with the string \"False\": {got:#}");
    assert_scim_json(&headers, "PATCH");
    assert_eq!(
        got["active"],
        json!(false),
        "active must become the JSON boolean false: {got:#}"
    );

    // Entra's cycles keep finding the inactive user.
    for path in [
        "/Users?filter=userName eq \"jane@contoso.com\"",
        "/Users?filter=userName eq \"jane@contoso.com\" and active eq false",
    ] {
        let (status, headers, list) = srv.get(path).await;
        assert_eq!(status, 200, "{list:#}");
        assert_scim_json(&headers, path);
        assert_eq!(
            assert_list(&list),
            1,
            "inactive users are returned by {path}: {list:#}"
        );
        assert_eq!(resources(&list)[0]["active"], false, "{list:#}");
    }
    let (status, _h, got) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(got["active"], false, "{got:#}");

    let (status, _h, got) = srv
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([{"op": "Replace", "path": "active", "value": "True"}])),
        )
        .await;
    assert_eq!(status, 200, "{got:#}");
    assert_eq!(got["active"], json!(true), "{got:#}");
}

// ---- ?aadOptscim062020 ----------------------------------------------------------------------

async fn aad_opt_scim062020_pathless_replace(policy: &str) {
    let srv = TestServer::start_entra(policy).await;
    let user = entra_user(&srv, "jane@contoso.com").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let body = patch_body(json!([{
        "op": "replace",
        "value": {
            "displayName": "Jane Q. Public",
            "name.givenName": "Janet",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "701984",
            "active": false
        }
    }]));
    // The flag rides on the tenant URL, so it arrives as a query parameter.
    let (status, headers, got) = srv
        .patch(&format!("/Users/{id}?aadOptscim062020"), &body)
        .await;
    assert_eq!(
        status, 200,
        "path-less replace with dotted and URN keys: {got:#}"
    );
    assert_scim_json(&headers, "PATCH");
    assert_eq!(got["displayName"], "Jane Q. Public", "{got:#}");
    assert_eq!(got["name"]["givenName"], "Janet", "{got:#}");
    assert_eq!(
        got["name"]["familyName"], "Family",
        "the other name parts stay: {got:#}"
    );
    assert_eq!(enterprise(&got, "employeeNumber"), "701984", "{got:#}");
    assert!(
        got["schemas"]
            .as_array()
            .is_some_and(|s| s.contains(&json!(ENTERPRISE))),
        "{got:#}"
    );
    assert_eq!(got["active"], false, "real booleans: {got:#}");
    assert!(
        got.get("name.givenName").is_none(),
        "a dotted key is a path, not a new attribute: {got:#}"
    );
    assert!(
        got.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber")
            .is_none(),
        "{got:#}"
    );

    let (_s, _h, again) = srv.get(&format!("/Users/{id}?aadOptscim062020")).await;
    assert_eq!(again["name"]["givenName"], "Janet", "{again:#}");
    assert_eq!(enterprise(&again, "employeeNumber"), "701984", "{again:#}");
    let (_s, _h, list) = srv
        .get("/Users?filter=userName eq \"jane@contoso.com\"&aadOptscim062020")
        .await;
    assert_eq!(assert_list(&list), 1, "{list:#}");
}

// ---- delete ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_full_is_204_then_404() {
    let srv = TestServer::start_entra("full").await;
    let user = entra_user(&srv, "gone@contoso.com").await;
    entra_user(&srv, "stays@contoso.com").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let (status, _h, body) = srv.delete(&format!("/Users/{id}")).await;
    assert_eq!(status, 204, "hard delete: {body:#}");
    assert!(body.is_null(), "204 has no body: {body:#}");
    let (status, headers, body) = srv.get(&format!("/Users/{id}")).await;
    assert_scim_error(status, &body, 404, None);
    assert_scim_json(&headers, "404 after delete");
    let (_s, _h, list) = srv
        .get("/Users?filter=userName eq \"gone@contoso.com\"")
        .await;
    assert_eq!(assert_list(&list), 0, "{list:#}");
    let (_s, _h, all) = srv.get("/Users").await;
    assert_eq!(assert_list(&all), 1, "only the other user is left: {all:#}");
    let (status, _h, body) = srv.delete(&format!("/Users/{id}")).await;
    assert_scim_error(status, &body, 404, None);
    assert!(srv.store.get_user(&id).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_jit_is_refused() {
    let srv = TestServer::start_entra("jit").await;
    let user = entra_user(&srv, "jane@contoso.com").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let (status, headers, body) = srv.delete(&format!("/Users/{id}")).await;
    assert_scim_error(status, &body, 403, None);
    assert_scim_json(&headers, "403");
    let (status, _h, got) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(status, 200, "{got:#}");
}

// ---- groups and content type ----------------------------------------------------------------

async fn groups_endpoint_is_a_scim_error(policy: &str) {
    let srv = TestServer::start_entra(policy).await;
    let (status, headers, body) = srv
        .get("/Groups?excludedAttributes=members&filter=displayName eq \"x\"")
        .await;
    assert_scim_json(&headers, "GET /Groups");
    if srv.is_jit() {
        assert_scim_error(status, &body, 404, None);
    } else {
        assert_eq!(status, 200, "{body:#}");
        assert_eq!(assert_list(&body), 0, "{body:#}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_is_application_scim_json() {
    let srv = TestServer::start_entra("full").await;
    let user = entra_user(&srv, "jane@contoso.com").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let checks: Vec<(Method, String, Option<Value>, Option<String>)> = vec![
        (
            Method::GET,
            "/Users".into(),
            None,
            Some(format!("Bearer {}", srv.token)),
        ),
        (
            Method::GET,
            format!("/Users/{id}"),
            None,
            Some(format!("Bearer {}", srv.token)),
        ),
        (
            Method::GET,
            "/Users/missing".into(),
            None,
            Some(format!("Bearer {}", srv.token)),
        ),
        (
            Method::GET,
            "/Users".into(),
            None,
            Some("Bearer wrong".into()),
        ),
        (
            Method::GET,
            "/Users?filter=userName eq".into(),
            None,
            Some(format!("Bearer {}", srv.token)),
        ),
        (
            Method::GET,
            "/ServiceProviderConfig".into(),
            None,
            Some(format!("Bearer {}", srv.token)),
        ),
        (
            Method::GET,
            "/Schemas".into(),
            None,
            Some(format!("Bearer {}", srv.token)),
        ),
        (
            Method::GET,
            "/ResourceTypes".into(),
            None,
            Some(format!("Bearer {}", srv.token)),
        ),
        (
            Method::PATCH,
            format!("/Users/{id}"),
            Some(patch_body(
                json!([{"op": "Replace", "path": "displayName", "value": "J"}]),
            )),
            Some(format!("Bearer {}", srv.token)),
        ),
    ];
    for (method, path, body, auth) in checks {
        let (status, headers, resp) = srv
            .send(method.clone(), &path, body.as_ref(), auth.as_deref(), &[])
            .await;
        assert_scim_json(&headers, &format!("{method} {path} ({status}): {resp}"));
    }
}

// ---- Entra's default attribute mappings -----------------------------------------------------

/// Entra's default User mappings update title, phone numbers, the work address (one
/// sub-attribute per operation, all on the same element) and enterprise attributes with `Add`.
async fn patch_default_mappings(policy: &str) {
    let srv = TestServer::start_entra(policy).await;
    let user = entra_user(&srv, "jane@contoso.com").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let body = patch_body(json!([
        {"op": "Add", "path": "title", "value": "Manager"},
        {"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555 0100"},
        {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0101"},
        {"op": "Add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"},
        {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Springfield"},
        {"op": "Add", "path": "addresses[type eq \"work\"].postalCode", "value": "12345"},
        {"op": "Add", "path": "addresses[type eq \"work\"].country", "value": "US"},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales"},
        {"op": "Replace", "path": "preferredLanguage", "value": "en-US"}
    ]));
    let (status, _h, got) = srv.patch(&format!("/Users/{id}"), &body).await;
    assert_eq!(status, 200, "Entra default mappings: {got:#}");
    assert_eq!(got["title"], "Manager", "{got:#}");
    assert_eq!(got["preferredLanguage"], "en-US", "{got:#}");
    let phones = got["phoneNumbers"].as_array().cloned().unwrap_or_default();
    assert_eq!(phones.len(), 2, "two phone numbers: {got:#}");
    assert!(
        phones
            .iter()
            .any(|p| p["type"] == "work" && p["value"] == "+1 555 0100"),
        "{got:#}"
    );
    assert!(
        phones
            .iter()
            .any(|p| p["type"] == "mobile" && p["value"] == "+1 555 0101"),
        "{got:#}"
    );
    let addresses = got["addresses"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        addresses.len(),
        1,
        "the four address operations target one work address: {got:#}"
    );
    let a = &addresses[0];
    assert_eq!(a["type"], "work", "{got:#}");
    assert_eq!(a["streetAddress"], "1 Main St", "{got:#}");
    assert_eq!(a["locality"], "Springfield", "{got:#}");
    assert_eq!(a["postalCode"], "12345", "{got:#}");
    assert_eq!(a["country"], "US", "{got:#}");
    assert_eq!(enterprise(&got, "department"), "Sales", "{got:#}");

    // The next cycle changes one value of each.
    let body = patch_body(json!([
        {"op": "Replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555 0199"},
        {"op": "Replace", "path": "addresses[type eq \"work\"].locality", "value": "Shelbyville"}
    ]));
    let (status, _h, got) = srv.patch(&format!("/Users/{id}"), &body).await;
    assert_eq!(status, 200, "{got:#}");
    let phones = got["phoneNumbers"].as_array().cloned().unwrap_or_default();
    assert_eq!(phones.len(), 2, "{got:#}");
    assert!(
        phones
            .iter()
            .any(|p| p["type"] == "work" && p["value"] == "+1 555 0199"),
        "{got:#}"
    );
    assert_eq!(got["addresses"][0]["locality"], "Shelbyville", "{got:#}");
    assert_eq!(got["addresses"][0]["streetAddress"], "1 Main St", "{got:#}");
}

/// Entra sustains 25 requests/s and may update one user from overlapping cycles: concurrent
/// PATCHes must not lose each other's changes.
async fn concurrent_patches_lose_nothing(policy: &str) {
    concurrent_patches(policy, false).await
}

/// The same, stricter: a single user's concurrent PATCHes are all applied (a SQLite file has
/// one writer, so they can be serialised rather than refused).
async fn concurrent_patches_all_succeed(policy: &str) {
    concurrent_patches(policy, true).await
}

async fn concurrent_patches(policy: &str, all_must_succeed: bool) {
    let srv = TestServer::start_entra(policy).await;
    let user = entra_user(&srv, "busy@contoso.com").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let n = 10;
    let results = futures::future::join_all((0..n).map(|i| {
        let srv = &srv;
        let id = id.clone();
        async move {
            let body = patch_body(json!([
                {"op": "Add", "path": "entitlements", "value": [{"value": format!("ent-{i}")}]}
            ]));
            srv.patch(&format!("/Users/{id}"), &body).await
        }
    }))
    .await;
    let ok = results.iter().filter(|(s, _, _)| *s == 200).count();
    for (status, _h, body) in &results {
        assert!(
            *status == 200 || *status == 409,
            "a concurrent PATCH either applies or says to retry: {status} {body:#}"
        );
    }
    let (_s, _h, got) = srv.get(&format!("/Users/{id}")).await;
    let ents = got["entitlements"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        ents.len(),
        ok,
        "every PATCH answered 200 is applied (no lost update): {got:#}"
    );
    if all_must_succeed {
        assert_eq!(
            ok,
            n,
            "all {n} concurrent PATCHes should succeed; {} did not: {:#?}",
            n - ok,
            results
                .iter()
                .filter(|(s, _, _)| *s != 200)
                .map(|(s, _, b)| (s, b))
                .collect::<Vec<_>>()
        );
    }
}

both_policies!(
    patch_default_mappings,
    concurrent_patches_lose_nothing,
    concurrent_patches_all_succeed
);
