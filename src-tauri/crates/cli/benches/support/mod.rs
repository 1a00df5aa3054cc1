//! What the benchmarks share: the release server binary started on a database, and its peak
//! memory.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};

use tokio::io::{AsyncBufReadExt, BufReader};

use scim_server::core::Core;
use scim_store::Permission;

/// Full provisioning with the rate limit and the deprovisioning guard off — a load generator
/// is far faster than any identity provider, and its PATCHes toggle `active` thousands of
/// times — and a UserModify token, whose secret is returned.
pub async fn prepare(core: &Core) -> String {
    for (key, value) in [
        ("provisioning", "full"),
        ("rate-limit", "off"),
        ("guard", "off"),
    ] {
        core.set_setting(key, value).await.expect("setting");
    }
    core.create_token("bench", Permission::UserModify, None)
        .await
        .expect("token")
        .1
}

/// The real `scim-console serve` on 127.0.0.1:0; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    pub pid: u32,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the server on the database at `db` and waits for its base URL.
    pub async fn start(db: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scim-console"))
            .args(["--db", db, "serve", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start scim-console");
        let stdout = child.stdout.take().expect("stdout");
        let pid = child.id();
        let mut lines =
            BufReader::new(tokio::process::ChildStdout::from_std(stdout).expect("async stdout"))
                .lines();
        let mut base = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(b) = line.strip_prefix("SCIM base URL: ") {
                base = b.to_owned();
                break;
            }
        }
        let server = Server { child, base, pid };
        assert!(
            !server.base.is_empty(),
            "the server did not print its base URL"
        );
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        server
    }

    /// The server's peak resident memory so far (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    }
}

/// The `p` quantile (0..=1) of sorted samples.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0)
}

pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
