//! What the console's tests share: a console on a real SQLite file, its embedded server on
//! 127.0.0.1:0. (Each test file uses some of it.)
#![allow(dead_code)]

use std::sync::Arc;

use scim_console_core::console::Console;
use scim_console_core::embedded::{self, StartOptions};
use scim_store::{ChangeContext, UserRecord};

/// A console on a new database in `dir` (`c.db`), in demo mode or not, and the database's path.
pub async fn start(dir: &tempfile::TempDir, demo: bool, history: bool) -> (Arc<Console>, String) {
    let db = dir.path().join("c.db").to_string_lossy().into_owned();
    let (console, serve) = embedded::start(StartOptions {
        demo,
        db: Some(db.clone()),
        listen: Some("127.0.0.1:0".to_owned()),
        history,
    })
    .await
    .expect("start the console");
    tokio::spawn(serve);
    (console, db)
}

/// A console in demo mode (without the sample week).
pub async fn demo_console(dir: &tempfile::TempDir) -> Arc<Console> {
    start(dir, true, false).await.0
}

/// Sends one request to the console's server as Okta does; the status.
pub async fn send(
    c: &Console,
    secret: &str,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> u16 {
    let client = scim_client::okta::client(&c.base_url, secret).unwrap();
    client
        .send(method.parse().unwrap(), path, body)
        .await
        .unwrap()
        .status
}

/// Dana Whitfield's first SAML login.
pub async fn dana(c: &Console) -> UserRecord {
    c.core
        .jit_login(
            "dana@example.com",
            "Dana",
            "Whitfield",
            None,
            &ChangeContext::by("test"),
        )
        .await
        .unwrap()
}

/// Asks until `done` holds (reads are written to the log in batches; a remote console hears of
/// changes over its stream): at most 10 s.
pub async fn until<T>(what: &str, mut get: impl AsyncFnMut() -> T, done: impl Fn(&T) -> bool) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let v = get().await;
        if done(&v) {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "never saw {what}");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}
