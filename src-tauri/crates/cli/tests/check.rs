//! `scim-console check` as a process against real servers: our headless server in both
//! policies (everything passes), read-only changing nothing, a wrong token and a server that is
//! down reported in plain words with a failing exit status, and the JSON report.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

mod common;

use common::{ok, run, BIN};

struct Served {
    child: Child,
    base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server on `db` under `policy`, and a Manage Users token's secret.
fn serve(db: &Path, policy: &str) -> (Served, String) {
    ok(db, &["config", "set", "provisioning", policy]);
    ok(db, &["config", "set", "rate-limit", "off"]);
    let token = ok(db, &["token", "create", "--name", "checker"])
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let base = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(b) = line.strip_prefix("SCIM base URL: ") {
                    break b.to_owned();
                }
            }
            _ => panic!("the server exited before printing its base URL"),
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (Served { child, base }, token)
}

fn check(db: &Path, base: &str, token: &str, profile: &str, extra: &[&str]) -> Output {
    let mut args = vec!["check", base, "--token", token, "--profile", profile];
    args.extend_from_slice(extra);
    run(db, &args)
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Writes the event log holds: everything but reads.
fn writes_in_log(db: &Path) -> usize {
    ok(db, &["log", "--limit", "1000"])
        .lines()
        .filter(|l| {
            [" POST ", " PUT ", " PATCH ", " DELETE "]
                .iter()
                .any(|m| l.contains(m))
        })
        .count()
}

#[test]
fn every_profile_passes_against_our_server_in_both_policies() {
    for policy in ["jit", "full"] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("c.db");
        let (srv, token) = serve(&db, policy);
        ok(
            &db,
            &[
                "user",
                "jit",
                "--email",
                "dana@example.com",
                "--given-name",
                "Dana",
                "--family-name",
                "Whitfield",
            ],
        );
        for profile in ["okta", "entra", "rfc"] {
            // Read-only: everything passes, and nothing is written.
            let before = writes_in_log(&db);
            let out = check(&db, &srv.base, &token, profile, &[]);
            let report = text(&out);
            assert!(out.status.success(), "{policy} {profile}:\n{report}");
            assert!(report.trim_end().ends_with(" passed, 0 failed"), "{report}");
            assert!(!report.contains("FAIL"), "{report}");
            assert_eq!(
                writes_in_log(&db),
                before,
                "{policy} {profile}: read-only wrote"
            );
        }
        if policy == "full" {
            // With writes: test users (and a group) are made and removed again.
            for profile in ["okta", "entra"] {
                let out = check(&db, &srv.base, &token, profile, &["--allow-writes"]);
                let report = text(&out);
                assert!(out.status.success(), "{profile} with writes:\n{report}");
                assert!(
                    report.contains("PASS  Push New Users")
                        || report.contains("PASS  Entra creates the user"),
                    "{report}"
                );
            }
            let users = ok(&db, &["user", "list"]);
            assert!(
                !users.contains("scim-console-check-"),
                "test users left behind:\n{users}"
            );
            assert!(users.contains("dana@example.com"));
        }
    }
}

#[test]
fn a_wrong_token_and_a_server_that_is_down_fail_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let (srv, _token) = serve(&db, "jit");
    let out = check(&db, &srv.base, "not-the-token", "okta", &[]);
    assert!(!out.status.success());
    let report = text(&out);
    assert!(
        report.contains("FAIL  The endpoint answers and accepts the token"),
        "{report}"
    );
    assert!(report.contains("HTTP 401"), "{report}");
    assert!(
        report.contains("paste the token's secret alone"),
        "{report}"
    );
    assert!(
        report.trim_end().ends_with("0 passed, 1 failed"),
        "{report}"
    );

    let base = srv.base.clone();
    drop(srv);
    let out = check(&db, &base, "x", "rfc", &[]);
    assert!(!out.status.success());
    let report = text(&out);
    assert!(report.contains("connection was refused"), "{report}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");

    let out = check(&db, "ftp://example.com", "x", "rfc", &[]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("http:// or https://"),
        "{out:?}"
    );
}

#[test]
fn the_report_comes_as_json_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let (srv, token) = serve(&db, "full");
    let out = check(&db, &srv.base, &token, "entra", &["--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["profile"], "entra");
    assert_eq!(v["failed"], 0);
    let steps = v["steps"].as_array().unwrap();
    assert!(steps.len() >= 5);
    assert!(
        steps
            .iter()
            .any(|s| s["name"].as_str().unwrap().contains("Test Connection")
                && s["verdict"] == "pass")
    );
}

/// The independent Python `scim2-server` (PyPI, installed by `.ci/test`; `SCIM2_SERVER` names
/// it), started with a bearer token on a free port; killed when dropped.
fn python_server() -> (Served, String) {
    let program = std::env::var("SCIM2_SERVER").unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}/.cache/scim-console/scim2-venv/bin/scim2-server")
    });
    assert!(
        Path::new(&program).exists(),
        "{program} is missing: run .ci/test, which installs scim2-server==0.8.3 (or set SCIM2_SERVER)"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let token = "python-s3cret".to_owned();
    let child = Command::new(&program)
        .args([
            "--bearer-token",
            &token,
            "--hostname",
            "127.0.0.1",
            "--port",
        ])
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start scim2-server");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "scim2-server did not listen"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    (
        Served {
            child,
            base: format!("http://127.0.0.1:{port}"),
        },
        token,
    )
}

