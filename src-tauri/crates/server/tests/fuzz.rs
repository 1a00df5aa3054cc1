//! Request-level fuzzing of the SCIM endpoint, over HTTP against the real server: random
//! methods; paths under the base (known endpoints, existing and random ids, unknown ones,
//! trailing slashes, valid and invalid percent-encoding, very long segments); query strings
//! (filters of random grammar, huge counts, negative indexes, duplicated parameters); headers
//! (Content-Type variants, If-Match garbage, the valid token half the time and anything else
//! the other half); and bodies (random, deeply nested, truncated and non-UTF-8 JSON, huge
//! strings, PatchOps and SearchRequests built from random parts).
//!
//! Whatever arrives, the server never answers 5xx (but 501 from `/Bulk` and `/Me`, the status
//! RFC 7644 §3.12 gives an operation the server does not offer), never panics, every error is
//! a SCIM Error with the SCIM media type and `status` as a string, and the server still
//! serves afterwards. Half the requests are aimed (a PatchOp to PATCH /Users/{id}, a
//! SearchRequest to .search…), so most get past routing into the handlers.
//!
//! `FUZZ_CASES` sets the number of requests (2000 by default). The first failing request is
//! printed as sent, with the response; proptest then prints the shrunk one.
//!
//! Requests go over pooled connections, so an answer that leaves a connection unusable (a
//! body left unread, see `unread_request_bodies_do_not_break_the_connection`) fails the run.

mod common;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, Url};
use serde_json::{json, Map, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::*;

/// Users created before the run; paths name them by index (`Seg::User`).
const USERS: usize = 4;
/// Where an Authorization variant carries the harness token.
const TOKEN: &str = "{token}";

// ---- the request ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Seg {
    Lit(String),
    /// The id of the user in this slot when the request is sent.
    User(usize),
}

#[derive(Clone, Debug)]
enum Auth {
    Valid,
    Missing,
    /// A header value; `{token}` stands for the harness token.
    Raw(Vec<u8>),
}

#[derive(Clone)]
struct Case {
    method: String,
    path: Vec<Seg>,
    trailing_slashes: usize,
    query: Option<String>,
    auth: Auth,
    headers: Vec<(String, Vec<u8>)>,
    body: Option<Vec<u8>>,
}

impl Case {
    /// The path and query after the host; `ids` fills the user slots.
    fn target(&self, ids: &[String]) -> String {
        let mut out = String::from("/scim/v2");
        for seg in &self.path {
            out.push('/');
            match seg {
                Seg::Lit(s) => out.push_str(s),
                Seg::User(i) => out.push_str(&ids[*i]),
            }
        }
        out.push_str(&"/".repeat(self.trailing_slashes));
        if let Some(q) = &self.query {
            out.push('?');
            out.push_str(q);
        }
        out
    }

    fn user_slot(&self) -> Option<usize> {
        match self.path.as_slice() {
            [Seg::Lit(users), Seg::User(i)] if users.eq_ignore_ascii_case("Users") => Some(*i),
            _ => None,
        }
    }

    /// The request as text: method, target, headers and (the start of) the body.
    fn render(&self, ids: &[String]) -> String {
        let mut out = format!("{} {}\n", self.method, clip(&self.target(ids), 2000));
        match &self.auth {
            Auth::Valid => out.push_str("Authorization: Bearer <valid token>\n"),
            Auth::Missing => out.push_str("(no Authorization)\n"),
            Auth::Raw(v) => {
                let _ = writeln!(
                    out,
                    "Authorization: {}",
                    clip(&String::from_utf8_lossy(v), 200)
                );
            }
        }
        for (k, v) in &self.headers {
            let _ = writeln!(out, "{k}: {}", clip(&String::from_utf8_lossy(v), 200));
        }
        match &self.body {
            None => out.push_str("(no body)"),
            Some(b) => {
                let _ = write!(
                    out,
                    "body ({} bytes{}): {}",
                    b.len(),
                    if std::str::from_utf8(b).is_ok() {
                        ""
                    } else {
                        ", not UTF-8"
                    },
                    clip(&String::from_utf8_lossy(b), 2000)
                );
            }
        }
        out
    }
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slots: Vec<String> = (0..USERS).map(|i| format!("{{user-{i}}}")).collect();
        f.write_str(&self.render(&slots))
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let head: String = s.chars().take(max).collect();
        format!("{head}… ({} chars in all)", s.chars().count())
    }
}

// ---- names and text ------------------------------------------------------------------------

const ATTRS: &[&str] = &[
    "userName",
    "name",
    "name.givenName",
    "name.familyName",
    "displayName",
    "active",
    "emails",
    "emails.value",
    "emails[type eq \"work\"].value",
    "emails[value co \"@\"]",
    "emails[primary eq true].display",
    "phoneNumbers[type eq \"mobile\"].value",
    "addresses[type eq \"work\"].locality",
    "externalId",
    "id",
    "meta",
    "meta.lastModified",
    "meta.created",
    "title",
    "groups",
    "members[value eq \"x\"]",
    "password",
    "pantherRole",
    "roles",
    "x509Certificates",
    "schemas",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "emails[",
    "name.",
    "[]",
    "a.b.c.d",
    "",
];

