//! `resource::normalize` (POST/PUT bodies into canonical form), `apply_role` and `render`.

use scim_protocol::error::ScimType;
use scim_protocol::resource::{self, Meta, Normalized};
use scim_protocol::schema::{user_schema, ResourceSchema};
use serde_json::{json, Map, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn schema() -> ResourceSchema {
    user_schema("pantherRole", &["Admin".to_owned(), "Viewer".to_owned()])
}

fn norm(body: Value) -> Normalized {
    resource::normalize(&schema(), &body).expect("normalizes")
}

fn data(body: Value) -> Value {
    let n = norm(body);
    assert_eq!(n.ignored, Vec::<String>::new());
    assert_eq!(n.password, None);
    Value::Object(n.data)
}

fn norm_err(body: Value) -> ScimType {
    let e = resource::normalize(&schema(), &body).expect_err(&body.to_string());
    assert_eq!(e.status, 400);
    e.scim_type.expect("a scimType")
}

#[test]
fn okta_create_body() {
    let n = norm(json!({
        "schemas": [USER],
        "userName": "jane@example.com",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"primary": true, "value": "jane@example.com", "type": "work"}],
        "displayName": "Jane Doe",
        "locale": "en-US",
        "externalId": "00u1abcd",
        "groups": [],
        "password": "tempP@ss1",
        "active": true
    }));
    assert_eq!(
        Value::Object(n.data),
        json!({
            "userName": "jane@example.com",
            "name": {"givenName": "Jane", "familyName": "Doe"},
            "emails": [{"primary": true, "value": "jane@example.com", "type": "work"}],
            "displayName": "Jane Doe",
            "locale": "en-US",
            "externalId": "00u1abcd",
            "active": true
        })
    );
    assert_eq!(n.password.as_deref(), Some("tempP@ss1"));
    assert_eq!(n.ignored, Vec::<String>::new());
}

#[test]
fn okta_put_echoes_the_whole_resource() {
    // GET then PUT: id, meta, groups and the schemas come back and are dropped.
    let got = data(json!({
        "schemas": [USER, ENT],
        "id": "2819c223",
        "userName": "jane@example.com",
        "active": false,
        "groups": [{"value": "g1", "display": "Sales"}],
        "pantherRole": "Admin",
        ENT: {"department": "Sales"},
        "meta": {
            "resourceType": "User",
            "created": "2024-05-13T04:42:34Z",
            "lastModified": "2024-05-13T04:42:34Z",
            "location": "https://x/scim/v2/Users/2819c223",
            "version": "W/\"1\""
        }
    }));
    assert_eq!(
        got,
        json!({
            "userName": "jane@example.com",
            "active": false,
            "pantherRole": "Admin",
            ENT: {"department": "Sales"}
        })
    );
}

