//! What a PATCH costs: the engine itself with its limits raised out of the way, and refusing
//! oversized requests with the default limits.
//!
//! `cargo bench -p scim-protocol --bench patch_cost`; `--quick` or `SMOKE=1` runs tiny sizes,
//! as does `cargo test --all-targets`, which runs it without `--bench`.
//! Each figure is the best of a few runs of parsing and applying, the resource already loaded.

use std::hint::black_box;
use std::time::{Duration, Instant};

use scim_protocol::patch;
use scim_protocol::schema::{user_schema, Limits, ResourceSchema};
use serde_json::{json, Map, Value};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn main() {
    // `cargo test --all-targets` runs benchmarks without `--bench`: then a quick smoke run.
    let quick = !std::env::args().any(|a| a == "--bench")
        || std::env::args().any(|a| a == "--quick")
        || std::env::var("SMOKE").is_ok_and(|v| v == "1");
    // Sizes in quick mode are a hundredth; the refusals keep their sizes, which are cheap.
    let n = |full: usize| if quick { full / 100 } else { full };
    let runs = 5;

    let defaults = schema();
    let mut raised = schema();
    raised.limits = Limits {
        max_operations: usize::MAX,
        max_values: usize::MAX,
    };

    let small = replaces(n(1_000));
    let large = replaces(n(10_000));
    let t_small = best(runs, || engine(&raised, &user(10), &small));
    let t_large = best(runs, || engine(&raised, &user(10), &large));
    report(&format!("replace x{} operations", n(1_000)), t_small);
    report(&format!("replace x{} operations", n(10_000)), t_large);
    report_ratio("  ratio (10x the operations)", t_large, t_small);

    let add_small = add_phones(n(1_000)..n(5_000));
    let add_large = add_phones(n(10_000)..n(50_000));
    let t_small = best(runs, || engine(&raised, &user(n(1_000)), &add_small));
    let t_large = best(runs, || engine(&raised, &user(n(10_000)), &add_large));
    report(
        &format!("add {} phoneNumbers onto {}", n(4_000), n(1_000)),
        t_small,
    );
    report(
        &format!("add {} phoneNumbers onto {}", n(40_000), n(10_000)),
        t_large,
    );
    report_ratio("  ratio (10x the values; linear is ~10)", t_large, t_small);
    // Going from 5,000 to 50,000 values outgrows the CPU caches, which alone inflates the
    // ratio above; one more step of ten shows how the engine itself scales.
    let add_huge = add_phones(n(100_000)..n(500_000));
    let t_huge = best(3, || engine(&raised, &user(n(100_000)), &add_huge));
    report(
        &format!("add {} phoneNumbers onto {}", n(400_000), n(100_000)),
        t_huge,
    );
    report_ratio("  ratio (10x the values again)", t_huge, t_large);

    let filters = retype_by_filter(n(2_000), n(10_000));
    let t = best(3, || engine(&raised, &user(n(10_000)), &filters));
    report(
        &format!(
            "{} value-filter replaces on {} phoneNumbers",
            n(2_000),
            n(10_000)
        ),
        t,
    );

    let too_many = replaces(10_000);
    let t = best(runs, || {
        timed(|| {
            let refused = patch::parse(&too_many);
            assert!(refused.is_err(), "10,000 operations must be refused");
            black_box(refused).ok();
        })
    });
    report("refuse 10000 operations (default limits)", t);

    let too_large = add_phones(1_000..41_000);
    let start = user(1_000);
    let t = best(runs, || {
        let mut data = start.clone();
        timed(|| {
            let refused =
                patch::parse(&too_large).and_then(|ops| patch::apply(&defaults, &mut data, &ops));
            assert!(refused.is_err(), "40,000 values must be refused");
            black_box(refused).ok();
        })
    });
    report("refuse adding 40000 phoneNumbers (default limits)", t);
}

fn schema() -> ResourceSchema {
    user_schema("pantherRole", &["Admin".to_owned(), "Viewer".to_owned()])
}

fn phone(i: usize) -> Value {
    json!({"value": format!("+1 555 {i:07}"), "type": "work"})
}

/// A user in canonical form holding `phones` phone numbers.
fn user(phones: usize) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("userName".into(), json!("jane@example.com"));
    data.insert(
        "name".into(),
        json!({"givenName": "Jane", "familyName": "Doe"}),
    );
    data.insert(
        "emails".into(),
        json!([{"value": "jane@example.com", "type": "work", "primary": true}]),
    );
    if phones > 0 {
        data.insert(
            "phoneNumbers".into(),
            Value::Array((0..phones).map(phone).collect()),
        );
    }
    data
}

fn body(ops: Vec<Value>) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

/// `n` replace operations of the shapes Okta and Entra send, cycling.
fn replaces(n: usize) -> Value {
    body(
        (0..n)
            .map(|i| match i % 5 {
                0 => json!({"op": "replace", "path": "displayName", "value": format!("Jane {i}")}),
                1 => json!({"op": "Replace", "path": "name.givenName", "value": format!("J{i}")}),
                2 => json!({"op": "replace", "path": "active", "value": "True"}),
                3 => json!({
                    "op": "replace",
                    "path": "emails[type eq \"work\"].value",
                    "value": format!("jane{i}@example.com")
                }),
                _ => json!({"op": "replace", "value": {"title": format!("Title {i}")}}),
            })
            .collect(),
    )
}

/// One `add` of the phone numbers numbered `range`.
fn add_phones(range: std::ops::Range<usize>) -> Value {
    let phones: Vec<Value> = range.map(phone).collect();
    body(vec![
        json!({"op": "add", "path": "phoneNumbers", "value": phones}),
    ])
}

/// `n` operations each retyping one of `held` phone numbers found by a value filter.
fn retype_by_filter(n: usize, held: usize) -> Value {
    body(
        (0..n)
            .map(|i| {
                let target = (i * 7_919) % held.max(1);
                json!({
                    "op": "replace",
                    "path": format!("phoneNumbers[value eq \"+1 555 {target:07}\"].type"),
                    "value": "home"
                })
            })
            .collect(),
    )
}

/// Parses and applies `body` to a copy of `start`; the copy is made before the clock starts.
fn engine(schema: &ResourceSchema, start: &Map<String, Value>, body: &Value) -> Duration {
    let mut data = start.clone();
    let began = Instant::now();
    let ops = patch::parse_with(body, usize::MAX).expect("parses");
    let outcome = patch::apply(schema, &mut data, &ops).expect("applies");
    let took = began.elapsed();
    black_box((outcome, data));
    took
}

/// The shortest of `runs` measurements.
fn best(runs: usize, mut measure: impl FnMut() -> Duration) -> Duration {
    (0..runs.max(1))
        .map(|_| measure())
        .min()
        .unwrap_or_default()
}

fn timed(f: impl FnOnce()) -> Duration {
    let began = Instant::now();
    f();
    began.elapsed()
}

fn report(name: &str, took: Duration) {
    println!("{name:<56} {:>10.3} ms", took.as_secs_f64() * 1e3);
}

fn report_ratio(name: &str, large: Duration, small: Duration) {
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-9);
    println!("{name:<56} {ratio:>10.1} x");
}
