//! `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) applied to rendered resources.

use scim_protocol::projection::Projection;
use scim_protocol::schema::{user_schema, ResourceSchema};
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn schema() -> ResourceSchema {
    user_schema("pantherRole", &["Admin".to_owned()])
}

fn user() -> Value {
    json!({
        "schemas": [USER, ENT],
        "id": "u1",
        "externalId": "00u1",
        "userName": "jane@example.com",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "active": true,
        "emails": [
            {"value": "jane@example.com", "type": "work", "primary": true},
            {"value": "jd@home.example", "type": "home"}
        ],
        "pantherRole": "Admin",
        ENT: {"employeeNumber": "7", "manager": {"value": "m1"}},
        "meta": {"resourceType": "User", "created": "2024-05-13T04:42:34Z",
                 "lastModified": "2024-05-13T04:42:34Z", "location": "https://h/Users/u1",
                 "version": "W/\"1\""}
    })
}

fn project(attributes: Option<&str>, excluded: Option<&str>) -> Value {
    let schema = schema();
    let p = Projection::parse(&schema, attributes, excluded).expect("projection parses");
    p.apply(&schema, user())
}

fn without(mut v: Value, keys: &[&str]) -> Value {
    for k in keys {
        v.as_object_mut().unwrap().remove(*k);
    }
    v
}

#[test]
fn no_parameters_is_identity() {
    let schema = schema();
    let p = Projection::parse(&schema, None, None).unwrap();
    assert!(p.is_identity());
    assert_eq!(p.apply(&schema, user()), user());
    let p = Projection::parse(&schema, Some(" , "), Some("")).unwrap();
    assert!(p.is_identity());
}

#[test]
fn attributes_user_name_keeps_schemas_id_and_user_name() {
    assert_eq!(
        project(Some("userName"), None),
        json!({"schemas": [USER], "id": "u1", "userName": "jane@example.com"})
    );
}

#[test]
fn attribute_names_are_case_insensitive() {
    assert_eq!(
        project(Some("USERNAME,Active"), None),
        json!({"schemas": [USER], "id": "u1", "userName": "jane@example.com", "active": true})
    );
    assert_eq!(
        project(None, Some("EMAILS,NAME.GIVENNAME")),
        without(
            json!({
                "schemas": [USER, ENT],
                "id": "u1",
                "externalId": "00u1",
                "userName": "jane@example.com",
                "name": {"familyName": "Doe"},
                "active": true,
                "pantherRole": "Admin",
                ENT: {"employeeNumber": "7", "manager": {"value": "m1"}},
                "meta": user()["meta"].clone()
            }),
            &[]
        )
    );
}

#[test]
fn attributes_with_sub_attribute() {
    assert_eq!(
        project(Some("name.givenName"), None),
        json!({"schemas": [USER], "id": "u1", "name": {"givenName": "Jane"}})
    );
    assert_eq!(
        project(Some("name.givenName,name.familyName"), None),
        json!({"schemas": [USER], "id": "u1", "name": {"givenName": "Jane", "familyName": "Doe"}})
    );
    assert_eq!(
        project(Some("emails.value"), None),
        json!({"schemas": [USER], "id": "u1", "emails": [
            {"value": "jane@example.com"}, {"value": "jd@home.example"}
        ]})
    );
    assert_eq!(
        project(Some("emails.value,emails.type"), None),
        json!({"schemas": [USER], "id": "u1", "emails": [
            {"value": "jane@example.com", "type": "work"},
            {"value": "jd@home.example", "type": "home"}
        ]})
    );
}

#[test]
fn excluded_attributes() {
    assert_eq!(project(None, Some("emails")), without(user(), &["emails"]));
    assert_eq!(
        project(None, Some("emails,meta,name")),
        without(user(), &["emails", "meta", "name"])
    );
}

#[test]
fn id_cannot_be_excluded_and_is_always_returned() {
    assert_eq!(project(None, Some("id")), user());
    assert_eq!(
        project(Some("active"), Some("id")),
        json!({"schemas": [USER], "id": "u1", "active": true})
    );
    assert_eq!(
        project(Some("meta"), None),
        json!({"schemas": [USER], "id": "u1", "meta": user()["meta"].clone()})
    );
}

#[test]
fn extension_urn_as_an_attribute() {
    assert_eq!(
        project(Some(ENT), None),
        json!({"schemas": [USER, ENT], "id": "u1",
               ENT: {"employeeNumber": "7", "manager": {"value": "m1"}}})
    );
    assert_eq!(
        project(Some(&ENT.to_lowercase()), None),
        json!({"schemas": [USER, ENT], "id": "u1",
               ENT: {"employeeNumber": "7", "manager": {"value": "m1"}}})
    );
    assert_eq!(
        project(None, Some(ENT)),
        json!({
            "schemas": [USER],
            "id": "u1",
            "externalId": "00u1",
            "userName": "jane@example.com",
            "name": {"givenName": "Jane", "familyName": "Doe"},
            "active": true,
            "emails": user()["emails"].clone(),
            "pantherRole": "Admin",
            "meta": user()["meta"].clone()
        })
    );
}

#[test]
fn extension_attributes_by_urn_path() {
    assert_eq!(
        project(Some(&format!("{ENT}:employeeNumber")), None),
        json!({"schemas": [USER, ENT], "id": "u1", ENT: {"employeeNumber": "7"}})
    );
    assert_eq!(
        project(Some(&format!("{ENT}:manager.value,userName")), None),
        json!({"schemas": [USER, ENT], "id": "u1", "userName": "jane@example.com",
               ENT: {"manager": {"value": "m1"}}})
    );
    // Excluding every extension attribute drops the object and its schema URN.
    assert_eq!(
        project(None, Some(&format!("{ENT}:employeeNumber,{ENT}:manager"))),
        without(
            json!({
                "schemas": [USER],
                "id": "u1",
                "externalId": "00u1",
                "userName": "jane@example.com",
                "name": {"givenName": "Jane", "familyName": "Doe"},
                "active": true,
                "emails": user()["emails"].clone(),
                "pantherRole": "Admin",
                "meta": user()["meta"].clone()
            }),
            &[]
        )
    );
}

#[test]
fn unknown_attributes_select_nothing() {
    assert_eq!(
        project(Some("shoeSize,name.nick,urn:example:x:1.0:User:y"), None),
        json!({"schemas": [USER], "id": "u1"})
    );
    assert_eq!(project(None, Some("shoeSize")), user());
}

#[test]
fn absent_attributes_are_not_invented() {
    assert_eq!(
        project(Some("nickName,phoneNumbers.value,name.middleName"), None),
        json!({"schemas": [USER], "id": "u1"})
    );
}

#[test]
fn excluding_every_sub_attribute_drops_the_empty_object() {
    assert_eq!(
        project(None, Some("name.givenName,name.familyName")),
        without(user(), &["name"])
    );
}

#[test]
fn invalid_attribute_syntax_is_an_error() {
    let e = Projection::parse(&schema(), Some("name..givenName"), None).unwrap_err();
    assert_eq!(e.status, 400);
}
