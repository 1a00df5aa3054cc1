//! RFC 7644 §3.5.2 semantics of the PATCH engine: add, remove and replace with and without a
//! path, value filters, `primary`, mutability, unknown attributes, the password, the
//! enterprise extension, and all-or-nothing application.

use scim_protocol::error::{ScimError, ScimType};
use scim_protocol::patch::{self, Outcome};
use scim_protocol::schema::{user_schema, ResourceSchema};
use serde_json::{json, Map, Value};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn schema() -> ResourceSchema {
    user_schema("pantherRole", &["Admin".to_owned(), "Viewer".to_owned()])
}

fn jane() -> Value {
    json!({
        "userName": "jane@example.com",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "active": true,
        "emails": [
            {"value": "jane@example.com", "type": "work", "primary": true},
            {"value": "jd@home.example", "type": "home"}
        ]
    })
}

fn run(start: &Value, ops: Value) -> Result<(Value, Outcome), ScimError> {
    let schema = schema();
    let mut data: Map<String, Value> = start.as_object().expect("an object").clone();
    let ops = patch::parse(&json!({"schemas": [PATCH_OP], "Operations": ops}))?;
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

fn ok(start: &Value, ops: Value) -> Value {
    let (data, outcome) = run(start, ops).expect("PATCH applies");
    assert_eq!(outcome, Outcome::default());
    data
}

fn err(start: &Value, ops: Value) -> ScimError {
    run(start, ops).expect_err("PATCH must fail")
}

fn assert_err(start: &Value, ops: Value, ty: ScimType) {
    let e = err(start, ops.clone());
    assert_eq!(
        (e.status, e.scim_type),
        (400, Some(ty)),
        "{ops}: {}",
        e.detail
    );
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

// ---- add -----------------------------------------------------------------------------------

#[test]
fn add_to_multi_valued_appends_without_duplicates() {
    let got = ok(
        &jane(),
        json!([{"op": "add", "path": "emails", "value": [
            {"value": "jd@home.example", "type": "home"},
            {"value": "new@x.example", "type": "other"},
            {"value": "new@x.example", "type": "other"}
        ]}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "jane@example.com", "type": "work", "primary": true},
                {"value": "jd@home.example", "type": "home"},
                {"value": "new@x.example", "type": "other"}
            ]})
        )
    );
}

#[test]
fn add_single_value_to_multi_valued_appends_it() {
    let got = ok(
        &jane(),
        json!([{"op": "add", "path": "phoneNumbers", "value": {"value": "+1 555", "type": "work"}}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"phoneNumbers": [{"value": "+1 555", "type": "work"}]})
        )
    );
}

#[test]
fn pathless_add_of_multi_valued_appends() {
    let got = ok(
        &jane(),
        json!([{"op": "add", "value": {"emails": [{"value": "o@x", "type": "other"}], "nickName": "JJ"}}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"nickName": "JJ", "emails": [
                {"value": "jane@example.com", "type": "work", "primary": true},
                {"value": "jd@home.example", "type": "home"},
                {"value": "o@x", "type": "other"}
            ]})
        )
    );
}

#[test]
fn add_to_complex_merges() {
    let got = ok(
        &jane(),
        json!([{"op": "add", "path": "name", "value": {"middleName": "Q", "givenName": "Janet"}}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"name": {"givenName": "Janet", "familyName": "Doe", "middleName": "Q"}})
        )
    );
    let got = ok(
        &jane(),
        json!([{"op": "add", "value": {"name": {"formatted": "Jane Doe"}}}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"name": {"givenName": "Jane", "familyName": "Doe", "formatted": "Jane Doe"}})
        )
    );
}

#[test]
fn add_of_a_singular_attribute_replaces_it() {
    let got = ok(
        &jane(),
        json!([{"op": "add", "path": "userName", "value": "janet@example.com"}]),
    );
    assert_eq!(got, with(jane(), json!({"userName": "janet@example.com"})));
}

// ---- replace -------------------------------------------------------------------------------

#[test]
fn replace_of_complex_merges() {
    let got = ok(
        &jane(),
        json!([{"op": "replace", "path": "name", "value": {"familyName": "Roe"}}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"name": {"givenName": "Jane", "familyName": "Roe"}})
        )
    );
    let got = ok(
        &jane(),
        json!([{"op": "replace", "value": {"name": {"givenName": "Janet"}}}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"name": {"givenName": "Janet", "familyName": "Doe"}})
        )
    );
}

