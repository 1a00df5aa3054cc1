//! The admin API (`/admin/v1`) against the real server: admin tokens only there, SCIM tokens
//! only on SCIM (401 both ways), a revoked admin token refused at once, and the stream of the
//! event log across a dropped connection — no entry lost, none twice — and a reset when the
//! entries to resume from were pruned.

mod common;

use std::collections::BTreeSet;

use serde_json::Value;

use common::*;
use scim_store::Permission;

/// One server-sent event.
#[derive(Debug, Clone, Default)]
struct Sse {
    id: Option<String>,
    event: String,
    data: String,
}

/// A stream being read: events as they arrive.
struct Stream {
    resp: reqwest::Response,
    buf: String,
}

impl Stream {
    async fn open(srv: &TestServer, secret: &str, last_id: Option<i64>) -> Stream {
        let mut req = reqwest::Client::new()
            .get(format!("{}/admin/v1/stream", srv.root))
            .bearer_auth(secret);
        if let Some(id) = last_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let resp = req.send().await.expect("the stream");
        assert_eq!(resp.status(), 200);
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        Stream {
            resp,
            buf: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped); panics after 10 s.
    async fn next(&mut self) -> Sse {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut e = Sse::default();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        e.id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        e.event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        e.data.push_str(v.trim_start());
                    }
                }
                if e.event.is_empty() && e.data.is_empty() {
                    continue;
                }
                return e;
            }
            let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), self.resp.chunk())
                .await
                .expect("an event within 10 s")
                .expect("the stream is readable")
                .expect("the stream is still open");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Entries until one with id `last` (inclusive): their ids.
    async fn entries_until(&mut self, last: i64) -> Vec<i64> {
        let mut ids = Vec::new();
        loop {
            let e = self.next().await;
            assert_eq!(e.event, "entry", "{e:?}");
            let id: i64 = e.id.as_deref().unwrap().parse().unwrap();
            let v: Value = serde_json::from_str(&e.data).expect("an entry as JSON");
            assert_eq!(v["id"], id);
            ids.push(id);
            if id >= last {
                return ids;
            }
        }
    }
}

async fn admin_token(srv: &TestServer) -> String {
    srv.core
        .create_token("support", Permission::Admin, None)
        .await
        .expect("admin token")
        .1
}

