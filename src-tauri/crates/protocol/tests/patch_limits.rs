//! The limits on what one request may ask (`schema::Limits`): the operations in a PATCH, and
//! the values of a multi-valued attribute, given in a request or held after a PATCH. Just
//! under a limit passes; just over is a 400 `invalidValue` naming the numbers, and nothing
//! changes.

use scim_protocol::error::{ScimError, ScimType};
use scim_protocol::patch;
use scim_protocol::resource;
use scim_protocol::schema::{user_schema, Limits, ResourceSchema, MAX_OPERATIONS, MAX_VALUES};
use serde_json::{json, Map, Value};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn schema() -> ResourceSchema {
    user_schema("pantherRole", &["Admin".to_owned(), "Viewer".to_owned()])
}

fn phone(i: usize) -> Value {
    json!({"value": format!("+1 555 {i:07}"), "type": "work"})
}

fn phones(range: std::ops::Range<usize>) -> Vec<Value> {
    range.map(phone).collect()
}

/// A user in canonical form holding `n` phone numbers.
fn user(n: usize) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("userName".into(), json!("jane@example.com"));
    if n > 0 {
        data.insert("phoneNumbers".into(), Value::Array(phones(0..n)));
    }
    data
}

fn body(ops: Vec<Value>) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

fn replaces(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"op": "replace", "path": "displayName", "value": format!("Jane {i}")}))
        .collect()
}

fn apply(
    schema: &ResourceSchema,
    data: &mut Map<String, Value>,
    ops: Vec<Value>,
) -> Result<(), ScimError> {
    let ops = patch::parse_with(&body(ops), usize::MAX)?;
    patch::apply(schema, data, &ops).map(|_| ())
}

/// Applies `ops` to `start`, expecting success.
fn patched(start: Map<String, Value>, ops: Vec<Value>) -> Map<String, Value> {
    let mut data = start;
    apply(&schema(), &mut data, ops).expect("PATCH applies");
    data
}

/// Applies `ops` to `start` expecting a refusal with `detail`, and checks nothing changed.
fn refused(schema: &ResourceSchema, start: Map<String, Value>, ops: Vec<Value>, detail: &str) {
    let mut data = start.clone();
    let e = apply(schema, &mut data, ops).expect_err("PATCH must be refused");
    assert_eq!(
        e,
        ScimError::new(400, Some(ScimType::InvalidValue), detail),
        "{}",
        e.detail
    );
    assert_eq!(data, start, "a refused PATCH changed the data");
}

