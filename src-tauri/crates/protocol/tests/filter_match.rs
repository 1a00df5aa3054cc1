//! `filter::matches`: evaluation of filters against JSON resources.

use scim_protocol::filter::{self, CompValue, CompareOp, Filter};
use scim_protocol::path::AttrPath;
use scim_protocol::schema::{AttrInfo, AttrType, AttributeTypes};
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A small stand-in for the schema registry.
struct TestTypes;

fn info(ty: AttrType, case_exact: bool, multi_valued: bool) -> Option<AttrInfo> {
    Some(AttrInfo {
        ty,
        case_exact,
        multi_valued,
    })
}

impl AttributeTypes for TestTypes {
    fn core_schema(&self) -> &str {
        USER
    }

    fn attr_info(&self, path: &AttrPath) -> Option<AttrInfo> {
        use AttrType::*;
        let urn = path.urn.as_deref().map(str::to_ascii_lowercase);
        let attr = path.attr.to_ascii_lowercase();
        let sub = path.sub_attr.as_deref().map(str::to_ascii_lowercase);
        let core = urn.is_none() || urn.as_deref() == Some(&USER.to_ascii_lowercase());
        let enterprise = urn.as_deref() == Some(&ENTERPRISE.to_ascii_lowercase());
        if enterprise {
            return match (attr.as_str(), sub.as_deref()) {
                ("employeenumber", None) => info(String, false, false),
                ("department", None) => info(String, false, false),
                ("manager", None) => info(Complex, false, false),
                ("manager", Some("value")) => info(String, true, false),
                ("manager", Some("displayname")) => info(String, false, false),
                _ => None,
            };
        }
        if !core {
            return None;
        }
        match (attr.as_str(), sub.as_deref()) {
            ("id", None) | ("externalid", None) => info(String, true, false),
            ("username", None) | ("displayname", None) | ("title", None) | ("usertype", None) => {
                info(String, false, false)
            }
            ("active", None) => info(Boolean, false, false),
            ("age", None) => info(Integer, false, false),
            ("score", None) => info(Decimal, false, false),
            ("schemas", None) => info(Reference, true, true),
            ("nicknames", None) => info(String, false, true),
            ("name", None) => info(Complex, false, false),
            ("name", Some("givenname" | "familyname" | "formatted")) => info(String, false, false),
            ("meta", None) => info(Complex, false, false),
            ("meta", Some("lastmodified" | "created")) => info(DateTime, false, false),
            ("meta", Some("version")) => info(String, true, false),
            ("emails" | "ims", None) => info(Complex, false, true),
            ("emails" | "ims", Some("value" | "type" | "display")) => info(String, false, true),
            ("emails" | "ims", Some("primary")) => info(Boolean, false, true),
            ("x509certificates", None) => info(Complex, false, true),
            ("x509certificates", Some("value")) => info(Binary, true, true),
            _ => None,
        }
    }
}

fn user() -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "AbC-123",
        "userName": "Bjensen@Example.com",
        "displayName": "Babs Jensen",
        "title": "Tour Guide",
        "userType": "Employee",
        "active": true,
        "age": 42,
        "score": 1.5,
        "nickNames": ["Babs", "BJ"],
        "name": {"givenName": "Barbara", "familyName": "O'Malley", "formatted": ""},
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "ims": [],
        "meta": {
            "lastModified": "2011-05-13T04:42:34Z",
            "created": "2010-01-23T04:56:22+02:00",
            "version": "W/\"a330bc54f0671c9\""
        },
        "nullable": null,
        "emptyObject": {},
        ENTERPRISE: {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": {"value": "26118915", "displayName": "John Smith"}
        }
    })
}

#[track_caller]
fn check(resource: &Value, text: &str, expected: bool) {
    let f = match filter::parse(text) {
        Ok(f) => f,
        Err(e) => panic!("{text:?} should parse: {e}"),
    };
    assert_eq!(
        filter::matches(&f, resource, &TestTypes),
        expected,
        "{text}"
    );
}