async fn get_status(srv: &TestServer, secret: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(format!("{}/admin/v1/status", srv.root))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn newest_id(srv: &TestServer) -> i64 {
    srv.store
        .list_events(&scim_store::EventQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .first()
        .map_or(0, |e| e.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_and_scim_tokens_are_each_refused_on_the_other_s_endpoints() {
    let srv = TestServer::start("full").await;
    let admin = admin_token(&srv).await;
    let (status, v) = get_status(&srv, &admin).await;
    assert_eq!(status, 200, "{v:#}");
    assert_eq!(v["policy"], "full");
    // A SCIM token on the admin API, an admin token on SCIM, and no token: 401.
    let (status, v) = get_status(&srv, &srv.token).await;
    assert_eq!(status, 401, "{v:#}");
    assert!(
        v["detail"].as_str().unwrap().contains("admin tokens only"),
        "{v:#}"
    );
    let (status, _h, body) = srv
        .as_token(&admin, reqwest::Method::GET, "/Users", None)
        .await;
    assert_scim_error(status, &body, 401, None);
    assert!(
        body["detail"].as_str().unwrap().contains("/admin/v1 only"),
        "{body:#}"
    );
    let (status, _) = get_status(&srv, "").await;
    assert_eq!(status, 401);
    // A revoked admin token is refused on the very next request.
    srv.core.revoke_token("support").await.unwrap();
    let (status, v) = get_status(&srv, &admin).await;
    assert_eq!(status, 401, "{v:#}");
    assert!(v["detail"].as_str().unwrap().contains("revoked"), "{v:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_resumes_after_a_dropped_connection_losing_nothing() {
    let srv = TestServer::start("full").await;
    let admin = admin_token(&srv).await;
    let mut s = Stream::open(&srv, &admin, None).await;
    let hello = s.next().await;
    assert_eq!(hello.event, "hello");
    let start: i64 = serde_json::from_str::<Value>(&hello.data).unwrap()["last_event_id"]
        .as_i64()
        .unwrap();
    // Three users created over SCIM arrive as entries.
    for n in ["a", "b", "c"] {
        srv.provision(&format!("{n}@example.com"), n, "Stream")
            .await;
    }
    let mut seen = s.entries_until(newest_id_after_flush(&srv).await).await;
    // The connection drops; more happens meanwhile; the client resumes from the last id.
    let last_seen = *seen.last().unwrap();
    drop(s);
    for n in ["d", "e", "f", "g"] {
        srv.provision(&format!("{n}@example.com"), n, "Stream")
            .await;
    }
    let target = newest_id_after_flush(&srv).await;
    let mut s = Stream::open(&srv, &admin, Some(last_seen)).await;
    let resumed = s.entries_until(target).await;
    assert!(resumed.iter().all(|id| *id > last_seen), "{resumed:?}");
    seen.extend(resumed);
    // Every entry from the start to the end, each once.
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "duplicates: {seen:?}");
    let all: BTreeSet<i64> = srv
        .store
        .list_events(&scim_store::EventQuery {
            after_id: Some(start),
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .filter(|id| *id <= target)
        .collect();
    assert_eq!(unique, all);
    assert!(all.len() >= 14, "7 creates and 7 reads: {all:?}");
}

/// The newest entry's id once the reads logged in the background are written.
async fn newest_id_after_flush(srv: &TestServer) -> i64 {
    // Reads are written in batches: wait until the log stops growing.
    let mut last = newest_id(srv).await;
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let now = newest_id(srv).await;
        if now == last {
            return now;
        }
        last = now;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_whose_entries_were_pruned_is_told_to_read_afresh() {
    let srv = TestServer::start("full").await;
    let admin = admin_token(&srv).await;
    for n in ["a", "b", "c", "d"] {
        srv.provision(&format!("{n}@example.com"), n, "Pruned")
            .await;
    }
    newest_id_after_flush(&srv).await;
    srv.store
        .prune_events(&scim_store::Retention {
            rows: 2,
            aggregated_rows: 2,
            bytes: u64::MAX,
        })
        .await
        .unwrap();
    let mut s = Stream::open(&srv, &admin, Some(1)).await;
    let e = s.next().await;
    assert_eq!(e.event, "reset", "{e:?}");
    assert!(e.data.contains("afresh"), "{e:?}");
    // Then what is kept follows.
    let next = s.next().await;
    assert_eq!(next.event, "entry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_ahead_of_the_log_is_told_to_read_afresh_and_then_follows_it() {
    // A console that read another log (the server's database was replaced) resumes with an
    // id this log has not reached.
    let srv = TestServer::start("full").await;
    let admin = admin_token(&srv).await;
    srv.provision("first@example.com", "First", "User").await;
    let newest = newest_id_after_flush(&srv).await;
    let mut s = Stream::open(&srv, &admin, Some(newest + 1_000)).await;
    let e = s.next().await;
    assert_eq!(e.event, "reset", "{e:?}");
    srv.provision("next@example.com", "Next", "User").await;
    let next = s.next().await;
    assert_eq!(next.event, "entry", "{next:?}");
    assert!(next.id.unwrap().parse::<i64>().unwrap() > newest);
}

async fn admin_get(srv: &TestServer, secret: &str, path: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(format!("{}/admin/v1{path}", srv.root))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_s_views_are_served_to_admin_tokens_without_secrets() {
    let srv = TestServer::start("full").await;
    let admin = admin_token(&srv).await;
    for n in ["ann", "bob", "cat"] {
        let mut body = okta_user_body(&format!("{n}@example.com"), n, "View", &okta_id());
        body["password"] = serde_json::json!("Hunter2-secret");
        let (status, _h, _b) = srv.post("/Users", &body).await;
        assert_eq!(status, 201);
    }
    let (status, _h, _b) = srv
        .post("/Groups", &serde_json::json!({"displayName": "Sales"}))
        .await;
    assert_eq!(status, 201);

    let (status, v) = admin_get(&srv, &admin, "/users?limit=2").await;
    assert_eq!(status, 200, "{v:#}");
    assert_eq!(v["total"], 3);
    assert_eq!(v["users"].as_array().unwrap().len(), 2);
    let (_, v) = admin_get(&srv, &admin, "/users?filter=userName%20sw%20%22b%22").await;
    assert_eq!(v["total"], 1, "{v:#}");
    assert_eq!(v["users"][0]["user_name"], "bob@example.com");
    let (status, v) = admin_get(&srv, &admin, "/users?filter=userName%20eq").await;
    assert_eq!(status, 400, "a bad filter: {v:#}");
    let (_, v) = admin_get(&srv, &admin, "/groups").await;
    assert_eq!(v["groups"][0]["display_name"], "Sales");
    let (_, v) = admin_get(&srv, &admin, "/tokens").await;
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(
        names.contains(&TOKEN_NAME) && names.contains(&"support"),
        "{v:#}"
    );
    let (_, v) = admin_get(&srv, &admin, "/settings").await;
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["key"] == "provisioning" && s["value"] == "full"));
    let (_, v) = admin_get(&srv, &admin, "/roles").await;
    assert_eq!(v["role_attribute"], "pantherRole");
    let (_, v) = admin_get(&srv, &admin, "/events?hide_reads=true&limit=10").await;
    assert!(v["total"].as_u64().unwrap() >= 4, "{v:#}");
    let (_, v) = admin_get(&srv, &admin, "/guard").await;
    assert_eq!(v["held_total"], 0);
    // No secret anywhere: not the token's, not a password or its hash.
    let mut all = String::new();
    for path in [
        "/users?limit=10",
        "/tokens",
        "/settings",
        "/events?limit=100",
    ] {
        all.push_str(&admin_get(&srv, &admin, path).await.1.to_string());
    }
    for secret in [
        srv.token.as_str(),
        admin.as_str(),
        "Hunter2-secret",
        "argon2",
    ] {
        assert!(!all.contains(secret), "{secret} in an admin answer");
    }
    // And the SCIM token is refused on every one of them.
    for path in ["/users", "/tokens", "/events", "/guard"] {
        assert_eq!(admin_get(&srv, &srv.token, path).await.0, 401, "{path}");
    }
}

async fn admin_call(
    srv: &TestServer,
    secret: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}/admin/v1{path}", srv.root))
        .bearer_auth(secret);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_changes_follow_the_server_s_rules_and_name_the_admin_token() {
    use reqwest::Method;
    use serde_json::json;
    let srv = TestServer::start("full").await;
    let admin = admin_token(&srv).await;

    // Writes are admin-only too.
    let (status, _) = admin_call(
        &srv,
        &srv.token,
        Method::POST,
        "/tokens",
        Some(json!({"name": "sneaky", "permission": "Admin"})),
    )
    .await;
    assert_eq!(status, 401);
    assert!(srv
        .store
        .list_tokens()
        .await
        .unwrap()
        .iter()
        .all(|t| t.name != "sneaky"));

    // A token made over the API works on SCIM; its secret is in that answer only.
    let (status, made) = admin_call(
        &srv,
        &admin,
        Method::POST,
        "/tokens",
        Some(json!({"name": "okta-prod", "expires_in_days": 30})),
    )
    .await;
    assert_eq!(status, 201, "{made:#}");
    let secret = made["secret"].as_str().unwrap().to_owned();
    let (status, listed) = admin_call(&srv, &admin, Method::GET, "/tokens", None).await;
    assert_eq!(status, 200);
    assert!(
        !listed.to_string().contains(&secret),
        "no secret when listed"
    );
    let (status, _h, body) = srv
        .as_token(
            &secret,
            Method::POST,
            "/Users",
            Some(
                &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                        "userName": "ada@example.com", "active": true}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body:#}");
    let id = body["id"].as_str().unwrap().to_owned();

    // Settings and roles are validated as the console's are: refused with a SCIM Error.
    let (status, e) = admin_call(
        &srv,
        &admin,
        Method::PUT,
        "/settings/provisioning",
        Some(json!({"value": "sometimes"})),
    )
    .await;
    assert_eq!(status, 400, "{e:#}");
    assert_eq!(e["scimType"], "invalidValue");
    let (status, e) =
        admin_call(&srv, &admin, Method::DELETE, "/roles/ReadOnlyAnalyst", None).await;
    assert_eq!(status, 400, "the default role stays: {e:#}");

    // A change to a user is a PATCH, logged as the console's, naming the token.
    let (status, u) = admin_call(
        &srv,
        &admin,
        Method::PATCH,
        &format!("/users/{id}"),
        Some(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": "active", "value": false}]}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{u:#}");
    assert_eq!(u["active"], false);
    let (status, _) = admin_call(&srv, &admin, Method::POST, "/events/flush", None).await;
    assert_eq!(status, 204);
    let (status, entries) = admin_call(
        &srv,
        &admin,
        Method::POST,
        "/events/.search",
        Some(json!({"resource_id": id, "limit": 10})),
    )
    .await;
    assert_eq!(status, 200);
    let console = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["method"] == "CONSOLE")
        .unwrap_or_else(|| panic!("{entries:#}"));
    assert_eq!(console["client"], "Console (admin token 'support')");

    // Malformed input and unknown paths are SCIM Errors too, never plain text.
    let (status, e) = admin_call(&srv, &admin, Method::GET, "/users?limit=many", None).await;
    assert_eq!(status, 400);
    assert_eq!(e["scimType"], "invalidValue", "{e:#}");
    let (status, e) = admin_call(
        &srv,
        &admin,
        Method::POST,
        "/roles",
        Some(json!({"nom": "x"})),
    )
    .await;
    assert!(status == 400 || status == 422, "{status}");
    assert!(e["detail"].as_str().is_some(), "{e:#}");
    let (status, e) = admin_call(&srv, &admin, Method::GET, "/nothing-here", None).await;
    assert_eq!(status, 404);
    assert!(
        e["detail"].as_str().unwrap().contains("no endpoint"),
        "{e:#}"
    );
    let (status, e) = admin_call(&srv, &admin, Method::DELETE, "/status", None).await;
    assert_eq!(status, 405);
    assert!(
        e["detail"]
            .as_str()
            .unwrap()
            .starts_with("DELETE is not allowed on /admin/v1/status"),
        "{e:#}"
    );

    // Bounds: an unknown user is a 404; at most 1,000 ids per lookup of groups.
    let (status, _) = admin_call(&srv, &admin, Method::GET, "/users/nope", None).await;
    assert_eq!(status, 404);
    let ids: Vec<String> = (0..1001).map(|i| i.to_string()).collect();
    let (status, e) = admin_call(
        &srv,
        &admin,
        Method::POST,
        "/users/groups",
        Some(json!({"ids": ids})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(e["scimType"], "tooMany");
}
