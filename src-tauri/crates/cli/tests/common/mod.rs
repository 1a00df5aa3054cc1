//! What the command line's tests share: running `scim-console` on a database.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_scim-console");

/// Runs `scim-console --db DB ARGS…` with no database or check token from the environment.
pub fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SCIM_CONSOLE_DB")
        .env_remove("SCIM_CHECK_TOKEN")
        .output()
        .expect("run scim-console")
}

/// Runs it and expects success; its stdout.
pub fn ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        out.status.success(),
        "scim-console {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}
