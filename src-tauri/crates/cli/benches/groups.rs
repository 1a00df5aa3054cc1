//! Group membership over HTTP against the release `scim-console` server: with a group of
//! 50,000 members, Okta's PATCH adding 256 members (against the same PATCH on an empty group),
//! removing one member by a value filter, `GET /Groups/{id}?excludedAttributes=members`, the
//! whole group with its members, and a page of 100 members as the console reads it.
//!
//! Run with `cargo bench -p scim-console-cli --bench groups` (BENCH_MEMBERS sets the big
//! group's size). Not a test: the figures go into the README. `cargo test --all-targets` runs it
//! without `--bench`: then it is a quick smoke run on a small group that checks every answer.

mod support;

use std::time::Instant;

use serde_json::{json, Map, Value};

use scim_server::core::Core;
use scim_store::{ChangeContext, GroupWrite, UserSource, UserWrite};
use support::{env_num, quantile, Server};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn user(i: u64) -> UserWrite {
    let mut data = Map::new();
    data.insert("userName".into(), json!(format!("user{i:06}@example.com")));
    data.insert("displayName".into(), json!(format!("User {i}")));
    data.insert("active".into(), json!(true));
    UserWrite::new(format!("u{i}"), data, UserSource::Scim)
}

fn group(id: &str) -> GroupWrite {
    let mut data = Map::new();
    data.insert("displayName".into(), json!(id));
    GroupWrite {
        id: id.into(),
        data,
    }
}

/// Okta's membership PATCH: `add` of `members` with their display names.
fn add_members(ids: std::ops::Range<u64>) -> Value {
    let members: Vec<Value> = ids
        .map(|i| json!({"value": format!("u{i}"), "display": format!("User {i}")}))
        .collect();
    json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": members}]})
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    quantile(&v, 0.5)
}

struct Client {
    http: reqwest::Client,
    base: String,
    auth: String,
}

impl Client {
    /// Sends a request, checks the status; returns the time to the whole answer (ms) and its
    /// size in bytes.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        expect: u16,
    ) -> (f64, usize) {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("Authorization", &self.auth);
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/scim+json")
                .body(serde_json::to_vec(b).expect("body"));
        }
        let t = Instant::now();
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        let bytes = r.bytes().await.expect("answer");
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(
            status,
            expect,
            "{method} {path}: {}",
            String::from_utf8_lossy(&bytes)
        );
        (ms, bytes.len())
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let big = env_num("BENCH_MEMBERS", if bench { 50_000 } else { 1_000 });
    let runs: u64 = if bench { 9 } else { 2 };
    let batch = 256u64;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("groups.db");
    let db_str = db.to_string_lossy().into_owned();
    let users = big + batch * runs * 2 + 10;
    let token = {
        let store = scim_store::open(&db_str).await.expect("store");
        for start in (0..users).step_by(10_000) {
            store
                .bulk_insert_users((start..(start + 10_000).min(users)).map(user).collect())
                .await
                .expect("users");
        }
        let ids: Vec<String> = (0..big).map(|i| format!("u{i}")).collect();
        store
            .insert_group(group("big"), &ids, &ChangeContext::by("bench"))
            .await
            .expect("the big group");
        for r in 0..runs {
            store
                .insert_group(
                    group(&format!("empty{r}")),
                    &[],
                    &ChangeContext::by("bench"),
                )
                .await
                .expect("an empty group");
        }
        let core = Core::new(store).await.expect("core");
        support::prepare(&core).await
    };
    let server = Server::start(&db_str).await;
    let c = Client {
        http: reqwest::Client::new(),
        base: server.base.clone(),
        auth: format!("Bearer {token}"),
    };
    let patch = reqwest::Method::PATCH;
    let get = reqwest::Method::GET;

    let (mut on_empty, mut on_big, mut remove_one, mut excluded, mut whole) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut whole_bytes = 0;
    for r in 0..runs {
        // Fresh users each run, so every PATCH really adds 256 rows.
        let a = big + r * batch * 2;
        let b = a + batch;
        on_empty.push(
            c.send(
                patch.clone(),
                &format!("/Groups/empty{r}"),
                Some(&add_members(a..a + batch)),
                204,
            )
            .await
            .0,
        );
        on_big.push(
            c.send(
                patch.clone(),
                "/Groups/big",
                Some(&add_members(b..b + batch)),
                204,
            )
            .await
            .0,
        );
        let gone = json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "remove", "path": format!("members[value eq \"u{r}\"]")}]});
        remove_one.push(
            c.send(patch.clone(), "/Groups/big", Some(&gone), 204)
                .await
                .0,
        );
        excluded.push(
            c.send(
                get.clone(),
                "/Groups/big?excludedAttributes=members",
                None,
                200,
            )
            .await
            .0,
        );
        let (ms, bytes) = c.send(get.clone(), "/Groups/big", None, 200).await;
        whole.push(ms);
        whole_bytes = bytes;
    }
    // A page of 100 members from the middle, as the console's group page reads it.
    let store = scim_store::open(&db_str).await.expect("store");
    let mut page = vec![];
    for _ in 0..runs {
        let t = Instant::now();
        let got = store
            .group_members("big", big / 2, 100)
            .await
            .expect("a page");
        page.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(got.len(), 100);
    }
    let (e, g) = (median(on_empty), median(on_big));
    let group_size = big + batch * runs - runs;
    println!("group of {big} members (then {group_size}), {runs} runs, medians:");
    println!("  PATCH add {batch} members, empty group:   {e:8.2} ms");
    println!(
        "  PATCH add {batch} members, big group:     {g:8.2} ms  (ratio {:.2}, target ≤ 2)",
        g / e
    );
    println!(
        "  PATCH remove one member, big group: {:8.2} ms",
        median(remove_one)
    );
    println!(
        "  GET ?excludedAttributes=members:    {:8.2} ms",
        median(excluded)
    );
    println!(
        "  GET the whole group:                {:8.2} ms  ({:.1} MB)",
        median(whole),
        whole_bytes as f64 / 1e6
    );
    println!(
        "  a page of 100 members (store):      {:8.2} ms",
        median(page)
    );
    if let Some(kib) = server.peak_rss_kib() {
        println!(
            "  server peak memory:                 {:8.1} MB",
            kib as f64 / 1024.0
        );
    }
}