/// Checks a batch against the standard user, reporting every wrong answer at once.
#[track_caller]
fn check_all(cases: &[(&str, bool)]) {
    let resource = user();
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(text, expected)| {
            let f = filter::parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"));
            let got = filter::matches(&f, &resource, &TestTypes);
            (got != *expected).then(|| format!("{text}: expected {expected}, got {got}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn eq_and_case_sensitivity() {
    check_all(&[
        // userName is caseExact=false.
        (r#"userName eq "bjensen@example.com""#, true),
        (r#"userName eq "BJENSEN@EXAMPLE.COM""#, true),
        (r#"userName eq "Bjensen@Example.com""#, true),
        (r#"userName eq "bjensen""#, false),
        // id and externalId are caseExact=true.
        (r#"id eq "2819c223-7f76-453a-919d-413861904646""#, true),
        (r#"id eq "2819C223-7F76-453A-919D-413861904646""#, false),
        (r#"externalId eq "AbC-123""#, true),
        (r#"externalId eq "abc-123""#, false),
        (r#"externalId eq AbC-123"#, true),
        // Attribute names and URNs are case-insensitive.
        (r#"USERNAME eq "bjensen@example.com""#, true),
        (r#"Name.GivenName eq "barbara""#, true),
        // Unknown attributes compare case-insensitively.
        (r#"unknownThing eq "x""#, false),
        // Booleans and numbers by value.
        ("active eq true", true),
        ("active eq false", false),
        ("active eq TRUE", true),
        ("age eq 42", true),
        ("age eq 42.0", true),
        ("age eq 4.2e1", true),
        ("age eq 43", false),
        ("score eq 1.5", true),
        ("score eq 15e-1", true),
        // Mismatched JSON types are never equal.
        (r#"active eq "true""#, false),
        (r#"age eq "42""#, false),
        ("userName eq 42", false),
        ("userName eq true", false),
        (r#"name eq "Barbara""#, false),
    ]);
}

#[test]
fn ne_is_not_eq() {
    check_all(&[
        (r#"userName ne "BJENSEN@EXAMPLE.COM""#, false),
        (r#"userName ne "other""#, true),
        (r#"externalId ne "abc-123""#, true),
        ("active ne false", true),
        ("active ne true", false),
        ("age ne 42.0", false),
        // Absent attribute: `eq` is false, so `ne` is true.
        (r#"nickName ne "x""#, true),
        (r#"name.middleName ne "x""#, true),
        // Different types: never equal, so `ne` is true.
        (r#"active ne "true""#, true),
        // Multi-valued: `ne` is true only when no element equals.
        (r#"emails.type ne "work""#, false),
        (r#"emails.type ne "other""#, true),
        (r#"nickNames ne "bj""#, false),
    ]);
}

#[test]
fn null_comparisons() {
    check_all(&[
        ("nullable eq null", true),
        ("nullable ne null", false),
        ("missing eq null", true),
        ("missing ne null", false),
        ("userName eq null", false),
        ("userName ne null", true),
        // An empty multi-valued attribute is unassigned (RFC 7643 §2.5).
        ("ims eq null", true),
        ("ims ne null", false),
        ("emails eq null", false),
        ("emails.display eq null", true),
        ("emails.primary ne null", true),
        // Complex values are assigned even without a `value` sub-attribute.
        ("name eq null", false),
        // Ordering and substring operators never match null.
        ("userName gt null", false),
        ("missing ge null", false),
        ("missing le null", false),
        ("userName co null", false),
    ]);
}

#[test]
fn substring_operators() {
    check_all(&[
        (r#"userName co "JENSEN""#, true),
        (r#"userName sw "bjen""#, true),
        (r#"userName ew "EXAMPLE.COM""#, true),
        (r#"userName co "nope""#, false),
        (r#"userName sw "jensen""#, false),
        (r#"userName ew "bjensen""#, false),
        (r#"userName co """#, true),
        // Case-exact attributes.
        (r#"externalId co "bC-1""#, true),
        (r#"externalId co "bc-1""#, false),
        (r#"externalId sw "AbC""#, true),
        (r#"externalId sw "abc""#, false),
        (r#"externalId ew "-123""#, true),
        (r#"externalId ew "C-123""#, true),
        (r#"externalId ew "c-123""#, false),
        // Only on strings.
        ("age co 4", false),
        ("active sw true", false),
        (r#"age co "4""#, false),
        // Multi-valued, with and without sub-attribute.
        (r#"emails co "example.com""#, true),
        (r#"emails.value co "jensen.ORG""#, true),
        (r#"emails.value ew "@example.net""#, false),
        (r#"nickNames sw "b""#, true),
        (r#"nickNames ew "j""#, true),
        (r#"nickNames co "x""#, false),
        // Extension attributes live under their URN.
        (&format!(r#"{ENTERPRISE}:department co "operations""#), true),
        (
            &format!(r#"{ENTERPRISE}:manager.displayName sw "john""#),
            true,
        ),
    ]);
}

#[test]
fn ordering_operators() {
    check_all(&[
        // Strings: lexicographic, case-folded unless caseExact.
        (r#"userName gt "bjensen""#, true),
        (r#"userName gt "BJENSEN@EXAMPLE.COM""#, false),
        (r#"userName ge "BJENSEN@EXAMPLE.COM""#, true),
        (r#"userName le "BJENSEN@EXAMPLE.COM""#, true),
        (r#"userName lt "C""#, true),
        (r#"userName lt "a""#, false),
        // caseExact: "A" (0x41) < "a" (0x61).
        (r#"externalId gt "ABC""#, true),
        (r#"externalId lt "abc""#, true),
        (r#"externalId ge "AbC-123""#, true),
        (r#"externalId gt "AbC-123""#, false),
        // Numbers numerically, integers and floats mixed.
        ("age gt 41", true),
        ("age gt 41.5", true),
        ("age gt 42", false),
        ("age ge 42", true),
        ("age ge 42.0", true),
        ("age lt 42.000001", true),
        ("age lt -1", false),
        ("age le 42", true),
        ("score gt 1", true),
        ("score lt 2", true),
        ("score le 1.5", true),
        ("age gt 18446744073709551615", false),
        ("age gt -9223372036854775808", true),
        // Booleans have no order.
        ("active gt false", false),
        ("active ge true", false),
        ("active le true", false),
        // Type mismatch.
        (r#"age gt "1""#, false),
        ("userName gt 1", false),
        // Absent.
        (r#"missing lt "zzz""#, false),
        // Multi-valued: any element.
        (r#"emails.value lt "bb""#, true),
        (r#"emails.value lt "ba""#, false),
        (r#"emails.value gt "c""#, false),
        (r#"emails gt "bjensen""#, true),
    ]);
}

#[test]
fn date_times_compare_as_instants() {
    check_all(&[
        (r#"meta.lastModified eq "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#, true),
        (r#"meta.lastModified eq "2011-05-13T04:42:34.000Z""#, true),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified gt "2011-05-13T04:42:33.999Z""#, true),
        // As strings "2011-05-13T05:00:00+02:00" > "2011-05-13T04:42:34Z", as instants it is
        // earlier (03:00Z).
        (r#"meta.lastModified gt "2011-05-13T05:00:00+02:00""#, true),
        (r#"meta.lastModified lt "2011-05-13T05:00:00+02:00""#, false),
        // created is 2010-01-23T02:56:22Z.
        (r#"meta.created lt "2010-01-23T03:00:00Z""#, true),
        (r#"meta.created gt "2010-01-23T04:00:00Z""#, false),
        // An unparsable value falls back to string comparison.
        (r#"meta.lastModified gt "2011""#, true),
        (r#"meta.lastModified sw "2011-05""#, true),
        (r#"meta.lastModified eq "2011-05-13T04:42:34z""#, true),
    ]);
}

#[test]
fn present() {
    check_all(&[
        ("title pr", true),
        ("userName pr", true),
        ("active pr", true),
        ("age pr", true),
        ("name pr", true),
        ("emails pr", true),
        ("emails.value pr", true),
        ("emails.primary pr", true),
        ("emails.display pr", false),
        // Null, empty string, empty array and empty object are not present.
        ("nullable pr", false),
        ("name.formatted pr", false),
        ("ims pr", false),
        ("emptyObject pr", false),
        ("missing pr", false),
        ("name.middleName pr", false),
        (&format!("{ENTERPRISE}:manager pr"), true),
        (&format!("{ENTERPRISE}:costCenter pr"), false),
        ("not (title pr)", false),
    ]);
}

#[test]
fn multi_valued_attributes() {
    check_all(&[
        // Any element matches.
        (r#"emails.value eq "babs@jensen.org""#, true),
        (r#"emails.value eq "BABS@JENSEN.ORG""#, true),
        (r#"emails eq "babs@jensen.org""#, true),
        (r#"emails.type eq "home""#, true),
        (r#"emails.type eq "other""#, false),
        ("emails.primary eq true", true),
        ("emails.primary eq false", false),
        // Simple multi-valued: the elements themselves.
        (r#"nickNames eq "babs""#, true),
        (r#"nickNames eq "bj""#, true),
        (r#"nickNames eq "b""#, false),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            true,
        ),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user""#,
            false,
        ),
        // The two conditions may hold on different elements without a value path ...
        (
            r#"emails.type eq "home" and emails.value co "example.com""#,
            true,
        ),
        // ... but not with one.
        (
            r#"emails[type eq "home" and value co "example.com"]"#,
            false,
        ),
        (r#"emails[type eq "work" and value co "example.com"]"#, true),
        (r#"emails[type eq "WORK"]"#, true),
        (r#"emails[primary eq true and type eq "work"]"#, true),
        (r#"emails[primary eq true and type eq "home"]"#, false),
        (r#"emails[not (primary pr)]"#, true),
        (r#"emails[not (type eq "work") and value ew ".org"]"#, true),
        (r#"emails[value pr]"#, true),
        (r#"emails[display pr]"#, false),
        (r#"ims[type eq "xmpp"]"#, false),
        (r#"ims[not (type pr)]"#, false),
        (r#"missing[value pr]"#, false),
        // Single-valued complex attributes behave as one element.
        (
            r#"name[givenName eq "barbara" and familyName co "'"]"#,
            true,
        ),
        (
            &format!(r#"{ENTERPRISE}:manager[value eq "26118915"]"#),
            true,
        ),
        (
            &format!(r#"{ENTERPRISE}:manager[value eq "26118915X"]"#),
            false,
        ),
        // A value path over a simple multi-valued attribute matches nothing.
        (r#"nickNames[value eq "babs"]"#, false),
        // Complex without sub-attribute compares `value`, case per `value`'s definition
        // (manager.value is caseExact in the test schema).
        (&format!(r#"{ENTERPRISE}:manager eq "26118915""#), true),
        (
            &format!(r#"{ENTERPRISE}:manager.value eq "26118915""#),
            true,
        ),
    ]);
}

#[test]
fn urn_prefixed_paths() {
    check_all(&[
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen@example.com""#,
            true,
        ),
        (
            r#"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:userName sw "b""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co "malley""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:EMPLOYEENUMBER eq "701984""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915""#,
            true,
        ),
        // Core attributes are not found under an extension URN, nor extension ones at the top.
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName pr"#,
            false,
        ),
        (r#"employeeNumber pr"#, false),
        (r#"urn:example:other:userName pr"#, false),
    ]);
}

#[test]
fn logical_operators() {
    check_all(&[
        (r#"userName sw "b" and title pr"#, true),
        (r#"userName sw "x" and title pr"#, false),
        (r#"userName sw "x" or title pr"#, true),
        (r#"userName sw "x" or missing pr"#, false),
        (r#"not (userName sw "x")"#, true),
        (r#"not (userName sw "b")"#, false),
        (r#"userName sw "x" and title pr or active eq true"#, true),
        (r#"userName sw "x" and (title pr or active eq true)"#, false),
        (r#"not (not (title pr))"#, true),
    ]);
}

#[test]
fn rfc_examples_against_a_resource() {
    check_all(&[
        (r#"userName eq "bjensen""#, false),
        (r#"userName eq "bjensen@example.com""#, true),
        (r#"name.familyName co "O'Malley""#, true),
        (r#"userName sw "J""#, false),
        (r#"userName sw "B""#, true),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            false,
        ),
        (r#"title pr"#, true),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, true),
        (r#"title pr and userType eq "Employee""#, true),
        (r#"title pr or userType eq "Intern""#, true),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            true,
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            true,
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            false,
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            true,
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            true,
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            true,
        ),
    ]);
}

#[test]
fn idp_filters() {
    let resource = json!({
        "userName": "jane@example.com",
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "displayName": "Sales",
    });
    check(&resource, r#"userName eq "jane@example.com""#, true);
    check(&resource, r#"userName eq "JANE@EXAMPLE.COM""#, true);
    check(&resource, r#"externalId eq "abc""#, false);
    check(
        &resource,
        "externalId eq 0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        true,
    );
    check(
        &resource,
        "externalId eq 0A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF",
        false,
    );
    check(&resource, "externalId eq 0a21f0f2-8d2a", false);
    check(&resource, r#"displayName eq "Sales""#, true);
    check(&resource, r#"displayName eq "sales""#, true);
    check(
        &resource,
        r#"userName eq "jane@example.com" and externalId eq "y""#,
        false,
    );
    check(
        &resource,
        r#"userName eq "jane@example.com" and externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#,
        true,
    );
}

#[test]
fn unicode_case_folding() {
    let resource = json!({"displayName": "JOSÉ Ünal", "externalId": "É"});
    check(&resource, r#"displayName eq "josé ünal""#, true);
    check(&resource, r#"displayName co "é ü""#, true);
    check(&resource, r#"externalId eq "é""#, false);
    assert_eq!(filter::fold_case("ÀB"), "àb");
}

#[test]
fn odd_resources_do_not_panic() {
    let odd = [
        json!(null),
        json!(1),
        json!("userName"),
        json!([]),
        json!({"userName": ["a", {"value": "a"}, [1], null]}),
        json!({"emails": "not-a-list", "name": [1, 2], "meta": {"lastModified": 5}}),
        json!({"emails": [1, "x", null, [], {"value": null}]}),
        json!({ENTERPRISE: "not an object"}),
    ];
    let filters = [
        r#"userName eq "a""#,
        "userName pr",
        r#"emails[type eq "work"]"#,
        "emails.value pr",
        r#"name.givenName gt "a""#,
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        &format!("{ENTERPRISE}:employeeNumber eq null"),
    ];
    for resource in &odd {
        for text in filters {
            let f = filter::parse(text).unwrap_or_else(|e| panic!("{e}"));
            let _ = filter::matches(&f, resource, &TestTypes);
        }
    }
    let mixed = json!({"userName": ["a", {"value": "b"}, [1], null]});
    check(&mixed, r#"userName eq "A""#, true);
    check(&mixed, r#"userName eq "b""#, true);
    check(&mixed, "userName eq 1", false);
}

#[test]
fn hand_built_filters_outside_the_grammar_match_nothing() {
    let resource = user();
    let nested = Filter::ValuePath {
        path: AttrPath::new("emails"),
        filter: Box::new(Filter::ValuePath {
            path: AttrPath::new("value"),
            filter: Box::new(Filter::Present(AttrPath::new("x"))),
        }),
    };
    assert!(!filter::matches(&nested, &resource, &TestTypes));
    let qualified_inner = Filter::ValuePath {
        path: AttrPath::new("emails"),
        filter: Box::new(Filter::Present(AttrPath::with_sub("emails", "value"))),
    };
    assert!(!filter::matches(&qualified_inner, &resource, &TestTypes));
    let sub_outer = Filter::ValuePath {
        path: AttrPath::with_sub("emails", "value"),
        filter: Box::new(Filter::Present(AttrPath::new("value"))),
    };
    assert!(!filter::matches(&sub_outer, &resource, &TestTypes));
    // `eq` on a programmatic value still works without the parser.
    let f = Filter::Compare {
        path: AttrPath::new("age"),
        op: CompareOp::Eq,
        value: CompValue::Number(42u64.into()),
    };
    assert!(filter::matches(&f, &resource, &TestTypes));
}