#[test]
fn an_independent_server_gets_an_honest_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let (srv, token) = python_server();
    for profile in ["okta", "rfc"] {
        let out = check(&db, &srv.base, &token, profile, &["--allow-writes"]);
        assert!(out.status.success(), "{profile}:\n{}", text(&out));
    }
    // It refuses the create of a group whose schemas list Entra's own URN: the report says so,
    // with what to change, and fails.
    let out = check(&db, &srv.base, &token, "entra", &["--allow-writes"]);
    assert!(!out.status.success());
    let report = text(&out);
    assert!(report.contains("FAIL  Entra creates a group"), "{report}");
    assert!(report.contains("ADSCIM"), "{report}");
    assert!(report.trim_end().ends_with("passed, 1 failed"), "{report}");
    // Its test users were removed all the same.
    let out = check(&db, &srv.base, &token, "rfc", &["--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let first = v["steps"][0]["got"].as_str().unwrap_or_default().to_owned();
    assert!(first.contains("totalResults 0"), "{first}");
}

/// What a run said, on stdout and stderr.
fn both(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `scim-console connection …` with the profiles in `dir` and no keychain; stdin is `input`.
fn connection(dir: &Path, db: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("SCIM_CONSOLE_CONNECTIONS", dir.join("connections.json"))
        .env("SCIM_CONSOLE_KEYCHAIN", "off")
        .env_remove("SCIM_CHECK_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run scim-console");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_saved_connection_keeps_its_token_private_and_checks_the_server() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let (server, _token) = serve(&db, "full");
    let admin = ok(&db, &["admin-token", "create", "--name", "support"])
        .lines()
        .last()
        .unwrap()
        .to_owned();
    let secret_file = dir.path().join("secrets").join("prod.token");
    let file = secret_file.to_str().unwrap();
    let add = |token: &str, extra: &[&str]| {
        let mut args = vec!["connection", "add", "prod", "--url", &server.base];
        args.extend_from_slice(extra);
        connection(dir.path(), &db, &args, &format!("{token}\n"))
    };

    // No keychain here: said so, with the way round it; nothing kept.
    let refused = add(&admin, &[]);
    assert!(!refused.status.success());
    assert!(
        both(&refused).contains("--secret-file"),
        "{}",
        both(&refused)
    );
    assert!(!dir.path().join("connections.json").exists());

    // A token the server refuses is not kept either.
    let wrong = add("not-a-token", &["--secret-file", file]);
    assert!(!wrong.status.success());
    assert!(both(&wrong).contains("not valid"), "{}", both(&wrong));
    assert!(!secret_file.exists());

    let saved = add(&admin, &["--secret-file", file]);
    assert!(saved.status.success(), "{}", both(&saved));
    assert!(both(&saved).contains("SCIM Console"), "{}", both(&saved));
    let mode = std::fs::metadata(&secret_file)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "readable by its owner alone");
    let listed = both(&connection(dir.path(), &db, &["connection", "list"], ""));
    assert!(listed.contains("prod") && listed.contains("remote") && listed.contains(file));
    assert!(!listed.contains(&admin), "never the secret");
    let kept = std::fs::read_to_string(dir.path().join("connections.json")).unwrap();
    assert!(!kept.contains(&admin), "the profiles file holds no secret");

    // A check of the saved server: a token made for it over the admin API, revoked after.
    let out = connection(
        dir.path(),
        &db,
        &["check", "--connection", "prod", "--profile", "okta"],
        "",
    );
    assert!(out.status.success(), "{}", both(&out));
    assert!(both(&out).contains(" passed, 0 failed"), "{}", both(&out));
    let tokens = ok(&db, &["token", "list"]);
    let made = tokens
        .lines()
        .find(|l| l.contains("scim-console-check-"))
        .unwrap_or_else(|| panic!("{tokens}"));
    assert!(made.contains("revoked"), "{made}");

    // A secret file others may read is refused, with the fix.
    std::fs::set_permissions(&secret_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let open = connection(
        dir.path(),
        &db,
        &["check", "--connection", "prod", "--profile", "rfc"],
        "",
    );
    assert!(!open.status.success());
    assert!(both(&open).contains("chmod 600"), "{}", both(&open));

    let removed = connection(dir.path(), &db, &["connection", "remove", "prod"], "");
    assert!(removed.status.success(), "{}", both(&removed));
    assert!(!secret_file.exists(), "its secret is gone too");
    let listed = both(&connection(dir.path(), &db, &["connection", "list"], ""));
    assert!(listed.contains("No connections saved"), "{listed}");
}
