//! Property tests, the fuzzing of the PATCH engine: for arbitrary request bodies built from
//! realistic pieces (the keys of a PatchOp, the schema's attribute names in any case, paths
//! with brackets, quotes and URNs, arbitrary JSON values), `parse` and `apply` never panic, a
//! failed `apply` leaves the data untouched, and a successful one leaves the data in
//! canonical form (`normalize` gives it back unchanged) without `password`, `id` or `meta`.
//!
//! The case count defaults to 512 per property; `PROPTEST_CASES` overrides it.

use proptest::prelude::*;
use scim_protocol::filter::{self, CompValue, CompareOp, Filter};
use scim_protocol::patch;
use scim_protocol::path::AttrPath;
use scim_protocol::projection::Projection;
use scim_protocol::resource;
use scim_protocol::schema::{user_schema, AttrType, Mutability, ResourceSchema};
use serde_json::{json, Map, Number, Value};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(512);
    // A failing case is printed; regressions are not written into the source tree.
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn schema() -> ResourceSchema {
    user_schema("pantherRole", &["Admin".to_owned(), "Viewer".to_owned()])
}

// ---- names and paths -----------------------------------------------------------------------

const ATTRS: &[&str] = &[
    "userName",
    "name",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
    "pantherRole",
    "id",
    "externalId",
    "meta",
    "schemas",
    "employeeNumber",
    "department",
    "manager",
    "shoeSize",
];

const SUBS: &[&str] = &[
    "value",
    "display",
    "type",
    "primary",
    "givenName",
    "familyName",
    "formatted",
    "$ref",
    "displayName",
    "created",
    "locality",
    "bogus",
];

/// A name as a client might spell it: the schema's, in another case, or made up.
fn spelled(names: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        6 => (prop::sample::select(names), 0u8..4).prop_map(|(n, case)| match case {
            0 => n.to_uppercase(),
            1 => n.to_lowercase(),
            _ => n.to_owned(),
        }),
        1 => "[a-zA-Z$][a-zA-Z0-9_$-]{0,8}",
    ]
    .boxed()
}

fn attr() -> BoxedStrategy<String> {
    spelled(ATTRS)
}

fn sub() -> BoxedStrategy<String> {
    spelled(SUBS)
}

fn urn() -> BoxedStrategy<String> {
    prop_oneof![
        4 => Just(ENT.to_owned()),
        1 => Just(ENT.to_uppercase()),
        2 => Just(USER.to_owned()),
        1 => "urn:[a-z]{1,5}(:[a-zA-Z0-9.]{1,6}){1,3}",
    ]
    .boxed()
}

fn literal() -> BoxedStrategy<String> {
    prop_oneof![
        Just("\"work\"".to_owned()),
        Just("\"home\"".to_owned()),
        Just("\"a@x\"".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("null".to_owned()),
        Just("42".to_owned()),
        "\"[a-zA-Z@. \\\\\"]{0,6}\"",
    ]
    .boxed()
}

fn filter_text() -> BoxedStrategy<String> {
    let cmp = (
        sub(),
        prop::sample::select(vec!["eq", "ne", "co", "sw", "ew", "gt", "le", "EQ"]),
        literal(),
    )
        .prop_map(|(s, op, v)| format!("{s} {op} {v}"));
    let leaf = prop_oneof![4 => cmp, 1 => sub().prop_map(|s| format!("{s} pr"))];
    leaf.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} or {b}")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
    .boxed()
}

fn path() -> BoxedStrategy<String> {
    prop_oneof![
        4 => attr(),
        3 => (attr(), sub()).prop_map(|(a, s)| format!("{a}.{s}")),
        2 => (urn(), attr()).prop_map(|(u, a)| format!("{u}:{a}")),
        1 => (urn(), attr(), sub()).prop_map(|(u, a, s)| format!("{u}:{a}.{s}")),
        1 => urn(),
        3 => (attr(), filter_text()).prop_map(|(a, f)| format!("{a}[{f}]")),
        3 => (attr(), filter_text(), sub()).prop_map(|(a, f, s)| format!("{a}[{f}].{s}")),
        1 => (urn(), attr(), filter_text(), sub())
            .prop_map(|(u, a, f, s)| format!("{u}:{a}[{f}].{s}")),
        // Garbage made of the characters paths are made of.
        2 => "[a-zA-Z.:\\[\\]\" $()=]{0,24}",
        1 => any::<String>(),
    ]
    .boxed()
}

// ---- values --------------------------------------------------------------------------------