#[test]
fn entra_create_body() {
    let n = norm(json!({
        "schemas": [USER, ENT],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee@contoso.com",
        "active": "True",
        "emails": [{"primary": "True", "type": "work", "value": "Test_User@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
        ENT: {"employeeNumber": 12345, "manager": [{"$ref": null, "value": "m-1"}]}
    }));
    assert_eq!(
        Value::Object(n.data),
        json!({
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_ab6490ee@contoso.com",
            "active": true,
            "emails": [{"primary": true, "type": "work", "value": "Test_User@contoso.com"}],
            "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
            ENT: {"employeeNumber": "12345", "manager": {"value": "m-1"}}
        })
    );
    assert_eq!(n.ignored, Vec::<String>::new());
}

#[test]
fn canonical_names_from_any_case() {
    let got = data(json!({
        "USERNAME": "jane",
        "Name": {"GivenName": "Jane", "FAMILYNAME": "Doe"},
        "EMAILS": [{"VALUE": "j@x", "Type": "work", "PRIMARY": "true"}],
        "DisplayName": "Jane",
        "ACTIVE": "FALSE",
        "pantherrole": "Viewer",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"EmployeeNumber": "7", "MANAGER": {"VALUE": "m"}}
    }));
    assert_eq!(
        got,
        json!({
            "userName": "jane",
            "name": {"givenName": "Jane", "familyName": "Doe"},
            "emails": [{"value": "j@x", "type": "work", "primary": true}],
            "displayName": "Jane",
            "active": false,
            "pantherRole": "Viewer",
            ENT: {"employeeNumber": "7", "manager": {"value": "m"}}
        })
    );
}

#[test]
fn string_booleans_and_numbers_for_strings() {
    let got = data(json!({
        "userName": 12345,
        "active": "True",
        "externalId": 42,
        "displayName": 1.5,
        "phoneNumbers": [{"value": 5551234, "primary": "False"}]
    }));
    assert_eq!(
        got,
        json!({
            "userName": "12345",
            "active": true,
            "externalId": "42",
            "displayName": "1.5",
            "phoneNumbers": [{"value": "5551234", "primary": false}]
        })
    );
}

#[test]
fn scalar_for_a_multi_valued_attribute_is_one_value() {
    let got = data(json!({"userName": "j", "emails": "j@x", "roles": {"value": "r"}}));
    assert_eq!(
        got,
        json!({"userName": "j", "emails": [{"value": "j@x"}], "roles": [{"value": "r"}]})
    );
}

#[test]
fn type_errors_are_invalid_value() {
    for body in [
        json!({"userName": "j", "active": "yes"}),
        json!({"userName": "j", "active": 1}),
        json!({"userName": {"value": "j"}}),
        json!({"userName": true}),
        json!({"userName": "j", "name": "Jane Doe"}),
        json!({"userName": "j", "name": {"givenName": 1.5e300, "familyName": ["x"]}}),
        json!({"userName": "j", "emails": [{"value": "a", "primary": "sure"}]}),
        json!({"userName": "j", "profileUrl": 5}),
        json!({"userName": "j", "password": 5}),
        json!({"userName": "j", ENT: {"manager": [{"value": "a"}, {"value": "b"}]}}),
        json!({"userName": "j", "displayName": ["a", "b"]}),
    ] {
        assert_eq!(norm_err(body), ScimType::InvalidValue);
    }
}

#[test]
fn one_element_list_for_a_singular_attribute() {
    let got = data(json!({"userName": ["j"], "name": [{"givenName": "J"}], "displayName": []}));
    assert_eq!(got, json!({"userName": "j", "name": {"givenName": "J"}}));
}

#[test]
fn unknown_attributes_are_reported() {
    let n = norm(json!({
        "userName": "j",
        "shoeSize": 44,
        "name": {"givenName": "J", "nickname": "JJ"},
        "emails": [{"value": "a@x", "label": "x"}],
        "name.familyName": "Doe",
        USER: {"userName": "other"},
        "urn:example:custom:1.0:User": {"x": 1},
        ENT: {"floor": 3, "department": "R&D"},
        "not a path": 1
    }));
    assert_eq!(
        Value::Object(n.data),
        json!({
            "userName": "j",
            "name": {"givenName": "J"},
            "emails": [{"value": "a@x"}],
            ENT: {"department": "R&D"}
        })
    );
    assert_eq!(
        n.ignored,
        vec![
            "shoeSize".to_owned(),
            "name.nickname".to_owned(),
            "emails.label".to_owned(),
            "name.familyName".to_owned(),
            USER.to_owned(),
            "urn:example:custom:1.0:User".to_owned(),
            format!("{ENT}:floor"),
            "not a path".to_owned(),
        ]
    );
}

#[test]
fn read_only_attributes_are_dropped() {
    let got = data(json!({
        "id": "abc",
        "ID": "abc",
        "userName": "j",
        "meta": {"created": "not even a date"},
        "groups": [{"value": "g", "display": "G"}],
        ENT: {"manager": {"value": "m", "displayName": "Boss"}}
    }));
    assert_eq!(
        got,
        json!({"userName": "j", ENT: {"manager": {"value": "m"}}})
    );
}

#[test]
fn password_is_extracted() {
    let n = norm(json!({"userName": "j", "Password": "pw"}));
    assert_eq!(Value::Object(n.data), json!({"userName": "j"}));
    assert_eq!(n.password.as_deref(), Some("pw"));
    let n = norm(json!({"userName": "j", "password": null}));
    assert_eq!(n.password, None);
    assert_eq!(Value::Object(n.data), json!({"userName": "j"}));
}

#[test]
fn null_and_empty_values_are_unassigned() {
    let got = data(json!({
        "userName": "j",
        "nickName": null,
        "emails": [],
        "phoneNumbers": [null, {}],
        "name": {"givenName": null},
        "addresses": null,
        ENT: {"employeeNumber": null, "manager": {"value": null}}
    }));
    assert_eq!(got, json!({"userName": "j"}));
    let got = data(json!({"userName": "j", ENT: null}));
    assert_eq!(got, json!({"userName": "j"}));
}

#[test]
fn extension_must_be_an_object() {
    assert_eq!(
        norm_err(json!({"userName": "j", ENT: "x"})),
        ScimType::InvalidSyntax
    );
    assert_eq!(
        norm_err(json!({"userName": "j", ENT: [{"department": "x"}]})),
        ScimType::InvalidSyntax
    );
}

#[test]
fn extension_with_only_unknown_attributes_is_dropped() {
    let n = norm(json!({"userName": "j", ENT: {"floor": 3}}));
    assert_eq!(Value::Object(n.data), json!({"userName": "j"}));
    assert_eq!(n.ignored, vec![format!("{ENT}:floor")]);
}

#[test]
fn missing_user_name_is_invalid_value() {
    for body in [
        json!({}),
        json!({"schemas": [USER], "displayName": "x"}),
        json!({"userName": null}),
        json!({"userName": ""}),
        json!({"userName": "   "}),
        json!({"userName": []}),
    ] {
        let e = resource::normalize(&schema(), &body).unwrap_err();
        assert_eq!(
            (e.status, e.scim_type),
            (400, Some(ScimType::InvalidValue)),
            "{body}"
        );
        assert!(e.detail.contains("userName"), "{}", e.detail);
    }
}

#[test]
fn body_must_be_an_object() {
    for body in [json!(null), json!([]), json!("x"), json!(1)] {
        assert_eq!(norm_err(body), ScimType::InvalidSyntax);
    }
}

#[test]
fn several_primaries_keep_the_last() {
    let got = data(json!({"userName": "j", "emails": [
        {"value": "a", "primary": true},
        {"value": "b", "primary": "True"},
        {"value": "c"}
    ]}));
    assert_eq!(
        got,
        json!({"userName": "j", "emails": [
            {"value": "a", "primary": false},
            {"value": "b", "primary": true},
            {"value": "c"}
        ]})
    );
}

#[test]
fn normalize_is_idempotent_on_its_output() {
    let first = norm(json!({
        "USERNAME": 7,
        "name": {"GIVENNAME": "J"},
        "emails": [{"value": 1, "primary": "true"}, {"value": "x", "primary": "TRUE"}],
        ENT: {"manager": "m", "employeeNumber": 3}
    }))
    .data;
    let again = resource::normalize(&schema(), &Value::Object(first.clone()))
        .unwrap()
        .data;
    assert_eq!(again, first);
}

// ---- apply_role ----------------------------------------------------------------------------

fn roles() -> Vec<String> {
    vec!["Admin".to_owned(), "Read Only".to_owned()]
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn role_is_rewritten_to_its_own_spelling() {
    let mut d = obj(json!({"userName": "j", "pantherRole": "  read ONLY "}));
    assert_eq!(
        resource::apply_role(&mut d, "pantherRole", &roles()).unwrap(),
        Some("Read Only".to_owned())
    );
    assert_eq!(
        Value::Object(d),
        json!({"userName": "j", "pantherRole": "Read Only"})
    );
    let mut d = obj(json!({"userName": "j", "pantherRole": "Admin"}));
    assert_eq!(
        resource::apply_role(&mut d, "pantherRole", &roles()).unwrap(),
        Some("Admin".to_owned())
    );
}

#[test]
fn unknown_role_is_invalid_value_naming_the_roles() {
    let before = obj(json!({"userName": "j", "pantherRole": "Owner"}));
    let mut d = before.clone();
    let e = resource::apply_role(&mut d, "pantherRole", &roles()).unwrap_err();
    assert_eq!((e.status, e.scim_type), (400, Some(ScimType::InvalidValue)));
    assert!(e.detail.contains("'Owner'"), "{}", e.detail);
    assert!(e.detail.contains("Admin, Read Only"), "{}", e.detail);
    assert_eq!(d, before);
    let mut d = obj(json!({"userName": "j", "pantherRole": 3}));
    let e = resource::apply_role(&mut d, "pantherRole", &roles()).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn absent_role_is_none() {
    let mut d = obj(json!({"userName": "j"}));
    assert_eq!(
        resource::apply_role(&mut d, "pantherRole", &roles()).unwrap(),
        None
    );
    assert_eq!(Value::Object(d), json!({"userName": "j"}));
}

#[test]
fn role_from_a_normalized_body() {
    let mut d = norm(json!({"userName": "j", "PANTHERROLE": "admin"})).data;
    assert_eq!(
        resource::apply_role(&mut d, "pantherRole", &roles()).unwrap(),
        Some("Admin".to_owned())
    );
    assert_eq!(
        Value::Object(d),
        json!({"userName": "j", "pantherRole": "Admin"})
    );
}

// ---- render --------------------------------------------------------------------------------

#[test]
fn render_adds_schemas_id_and_meta() {
    let meta = Meta {
        resource_type: "User".to_owned(),
        created: "2024-05-13T04:42:34Z".to_owned(),
        last_modified: "2024-05-14T04:42:34Z".to_owned(),
        location: "https://h/scim/v2/Users/u1".to_owned(),
        version: "W/\"3\"".to_owned(),
    };
    let got = resource::render(
        &schema(),
        "u1",
        &obj(json!({"userName": "j", ENT: {"department": "D"}})),
        &meta,
    );
    assert_eq!(
        got,
        json!({
            "schemas": [USER, ENT],
            "id": "u1",
            "userName": "j",
            ENT: {"department": "D"},
            "meta": {
                "resourceType": "User",
                "created": "2024-05-13T04:42:34Z",
                "lastModified": "2024-05-14T04:42:34Z",
                "location": "https://h/scim/v2/Users/u1",
                "version": "W/\"3\""
            }
        })
    );
    let got = resource::render(&schema(), "u1", &obj(json!({"userName": "j"})), &meta);
    assert_eq!(got["schemas"], json!([USER]));
}