const FILTER_TOKENS: &[&str] = &[
    "userName",
    "USERNAME",
    "name.givenName",
    "emails",
    "emails[type eq \"work\"]",
    "emails[type eq \"work\" and value co \"@\"].value",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "meta.lastModified",
    "active",
    "externalId",
    "id",
    "eq",
    "ne",
    "co",
    "sw",
    "ew",
    "gt",
    "ge",
    "lt",
    "le",
    "pr",
    "EQ",
    "Pr",
    "and",
    "or",
    "not",
    "AND",
    "(",
    ")",
    "[",
    "]",
    ".",
    "\"x\"",
    "\"a@example.com\"",
    "\"",
    "\"\\\"",
    "true",
    "false",
    "null",
    "12",
    "-1",
    "1e400",
    "0.5",
    "2024-01-01T00:00:00Z",
    "\"2024-13-45T99:99:99Z\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
];

const KEYS: &[&str] = &[
    "schemas",
    "userName",
    "Operations",
    "operations",
    "op",
    "path",
    "value",
    "filter",
    "count",
    "startIndex",
    "attributes",
    "excludedAttributes",
    "emails",
    "active",
    "name",
    "givenName",
    "familyName",
    "id",
    "meta",
    "externalId",
    "pantherRole",
    "password",
    "type",
    "primary",
    "members",
    USER_SCHEMA,
    ENTERPRISE,
];

fn text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "\\PC{0,16}",
        2 => "[a-zA-Z0-9 ._@\"()\\[\\]-]{0,16}",
        1 => "[\\x00-\\x1f\\x7f]{1,4}",
        1 => Just(String::new()),
    ]
    .boxed()
}

/// A userName unlikely to be taken: POSTs of user-like bodies get past the uniqueness check.
fn fresh_email() -> BoxedStrategy<String> {
    "[a-z]{1,8}\\.[a-z0-9]{6}@example\\.com".boxed()
}

// ---- JSON ----------------------------------------------------------------------------------

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| {
            serde_json::Number::from_f64(f).map(Value::Number)
        }),
        text().prop_map(Value::String),
        select(ATTRS).prop_map(Value::from),
        fresh_email().prop_map(Value::String),
    ]
    .boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![3 => select(KEYS).prop_map(str::to_owned), 1 => text()].boxed()
}

fn json_value() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
        .boxed()
}

/// A value of one of `choices` most of the time, anything otherwise.
fn mostly(choices: Vec<Value>) -> BoxedStrategy<Value> {
    prop_oneof![3 => select(choices), 1 => json_value()].boxed()
}

fn user_body() -> BoxedStrategy<Value> {
    let schemas = prop::option::weighted(
        0.85,
        mostly(vec![json!([USER_SCHEMA]), json!([USER_SCHEMA, ENTERPRISE])]),
    );
    let user_name = prop::option::weighted(
        0.9,
        prop_oneof![3 => fresh_email().prop_map(Value::String), 1 => json_value()],
    );
    let name = prop::option::of(prop_oneof![
        (text(), text()).prop_map(|(g, f)| json!({"givenName": g, "familyName": f})),
        json_value(),
    ]);
    let emails = prop::option::of(prop_oneof![
        prop::collection::vec(
            (fresh_email(), leaf(), leaf())
                .prop_map(|(v, t, p)| json!({"value": v, "type": t, "primary": p})),
            0..4
        )
        .prop_map(Value::Array),
        json_value(),
    ]);
    let active = prop::option::of(mostly(vec![json!(true), json!(false), json!("true")]));
    let enterprise = prop::option::of(json_value());
    let extra = prop::collection::vec((key(), json_value()), 0..3);
    (schemas, user_name, name, emails, active, enterprise, extra)
        .prop_map(|(schemas, user_name, name, emails, active, ent, extra)| {
            let mut m = Map::new();
            let mut put = |k: &str, v: Option<Value>| {
                if let Some(v) = v {
                    m.insert(k.to_owned(), v);
                }
            };
            put("schemas", schemas);
            put("userName", user_name);
            put("name", name);
            put("emails", emails);
            put("active", active);
            put(ENTERPRISE, ent);
            for (k, v) in extra {
                m.insert(k, v);
            }
            Value::Object(m)
        })
        .boxed()
}

fn patch_path() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => select(ATTRS).prop_map(Value::from),
        3 => (
            select(ATTRS),
            filter(),
            prop::option::of(select(vec!["value", "type", "display", "bogus"])),
        )
            .prop_map(|(a, f, sub)| {
                let attr = a.split('[').next().unwrap_or(a);
                Value::from(match sub {
                    Some(s) => format!("{attr}[{f}].{s}"),
                    None => format!("{attr}[{f}]"),
                })
            }),
        1 => text().prop_map(Value::String),
        1 => leaf(),
    ]
    .boxed()
}

fn patch_op() -> BoxedStrategy<Value> {
    let op = mostly(
        [
            "add", "replace", "remove", "Add", "REPLACE", "Remove", "delete", "", "move",
        ]
        .iter()
        .map(|s| json!(s))
        .collect(),
    );
    let value = prop_oneof![
        3 => json_value(),
        1 => user_body(),
        1 => prop::collection::vec(leaf(), 0..5).prop_map(Value::Array),
    ];
    (
        prop::option::weighted(0.95, op),
        prop::option::weighted(0.7, patch_path()),
        prop::option::weighted(0.8, value),
        prop::collection::vec((key(), leaf()), 0..2),
    )
        .prop_map(|(op, path, value, extra)| {
            let mut m = Map::new();
            for (k, v) in [("op", op), ("path", path), ("value", value)] {
                if let Some(v) = v {
                    m.insert(k.to_owned(), v);
                }
            }
            for (k, v) in extra {
                m.insert(k, v);
            }
            Value::Object(m)
        })
        .boxed()
}