fn scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(vec![
            "True", "False", "true", "work", "home", "a@x", "", "m-1"
        ])
        .prop_map(|s| Value::String(s.to_owned())),
        "[a-zA-Z0-9@. ]{0,8}".prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        (-1000i32..1000).prop_map(|i| Value::from(f64::from(i) / 8.0)),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
    ]
    .boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![
        4 => attr(),
        4 => sub(),
        2 => (attr(), sub()).prop_map(|(a, s)| format!("{a}.{s}")),
        1 => (urn(), attr()).prop_map(|(u, a)| format!("{u}:{a}")),
        1 => urn(),
        1 => any::<String>(),
    ]
    .boxed()
}

fn json_value() -> BoxedStrategy<Value> {
    scalar()
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..5)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
        .boxed()
}

/// Values that look like what a client sends for an attribute.
fn realistic_value() -> BoxedStrategy<Value> {
    let element = (
        prop::option::of(scalar()),
        prop::option::of(prop::sample::select(vec!["work", "home", "other"])),
        prop::option::of(prop_oneof![
            any::<bool>().prop_map(Value::Bool),
            Just(json!("True")),
            Just(json!("False"))
        ]),
    )
        .prop_map(|(value, ty, primary)| {
            let mut m = Map::new();
            if let Some(v) = value {
                m.insert("value".to_owned(), v);
            }
            if let Some(t) = ty {
                m.insert("type".to_owned(), json!(t));
            }
            if let Some(p) = primary {
                m.insert("primary".to_owned(), p);
            }
            Value::Object(m)
        });
    prop_oneof![
        3 => scalar(),
        2 => element.clone(),
        3 => prop::collection::vec(element, 0..4).prop_map(Value::Array),
        2 => json_value(),
        1 => (sub(), scalar()).prop_map(|(k, v)| json!({ k: v })),
        1 => (key(), scalar(), key(), json_value())
            .prop_map(|(k1, v1, k2, v2)| json!({ k1: v1, k2: v2 })),
    ]
    .boxed()
}

// ---- operations and bodies -----------------------------------------------------------------

fn op_name() -> BoxedStrategy<Value> {
    prop_oneof![
        8 => prop::sample::select(vec![
            "add", "Add", "ADD", "replace", "Replace", "rEpLaCe", "remove", "Remove",
        ])
        .prop_map(|s| json!(s)),
        1 => prop::sample::select(vec!["copy", "move", "", "test"]).prop_map(|s| json!(s)),
        1 => scalar(),
    ]
    .boxed()
}

fn operation() -> BoxedStrategy<Value> {
    (
        prop::sample::select(vec!["op", "op", "op", "Op", "OP"]),
        prop::option::weighted(0.95, op_name()),
        prop::option::weighted(0.75, path()),
        prop::option::weighted(0.85, realistic_value()),
        prop::option::weighted(0.05, json_value()),
    )
        .prop_map(|(op_key, op, path, value, stray_path)| {
            let mut m = Map::new();
            if let Some(op) = op {
                m.insert(op_key.to_owned(), op);
            }
            if let Some(p) = path {
                m.insert("path".to_owned(), Value::String(p));
            } else if let Some(p) = stray_path {
                m.insert("path".to_owned(), p);
            }
            if let Some(v) = value {
                m.insert("value".to_owned(), v);
            }
            Value::Object(m)
        })
        .boxed()
}

fn body() -> BoxedStrategy<Value> {
    let schemas = prop_oneof![
        8 => Just(Some(json!([PATCH_OP]))),
        2 => Just(None),
        1 => Just(Some(json!([USER]))),
        1 => json_value().prop_map(Some),
    ];
    let ops = prop_oneof![
        12 => prop::collection::vec(operation(), 1..5).prop_map(Value::Array),
        1 => Just(json!([])),
        1 => json_value(),
    ];
    let proper = (
        schemas,
        prop::sample::select(vec!["Operations", "Operations", "operations"]),
        ops,
    )
        .prop_map(|(schemas, key, ops)| {
            let mut m = Map::new();
            if let Some(s) = schemas {
                m.insert("schemas".to_owned(), s);
            }
            m.insert(key.to_owned(), ops);
            Value::Object(m)
        });
    prop_oneof![12 => proper, 1 => json_value()].boxed()
}

// ---- starting resources --------------------------------------------------------------------

fn fixed_users() -> Vec<Value> {
    vec![
        json!({"userName": "jane@example.com"}),
        json!({
            "userName": "jane@example.com",
            "externalId": "00u1",
            "name": {"givenName": "Jane", "familyName": "Doe"},
            "displayName": "Jane Doe",
            "active": true,
            "emails": [
                {"value": "jane@example.com", "type": "work", "primary": true},
                {"value": "jd@home.example", "type": "home"}
            ],
            "pantherRole": "Admin",
            ENT: {"employeeNumber": "7", "manager": {"value": "m-1"}}
        }),
        json!({
            "userName": "bob",
            "active": false,
            "phoneNumbers": [{"value": "+1"}, {"value": "+2", "primary": true}],
            "addresses": [{"locality": "Oslo", "type": "work"}],
            ENT: {"department": "Ops"}
        }),
    ]
}

