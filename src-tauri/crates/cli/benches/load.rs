//! Load benchmark: the release `scim-console` server over HTTP with 100,000 users in SQLite.
//!
//! Run with `cargo bench -p scim-console-cli --bench load` (options through environment
//! variables: BENCH_USERS, BENCH_SECONDS, BENCH_CONCURRENCY). It seeds a fresh database,
//! starts the real server binary on 127.0.0.1:0, drives it from this process and prints
//! throughput and latency per request kind, the ratios the targets are stated in, and the
//! server's peak memory (VmHWM). Not a test: the figures go into the README.
//!
//! `cargo test --all-targets` runs it too, without `--bench`: then it is a quick smoke run
//! (2,000 users, one second per kind) that only checks every request succeeds.

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use scim_server::core::Core;
use support::{env_num, quantile, Server};

/// A 200 whose body was read completely.
async fn read_ok(r: reqwest::Result<reqwest::Response>) -> bool {
    match r {
        Ok(r) if r.status() == 200 => r.bytes().await.is_ok(),
        _ => false,
    }
}

struct Stats {
    name: &'static str,
    requests: u64,
    errors: u64,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Stats {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
}

/// Runs `make` from `concurrency` workers for `seconds`, measuring every request.
async fn phase<F, Fut>(name: &'static str, seconds: u64, concurrency: u64, make: F) -> Stats
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let make = Arc::new(make);
    let counter = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (make, counter, errors) = (make.clone(), counter.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                if !make(n).await {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| quantile(&all, p);
    Stats {
        name,
        requests: all.len() as u64,
        errors: errors.load(Ordering::Relaxed),
        seconds: elapsed,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let users = env_num("BENCH_USERS", if smoke { 2_000 } else { 100_000 });
    let seconds = env_num("BENCH_SECONDS", if smoke { 1 } else { 10 });
    let concurrency = env_num("BENCH_CONCURRENCY", 16);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    let db_str = db.to_string_lossy().into_owned();

    let t = Instant::now();
    let token = {
        let store = scim_store::open(&db_str).await.expect("open store");
        let core = Core::new(store.clone()).await.expect("core");
        let mut i = 0;
        while i < users {
            let end = (i + 10_000).min(users);
            store
                .bulk_insert_users((i..end).map(scim_server::demo::numbered_user).collect())
                .await
                .expect("seed");
            i = end;
        }
        support::prepare(&core).await
    };
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "seeded {users} users in {:.1} s ({:.0} MB database)",
        t.elapsed().as_secs_f64(),
        size as f64 / 1e6
    );

    let server = Server::start(&db_str).await;
    let idle_rss = server.peak_rss_kib().unwrap_or(0);

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");
    let auth = format!("Bearer {token}");
    let base = Arc::new(server.base.clone());
    let mk = |c: &reqwest::Client| (c.clone(), base.clone(), auth.clone());

    let mut results = Vec::new();
    let (c, b, a) = mk(&client);
    results.push(
        phase(
            "GET /ServiceProviderConfig",
            seconds,
            concurrency,
            move |_| {
                let (c, b, a) = (c.clone(), b.clone(), a.clone());
                // Parsed and checked like the other responses, so the client does comparable work.
                async move {
                    match c
                        .get(format!("{b}/ServiceProviderConfig"))
                        .header("Authorization", a)
                        .send()
                        .await
                    {
                        Ok(r) if r.status() == 200 => r
                            .json::<Value>()
                            .await
                            .is_ok_and(|v| v["patch"]["supported"] == true),
                        _ => false,
                    }
                }
            },
        )
        .await,
    );
    let (c, b, a) = mk(&client);
    results.push(
        phase("GET /Users?filter=userName eq", seconds, concurrency, move |n| {
            let (c, b, a) = (c.clone(), b.clone(), a.clone());
            let i = (n.wrapping_mul(2_654_435_761)) % users;
            async move {
                let url = format!("{b}/Users?filter=userName%20eq%20%22user{i:06}%40example.com%22&startIndex=1&count=100");
                match c.get(url).header("Authorization", a).send().await {
                    Ok(r) if r.status() == 200 => r.json::<Value>().await.is_ok_and(|v| v["totalResults"] == 1),
                    _ => false,
                }
            }
        })
        .await,
    );
    for (name, start) in [
        ("GET /Users page of 100 at startIndex=1", 1u64),
        (
            "GET /Users page of 100 at startIndex=99901",
            users.saturating_sub(99),
        ),
    ] {
        let (c, b, a) = mk(&client);
        results.push(
            phase(name, seconds, concurrency, move |_| {
                let (c, b, a) = (c.clone(), b.clone(), a.clone());
                async move {
                    match c
                        .get(format!("{b}/Users?startIndex={start}&count=100"))
                        .header("Authorization", a)
                        .send()
                        .await
                    {
                        Ok(r) if r.status() == 200 => r.json::<Value>().await.is_ok_and(|v| {
                            v["Resources"].as_array().is_some_and(|a| a.len() == 100)
                        }),
                        _ => false,
                    }
                }
            })
            .await,
        );
    }
    let (c, b, a) = mk(&client);
    results.push(
        phase("PATCH active", seconds, concurrency, move |n| {
            let (c, b, a) = (c.clone(), b.clone(), a.clone());
            let i = (n.wrapping_mul(2_654_435_761)) % users;
            async move {
                let id = format!("{:08x}-0000-4000-8000-{:012x}", i, i);
                let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "value": {"active": n % 2 == 0}}]});
                read_ok(c.patch(format!("{b}/Users/{id}")).header("Authorization", a).json(&body).send().await).await
            }
        })
        .await,
    );
    let (c, b, a) = mk(&client);
    results.push(
        phase("PUT profile update", seconds, concurrency, move |n| {
            let (c, b, a) = (c.clone(), b.clone(), a.clone());
            let i = (n.wrapping_mul(40_503)) % users;
            async move {
                let id = format!("{:08x}-0000-4000-8000-{:012x}", i, i);
                let mut w = scim_server::demo::numbered_user(i);
                w.data.insert("title".into(), json!(format!("Title {n}")));
                w.data.insert(
                    "schemas".into(),
                    json!(["urn:ietf:params:scim:schemas:core:2.0:User"]),
                );
                read_ok(
                    c.put(format!("{b}/Users/{id}"))
                        .header("Authorization", a)
                        .json(&Value::Object(w.data))
                        .send()
                        .await,
                )
                .await
            }
        })
        .await,
    );
    let peak = server.peak_rss_kib().unwrap_or(0);
    drop(server);

    println!("\nSCIM Console load benchmark: {users} users, SQLite, {concurrency} concurrent clients, {seconds} s per kind");
    println!(
        "(server and load generator share this machine: {} cores)\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    println!("| request | req/s | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|");
    for s in &results {
        println!(
            "| {} | {:.0} | {:.2} | {:.2} | {} |",
            s.name,
            s.rps(),
            s.p50_ms,
            s.p99_ms,
            s.errors
        );
    }
    let spc = results[0].rps();
    let filter = results[1].rps();
    let first = &results[2];
    let deep = &results[3];
    println!();
    println!(
        "filter lookups / static ServiceProviderConfig throughput: {:.2} (target >= 0.50)",
        filter / spc
    );
    println!(
        "deep page / first page latency (p50): {:.2} (target <= 2.00)",
        deep.p50_ms / first.p50_ms.max(f64::EPSILON)
    );
    println!(
        "deep page / first page throughput: {:.2}",
        deep.rps() / first.rps().max(f64::EPSILON)
    );
    println!(
        "server memory: {:.1} MB idle after start, {:.1} MB peak (VmHWM; target < 150 MB)",
        idle_rss as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    let failed: u64 = results.iter().map(|s| s.errors).sum();
    if failed > 0 {
        eprintln!("error: {failed} requests failed");
        std::process::exit(1);
    }
}