fn patch_request() -> BoxedStrategy<Value> {
    (
        prop::option::weighted(0.9, mostly(vec![json!([PATCH_SCHEMA])])),
        prop::option::weighted(
            0.95,
            prop_oneof![
                6 => prop::collection::vec(patch_op(), 0..6).prop_map(Value::Array),
                1 => json_value(),
                1 => patch_op(),
            ],
        ),
    )
        .prop_map(|(schemas, ops)| {
            let mut m = Map::new();
            if let Some(s) = schemas {
                m.insert("schemas".to_owned(), s);
            }
            if let Some(o) = ops {
                m.insert("Operations".to_owned(), o);
            }
            Value::Object(m)
        })
        .boxed()
}

fn search_request() -> BoxedStrategy<Value> {
    (
        prop::option::weighted(0.9, mostly(vec![json!([SEARCH_SCHEMA])])),
        prop::option::of(prop_oneof![3 => filter().prop_map(Value::String), 1 => leaf()]),
        prop::option::of(leaf()),
        prop::option::of(leaf()),
        prop::option::of(prop_oneof![
            prop::collection::vec(select(ATTRS).prop_map(Value::from), 0..4).prop_map(Value::Array),
            json_value(),
        ]),
        prop::option::of(leaf()),
        prop::option::of(leaf()),
    )
        .prop_map(
            |(schemas, filter, start, count, attributes, sort_by, sort_order)| {
                let mut m = Map::new();
                for (k, v) in [
                    ("schemas", schemas),
                    ("filter", filter),
                    ("startIndex", start),
                    ("count", count),
                    ("attributes", attributes),
                    ("sortBy", sort_by),
                    ("sortOrder", sort_order),
                ] {
                    if let Some(v) = v {
                        m.insert(k.to_owned(), v);
                    }
                }
                Value::Object(m)
            },
        )
        .boxed()
}

fn filter() -> BoxedStrategy<String> {
    prop_oneof![
        8 => (prop::collection::vec(select(FILTER_TOKENS), 0..12), any::<bool>())
            .prop_map(|(tokens, spaced)| tokens.join(if spaced { " " } else { "" })),
        1 => (1usize..3000)
            .prop_map(|n| format!("{}userName eq \"a\"{}", "(".repeat(n), ")".repeat(n))),
        1 => (1usize..3000)
            .prop_map(|n| format!("{}active pr{}", "not (".repeat(n), ")".repeat(n))),
        1 => (1usize..1000).prop_map(|n| vec!["userName eq \"a\""; n].join(" or ")),
        1 => (1usize..1000).prop_map(|n| {
            format!("emails[{}value pr{}]", "value pr and (".repeat(n), ")".repeat(n))
        }),
        1 => text(),
    ]
    .boxed()
}

// ---- bodies --------------------------------------------------------------------------------

fn serialized() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        3 => json_value(),
        3 => user_body(),
        4 => patch_request(),
        2 => search_request(),
    ]
    .prop_map(|v| serde_json::to_vec(&v).unwrap_or_default())
    .boxed()
}

/// A PatchOp whose `Operations` is `ops`, JSON text as is.
fn patch_op_text(ops: &str) -> String {
    format!(r#"{{"schemas":["{PATCH_SCHEMA}"],"Operations":{ops}}}"#)
}

fn nested() -> BoxedStrategy<Vec<u8>> {
    (1usize..20_000, 0u8..5)
        .prop_map(|(n, kind)| {
            let s = match kind {
                0 => format!("{}{}", "[".repeat(n), "]".repeat(n)),
                1 => format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)),
                2 => "[".repeat(n),
                3 => patch_op_text(&format!(
                    r#"[{{"op":"add","path":"displayName","value":{}1{}}}]"#,
                    "[".repeat(n),
                    "]".repeat(n)
                )),
                _ => format!(
                    r#"{{"schemas":["{USER_SCHEMA}"],"userName":"d@example.com","name":{}{{}}{}}}"#,
                    "{\"givenName\":".repeat(n),
                    "}".repeat(n)
                ),
            };
            s.into_bytes()
        })
        .boxed()
}

fn truncated() -> BoxedStrategy<Vec<u8>> {
    (serialized(), any::<Index>())
        .prop_map(|(mut b, at)| {
            if !b.is_empty() {
                b.truncate(at.index(b.len()));
            }
            b
        })
        .boxed()
}

fn not_utf8() -> BoxedStrategy<Vec<u8>> {
    const BAD: &[&[u8]] = &[
        b"\xff",
        b"\xfe\xff",
        b"\xc0\x80",
        b"\xed\xa0\x80",
        b"\xe2\x82",
        b"\xf4\x90\x80\x80",
        b"\x80",
    ];
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        (select(BAD), fresh_email()).prop_map(|(bad, email)| {
            let mut b =
                format!("{{\"schemas\":[\"{USER_SCHEMA}\"],\"userName\":\"{email}").into_bytes();
            b.extend_from_slice(bad);
            b.extend_from_slice(b"\"}");
            b
        }),
        (select(BAD), serialized(), any::<Index>()).prop_map(|(bad, mut b, at)| {
            let i = if b.is_empty() { 0 } else { at.index(b.len()) };
            b.splice(i..i, bad.iter().copied());
            b
        }),
    ]
    .boxed()
}

