//! The `scim-console` command line, run as a process against a real SQLite file, with a real
//! server of the same binary running on the same database.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

mod common;

use common::{ok, run, BIN};

fn last_line(s: &str) -> String {
    s.lines().last().unwrap_or_default().to_owned()
}

struct Served {
    child: Child,
    base: String,
    stdout_head: Vec<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        // SIGTERM: the server stops cleanly and writes its last events.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

fn serve(db: &Path, extra: &[&str]) -> Served {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .arg("--db")
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut head = Vec::new();
    let base = loop {
        match lines.next() {
            Some(Ok(line)) => {
                head.push(line.clone());
                if let Some(b) = line.strip_prefix("SCIM base URL: ") {
                    break b.to_owned();
                }
            }
            _ => panic!("the server exited before printing its base URL: {head:?}"),
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Served {
        child,
        base,
        stdout_head: head,
    }
}

fn db_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("console.db")
}

async fn get(base: &str, token: &str, path: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[test]
fn db_option_goes_before_or_after_the_subcommand_and_from_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_in(&dir);
    let out = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args(["role", "add", "Auditor"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let out = Command::new(BIN)
        .args(["role", "list", "--db"])
        .arg(&db)
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Auditor"));
    let out = Command::new(BIN)
        .args(["role", "list"])
        .env("SCIM_CONSOLE_DB", &db)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Auditor") && text.contains("ReadOnlyAnalyst  (built-in, default)"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_created_and_revoked_by_the_cli_take_effect_in_a_running_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_in(&dir);
    let server = serve(&db, &[]);
    let created = ok(&db, &["token", "create", "--name", "Okta-SCIM"]);
    let secret = last_line(&created);
    assert!(
        secret.starts_with("scim_") && !secret.contains(' '),
        "secret alone on the last line: {created}"
    );
    let (status, body) = get(&server.base, &secret, "/Users?startIndex=1&count=2").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["totalResults"], 0);

    let list = ok(&db, &["token", "list"]);
    assert!(
        list.contains("Okta-SCIM") && list.contains("UserModify") && list.contains("active"),
        "{list}"
    );
    assert!(!list.contains(&secret), "the secret must never be listed");

    ok(&db, &["token", "revoke", "Okta-SCIM"]);
    let (status, body) = get(&server.base, &secret, "/Users").await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["detail"].as_str().unwrap_or("").contains("revoked"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_settings_and_jit_users_from_the_cli_are_seen_by_a_running_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_in(&dir);
    let secret = last_line(&ok(&db, &["token", "create", "--name", "t"]));
    let server = serve(&db, &["--provisioning", "jit"]);
    assert!(
        server
            .stdout_head
            .iter()
            .any(|l| l == "Provisioning policy: jit"),
        "{:?}",
        server.stdout_head
    );

    ok(&db, &["role", "add", "Auditor"]);
    let (_, schema) = get(
        &server.base,
        &secret,
        "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
    )
    .await;
    let role = schema["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .find(|a| a["name"] == "pantherRole")
        .cloned()
        .expect("role attribute");
    assert_eq!(
        role["canonicalValues"],
        serde_json::json!(["Admin", "Analyst", "ReadOnlyAnalyst", "Auditor"])
    );

    let made = ok(
        &db,
        &[
            "user",
            "jit",
            "--email",
            "Jane@Example.com",
            "--given-name",
            "Jane",
            "--family-name",
            "Doe",
            "--role",
            "auditor",
        ],
    );
    assert!(made.starts_with("Created Jane@Example.com"), "{made}");
    let (_, found) = get(
        &server.base,
        &secret,
        "/Users?filter=userName%20eq%20%22jane%40example.com%22",
    )
    .await;
    assert_eq!(found["totalResults"], 1, "{found}");
    assert_eq!(found["Resources"][0]["pantherRole"], "Auditor");

    let json: Value = serde_json::from_str(&ok(&db, &["user", "list", "--json"])).expect("json");
    assert_eq!(json[0]["userName"], "Jane@Example.com");
    assert_eq!(json[0]["source"], "jit");
    assert!(json[0]["lastLogin"].is_string());

    // The policy switches without a restart.
    let body = serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "new@example.com"});
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{}/Users", server.base))
        .bearer_auth(&secret)
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    assert_eq!(
        ok(&db, &["config", "set", "provisioning", "full"]).trim(),
        "provisioning = full"
    );
    let r = client
        .post(format!("{}/Users", server.base))
        .bearer_auth(&secret)
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    assert_eq!(ok(&db, &["config", "get", "provisioning"]).trim(), "full");

    // Removing a role someone has is refused in plain words.
    let out = run(&db, &["role", "remove", "Auditor"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("still have the role 'Auditor'"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_shows_requests_newest_last_and_can_show_only_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_in(&dir);
    let secret = last_line(&ok(&db, &["token", "create", "--name", "Okta-SCIM"]));
    let server = serve(&db, &[]);
    get(&server.base, &secret, "/Users?startIndex=1&count=2").await;
    let (status, _) = get(&server.base, &secret, "/Users/does-not-exist").await;
    assert_eq!(status, 404);
    drop(server); // SIGTERM: the server stops and writes its last events
    let log = ok(&db, &["log"]);
    let lines: Vec<&str> = log.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].contains("200")
            && lines[0].contains("/scim/v2/Users?startIndex=1&count=2")
            && lines[0].contains("token=Okta-SCIM"),
        "{log}"
    );
    assert!(lines[1].contains("404"), "{log}");
    let errors = ok(&db, &["log", "--errors"]);
    assert!(
        errors.contains("404")
            && !errors.contains(" 200 ")
            && errors.contains("no user has the id"),
        "{errors}"
    );
}

#[test]
fn demo_mode_seeds_users_and_prints_a_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_in(&dir);
    let server = serve(&db, &["--demo"]);
    assert!(
        server
            .stdout_head
            .iter()
            .any(|l| l.starts_with("Demo mode: added 36 sample users")),
        "{:?}",
        server.stdout_head
    );
    assert!(server
        .stdout_head
        .iter()
        .any(|l| l.starts_with("Demo token (UserModify): scim_")));
    drop(server);
    let users = ok(&db, &["user", "list"]);
    assert!(
        users.contains("deactivated") && users.contains("active") && users.contains("never"),
        "{users}"
    );
    assert!(users.trim_end().ends_with("36 user(s)"), "{users}");
}

#[test]
fn bad_input_gets_plain_words_and_a_failing_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_in(&dir);
    for (args, expected) in [
        (
            &["token", "create", "--name", "x", "--permission", "Admin"][..],
            "unknown permission 'Admin'",
        ),
        (
            &["config", "set", "provisioning", "sometimes"][..],
            "provisioning must be 'jit' or 'full'",
        ),
        (
            &["config", "set", "default-role", "Boss"][..],
            "'Boss' is not a defined role",
        ),
        (
            &["config", "set", "colour", "blue"][..],
            "unknown setting 'colour'",
        ),
        (
            &[
                "user",
                "jit",
                "--email",
                "not-an-email",
                "--given-name",
                "A",
                "--family-name",
                "B",
            ][..],
            "is not an email address",
        ),
        (
            &["token", "revoke", "nobody"][..],
            "no active token is named 'nobody'",
        ),
        (&["role", "remove", "Admin"][..], "built-in role"),
        (
            &["config", "set", "rate-limit", "fast"][..],
            "rate-limit must be 'off' or requests per second",
        ),
        (
            &["config", "set", "header-timeout", "60"][..],
            "header-timeout must be a whole number from 1 to 30",
        ),
        (
            &["config", "set", "trusted-proxies", "10.0.0.0/8,proxy"][..],
            "'proxy' is not an IP address or a network",
        ),
        (
            &["config", "set", "guard", "maybe"][..],
            "guard must be 'on' or 'off'",
        ),
    ] {
        let out = run(&db, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    ok(&db, &["token", "create", "--name", "dup"]);
    let out = run(&db, &["token", "create", "--name", "dup"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("a token named 'dup' already exists"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renaming_the_role_attribute_keeps_every_users_role() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_in(&dir);
    let secret = last_line(&ok(&db, &["token", "create", "--name", "t"]));
    ok(
        &db,
        &[
            "user",
            "jit",
            "--email",
            "a@example.com",
            "--given-name",
            "A",
            "--family-name",
            "B",
            "--role",
            "Admin",
        ],
    );
    ok(
        &db,
        &[
            "user",
            "jit",
            "--email",
            "c@example.com",
            "--given-name",
            "C",
            "--family-name",
            "D",
        ],
    );
    let server = serve(&db, &[]);
    assert_eq!(
        ok(&db, &["config", "set", "role-attribute", "appRole"]).trim(),
        "role-attribute = appRole"
    );
    let (_, list) = get(&server.base, &secret, "/Users?sortBy=userName").await;
    let users = list["Resources"].as_array().expect("resources");
    assert_eq!(users[0]["appRole"], "Admin", "{list}");
    assert!(users[0].get("pantherRole").is_none(), "{list}");
    assert!(
        users[1].get("appRole").is_none(),
        "a user with the default role has no explicit role: {list}"
    );
    let (_, schema) = get(
        &server.base,
        &secret,
        "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
    )
    .await;
    let names: Vec<&str> = schema["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(
        names.contains(&"appRole") && !names.contains(&"pantherRole"),
        "{names:?}"
    );
    let out = run(&db, &["config", "set", "role-attribute", "userName"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard SCIM User attribute"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_follow_prints_new_requests_as_they_arrive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_in(&dir);
    let secret = last_line(&ok(&db, &["token", "create", "--name", "Okta-SCIM"]));
    let server = serve(&db, &[]);
    let mut follower = Command::new(BIN)
        .args(["log", "--follow", "--db"])
        .arg(&db)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start log --follow");
    let stdout = follower.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Started before the request: what it prints next can only come from following.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (status, _) = get(
        &server.base,
        &secret,
        "/Users?filter=userName%20eq%20%22x%40example.com%22",
    )
    .await;
    assert_eq!(status, 200);
    let line = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("a followed event");
    let _ = follower.kill();
    let _ = follower.wait();
    assert!(
        line.contains("GET")
            && line.contains("filter=userName")
            && line.contains("token=Okta-SCIM"),
        "{line}"
    );
}

// ---- durability under kill -9 --------------------------------------------------------------

/// A write the server acknowledged (answered 201, 200 or 204) before it was killed.
#[derive(Debug, Clone)]
enum Acked {
    Created {
        user_name: String,
        /// From the response body; `None` when the kill cut the body off after the status.
        id: Option<String>,
    },
    Patched {
        id: String,
        display_name: String,
    },
    Deleted {
        id: String,
    },
}

/// What one writer sent and was told.
#[derive(Debug, Default)]
struct WriterLog {
    acked: Vec<Acked>,
    /// The displayNames sent to each user, in order, answered or not.
    patches_sent: std::collections::HashMap<String, Vec<String>>,
    /// Users a DELETE was sent for, answered or not.
    deletes_sent: std::collections::HashSet<String>,
}

/// Creates users and patches and deletes some of them until a request gets no answer (the
/// server is gone) or `stop` is set.
async fn write_until_killed(
    base: String,
    secret: String,
    writer: usize,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    acked_total: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> WriterLog {
    use std::sync::atomic::Ordering;
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("reqwest client");
    let mut log = WriterLog::default();
    let mut alive: Vec<String> = Vec::new();
    let mut n = 0usize;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        // Of every seven requests: four creates, two patches, one delete.
        let step = n % 7;
        let acked = if (step == 3 || step == 5) && !alive.is_empty() {
            let id = alive[n % alive.len()].clone();
            let display_name = format!("patch-{writer}-{n}");
            log.patches_sent
                .entry(id.clone())
                .or_default()
                .push(display_name.clone());
            let body = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "displayName", "value": display_name}]
            });
            let Ok(r) = client
                .patch(format!("{base}/Users/{id}"))
                .bearer_auth(&secret)
                .json(&body)
                .send()
                .await
            else {
                break;
            };
            (r.status() == 200).then_some(Acked::Patched { id, display_name })
        } else if step == 0 && !alive.is_empty() {
            let id = alive.swap_remove(n % alive.len());
            log.deletes_sent.insert(id.clone());
            let Ok(r) = client
                .delete(format!("{base}/Users/{id}"))
                .bearer_auth(&secret)
                .send()
                .await
            else {
                break;
            };
            (r.status() == 204).then_some(Acked::Deleted { id })
        } else {
            let user_name = format!("load-{writer}-{n}@example.com");
            let body = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user_name,
                "name": {"givenName": "Load", "familyName": format!("Writer{writer}")},
                "emails": [{"value": user_name, "type": "work", "primary": true}],
                "displayName": "created",
                "active": true
            });
            let Ok(r) = client
                .post(format!("{base}/Users"))
                .bearer_auth(&secret)
                .json(&body)
                .send()
                .await
            else {
                break;
            };
            if r.status() == 201 {
                let id = r
                    .json::<Value>()
                    .await
                    .ok()
                    .and_then(|b| b["id"].as_str().map(str::to_owned));
                if let Some(id) = &id {
                    alive.push(id.clone());
                }
                Some(Acked::Created { user_name, id })
            } else {
                None
            }
        };
        if let Some(a) = acked {
            log.acked.push(a);
            acked_total.fetch_add(1, Ordering::Relaxed);
        }
    }
    log
}

/// Every write the server acknowledged before a SIGKILL is in the database, and so is its
/// event-log entry: the entry is committed with the change, before the answer. (An event log
/// written in batches after the answer loses the last batch here, so this fails.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_and_their_log_entries_survive_kill_9() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    const WRITERS: usize = 8;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_in(&dir);
    ok(&db, &["config", "set", "provisioning", "full"]);
    ok(&db, &["config", "set", "rate-limit", "off"]);
    // Deleting users as fast as this trips the deprovisioning guard, which would answer 503.
    ok(&db, &["config", "set", "guard", "off"]);
    let secret = last_line(&ok(&db, &["token", "create", "--name", "load"]));
    let mut server = serve(&db, &[]);

    let stop = Arc::new(AtomicBool::new(false));
    let acked_total = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            tokio::spawn(write_until_killed(
                server.base.clone(),
                secret.clone(),
                w,
                stop.clone(),
                acked_total.clone(),
            ))
        })
        .collect();
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1500)
        && acked_total.load(Ordering::Relaxed) < 1000
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // SIGKILL while the writers are still sending: some requests are in flight.
    server.child.kill().expect("SIGKILL the server");
    let killed_after = started.elapsed();
    server.child.wait().expect("reap the server");
    // Reaped already: the guard's SIGTERM on drop would go to a pid that may be reused.
    std::mem::forget(server);
    stop.store(true, Ordering::Relaxed);
    let mut logs = Vec::new();
    for w in writers {
        logs.push(w.await.expect("writer task"));
    }

    let store = scim_store::open(db.to_str().expect("utf-8 path"))
        .await
        .expect("open the database after the kill");
    let events = store
        .list_events(&scim_store::EventQuery {
            methods: vec!["POST".into(), "PATCH".into(), "DELETE".into()],
            oldest_first: true,
            limit: u32::MAX,
            ..Default::default()
        })
        .await
        .expect("read the event log");
    let mut logged: std::collections::HashMap<(String, u16, String), usize> =
        std::collections::HashMap::new();
    for e in &events {
        let e = &e.event;
        if let Some(id) = &e.resource_id {
            *logged
                .entry((e.method.clone(), e.status, id.clone()))
                .or_default() += 1;
        }
    }
    let created_by_name: std::collections::HashMap<String, String> = events
        .iter()
        .filter(|e| e.event.method == "POST" && e.event.status == 201)
        .filter_map(|e| Some((e.event.user_name.clone()?, e.event.resource_id.clone()?)))
        .collect();

    let mut missing = Vec::new();
    let mut needed: std::collections::HashMap<(String, u16, String), usize> =
        std::collections::HashMap::new();
    let (mut creates, mut patches, mut deletes) = (0, 0, 0);
    for log in &logs {
        for a in &log.acked {
            match a {
                Acked::Created { user_name, id } => {
                    creates += 1;
                    let Some(logged_id) = created_by_name.get(user_name) else {
                        missing.push(format!("no POST 201 event for {user_name}"));
                        continue;
                    };
                    if id.as_ref().is_some_and(|id| id != logged_id) {
                        missing.push(format!(
                            "the POST event of {user_name} names {logged_id}, the answer {id:?}"
                        ));
                    }
                    let deleted_later = log.deletes_sent.contains(logged_id);
                    let user = store.get_user(logged_id).await.expect("get_user");
                    if user.is_none() && !deleted_later {
                        missing.push(format!(
                            "user {user_name} ({logged_id}) was acknowledged and is gone"
                        ));
                    }
                }
                Acked::Patched { id, .. } => {
                    patches += 1;
                    *needed.entry(("PATCH".into(), 200, id.clone())).or_default() += 1;
                }
                Acked::Deleted { id } => {
                    deletes += 1;
                    *needed
                        .entry(("DELETE".into(), 204, id.clone()))
                        .or_default() += 1;
                    if store.get_user(id).await.expect("get_user").is_some() {
                        missing.push(format!("user {id} was deleted (204) and is back"));
                    }
                }
            }
        }
        // The latest displayName acknowledged, or one sent after it, is what the user has.
        for (id, sent) in &log.patches_sent {
            let last_acked = log.acked.iter().rev().find_map(|a| match a {
                Acked::Patched {
                    id: i,
                    display_name,
                } if i == id => Some(display_name),
                _ => None,
            });
            let (Some(last_acked), false) = (last_acked, log.deletes_sent.contains(id)) else {
                continue;
            };
            let user = store.get_user(id).await.expect("get_user");
            let now = user
                .as_ref()
                .and_then(|u| u.data.get("displayName"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let from = sent.iter().position(|v| v == last_acked).unwrap_or(0);
            if !sent[from..].contains(&now) {
                missing.push(format!(
                    "user {id} has displayName {now:?}; acknowledged last: {last_acked:?}"
                ));
            }
        }
    }
    for (key, want) in &needed {
        let have = logged.get(key).copied().unwrap_or(0);
        if have < *want {
            missing.push(format!(
                "{want} acknowledged {} {} of {} but {have} event(s)",
                key.0, key.1, key.2
            ));
        }
    }
    let acked = creates + patches + deletes;
    eprintln!(
        "killed after {killed_after:.2?} with {acked} writes acknowledged \
         ({creates} creates, {patches} patches, {deletes} deletes); {} write events logged; \
         {} missing",
        events.len(),
        missing.len()
    );
    assert!(
        acked >= 50,
        "too few writes were acknowledged before the kill ({acked}) for this to test anything"
    );
    assert!(
        missing.is_empty(),
        "acknowledged writes lost by the kill:\n{}",
        missing.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guard_status_lists_held_deprovisions_and_release_lets_them_through() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_in(&dir);
    ok(&db, &["config", "set", "provisioning", "full"]);
    ok(&db, &["config", "set", "guard-count", "2"]);
    ok(&db, &["config", "set", "guard-percent", "0"]);
    let status = ok(&db, &["guard", "status"]);
    assert!(
        status.contains("more than 2 deactivations and deletions within 15 minutes"),
        "{status}"
    );
    assert!(status.contains("Not holding."), "{status}");
    let token = last_line(&ok(&db, &["token", "create", "--name", "Entra"]));
    let server = serve(&db, &[]);
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for i in 0..4 {
        let r = client
            .post(format!("{}/Users", server.base))
            .bearer_auth(&token)
            .header("User-Agent", "Azure Active Directory SCIM Client")
            .json(&serde_json::json!({"userName": format!("leaver{i}@example.com")}))
            .send()
            .await
            .expect("create");
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.expect("json");
        ids.push(v["id"].as_str().expect("id").to_owned());
    }
    let delete = |id: &str| {
        client
            .delete(format!("{}/Users/{id}", server.base))
            .bearer_auth(&token)
            .header("User-Agent", "Azure Active Directory SCIM Client")
            .send()
    };
    assert_eq!(delete(&ids[0]).await.expect("delete").status(), 204);
    assert_eq!(delete(&ids[1]).await.expect("delete").status(), 204);
    let held = delete(&ids[2]).await.expect("delete");
    assert_eq!(held.status(), 503);
    assert_eq!(held.headers()["retry-after"], "900");
    let status = ok(&db, &["guard", "status"]);
    assert!(status.contains("HOLDING since"), "{status}");
    assert!(status.contains("1 request(s) held"), "{status}");
    assert!(status.contains("leaver2@example.com"), "{status}");
    assert!(status.contains("delete"), "{status}");
    assert!(
        status.contains("Azure Active Directory SCIM Client"),
        "{status}"
    );
    assert!(status.contains("guard release"), "{status}");
    let released = ok(&db, &["guard", "release"]);
    assert!(
        released.contains("Released 1 held request(s)"),
        "{released}"
    );
    // The identity provider's retry now goes through, in the running server.
    assert_eq!(delete(&ids[2]).await.expect("delete").status(), 204);
    let status = ok(&db, &["guard", "status"]);
    assert!(
        status.contains("Not holding.") && status.contains("Last released"),
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_tokens_are_made_listed_and_revoked_apart_from_scim_tokens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_in(&dir);
    let scim = last_line(&ok(&db, &["token", "create", "--name", "okta"]));
    let out = ok(&db, &["admin-token", "create", "--name", "support"]);
    assert!(out.contains("/admin/v1 only"), "{out}");
    let admin = last_line(&out);
    assert!(admin.starts_with("scim_"), "{admin}");
    let listed = ok(&db, &["admin-token", "list"]);
    assert!(
        listed.contains("support") && !listed.contains("okta"),
        "{listed}"
    );
    let scim_list = ok(&db, &["token", "list"]);
    assert!(
        scim_list.contains("okta") && !scim_list.contains("support"),
        "{scim_list}"
    );
    // An admin token cannot be made with `token create`.
    let refused = run(
        &db,
        &["token", "create", "--name", "x", "--permission", "Admin"],
    );
    assert!(!refused.status.success());

    let srv = serve(&db, &[]);
    let root = srv.base.trim_end_matches("/scim/v2").to_owned();
    let (status, _) = get(&srv.base, &admin, "/Users").await;
    assert_eq!(status, 401, "an admin token on SCIM");
    let (status, _) = get(&root, &scim, "/admin/v1/status").await;
    assert_eq!(status, 401, "a SCIM token on the admin API");
    let (status, v) = get(&root, &admin, "/admin/v1/status").await;
    assert_eq!(status, 200, "{v}");
    // Revoked from the command line while the server runs: refused at once.
    let out = run(&db, &["admin-token", "revoke", "okta"]);
    assert!(!out.status.success(), "a SCIM token is no admin token");
    ok(&db, &["admin-token", "revoke", "support"]);
    let (status, _) = get(&root, &admin, "/admin/v1/status").await;
    assert_eq!(status, 401);
}
