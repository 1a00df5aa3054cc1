//! GUI benchmark: the real app window under Xvfb over WebDriver, with 100,000 users in its
//! SQLite database.
//!
//! - launch → table: from asking WebDriver for a session (which starts the app) to the first
//!   users table rendered (the `users-table` performance mark the Users view sets);
//! - change → screen: from sending a PATCH over HTTP to the next frame after the row's
//!   `data-active` changed in the window (a MutationObserver, then requestAnimationFrame).
//!
//! Run with `cargo bench --bench gui` (BENCH_USERS, BENCH_LAUNCHES, BENCH_CHANGES change the
//! sizes). `cargo test --all-targets` runs it as a quick smoke run (2,000 users, one launch,
//! three changes) that only checks every step works. Not a test: the figures go into the
//! README.

#[path = "../../tests/gui/mod.rs"]
mod gui;

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use gui::{AsyncPrepare, Gui, WithToken, WAIT};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn epoch_ms(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
        * 1000.0
}

/// Fills the database with `users` users and a token for the changes.
struct Seed {
    users: u64,
    token: tokio::sync::oneshot::Sender<String>,
}

impl AsyncPrepare for Seed {
    async fn run(self, db: &Path) {
        let store = scim_store::open(&db.to_string_lossy()).await.expect("open");
        let mut i = 0;
        while i < self.users {
            let end = (i + 10_000).min(self.users);
            store
                .bulk_insert_users((i..end).map(scim_server::demo::numbered_user).collect())
                .await
                .expect("seed users");
            i = end;
        }
        drop(store);
        WithToken(self.token).run(db).await;
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn summary(name: &str, mut v: Vec<f64>) {
    v.sort_by(f64::total_cmp);
    println!(
        "{name:<22} n={:<3} min {:>7.1} ms  p50 {:>7.1} ms  p95 {:>7.1} ms  max {:>7.1} ms",
        v.len(),
        v.first().copied().unwrap_or(f64::NAN),
        percentile(&v, 0.5),
        percentile(&v, 0.95),
        v.last().copied().unwrap_or(f64::NAN),
    );
}

async fn number(gui: &Gui, script: &str) -> Option<f64> {
    gui.client
        .execute(script, vec![])
        .await
        .expect("run a script in the window")
        .as_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let users = env_num("BENCH_USERS", if full { 100_000 } else { 2_000 });
    let launches = env_num("BENCH_LAUNCHES", if full { 5 } else { 1 });
    let changes = env_num("BENCH_CHANGES", if full { 30 } else { 3 });
    println!("GUI benchmark: {users} users, {launches} launches, {changes} changes per launch");

    let mut to_page = Vec::new();
    let mut to_table = Vec::new();
    let mut change = Vec::new();
    for _ in 0..launches {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let seeded = Instant::now();
        let gui = Gui::launch("bench", true, Seed { users, token: tx }).await;
        let token = rx.await.expect("token");
        let row = gui.wait_for("[data-user]").await;
        let total = gui
            .wait_for_text("[data-testid=\"user-total\"]", "users")
            .await
            .text()
            .await
            .unwrap_or_default();
        let started = epoch_ms(gui.launched_at);
        let origin = number(&gui, "return performance.timeOrigin;")
            .await
            .expect("timeOrigin");
        let table = number(
            &gui,
            "const m = performance.getEntriesByName('users-table')[0]; \
             return m ? performance.timeOrigin + m.startTime : null;",
        )
        .await
        .expect("the users-table mark");
        to_page.push(origin - started);
        to_table.push(table - started);
        println!(
            "launch: page load began {:.0} ms, table rendered {:.0} ms after the session was asked for ({total}; seeding and start {:.1} s)",
            origin - started,
            table - started,
            seeded.elapsed().as_secs_f64()
        );

        // Change → screen, on a row that is on screen.
        let user_name = row.attr("data-user").await.unwrap().expect("userName");
        let id = gui.user_id(&token, &user_name).await;
        let mut active = row.attr("data-active").await.unwrap().as_deref() == Some("true");
        for _ in 0..changes {
            active = !active;
            gui.client
                .execute(
                    "const [name, want] = arguments; window.__seen = null; \
                     const obs = new MutationObserver(() => { \
                       const el = document.querySelector(`[data-user=\"${name}\"]`); \
                       if (el && el.getAttribute('data-active') === want) { \
                         obs.disconnect(); \
                         requestAnimationFrame(() => { window.__seen = performance.timeOrigin + performance.now(); }); \
                       } }); \
                     obs.observe(document.body, {subtree: true, childList: true, attributes: true});",
                    vec![json!(user_name), json!(active.to_string())],
                )
                .await
                .expect("watch the row");
            let sent = epoch_ms(SystemTime::now());
            assert_eq!(gui.set_active(&token, &id, active).await, 200);
            let deadline = Instant::now() + WAIT;
            let seen = loop {
                if let Some(t) = number(&gui, "return window.__seen;").await {
                    break t;
                }
                assert!(
                    Instant::now() < deadline,
                    "the change never reached the window"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            change.push(seen - sent);
            // Let the debounced re-read of the page settle before the next change.
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        gui.close().await;
    }
    println!();
    summary("launch → page load", to_page);
    summary("launch → users table", to_table);
    summary("change → screen", change);
}