/// Bodies of up to a few hundred kB: one huge string, or very many small parts.
fn huge() -> BoxedStrategy<Vec<u8>> {
    (1_000usize..400_000, 0u8..6, fresh_email())
        .prop_map(|(n, kind, email)| {
            let v = match kind {
                0 => json!({"schemas": [USER_SCHEMA], "userName": "x".repeat(n)}),
                1 => json!({
                    "schemas": [USER_SCHEMA],
                    "userName": email,
                    "displayName": "é".repeat(n / 2),
                }),
                2 => patch_body(json!([
                    {"op": "replace", "path": "displayName", "value": "y".repeat(n)}
                ])),
                3 => patch_body(Value::Array(
                    (0..n / 200)
                        .map(|i| json!({"op": "add", "path": "title", "value": format!("t{i}")}))
                        .collect(),
                )),
                4 => json!({
                    "schemas": [USER_SCHEMA],
                    "userName": email,
                    "emails": (0..n / 100)
                        .map(|i| json!({"value": format!("e{i}@example.com"), "type": "work"}))
                        .collect::<Vec<_>>(),
                }),
                _ => json!({
                    "schemas": [SEARCH_SCHEMA],
                    "filter": format!("userName eq \"{}\"", "z".repeat(n)),
                }),
            };
            serde_json::to_vec(&v).unwrap_or_default()
        })
        .boxed()
}

fn body() -> BoxedStrategy<Vec<u8>> {
    const ODD: &[&str] = &[
        "",
        " ",
        "null",
        "[]",
        "{}",
        "\"x\"",
        "1e999999",
        "-",
        "{\"schemas\":null}",
        "{\"Operations\":null}",
        "{\"a\":1,\"a\":2}",
        "\u{feff}{}",
        "{\"userName\":\"\\ud800\"}",
    ];
    const ODD_OPERATIONS: &[&str] = &[
        r#"[{"op":"remove"}]"#,
        r#"[{"op":"replace","value":null}]"#,
        r#"[{"op":"add","path":"emails[type eq \"work\"].value","value":[1,"a",null,{},[]]}]"#,
        r#"[{"op":"remove","path":"emails[value co \"@\"]"},{"op":"add","value":{"emails":1}}]"#,
    ];
    prop_oneof![
        12 => serialized(),
        1 => nested(),
        2 => truncated(),
        1 => not_utf8(),
        1 => huge(),
        1 => select(ODD).prop_map(|s| s.as_bytes().to_vec()),
        1 => select(ODD_OPERATIONS).prop_map(|ops| patch_op_text(ops).into_bytes()),
    ]
    .boxed()
}

// ---- methods, paths, queries, headers ------------------------------------------------------

fn method() -> BoxedStrategy<String> {
    prop_oneof![
        12 => select(vec!["GET", "POST", "PUT", "PATCH", "DELETE"]).prop_map(str::to_owned),
        3 => select(vec!["OPTIONS", "HEAD", "TRACE", "FOO", "get", "PROPFIND", "M-SEARCH"])
            .prop_map(str::to_owned),
        1 => "[A-Z]{1,40}",
    ]
    .boxed()
}

/// `.` and `..` in any spelling would be resolved away by the client (leaving the base).
fn is_dot_segment(s: &str) -> bool {
    let s = s.to_ascii_lowercase().replace("%2e", ".");
    s == "." || s == ".."
}

fn segment() -> BoxedStrategy<String> {
    const PIECES: &[&str] = &[
        "%20",
        "%41",
        "%E2%82%AC",
        "%C3%A9",
        "%FF",
        "%E2%82",
        "%zz",
        "%",
        "%4",
        "%00",
        "%2F",
        "%2f",
        "%25",
        "%3F",
        "%23",
        "%2e",
        "é",
        "日本",
        "💥",
        "~",
        "!",
        "$",
        "&",
        "'",
        "(",
        ")",
        "*",
        "+",
        ",",
        ";",
        "=",
        ":",
        "@",
        "\"",
        "<",
        ">",
        "{",
        "}",
        "|",
        "^",
        "`",
        "[",
        "]",
        " ",
        ".search",
        "Users",
        "..",
    ];
    prop_oneof![
        4 => "[A-Za-z0-9._~-]{1,24}",
        4 => prop::collection::vec(
            prop_oneof![2 => select(PIECES).prop_map(str::to_owned), 1 => "[a-z0-9]{1,8}"],
            1..6,
        )
        .prop_map(|p| p.concat()),
        1 => (256usize..12_000, select(vec!["a", "%41", "é", "%FF", "x%zz"]))
            .prop_map(|(n, p)| p.repeat(n / p.len())),
    ]
    .prop_filter("dot segment", |s| !is_dot_segment(s))
    .boxed()
}

fn lit(s: &str) -> Seg {
    Seg::Lit(s.to_owned())
}

