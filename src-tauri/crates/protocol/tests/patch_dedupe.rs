//! `add` and Entra's old-style `remove` with a value list on a multi-valued attribute decide
//! which values are the same with `==`, whatever key order the client used. These properties
//! hold the engine to the plain quadratic definition: an added value equal to one already held,
//! or to one added earlier in the same operation, is skipped; a listed value (or its `value`
//! sub-attribute) removes every held value whose `value` (or itself) equals it.
//!
//! The case count defaults to 256 per property; `PROPTEST_CASES` overrides it.

use proptest::prelude::*;
use scim_protocol::patch;
use scim_protocol::schema::user_schema;
use serde_json::{json, Map, Value};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// An email in canonical form, from a small alphabet so that equal values are common, with
/// its members in any order.
fn email() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["a@x", "b@x", "c@x", "d@x"]),
        prop::option::of(prop::sample::select(vec!["work", "home"])),
        prop::option::of(prop::sample::select(vec!["A", "B"])),
        any::<bool>(),
    )
        .prop_map(|(value, ty, display, reversed)| {
            let mut members = vec![("value", json!(value))];
            if let Some(t) = ty {
                members.push(("type", json!(t)));
            }
            if let Some(d) = display {
                members.push(("display", json!(d)));
            }
            if reversed {
                members.reverse();
            }
            Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            )
        })
}

fn user(emails: &[Value]) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("userName".into(), json!("jane@example.com"));
    if !emails.is_empty() {
        data.insert("emails".into(), Value::Array(emails.to_vec()));
    }
    data
}

fn apply(start: Map<String, Value>, op: Value) -> Map<String, Value> {
    let mut data = start;
    let ops = patch::parse(&json!({"schemas": [PATCH_OP], "Operations": [op]})).unwrap();
    patch::apply(&user_schema("role", &[]), &mut data, &ops).expect("PATCH applies");
    data
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn add_skips_values_equal_to_one_held_or_added_before(
        held in prop::collection::vec(email(), 0..8),
        added in prop::collection::vec(email(), 1..12),
    ) {
        let mut expected = held.clone();
        if expected.is_empty() {
            // Nothing held: the values given become the attribute as they are.
            expected = added.clone();
        } else {
            for item in &added {
                if !expected.contains(item) {
                    expected.push(item.clone());
                }
            }
        }
        let data = apply(
            user(&held),
            json!({"op": "add", "path": "emails", "value": added}),
        );
        prop_assert_eq!(&data["emails"], &Value::Array(expected));
    }

    #[test]
    fn remove_with_a_list_removes_every_equal_value(
        held in prop::collection::vec(email(), 1..10),
        listed in prop::collection::vec(
            prop_oneof![
                email(),
                prop::sample::select(vec!["a@x", "b@x", "z@x"]).prop_map(|s| json!(s)),
            ],
            1..5,
        ),
    ) {
        let doomed: Vec<&Value> = listed.iter().map(|i| i.get("value").unwrap_or(i)).collect();
        let kept: Vec<Value> = held
            .iter()
            .filter(|e| !doomed.contains(&e.get("value").unwrap_or(e)))
            .cloned()
            .collect();
        let data = apply(
            user(&held),
            json!({"op": "remove", "path": "emails", "value": listed}),
        );
        prop_assert_eq!(data, user(&kept));
    }
}