/// A resource in canonical form: a fixed one, or whatever `normalize` makes of a generated body.
fn start() -> BoxedStrategy<Map<String, Value>> {
    let generated = prop::collection::vec((key(), realistic_value()), 0..8).prop_map(|kv| {
        let mut m: Map<String, Value> = kv.into_iter().collect();
        m.insert("userName".to_owned(), json!("generated"));
        let schema = schema();
        match resource::normalize(&schema, &Value::Object(m)) {
            Ok(n) => n.data,
            Err(_) => fixed_users()[0].as_object().unwrap().clone(),
        }
    });
    prop_oneof![
        2 => prop::sample::select(fixed_users())
            .prop_map(|v| v.as_object().unwrap().clone()),
        1 => generated,
    ]
    .boxed()
}

// ---- checks --------------------------------------------------------------------------------

fn check_apply(schema: &ResourceSchema, start: &Map<String, Value>, ops: &[patch::Operation]) {
    let mut data = start.clone();
    match patch::apply(schema, &mut data, ops) {
        Err(e) => {
            assert_eq!(&data, start, "a failed apply changed the data");
            assert!((400..500).contains(&e.status), "{e:?}");
            assert!(e.scim_type.is_some(), "{e:?}");
        }
        Ok(outcome) => {
            let again = resource::normalize(schema, &Value::Object(data.clone()))
                .unwrap_or_else(|e| panic!("the result does not normalize: {e:?}\n{data:#?}"));
            assert_eq!(again.data, data, "the result is not in canonical form");
            assert!(again.ignored.is_empty(), "{:?}", again.ignored);
            assert_eq!(again.password, None);
            for (k, v) in &data {
                let k = k.to_ascii_lowercase();
                assert!(
                    !matches!(
                        k.as_str(),
                        "password" | "id" | "meta" | "groups" | "schemas"
                    ),
                    "{k} in {data:#?}"
                );
                if k == ENT.to_ascii_lowercase() {
                    assert!(v.as_object().is_some_and(|o| !o.is_empty()), "{data:#?}");
                }
            }
            assert!(
                data.get("userName")
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.trim().is_empty()),
                "{data:#?}"
            );
            // Deterministic: the same operations on the same data give the same result.
            let mut twice = start.clone();
            assert_eq!(patch::apply(schema, &mut twice, ops), Ok(outcome));
            assert_eq!(twice, data);
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary bodies: never a panic; whatever parses applies all-or-nothing.
    #[test]
    fn arbitrary_bodies(body in body(), start in start()) {
        let schema = schema();
        if let Ok(ops) = patch::parse(&body) {
            prop_assert!(!ops.is_empty());
            check_apply(&schema, &start, &ops);
        }
    }

    /// Well-formed operations with arbitrary paths and values, so most reach `apply`.
    #[test]
    fn well_formed_operations(
        ops in prop::collection::vec(
            (
                prop::sample::select(vec!["add", "Replace", "remove"]),
                prop::option::weighted(0.85, path()),
                realistic_value(),
            ),
            1..6,
        ),
        start in start(),
    ) {
        let ops: Vec<Value> = ops
            .into_iter()
            .map(|(op, path, value)| {
                let mut m = Map::new();
                m.insert("op".to_owned(), json!(op));
                match path {
                    Some(p) => {
                        m.insert("path".to_owned(), json!(p));
                    }
                    // Path-less operations carry an object.
                    None => {
                        let v = if value.is_object() { value.clone() } else { json!({"active": value.clone()}) };
                        m.insert("value".to_owned(), v);
                        return Value::Object(m);
                    }
                }
                m.insert("value".to_owned(), value);
                Value::Object(m)
            })
            .collect();
        let schema = schema();
        let body = json!({"schemas": [PATCH_OP], "Operations": ops});
        if let Ok(ops) = patch::parse(&body) {
            check_apply(&schema, &start, &ops);
        }
    }

    /// Path-less values built from dotted, URN and plain keys (Entra's aadOptscim062020 shape).
    #[test]
    fn pathless_values(
        kv in prop::collection::vec((key(), realistic_value()), 1..6),
        op in prop::sample::select(vec!["add", "replace", "Replace"]),
        start in start(),
    ) {
        let value: Map<String, Value> = kv.into_iter().collect();
        let body = json!({"Operations": [{"op": op, "value": value}]});
        let ops = patch::parse(&body).expect("a path-less object value parses");
        check_apply(&schema(), &start, &ops);
    }

    /// Applying the same operation twice gives what applying it once gave (when the second
    /// application succeeds; a `remove` through a filter, say, has no target the second time):
    /// identity providers retry requests that timed out.
    #[test]
    fn operations_are_idempotent(
        op in prop::sample::select(vec!["add", "Replace", "remove"]),
        path in prop::option::weighted(0.9, path()),
        value in realistic_value(),
        start in start(),
    ) {
        let schema = schema();
        let mut o = Map::new();
        o.insert("op".to_owned(), json!(op));
        if let Some(p) = &path {
            o.insert("path".to_owned(), json!(p));
        }
        o.insert("value".to_owned(), value);
        let body = json!({"Operations": [o]});
        if let Ok(ops) = patch::parse(&body) {
            let mut once = start.clone();
            if patch::apply(&schema, &mut once, &ops).is_ok() {
                let mut twice = once.clone();
                if patch::apply(&schema, &mut twice, &ops).is_ok() {
                    prop_assert_eq!(twice, once, "{}", body);
                }
            }
        }
    }

    /// The result agrees with the filter evaluator: after a successful `remove` of an attribute
    /// path nothing is present there, and after setting a string attribute to a string, an
    /// `eq` filter on that path matches it.
    #[test]
    fn results_agree_with_filters(
        op in prop::sample::select(vec!["add", "replace", "remove"]),
        path in path(),
        value in prop_oneof![
            3 => "[a-zA-Z0-9@.]{1,8}".prop_map(Value::String),
            1 => realistic_value(),
        ],
        start in start(),
    ) {
        let schema = schema();
        let Ok(attr_path) = AttrPath::parse(&path) else {
            return Ok(());
        };
        let body = if op == "remove" {
            json!({"Operations": [{"op": op, "path": path}]})
        } else {
            json!({"Operations": [{"op": op, "path": path, "value": value}]})
        };
        let Ok(ops) = patch::parse(&body) else {
            return Ok(());
        };
        let mut data = start.clone();
        if patch::apply(&schema, &mut data, &ops).is_err() {
            return Ok(());
        }
        let resource = Value::Object(data.clone());
        if op == "remove" {
            let present = Filter::Present(attr_path.clone());
            prop_assert!(
                !filter::matches(&present, &resource, &schema),
                "{} still present after {}: {:#?}", attr_path, body, data
            );
        } else if let (Some(def), Value::String(s)) = (schema.resolve_leaf(&attr_path), &value) {
            if def.ty == AttrType::String
                && def.mutability == Mutability::ReadWrite
                && !def.multi_valued
            {
                let eq = Filter::Compare {
                    path: attr_path.clone(),
                    op: CompareOp::Eq,
                    value: CompValue::String(s.clone()),
                };
                prop_assert!(
                    filter::matches(&eq, &resource, &schema),
                    "{} eq {:?} does not match after {}: {:#?}", attr_path, s, body, data
                );
            }
        }
    }

    /// `normalize` never panics, and its output normalizes to itself.
    #[test]
    fn normalize_is_total_and_idempotent(
        kv in prop::collection::vec((key(), realistic_value()), 0..10),
        with_user_name in any::<bool>(),
    ) {
        let schema = schema();
        let mut m: Map<String, Value> = kv.into_iter().collect();
        if with_user_name {
            m.insert("userName".to_owned(), json!("u"));
        }
        if let Ok(first) = resource::normalize(&schema, &Value::Object(m)) {
            let again = resource::normalize(&schema, &Value::Object(first.data.clone())).unwrap();
            prop_assert_eq!(&again.data, &first.data);
            prop_assert!(again.ignored.is_empty());
            for k in ["password", "id", "meta", "groups", "schemas"] {
                prop_assert!(!first.data.contains_key(k));
            }
        }
    }

    /// Projections never panic and never drop `id`.
    #[test]
    fn projection_is_total(
        attributes in prop::option::of(prop::collection::vec(prop_oneof![path(), key()], 0..4)),
        excluded in prop::option::of(prop::collection::vec(prop_oneof![path(), key()], 0..4)),
        start in start(),
    ) {
        let schema = schema();
        let mut rendered = start.clone();
        rendered.insert("id".to_owned(), json!("u1"));
        rendered.insert("schemas".to_owned(), json!([USER, ENT]));
        let a = attributes.map(|v| v.join(","));
        let e = excluded.map(|v| v.join(","));
        if let Ok(p) = Projection::parse(&schema, a.as_deref(), e.as_deref()) {
            let out = p.apply(&schema, Value::Object(rendered));
            prop_assert_eq!(&out["id"], &json!("u1"));
            prop_assert!(out["schemas"].as_array().is_some_and(|s| s.contains(&json!(USER))));
        }
    }
}