fn path() -> BoxedStrategy<(Vec<Seg>, usize)> {
    let urns = vec![
        USER_SCHEMA,
        ENTERPRISE,
        "urn:ietf:params:scim:schemas:core:2.0:Group",
        "User",
    ];
    let endpoint = prop_oneof![
        4 => Just(vec![lit("Users")]),
        5 => (0..USERS).prop_map(|i| vec![lit("Users"), Seg::User(i)]),
        3 => segment().prop_map(|s| vec![lit("Users"), Seg::Lit(s)]),
        2 => Just(vec![lit("Users"), lit(".search")]),
        1 => Just(vec![lit(".search")]),
        1 => Just(vec![lit("ServiceProviderConfig")]),
        1 => Just(vec![lit("Schemas")]),
        1 => prop_oneof![select(urns).prop_map(str::to_owned), segment()]
            .prop_map(|s| vec![lit("Schemas"), Seg::Lit(s)]),
        1 => Just(vec![lit("ResourceTypes")]),
        1 => prop_oneof![Just("User".to_owned()), segment()]
            .prop_map(|s| vec![lit("ResourceTypes"), Seg::Lit(s)]),
        1 => Just(vec![lit("Groups")]),
        1 => segment().prop_map(|s| vec![lit("Groups"), Seg::Lit(s)]),
        1 => Just(vec![lit("Bulk")]),
        1 => Just(vec![lit("Me")]),
        1 => Just(Vec::new()),
        2 => prop::collection::vec(segment().prop_map(Seg::Lit), 1..4),
        1 => ((0..USERS), segment())
            .prop_map(|(i, s)| vec![lit("Users"), Seg::User(i), Seg::Lit(s)]),
    ];
    (
        endpoint,
        0u8..8,
        prop_oneof![8 => Just(0usize), 2 => Just(1), 1 => 2usize..4],
    )
        .prop_map(|(mut segs, case, trailing)| {
            // Clients are not supposed to, but some do change the case of endpoint names.
            if case == 0 {
                for s in &mut segs {
                    if let Seg::Lit(l) = s {
                        *l = l.to_lowercase();
                    }
                }
            }
            (segs, trailing)
        })
        .boxed()
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn query() -> BoxedStrategy<Option<String>> {
    const COUNTS: &[&str] = &[
        "0",
        "-1",
        "1",
        "1000",
        "1001",
        "99999999999999999999",
        "abc",
        "",
        "1.5",
        "2147483648",
        "-9223372036854775809",
        "1e3",
        " 5",
    ];
    const STARTS: &[&str] = &[
        "0",
        "-5",
        "1",
        "-9223372036854775808",
        "9223372036854775807",
        "18446744073709551616",
        "x",
        "",
        "+1",
    ];
    const RAW: &[&str] = &[
        "%zz", "%FF", "%E2%82", "%", "%%", "%00", "%2", "+", "=", "&&", ";", "%C0%80", "é", "\"",
        " ", "<>", "{}", "|", "filter", "count", "userName", "eq", "%22",
    ];
    let attr_list = prop::collection::vec(select(ATTRS), 0..5).prop_map(|a| a.join(","));
    let param = prop_oneof![
        4 => filter().prop_map(|f| ("filter".to_owned(), f)),
        2 => select(COUNTS).prop_map(|c| ("count".to_owned(), c.to_owned())),
        2 => select(STARTS).prop_map(|c| ("startIndex".to_owned(), c.to_owned())),
        1 => attr_list.clone().prop_map(|a| ("attributes".to_owned(), a)),
        1 => attr_list.prop_map(|a| ("excludedAttributes".to_owned(), a)),
        1 => prop_oneof![select(ATTRS).prop_map(str::to_owned), text()]
            .prop_map(|s| ("sortBy".to_owned(), s)),
        1 => select(vec!["ascending", "descending", "", "up", "ASCENDING"])
            .prop_map(|s| ("sortOrder".to_owned(), s.to_owned())),
        1 => (text(), text()),
    ];
    let raw = prop::collection::vec(
        (
            prop_oneof![select(RAW).prop_map(str::to_owned), "[a-zA-Z]{1,10}"],
            prop::collection::vec(select(RAW), 0..4),
        )
            .prop_map(|(k, v)| format!("{k}={}", v.concat())),
        1..4,
    )
    .prop_map(|p| p.join("&"));
    prop_oneof![
        3 => Just(None),
        5 => prop::collection::vec(param, 1..5).prop_map(|ps| {
            Some(
                ps.iter()
                    .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
                    .collect::<Vec<_>>()
                    .join("&"),
            )
        }),
        1 => raw.prop_map(Some),
    ]
    .boxed()
}

fn header_value() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        3 => "[ -~]{0,40}".prop_map(String::into_bytes),
        1 => prop::collection::vec(prop_oneof![0x20u8..0x7f, 0x80u8..=0xff], 0..40),
        1 => (100usize..8000)
            .prop_map(|n| "W/\"".bytes().chain(std::iter::repeat_n(b'a', n)).collect()),
    ]
    .boxed()
}

