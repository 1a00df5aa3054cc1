//! The PATCH shapes Okta and Microsoft Entra ID really send (/work/shared/IDP-BEHAVIOUR.md),
//! replayed against the engine; every assertion is on the exact resulting resource.

use scim_protocol::error::{ScimError, ScimType};
use scim_protocol::patch::{self, Outcome};
use scim_protocol::schema::{user_schema, ResourceSchema};
use serde_json::{json, Map, Value};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn schema() -> ResourceSchema {
    user_schema("pantherRole", &["Admin".to_owned(), "Viewer".to_owned()])
}

/// A user in canonical form, as the store holds it.
fn jane() -> Value {
    json!({
        "userName": "jane@example.com",
        "externalId": "00u1abcd",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "displayName": "Jane Doe",
        "active": true,
        "emails": [{"value": "jane@example.com", "type": "work", "primary": true}]
    })
}

/// Parses `body`, applies it to `start`; on error checks that nothing changed.
fn run_body(start: &Value, body: Value) -> Result<(Value, Outcome), ScimError> {
    let schema = schema();
    let mut data: Map<String, Value> = start.as_object().expect("an object").clone();
    let ops = patch::parse(&body)?;
    match patch::apply(&schema, &mut data, &ops) {
        Ok(outcome) => Ok((Value::Object(data), outcome)),
        Err(e) => {
            assert_eq!(
                &Value::Object(data),
                start,
                "a failed PATCH changed the data"
            );
            Err(e)
        }
    }
}

fn run(start: &Value, ops: Value) -> Result<(Value, Outcome), ScimError> {
    run_body(start, json!({"schemas": [PATCH_OP], "Operations": ops}))
}

/// Applies `ops`, expecting success with nothing ignored and no password.
fn ok(start: &Value, ops: Value) -> Value {
    let (data, outcome) = run(start, ops).expect("PATCH applies");
    assert_eq!(outcome, Outcome::default());
    data
}

fn err(start: &Value, ops: Value) -> ScimError {
    run(start, ops).expect_err("PATCH must fail")
}

fn with(mut base: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

// ---- Okta ----------------------------------------------------------------------------------

#[test]
fn okta_deactivate() {
    let got = ok(
        &jane(),
        json!([{"op": "replace", "value": {"active": false}}]),
    );
    assert_eq!(got, with(jane(), json!({"active": false})));
}

#[test]
fn okta_reactivate() {
    let start = with(jane(), json!({"active": false}));
    let got = ok(
        &start,
        json!([{"op": "replace", "value": {"active": true}}]),
    );
    assert_eq!(got, jane());
}

#[test]
fn okta_pathless_replace_with_current_id_is_harmless() {
    // Okta's group push sends `{"id": …, "displayName": …}` before membership changes; the
    // id is never stored in the data.
    let got = ok(
        &jane(),
        json!([{"op": "replace", "value": {"id": "2819c223", "displayName": "Jane Q. Doe"}}]),
    );
    assert_eq!(got, with(jane(), json!({"displayName": "Jane Q. Doe"})));
    assert!(got.get("id").is_none());
}

#[test]
fn okta_membership_style_remove_by_value_filter_and_add_list() {
    let start = with(
        jane(),
        json!({"emails": [
            {"value": "jane@example.com", "type": "work", "primary": true},
            {"value": "jd@home.example", "type": "home"}
        ]}),
    );
    let got = ok(
        &start,
        json!([
            {"op": "remove", "path": "emails[value eq \"jd@home.example\"]"},
            {"op": "add", "path": "emails", "value": [{"value": "j@other.example", "display": "Other"}]}
        ]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "jane@example.com", "type": "work", "primary": true},
                {"value": "j@other.example", "display": "Other"}
            ]})
        )
    );
}

#[test]
fn okta_full_push_replaces_the_multi_valued_attribute() {
    let got = ok(
        &jane(),
        json!([{"op": "replace", "path": "emails", "value": [
            {"value": "a@x.example", "type": "work"},
            {"value": "b@x.example", "type": "home"}
        ]}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "a@x.example", "type": "work"},
                {"value": "b@x.example", "type": "home"}
            ]})
        )
    );
}

// ---- Entra ---------------------------------------------------------------------------------

#[test]
fn entra_capitalised_ops() {
    let got = ok(
        &jane(),
        json!([
            {"op": "Replace", "path": "displayName", "value": "J. Doe"},
            {"op": "Add", "path": "title", "value": "Engineer"},
            {"op": "Remove", "path": "externalId"}
        ]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"displayName": "J. Doe", "title": "Engineer", "externalId": null})
        )
    );
}

