//! Attribute paths and PATCH paths (RFC 7644 §3.4.2.2 `attrPath`, §3.5.2 `path`).

use scim_protocol::filter::{CompValue, CompareOp, Filter};
use scim_protocol::path::{AttrPath, PatchPath};
use scim_protocol::ScimType;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn attr(s: &str) -> AttrPath {
    AttrPath::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
}

fn patch(s: &str) -> PatchPath {
    PatchPath::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
}

fn urn_path(urn: &str, name: &str, sub: Option<&str>) -> AttrPath {
    AttrPath {
        urn: Some(urn.to_owned()),
        attr: name.to_owned(),
        sub_attr: sub.map(str::to_owned),
    }
}

fn eq(name: &str, value: &str) -> Filter {
    Filter::Compare {
        path: AttrPath::new(name),
        op: CompareOp::Eq,
        value: CompValue::String(value.to_owned()),
    }
}

#[test]
fn attr_paths() {
    assert_eq!(attr("userName"), AttrPath::new("userName"));
    assert_eq!(
        attr("  name.familyName \t"),
        AttrPath::with_sub("name", "familyName")
    );
    assert_eq!(attr("members.$ref"), AttrPath::with_sub("members", "$ref"));
    assert_eq!(
        attr(&format!("{USER}:userName")),
        urn_path(USER, "userName", None)
    );
    assert_eq!(
        attr(&format!("{USER}:name.givenName")),
        urn_path(USER, "name", Some("givenName"))
    );
    assert_eq!(
        attr(&format!("{ENTERPRISE}:manager")),
        urn_path(ENTERPRISE, "manager", None)
    );
    assert_eq!(
        attr(&format!("{ENTERPRISE}:manager.displayName")),
        urn_path(ENTERPRISE, "manager", Some("displayName"))
    );
    // Case is preserved.
    assert_eq!(
        attr("URN:IETF:params:scim:schemas:core:2.0:USER:UserName"),
        urn_path(
            "URN:IETF:params:scim:schemas:core:2.0:USER",
            "UserName",
            None
        )
    );
}

#[test]
fn attr_path_display_round_trips() {
    for text in [
        "userName",
        "name.familyName",
        "members.$ref",
        "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    ] {
        let p = attr(text);
        assert_eq!(p.to_string(), text);
        assert_eq!(attr(&p.to_string()), p);
    }
}

#[test]
fn attr_path_errors() {
    let cases: &[(&str, &[&str])] = &[
        ("", &["expected an attribute path", "position 0"]),
        ("   ", &["expected an attribute path", "position 3"]),
        ("name.", &["expected a sub-attribute name", "position 5"]),
        (".name", &["attribute name", "position 0"]),
        (
            "name.given.x",
            &["at most one sub-attribute", "position 10"],
        ),
        ("9lives", &["must start with a letter", "position 0"]),
        (
            "na me",
            &["unexpected 'me' after the attribute path", "position 3"],
        ),
        (
            "emails[type eq \"work\"]",
            &["unexpected '[' after the attribute path", "position 6"],
        ),
        ("a:b", &["unexpected ':'", "position 1"]),
        ("urn:x:name", &["not a schema URN", "position 0"]),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:",
            &["expected an attribute name", "position 43"],
        ),
        (
            "urn:ietf:params:scim:schemas:core:2.0",
            &["must start with a letter", "position 34"],
        ),
        ("na_m-e!", &["unexpected '!'", "position 6"]),
        ("$", &["expected an attribute name", "position 1"]),
    ];
    for (text, fragments) in cases {
        let e = match AttrPath::parse(text) {
            Ok(p) => panic!("{text:?} should not parse, got {p:?}"),
            Err(e) => e,
        };
        assert_eq!(e.scim_type, Some(ScimType::InvalidPath), "{text:?}: {e}");
        for fragment in *fragments {
            assert!(
                e.detail.contains(fragment),
                "{text:?}: {:?} lacks {fragment:?}",
                e.detail
            );
        }
        assert!(e.detail.contains("(0-based)"), "{}", e.detail);
    }
}

