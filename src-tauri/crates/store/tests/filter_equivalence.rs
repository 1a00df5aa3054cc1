//! The SQL translation of filters must select exactly the users the in-memory evaluator
//! (`scim_protocol::filter::matches`) accepts: property-tested on generated filters against a
//! real SQLite file holding a varied directory.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use scim_protocol::filter::{self, CompValue, CompareOp, Filter};
use scim_protocol::path::AttrPath;
use scim_protocol::resource::{render, Meta};
use scim_protocol::schema::{user_schema, ResourceSchema};
use scim_store::{ListQuery, Store, UserRecord, UserSource, UserWrite};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

struct Fixture {
    rt: tokio::runtime::Runtime,
    store: Arc<dyn Store>,
    schema: ResourceSchema,
    users: Vec<UserRecord>,
    _dir: tempfile::TempDir,
}

const NAMES: &[&str] = &[
    "alice", "Bob", "carol", "DAVE", "erin", "Frank", "grace", "heidi",
];
const DOMAINS: &[&str] = &["example.com", "Example.org", "corp.example.com"];
const TITLES: &[&str] = &["Engineer", "engineering manager", "Analyst", "SOC Lead", ""];
const DEPTS: &[&str] = &["Security", "security ops", "IT", "Finance"];
const TYPES: &[&str] = &["work", "home", "Other"];

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("eq.db");
        let store = rt.block_on(scim_store::open(path.to_str().expect("utf-8 path"))).expect("open");
        let roles: Vec<String> = vec!["Admin".into(), "Analyst".into(), "ReadOnlyAnalyst".into()];
        let schema = user_schema("pantherRole", &roles);
        let mut users = Vec::new();
        for i in 0..48usize {
            let name = NAMES[i % NAMES.len()];
            let domain = DOMAINS[i % DOMAINS.len()];
            let mut data = Map::new();
            data.insert("userName".into(), json!(format!("{name}{i}@{domain}")));
            if i % 3 != 0 {
                data.insert("displayName".into(), json!(format!("{name} {}", i % 5)));
            }
            if i % 4 != 1 {
                data.insert("externalId".into(), json!(format!("ext-{}", i % 6)));
            }
            data.insert("title".into(), json!(TITLES[i % TITLES.len()]));
            if i % 5 != 2 {
                data.insert("active".into(), json!(i % 3 == 0));
            }
            data.insert("name".into(), json!({"givenName": name, "familyName": TITLES[(i + 1) % TITLES.len()]}));
            let mut emails = Vec::new();
            for k in 0..(i % 3) {
                emails.push(json!({
                    "value": format!("{name}.{k}@{}", DOMAINS[(i + k) % DOMAINS.len()]),
                    "type": TYPES[(i + k) % TYPES.len()],
                    "primary": k == 0,
                }));
            }
            if !emails.is_empty() {
                data.insert("emails".into(), Value::Array(emails));
            }
            if i % 2 == 0 {
                data.insert("phoneNumbers".into(), json!([{"value": format!("+1 555 01{:02}", i % 7), "type": TYPES[i % 3]}]));
            }
            if i % 3 == 1 {
                data.insert(ENT.into(), json!({"department": DEPTS[i % DEPTS.len()], "employeeNumber": format!("{}", 100 + i % 9)}));
            }
            if i % 4 == 0 {
                data.insert("pantherRole".into(), json!(roles[i % 3]));
            }
            let created = format!("2026-01-{:02}T10:00:00.000Z", 1 + i % 28);
            users.push(UserWrite {
                id: format!("id-{i:03}"),
                data,
                role: None,
                source: UserSource::Scim,
                last_login: None,
                password_hash: None,
                created: Some(created),
            });
        }
        rt.block_on(store.bulk_insert_users(users)).expect("insert");
        let page = rt
            .block_on(store.list_users(&ListQuery {
                schema: &schema,
                filter: None,
                sort_by: None,
                sort_column: None,
                sort_order: Default::default(),
                start_index: 1,
                count: 1000,
            }))
            .expect("list");
        Fixture { rt, store, schema, users: page.users, _dir: dir }
    })
}

fn resource(f: &Fixture, u: &UserRecord) -> Value {
    let meta = Meta {
        resource_type: "User".into(),
        created: u.created.clone(),
        last_modified: u.last_modified.clone(),
        location: format!("http://localhost/scim/v2/Users/{}", u.id),
        version: u.etag(),
    };
    render(&f.schema, &u.id, &u.data, &meta)
}

