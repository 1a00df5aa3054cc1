//! Activity and Health benchmark: what the console's investigation views cost on a full event
//! log (200,000 entries, the default retention), on a real SQLite file.
//!
//! - the first Health (and guide) view folds the whole log into the evidence once; later views
//!   read only the entries written since;
//! - an Activity page (300 entries and the count that matches), with and without filters, and
//!   a page deep in the past (keyset paging);
//! - one entry's detail with its bodies, and exporting the whole log to CSV.
//!
//! Run with `cargo bench -p scim-console-core --bench activity` (BENCH_EVENTS sets the log's
//! size). Not a test: the figures go into the README. `cargo test --all-targets` runs it
//! without `--bench`: then it is a quick smoke run on a small log that checks the answers.

mod common;

use std::time::Instant;

use common::time;

use scim_console_core::console::EventsQuery;
use scim_console_core::embedded::{self, StartOptions};
use scim_store::{AttrChange, NewEvent, Permission};
use serde_json::json;

/// Entry `i` of a week of Okta traffic: lookups, pushes, deactivations, refused roles, 404s.
fn entry(i: u64, n: u64, token_id: i64) -> NewEvent {
    let now = chrono::Utc::now();
    let minutes_ago = (n - i) * 7 * 24 * 60 / n;
    let user = format!("user{:05}@example.com", i % 20_000);
    let id = format!("{:08x}-0000-4000-8000-{:012x}", i % 20_000, i % 20_000);
    let mut e = NewEvent {
        at: scim_store::format_time(now - chrono::Duration::minutes(minutes_ago as i64)),
        token_name: Some("okta-prod".into()),
        token_id: Some(token_id),
        client: Some("Okta SCIM Client 1.0.0".into()),
        method: "GET".into(),
        path: format!("/scim/v2/Users?filter=userName%20eq%20%22{user}%22&startIndex=1&count=100"),
        status: 200,
        latency_us: 1200,
        resource_type: Some("User".into()),
        user_name: Some(user.clone()),
        address: Some("3.33.143.60".into()),
        count: 1,
        ..NewEvent::default()
    };
    let change = |p: &str, o: serde_json::Value, n: serde_json::Value| AttrChange {
        path: p.into(),
        old: Some(o),
        new: Some(n),
    };
    match i % 100 {
        0..=69 => {
            e.response_body = Some(format!(
                "{{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],\"totalResults\":1,\"Resources\":[{{\"id\":\"{id}\",\"userName\":\"{user}\"}}]}}"
            ));
        }
        70..=89 => {
            e.method = "PUT".into();
            e.path = format!("/scim/v2/Users/{id}");
            e.resource_id = Some(id);
            e.diff = vec![change("title", json!("Analyst"), json!("Senior Analyst"))];
            e.request_body = Some(
                json!({"userName": user, "title": "Senior Analyst", "password": "[redacted]"})
                    .to_string(),
            );
        }
        90..=94 => {
            e.method = "PATCH".into();
            e.path = format!("/scim/v2/Users/{id}");
            e.resource_id = Some(id);
            e.diff = vec![change("active", json!(true), json!(false))];
        }
        95..=97 => {
            e.method = "PATCH".into();
            e.path = format!("/scim/v2/Users/{id}");
            e.resource_id = Some(id);
            e.status = 400;
            e.role = Some(format!("Role{}", i % 7));
            e.error = Some("'Role' is not a valid pantherRole".into());
        }
        _ => {
            e.method = "PUT".into();
            e.path = format!("/scim/v2/Users/{id}");
            e.resource_id = Some(id);
            e.user_name = None;
            e.status = 404;
            e.error = Some("no such user".into());
        }
    }
    e
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let n: u64 = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { 200_000 } else { 5_000 });
    let runs = if bench { 5 } else { 1 };
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db").to_string_lossy().into_owned();

    // The log, written as the server writes it (bounded entries, batches of 64 per statement).
    let core = scim_server::core::Core::new(scim_store::open(&db).await.expect("store"))
        .await
        .expect("core");
    let (token, _) = core
        .create_token("okta-prod", Permission::UserModify, None)
        .await
        .expect("token");
    drop(core);
    let store = scim_store::open(&db).await.expect("store");
    let t = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(5000) {
        let events: Vec<NewEvent> = chunk.iter().map(|&i| entry(i, n, token.id)).collect();
        store.append_events(&events).await.expect("append");
    }
    let write_s = t.elapsed().as_secs_f64();
    drop(store);

    let (c, serve) = embedded::start(StartOptions {
        demo: false,
        db: Some(db.clone()),
        listen: Some("127.0.0.1:0".to_owned()),
        history: false,
    })
    .await
    .expect("start the console");
    tokio::spawn(serve);

    println!("Activity and Health on a log of {n} entries (written in {write_s:.1} s)");
    let t = Instant::now();
    let h = c.health().await.expect("health");
    let first_health = t.elapsed().as_secs_f64() * 1000.0;
    assert!(
        h.findings.iter().any(|f| f.code == "refused_role"),
        "{:?}",
        h.findings
    );
    assert!(h.findings.iter().any(|f| f.code == "missing_users"));
    println!("  first Health view (folds the whole log): {first_health:.0} ms");
    let (ms, _) = time(runs, async || c.health().await.expect("health")).await;
    println!("  next Health view (nothing new): {ms:.1} ms");
    let (ms, v) = time(runs, async || c.onboarding().await.expect("guide")).await;
    assert_eq!(v.verified_by.as_deref(), Some("okta-prod"));
    println!("  guide view: {ms:.1} ms");

    let page = |q: EventsQuery| {
        let c = c.clone();
        async move { c.events_page(q).await.expect("page") }
    };
    let q = |f: fn(&mut EventsQuery)| {
        let mut q = EventsQuery {
            limit: Some(300),
            ..Default::default()
        };
        f(&mut q);
        q
    };
    let (ms, p) = time(runs, async || page(q(|_| {})).await).await;
    assert_eq!((p.rows.len(), p.total), (300.min(n as usize), n));
    println!("  Activity page (300 of {}): {ms:.1} ms", p.total);
    let (ms, p) = time(runs, async || page(q(|q| q.hide_reads = Some(true))).await).await;
    println!("  … hide reads ({} match): {ms:.1} ms", p.total);
    let (ms, p) = time(runs, async || page(q(|q| q.errors_only = Some(true))).await).await;
    println!("  … errors only ({} match): {ms:.1} ms", p.total);
    let (ms, p) = time(runs, async || {
        page(q(|q| q.user = Some("user00042@".into()))).await
    })
    .await;
    assert!(p.total > 0);
    println!("  … one user ({} match): {ms:.1} ms", p.total);
    let since = scim_store::format_time(chrono::Utc::now() - chrono::Duration::hours(1));
    let (ms, p) = time(runs, async || {
        let mut qq = q(|_| {});
        qq.since = Some(since.clone());
        page(qq).await
    })
    .await;
    println!("  … last hour ({} match): {ms:.1} ms", p.total);
    let middle = (n / 2) as i64;
    let (ms, p) = time(runs, async || {
        let mut qq = q(|_| {});
        qq.before_id = Some(middle);
        page(qq).await
    })
    .await;
    assert!(p.rows.last().is_some_and(|r| r.record.id < middle));
    println!("  an older page, half-way back: {ms:.1} ms");
    // A profile push (its request body kept), half-way back.
    let push = (n / 2 / 100 * 100 + 72) as i64;
    let (ms, d) = time(runs, async || c.event_detail(push).await.expect("detail")).await;
    assert!(d.record.event.request_body.is_some() || d.record.event.response_body.is_some());
    println!("  one entry with its bodies: {ms:.2} ms");
    let out = dir.path().join("exports");
    let t = Instant::now();
    let x = c
        .export_events(
            EventsQuery::default(),
            scim_console_core::export::ExportFormat::Csv,
            &out,
        )
        .await
        .expect("export");
    assert_eq!(x.rows, n);
    let size = std::fs::metadata(&x.path).map(|m| m.len()).unwrap_or(0);
    println!(
        "  export of all {} entries to CSV: {:.0} ms, {:.1} MB",
        x.rows,
        t.elapsed().as_secs_f64() * 1000.0,
        size as f64 / 1e6
    );
    c.shutdown().await;
}