#[test]
fn op_in_any_case() {
    for (op, expected) in [
        ("REPLACE", json!({"nickName": "JJ"})),
        ("rEpLaCe", json!({"nickName": "JJ"})),
        ("ADD", json!({"nickName": "JJ"})),
        ("aDd", json!({"nickName": "JJ"})),
    ] {
        let got = ok(
            &jane(),
            json!([{"op": op, "path": "nickName", "value": "JJ"}]),
        );
        assert_eq!(got, with(jane(), expected), "op {op}");
    }
    for op in ["REMOVE", "Remove", "rEMOVE"] {
        let got = ok(&jane(), json!([{"op": op, "path": "displayName"}]));
        assert_eq!(got, with(jane(), json!({"displayName": null})), "op {op}");
    }
    // The member names themselves are also matched case-insensitively.
    let got = run_body(
        &jane(),
        json!({"SCHEMAS": [PATCH_OP], "operations": [
            {"OP": "Replace", "PATH": "nickName", "VALUE": "JJ"}
        ]}),
    )
    .unwrap()
    .0;
    assert_eq!(got, with(jane(), json!({"nickName": "JJ"})));
}

#[test]
fn entra_replace_existing_work_email_value() {
    let got = ok(
        &jane(),
        json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "jane.doe@example.com"}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [{"value": "jane.doe@example.com", "type": "work", "primary": true}]})
        )
    );
}

#[test]
fn entra_work_email_is_created_when_the_user_has_none() {
    // Only a home email: the work email is appended, built from the filter.
    let start = with(
        jane(),
        json!({"emails": [{"value": "jd@home.example", "type": "home"}]}),
    );
    let got = ok(
        &start,
        json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "jane@example.com"}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "jd@home.example", "type": "home"},
                {"type": "work", "value": "jane@example.com"}
            ]})
        )
    );

    // No emails at all.
    let start = with(jane(), json!({"emails": null}));
    let got = ok(
        &start,
        json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "jane@example.com"}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [{"type": "work", "value": "jane@example.com"}]})
        )
    );
}

#[test]
fn entra_filter_keyword_and_attribute_case() {
    // `TYPE EQ "Work"`: attribute names and keywords in any case, `type` is not caseExact.
    let got = ok(
        &jane(),
        json!([{"op": "Replace", "path": "EMAILS[TYPE EQ \"Work\"].VALUE", "value": "x@example.com"}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [{"value": "x@example.com", "type": "work", "primary": true}]})
        )
    );
}

#[test]
fn entra_name_family_name() {
    let got = ok(
        &jane(),
        json!([{"op": "Replace", "path": "name.familyName", "value": "Smith"}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"name": {"givenName": "Jane", "familyName": "Smith"}})
        )
    );
}