#[test]
fn patch_paths() {
    assert_eq!(
        patch("name.familyName"),
        PatchPath {
            attr: AttrPath::with_sub("name", "familyName"),
            filter: None,
            sub_attr: None
        }
    );
    assert_eq!(
        patch(r#"emails[type eq "work"].value"#),
        PatchPath {
            attr: AttrPath::new("emails"),
            filter: Some(eq("type", "work")),
            sub_attr: Some("value".to_owned())
        }
    );
    assert_eq!(
        patch(r#"members[value eq "2819c223"]"#),
        PatchPath {
            attr: AttrPath::new("members"),
            filter: Some(eq("value", "2819c223")),
            sub_attr: None
        }
    );
    assert_eq!(
        patch(&format!("{ENTERPRISE}:manager")),
        PatchPath {
            attr: urn_path(ENTERPRISE, "manager", None),
            filter: None,
            sub_attr: None
        }
    );
    assert_eq!(
        patch(&format!(r#"{USER}:emails[type eq "work"]"#)),
        PatchPath {
            attr: urn_path(USER, "emails", None),
            filter: Some(eq("type", "work")),
            sub_attr: None
        }
    );
    assert_eq!(
        patch(&format!(
            r#"  {USER}:emails[type eq "work" and primary eq true].display  "#
        )),
        PatchPath {
            attr: urn_path(USER, "emails", None),
            filter: Some(Filter::And(
                Box::new(eq("type", "work")),
                Box::new(Filter::Compare {
                    path: AttrPath::new("primary"),
                    op: CompareOp::Eq,
                    value: CompValue::Bool(true),
                })
            )),
            sub_attr: Some("display".to_owned())
        }
    );
    assert_eq!(
        patch("members[value eq 2819c223-7f76].$ref")
            .sub_attr
            .as_deref(),
        Some("$ref")
    );
}

#[test]
fn patch_path_display_round_trips() {
    for text in [
        "name.familyName",
        r#"emails[type eq "work"].value"#,
        r#"members[value eq "2819c223"]"#,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work" or not (primary eq false)]"#,
    ] {
        let p = patch(text);
        assert_eq!(p.to_string(), text);
        assert_eq!(patch(&p.to_string()), p);
    }
}

#[test]
fn patch_path_errors() {
    let cases: &[(&str, &[&str])] = &[
        ("", &["empty"]),
        ("  ", &["empty"]),
        (
            r#"emails[type eq "work""#,
            &[
                "closing the '[' at position 6",
                "end of input at position 21",
            ],
        ),
        (
            r#"emails[type eq "work"]]"#,
            &["unexpected ']' after the attribute path", "position 22"],
        ),
        (
            r#"emails[type eq "work"].value.x"#,
            &["unexpected '.' in a sub-attribute name", "position 28"],
        ),
        (
            r#"emails[type eq "work"]."#,
            &["expected a sub-attribute name", "position 23"],
        ),
        (
            r#"emails[type eq "work"] .value"#,
            &[
                "unexpected '.value' after the attribute path",
                "position 23",
            ],
        ),
        (
            r#"emails[type xx "work"]"#,
            &[
                "expected a comparison operator",
                "found 'xx' at position 12",
            ],
        ),
        (
            r#"emails[type eq "work"][value pr]"#,
            &["unexpected '['", "position 22"],
        ),
        (
            r#"emails.value[type eq "work"]"#,
            &["'[' cannot follow the sub-attribute path", "position 12"],
        ),
        (
            r#"emails[value[type pr]]"#,
            &["cannot be nested", "position 12"],
        ),
        (r#"emails[]"#, &["expected an attribute path", "position 7"]),
        (
            "name.familyName extra",
            &["unexpected 'extra' after the attribute path", "position 16"],
        ),
        (
            "name familyName",
            &["unexpected 'familyName'", "position 5"],
        ),
        (
            r#"emails[type eq "unterminated]"#,
            &["unterminated string starting at position 15"],
        ),
    ];
    for (text, fragments) in cases {
        let e = match PatchPath::parse(text) {
            Ok(p) => panic!("{text:?} should not parse, got {p:?}"),
            Err(e) => e,
        };
        assert_eq!(e.scim_type, Some(ScimType::InvalidPath), "{text:?}: {e}");
        for fragment in *fragments {
            assert!(
                e.detail.contains(fragment),
                "{text:?}: {:?} lacks {fragment:?}",
                e.detail
            );
        }
    }
}