fn path(s: &str) -> AttrPath {
    AttrPath::parse(s).expect("test path")
}

fn strings() -> impl Strategy<Value = String> {
    let mut pool: Vec<String> = Vec::new();
    for n in NAMES {
        pool.push((*n).into());
        pool.push(n.to_uppercase());
    }
    for d in DOMAINS.iter().chain(TITLES).chain(DEPTS).chain(TYPES) {
        pool.push((*d).into());
    }
    pool.extend(
        [
            "ext-1",
            "EXT-2",
            "alice0@example.com",
            "Bob1@Example.org",
            "@",
            ".",
            "e",
            "555",
            "10",
            "Admin",
            "analyst",
        ]
        .map(String::from),
    );
    pool.extend(
        [
            "2026-01-10T10:00:00Z",
            "2026-01-15T00:00:00+02:00",
            "2025-12-31T23:59:59Z",
        ]
        .map(String::from),
    );
    pool.extend([
        "urn:ietf:params:scim:schemas:core:2.0:User".to_owned(),
        ENT.to_owned(),
    ]);
    proptest::sample::select(pool)
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        6 => strings().prop_map(CompValue::String),
        1 => any::<bool>().prop_map(CompValue::Bool),
        1 => (0i64..200).prop_map(|n| CompValue::Number(n.into())),
        1 => Just(CompValue::Null),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    proptest::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ])
}

const ATTRS: &[&str] = &[
    "userName",
    "displayName",
    "externalId",
    "id",
    "title",
    "active",
    "name.givenName",
    "name.familyName",
    "emails",
    "emails.value",
    "emails.type",
    "emails.primary",
    "phoneNumbers.value",
    "phoneNumbers.type",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "meta.created",
    "meta.resourceType",
    "pantherRole",
    "USERNAME",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "nickName",
    "schemas",
    "name",
];

fn leaf() -> impl Strategy<Value = Filter> {
    let attr = proptest::sample::select(ATTRS.to_vec());
    prop_oneof![
        6 => (attr.clone(), op(), comp_value()).prop_map(|(a, op, value)| Filter::Compare { path: path(a), op, value }),
        1 => attr.prop_map(|a| Filter::Present(path(a))),
        2 => (proptest::sample::select(vec!["emails", "phoneNumbers"]), proptest::sample::select(vec!["value", "type", "primary", "display"]), op(), comp_value())
            .prop_map(|(a, sub, op, value)| Filter::ValuePath {
                path: path(a),
                filter: Box::new(Filter::Compare { path: path(sub), op, value }),
            }),
    ]
}

fn filter_strategy() -> impl Strategy<Value = Filter> {
    leaf().prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Filter::Not(Box::new(a))),
        ]
    })
}

fn check(f: &Fixture, flt: &Filter) -> Result<(), TestCaseError> {
    let expected: BTreeSet<String> = f
        .users
        .iter()
        .filter(|u| filter::matches(flt, &resource(f, u), &f.schema))
        .map(|u| u.id.clone())
        .collect();
    let page =
        f.rt.block_on(f.store.list_users(&ListQuery {
            schema: &f.schema,
            filter: Some(flt),
            sort_by: None,
            sort_column: None,
            sort_order: Default::default(),
            start_index: 1,
            count: 1000,
        }))
        .map_err(|e| TestCaseError::fail(format!("{flt}: {e}")))?;
    let got: BTreeSet<String> = page.users.iter().map(|u| u.id.clone()).collect();
    prop_assert_eq!(page.total as usize, got.len());
    prop_assert_eq!(&got, &expected, "filter: {}", flt);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn sql_translation_agrees_with_the_evaluator(flt in filter_strategy()) {
        check(fixture(), &flt)?;
    }
}

#[test]
fn known_filters_agree_and_select_something() {
    let f = fixture();
    for text in [
        r#"userName eq "ALICE0@example.com""#,
        r#"emails[type eq "work" and value co "@example"]"#,
        r#"title sw "eng" and not (active eq true)"#,
        r#"meta.created gt "2026-01-10T10:00:00Z""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "SECURITY""#,
        r#"externalId eq ext-1"#,
        r#"displayName pr or emails.primary eq true"#,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    ] {
        let flt = filter::parse(text).expect("valid filter");
        check(f, &flt).expect(text);
        let n = f
            .users
            .iter()
            .filter(|u| filter::matches(&flt, &resource(f, u), &f.schema))
            .count();
        assert!(
            n > 0 && n < f.users.len(),
            "{text} selects {n} of {} users: not a useful probe",
            f.users.len()
        );
    }
}
