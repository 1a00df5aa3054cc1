//! `patch::parse`: the PatchOp request body into typed operations, and its errors.

use scim_protocol::error::ScimType;
use scim_protocol::patch::{self, OpKind, Operation};
use scim_protocol::path::PatchPath;
use serde_json::{json, Value};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn parse_err(body: Value) -> (u16, Option<ScimType>) {
    let e = patch::parse(&body).expect_err(&body.to_string());
    (e.status, e.scim_type)
}

fn syntax(body: Value) {
    assert_eq!(
        parse_err(body.clone()),
        (400, Some(ScimType::InvalidSyntax)),
        "{body}"
    );
}

fn ops(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

#[test]
fn body_must_be_an_object() {
    for body in [
        json!(null),
        json!([]),
        json!([{"op": "add", "path": "x", "value": 1}]),
        json!("Operations"),
        json!(42),
        json!(true),
    ] {
        syntax(body);
    }
}

#[test]
fn operations_must_be_a_non_empty_array() {
    syntax(json!({"schemas": [PATCH_OP]}));
    syntax(json!({}));
    syntax(json!({"schemas": [PATCH_OP], "Operations": []}));
    syntax(json!({"schemas": [PATCH_OP], "Operations": null}));
    syntax(json!({"schemas": [PATCH_OP], "Operations": {"op": "add", "value": {}}}));
    syntax(json!({"schemas": [PATCH_OP], "Operations": "replace"}));
    syntax(json!({"schemas": [PATCH_OP], "Ops": [{"op": "remove", "path": "x"}]}));
}

#[test]
fn each_operation_must_be_an_object() {
    syntax(ops(json!(["add"])));
    syntax(ops(json!([null])));
    syntax(ops(json!([{"op": "remove", "path": "title"}, []])));
}

#[test]
fn unknown_or_missing_op() {
    for op in [
        json!({"op": "copy", "path": "title", "value": "x"}),
        json!({"op": "move", "path": "title"}),
        json!({"op": "", "path": "title", "value": "x"}),
        json!({"op": " add", "path": "title", "value": "x"}),
        json!({"op": "adds", "path": "title", "value": "x"}),
        json!({"path": "title", "value": "x"}),
        json!({"op": null, "path": "title", "value": "x"}),
        json!({"op": 1, "path": "title", "value": "x"}),
        json!({"op": ["add"], "path": "title", "value": "x"}),
    ] {
        syntax(ops(json!([op])));
    }
}

#[test]
fn remove_without_path_is_no_target() {
    for op in [
        json!({"op": "remove"}),
        json!({"op": "Remove", "value": [{"value": "x"}]}),
        json!({"op": "remove", "path": null}),
        json!({"op": "remove", "path": ""}),
        json!({"op": "remove", "path": "   "}),
    ] {
        assert_eq!(
            parse_err(ops(json!([op.clone()]))),
            (400, Some(ScimType::NoTarget)),
            "{op}"
        );
    }
}

#[test]
fn add_or_replace_without_value() {
    for op in [
        json!({"op": "add", "path": "title"}),
        json!({"op": "replace", "path": "title"}),
        json!({"op": "Add"}),
        json!({"op": "Replace"}),
    ] {
        syntax(ops(json!([op])));
    }
}

#[test]
fn pathless_add_or_replace_needs_an_object() {
    for value in [
        json!("x"),
        json!(1),
        json!(false),
        json!(null),
        json!([{"active": false}]),
    ] {
        syntax(ops(json!([{"op": "add", "value": value.clone()}])));
        syntax(ops(json!([{"op": "replace", "path": "", "value": value}])));
    }
}

#[test]
fn schemas_must_name_patch_op_when_given() {
    syntax(
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                  "Operations": [{"op": "remove", "path": "title"}]}),
    );
    syntax(json!({"schemas": [], "Operations": [{"op": "remove", "path": "title"}]}));
    syntax(json!({"schemas": PATCH_OP, "Operations": [{"op": "remove", "path": "title"}]}));
    syntax(json!({"schemas": null, "Operations": [{"op": "remove", "path": "title"}]}));
    syntax(json!({"schemas": [1], "Operations": [{"op": "remove", "path": "title"}]}));
    // Absent, or among others, or in another case: accepted.
    for body in [
        json!({"Operations": [{"op": "remove", "path": "title"}]}),
        json!({"schemas": ["urn:x:y", PATCH_OP], "Operations": [{"op": "remove", "path": "title"}]}),
        json!({"schemas": [PATCH_OP.to_uppercase()], "Operations": [{"op": "remove", "path": "title"}]}),
    ] {
        assert!(patch::parse(&body).is_ok(), "{body}");
    }
}

#[test]
fn path_must_be_a_string() {
    for path in [
        json!(1),
        json!(["title"]),
        json!({"attr": "title"}),
        json!(true),
    ] {
        assert_eq!(
            parse_err(ops(json!([{"op": "remove", "path": path}]))),
            (400, Some(ScimType::InvalidPath))
        );
    }
}

#[test]
fn parses_into_typed_operations() {
    let got = patch::parse(&json!({
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "a@x"},
            {"op": "ADD", "value": {"active": false}},
            {"op": "remove", "path": "  name.givenName  "},
            {"Op": "add", "Path": "title", "Value": null},
            {"op": "replace", "path": null, "value": {}}
        ]
    }))
    .unwrap();
    assert_eq!(
        got,
        vec![
            Operation {
                op: OpKind::Replace,
                path: Some(PatchPath::parse("emails[type eq \"work\"].value").unwrap()),
                value: Some(json!("a@x")),
            },
            Operation {
                op: OpKind::Add,
                path: None,
                value: Some(json!({"active": false})),
            },
            Operation {
                op: OpKind::Remove,
                path: Some(PatchPath::parse("name.givenName").unwrap()),
                value: None,
            },
            Operation {
                op: OpKind::Add,
                path: Some(PatchPath::parse("title").unwrap()),
                value: Some(Value::Null),
            },
            Operation {
                op: OpKind::Replace,
                path: None,
                value: Some(json!({})),
            },
        ]
    );
}

#[test]
fn remove_keeps_its_value_for_the_old_entra_style() {
    let got = patch::parse(&ops(json!([
        {"op": "Remove", "path": "members", "value": [{"value": "u1"}]}
    ])))
    .unwrap();
    assert_eq!(got[0].value, Some(json!([{"value": "u1"}])));
}

#[test]
fn errors_name_the_operation() {
    let e = patch::parse(&ops(json!([
        {"op": "remove", "path": "title"},
        {"op": "copy", "path": "title"}
    ])))
    .unwrap_err();
    assert!(e.detail.contains("operation 2"), "{}", e.detail);
    let e = patch::parse(&ops(json!([
        {"op": "remove", "path": "title"},
        {"op": "remove", "path": "title"},
        {"op": "remove", "path": "emails[type eq"}
    ])))
    .unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
    assert!(e.detail.contains("operation 3"), "{}", e.detail);
}