#[test]
fn entra_manager_as_one_element_list() {
    let path = format!("{ENT}:manager");
    let got = ok(
        &jane(),
        json!([{"op": "Add", "path": path, "value": [{"$ref": null, "value": "26118915-6090"}]}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({ENT: {"manager": {"value": "26118915-6090"}}})
        )
    );

    let got = ok(
        &jane(),
        json!([{"op": "Add", "path": path, "value": [
            {"$ref": "../Users/26118915-6090", "value": "26118915-6090"}
        ]}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({ENT: {"manager": {"value": "26118915-6090", "$ref": "../Users/26118915-6090"}}})
        )
    );
}

#[test]
fn entra_manager_as_bare_string_and_as_object() {
    let path = format!("{ENT}:manager");
    let expected = with(jane(), json!({ENT: {"manager": {"value": "m-1"}}}));
    assert_eq!(
        ok(
            &jane(),
            json!([{"op": "Add", "path": path, "value": "m-1"}])
        ),
        expected
    );
    assert_eq!(
        ok(
            &jane(),
            json!([{"op": "Replace", "path": path, "value": {"value": "m-1"}}])
        ),
        expected
    );
    // Replacing an existing manager keeps the extension's other attributes.
    let start = with(
        jane(),
        json!({ENT: {"employeeNumber": "42", "manager": {"value": "old"}}}),
    );
    assert_eq!(
        ok(
            &start,
            json!([{"op": "Replace", "path": path, "value": [{"value": "m-1"}]}])
        ),
        with(
            jane(),
            json!({ENT: {"employeeNumber": "42", "manager": {"value": "m-1"}}})
        )
    );
}

#[test]
fn manager_list_of_several_values_is_invalid() {
    let e = err(
        &jane(),
        json!([{"op": "Add", "path": format!("{ENT}:manager"), "value": [{"value": "a"}, {"value": "b"}]}]),
    );
    assert_eq!(e.status, 400);
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn manager_empty_list_replace_unassigns_it() {
    let start = with(
        jane(),
        json!({ENT: {"employeeNumber": "42", "manager": {"value": "old"}}}),
    );
    let got = ok(
        &start,
        json!([{"op": "Replace", "path": format!("{ENT}:manager"), "value": []}]),
    );
    assert_eq!(got, with(jane(), json!({ENT: {"employeeNumber": "42"}})));
}

#[test]
fn entra_disable_with_string_boolean() {
    for (v, expected) in [
        ("False", false),
        ("false", false),
        ("FALSE", false),
        ("True", true),
    ] {
        let got = ok(
            &jane(),
            json!([{"op": "Replace", "path": "active", "value": v}]),
        );
        assert_eq!(got, with(jane(), json!({"active": expected})), "value {v}");
    }
    let e = err(
        &jane(),
        json!([{"op": "Replace", "path": "active", "value": "no"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn entra_aad_opt_pathless_replace_with_dotted_and_urn_keys() {
    let got = ok(
        &jane(),
        json!([{"op": "replace", "value": {
            "displayName": "Janet Doe",
            "name.givenName": "Janet",
            "name.familyName": "Doe-Smith",
            "active": false,
            format!("{ENT}:employeeNumber"): "701984",
            format!("{ENT}:department"): "Sales"
        }}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({
                "displayName": "Janet Doe",
                "name": {"givenName": "Janet", "familyName": "Doe-Smith"},
                "active": false,
                ENT: {"employeeNumber": "701984", "department": "Sales"}
            })
        )
    );
}

#[test]
fn entra_pathless_add_with_extension_object() {
    let got = ok(
        &jane(),
        json!([{"op": "add", "value": {
            ENT: {"employeeNumber": 701984, "manager": {"value": "m-1"}}
        }}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({ENT: {"employeeNumber": "701984", "manager": {"value": "m-1"}}})
        )
    );
}

#[test]
fn entra_old_style_remove_with_value_list_removes_only_those_values() {
    let start = with(
        jane(),
        json!({"emails": [
            {"value": "a@x", "type": "work", "primary": true},
            {"value": "b@x", "type": "home"},
            {"value": "c@x", "type": "other"}
        ]}),
    );
    let got = ok(
        &start,
        json!([{"op": "Remove", "path": "emails", "value": [{"value": "a@x"}]}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "b@x", "type": "home"},
                {"value": "c@x", "type": "other"}
            ]})
        )
    );

    // Several at once, a value that is not there is fine.
    let got = ok(
        &start,
        json!([{"op": "Remove", "path": "emails", "value": [
            {"value": "a@x"}, {"value": "c@x"}, {"value": "nobody@x"}
        ]}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [{"value": "b@x", "type": "home"}]})
        )
    );

    // Removing every listed value leaves no attribute behind.
    let got = ok(
        &start,
        json!([{"op": "Remove", "path": "emails", "value": [
            {"value": "a@x"}, {"value": "b@x"}, {"value": "c@x"}
        ]}]),
    );
    assert_eq!(got, with(jane(), json!({"emails": null})));
}

#[test]
fn remove_with_a_single_value_object_removes_only_that_value() {
    // The value list written as a single object must not wipe the whole attribute.
    let start = with(
        jane(),
        json!({"emails": [
            {"value": "a@x", "type": "work"},
            {"value": "b@x", "type": "home"}
        ]}),
    );
    let got = ok(
        &start,
        json!([{"op": "Remove", "path": "emails", "value": {"value": "a@x"}}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [{"value": "b@x", "type": "home"}]})
        )
    );
}

#[test]
fn entra_roles_with_string_primary() {
    let got = ok(
        &jane(),
        json!([{"op": "Add", "path": "roles", "value": [
            {"primary": "False", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}
        ]}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"roles": [
                {"primary": false, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}
            ]})
        )
    );
}

#[test]
fn entra_custom_role_attribute() {
    let got = ok(
        &jane(),
        json!([{"op": "Replace", "path": "PANTHERROLE", "value": "Viewer"}]),
    );
    assert_eq!(got, with(jane(), json!({"pantherRole": "Viewer"})));
}

#[test]
fn okta_and_entra_full_sequences() {
    // An Entra update cycle in one request.
    let got = ok(
        &jane(),
        json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "jane@new.example"},
            {"op": "Replace", "path": "name.familyName", "value": "Roe"},
            {"op": "Add", "path": format!("{ENT}:manager"), "value": [{"$ref": null, "value": "m-9"}]},
            {"op": "Replace", "path": "active", "value": "False"}
        ]),
    );
    assert_eq!(
        got,
        json!({
            "userName": "jane@example.com",
            "externalId": "00u1abcd",
            "name": {"givenName": "Jane", "familyName": "Roe"},
            "displayName": "Jane Doe",
            "active": false,
            "emails": [{"value": "jane@new.example", "type": "work", "primary": true}],
            ENT: {"manager": {"value": "m-9"}}
        })
    );
}

#[test]
fn entra_legacy_dialect_is_recognised_and_the_conformant_one_is_not() {
    use scim_protocol::patch::entra_legacy;
    let legacy = [
        json!({"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}),
        json!({"Operations": [{"op": "Add", "path": "members", "value": [{"value": "u1"}]}]}),
        json!({"Operations": [{"op": "replace", "path": "active", "value": "True"}]}),
        json!({"Operations": [{"op": "replace", "value": {"active": "false"}}]}),
    ];
    for body in &legacy {
        assert!(entra_legacy(body), "{body}");
    }
    let conformant = [
        json!({"Operations": [{"op": "replace", "path": "active", "value": false}]}),
        json!({"Operations": [{"op": "replace", "value": {"displayName": "Falsetto", "name.givenName": "Kai"}}]}),
        json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": "u1"}]}]}),
        json!({"schemas": []}),
    ];
    for body in &conformant {
        assert!(!entra_legacy(body), "{body}");
    }
}
