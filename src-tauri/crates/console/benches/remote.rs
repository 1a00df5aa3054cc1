//! Remote console benchmark: what the console's views cost when the server is reached over its
//! admin API instead of in-process, and how soon a change made on that server reaches a
//! connected console over the live stream.
//!
//! - the same Users page (200 rows, sorted by the last change), a filtered page, the Health
//!   view and an Activity page, from the embedded console and from a console connected to the
//!   same server over HTTP on 127.0.0.1 (the ratio is the cost of the admin API);
//! - a user created by SCIM → the connected console told of it (the stream's latency).
//!
//! Run with `cargo bench -p scim-console-core --bench remote` (BENCH_USERS sets the number of
//! users). Not a test: the figures go into the README. `cargo test --all-targets` runs it
//! without `--bench`: then it is a quick smoke run that checks both consoles agree.

mod common;

use std::time::{Duration, Instant};

use common::{median, p95, time};

use scim_console_core::console::{EventsQuery, UserSort, UsersQuery};
use scim_console_core::embedded::{self, StartOptions};
use scim_store::Permission;
use serde_json::json;

fn page(filter: Option<&str>) -> UsersQuery {
    UsersQuery {
        text: None,
        filter: filter.map(str::to_owned),
        offset: 0,
        limit: 200,
        sort: Some(UserSort::LastModified),
        descending: Some(true),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let n: u64 = std::env::var("BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { 100_000 } else { 500 });
    let runs = if bench { 21 } else { 3 };
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db").to_string_lossy().into_owned();
    // The users, written as the command line's bulk load writes them.
    let store = scim_store::open(&db).await.expect("store");
    let core = scim_server::core::Core::new(store.clone())
        .await
        .expect("core");
    core.set_setting("provisioning", "full")
        .await
        .expect("full");
    core.set_setting("rate-limit", "off")
        .await
        .expect("no limit");
    let (_, admin) = core
        .create_token("support", Permission::Admin, None)
        .await
        .expect("admin token");
    let (_, okta) = core
        .create_token("okta", Permission::UserModify, None)
        .await
        .expect("token");
    let mut i = 0;
    while i < n {
        let end = (i + 10_000).min(n);
        // One in ten inactive: "who is inactive" has answers.
        let users = (i..end)
            .map(|k| {
                let mut u = scim_server::demo::numbered_user(k);
                if k % 10 == 0 {
                    u.data.insert("active".into(), json!(false));
                }
                u
            })
            .collect();
        store.bulk_insert_users(users).await.expect("users");
        i = end;
    }
    drop((core, store));
    let (c, serve) = embedded::start(StartOptions {
        demo: false,
        db: Some(db),
        listen: Some("127.0.0.1:0".to_owned()),
        history: false,
    })
    .await
    .expect("start the server");
    tokio::spawn(serve);
    let r = scim_console_core::remote::connect(&c.base_url, &admin)
        .await
        .expect("connect");

    println!("Remote console on a server of {n} users (medians of {runs})");
    let mut ratios = Vec::new();
    for (what, filter) in [
        ("Users page (200, last change first)", None),
        (
            "Users page, inactive ones (active eq false)",
            Some("active eq false"),
        ),
        (
            "Users page, active Admins",
            Some(r#"active eq true and pantherRole eq "Admin""#),
        ),
    ] {
        let (local, a) = time(runs, async || {
            c.list_users(page(filter)).await.expect("local")
        })
        .await;
        let (remote, b) = time(runs, async || {
            r.list_users(page(filter)).await.expect("remote")
        })
        .await;
        assert_eq!(a.total, b.total, "{what}: both consoles agree");
        assert_eq!(
            a.rows.iter().map(|r| &r.id).collect::<Vec<_>>(),
            b.rows.iter().map(|r| &r.id).collect::<Vec<_>>(),
            "{what}: the same rows"
        );
        println!("  {what}: embedded {local:.2} ms, remote {remote:.2} ms");
        ratios.push(remote / local.max(0.001));
    }
    let (local, _) = time(runs, async || c.health().await.expect("health")).await;
    let (remote, _) = time(runs, async || r.health().await.expect("health")).await;
    println!("  Health view: embedded {local:.2} ms, remote {remote:.2} ms");
    let q = || EventsQuery {
        limit: Some(300),
        ..Default::default()
    };
    let (local, _) = time(runs, async || c.events_page(q()).await.expect("activity")).await;
    let (remote, _) = time(runs, async || r.events_page(q()).await.expect("activity")).await;
    println!("  Activity page (300): embedded {local:.2} ms, remote {remote:.2} ms");

    // A change made on the server, told to the connected console over the stream.
    let link = r.remote.as_ref().expect("remote").link.clone();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !link.borrow().live {
        assert!(Instant::now() < deadline, "the stream never came up");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let client = scim_client::okta::client(&c.base_url, &okta).expect("client");
    let mut told = r.external.subscribe();
    let mut latencies = Vec::new();
    for k in 0..runs {
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("stream{k}@example.com"), "active": true});
        let t = Instant::now();
        let x = client
            .send("POST".parse().unwrap(), "/Users", Some(body))
            .await
            .expect("create");
        assert_eq!(x.status, 201);
        tokio::time::timeout(Duration::from_secs(10), told.recv())
            .await
            .expect("told of the change")
            .expect("a notice");
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        // Notices of the same change (none expected) are not counted for the next one.
        while told.try_recv().is_ok() {}
    }
    println!(
        "  SCIM POST → connected console told: p50 {:.1} ms, p95 {:.1} ms",
        median(latencies.clone()),
        p95(latencies)
    );
    let ratios: Vec<String> = ratios.iter().map(|r| format!("{r:.1}")).collect();
    println!(
        "  remote/embedded ratio of the Users pages: {}",
        ratios.join(", ")
    );
}
