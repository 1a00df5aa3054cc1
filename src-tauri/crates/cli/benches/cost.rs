//! Request-cost benchmark: what the largest and the oversized PATCHes cost the release
//! `scim-console` server over HTTP, its peak memory, and how long the static
//! `/ServiceProviderConfig` takes to answer while the costliest accepted requests run.
//!
//! Run with `cargo bench -p scim-console-cli --bench cost` (BENCH_SECONDS sets how long the
//! load runs). Not a test: the figures go into the README. `cargo test --all-targets` runs it
//! without `--bench`: then it is a quick smoke run that checks every answer is the expected one.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use scim_server::core::Core;
use support::{env_num, quantile, Server};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn patch(ops: Vec<Value>) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

fn phones(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"value": format!("+1555{i:07}"), "type": "work"}))
        .collect()
}

struct Client {
    http: reqwest::Client,
    base: String,
    auth: String,
}

impl Client {
    /// Sends a request; returns its status and how long the answer took, in milliseconds.
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> (u16, f64) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", &self.auth);
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/scim+json")
                .body(serde_json::to_vec(b).expect("body"));
        }
        let t = Instant::now();
        let status = match req.send().await {
            Ok(r) => {
                let s = r.status().as_u16();
                let _ = r.bytes().await;
                s
            }
            Err(_) => 0,
        };
        (status, t.elapsed().as_secs_f64() * 1000.0)
    }

    async fn create(&self, name: &str, phone_count: usize) -> String {
        let mut body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name,
            "name": {"givenName": "Cost", "familyName": "Bench"},
            "active": true,
        });
        if phone_count > 0 {
            body["phoneNumbers"] = json!(phones(phone_count));
        }
        let r = self
            .http
            .post(format!("{}/Users", self.base))
            .header("Authorization", &self.auth)
            .json(&body)
            .send()
            .await
            .expect("create");
        assert_eq!(r.status(), 201, "create {name}");
        let v: Value = r.json().await.expect("json");
        v["id"].as_str().expect("id").to_owned()
    }
}

