//! Group membership benchmark at the store: what a membership change costs a group of 50,000
//! members against the same change to an empty group, on a real SQLite file. Members are rows,
//! so the size of the group should not matter.
//!
//! Run with `cargo bench -p scim-store --bench groups` (BENCH_MEMBERS sets the big group's
//! size). Not a test: the figures go into the README. `cargo test --all-targets` runs it without
//! `--bench`: then it is a quick smoke run on a small group that checks the answers.

use std::time::Instant;

use serde_json::{json, Map};

use scim_store::{ChangeContext, GroupWrite, MemberChange, UserSource, UserWrite};

fn user(i: u64) -> UserWrite {
    let mut data = Map::new();
    data.insert("userName".into(), json!(format!("user{i:06}@example.com")));
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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let big: u64 = std::env::var("BENCH_MEMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { 50_000 } else { 1_000 });
    let runs = if bench { 9 } else { 2 };
    let batch = 256u64;
    let dir = tempfile::tempdir().expect("temp dir");
    let s = scim_store::open(dir.path().join("bench.db").to_str().unwrap())
        .await
        .expect("store");
    let users = big + batch * (runs as u64 + 1) * 2;
    for start in (0..users).step_by(10_000) {
        s.bulk_insert_users((start..(start + 10_000).min(users)).map(user).collect())
            .await
            .expect("users");
    }
    let ctx = ChangeContext::by("bench");
    let ids = |r: std::ops::Range<u64>| r.map(|i| format!("u{i}")).collect::<Vec<_>>();
    let t = Instant::now();
    let (mut big_group, _) = s
        .insert_group(group("big"), &ids(0..big), &ctx)
        .await
        .expect("the big group");
    println!(
        "Group membership on a real SQLite file: a group of {big} members (created in {:.0} ms)",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let (mut small, _) = s
        .insert_group(group("small"), &[], &ctx)
        .await
        .expect("the empty group");

    // Add 256 members (new users each run), then take them out again.
    let mut add_big = Vec::new();
    let mut add_small = Vec::new();
    let mut remove_one = Vec::new();
    for run in 0..runs as u64 {
        let fresh = big + run * batch * 2;
        let change = MemberChange {
            add: ids(fresh..fresh + batch),
            ..Default::default()
        };
        let t = Instant::now();
        let (g, c) = s
            .update_group(&big_group, group("big"), &change, &ctx)
            .await
            .expect("add to the big group");
        add_big.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(c.added.len() as u64, batch);
        big_group = g;
        let change_small = MemberChange {
            add: ids(fresh + batch..fresh + 2 * batch),
            ..Default::default()
        };
        let t = Instant::now();
        let (g, c) = s
            .update_group(&small, group("small"), &change_small, &ctx)
            .await
            .expect("add to the empty group");
        add_small.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(c.added.len() as u64, batch);
        // Empty the small group again, so each run adds to an empty group.
        let (g, _) = s
            .update_group(
                &g,
                group("small"),
                &MemberChange {
                    replace: Some(Vec::new()),
                    ..Default::default()
                },
                &ctx,
            )
            .await
            .expect("empty the small group");
        small = g;
        let t = Instant::now();
        let (g, c) = s
            .update_group(
                &big_group,
                group("big"),
                &MemberChange {
                    remove: ids(fresh..fresh + 1),
                    ..Default::default()
                },
                &ctx,
            )
            .await
            .expect("remove one");
        remove_one.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(c.removed.len(), 1);
        big_group = g;
    }
    let t = Instant::now();
    let page = s.group_members("big", big / 2, 100).await.expect("a page");
    let page_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(page.len(), 100);
    let t = Instant::now();
    let g = s.get_group("big").await.expect("read").expect("the group");
    let read_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert!(g.member_count >= big);

    let (b, e) = (median(add_big), median(add_small));
    println!("  add {batch} members to the group of {big}: {b:.2} ms (median of {runs})");
    println!(
        "  add {batch} members to an empty group: {e:.2} ms (ratio {:.2})",
        b / e
    );
    println!(
        "  remove one member from the big group: {:.2} ms",
        median(remove_one)
    );
    println!("  the big group without its members: {read_ms:.3} ms");
    println!("  a page of 100 members half-way through: {page_ms:.2} ms");
}