#[test]
fn replace_of_complex_with_null_sub_attribute_unassigns_only_that() {
    let got = ok(
        &jane(),
        json!([{"op": "replace", "path": "name", "value": {"givenName": null}}]),
    );
    assert_eq!(got, with(jane(), json!({"name": {"familyName": "Doe"}})));

    let got = ok(
        &jane(),
        json!([{"op": "replace", "path": "name", "value": {"givenName": null, "familyName": "Roe"}}]),
    );
    assert_eq!(got, with(jane(), json!({"name": {"familyName": "Roe"}})));

    let got = ok(
        &jane(),
        json!([{"op": "replace", "value": {"name": {"givenName": null, "familyName": null}}}]),
    );
    assert_eq!(got, with(jane(), json!({"name": null})));
}

#[test]
fn replace_of_complex_with_only_unknown_sub_attributes_keeps_it() {
    let (got, outcome) = run(
        &jane(),
        json!([{"op": "replace", "path": "name", "value": {"nom": "x"}}]),
    )
    .unwrap();
    assert_eq!(got, jane());
    assert_eq!(outcome.ignored, vec!["name.nom".to_owned()]);
    // An empty object changes nothing either.
    assert_eq!(
        ok(
            &jane(),
            json!([{"op": "replace", "path": "name", "value": {}}])
        ),
        jane()
    );
}

#[test]
fn replace_of_multi_valued_replaces_it() {
    let got = ok(
        &jane(),
        json!([{"op": "replace", "path": "emails", "value": [{"value": "only@x", "type": "work"}]}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [{"value": "only@x", "type": "work"}]})
        )
    );
    let got = ok(
        &jane(),
        json!([{"op": "replace", "value": {"emails": [{"value": "only@x"}]}}]),
    );
    assert_eq!(got, with(jane(), json!({"emails": [{"value": "only@x"}]})));
}

#[test]
fn replace_with_null_or_empty_list_unassigns() {
    assert_eq!(
        ok(
            &jane(),
            json!([{"op": "replace", "path": "emails", "value": []}])
        ),
        with(jane(), json!({"emails": null}))
    );
    assert_eq!(
        ok(
            &jane(),
            json!([{"op": "replace", "path": "active", "value": null}])
        ),
        with(jane(), json!({"active": null}))
    );
    assert_eq!(
        ok(
            &jane(),
            json!([{"op": "replace", "path": "name", "value": null}])
        ),
        with(jane(), json!({"name": null}))
    );
}

#[test]
fn replace_of_a_missing_attribute_adds_it() {
    let got = ok(
        &jane(),
        json!([{"op": "replace", "path": "title", "value": "CTO"}]),
    );
    assert_eq!(got, with(jane(), json!({"title": "CTO"})));
    let got = ok(
        &jane(),
        json!([{"op": "replace", "path": "addresses", "value": [{"locality": "Oslo", "primary": "true"}]}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"addresses": [{"locality": "Oslo", "primary": true}]})
        )
    );
}

#[test]
fn replace_of_a_sub_attribute_of_every_value() {
    let got = ok(
        &jane(),
        json!([{"op": "replace", "path": "emails.type", "value": "other"}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "jane@example.com", "type": "other", "primary": true},
                {"value": "jd@home.example", "type": "other"}
            ]})
        )
    );
}

#[test]
fn replace_with_filter_replaces_the_matching_value() {
    let got = ok(
        &jane(),
        json!([{"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "h@x", "type": "home"}}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "jane@example.com", "type": "work", "primary": true},
                {"value": "h@x", "type": "home"}
            ]})
        )
    );
}

#[test]
fn number_for_string_attribute_becomes_a_string() {
    let got = ok(
        &jane(),
        json!([{"op": "replace", "path": format!("{ENT}:employeeNumber"), "value": 1234}]),
    );
    assert_eq!(got, with(jane(), json!({ENT: {"employeeNumber": "1234"}})));
}

#[test]
fn type_errors_are_invalid_value() {
    assert_err(
        &jane(),
        json!([{"op": "replace", "path": "userName", "value": {"a": 1}}]),
        ScimType::InvalidValue,
    );
    assert_err(
        &jane(),
        json!([{"op": "replace", "path": "active", "value": 1}]),
        ScimType::InvalidValue,
    );
    assert_err(
        &jane(),
        json!([{"op": "add", "path": "name", "value": "Jane Doe"}]),
        ScimType::InvalidValue,
    );
    assert_err(
        &jane(),
        json!([{"op": "add", "path": "emails", "value": [{"value": "a@x", "primary": "maybe"}]}]),
        ScimType::InvalidValue,
    );
    // A userName replaced by an empty string is a required attribute gone.
    assert_err(
        &jane(),
        json!([{"op": "replace", "path": "userName", "value": ""}]),
        ScimType::InvalidValue,
    );
    assert_err(
        &jane(),
        json!([{"op": "replace", "path": "userName", "value": null}]),
        ScimType::InvalidValue,
    );
}

