//! Property tests: the parsers never panic, canonical text round-trips, and evaluation is
//! total and consistent.

use proptest::prelude::*;
use scim_protocol::filter::{self, CompValue, CompareOp, Filter};
use scim_protocol::path::{AttrPath, PatchPath};
use scim_protocol::schema::{AttrInfo, AttrType, AttributeTypes};
use serde_json::{Map, Number, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn name() -> BoxedStrategy<String> {
    prop_oneof![
        8 => "[a-zA-Z][a-zA-Z0-9_-]{0,8}",
        // Names that collide with keywords must still round-trip.
        2 => prop::sample::select(vec![
            "not", "NOT", "and", "or", "pr", "eq", "true", "null", "value", "type", "$ref",
        ])
        .prop_map(str::to_owned),
    ]
    .boxed()
}

fn urn() -> BoxedStrategy<String> {
    prop_oneof![
        prop::sample::select(vec![
            USER,
            ENTERPRISE,
            "URN:IETF:params:scim:schemas:core:2.0:USER"
        ])
        .prop_map(str::to_owned),
        "(urn|URN):[a-zA-Z0-9]{1,6}(:[a-zA-Z0-9._-]{1,8}){1,3}",
    ]
    .boxed()
}

fn attr_path() -> BoxedStrategy<AttrPath> {
    (prop::option::of(urn()), name(), prop::option::of(name()))
        .prop_map(|(urn, attr, sub_attr)| AttrPath {
            urn,
            attr,
            sub_attr,
        })
        .boxed()
}

fn number() -> BoxedStrategy<Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
        (-1000i32..1000, -5i32..5).prop_filter_map("finite", |(m, e)| {
            Number::from_f64(f64::from(m) * 10f64.powi(e))
        }),
    ]
    .boxed()
}

fn comp_value() -> BoxedStrategy<CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        number().prop_map(CompValue::Number),
        any::<String>().prop_map(CompValue::String),
        "[a-zA-Z0-9@. -]{0,12}".prop_map(CompValue::String),
    ]
    .boxed()
}

fn op() -> BoxedStrategy<CompareOp> {
    prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ])
    .boxed()
}

fn leaf(path: BoxedStrategy<AttrPath>) -> BoxedStrategy<Filter> {
    prop_oneof![
        3 => (path.clone(), op(), comp_value())
            .prop_map(|(path, op, value)| Filter::Compare { path, op, value }),
        1 => path.prop_map(Filter::Present),
    ]
    .boxed()
}

fn combine(inner: BoxedStrategy<Filter>) -> BoxedStrategy<Filter> {
    prop_oneof![
        (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::And(Box::new(a), Box::new(b))),
        (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::Or(Box::new(a), Box::new(b))),
        inner.prop_map(|a| Filter::Not(Box::new(a))),
    ]
    .boxed()
}

/// Filters allowed inside brackets: plain names, no value paths.
fn relative_filter() -> BoxedStrategy<Filter> {
    leaf(name().prop_map(|n| AttrPath::new(&n)).boxed())
        .prop_recursive(4, 16, 2, combine)
        .boxed()
}

fn value_path() -> BoxedStrategy<Filter> {
    (prop::option::of(urn()), name(), relative_filter())
        .prop_map(|(urn, attr, inner)| Filter::ValuePath {
            path: AttrPath {
                urn,
                attr,
                sub_attr: None,
            },
            filter: Box::new(inner),
        })
        .boxed()
}

fn any_filter() -> BoxedStrategy<Filter> {
    prop_oneof![3 => leaf(attr_path()), 1 => value_path()]
        .prop_recursive(5, 24, 2, combine)
        .boxed()
}

fn patch_path() -> BoxedStrategy<PatchPath> {
    prop_oneof![
        attr_path().prop_map(|attr| PatchPath {
            attr,
            filter: None,
            sub_attr: None
        }),
        (
            prop::option::of(urn()),
            name(),
            relative_filter(),
            prop::option::of(name())
        )
            .prop_map(|(urn, attr, inner, sub_attr)| PatchPath {
                attr: AttrPath {
                    urn,
                    attr,
                    sub_attr: None
                },
                filter: Some(inner),
                sub_attr,
            }),
    ]
    .boxed()
}

/// Strings built from the filter grammar's own pieces, so that random input gets past the
/// first character far more often than arbitrary text does.
fn filter_soup() -> BoxedStrategy<String> {
    let token = prop::sample::select(vec![
        "(",
        ")",
        "[",
        "]",
        "\"",
        "\\",
        "\"x\"",
        "\"\\u00e9\"",
        "\"\\uD83D\"",
        " ",
        "  ",
        "and",
        "or",
        "not",
        "not (",
        "NOT(",
        "eq",
        "ne",
        "co",
        "sw",
        "gt",
        "le",
        "pr",
        "PR",
        "true",
        "null",
        "1",
        "-1.5e3",
        "1e999",
        "0a21-f0",
        "userName",
        "name.familyName",
        "emails",
        "emails[",
        "type",
        ".",
        ":",
        "urn:ietf:params:scim:schemas:core:2.0:User:",
        "$ref",
        "é",
        "\t",
        "\u{0}",
    ]);
    prop::collection::vec(token, 0..24)
        .prop_map(|parts| parts.concat())
        .boxed()
}

struct Types;

impl AttributeTypes for Types {
    fn core_schema(&self) -> &str {
        USER
    }
    fn attr_info(&self, path: &AttrPath) -> Option<AttrInfo> {
        let (ty, case_exact) = match path.attr.to_ascii_lowercase().as_str() {
            "id" | "externalid" => (AttrType::String, true),
            "meta" => (AttrType::DateTime, false),
            "emails" if path.sub_attr.is_none() => (AttrType::Complex, false),
            "active" => (AttrType::Boolean, false),
            "age" => (AttrType::Integer, false),
            "unknown" => return None,
            _ => (AttrType::String, false),
        };
        Some(AttrInfo {
            ty,
            case_exact,
            multi_valued: false,
        })
    }
}