fn headers() -> BoxedStrategy<Vec<(String, Vec<u8>)>> {
    const CONTENT_TYPES: &[&str] = &[
        "application/scim+json",
        "application/json",
        "application/scim+json; charset=utf-8",
        "application/json; charset=latin1",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/scim+json; charset=\"",
        "*/*",
        "",
        "application/scim",
        "APPLICATION/SCIM+JSON",
    ];
    const ETAGS: &[&str] = &[
        "*", "W/\"1\"", "\"1\"", "W/\"\"", "garbage", "\"", ",,,", "W/",
    ];
    let content_type = prop_oneof![
        8 => Just(Some("application/scim+json".as_bytes().to_vec())),
        2 => Just(None),
        3 => select(CONTENT_TYPES).prop_map(|c| Some(c.as_bytes().to_vec())),
        1 => header_value().prop_map(Some),
    ]
    .prop_map(|v| v.map(|v| ("Content-Type".to_owned(), v)));
    let other = prop_oneof![
        2 => (
            select(vec!["If-Match", "If-None-Match"]),
            prop_oneof![select(ETAGS).prop_map(|e| e.as_bytes().to_vec()), header_value()],
        )
            .prop_map(|(k, v)| (k.to_owned(), v)),
        1 => (
            select(vec![
                "Accept",
                "Content-Encoding",
                "X-Forwarded-For",
                "User-Agent",
                "Accept-Charset",
                "Prefer",
                "X-HTTP-Method-Override",
                "Range",
                "Origin",
                "Cookie",
            ]),
            header_value(),
        )
            .prop_map(|(k, v)| (k.to_owned(), v)),
        1 => ("x-[a-z]{1,10}", header_value()),
    ];
    (content_type, prop::collection::vec(other, 0..3))
        .prop_map(|(ct, mut rest)| {
            if let Some(ct) = ct {
                rest.insert(0, ct);
            }
            rest
        })
        .boxed()
}

fn auth() -> BoxedStrategy<Auth> {
    const VARIANTS: &[&str] = &[
        "Bearer",
        "Bearer ",
        "Bearer garbage",
        "Basic dXNlcjpwYXNz",
        "bearer {token}",
        "BEARER  {token}  ",
        "Bearer {token}x",
        "Bearer {token} {token}",
        "Token {token}",
        "{token}",
        "Bearer scim_",
    ];
    prop_oneof![
        8 => Just(Auth::Valid),
        3 => Just(Auth::Missing),
        3 => select(VARIANTS).prop_map(|v| Auth::Raw(v.as_bytes().to_vec())),
        2 => header_value().prop_map(Auth::Raw),
    ]
    .boxed()
}

/// Anything: any method on any path with any body.
fn scattered() -> BoxedStrategy<Case> {
    (
        method(),
        path(),
        query(),
        auth(),
        headers(),
        prop::option::weighted(0.7, body()),
    )
        .prop_map(
            |(method, (path, trailing_slashes), query, auth, headers, body)| Case {
                method,
                path,
                trailing_slashes,
                query,
                auth,
                headers,
                body,
            },
        )
        .boxed()
}

/// A request an endpoint takes (a PatchOp to PATCH /Users/{id}, a SearchRequest to .search…)
/// with hostile contents, so most requests get past routing into the handlers.
fn aimed() -> BoxedStrategy<Case> {
    fn mostly_as(kind: BoxedStrategy<Value>) -> BoxedStrategy<Vec<u8>> {
        prop_oneof![
            6 => kind.prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
            1 => body(),
        ]
        .boxed()
    }
    let user = |i: usize| vec![lit("Users"), Seg::User(i)];
    type Aim = (&'static str, Vec<Seg>, Option<String>, Option<Vec<u8>>);
    let aim: BoxedStrategy<Aim> = prop_oneof![
        3 => mostly_as(user_body()).prop_map(|b| ("POST", vec![lit("Users")], None, Some(b))),
        2 => (0..USERS, mostly_as(user_body()))
            .prop_map(move |(i, b)| ("PUT", user(i), None, Some(b))),
        5 => (0..USERS, mostly_as(patch_request()))
            .prop_map(move |(i, b)| ("PATCH", user(i), None, Some(b))),
        3 => query().prop_map(|q| ("GET", vec![lit("Users")], q, None)),
        1 => (0..USERS, query()).prop_map(move |(i, q)| ("GET", user(i), q, None)),
        2 => (
            prop_oneof![
                Just(vec![lit("Users"), lit(".search")]),
                Just(vec![lit(".search")]),
            ],
            mostly_as(search_request()),
        )
            .prop_map(|(p, b)| ("POST", p, None, Some(b))),
        1 => (0..USERS).prop_map(move |i| ("DELETE", user(i), None, None)),
    ]
    .boxed();
    (
        aim,
        prop_oneof![6 => Just(0usize), 1 => Just(1)],
        auth(),
        headers(),
    )
        .prop_map(
            |((method, path, query, body), trailing_slashes, auth, headers)| Case {
                method: method.to_owned(),
                path,
                trailing_slashes,
                query,
                auth,
                headers,
                body,
            },
        )
        .boxed()
}

fn case() -> BoxedStrategy<Case> {
    prop_oneof![scattered(), aimed()].boxed()
}

// ---- sending and judging -------------------------------------------------------------------

enum Sent {
    /// The client could not express the request (an invalid method or URL); nothing was sent.
    Unsendable,
    /// The connection closed or was reset before the whole answer arrived.
    Dropped(String),
    Answered {
        url: Url,
        status: u16,
        content_type: String,
        body: Vec<u8>,
    },
}

async fn send(
    client: &reqwest::Client,
    s: &TestServer,
    ids: &[String],
    case: &Case,
) -> Result<Sent, String> {
    let Ok(url) = Url::parse(&format!("{}{}", s.root, case.target(ids))) else {
        return Ok(Sent::Unsendable);
    };
    let Ok(method) = Method::from_bytes(case.method.as_bytes()) else {
        return Ok(Sent::Unsendable);
    };
    let mut req = client
        .request(method, url.clone())
        .header("User-Agent", OKTA_UA);
    let auth = match &case.auth {
        Auth::Valid => Some(s.bearer().into_bytes()),
        Auth::Missing => None,
        Auth::Raw(v) => Some(match std::str::from_utf8(v) {
            Ok(text) => text.replace(TOKEN, &s.token).into_bytes(),
            Err(_) => v.clone(),
        }),
    };
    if let Some(v) = auth.and_then(|a| HeaderValue::from_bytes(&a).ok()) {
        req = req.header("Authorization", v);
    }
    for (k, v) in &case.headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_bytes(v),
        ) {
            req = req.header(k, v);
        }
    }
    if let Some(b) = &case.body {
        req = req.body(b.clone());
    }
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) if e.is_builder() => return Ok(Sent::Unsendable),
        Err(e) if e.is_timeout() => return Err(format!("no answer within 60 s: {e:?}")),
        Err(e) => return Ok(Sent::Dropped(format!("no answer: {e:?}"))),
    };
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let body = match resp.bytes().await {
        Ok(b) => b.to_vec(),
        Err(e) if e.is_timeout() => {
            return Err(format!("HTTP {status}, then no body within 60 s: {e:?}"))
        }
        Err(e) => {
            return Ok(Sent::Dropped(format!(
                "HTTP {status}, then the connection broke: {e:?}"
            )))
        }
    };
    Ok(Sent::Answered {
        url,
        status,
        content_type,
        body,
    })
}