// ---- remove --------------------------------------------------------------------------------

#[test]
fn remove_with_value_filter_removes_matching_values() {
    let got = ok(
        &jane(),
        json!([{"op": "remove", "path": "emails[type eq \"work\"]"}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [{"value": "jd@home.example", "type": "home"}]})
        )
    );
    let got = ok(
        &jane(),
        json!([{"op": "remove", "path": "emails[value ew \"example\" or type pr]"}]),
    );
    assert_eq!(got, with(jane(), json!({"emails": null})));
}

#[test]
fn remove_sub_attribute_with_filter() {
    let got = ok(
        &jane(),
        json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "jane@example.com", "type": "work"},
                {"value": "jd@home.example", "type": "home"}
            ]})
        )
    );
}

#[test]
fn remove_sub_attribute_of_complex() {
    let got = ok(&jane(), json!([{"op": "remove", "path": "name.givenName"}]));
    assert_eq!(got, with(jane(), json!({"name": {"familyName": "Doe"}})));
    let got = ok(
        &jane(),
        json!([
            {"op": "remove", "path": "name.givenName"},
            {"op": "remove", "path": "NAME.FAMILYNAME"}
        ]),
    );
    assert_eq!(got, with(jane(), json!({"name": null})));
}

#[test]
fn remove_of_absent_attribute_succeeds() {
    for path in [
        "nickName",
        "name.middleName",
        "phoneNumbers",
        "emails[type eq \"other\"]",
        "emails[value co \"nobody\"]",
        "x509Certificates[value eq \"x\"].display",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ] {
        assert_eq!(
            ok(&jane(), json!([{"op": "remove", "path": path}])),
            jane(),
            "{path}"
        );
    }
}

#[test]
fn remove_of_multi_valued_removes_all_values() {
    assert_eq!(
        ok(&jane(), json!([{"op": "remove", "path": "emails"}])),
        with(jane(), json!({"emails": null}))
    );
}

// ---- mutability ----------------------------------------------------------------------------

#[test]
fn required_user_name_cannot_be_removed() {
    assert_err(
        &jane(),
        json!([{"op": "remove", "path": "userName"}]),
        ScimType::Mutability,
    );
    assert_err(
        &jane(),
        json!([{"op": "Remove", "path": "USERNAME"}]),
        ScimType::Mutability,
    );
}

#[test]
fn read_only_paths_are_mutability_errors() {
    for path in [
        "id",
        "meta",
        "meta.created",
        "meta.lastModified",
        "groups",
        "groups.value",
        "groups[value eq \"g1\"]",
        "urn:ietf:params:scim:schemas:core:2.0:User:id",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
    ] {
        for op in [
            json!({"op": "add", "path": path, "value": "x"}),
            json!({"op": "replace", "path": path, "value": "x"}),
            json!({"op": "remove", "path": path}),
        ] {
            assert_err(&jane(), json!([op]), ScimType::Mutability);
        }
    }
}

#[test]
fn pathless_meta_or_groups_are_mutability_errors() {
    assert_err(
        &jane(),
        json!([{"op": "replace", "value": {"meta": {"created": "2020-01-01T00:00:00Z"}}}]),
        ScimType::Mutability,
    );
    assert_err(
        &jane(),
        json!([{"op": "add", "value": {"groups": [{"value": "g1"}]}}]),
        ScimType::Mutability,
    );
}

// ---- paths and filters ---------------------------------------------------------------------

#[test]
fn invalid_path_syntax_is_invalid_path() {
    for path in [
        "emails[type eq \"work\"",
        "emails[type eq]",
        "emails[type eq \"work\"]]",
        "name..givenName",
        "name.givenName.x",
        "user name",
        "1userName",
        "emails[type eq \"work\"].",
        "emails[type eq \"work\"][value eq \"x\"]",
        "name.givenName[value eq \"x\"]",
        "foo:bar",
        "urn::x:y",
        "\"userName\"",
    ] {
        let e =
            patch::parse(&json!({"Operations": [{"op": "remove", "path": path}]})).expect_err(path);
        assert_eq!(
            (e.status, e.scim_type),
            (400, Some(ScimType::InvalidPath)),
            "{path}: {}",
            e.detail
        );
    }
}

