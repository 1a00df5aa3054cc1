//! RFC 7643/7644 behaviours over HTTP: discovery, filters, sorting, paging, projection,
//! .search, ETags, errors, PATCH semantics, the event log, tokens and live change events.

#[macro_use]
mod common;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use scim_store::{AttrChange, ChangeKind, Permission};

use common::*;

both_policies!(
    service_provider_config,
    resource_types_follow_the_policy,
    schemas_advertise_roles
);

// ---- a small directory for filter, sort and projection tests -------------------------------

const NAMES: [(&str, &str); 5] = [
    ("alice", "alice@example.com"),
    ("bob", "bob@example.com"),
    ("carol", "carol@sample.org"),
    ("dave", "dave@example.com"),
    ("eve", "Eve.Upper@Example.COM"),
];

fn seed_bodies() -> Vec<(&'static str, Value)> {
    vec![
        (
            "alice",
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE],
                "userName": "alice@example.com",
                "externalId": "ext-1",
                "name": {"givenName": "Alice", "familyName": "Anderson"},
                "displayName": "Alice Anderson",
                "title": "Engineer",
                "active": true,
                "emails": [
                    {"value": "alice@example.com", "type": "work", "primary": true},
                    {"value": "alice@home.org", "type": "home"}
                ],
                "pantherRole": "Admin",
                ENTERPRISE: {"department": "Eng", "employeeNumber": "100"}
            }),
        ),
        (
            "bob",
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE],
                "userName": "bob@example.com",
                "externalId": "ext-2",
                "name": {"givenName": "Bob", "familyName": "Brown"},
                "displayName": "Bob Brown",
                "title": "Manager",
                "active": false,
                "emails": [{"value": "bob@example.com", "type": "work", "primary": true}],
                "pantherRole": "Analyst",
                ENTERPRISE: {"department": "Sales"}
            }),
        ),
        (
            "carol",
            json!({
                "schemas": [USER_SCHEMA],
                "userName": "carol@sample.org",
                "externalId": "ext-3",
                "name": {"givenName": "Carol", "familyName": "Clark"},
                "displayName": "Carol Clark",
                "title": "Engineer",
                "active": true,
                "emails": [
                    {"value": "carol@sample.org", "type": "work", "primary": true},
                    {"value": "carol@home.org", "type": "home"}
                ]
            }),
        ),
        (
            "dave",
            json!({
                "schemas": [USER_SCHEMA],
                "userName": "dave@example.com",
                "name": {"givenName": "Dave", "familyName": "Davis"},
                "displayName": "Dave Davis",
                "nickName": "D",
                "active": true,
                "emails": [{"value": "dave@example.com", "type": "work", "primary": true}]
            }),
        ),
        (
            "eve",
            json!({
                "schemas": [USER_SCHEMA],
                "userName": "Eve.Upper@Example.COM",
                "name": {"givenName": "Eve", "familyName": "Evans"},
                "displayName": "Eve Evans",
                "title": "engineer",
                "active": true,
                "emails": [{"value": "Eve.Upper@Example.COM", "type": "work", "primary": true}]
            }),
        ),
    ]
}

/// Creates the five users (full policy) in order; returns short name → created user.
/// `gap` sleeps between creations so that their timestamps differ.
async fn seed(srv: &TestServer, gap: Option<Duration>) -> HashMap<&'static str, Value> {
    let mut out = HashMap::new();
    for (short, body) in seed_bodies() {
        let (status, _h, created) = srv.post("/Users", &body).await;
        assert_eq!(status, 201, "seeding {short}: {created:#}");
        out.insert(short, created);
        if let Some(g) = gap {
            tokio::time::sleep(g).await;
        }
    }
    out
}

fn id_of(users: &HashMap<&'static str, Value>, short: &str) -> String {
    users[short]["id"].as_str().unwrap().to_owned()
}

/// The lower-cased userNames of the short names, sorted (as `user_names` returns them).
fn expected(shorts: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = shorts
        .iter()
        .map(|s| {
            NAMES
                .iter()
                .find(|(n, _)| n == s)
                .unwrap_or_else(|| panic!("unknown short name {s}"))
                .1
                .to_lowercase()
        })
        .collect();
    v.sort();
    v
}

const ALL: [&str; 5] = ["alice", "bob", "carol", "dave", "eve"];

// ---- discovery ------------------------------------------------------------------------------

