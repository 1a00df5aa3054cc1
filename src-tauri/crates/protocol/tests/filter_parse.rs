//! Filter grammar (RFC 7644 §3.4.2.2): what parses, into which AST, and how errors read.

use scim_protocol::filter::{self, CompValue, CompareOp, Filter, MAX_DEPTH};
use scim_protocol::path::AttrPath;
use scim_protocol::ScimType;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn parse(s: &str) -> Filter {
    match filter::parse(s) {
        Ok(f) => f,
        Err(e) => panic!("{s:?} should parse: {e}"),
    }
}

/// The error detail for `s`, which must be an invalidFilter error.
fn error(s: &str) -> String {
    match filter::parse(s) {
        Ok(f) => panic!("{s:?} should not parse, got {f:?}"),
        Err(e) => {
            assert_eq!(e.status, 400);
            assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{e}");
            e.detail
        }
    }
}

fn assert_error(s: &str, fragments: &[&str]) {
    let detail = error(s);
    for fragment in fragments {
        assert!(
            detail.contains(fragment),
            "error for {s:?} is {detail:?}; expected {fragment:?}"
        );
    }
}

fn cmp(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare { path, op, value }
}

fn s(v: &str) -> CompValue {
    CompValue::String(v.to_owned())
}

fn and(a: Filter, b: Filter) -> Filter {
    Filter::And(Box::new(a), Box::new(b))
}

fn or(a: Filter, b: Filter) -> Filter {
    Filter::Or(Box::new(a), Box::new(b))
}

fn not(a: Filter) -> Filter {
    Filter::Not(Box::new(a))
}

fn value_path(attr: &str, inner: Filter) -> Filter {
    Filter::ValuePath {
        path: AttrPath::new(attr),
        filter: Box::new(inner),
    }
}

fn urn_path(urn: &str, attr: &str, sub: Option<&str>) -> AttrPath {
    AttrPath {
        urn: Some(urn.to_owned()),
        attr: attr.to_owned(),
        sub_attr: sub.map(str::to_owned),
    }
}

/// The `filter=` examples of RFC 7644 §3.4.2.2 (figure "Example Filters").
const RFC_EXAMPLES: &[&str] = &[
    r#"userName eq "bjensen""#,
    r#"name.familyName co "O'Malley""#,
    r#"userName sw "J""#,
    r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
    r#"title pr"#,
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
    r#"title pr and userType eq "Employee""#,
    r#"title pr or userType eq "Intern""#,
    r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType eq "Employee" and (emails.type eq "work")"#,
    r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
];

/// What identity providers send in practice.
const IDP_EXAMPLES: &[&str] = &[
    r#"userName eq "jane@example.com""#,
    r#"userName eq "JANE@EXAMPLE.COM""#,
    r#"externalId eq "abc""#,
    r#"externalId eq 0a21f0f2-8d2a"#,
    r#"externalId eq 0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"#,
    r#"displayName eq "Sales""#,
    r#"userName eq "x" and externalId eq "y""#,
    r#"id eq "2819c223-7f76-453a-919d-413861904646""#,
    r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
];

#[test]
fn every_rfc_example_parses_and_round_trips() {
    for text in RFC_EXAMPLES.iter().chain(IDP_EXAMPLES) {
        let f = parse(text);
        let printed = f.to_string();
        assert_eq!(
            filter::parse(&printed),
            Ok(f),
            "{text:?} printed as {printed:?}"
        );
    }
}