#[test]
fn filter_on_a_single_valued_attribute_is_invalid_path() {
    for path in [
        "name[givenName eq \"Jane\"].familyName",
        "name[givenName eq \"Jane\"]",
        "active[value eq true]",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq \"x\"]",
    ] {
        assert_err(
            &jane(),
            json!([{"op": "replace", "path": path, "value": "x"}]),
            ScimType::InvalidPath,
        );
        assert_err(
            &jane(),
            json!([{"op": "remove", "path": path}]),
            ScimType::InvalidPath,
        );
    }
}

#[test]
fn filter_matching_nothing_is_no_target_unless_it_describes_the_value() {
    for path in [
        "emails[type ne \"work\" and type ne \"home\"].value",
        "emails[value co \"nobody\"].value",
        "emails[type eq \"other\" or type eq \"x\"].value",
        "emails[display pr]",
        "emails[not (type eq \"work\" or type eq \"home\")]",
        "emails[type eq null].value",
        "emails[type eq \"other\" and value sw \"x\"].value",
    ] {
        assert_err(
            &jane(),
            json!([{"op": "replace", "path": path, "value": "a@x"}]),
            ScimType::NoTarget,
        );
        assert_err(
            &jane(),
            json!([{"op": "add", "path": path, "value": "a@x"}]),
            ScimType::NoTarget,
        );
    }
}

#[test]
fn eq_conjunction_matching_nothing_creates_the_value() {
    let got = ok(
        &jane(),
        json!([{"op": "replace", "path": "emails[type eq \"other\" and display eq \"Alt\"].value", "value": "alt@x"}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "jane@example.com", "type": "work", "primary": true},
                {"value": "jd@home.example", "type": "home"},
                {"type": "other", "display": "Alt", "value": "alt@x"}
            ]})
        )
    );
    // Without a sub-attribute the value given is merged with what the filter describes.
    let got = ok(
        &jane(),
        json!([{"op": "add", "path": "phoneNumbers[type eq \"mobile\"]", "value": {"value": "+47 1"}}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"phoneNumbers": [{"type": "mobile", "value": "+47 1"}]})
        )
    );
}

#[test]
fn null_value_for_a_filter_matching_nothing_changes_nothing() {
    for path in [
        "emails[type eq \"other\"].value",
        "emails[type eq \"other\"]",
    ] {
        assert_eq!(
            ok(
                &jane(),
                json!([{"op": "replace", "path": path, "value": null}])
            ),
            jane(),
            "{path}"
        );
    }
}

#[test]
fn filter_with_urn_qualified_attribute() {
    let got = ok(
        &jane(),
        json!([{"op": "replace",
                "path": "urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"home\"].value",
                "value": "h@x"}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "jane@example.com", "type": "work", "primary": true},
                {"value": "h@x", "type": "home"}
            ]})
        )
    );
}

// ---- primary -------------------------------------------------------------------------------

#[test]
fn a_new_primary_value_demotes_the_others() {
    let got = ok(
        &jane(),
        json!([{"op": "add", "path": "emails", "value": [{"value": "p@x", "primary": true}]}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "jane@example.com", "type": "work", "primary": false},
                {"value": "jd@home.example", "type": "home"},
                {"value": "p@x", "primary": true}
            ]})
        )
    );
}

#[test]
fn primary_set_through_a_filter_demotes_the_others() {
    // The home email is the second value; the work email (first) was primary.
    let got = ok(
        &jane(),
        json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "jane@example.com", "type": "work", "primary": false},
                {"value": "jd@home.example", "type": "home", "primary": true}
            ]})
        )
    );
    // And the other way round: the first value becomes primary over a later one.
    let start = with(
        jane(),
        json!({"emails": [
            {"value": "jane@example.com", "type": "work"},
            {"value": "jd@home.example", "type": "home", "primary": true}
        ]}),
    );
    let got = ok(
        &start,
        json!([{"op": "replace", "path": "emails[type eq \"work\"].primary", "value": "True"}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "jane@example.com", "type": "work", "primary": true},
                {"value": "jd@home.example", "type": "home", "primary": false}
            ]})
        )
    );
    // A whole value replaced through a filter.
    let got = ok(
        &start,
        json!([{"op": "replace", "path": "emails[type eq \"work\"]",
                "value": {"value": "w@x", "type": "work", "primary": true}}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "w@x", "type": "work", "primary": true},
                {"value": "jd@home.example", "type": "home", "primary": false}
            ]})
        )
    );
}