/// The median time of `runs` sends of one request, checking each answer's status.
async fn timed(
    c: &Client,
    runs: usize,
    expect: u16,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> f64 {
    let mut times = Vec::new();
    for _ in 0..runs {
        let (status, ms) = c.send(method.clone(), path, Some(body)).await;
        assert_eq!(status, expect, "{method} {path}");
        times.push(ms);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    quantile(&times, 0.5)
}

/// Latencies of sequential `/ServiceProviderConfig` requests for `seconds`.
async fn spc_latencies(c: &Client, seconds: f64) -> Vec<f64> {
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let mut out = Vec::new();
    while Instant::now() < until {
        let (status, ms) = c
            .send(reqwest::Method::GET, "/ServiceProviderConfig", None)
            .await;
        assert_eq!(status, 200, "ServiceProviderConfig");
        out.push(ms);
    }
    out.sort_by(|a, b| a.total_cmp(b));
    out
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let seconds = env_num("BENCH_SECONDS", if smoke { 1 } else { 10 }) as f64;
    let runs = if smoke { 1 } else { 5 };
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("cost.db");
    let db_str = db.to_string_lossy().into_owned();
    let token = {
        let store = scim_store::open(&db_str).await.expect("store");
        let core = Core::new(store).await.expect("core");
        support::prepare(&core).await
    };
    let server = Server::start(&db_str).await;
    let c = Arc::new(Client {
        http: reqwest::Client::new(),
        base: server.base.clone(),
        auth: format!("Bearer {token}"),
    });
    let idle_rss = server.peak_rss_kib().unwrap_or(0);

    let plain = c.create("plain@example.com", 0).await;
    let replace = |n: usize| {
        patch(
            (0..n)
                .map(|i| json!({"op": "replace", "path": "title", "value": format!("Title {i}")}))
                .collect(),
        )
    };
    let user = format!("/Users/{plain}");
    let patch_m = reqwest::Method::PATCH;
    let ops_1k = timed(&c, runs, 200, patch_m.clone(), &user, &replace(1000)).await;
    let ops_10k = timed(&c, runs, 400, patch_m.clone(), &user, &replace(10_000)).await;
    let add = |n: usize| {
        patch(vec![
            json!({"op": "add", "path": "phoneNumbers", "value": phones(n)}),
        ])
    };
    let remove_all = patch(vec![json!({"op": "remove", "path": "phoneNumbers"})]);
    let mut adds = Vec::new();
    for _ in 0..runs {
        adds.push(timed(&c, 1, 200, patch_m.clone(), &user, &add(1000)).await);
        timed(&c, 1, 200, patch_m.clone(), &user, &remove_all).await;
    }
    adds.sort_by(|a, b| a.total_cmp(b));
    let add_1k = quantile(&adds, 0.5);
    // 40,000 values are about 1.8 MB of JSON: refused by the body cap before any parsing.
    let add_40k = timed(&c, runs, 413, patch_m.clone(), &user, &add(40_000)).await;
    // The costliest accepted request: 1,000 value-filter operations on 1,000 values.
    let mut heavy_users = Vec::new();
    for i in 0..4 {
        heavy_users.push(c.create(&format!("heavy{i}@example.com"), 1000).await);
    }
    let heavy = Arc::new(patch(
        (0..1000)
            .map(|i| {
                json!({"op": "replace",
                    "path": format!("phoneNumbers[value eq \"+1555{:07}\"].type", 999 - i),
                    "value": if i % 2 == 0 { "home" } else { "work" }})
            })
            .collect(),
    ));
    let heavy_one = timed(
        &c,
        runs,
        200,
        patch_m.clone(),
        &format!("/Users/{}", heavy_users[0]),
        &heavy,
    )
    .await;

    let idle = spc_latencies(&c, seconds.min(3.0)).await;
    // Four clients send the costliest request back to back while the latency is measured.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for id in heavy_users.clone() {
        let (c, heavy, stop) = (c.clone(), heavy.clone(), stop.clone());
        load.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let (status, _) = c
                    .send(
                        reqwest::Method::PATCH,
                        &format!("/Users/{id}"),
                        Some(&heavy),
                    )
                    .await;
                assert_eq!(status, 200, "heavy PATCH");
                n += 1;
            }
            n
        }));
    }
    let busy = spc_latencies(&c, seconds).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut heavy_done = 0;
    for t in load {
        heavy_done += t.await.expect("load task");
    }
    let peak = server.peak_rss_kib().unwrap_or(0);
    drop(server);

    println!(
        "\nSCIM Console request-cost benchmark (release server over HTTP; median of {runs})\n"
    );
    println!("| request | answer | ms |");
    println!("|---|---|---:|");
    println!("| PATCH with 1,000 operations (the cap) | 200 | {ops_1k:.1} |");
    println!("| PATCH with 10,000 operations | 400 refused | {ops_10k:.1} |");
    println!("| add 1,000 phoneNumbers in one operation (the cap) | 200 | {add_1k:.1} |");
    println!("| add 40,000 phoneNumbers in one operation | 413 refused | {add_40k:.1} |");
    println!("| 1,000 value-filter operations on 1,000 values (costliest accepted) | 200 | {heavy_one:.1} |");
    println!();
    println!("| /ServiceProviderConfig | requests | p50 ms | p95 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    for (name, l) in [
        ("idle", &idle),
        (
            "while 4 clients send the costliest PATCH back to back",
            &busy,
        ),
    ] {
        println!(
            "| {name} | {} | {:.2} | {:.2} | {:.2} |",
            l.len(),
            quantile(l, 0.5),
            quantile(l, 0.95),
            l.last().copied().unwrap_or(0.0)
        );
    }
    println!();
    println!(
        "costliest PATCHes answered meanwhile: {heavy_done} ({:.1} per second)",
        heavy_done as f64 / seconds
    );
    println!(
        "server memory: {:.1} MB idle after start, {:.1} MB peak (VmHWM; target < 150 MB)",
        idle_rss as f64 / 1024.0,
        peak as f64 / 1024.0
    );
}