fn json_value() -> BoxedStrategy<Value> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number().prop_map(Value::Number),
        "[a-zA-Z0-9@.: -]{0,8}".prop_map(Value::String),
        Just(Value::String("2011-05-13T04:42:34Z".to_owned())),
    ];
    scalar
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((json_key(), inner), 0..4)
                    .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
            ]
        })
        .boxed()
}

fn json_key() -> BoxedStrategy<String> {
    prop::sample::select(vec![
        "id", "userName", "USERNAME", "value", "type", "emails", "meta", "active", "age", "x",
        USER, ENTERPRISE,
    ])
    .prop_map(str::to_owned)
    .boxed()
}

/// Filters over the same small vocabulary as [`json_value`], so evaluation finds things.
fn vocabulary_filter() -> BoxedStrategy<Filter> {
    let path = (
        prop::option::of(prop::sample::select(vec![
            USER.to_owned(),
            ENTERPRISE.to_owned(),
        ])),
        json_key().prop_filter("plain name", |k| !k.contains(':')),
        prop::option::of(json_key().prop_filter("plain name", |k| !k.contains(':'))),
    )
        .prop_map(|(urn, attr, sub_attr)| AttrPath {
            urn,
            attr,
            sub_attr,
        })
        .boxed();
    let plain = || json_key().prop_filter("plain name", |k| !k.contains(':'));
    let inner = leaf(plain().prop_map(|k| AttrPath::new(&k)).boxed())
        .prop_recursive(2, 6, 2, combine)
        .boxed();
    let vp = (plain(), inner).prop_map(|(attr, f)| Filter::ValuePath {
        path: AttrPath::new(&attr),
        filter: Box::new(f),
    });
    prop_oneof![3 => leaf(path), 1 => vp]
        .prop_recursive(3, 12, 2, combine)
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn printed_filters_parse_back(f in any_filter()) {
        let text = f.to_string();
        prop_assert_eq!(filter::parse(&text), Ok(f), "text: {}", text);
    }

    #[test]
    fn printed_patch_paths_parse_back(p in patch_path()) {
        let text = p.to_string();
        prop_assert_eq!(PatchPath::parse(&text), Ok(p), "text: {}", text);
    }

    #[test]
    fn printed_attr_paths_parse_back(p in attr_path()) {
        prop_assert_eq!(AttrPath::parse(&p.to_string()), Ok(p));
    }

    #[test]
    fn arbitrary_text_never_panics(s in any::<String>()) {
        let _ = filter::parse(&s);
        let _ = PatchPath::parse(&s);
        let _ = AttrPath::parse(&s);
    }

    #[test]
    fn grammar_soup_never_panics_and_accepted_text_is_stable(s in filter_soup()) {
        if let Ok(f) = filter::parse(&s) {
            prop_assert_eq!(filter::parse(&f.to_string()), Ok(f));
        }
        if let Ok(p) = PatchPath::parse(&s) {
            prop_assert_eq!(PatchPath::parse(&p.to_string()), Ok(p));
        }
        let _ = AttrPath::parse(&s);
    }

    #[test]
    fn every_prefix_of_a_valid_filter_is_handled(f in any_filter()) {
        let text = f.to_string();
        for (i, _) in text.char_indices() {
            let _ = filter::parse(&text[..i]);
            let _ = PatchPath::parse(&text[..i]);
        }
    }

    #[test]
    fn errors_are_invalid_filter_with_a_position(s in filter_soup()) {
        if let Err(e) = filter::parse(&s) {
            prop_assert_eq!(e.scim_type, Some(scim_protocol::ScimType::InvalidFilter));
            prop_assert!(
                e.detail.contains("at position") || e.detail.contains("empty"),
                "{}", e.detail
            );
        }
    }

    #[test]
    fn evaluation_is_total_and_consistent(f in vocabulary_filter(), resource in json_value()) {
        let result = filter::matches(&f, &resource, &Types);
        let negated = Filter::Not(Box::new(f.clone()));
        prop_assert_eq!(filter::matches(&negated, &resource, &Types), !result);
        if let Filter::Compare { path, op: CompareOp::Eq, value } = &f {
            let ne = Filter::Compare { path: path.clone(), op: CompareOp::Ne, value: value.clone() };
            prop_assert_eq!(filter::matches(&ne, &resource, &Types), !result);
        }
        // Evaluating the reparsed canonical text gives the same answer.
        if let Ok(reparsed) = filter::parse(&f.to_string()) {
            prop_assert_eq!(filter::matches(&reparsed, &resource, &Types), result);
        }
    }

    #[test]
    fn ge_is_gt_or_eq_for_scalars(
        attr in prop::sample::select(vec!["userName", "id", "age", "meta", "active"]),
        actual in json_value(),
        expected in comp_value(),
    ) {
        let path = AttrPath::new(attr);
        let resource = serde_json::json!({ attr: actual });
        let run = |op| {
            let f = Filter::Compare { path: path.clone(), op, value: expected.clone() };
            filter::matches(&f, &resource, &Types)
        };
        // Booleans and null have equality but no order, by definition.
        let ordered = !matches!(expected, CompValue::Bool(_) | CompValue::Null);
        if ordered && !matches!(resource[attr], Value::Array(_) | Value::Object(_)) {
            prop_assert_eq!(run(CompareOp::Ge), run(CompareOp::Gt) || run(CompareOp::Eq));
            prop_assert_eq!(run(CompareOp::Le), run(CompareOp::Lt) || run(CompareOp::Eq));
        }
    }
}