#[test]
fn replace_with_several_primaries_keeps_the_last() {
    let got = ok(
        &jane(),
        json!([{"op": "replace", "path": "emails", "value": [
            {"value": "a@x", "primary": true},
            {"value": "b@x", "primary": true}
        ]}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "a@x", "primary": false},
                {"value": "b@x", "primary": true}
            ]})
        )
    );
}

// ---- unknown attributes --------------------------------------------------------------------

#[test]
fn unknown_attributes_are_ignored_and_reported() {
    let (got, outcome) = run(
        &jane(),
        json!([
            {"op": "add", "path": "favouriteColour", "value": "blue"},
            {"op": "replace", "path": "name.nickname", "value": "JJ"},
            {"op": "remove", "path": "emails[type eq \"work\"].label"},
            {"op": "replace", "path": "urn:example:custom:1.0:User:shoeSize", "value": 44},
            {"op": "replace", "path": format!("{ENT}:badge"), "value": "7"},
            {"op": "add", "value": {"hobby": "chess", "name": {"givenName": "Janet", "pet": "cat"}}},
            {"op": "add", "value": {ENT: {"floor": 3, "costCenter": "CC1"}}}
        ]),
    )
    .unwrap();
    assert_eq!(
        got,
        with(
            jane(),
            json!({
                "name": {"givenName": "Janet", "familyName": "Doe"},
                ENT: {"costCenter": "CC1"}
            })
        )
    );
    assert_eq!(
        outcome.ignored,
        vec![
            "favouriteColour".to_owned(),
            "name.nickname".to_owned(),
            "emails[type eq \"work\"].label".to_owned(),
            "urn:example:custom:1.0:User:shoeSize".to_owned(),
            format!("{ENT}:badge"),
            "hobby".to_owned(),
            "name.pet".to_owned(),
            format!("{ENT}:floor"),
        ]
    );
    assert_eq!(outcome.password, None);
}

#[test]
fn unknown_sub_attributes_in_values_are_reported() {
    let (got, outcome) = run(
        &jane(),
        json!([{"op": "add", "path": "emails", "value": [{"value": "x@x", "label": "mine"}]}]),
    )
    .unwrap();
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [
                {"value": "jane@example.com", "type": "work", "primary": true},
                {"value": "jd@home.example", "type": "home"},
                {"value": "x@x"}
            ]})
        )
    );
    assert_eq!(outcome.ignored, vec!["emails.label".to_owned()]);
}

// ---- password ------------------------------------------------------------------------------

#[test]
fn password_is_reported_never_stored() {
    for ops in [
        json!([{"op": "replace", "path": "password", "value": "s3cret!"}]),
        json!([{"op": "add", "path": "PASSWORD", "value": "s3cret!"}]),
        json!([{"op": "replace", "value": {"password": "s3cret!", "active": true}}]),
        json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:password", "value": "s3cret!"}]),
    ] {
        let (got, outcome) = run(&jane(), ops.clone()).unwrap();
        assert_eq!(got, jane(), "{ops}");
        assert_eq!(
            outcome,
            Outcome {
                ignored: vec![],
                password: Some("s3cret!".to_owned())
            },
            "{ops}"
        );
    }
    // The last operation wins; removing it leaves no new password.
    let (_, outcome) = run(
        &jane(),
        json!([
            {"op": "replace", "path": "password", "value": "a"},
            {"op": "remove", "path": "password"}
        ]),
    )
    .unwrap();
    assert_eq!(outcome.password, None);
    assert_err(
        &jane(),
        json!([{"op": "replace", "path": "password", "value": 1234}]),
        ScimType::InvalidValue,
    );
}

// ---- enterprise extension ------------------------------------------------------------------