fn held(data: &Map<String, Value>) -> usize {
    data.get("phoneNumbers")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

#[test]
fn defaults_are_a_thousand() {
    assert_eq!((MAX_OPERATIONS, MAX_VALUES), (1_000, 1_000));
    assert_eq!(
        Limits::default(),
        Limits {
            max_operations: 1_000,
            max_values: 1_000
        }
    );
    assert_eq!(schema().limits, Limits::default());
}

// ---- operations per PATCH ------------------------------------------------------------------

#[test]
fn parse_accepts_a_thousand_operations_and_refuses_one_more() {
    assert_eq!(patch::parse(&body(replaces(1_000))).unwrap().len(), 1_000);
    let e = patch::parse(&body(replaces(1_001))).unwrap_err();
    assert_eq!(
        e,
        ScimError::invalid_value(
            "the PATCH has 1,001 operations; at most 1,000 are accepted in one request"
        )
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn operations_are_counted_before_any_is_parsed() {
    let junk = vec![json!({"op": "frobnicate", "path": "a[[["}); 10_000];
    let e = patch::parse(&body(junk)).unwrap_err();
    assert_eq!(
        e.detail,
        "the PATCH has 10,000 operations; at most 1,000 are accepted in one request"
    );
    assert_eq!((e.status, e.scim_type), (400, Some(ScimType::InvalidValue)));
}

#[test]
fn parse_with_takes_another_limit() {
    assert_eq!(
        patch::parse_with(&body(replaces(5)), 4).unwrap_err().detail,
        "the PATCH has 5 operations; at most 4 are accepted in one request"
    );
    assert_eq!(
        patch::parse_with(&body(replaces(5_000)), 5_000)
            .unwrap()
            .len(),
        5_000
    );
}

#[test]
fn apply_holds_to_the_schemas_operation_limit() {
    let mut schema = schema();
    schema.limits.max_operations = 2;
    let done = {
        let mut data = user(0);
        apply(&schema, &mut data, replaces(2)).expect("two operations apply");
        data
    };
    assert_eq!(done["displayName"], "Jane 1");
    refused(
        &schema,
        user(0),
        replaces(3),
        "the PATCH has 3 operations; at most 2 are accepted in one request",
    );
}

// ---- values given in one request -----------------------------------------------------------

#[test]
fn a_patch_value_of_a_thousand_values_is_accepted_and_one_more_refused() {
    let data = patched(
        user(0),
        vec![json!({"op": "add", "path": "phoneNumbers", "value": phones(0..1_000)})],
    );
    assert_eq!(held(&data), 1_000);

    let detail = "'phoneNumbers' is given 1,001 values; at most 1,000 are accepted in one request";
    for op in ["add", "replace", "remove"] {
        refused(
            &schema(),
            user(10),
            vec![json!({"op": op, "path": "phoneNumbers", "value": phones(0..1_001)})],
            detail,
        );
    }
    refused(
        &schema(),
        user(10),
        vec![json!({"op": "add", "value": {"phoneNumbers": phones(0..1_001)}})],
        detail,
    );
}

#[test]
fn a_body_of_a_thousand_values_is_accepted_and_one_more_refused() {
    let post = |n: usize| json!({"userName": "jane@example.com", "phoneNumbers": phones(0..n)});
    let n = resource::normalize(&schema(), &post(1_000)).expect("normalizes");
    assert_eq!(held(&n.data), 1_000);
    let e = resource::normalize(&schema(), &post(1_001)).unwrap_err();
    assert_eq!(
        e,
        ScimError::invalid_value(
            "'phoneNumbers' is given 1,001 values; at most 1,000 are accepted in one request"
        )
    );
}

#[test]
fn a_schema_can_lower_the_value_limit() {
    let mut schema = schema();
    schema.limits.max_values = 3;
    let body = json!({"userName": "jane@example.com", "emails": [
        {"value": "a@x"}, {"value": "b@x"}, {"value": "c@x"}, {"value": "d@x"}
    ]});
    assert_eq!(
        resource::normalize(&schema, &body).unwrap_err().detail,
        "'emails' is given 4 values; at most 3 are accepted in one request"
    );
}

// ---- values held after a PATCH -------------------------------------------------------------

#[test]
fn adding_up_to_a_thousand_held_values_is_accepted_and_beyond_refused() {
    let add = |range| vec![json!({"op": "add", "path": "phoneNumbers", "value": phones(range)})];
    assert_eq!(held(&patched(user(600), add(600..1_000))), 1_000);
    refused(
        &schema(),
        user(600),
        add(600..1_001),
        "'phoneNumbers' would hold 1,001 values; at most 1,000 are accepted",
    );
}

#[test]
fn values_already_held_do_not_count_twice() {
    let again: Vec<Value> = phones(0..1_000)
        .into_iter()
        .map(|p| json!({"type": p["type"], "value": p["value"]}))
        .collect();
    let data = patched(
        user(1_000),
        vec![json!({"op": "add", "path": "phoneNumbers", "value": again})],
    );
    assert_eq!(data, user(1_000));
}

#[test]
fn operations_that_each_add_are_refused_once_the_total_is_over() {
    refused(
        &schema(),
        user(0),
        vec![
            json!({"op": "add", "path": "phoneNumbers", "value": phones(0..600)}),
            json!({"op": "add", "path": "phoneNumbers", "value": phones(600..1_200)}),
        ],
        "'phoneNumbers' would hold 1,200 values; at most 1,000 are accepted",
    );
}

#[test]
fn a_value_created_by_a_filter_counts() {
    let create = vec![json!({
        "op": "replace",
        "path": "phoneNumbers[type eq \"fax\"].value",
        "value": "+1 555 9999999"
    })];
    assert_eq!(held(&patched(user(999), create.clone())), 1_000);
    refused(
        &schema(),
        user(1_000),
        create,
        "'phoneNumbers' would hold 1,001 values; at most 1,000 are accepted",
    );
}

#[test]
fn a_resource_holding_more_than_the_limit_can_still_be_patched() {
    let legacy = user(1_200);
    let renamed = patched(
        legacy.clone(),
        vec![json!({"op": "replace", "path": "displayName", "value": "Jane"})],
    );
    assert_eq!(held(&renamed), 1_200);
    let fewer = patched(
        legacy.clone(),
        vec![json!({"op": "remove", "path": "phoneNumbers[value eq \"+1 555 0000007\"]"})],
    );
    assert_eq!(held(&fewer), 1_199);
    let retyped = patched(
        legacy.clone(),
        vec![json!({"op": "replace", "path": "phoneNumbers.type", "value": "home"})],
    );
    assert_eq!(held(&retyped), 1_200);
    refused(
        &schema(),
        legacy,
        vec![json!({"op": "add", "path": "phoneNumbers", "value": [phone(5_000)]})],
        "'phoneNumbers' would hold 1,201 values; at most 1,000 are accepted",
    );
}

#[test]
fn oversized_requests_are_refused_with_the_default_limits() {
    let e = patch::parse(&body(replaces(10_000))).unwrap_err();
    assert_eq!(
        e.detail,
        "the PATCH has 10,000 operations; at most 1,000 are accepted in one request"
    );

    let start = user(1_000);
    let mut data = start.clone();
    let ops = patch::parse(&body(vec![
        json!({"op": "add", "path": "phoneNumbers", "value": phones(1_000..41_000)}),
    ]))
    .expect("one operation parses");
    let e = patch::apply(&schema(), &mut data, &ops).unwrap_err();
    assert_eq!(
        e,
        ScimError::invalid_value(
            "'phoneNumbers' is given 40,000 values; at most 1,000 are accepted in one request"
        )
    );
    assert_eq!(data, start);
}