#[test]
fn rfc_examples_canonical_text() {
    // The canonical form differs from the RFC text only where the RFC had redundant
    // parentheses.
    for text in RFC_EXAMPLES {
        let printed = parse(text).to_string();
        let expected = text.replace(r#"(emails.type eq "work")"#, r#"emails.type eq "work""#);
        assert_eq!(printed, expected);
    }
}

#[test]
fn rfc_example_asts() {
    assert_eq!(
        parse(r#"userName eq "bjensen""#),
        cmp(AttrPath::new("userName"), CompareOp::Eq, s("bjensen"))
    );
    assert_eq!(
        parse(r#"name.familyName co "O'Malley""#),
        cmp(
            AttrPath::with_sub("name", "familyName"),
            CompareOp::Co,
            s("O'Malley")
        )
    );
    assert_eq!(
        parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#),
        cmp(urn_path(USER, "userName", None), CompareOp::Sw, s("J"))
    );
    assert_eq!(parse("title pr"), Filter::Present(AttrPath::new("title")));
    assert_eq!(
        parse(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#),
        cmp(
            AttrPath::with_sub("meta", "lastModified"),
            CompareOp::Gt,
            s("2011-05-13T04:42:34Z")
        )
    );
    assert_eq!(
        parse(r#"title pr and userType eq "Employee""#),
        and(
            Filter::Present(AttrPath::new("title")),
            cmp(AttrPath::new("userType"), CompareOp::Eq, s("Employee"))
        )
    );
    assert_eq!(
        parse(
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#
        ),
        and(
            cmp(AttrPath::new("userType"), CompareOp::Ne, s("Employee")),
            not(or(
                cmp(AttrPath::new("emails"), CompareOp::Co, s("example.com")),
                cmp(
                    AttrPath::with_sub("emails", "value"),
                    CompareOp::Co,
                    s("example.org")
                ),
            ))
        )
    );
    assert_eq!(
        parse(r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#),
        and(
            cmp(AttrPath::new("userType"), CompareOp::Eq, s("Employee")),
            value_path(
                "emails",
                and(
                    cmp(AttrPath::new("type"), CompareOp::Eq, s("work")),
                    cmp(AttrPath::new("value"), CompareOp::Co, s("@example.com")),
                )
            )
        )
    );
    assert_eq!(
        parse(
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#
        ),
        or(
            value_path(
                "emails",
                and(
                    cmp(AttrPath::new("type"), CompareOp::Eq, s("work")),
                    cmp(AttrPath::new("value"), CompareOp::Co, s("@example.com")),
                )
            ),
            value_path(
                "ims",
                and(
                    cmp(AttrPath::new("type"), CompareOp::Eq, s("xmpp")),
                    cmp(AttrPath::new("value"), CompareOp::Co, s("@foo.com")),
                )
            )
        )
    );
}

#[test]
fn idp_example_asts() {
    assert_eq!(
        parse("externalId eq 0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"),
        cmp(
            AttrPath::new("externalId"),
            CompareOp::Eq,
            s("0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")
        )
    );
    assert_eq!(
        parse(r#"userName eq "x" and externalId eq "y""#),
        and(
            cmp(AttrPath::new("userName"), CompareOp::Eq, s("x")),
            cmp(AttrPath::new("externalId"), CompareOp::Eq, s("y"))
        )
    );
    assert_eq!(
        parse(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#
        ),
        cmp(
            urn_path(ENTERPRISE, "employeeNumber", None),
            CompareOp::Eq,
            s("701984")
        )
    );
    assert_eq!(
        parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "Jensen""#),
        cmp(
            urn_path(USER, "name", Some("familyName")),
            CompareOp::Eq,
            s("Jensen")
        )
    );
}

#[test]
fn every_operator() {
    let ops = [
        ("eq", CompareOp::Eq),
        ("ne", CompareOp::Ne),
        ("co", CompareOp::Co),
        ("sw", CompareOp::Sw),
        ("ew", CompareOp::Ew),
        ("gt", CompareOp::Gt),
        ("ge", CompareOp::Ge),
        ("lt", CompareOp::Lt),
        ("le", CompareOp::Le),
    ];
    for (word, op) in ops {
        for spelling in [
            word.to_owned(),
            word.to_uppercase(),
            format!("{}{}", &word[..1].to_uppercase(), &word[1..]),
        ] {
            let text = format!(r#"userName {spelling} "x""#);
            assert_eq!(
                parse(&text),
                cmp(AttrPath::new("userName"), op, s("x")),
                "{text}"
            );
        }
        assert_eq!(op.as_str(), word);
    }
    for spelling in ["pr", "PR", "Pr"] {
        assert_eq!(
            parse(&format!("title {spelling}")),
            Filter::Present(AttrPath::new("title"))
        );
    }
}

#[test]
fn keywords_are_case_insensitive() {
    let expected = and(
        Filter::Present(AttrPath::new("a")),
        not(or(
            Filter::Present(AttrPath::new("b")),
            Filter::Present(AttrPath::new("c")),
        )),
    );
    for text in [
        "a pr and not (b pr or c pr)",
        "a PR AND NOT (b Pr OR c pR)",
        "a pr And Not(b pr Or c pr)",
    ] {
        assert_eq!(parse(text), expected, "{text}");
    }
    assert_eq!(
        parse("active eq TRUE"),
        cmp(
            AttrPath::new("active"),
            CompareOp::Eq,
            CompValue::Bool(true)
        )
    );
    assert_eq!(
        parse("active eq False"),
        cmp(
            AttrPath::new("active"),
            CompareOp::Eq,
            CompValue::Bool(false)
        )
    );
    assert_eq!(
        parse("title eq NULL"),
        cmp(AttrPath::new("title"), CompareOp::Eq, CompValue::Null)
    );
}

#[test]
fn precedence_and_associativity() {
    let p = |n: &str| Filter::Present(AttrPath::new(n));
    // `and` binds tighter than `or`.
    assert_eq!(
        parse("a pr or b pr and c pr"),
        or(p("a"), and(p("b"), p("c")))
    );
    assert_eq!(
        parse("a pr and b pr or c pr"),
        or(and(p("a"), p("b")), p("c"))
    );
    // Both are left-associative.
    assert_eq!(
        parse("a pr and b pr and c pr"),
        and(and(p("a"), p("b")), p("c"))
    );
    assert_eq!(
        parse("a pr or b pr or c pr"),
        or(or(p("a"), p("b")), p("c"))
    );
    // Parentheses group and disappear from the AST.
    assert_eq!(
        parse("(a pr or b pr) and c pr"),
        and(or(p("a"), p("b")), p("c"))
    );
    assert_eq!(
        parse("a pr and (b pr and c pr)"),
        and(p("a"), and(p("b"), p("c")))
    );
    assert_eq!(parse("((a pr))"), p("a"));
    // Display keeps the structure with the fewest parentheses.
    assert_eq!(
        and(or(p("a"), p("b")), p("c")).to_string(),
        "(a pr or b pr) and c pr"
    );
    assert_eq!(
        and(p("a"), and(p("b"), p("c"))).to_string(),
        "a pr and (b pr and c pr)"
    );
    assert_eq!(
        or(p("a"), and(p("b"), p("c"))).to_string(),
        "a pr or b pr and c pr"
    );
    assert_eq!(
        or(p("a"), or(p("b"), p("c"))).to_string(),
        "a pr or (b pr or c pr)"
    );
    assert_eq!(not(p("a")).to_string(), "not (a pr)");
}

#[test]
fn not_requires_parentheses() {
    let expected = not(Filter::Present(AttrPath::new("a")));
    assert_eq!(parse("not (a pr)"), expected);
    assert_eq!(parse("not(a pr)"), expected);
    assert_eq!(parse("not  \t(a pr)"), expected);
    assert_error(
        "not a pr",
        &["expected '(' after 'not'", "found 'a'", "position 4"],
    );
    assert_error(
        "not",
        &["expected '(' after 'not'", "end of input", "position 3"],
    );
    // An attribute may be called "not".
    assert_eq!(parse("not pr"), Filter::Present(AttrPath::new("not")));
    assert_eq!(
        parse("not eq 1"),
        cmp(
            AttrPath::new("not"),
            CompareOp::Eq,
            CompValue::Number(1.into())
        )
    );
    assert_eq!(
        parse("not.x pr"),
        Filter::Present(AttrPath::with_sub("not", "x"))
    );
    assert_eq!(
        parse("not[x pr]"),
        value_path("not", Filter::Present(AttrPath::new("x")))
    );
    assert_eq!(
        parse("and pr and or pr"),
        and(
            Filter::Present(AttrPath::new("and")),
            Filter::Present(AttrPath::new("or"))
        )
    );
}

#[test]
fn values() {
    let v = |text: &str| match parse(&format!("x eq {text}")) {
        Filter::Compare { value, .. } => value,
        other => panic!("{other:?}"),
    };
    assert_eq!(v("true"), CompValue::Bool(true));
    assert_eq!(v("false"), CompValue::Bool(false));
    assert_eq!(v("null"), CompValue::Null);
    assert_eq!(v("0"), CompValue::Number(0.into()));
    assert_eq!(v("42"), CompValue::Number(42.into()));
    assert_eq!(v("-42"), CompValue::Number((-42).into()));
    assert_eq!(
        v("18446744073709551615"),
        CompValue::Number(u64::MAX.into())
    );
    let float = |f: f64| CompValue::Number(serde_json::Number::from_f64(f).unwrap());
    assert_eq!(v("1.5"), float(1.5));
    assert_eq!(v("-0.25"), float(-0.25));
    assert_eq!(v("1e3"), float(1000.0));
    assert_eq!(v("2.5E-3"), float(0.0025));
    assert_eq!(v("1e+2"), float(100.0));
    // Not JSON numbers, so bare strings.
    assert_eq!(v("0123"), s("0123"));
    assert_eq!(v("1."), s("1."));
    assert_eq!(v("+1"), s("+1"));
    assert_eq!(v("1.2.3"), s("1.2.3"));
    assert_eq!(v("truthy"), s("truthy"));
    assert_eq!(v("2011-05-13T04:42:34Z"), s("2011-05-13T04:42:34Z"));
    assert_eq!(v("jane@example.com"), s("jane@example.com"));
    // JSON strings with every escape.
    assert_eq!(v(r#""""#), s(""));
    assert_eq!(v(r#""a\"b""#), s("a\"b"));
    assert_eq!(v(r#""a\\b""#), s("a\\b"));
    assert_eq!(v(r#""\/\b\f\n\r\t""#), s("/\u{8}\u{c}\n\r\t"));
    assert_eq!(v(r#""caf\u00e9""#), s("café"));
    assert_eq!(v(r#""\uD83D\uDE00""#), s("😀"));
    assert_eq!(v(r#""😀 ü""#), s("😀 ü"));
    assert_eq!(v(r#""and or not ) ] [""#), s("and or not ) ] ["));
    assert_eq!(v(r#""true""#), s("true"));
    assert_eq!(v(r#""42""#), s("42"));
}

#[test]
fn whitespace_is_flexible_where_unambiguous() {
    let expected = and(
        cmp(AttrPath::new("a"), CompareOp::Eq, s("x")),
        value_path(
            "emails",
            cmp(AttrPath::new("type"), CompareOp::Eq, s("work")),
        ),
    );
    for text in [
        r#"a eq "x" and emails[type eq "work"]"#,
        "  a\teq\n\"x\"   AND   emails[ type  eq  \"work\" ]  ",
        r#"a eq"x"and emails[type eq"work"]"#,
    ] {
        assert_eq!(parse(text), expected, "{text:?}");
    }
}

#[test]
fn attribute_paths() {
    assert_eq!(
        parse("members.$ref pr"),
        Filter::Present(AttrPath::with_sub("members", "$ref"))
    );
    assert_eq!(parse("$ref pr"), Filter::Present(AttrPath::new("$ref")));
    assert_eq!(parse("x-y_z9 pr"), Filter::Present(AttrPath::new("x-y_z9")));
    assert_eq!(
        parse("URN:ietf:params:scim:schemas:core:2.0:User:userName pr"),
        Filter::Present(urn_path(
            "URN:ietf:params:scim:schemas:core:2.0:User",
            "userName",
            None
        ))
    );
    assert_eq!(
        parse(&format!(
            "{ENTERPRISE}:manager.value eq \"26118915-6090-4610-87e4-49d8ca9f808d\""
        )),
        cmp(
            urn_path(ENTERPRISE, "manager", Some("value")),
            CompareOp::Eq,
            s("26118915-6090-4610-87e4-49d8ca9f808d")
        )
    );
    assert_eq!(
        parse(&format!("{ENTERPRISE}:manager[value eq \"1\"]")),
        Filter::ValuePath {
            path: urn_path(ENTERPRISE, "manager", None),
            filter: Box::new(cmp(AttrPath::new("value"), CompareOp::Eq, s("1"))),
        }
    );
}

#[test]
fn value_paths_combine_with_logic() {
    let work = || {
        value_path(
            "emails",
            cmp(AttrPath::new("type"), CompareOp::Eq, s("work")),
        )
    };
    assert_eq!(parse(r#"not (emails[type eq "work"])"#), not(work()));
    assert_eq!(
        parse(r#"emails[type eq "work"] and userName pr"#),
        and(work(), Filter::Present(AttrPath::new("userName")))
    );
    assert_eq!(
        parse(r#"emails[not (type eq "work") or (value pr)]"#),
        value_path(
            "emails",
            or(
                not(cmp(AttrPath::new("type"), CompareOp::Eq, s("work"))),
                Filter::Present(AttrPath::new("value"))
            )
        )
    );
}

#[test]
fn errors_name_what_was_expected_and_where() {
    let cases: &[(&str, &[&str])] = &[
        ("", &["empty"]),
        ("   ", &["empty"]),
        (
            r#"userName xx "bjensen""#,
            &[
                "expected a comparison operator",
                "found 'xx' at position 9 (0-based)",
            ],
        ),
        (
            "userName",
            &[
                "expected a comparison operator",
                "end of input",
                "position 8",
            ],
        ),
        (
            "userName ",
            &["expected a comparison operator", "position 9"],
        ),
        (
            r#"userName "x""#,
            &["expected a comparison operator", "found '\"'", "position 9"],
        ),
        (
            "userName eq",
            &["expected a value after 'eq'", "end of input", "position 11"],
        ),
        (
            "userName eq )",
            &["expected a value after 'eq'", "found ')'", "position 12"],
        ),
        (
            "(userName eq )",
            &["expected a value after 'eq'", "position 13"],
        ),
        (
            "(a pr",
            &[
                "expected 'and', 'or' or ')' closing the '(' at position 0",
                "end of input at position 5",
            ],
        ),
        ("((a pr)", &["closing the '(' at position 0", "position 7"]),
        ("a pr)", &["unbalanced ')'", "position 4"]),
        ("a pr))", &["unbalanced ')'", "position 4"]),
        (
            "emails[type pr",
            &[
                "']' closing the '[' at position 6",
                "end of input at position 14",
            ],
        ),
        (
            "emails[type pr)",
            &[
                "']' closing the '[' at position 6",
                "found ')' at position 14",
            ],
        ),
        ("a pr]", &["unbalanced ']'", "position 4"]),
        ("emails[type pr]]", &["unbalanced ']'", "position 15"]),
        (
            "a eq 1 b pr",
            &[
                "expected 'and', 'or' or the end of the filter",
                "found 'b'",
                "position 7",
            ],
        ),
        (
            "a pr b pr",
            &["'pr' takes no value", "found 'b'", "position 5"],
        ),
        (
            r#"a eq "x" "y""#,
            &[
                "expected 'and', 'or' or the end of the filter",
                "position 9",
            ],
        ),
        (
            r#"a eq "x" and"#,
            &[
                "expected an attribute path, '(' or 'not'",
                "end of input",
                "position 12",
            ],
        ),
        (
            r#"a eq "x" or or b pr"#,
            &["expected a comparison operator", "found 'b'"],
        ),
        (
            r#"a eq "unterminated"#,
            &["unterminated string starting at position 5"],
        ),
        (
            r#"a eq "x\"#,
            &["unterminated string starting at position 5"],
        ),
        (
            r#"a eq "bad \q escape""#,
            &["invalid escape '\\q'", "position 10"],
        ),
        (r#"a eq "\u12""#, &["invalid \\u escape", "position 6"]),
        (
            r#"a eq "\uD83D""#,
            &["unpaired UTF-16 surrogate", "position 6"],
        ),
        (r#"a eq "\uDE00""#, &["unpaired UTF-16 surrogate"]),
        (r#"a eq "\uD83D\u0041""#, &["unpaired UTF-16 surrogate"]),
        ("title pr \"x\"", &["'pr' takes no value", "position 9"]),
        (
            "title pr x",
            &["'pr' takes no value", "found 'x'", "position 9"],
        ),
        ("title pr 5", &["'pr' takes no value"]),
        ("a eq 1e999", &["number '1e999' out of range", "position 5"]),
        (
            "()",
            &[
                "expected an attribute path, '(' or 'not'",
                "found ')'",
                "position 1",
            ],
        ),
        (
            "emails[]",
            &["expected an attribute path", "found ']'", "position 7"],
        ),
        (")", &["expected an attribute path", "position 0"]),
        (
            "1abc pr",
            &["attribute name must start with a letter", "position 0"],
        ),
        ("name. pr", &["expected a sub-attribute name", "position 5"]),
        (
            "name.given.x pr",
            &["at most one sub-attribute", "position 10"],
        ),
        (
            "na$me pr",
            &["unexpected '$' in an attribute name", "position 2"],
        ),
        ("foo:bar pr", &["unexpected ':'", "position 3"]),
        (
            "urn:foo:bar pr",
            &["'urn:foo' is not a schema URN", "position 0"],
        ),
        (
            "urn:a::b:c pr",
            &["empty segment in schema URN", "position 6"],
        ),
        (
            "urn:a:b:c: pr",
            &["expected an attribute name", "position 10"],
        ),
        (
            "userName@x eq 1",
            &["unexpected '@x' in attribute path", "position 8"],
        ),
        (
            "emails[type eq \"work\"].value eq \"x\"",
            &["only allowed in PATCH paths", "position 22"],
        ),
        (
            "emails[types[value pr]]",
            &["cannot be nested", "position 12"],
        ),
        (
            "emails.value[type pr]",
            &["'[' cannot follow the sub-attribute path", "position 12"],
        ),
        (
            "emails[emails.type pr]",
            &["must be a plain sub-attribute name", "position 7"],
        ),
        (
            "emails[urn:a:b:type pr]",
            &["must be a plain sub-attribute name", "position 7"],
        ),
        ("é eq 1", &["expected an attribute path", "position 0"]),
        // Positions count characters, not bytes.
        (r#"a eq "ééé" xx"#, &["found 'xx' at position 11"]),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(text, fragments)| {
            let detail = error(text);
            let missing: Vec<&&str> = fragments.iter().filter(|f| !detail.contains(**f)).collect();
            (!missing.is_empty()).then(|| format!("{text:?}: {detail:?} lacks {missing:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn nesting_is_limited() {
    let too_deep = format!("nested more than {MAX_DEPTH} levels deep");
    let too_deep = too_deep.as_str();
    let at_limit = format!("position {}", MAX_DEPTH - 1);
    let nested = |n: usize| format!("{}a pr{}", "(".repeat(n), ")".repeat(n));
    // n parentheses around a leaf: depth n + 1.
    assert!(filter::parse(&nested(MAX_DEPTH - 1)).is_ok());
    assert_error(&nested(MAX_DEPTH), &[too_deep]);
    assert_error(&nested(100_000), &[too_deep, at_limit.as_str()]);

    let nots = |n: usize| format!("{}a pr{}", "not (".repeat(n), ")".repeat(n));
    assert!(filter::parse(&nots(MAX_DEPTH - 1)).is_ok());
    assert_error(&nots(MAX_DEPTH), &[too_deep]);
    assert_error(&nots(50_000), &[too_deep]);

    // A flat chain of n terms has height n.
    let chain = |n: usize, kw: &str| vec!["a pr"; n].join(kw);
    for kw in [" and ", " or "] {
        let ok = parse(&chain(MAX_DEPTH, kw));
        assert_eq!(filter::parse(&ok.to_string()), Ok(ok));
        assert_error(&chain(MAX_DEPTH + 1, kw), &[too_deep]);
        assert_error(&chain(100_000, kw), &[too_deep]);
    }
    let brackets = format!("emails[{}]", "(".repeat(100_000));
    assert_error(&brackets, &[too_deep]);
    let unclosed = "(".repeat(100_000);
    assert_error(&unclosed, &[too_deep]);
}

#[test]
fn display_escapes_strings_as_json() {
    let f = cmp(AttrPath::new("a"), CompareOp::Eq, s("q\"b\\s\n\t\u{1}é"));
    assert_eq!(f.to_string(), r#"a eq "q\"b\\s\n\t\u0001é""#);
    assert_eq!(filter::parse(&f.to_string()), Ok(f));
    let n = cmp(
        AttrPath::new("a"),
        CompareOp::Ge,
        CompValue::Number(serde_json::Number::from_f64(1.0).unwrap()),
    );
    assert_eq!(n.to_string(), "a ge 1.0");
    assert_eq!(filter::parse(&n.to_string()), Ok(n));
}