#[test]
fn whole_extension_add_replace_remove() {
    let got = ok(
        &jane(),
        json!([{"op": "add", "path": ENT, "value": {"employeeNumber": "7", "department": "R&D"}}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({ENT: {"employeeNumber": "7", "department": "R&D"}})
        )
    );

    // replace merges attribute by attribute, null unassigns.
    let got = ok(
        &got,
        json!([{"op": "replace", "path": ENT, "value": {"department": "Ops", "employeeNumber": null, "manager": {"value": "m"}}}]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({ENT: {"department": "Ops", "manager": {"value": "m"}}})
        )
    );

    let got = ok(&got, json!([{"op": "remove", "path": ENT}]));
    assert_eq!(got, jane());

    // The URN in any case.
    let got = ok(
        &jane(),
        json!([{"op": "add", "path": ENT.to_uppercase(), "value": {"Division": "North"}}]),
    );
    assert_eq!(got, with(jane(), json!({ENT: {"division": "North"}})));

    let e = err(
        &jane(),
        json!([{"op": "add", "path": ENT, "value": "not an object"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn removing_the_last_extension_attribute_drops_the_extension() {
    let start = with(
        jane(),
        json!({ENT: {"employeeNumber": "7", "manager": {"value": "m"}}}),
    );
    let got = ok(
        &start,
        json!([
            {"op": "remove", "path": format!("{ENT}:employeeNumber")},
            {"op": "remove", "path": format!("{ENT}:manager.value")}
        ]),
    );
    assert_eq!(got, jane());
    let got = ok(
        &start,
        json!([{"op": "replace", "path": ENT, "value": {"employeeNumber": null, "manager": null}}]),
    );
    assert_eq!(got, jane());
}

#[test]
fn extension_sub_attribute_path() {
    let got = ok(
        &jane(),
        json!([{"op": "add", "path": format!("{ENT}:manager.value"), "value": "m-2"}]),
    );
    assert_eq!(
        got,
        with(jane(), json!({ENT: {"manager": {"value": "m-2"}}}))
    );
}

// ---- atomicity -----------------------------------------------------------------------------

#[test]
fn a_failing_operation_leaves_the_data_untouched() {
    let start = with(jane(), json!({ENT: {"employeeNumber": "7"}}));
    // `run` checks the data is unchanged whenever apply fails.
    for second in [
        json!({"op": "remove", "path": "userName"}),
        json!({"op": "replace", "path": "active", "value": "maybe"}),
        json!({"op": "replace", "path": "id", "value": "x"}),
        json!({"op": "replace", "path": "emails[value co \"zz\"].value", "value": "x"}),
        json!({"op": "replace", "path": "name[givenName eq \"x\"]", "value": "x"}),
        json!({"op": "replace", "path": "userName", "value": null}),
        json!({"op": "add", "path": ENT, "value": 5}),
    ] {
        let e = err(
            &start,
            json!([
                {"op": "replace", "path": "displayName", "value": "Changed"},
                second,
                {"op": "remove", "path": ENT}
            ]),
        );
        assert_eq!(e.status, 400, "{}", e.detail);
    }
    // Directly, without the helper: the map itself is unchanged.
    let schema = schema();
    let mut data = start.as_object().unwrap().clone();
    let ops = patch::parse(&json!({"Operations": [
        {"op": "remove", "path": "emails"},
        {"op": "remove", "path": "userName"}
    ]}))
    .unwrap();
    assert!(patch::apply(&schema, &mut data, &ops).is_err());
    assert_eq!(Value::Object(data), start);
}

#[test]
fn later_operations_see_earlier_ones() {
    let got = ok(
        &jane(),
        json!([
            {"op": "remove", "path": "emails"},
            {"op": "add", "path": "emails[type eq \"work\"].value", "value": "w@x"},
            {"op": "replace", "path": "emails[type eq \"work\"].display", "value": "Work"}
        ]),
    );
    assert_eq!(
        got,
        with(
            jane(),
            json!({"emails": [{"type": "work", "value": "w@x", "display": "Work"}]})
        )
    );
}

#[test]
fn a_retried_request_creating_a_value_does_not_duplicate_it() {
    // The value given contradicts the filter, so the created value never matches it: a retry
    // must not append a second copy.
    let start = with(jane(), json!({"emails": null}));
    let ops =
        json!([{"op": "replace", "path": "emails[value eq \"old@x\"].value", "value": "new@x"}]);
    let once = ok(&start, ops.clone());
    assert_eq!(once, with(jane(), json!({"emails": [{"value": "new@x"}]})));
    assert_eq!(ok(&once, ops), once);

    let ops = json!([{"op": "add", "path": "emails[TYPE eq \"work\"]",
                      "value": {"value": "w@x", "type": "home"}}]);
    let once = ok(&start, ops.clone());
    assert_eq!(
        once,
        with(
            jane(),
            json!({"emails": [{"value": "w@x", "type": "home"}]})
        )
    );
    assert_eq!(ok(&once, ops), once);
}