/// Endpoints RFC 7644 answers with 501 when the server does not offer them.
fn unsupported_endpoint(path: &str) -> bool {
    let p = path.trim_end_matches('/').to_ascii_lowercase();
    p == "/scim/v2/bulk" || p == "/scim/v2/me"
}

/// What is wrong with the answer, if anything.
fn judge(method: &str, url: &Url, status: u16, content_type: &str, body: &[u8]) -> Option<String> {
    if status >= 500 && !(status == 501 && unsupported_endpoint(url.path())) {
        return Some(format!("a server error ({status})"));
    }
    if status < 400 || status == 304 || method == "HEAD" {
        return None;
    }
    if !content_type.starts_with("application/scim+json") {
        return Some(format!(
            "an error with Content-Type {content_type:?}, not application/scim+json"
        ));
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Some("an error whose body is not JSON".to_owned());
    };
    let is_error = v["schemas"]
        .as_array()
        .is_some_and(|s| s.iter().any(|x| x == ERROR_SCHEMA));
    if !is_error {
        return Some("an error without the Error schema".to_owned());
    }
    if v["status"] != Value::String(status.to_string()) {
        return Some(format!(
            "an Error whose status is {} for HTTP {status}",
            v["status"]
        ));
    }
    if v["detail"].as_str().is_none_or(|d| d.trim().is_empty()) {
        return Some("an Error without a detail".to_owned());
    }
    None
}

async fn create_user(s: &TestServer) -> String {
    let (status, _h, body) = s
        .post(
            "/Users",
            &okta_user_body(
                &format!("fuzz.{}@example.com", okta_id()),
                "Fuzz",
                "Target",
                &okta_id(),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body:#}");
    body["id"].as_str().expect("id").to_owned()
}

fn cases_wanted() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000)
}

/// Panics on the runtime's threads (where the server's handlers run): a handler that panics
/// only drops its connection, which the client could mistake for a network problem.
static SERVER_PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());
const SERVER_THREADS: &str = "fuzzed-server";

fn watch_server_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some(SERVER_THREADS) {
            SERVER_PANICS
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(info.to_string());
        }
        default(info);
    }));
}