async fn service_provider_config(policy: &str) {
    let srv = TestServer::start(policy).await;
    let (status, headers, spc) = srv.get("/ServiceProviderConfig").await;
    assert_eq!(status, 200, "{spc:#}");
    assert_scim_json(&headers, "/ServiceProviderConfig");
    assert!(
        spc["schemas"].as_array().is_some_and(|s| s.contains(&json!(
            "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
        ))),
        "{spc:#}"
    );
    assert_eq!(spc["patch"]["supported"], true, "{spc:#}");
    assert_eq!(spc["filter"]["supported"], true, "{spc:#}");
    assert!(
        spc["filter"]["maxResults"].as_u64().is_some_and(|n| n > 0),
        "filter.maxResults is a positive integer: {spc:#}"
    );
    assert_eq!(spc["sort"]["supported"], true, "{spc:#}");
    assert_eq!(spc["etag"]["supported"], true, "{spc:#}");
    assert_eq!(spc["bulk"]["supported"], false, "{spc:#}");
    assert!(
        spc["bulk"]["maxOperations"].is_u64() && spc["bulk"]["maxPayloadSize"].is_u64(),
        "RFC 7643 §5 requires them: {spc:#}"
    );
    assert!(spc["changePassword"]["supported"].is_boolean(), "{spc:#}");
    let schemes = spc["authenticationSchemes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!schemes.is_empty(), "{spc:#}");
    assert!(
        schemes.iter().all(|s| s["type"].is_string()
            && s["name"].is_string()
            && s["description"].is_string()),
        "{spc:#}"
    );

    // maxResults is really the page cap.
    let max = spc["filter"]["maxResults"].as_u64().unwrap();
    srv.provision("a@example.com", "A", "A").await;
    let (_s, _h, page) = srv.get(&format!("/Users?count={}", max + 500)).await;
    assert_list(&page);
    assert!(
        page["itemsPerPage"].as_u64().unwrap_or(0) <= max,
        "{page:#}"
    );
}

/// Users in both policies; Groups in `full` only.
async fn resource_types_follow_the_policy(policy: &str) {
    let srv = TestServer::start(policy).await;
    let (status, headers, body) = srv.get("/ResourceTypes").await;
    assert_eq!(status, 200, "{body:#}");
    assert_scim_json(&headers, "/ResourceTypes");
    let full = !srv.is_jit();
    assert_eq!(
        assert_list(&body),
        if full { 2 } else { 1 },
        "User, and Group in full ({policy}): {body:#}"
    );
    let rt = &resources(&body)[0];
    assert_eq!(rt["name"], "User", "{body:#}");
    assert_eq!(rt["id"], "User", "{body:#}");
    assert_eq!(rt["endpoint"], "/Users", "{body:#}");
    assert_eq!(rt["schema"], USER_SCHEMA, "{body:#}");
    let exts = rt["schemaExtensions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        exts.iter()
            .any(|e| e["schema"] == ENTERPRISE && e["required"] == false),
        "{body:#}"
    );
    assert_eq!(
        resources(&body).iter().any(|r| r["name"] == "Group"),
        full,
        "{body:#}"
    );

    let (status, _h, one) = srv.get("/ResourceTypes/User").await;
    assert_eq!(status, 200, "{one:#}");
    assert_eq!(one["endpoint"], "/Users", "{one:#}");
    let (status, _h, body) = srv.get("/ResourceTypes/Group").await;
    if full {
        assert_eq!(status, 200, "{body:#}");
        assert_eq!(body["endpoint"], "/Groups", "{body:#}");
    } else {
        assert_scim_error(status, &body, 404, None);
    }
}

fn role_attr(schemas_list: &Value) -> &Value {
    let user = resources_ref(schemas_list)
        .iter()
        .find(|s| s["id"] == USER_SCHEMA)
        .unwrap_or_else(|| panic!("no User schema in {schemas_list:#}"));
    user["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == "pantherRole"))
        .unwrap_or_else(|| panic!("no pantherRole attribute in {user:#}"))
}

fn resources_ref(list: &Value) -> &Vec<Value> {
    list["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("no Resources in {list:#}"))
}

fn canonical(attr: &Value) -> BTreeSet<String> {
    attr["canonicalValues"]
        .as_array()
        .unwrap_or_else(|| panic!("no canonicalValues in {attr:#}"))
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn schemas_advertise_roles(policy: &str) {
    let srv = TestServer::start(policy).await;
    let (status, headers, body) = srv.get("/Schemas").await;
    assert_eq!(status, 200, "{body:#}");
    assert_scim_json(&headers, "/Schemas");
    let ids: BTreeSet<String> = resources(&body)
        .iter()
        .map(|s| s["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        ids.contains(USER_SCHEMA) && ids.contains(ENTERPRISE),
        "User and enterprise schemas: {ids:?}"
    );
    let user = resources(&body)
        .into_iter()
        .find(|s| s["id"] == USER_SCHEMA)
        .unwrap();
    let attr = |name: &str| {
        user["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(attr("password")["returned"], "never", "{user:#}");
    assert_eq!(attr("password")["mutability"], "writeOnly", "{user:#}");
    assert_eq!(attr("userName")["required"], true, "{user:#}");
    assert_eq!(attr("userName")["uniqueness"], "server", "{user:#}");
    let role = role_attr(&body);
    assert_eq!(role["type"], "string", "{role:#}");
    assert_eq!(role["multiValued"], false, "{role:#}");
    let builtin: BTreeSet<String> = ["Admin", "Analyst", "ReadOnlyAnalyst"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        canonical(role),
        builtin,
        "canonicalValues are the defined roles: {role:#}"
    );
    let enterprise_schema = resources(&body)
        .into_iter()
        .find(|s| s["id"] == ENTERPRISE)
        .unwrap();
    assert!(
        enterprise_schema["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "manager"),
        "{enterprise_schema:#}"
    );

    // A custom role appears at once, in /Schemas and /Schemas/{id}, and is accepted.
    srv.store.add_role("Auditor").await.expect("add_role");
    let (_s, _h, body) = srv.get("/Schemas").await;
    let mut with_auditor = builtin.clone();
    with_auditor.insert("Auditor".to_owned());
    assert_eq!(
        canonical(role_attr(&body)),
        with_auditor,
        "{:#}",
        role_attr(&body)
    );
    let (status, _h, one) = srv.get(&format!("/Schemas/{USER_SCHEMA}")).await;
    assert_eq!(status, 200, "{one:#}");
    let role = one["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "pantherRole")
        .cloned()
        .unwrap();
    assert_eq!(canonical(&role), with_auditor, "{role:#}");
    let user = srv.provision("aud@example.com", "Aud", "Itor").await;
    let id = user["id"].as_str().unwrap();
    let (status, _h, got) = srv
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([{"op": "replace", "path": "pantherRole", "value": "auditor"}])),
        )
        .await;
    assert_eq!(status, 200, "a new role is accepted at once: {got:#}");
    assert_eq!(got["pantherRole"], "Auditor", "{got:#}");
}

// ---- filters --------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_over_http() {
    let srv = TestServer::start("full").await;
    let users = seed(&srv, None).await;
    let alice_id = id_of(&users, "alice");
    let id_filter = format!("id eq \"{alice_id}\"");
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("userName eq \"alice@example.com\"", vec!["alice"]),
        ("userName EQ \"ALICE@EXAMPLE.COM\"", vec!["alice"]),
        ("USERNAME eq \"alice@example.com\"", vec!["alice"]),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"bob@example.com\"",
            vec!["bob"],
        ),
        (
            "userName ne \"alice@example.com\"",
            vec!["bob", "carol", "dave", "eve"],
        ),
        (
            "userName co \"EXAMPLE\"",
            vec!["alice", "bob", "dave", "eve"],
        ),
        ("userName sw \"ca\"", vec!["carol"]),
        ("userName SW \"CA\"", vec!["carol"]),
        ("userName ew \"sample.org\"", vec!["carol"]),
        (
            "userName Ew \"EXAMPLE.com\"",
            vec!["alice", "bob", "dave", "eve"],
        ),
        ("title pr", vec!["alice", "bob", "carol", "eve"]),
        ("Title PR", vec!["alice", "bob", "carol", "eve"]),
        ("title eq \"engineer\"", vec!["alice", "carol", "eve"]),
        ("externalId eq \"ext-2\"", vec!["bob"]),
        ("externalId eq \"EXT-2\"", vec![]),
        ("externalId pr", vec!["alice", "bob", "carol"]),
        ("active eq false", vec!["bob"]),
        (
            "active eq true and title eq \"Engineer\"",
            vec!["alice", "carol", "eve"],
        ),
        (
            "title eq \"Manager\" or userName sw \"dave\"",
            vec!["bob", "dave"],
        ),
        (
            "title eq \"Manager\" OR userName sw \"dave\"",
            vec!["bob", "dave"],
        ),
        ("not (title pr)", vec!["dave"]),
        ("NOT (title pr)", vec!["dave"]),
        (
            "not (active eq true) or userName eq \"dave@example.com\"",
            vec!["bob", "dave"],
        ),
        (
            "(title eq \"Engineer\" or title eq \"Manager\") and active eq true",
            vec!["alice", "carol", "eve"],
        ),
        // `and` binds tighter than `or`.
        (
            "title eq \"Manager\" or title eq \"Engineer\" and userName sw \"a\"",
            vec!["alice", "bob"],
        ),
        (
            "(title eq \"Manager\" or title eq \"Engineer\") AND userName sw \"a\"",
            vec!["alice"],
        ),
        (
            "not (userName sw \"a\" or userName sw \"b\")",
            vec!["carol", "dave", "eve"],
        ),
        (
            "emails[type eq \"home\" and value ew \"home.org\"]",
            vec!["alice", "carol"],
        ),
        ("emails[type eq \"work\"]", ALL.to_vec()),
        ("EMAILS[TYPE EQ \"home\"]", vec!["alice", "carol"]),
        (
            "emails[type eq \"home\"] or title eq \"Manager\"",
            vec!["alice", "bob", "carol"],
        ),
        ("emails.value co \"home.org\"", vec!["alice", "carol"]),
        ("emails.type eq \"home\"", vec!["alice", "carol"]),
        ("emails.value eq \"EVE.UPPER@example.com\"", vec!["eve"]),
        ("name.familyName sw \"B\"", vec!["bob"]),
        ("name.FAMILYNAME eq \"brown\"", vec!["bob"]),
        ("name.givenName gt \"C\"", vec!["carol", "dave", "eve"]),
        ("name.givenName ge \"Carol\"", vec!["carol", "dave", "eve"]),
        ("name.givenName lt \"Bob\"", vec!["alice"]),
        ("name.givenName le \"Bob\"", vec!["alice", "bob"]),
        ("displayName co \"an\"", vec!["alice", "eve"]),
        ("displayName eq \"dave davis\"", vec!["dave"]),
        ("nickName pr", vec!["dave"]),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"Sales\"",
            vec!["bob"],
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr",
            vec!["alice"],
        ),
        ("pantherRole eq \"Admin\"", vec!["alice"]),
        ("pantherRole eq \"analyst\"", vec!["bob"]),
        ("pantherRole pr and active eq false", vec!["bob"]),
        ("meta.resourceType eq \"User\"", ALL.to_vec()),
        (id_filter.as_str(), vec!["alice"]),
        ("userName eq \"nobody@example.com\"", vec![]),
    ];
    let mut failures = Vec::new();
    for (filter, want) in &cases {
        let (status, body, got) = srv.filter_user_names(filter).await;
        let want = expected(want);
        if status != 200 {
            failures.push(format!("{filter}\n    → HTTP {status}: {body}"));
            continue;
        }
        assert_list(&body);
        if body["totalResults"].as_u64() != Some(want.len() as u64) || got != want {
            failures.push(format!(
                "{filter}\n    expected {want:?}\n    got      {got:?} (totalResults {})",
                body["totalResults"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} filters gave the wrong users:\n  {}",
        failures.len(),
        cases.len(),
        failures.join("\n  ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_on_meta_dates() {
    let srv = TestServer::start("full").await;
    let users = seed(&srv, Some(Duration::from_millis(15))).await;
    let t = users["eve"]["meta"]["lastModified"]
        .as_str()
        .expect("meta.lastModified")
        .to_owned();
    let alice_created = users["alice"]["meta"]["created"]
        .as_str()
        .unwrap()
        .to_owned();
    // Change carol and dave after eve was created.
    for short in ["carol", "dave"] {
        let id = id_of(&users, short);
        let (status, _h, body) = srv
            .patch(
                &format!("/Users/{id}"),
                &patch_body(json!([{"op": "replace", "path": "nickName", "value": "changed"}])),
            )
            .await;
        assert_eq!(status, 200, "{body:#}");
        assert!(
            body["meta"]["lastModified"].as_str().unwrap_or_default() > t.as_str(),
            "{body:#}"
        );
    }
    let t_offset = t.replace('Z', "+00:00");
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("meta.lastModified gt \"{t}\""),
            vec!["carol", "dave"],
        ),
        (
            format!("meta.lastModified GT \"{t_offset}\""),
            vec!["carol", "dave"],
        ),
        (
            format!("meta.lastModified ge \"{t}\""),
            vec!["carol", "dave", "eve"],
        ),
        (
            format!("meta.lastModified lt \"{t}\""),
            vec!["alice", "bob"],
        ),
        (
            format!("meta.lastModified le \"{t}\""),
            vec!["alice", "bob", "eve"],
        ),
        (format!("meta.created ge \"{alice_created}\""), ALL.to_vec()),
        (
            format!("meta.created gt \"{alice_created}\""),
            vec!["bob", "carol", "dave", "eve"],
        ),
        (format!("meta.created lt \"{alice_created}\""), vec![]),
        (
            "meta.lastModified gt \"2000-01-01T00:00:00Z\"".to_owned(),
            ALL.to_vec(),
        ),
        (
            "meta.lastModified gt \"2999-01-01T00:00:00Z\"".to_owned(),
            vec![],
        ),
        (
            format!("meta.lastModified gt \"{t}\" and active eq true"),
            vec!["carol", "dave"],
        ),
    ];
    let mut failures = Vec::new();
    for (filter, want) in &cases {
        let (status, body, got) = srv.filter_user_names(filter).await;
        let want = expected(want);
        if status != 200 || got != want {
            failures.push(format!(
                "{filter}\n    expected {want:?}\n    got HTTP {status} {got:?} {}",
                body["detail"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "date filters:\n  {}",
        failures.join("\n  ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_filter_is_400_invalid_filter() {
    let srv = TestServer::start("full").await;
    seed(&srv, None).await;
    for filter in [
        "userName eq",
        "userName xx \"a\"",
        "(userName eq \"a\"",
        "userName eq \"a\" and",
        "emails[type eq \"work\"",
        "userName eq \"unterminated",
        "not title pr",
        "userName eq \"a\")",
        "emails[type eq \"work\"].value eq \"x\"",
    ] {
        let (status, h, body) = srv.list(&[("filter", filter)]).await;
        assert_scim_error(status, &body, 400, Some("invalidFilter"));
        assert_scim_json(&h, filter);
        let search = json!({"schemas": [SEARCH_SCHEMA], "filter": filter});
        let (status, _h, body) = srv.post("/Users/.search", &search).await;
        assert_scim_error(status, &body, 400, Some("invalidFilter"));
    }
}

// ---- sorting, paging, count=0 -----------------------------------------------------------------

fn names_in_order(body: &Value) -> Vec<String> {
    resources(body)
        .iter()
        .map(|r| r["userName"].as_str().unwrap_or_default().to_lowercase())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sort_by_and_sort_order() {
    let srv = TestServer::start("full").await;
    seed(&srv, None).await;
    let asc = expected(&ALL); // already sorted case-insensitively
    let (status, _h, body) = srv.list(&[("sortBy", "userName")]).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(
        names_in_order(&body),
        asc,
        "sortBy=userName ascending by default (case-insensitive)"
    );
    let (_s, _h, body) = srv
        .list(&[("sortBy", "userName"), ("sortOrder", "ascending")])
        .await;
    assert_eq!(names_in_order(&body), asc);
    let (_s, _h, body) = srv
        .list(&[("sortBy", "userName"), ("sortOrder", "descending")])
        .await;
    let mut desc = asc.clone();
    desc.reverse();
    assert_eq!(names_in_order(&body), desc, "sortOrder=descending");

    let (_s, _h, body) = srv
        .list(&[("sortBy", "name.familyName"), ("sortOrder", "descending")])
        .await;
    assert_eq!(names_in_order(&body), desc, "sortBy a sub-attribute");

    // Paging applies to the sorted list.
    let (_s, _h, body) = srv
        .list(&[
            ("sortBy", "userName"),
            ("sortOrder", "descending"),
            ("startIndex", "2"),
            ("count", "2"),
        ])
        .await;
    assert_eq!(assert_list(&body), 5, "{body:#}");
    assert_eq!(names_in_order(&body), desc[1..3].to_vec(), "{body:#}");

    // Combined with a filter.
    let (_s, _h, body) = srv
        .list(&[
            ("filter", "title eq \"engineer\""),
            ("sortBy", "displayName"),
            ("sortOrder", "descending"),
        ])
        .await;
    assert_eq!(
        names_in_order(&body),
        vec![
            "eve.upper@example.com",
            "carol@sample.org",
            "alice@example.com"
        ],
        "{body:#}"
    );

    // Users with the sort attribute come in its order (where unassigned values go is the
    // server's choice; RFC 7644 §3.4.2.3 does not say).
    let (_s, _h, body) = srv
        .list(&[("sortBy", "title"), ("sortOrder", "descending")])
        .await;
    let titled: Vec<String> = names_in_order(&body)
        .into_iter()
        .filter(|n| n != "dave@example.com")
        .collect();
    assert_eq!(
        titled[0], "bob@example.com",
        "Manager sorts after engineer, so first when descending: {body:#}"
    );
    assert_eq!(names_in_order(&body).len(), 5, "{body:#}");

    // Via .search too.
    let (status, _h, body) = srv
        .post("/Users/.search", &json!({"schemas": [SEARCH_SCHEMA], "sortBy": "userName", "sortOrder": "descending", "count": 2}))
        .await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(names_in_order(&body), desc[..2].to_vec(), "{body:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_zero_returns_only_the_total() {
    let srv = TestServer::start("full").await;
    seed(&srv, None).await;
    for count in ["0", "-1"] {
        let (status, _h, body) = srv.list(&[("count", count)]).await;
        assert_eq!(status, 200, "{body:#}");
        assert_eq!(
            assert_list(&body),
            5,
            "count={count} still reports totalResults: {body:#}"
        );
        assert!(
            resources(&body).is_empty(),
            "count={count} returns no resources: {body:#}"
        );
    }
    let (_s, _h, body) = srv
        .list(&[("count", "0"), ("filter", "active eq true")])
        .await;
    assert_eq!(assert_list(&body), 4, "{body:#}");
    assert!(resources(&body).is_empty(), "{body:#}");
    // startIndex below 1 is treated as 1.
    let (_s, _h, body) = srv.list(&[("startIndex", "0"), ("count", "2")]).await;
    assert_eq!(body["startIndex"], 1, "{body:#}");
    assert_eq!(resources(&body).len(), 2, "{body:#}");
}

// ---- attributes / excludedAttributes ----------------------------------------------------------

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attributes_and_excluded_attributes() {
    let srv = TestServer::start("full").await;
    let users = seed(&srv, None).await;
    let id = id_of(&users, "alice");

    let (status, _h, u) = srv.get(&format!("/Users/{id}?attributes=userName")).await;
    assert_eq!(status, 200, "{u:#}");
    assert_eq!(u["id"], id.as_str(), "id is always returned: {u:#}");
    assert_eq!(u["userName"], "alice@example.com", "{u:#}");
    for absent in [
        "name",
        "emails",
        "active",
        "displayName",
        "title",
        "pantherRole",
        "externalId",
        ENTERPRISE,
    ] {
        assert!(
            u.get(absent).is_none(),
            "attributes=userName must not return {absent}: {u:#}"
        );
    }

    let (_s, _h, u) = srv
        .get(&format!("/Users/{id}?attributes=name.givenName,emails"))
        .await;
    assert_eq!(
        u["name"],
        json!({"givenName": "Alice"}),
        "only the selected sub-attribute: {u:#}"
    );
    assert_eq!(u["emails"].as_array().map(Vec::len), Some(2), "{u:#}");
    assert!(u.get("title").is_none(), "{u:#}");

    let (_s, _h, u) = srv
        .get(&format!("/Users/{id}?excludedAttributes=emails,name"))
        .await;
    assert!(
        u.get("emails").is_none() && u.get("name").is_none(),
        "{u:#}"
    );
    assert_eq!(u["userName"], "alice@example.com", "{u:#}");
    assert_eq!(u["title"], "Engineer", "{u:#}");
    assert_eq!(u["id"], id.as_str(), "{u:#}");

    let (_s, _h, u) = srv
        .get(&format!(
            "/Users/{id}?excludedAttributes=id,name.familyName"
        ))
        .await;
    assert_eq!(
        u["id"],
        id.as_str(),
        "id is returned always, even when excluded: {u:#}"
    );
    assert_eq!(u["name"], json!({"givenName": "Alice"}), "{u:#}");

    let (_s, _h, u) = srv
        .get(&format!("/Users/{id}?attributes={ENTERPRISE}:department"))
        .await;
    assert_eq!(u[ENTERPRISE], json!({"department": "Eng"}), "{u:#}");
    assert!(
        u["schemas"]
            .as_array()
            .is_some_and(|s| s.contains(&json!(ENTERPRISE))),
        "{u:#}"
    );
    assert!(u.get("userName").is_none(), "{u:#}");

    let (_s, _h, u) = srv
        .get(&format!("/Users/{id}?excludedAttributes={ENTERPRISE}"))
        .await;
    assert!(u.get(ENTERPRISE).is_none(), "{u:#}");
    assert!(
        !u["schemas"]
            .as_array()
            .is_some_and(|s| s.contains(&json!(ENTERPRISE))),
        "schemas must not list an absent extension: {u:#}"
    );
    assert_eq!(u["userName"], "alice@example.com", "{u:#}");

    // On lists.
    let (status, _h, body) = srv
        .list(&[
            ("filter", "userName sw \"a\" or userName sw \"b\""),
            ("attributes", "userName,active"),
        ])
        .await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(assert_list(&body), 2, "{body:#}");
    for r in resources(&body) {
        let k = keys(&r);
        assert!(
            k.contains("userName") && k.contains("active") && k.contains("id"),
            "{r:#}"
        );
        let allowed: BTreeSet<String> = ["schemas", "id", "userName", "active", "meta"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(
            k.is_subset(&allowed),
            "unexpected attributes {:?} in {r:#}",
            k.difference(&allowed).collect::<Vec<_>>()
        );
    }
    let (_s, _h, body) = srv
        .list(&[("excludedAttributes", "emails,name,meta")])
        .await;
    for r in resources(&body) {
        assert!(
            r.get("emails").is_none() && r.get("name").is_none(),
            "{r:#}"
        );
        assert!(r["userName"].is_string(), "{r:#}");
    }
}

// ---- .search ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_search_on_users_and_root() {
    let srv = TestServer::start("full").await;
    seed(&srv, None).await;
    let req = json!({
        "schemas": [SEARCH_SCHEMA],
        "filter": "title eq \"engineer\" and active eq true",
        "attributes": ["userName", "title"],
        "sortBy": "userName",
        "sortOrder": "ascending",
        "startIndex": 1,
        "count": 10
    });
    for path in ["/Users/.search", "/.search"] {
        let (status, headers, body) = srv.post(path, &req).await;
        assert_eq!(status, 200, "POST {path}: {body:#}");
        assert_scim_json(&headers, path);
        assert_eq!(assert_list(&body), 3, "{path}: {body:#}");
        assert_eq!(
            names_in_order(&body),
            vec![
                "alice@example.com",
                "carol@sample.org",
                "eve.upper@example.com"
            ],
            "{path}: {body:#}"
        );
        for r in resources(&body) {
            assert!(
                r.get("emails").is_none() && r.get("name").is_none(),
                "attributes applied: {r:#}"
            );
            assert!(r["title"].is_string(), "{r:#}");
        }
    }
    // excludedAttributes and paging in the body.
    let (status, _h, body) = srv
        .post("/Users/.search", &json!({"schemas": [SEARCH_SCHEMA], "excludedAttributes": ["emails"], "startIndex": 5, "count": 10}))
        .await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(assert_list(&body), 5, "{body:#}");
    assert_eq!(
        resources(&body).len(),
        1,
        "startIndex 5 of 5 → one resource: {body:#}"
    );
    assert!(resources(&body)[0].get("emails").is_none(), "{body:#}");
    // A body that is not a SearchRequest.
    let (status, _h, body) = srv
        .post(
            "/Users/.search",
            &json!({"schemas": [PATCH_SCHEMA], "filter": "title pr"}),
        )
        .await;
    assert_scim_error(status, &body, 400, None);
}

// ---- ETags ----------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etags_and_conditional_requests() {
    let srv = TestServer::start("full").await;
    let user = srv.provision("jane@example.com", "Jane", "Doe").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");

    let (status, headers, body) = srv.get(&path).await;
    assert_eq!(status, 200);
    let e1 = etag(&headers);
    assert_eq!(
        body["meta"]["version"],
        e1.as_str(),
        "meta.version equals the ETag header: {body:#}"
    );
    assert!(
        e1.starts_with("W/\"") || e1.starts_with('"'),
        "an entity tag is quoted: {e1}"
    );

    // If-None-Match.
    let (status, h, body) = srv
        .with_headers(Method::GET, &path, None, &[("If-None-Match", &e1)])
        .await;
    assert_eq!(status, 304, "unchanged → 304: {body:#}");
    assert!(body.is_null(), "304 has no body: {body:#}");
    assert_eq!(etag(&h), e1);
    let (status, _h, body) = srv
        .with_headers(Method::GET, &path, None, &[("If-None-Match", "W/\"999\"")])
        .await;
    assert_eq!(status, 200, "a different tag → 200: {body:#}");

    // A change makes a new version; list resources carry it too.
    let (status, h, body) = srv
        .patch(
            &path,
            &patch_body(json!([{"op": "replace", "path": "displayName", "value": "Version Two"}])),
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    let e2 = etag(&h);
    assert_ne!(e1, e2, "the ETag changes with the resource");
    assert_eq!(body["meta"]["version"], e2.as_str(), "{body:#}");
    let (_s, _h, list) = srv
        .list(&[("filter", "userName eq \"jane@example.com\"")])
        .await;
    assert_eq!(
        resources(&list)[0]["meta"]["version"],
        e2.as_str(),
        "{list:#}"
    );
    let (status, _h, _b) = srv
        .with_headers(Method::GET, &path, None, &[("If-None-Match", &e1)])
        .await;
    assert_eq!(status, 200, "the old tag no longer matches");

    // Stale If-Match: 412 and nothing changes.
    let (_s, _h, mut current) = srv.get(&path).await;
    current["displayName"] = json!("Stale PUT");
    let (status, _h, body) = srv
        .with_headers(Method::PUT, &path, Some(&current), &[("If-Match", &e1)])
        .await;
    assert_scim_error(status, &body, 412, None);
    let stale_patch =
        patch_body(json!([{"op": "replace", "path": "displayName", "value": "Stale PATCH"}]));
    let (status, _h, body) = srv
        .with_headers(
            Method::PATCH,
            &path,
            Some(&stale_patch),
            &[("If-Match", &e1)],
        )
        .await;
    assert_scim_error(status, &body, 412, None);
    let (status, _h, body) = srv
        .with_headers(Method::DELETE, &path, None, &[("If-Match", &e1)])
        .await;
    assert_scim_error(status, &body, 412, None);
    let (status, h, after) = srv.get(&path).await;
    assert_eq!(status, 200, "a stale DELETE deletes nothing: {after:#}");
    assert_eq!(
        after["displayName"], "Version Two",
        "stale writes applied nothing: {after:#}"
    );
    assert_eq!(etag(&h), e2, "the version did not move");

    // `If-Match: *` matches any version.
    let (status, h, body) = srv
        .with_headers(
            Method::PATCH,
            &path,
            Some(&patch_body(json!([{"op": "replace", "path": "displayName", "value": "Version Two"}, {"op": "replace", "path": "nickName", "value": "v2"}]))),
            &[("If-Match", "*")],
        )
        .await;
    assert_eq!(status, 200, "If-Match: * → applies: {body:#}");
    let e2 = etag(&h);
    // Current If-Match works.
    let (status, h, body) = srv
        .with_headers(
            Method::PATCH,
            &path,
            Some(&patch_body(
                json!([{"op": "replace", "path": "displayName", "value": "Version Three"}]),
            )),
            &[("If-Match", &e2)],
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    let e3 = etag(&h);
    let (status, _h, body) = srv
        .with_headers(Method::DELETE, &path, None, &[("If-Match", &e3)])
        .await;
    assert_eq!(status, 204, "{body:#}");
}

// ---- malformed and oversized bodies --------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_400_invalid_syntax() {
    let srv = TestServer::start("full").await;
    let user = srv.provision("jane@example.com", "Jane", "Doe").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {}", srv.token);
    let bad = br#"{"userName": "x", "name": {"givenName": "#.to_vec();
    for (method, path) in [
        (Method::POST, "/Users".to_owned()),
        (Method::PUT, format!("/Users/{id}")),
        (Method::PATCH, format!("/Users/{id}")),
        (Method::POST, "/Users/.search".to_owned()),
    ] {
        let (status, h, body) = srv
            .send_bytes(
                method.clone(),
                &path,
                Some(bad.clone()),
                "application/scim+json",
                Some(&bearer),
                &[],
            )
            .await;
        assert_scim_error(status, &body, 400, Some("invalidSyntax"));
        assert_scim_json(&h, &format!("{method} {path}"));
    }
    // Valid JSON that is not an object, and a PATCH without Operations.
    let (status, _h, body) = srv.put(&format!("/Users/{id}"), &json!([1, 2])).await;
    assert_scim_error(status, &body, 400, Some("invalidSyntax"));
    let (status, _h, body) = srv
        .patch(&format!("/Users/{id}"), &json!({"schemas": [PATCH_SCHEMA]}))
        .await;
    assert_scim_error(status, &body, 400, Some("invalidSyntax"));
    let (_s, _h, got) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(
        got["meta"]["version"], user["meta"]["version"],
        "nothing changed: {got:#}"
    );
    assert_eq!(srv.store.count_users().await.unwrap().total, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_over_one_mib_is_413() {
    let srv = TestServer::start("full").await;
    let user = srv.provision("jane@example.com", "Jane", "Doe").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let big = json!({
        "schemas": [USER_SCHEMA],
        "userName": "jane@example.com",
        "displayName": "x".repeat(1024 * 1024 + 100)
    });
    for (method, path) in [
        (Method::PUT, format!("/Users/{id}")),
        (Method::POST, "/Users".to_owned()),
    ] {
        // On a connection of its own: see oversized_body_leaves_keep_alive_usable for what
        // happens to a pooled one.
        let (status, h, body) = srv.send_unpooled(method.clone(), &path, Some(&big)).await;
        assert_scim_error(status, &body, 413, None);
        assert_scim_json(&h, &format!("{method} {path}"));
    }
    let (_s, _h, got) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(got["displayName"], "Jane Doe", "{}", got["meta"]);
    // Just under the cap is fine.
    let ok = json!({"schemas": [USER_SCHEMA], "userName": "jane@example.com", "displayName": "y".repeat(1000 * 1000)});
    let (status, _h, body) = srv.put(&format!("/Users/{id}"), &ok).await;
    assert_eq!(
        status, 200,
        "a body under 1 MiB is accepted: {}",
        body["detail"]
    );
}

/// After refusing an oversized body without reading it, the server must either drain the body
/// or announce `Connection: close`; otherwise a client that reuses the keep-alive connection
/// (as reqwest, Okta and Entra do) sees its next request fail with a transport error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_body_leaves_keep_alive_usable() {
    let srv = TestServer::start("full").await;
    let user = srv.provision("jane@example.com", "Jane", "Doe").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let big = serde_json::to_vec(&json!({
        "schemas": [USER_SCHEMA],
        "userName": "jane@example.com",
        "displayName": "x".repeat(1024 * 1024 + 100)
    }))
    .unwrap();
    let auth = srv.bearer();
    let mut transport_errors = Vec::new();
    for round in 0..30 {
        let resp = srv
            .client
            .put(srv.url(&format!("/Users/{id}")))
            .header("Authorization", &auth)
            .header("Content-Type", "application/scim+json")
            .body(big.clone())
            .send()
            .await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                transport_errors.push(format!("round {round}: the oversized PUT itself: {e}"));
                continue;
            }
        };
        assert_eq!(resp.status().as_u16(), 413);
        let closes = resp
            .headers()
            .get("connection")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let _ = resp.bytes().await;
        if closes {
            // The client will not reuse the connection: nothing can go wrong.
            continue;
        }
        // Immediately reuse the pooled connection, as an IdP's next request would.
        if let Err(e) = srv
            .client
            .get(srv.url(&format!("/Users/{id}")))
            .header("Authorization", &auth)
            .send()
            .await
        {
            transport_errors.push(format!("round {round}: the GET after the 413: {e:?}"));
        }
    }
    assert!(
        transport_errors.is_empty(),
        "requests after a 413 failed on the reused keep-alive connection (the 413 carries no \
         `Connection: close` and the unread body is not drained): {transport_errors:#?}"
    );
}

// ---- PATCH semantics ------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_read_only_paths_are_400_mutability() {
    let srv = TestServer::start("full").await;
    let user = srv.provision("jane@example.com", "Jane", "Doe").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let cases = [
        json!({"op": "replace", "path": "id", "value": "another-id"}),
        json!({"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}),
        json!({"op": "add", "path": "groups", "value": [{"value": "6c5bb468-14b2-4183-baf2-06d523e03bd3", "display": "Sales"}]}),
        json!({"op": "remove", "path": "meta"}),
    ];
    for op in cases {
        let (status, _h, body) = srv
            .patch(&format!("/Users/{id}"), &patch_body(json!([op.clone()])))
            .await;
        assert_scim_error(status, &body, 400, Some("mutability"));
        let _ = op;
    }
    let (_s, _h, got) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(got["id"], id.as_str());
    assert_eq!(
        got["meta"]["version"], user["meta"]["version"],
        "nothing changed: {got:#}"
    );
    assert_eq!(got["meta"]["created"], user["meta"]["created"], "{got:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_is_atomic() {
    let srv = TestServer::start("full").await;
    let user = srv.provision("jane@example.com", "Jane", "Doe").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    let cases = [
        (
            "an unknown role in the second operation",
            json!([
                {"op": "replace", "path": "displayName", "value": "Should Not Stick"},
                {"op": "replace", "path": "pantherRole", "value": "Overlord"}
            ]),
            "invalidValue",
        ),
        (
            "a remove without path in the second operation",
            json!([
                {"op": "replace", "path": "displayName", "value": "Should Not Stick"},
                {"op": "remove"}
            ]),
            "noTarget",
        ),
        (
            "a read-only path in the second operation",
            json!([
                {"op": "replace", "value": {"displayName": "Should Not Stick", "active": false}},
                {"op": "replace", "path": "id", "value": "x"}
            ]),
            "mutability",
        ),
        (
            "a type error in the second operation",
            json!([
                {"op": "replace", "path": "displayName", "value": "Should Not Stick"},
                {"op": "replace", "path": "active", "value": "maybe"}
            ]),
            "invalidValue",
        ),
    ];
    for (what, ops, scim_type) in cases {
        let (status, _h, body) = srv.patch(&path, &patch_body(ops)).await;
        assert_eq!(status, 400, "{what}: {body:#}");
        assert_scim_error(status, &body, 400, Some(scim_type));
        let (_s, _h, got) = srv.get(&path).await;
        assert_eq!(
            got["displayName"], "Jane Doe",
            "{what}: the first operation must not be applied: {got:#}"
        );
        assert_eq!(got["active"], true, "{what}: {got:#}");
        assert_eq!(
            got["meta"]["version"], user["meta"]["version"],
            "{what}: {got:#}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_with_unknown_role_is_400_and_applies_nothing() {
    let srv = TestServer::start("jit").await;
    let rec = srv
        .jit_login("jane@example.com", "Jane", "Doe", Some("Analyst"))
        .await;
    let path = format!("/Users/{}", rec.id);
    let (_s, _h, mut user) = srv.get(&path).await;
    let before = user.clone();
    user["displayName"] = json!("Changed Name");
    user["pantherRole"] = json!("Overlord");
    let (status, _h, body) = srv.put(&path, &user).await;
    assert_scim_error(status, &body, 400, Some("invalidValue"));
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("Overlord"),
        "the detail names the bad value: {body:#}"
    );
    let (_s, _h, after) = srv.get(&path).await;
    assert_eq!(after, before, "nothing applied");
    assert_eq!(
        srv.store
            .get_user(&rec.id)
            .await
            .unwrap()
            .unwrap()
            .role
            .as_deref(),
        Some("Analyst")
    );
}

// ---- unknown attributes and the event log ---------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_attributes_are_ignored_and_logged() {
    let srv = TestServer::start("full").await;
    // POST.
    let mut body = okta_user_body("jane@example.com", "Jane", "Doe", &okta_id());
    body["favouriteColour"] = json!("blue");
    let (status, _h, created) = srv.post("/Users", &body).await;
    assert_eq!(status, 201, "{created:#}");
    assert!(
        created.get("favouriteColour").is_none(),
        "unknown attributes are not returned: {created:#}"
    );
    let id = created["id"].as_str().unwrap().to_owned();
    let ev = srv
        .wait_event("POST /Users", |e| {
            e.event.method == "POST" && e.event.resource_id.as_deref() == Some(id.as_str())
        })
        .await;
    assert!(
        ev.event.ignored.iter().any(|i| i == "favouriteColour"),
        "POST event ignored: {:?}",
        ev.event
    );

    // PUT.
    let (_s, _h, mut user) = srv.get(&format!("/Users/{id}")).await;
    user["favouriteColour"] = json!("blue");
    user["title"] = json!("Director");
    let (status, _h, put) = srv.put(&format!("/Users/{id}"), &user).await;
    assert_eq!(status, 200, "{put:#}");
    assert!(put.get("favouriteColour").is_none(), "{put:#}");
    assert_eq!(
        put["title"], "Director",
        "known attributes still apply: {put:#}"
    );
    let ev = srv
        .wait_event("PUT /Users/{id}", |e| {
            e.event.method == "PUT" && e.event.path == format!("/scim/v2/Users/{id}")
        })
        .await;
    assert_eq!(ev.event.status, 200);
    assert!(
        ev.event.ignored.iter().any(|i| i == "favouriteColour"),
        "PUT event ignored: {:?}",
        ev.event
    );

    // PATCH, with a path and path-less.
    let (status, _h, patched) = srv
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([
                {"op": "add", "path": "favouriteColour", "value": "green"},
                {"op": "replace", "value": {"shoeSize": 44, "nickName": "JD"}}
            ])),
        )
        .await;
    assert_eq!(status, 200, "{patched:#}");
    assert!(
        patched.get("favouriteColour").is_none() && patched.get("shoeSize").is_none(),
        "{patched:#}"
    );
    assert_eq!(patched["nickName"], "JD", "{patched:#}");
    let ev = srv
        .wait_event("PATCH /Users/{id}", |e| e.event.method == "PATCH")
        .await;
    assert!(
        ev.event.ignored.iter().any(|i| i == "favouriteColour"),
        "PATCH event ignored: {:?}",
        ev.event
    );
    assert!(
        ev.event.ignored.iter().any(|i| i == "shoeSize"),
        "PATCH event ignored: {:?}",
        ev.event
    );

    let (_s, _h, got) = srv.get(&format!("/Users/{id}")).await;
    assert!(got.get("favouriteColour").is_none(), "{got:#}");
    let rec = srv.store.get_user(&id).await.unwrap().unwrap();
    assert!(
        !rec.data.contains_key("favouriteColour"),
        "unknown attributes are not stored: {:?}",
        rec.data
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_log_records_requests() {
    let srv = TestServer::start("jit").await;
    let rec = srv.jit_login("jane@example.com", "Jane", "Doe", None).await;
    let id = rec.id.clone();

    let (status, _h, _b) = srv.get("/Users?startIndex=1&count=2").await;
    assert_eq!(status, 200);
    let ev = srv
        .wait_event("GET /Users", |e| {
            e.event.method == "GET" && e.event.path.contains("startIndex")
        })
        .await;
    assert_eq!(
        ev.event.path, "/scim/v2/Users?startIndex=1&count=2",
        "the full path with its query: {:?}",
        ev.event
    );
    assert_eq!(ev.event.status, 200);
    assert_eq!(
        ev.event.token_name.as_deref(),
        Some(TOKEN_NAME),
        "{:?}",
        ev.event
    );
    assert_eq!(ev.event.client.as_deref(), Some(OKTA_UA), "{:?}", ev.event);

    let (status, _h, body) = srv
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    let ev = srv
        .wait_event("PATCH deactivate", |e| e.event.method == "PATCH")
        .await;
    let e = &ev.event;
    assert_eq!(e.path, format!("/scim/v2/Users/{id}"), "{e:?}");
    assert!(e.path.starts_with("/scim/v2"), "{e:?}");
    assert_eq!(e.status, 200, "{e:?}");
    assert_eq!(e.token_name.as_deref(), Some(TOKEN_NAME), "{e:?}");
    assert_eq!(e.client.as_deref(), Some(OKTA_UA), "{e:?}");
    assert_eq!(e.resource_id.as_deref(), Some(id.as_str()), "{e:?}");
    assert_eq!(e.resource_type.as_deref(), Some("User"), "{e:?}");
    assert_eq!(e.user_name.as_deref(), Some("jane@example.com"), "{e:?}");
    assert_eq!(
        e.diff,
        vec![AttrChange {
            path: "active".into(),
            old: Some(json!(true)),
            new: Some(json!(false))
        }],
        "the diff of a deactivate: {e:?}"
    );

    // A failed request is logged too, with its error and no token name.
    let (status, _h, _b) = srv
        .send(
            Method::GET,
            "/Users/whatever",
            None,
            Some("Bearer nope"),
            &[],
        )
        .await;
    assert_eq!(status, 401);
    let ev = srv.wait_event("401", |e| e.event.status == 401).await;
    assert_eq!(ev.event.token_name, None, "{:?}", ev.event);
    assert_eq!(ev.event.path, "/scim/v2/Users/whatever", "{:?}", ev.event);
    assert_eq!(ev.event.client.as_deref(), Some(OKTA_UA), "{:?}", ev.event);
    assert!(
        ev.event.error.as_deref().is_some_and(|s| !s.is_empty()),
        "{:?}",
        ev.event
    );

    let (status, _h, _b) = srv.get("/Users/missing-id").await;
    assert_eq!(status, 404);
    let ev = srv.wait_event("404", |e| e.event.status == 404).await;
    assert_eq!(
        ev.event.token_name.as_deref(),
        Some(TOKEN_NAME),
        "{:?}",
        ev.event
    );

    // The secret never reaches the log.
    let all = srv
        .store
        .list_events(&scim_store::EventQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let text = serde_json::to_string(&all).unwrap();
    assert!(
        !text.contains(&srv.token),
        "the token secret is in the event log"
    );
    assert!(all.len() >= 4, "{all:#?}");
}

// ---- tokens ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_read_token_can_read_but_not_write() {
    let srv = TestServer::start("full").await;
    let user = srv.provision("jane@example.com", "Jane", "Doe").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let (_rec, reader) = srv
        .core
        .create_token("reader", Permission::UserRead, None)
        .await
        .expect("create reader");

    let (status, _h, body) = srv.as_token(&reader, Method::GET, "/Users", None).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(assert_list(&body), 1);
    let (status, _h, body) = srv
        .as_token(&reader, Method::GET, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(status, 200, "{body:#}");
    let (status, _h, body) = srv
        .as_token(
            &reader,
            Method::POST,
            "/Users/.search",
            Some(&json!({"schemas": [SEARCH_SCHEMA], "filter": "userName pr"})),
        )
        .await;
    assert_eq!(status, 200, "a search is a read: {body:#}");

    let mut changed = user.clone();
    changed["displayName"] = json!("Written By Reader");
    let writes: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            "/Users".into(),
            Some(okta_user_body("new@example.com", "N", "U", &okta_id())),
        ),
        (Method::PUT, format!("/Users/{id}"), Some(changed)),
        (
            Method::PATCH,
            format!("/Users/{id}"),
            Some(patch_body(
                json!([{"op": "replace", "value": {"active": false}}]),
            )),
        ),
        (Method::DELETE, format!("/Users/{id}"), None),
    ];
    for (method, path, body) in writes {
        let (status, _h, resp) = srv
            .as_token(&reader, method.clone(), &path, body.as_ref())
            .await;
        assert_eq!(
            status, 403,
            "{method} {path} with a UserRead token: {resp:#}"
        );
        assert_scim_error(status, &resp, 403, None);
    }
    let (_s, _h, got) = srv.get(&format!("/Users/{id}")).await;
    assert_eq!(
        got["meta"]["version"], user["meta"]["version"],
        "nothing changed: {got:#}"
    );
    assert_eq!(srv.store.count_users().await.unwrap().total, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_token_works_at_once_and_revoked_token_stops_at_once() {
    let srv = TestServer::start("jit").await;
    srv.jit_login("jane@example.com", "Jane", "Doe", None).await;
    // Created while the server runs.
    let (_rec, secret) = srv
        .core
        .create_token("Entra", Permission::UserModify, Some(30))
        .await
        .expect("token");
    let (status, _h, body) = srv.as_token(&secret, Method::GET, "/Users", None).await;
    assert_eq!(status, 200, "a new token works at once: {body:#}");

    srv.store.revoke_token("Entra").await.expect("revoke");
    let (status, _h, body) = srv.as_token(&secret, Method::GET, "/Users", None).await;
    assert_scim_error(status, &body, 401, None);
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("revoked"),
        "{body:#}"
    );

    // The other token is unaffected.
    let (status, _h, _b) = srv.get("/Users").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_token_is_401() {
    let srv = TestServer::start("jit").await;
    let expired = srv
        .insert_token(
            "old",
            Permission::UserModify,
            Some("2001-01-01T00:00:00.000Z"),
        )
        .await;
    let (status, h, body) = srv.as_token(&expired, Method::GET, "/Users", None).await;
    assert_scim_error(status, &body, 401, None);
    assert_scim_json(&h, "expired token");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("expired"),
        "{body:#}"
    );
    let future = srv
        .insert_token(
            "later",
            Permission::UserModify,
            Some("2999-01-01T00:00:00.000Z"),
        )
        .await;
    let (status, _h, body) = srv.as_token(&future, Method::GET, "/Users", None).await;
    assert_eq!(status, 200, "{body:#}");
}

// ---- live change events ---------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_over_http_publishes_a_change_event() {
    let srv = TestServer::start("full").await;
    let user = srv.provision("jane@example.com", "Jane", "Doe").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let mut rx = srv.store.subscribe();
    let (status, _h, body) = srv
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    let ev = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match rx.recv().await {
                Ok(ev) if ev.id == id => return ev,
                Ok(_) => continue,
                Err(e) => panic!("change channel: {e}"),
            }
        }
    })
    .await
    .expect("a change event within 5 s");
    assert_eq!(ev.kind, ChangeKind::Updated, "{ev:?}");
    assert_eq!(ev.resource_type, "User", "{ev:?}");
    assert_eq!(ev.user_name, "jane@example.com", "{ev:?}");
    assert!(!ev.active, "{ev:?}");
    assert_eq!(ev.actor.as_deref(), Some(TOKEN_NAME), "{ev:?}");
    assert_eq!(
        format!("W/\"{}\"", ev.version),
        body["meta"]["version"].as_str().unwrap_or_default(),
        "{ev:?}"
    );
    assert_eq!(
        ev.diff,
        vec![AttrChange {
            path: "active".into(),
            old: Some(json!(true)),
            new: Some(json!(false))
        }],
        "{ev:?}"
    );

    // A PATCH that changes nothing publishes nothing; a delete publishes Deleted.
    let (status, _h, _b) = srv
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _h, _b) = srv.delete(&format!("/Users/{id}")).await;
    assert_eq!(status, 204);
    let ev = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("event")
        .expect("recv");
    assert_eq!(
        ev.kind,
        ChangeKind::Deleted,
        "a no-op PATCH must not publish a change: {ev:?}"
    );
    assert_eq!(ev.id, id);
}

// ---- more RFC 7644 §3.5 semantics ---------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_multi_valued_semantics() {
    let srv = TestServer::start("full").await;
    let users = seed(&srv, None).await;
    let id = id_of(&users, "alice");
    let path = format!("/Users/{id}");

    // §3.5.2.1: adding a value with primary true makes the others non-primary.
    let (status, _h, got) = srv
        .patch(&path, &patch_body(json!([{"op": "add", "path": "emails", "value": [{"value": "alice@new.example", "type": "other", "primary": true}]}])))
        .await;
    assert_eq!(status, 200, "{got:#}");
    let emails = got["emails"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        emails.len(),
        3,
        "add appends to a multi-valued attribute: {got:#}"
    );
    let primaries: Vec<&Value> = emails.iter().filter(|e| e["primary"] == true).collect();
    assert_eq!(primaries.len(), 1, "at most one primary value: {got:#}");
    assert_eq!(primaries[0]["value"], "alice@new.example", "{got:#}");

    // Remove with a value filter removes only the matching values.
    let (status, _h, got) = srv
        .patch(
            &path,
            &patch_body(json!([{"op": "remove", "path": "emails[type eq \"home\"]"}])),
        )
        .await;
    assert_eq!(status, 200, "{got:#}");
    let emails = got["emails"].as_array().cloned().unwrap_or_default();
    assert_eq!(emails.len(), 2, "{got:#}");
    assert!(!emails.iter().any(|e| e["type"] == "home"), "{got:#}");
    let (_s, _h, list) = srv
        .list(&[("filter", "emails.value eq \"alice@home.org\"")])
        .await;
    assert_eq!(
        assert_list(&list),
        0,
        "the removed email is no longer searchable: {list:#}"
    );

    // Remove of a sub-attribute.
    let (status, _h, got) = srv
        .patch(
            &path,
            &patch_body(json!([{"op": "remove", "path": "name.givenName"}])),
        )
        .await;
    assert_eq!(status, 200, "{got:#}");
    assert!(got["name"].get("givenName").is_none(), "{got:#}");
    assert_eq!(got["name"]["familyName"], "Anderson", "{got:#}");

    // Replace of a whole multi-valued attribute replaces all values.
    let (status, _h, got) = srv
        .patch(&path, &patch_body(json!([{"op": "replace", "path": "emails", "value": [{"value": "only@example.com", "type": "work"}]}])))
        .await;
    assert_eq!(status, 200, "{got:#}");
    assert_eq!(
        got["emails"],
        json!([{"value": "only@example.com", "type": "work"}]),
        "{got:#}"
    );

    // §3.5.2.3: a replace whose value filter matches nothing (and describes no value) is noTarget.
    let version = got["meta"]["version"].clone();
    let (status, _h, body) = srv
        .patch(&path, &patch_body(json!([{"op": "replace", "path": "emails[value sw \"nomatch\"].type", "value": "home"}])))
        .await;
    assert_scim_error(status, &body, 400, Some("noTarget"));
    let (_s, _h, got) = srv.get(&path).await;
    assert_eq!(got["meta"]["version"], version, "{got:#}");

    // Removing the required userName is refused.
    let (status, _h, body) = srv
        .patch(
            &path,
            &patch_body(json!([{"op": "remove", "path": "userName"}])),
        )
        .await;
    assert_eq!(status, 400, "{body:#}");
    assert_scim_error(status, &body, 400, None);
    // An invalid path is invalidPath.
    let (status, _h, body) = srv
        .patch(
            &path,
            &patch_body(json!([{"op": "replace", "path": "emails[type eq", "value": "x"}])),
        )
        .await;
    assert_scim_error(status, &body, 400, Some("invalidPath"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_ignores_read_only_values_and_requires_user_name() {
    let srv = TestServer::start("full").await;
    let users = seed(&srv, None).await;
    let id = id_of(&users, "carol");
    let path = format!("/Users/{id}");
    let (_s, _h, mut user) = srv.get(&path).await;
    // RFC 7643 §7: values of readOnly attributes in a request are ignored.
    user["id"] = json!("not-the-id");
    user["meta"]["created"] = json!("2001-01-01T00:00:00Z");
    user["displayName"] = json!("Carol C.");
    let (status, _h, put) = srv.put(&path, &user).await;
    assert_eq!(status, 200, "{put:#}");
    assert_eq!(put["id"], id.as_str(), "the id does not change: {put:#}");
    assert_eq!(
        put["meta"]["created"], users["carol"]["meta"]["created"],
        "{put:#}"
    );
    assert_eq!(put["displayName"], "Carol C.", "{put:#}");
    let (status, _h, body) = srv.get("/Users/not-the-id").await;
    assert_eq!(status, 404, "{body:#}");

    // PUT replaces: attributes left out are removed.
    let minimal =
        json!({"schemas": [USER_SCHEMA], "userName": "carol@sample.org", "pantherRole": "Analyst"});
    let (status, _h, put) = srv.put(&path, &minimal).await;
    assert_eq!(status, 200, "{put:#}");
    assert!(
        put.get("title").is_none() && put.get("emails").is_none() && put.get("name").is_none(),
        "PUT replaces the whole resource: {put:#}"
    );
    assert_eq!(put["userName"], "carol@sample.org", "{put:#}");

    // userName is required.
    let (status, _h, body) = srv
        .put(
            &path,
            &json!({"schemas": [USER_SCHEMA], "displayName": "No Name"}),
        )
        .await;
    assert_scim_error(status, &body, 400, None);
    let (status, _h, body) = srv
        .post(
            "/Users",
            &json!({"schemas": [USER_SCHEMA], "displayName": "No Name"}),
        )
        .await;
    assert_scim_error(status, &body, 400, None);
}