#[test]
fn hostile_requests_get_scim_errors_and_never_a_server_error() {
    watch_server_panics();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(SERVER_THREADS)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let s = rt.block_on(TestServer::start("full"));
    rt.block_on(s.core.set_setting("guard", "off"))
        .expect("turn the guard off");
    let ids = RefCell::new(rt.block_on(async {
        let mut ids = Vec::new();
        for _ in 0..USERS {
            ids.push(create_user(&s).await);
        }
        ids
    }));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("reqwest client");

    let cases = cases_wanted();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 400,
        ..Config::default()
    });
    let statuses = RefCell::new(BTreeMap::<u16, u32>::new());
    let unsendable = Cell::new(0u32);
    let first_failure = Cell::new(true);
    let started = Instant::now();

    let result = runner.run(&case(), |c| {
        let current = ids.borrow().clone();
        let sent = rt.block_on(send(&client, &s, &current, &c));
        let request = c.render(&current);
        let mut problem = match sent {
            Err(e) => Some(e),
            Ok(Sent::Unsendable) => {
                unsendable.set(unsendable.get() + 1);
                None
            }
            Ok(Sent::Dropped(e)) => Some(e),
            Ok(Sent::Answered {
                url,
                status,
                content_type,
                body,
            }) => {
                *statuses.borrow_mut().entry(status).or_default() += 1;
                // A deleted user is replaced, so later requests still find someone to change.
                if let (Some(slot), true) = (c.user_slot(), status == 204) {
                    if c.method == "DELETE" {
                        ids.borrow_mut()[slot] = rt.block_on(create_user(&s));
                    }
                }
                judge(&c.method, &url, status, &content_type, &body).map(|what| {
                    format!(
                        "{what}\nresponse: HTTP {status}, Content-Type {content_type:?}, body: {}",
                        clip(&String::from_utf8_lossy(&body), 2000)
                    )
                })
            }
        };
        let panics = std::mem::take(&mut *SERVER_PANICS.lock().unwrap_or_else(|e| e.into_inner()));
        if !panics.is_empty() {
            problem = Some(format!("the server panicked: {panics:#?}"));
        }
        match problem {
            None => Ok(()),
            Some(p) => {
                let msg = format!("{p}\nrequest:\n{request}");
                if first_failure.replace(false) {
                    eprintln!("first failing request, before shrinking:\n{msg}\n");
                }
                Err(TestCaseError::fail(msg))
            }
        }
    });
    let elapsed = started.elapsed();
    eprintln!(
        "{} requests answered ({cases} cases, shrinking included) in {elapsed:.1?}; {} not \
         expressible by the client; statuses: {:?}",
        statuses.borrow().values().sum::<u32>(),
        unsendable.get(),
        statuses.borrow()
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, case)) => {
            panic!("{why}\n\nshrunk request:\n{case:?}")
        }
        Err(TestError::Abort(why)) => panic!("the run was aborted: {why}"),
    }
    assert!(
        unsendable.get() < cases / 10,
        "too many generated requests could not be sent: {}",
        unsendable.get()
    );
    let (status, headers, body) = rt.block_on(s.get("/ServiceProviderConfig"));
    assert_eq!(status, 200, "the server still serves: {body:#}");
    assert_scim_json(&headers, "GET /ServiceProviderConfig");
}

// ---- found by fuzzing ----------------------------------------------------------------------

/// Reads until `responses` HTTP responses have begun, the peer closes or resets the
/// connection, or 10 s pass; returns what arrived.
async fn read_responses(conn: &mut (impl AsyncRead + Unpin), responses: usize) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = String::from_utf8_lossy(&out).into_owned();
        if text.matches("HTTP/1.1 ").count() >= responses {
            return text;
        }
        match tokio::time::timeout_at(deadline, conn.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => out.extend_from_slice(&buf[..n]),
            _ => return text,
        }
    }
}

/// A client may send a body the server answers without reading: a POST with a revoked token,
/// a PUT to an unknown endpoint, a GET with a body. The server must then either read the
/// body and keep the connection usable, or announce `Connection: close`; closing it silently
/// makes the client's next request on it fail with no answer (and, with bytes left unread,
/// the kernel resets the connection, which can destroy the answer itself; hyper does not
/// drain bodies on its own, see hyperium/hyper#3944).
///
/// The body comes in two parts, the second after the server has had time to answer, as it
/// does from a client on a real network.
#[tokio::test]
async fn unread_request_bodies_do_not_break_the_connection() {
    let s = TestServer::start("full").await;
    let addr = s.root.trim_start_matches("http://").to_owned();
    for (what, head_line, auth) in [
        (
            "a POST with an invalid token",
            "POST /scim/v2/Users",
            "Bearer wrong".to_owned(),
        ),
        (
            "a PUT to an unknown endpoint",
            "PUT /scim/v2/Nothing",
            s.bearer(),
        ),
        ("a POST to /Me", "POST /scim/v2/Me", s.bearer()),
        (
            "a GET with a body",
            "GET /scim/v2/Users?count=1",
            s.bearer(),
        ),
    ] {
        let body =
            serde_json::to_vec(&json!({"schemas": [USER_SCHEMA], "userName": "u".repeat(200_000)}))
                .expect("serialise");
        let mut conn = TcpStream::connect(&addr).await.expect("connect");
        let head = format!(
            "{head_line} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n\
             Content-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        conn.write_all(head.as_bytes())
            .await
            .expect("write the head");
        conn.write_all(&body[..1000])
            .await
            .expect("write the start of the body");
        let (mut rd, mut wr) = conn.into_split();
        let rest = body[1000..].to_vec();
        let next = format!(
            "GET /scim/v2/ServiceProviderConfig HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\r\n",
            s.bearer()
        );
        let writer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            // A failure here shows in what the reader gets.
            let _ = wr.write_all(&rest).await;
            let _ = wr.write_all(next.as_bytes()).await;
            wr
        });
        let answer = read_responses(&mut rd, 2).await;
        let _ = writer.await;
        let first = answer.split("HTTP/1.1 ").nth(1).unwrap_or("");
        let announced_close = first.to_ascii_lowercase().contains("connection: close");
        let second_served = answer
            .split("HTTP/1.1 ")
            .nth(2)
            .is_some_and(|r| r.starts_with("200"));
        assert!(
            announced_close || second_served,
            "after {what}, the connection was closed without `Connection: close`: the next \
             request on it got no answer. Received:\n{}",
            clip(&answer, 3000)
        );
    }
}
