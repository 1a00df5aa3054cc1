//! The SCIM endpoint against hostile and careless clients, over HTTP and raw TCP against the
//! real server: connection timeouts and cap, the rate limit, SCIM Errors for every failure,
//! bounded and redacted log entries, folded floods, bounded request cost, and log entries
//! written with the changes they report.

mod common;

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::*;
use scim_server::{ConnectionLimits, ServerOptions};
use scim_store::EventQuery;

fn short_limits() -> ServerOptions {
    ServerOptions {
        limits: Some(ConnectionLimits {
            header_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(2),
            body_timeout: Duration::from_secs(1),
            max_connections: 64,
        }),
        ..ServerOptions::default()
    }
}

fn addr(s: &TestServer) -> String {
    s.root.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection; returns what it sent. Panics if it is still
/// open after `within` (generous: the point is that it closes at all).
async fn read_until_closed(conn: &mut TcpStream, within: Duration) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, conn.read(&mut buf)).await {
            Err(_) => panic!(
                "the connection is still open after {within:?}; received so far: {}",
                String::from_utf8_lossy(&out)
            ),
            Ok(Ok(0)) | Ok(Err(_)) => return String::from_utf8_lossy(&out).into_owned(),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

// ---- connections ---------------------------------------------------------------------------

/// Every entry of the event log (the tests write far fewer than this).
async fn all_events(store: &std::sync::Arc<dyn scim_store::Store>) -> Vec<scim_store::EventRecord> {
    store
        .list_events(&EventQuery {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .expect("list events")
}

/// A complete GET of the static configuration, with the harness token.
fn spc_request(s: &TestServer) -> Vec<u8> {
    format!(
        "GET /scim/v2/ServiceProviderConfig HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\r\n",
        s.bearer()
    )
    .into_bytes()
}

#[tokio::test]
async fn silent_idle_and_slow_header_connections_are_closed() {
    let s = TestServer::start_with("full", OKTA_UA, short_limits()).await;
    // A connection that never sends anything.
    let mut silent = TcpStream::connect(addr(&s)).await.unwrap();
    // One that sends half a request head and stops.
    let mut slow = TcpStream::connect(addr(&s)).await.unwrap();
    slow.write_all(b"GET /scim/v2/ServiceProviderConfig HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // One that completes a request, keeps the connection alive and goes quiet.
    let mut idle = TcpStream::connect(addr(&s)).await.unwrap();
    idle.write_all(&spc_request(&s)).await.unwrap();
    let limit = Duration::from_secs(15);
    let (a, b, c) = tokio::join!(
        read_until_closed(&mut silent, limit),
        read_until_closed(&mut slow, limit),
        read_until_closed(&mut idle, limit),
    );
    assert_eq!(a, "", "nothing is answered to a silent connection");
    assert!(!b.contains("200 OK"), "{b}");
    assert!(c.starts_with("HTTP/1.1 200"), "the request was served: {c}");
    // The server still serves everyone else.
    let (status, _, _) = s.get("/ServiceProviderConfig").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_half_sent_body_gets_a_scim_408_and_the_connection_closes() {
    let s = TestServer::start_with("full", OKTA_UA, short_limits()).await;
    let mut conn = TcpStream::connect(addr(&s)).await.unwrap();
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: 200\r\n\r\n{{\"userName\":",
        s.bearer()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut conn, Duration::from_secs(15)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/scim+json"), "{answer}");
    assert!(answer.contains("\"status\":\"408\""), "{answer}");
    assert!(answer.contains("body-timeout"), "{answer}");
}

#[tokio::test]
async fn slow_clients_do_not_delay_others() {
    let s = TestServer::start_with("full", OKTA_UA, short_limits()).await;
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut c = TcpStream::connect(addr(&s)).await.unwrap();
        c.write_all(b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthor")
            .await
            .unwrap();
        slow.push(c);
    }
    // Every slow connection is still open (they are closed only by the header timeout)…
    let mut probe = [0u8; 1];
    for c in &mut slow {
        assert!(
            tokio::time::timeout(Duration::from_millis(1), c.read(&mut probe))
                .await
                .is_err(),
            "a slow connection was answered or closed at once"
        );
    }
    // …while a normal client is served.
    for _ in 0..5 {
        let (status, _, _) = s.send_unpooled(Method::GET, "/Users?count=1", None).await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let options = ServerOptions {
        limits: Some(ConnectionLimits {
            max_connections: 2,
            ..short_limits().limits.unwrap()
        }),
        ..ServerOptions::default()
    };
    let s = TestServer::start_with("full", OKTA_UA, options).await;
    let mut a = TcpStream::connect(addr(&s)).await.unwrap();
    let mut b = TcpStream::connect(addr(&s)).await.unwrap();
    a.write_all(&spc_request(&s)).await.unwrap();
    b.write_all(&spc_request(&s)).await.unwrap();
    let mut buf = [0u8; 4096];
    assert!(a.read(&mut buf).await.unwrap() > 0);
    assert!(b.read(&mut buf).await.unwrap() > 0);
    // Both stay open (keep-alive); a third client is not served until one of them closes.
    let third = tokio::spawn({
        let (url, auth) = (format!("{}/ServiceProviderConfig", s.base), s.bearer());
        async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap();
            client
                .get(url)
                .header("Authorization", auth)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !third.is_finished(),
        "the third connection was served beyond the cap"
    );
    drop(a);
    let status = tokio::time::timeout(Duration::from_secs(10), third)
        .await
        .expect("served once a slot was free")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
}

// ---- rate limit ----------------------------------------------------------------------------

#[tokio::test]
async fn past_the_rate_limit_a_token_gets_429_with_retry_after() {
    let s = TestServer::start("full").await;
    s.core.set_setting("rate-limit", "5").await.unwrap();
    let mut statuses = Vec::new();
    let mut throttled = None;
    for _ in 0..40 {
        let (status, headers, body) = s.get("/Users?count=1").await;
        if status == 429 && throttled.is_none() {
            throttled = Some((headers, body));
        }
        statuses.push(status);
    }
    // Below the limit (the burst of 2R = 10) nothing is refused…
    assert!(statuses[..10].iter().all(|s| *s == 200), "{statuses:?}");
    // …past it the token waits (40 requests would need 6 s to pass at 5 per second).
    let (headers, body) = throttled.unwrap_or_else(|| panic!("no 429 in {statuses:?}"));
    assert_scim_error(429, &body, 429, None);
    assert_scim_json(&headers, "429");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    assert!(
        body["detail"].as_str().unwrap().contains(TOKEN_NAME),
        "{body}"
    );
    // Another token has a bucket of its own.
    let other = s
        .insert_token("Second", scim_store::Permission::UserRead, None)
        .await;
    let (status, _, _) = s
        .send(
            Method::GET,
            "/Users?count=1",
            None,
            Some(&format!("Bearer {other}")),
            &[],
        )
        .await;
    assert_eq!(status, 200);
    // Off means off: a burst well beyond 2R passes.
    s.core.set_setting("rate-limit", "off").await.unwrap();
    for _ in 0..50 {
        let (status, _, _) = s.get("/Users?count=1").await;
        assert_eq!(status, 200);
    }
    // Throttled requests are counted in the log, folded.
    let refused = statuses.iter().filter(|s| **s == 429).count() as u64;
    let (stopped, store) = s.stop().await;
    assert!(stopped);
    let logged: Vec<_> = all_events(&store)
        .await
        .into_iter()
        .filter(|e| e.event.status == 429)
        .collect();
    assert!(
        logged
            .iter()
            .all(|e| e.event.aggregated && e.event.token_name.as_deref() == Some(TOKEN_NAME)),
        "{logged:#?}"
    );
    assert_eq!(logged.iter().map(|e| e.event.count).sum::<u64>(), refused);
}

#[tokio::test]
async fn unauthenticated_floods_are_limited_per_address_and_folded_in_the_log() {
    let s = TestServer::start("full").await;
    s.core.set_setting("rate-limit", "50").await.unwrap();
    let mut statuses = Vec::new();
    for _ in 0..60 {
        let (status, headers, body) = s
            .send(Method::GET, "/Users", None, Some("Bearer wrong"), &[])
            .await;
        if status == 429 {
            assert!(headers.contains_key("retry-after"));
            assert_scim_error(429, &body, 429, None);
        }
        statuses.push(status);
    }
    assert!(statuses[..20].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    // A valid token from the same address is not affected.
    let (status, _, _) = s.get("/Users?count=1").await;
    assert_eq!(status, 200);
    let (stopped, store) = s.stop().await;
    assert!(stopped);
    let all = all_events(&store).await;
    let refused: Vec<_> = all
        .iter()
        .filter(|e| e.event.status >= 401 && e.event.status != 200)
        .collect();
    assert!(
        refused.len() <= 8,
        "60 refused requests took {} entries: {refused:#?}",
        refused.len()
    );
    assert_eq!(refused.iter().map(|e| e.event.count).sum::<u64>(), 60);
    assert!(refused
        .iter()
        .all(|e| e.event.aggregated && e.event.address.as_deref() == Some("127.0.0.1")));
}

// ---- SCIM Errors ---------------------------------------------------------------------------

#[tokio::test]
async fn every_failure_under_the_base_is_a_scim_error() {
    let s = TestServer::start("full").await;
    let auth = s.bearer();
    for (method, path, status) in [
        (Method::GET, "/Users/%FF", 400),
        (Method::DELETE, "/Users/.search", 405),
        (Method::OPTIONS, "/Users", 405),
        (Method::PUT, "/ServiceProviderConfig", 405),
        (Method::GET, "/Nothing/here", 404),
        (Method::GET, "/Users/%E2%82", 400),
    ] {
        let (st, headers, body) = s.send(method.clone(), path, None, Some(&auth), &[]).await;
        assert_eq!(st, status, "{method} {path}: {body}");
        assert_scim_error(st, &body, status, None);
        assert_scim_json(&headers, path);
        if status == 405 {
            let allow = headers["allow"].to_str().unwrap();
            assert!(!allow.is_empty(), "{method} {path}: no Allow");
            assert!(
                body["detail"].as_str().unwrap().contains("allowed"),
                "{body}"
            );
        }
    }
}

#[tokio::test]
async fn a_trailing_slash_means_the_same_endpoint() {
    let s = TestServer::start("full").await;
    let user = s.provision("slash@example.com", "Sla", "Sh").await;
    let id = user["id"].as_str().unwrap();
    let (status, _, body) = s.get("/Users/").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["totalResults"], 1);
    let (status, _, body) = s.get(&format!("/Users/{id}/")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], id);
    let (status, _, _) = s.get("/ServiceProviderConfig/").await;
    assert_eq!(status, 200);
}

// ---- the audit log -------------------------------------------------------------------------

#[tokio::test]
async fn logged_fields_are_bounded_and_secrets_in_query_strings_redacted() {
    let s = TestServer::start("full").await;
    let huge_agent = "A".repeat(256 * 1024);
    let (status, _, _) = s
        .send(
            Method::GET,
            "/Users?access_token=SECRET-VALUE-1&count=1",
            None,
            None,
            &[("User-Agent", huge_agent.as_str())],
        )
        .await;
    assert_eq!(status, 401);
    let long_path = format!(
        "/Users?filter=userName%20eq%20%22{}%22&password=SECRET-VALUE-2",
        "b".repeat(5000)
    );
    let (status, _, _) = s.get(&long_path).await;
    assert_eq!(status, 200);
    let (stopped, store) = s.stop().await;
    assert!(stopped);
    let all = all_events(&store).await;
    let text = serde_json::to_string(&all).unwrap();
    assert!(
        !text.contains("SECRET-VALUE"),
        "a secret was stored: {text}"
    );
    let unauth = all
        .iter()
        .find(|e| e.event.status == 401)
        .expect("401 logged");
    let ua = unauth.event.client.as_deref().unwrap();
    assert!(ua.len() <= 256 && ua.contains("cut: 262144 bytes"), "{ua}");
    assert!(
        unauth.event.path.contains("access_token=[redacted]"),
        "{}",
        unauth.event.path
    );
    let long = all
        .iter()
        .find(|e| e.event.status == 200)
        .expect("200 logged");
    assert!(
        long.event.path.len() <= 1024 && long.event.path.contains("…[cut:"),
        "{}",
        long.event.path
    );
}

#[tokio::test]
async fn the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy() {
    let s = TestServer::start("full").await;
    let xff = [("X-Forwarded-For", "203.0.113.9")];
    let (status, _, _) = s
        .send(Method::GET, "/Users?count=1", None, Some(&s.bearer()), &xff)
        .await;
    assert_eq!(status, 200);
    let first = s
        .wait_event("untrusted", |e| e.event.path.ends_with("count=1"))
        .await;
    assert_eq!(first.event.address.as_deref(), Some("127.0.0.1"));
    s.core
        .set_setting("trusted-proxies", "127.0.0.1")
        .await
        .unwrap();
    let (status, _, _) = s
        .send(Method::GET, "/Users?count=2", None, Some(&s.bearer()), &xff)
        .await;
    assert_eq!(status, 200);
    let second = s
        .wait_event("trusted", |e| e.event.path.ends_with("count=2"))
        .await;
    assert_eq!(second.event.address.as_deref(), Some("203.0.113.9"));
}

// ---- writes and their log entries ----------------------------------------------------------

#[tokio::test]
async fn an_acknowledged_write_is_in_the_log_when_the_client_hears_of_it() {
    let s = TestServer::start("full").await;
    let body = okta_user_body("written@example.com", "Wri", "Tten", &okta_id());
    let (status, _, created) = s.post("/Users", &body).await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap().to_owned();
    let patch = patch_body(json!([{"op": "replace", "value": {"active": false}}]));
    let (status, _, _) = s.patch(&format!("/Users/{id}"), &patch).await;
    assert_eq!(status, 200);
    let (status, _, _) = s.delete(&format!("/Users/{id}")).await;
    assert_eq!(status, 204);
    // No waiting: the entries were committed with the changes, before the answers were sent.
    let logged = s
        .store
        .list_events(&EventQuery {
            resource_id: Some(id.clone()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let statuses: Vec<u16> = logged.iter().map(|e| e.event.status).collect();
    assert_eq!(statuses, vec![201, 200, 204], "{logged:#?}");
    assert_eq!(logged[0].event.token_name.as_deref(), Some(TOKEN_NAME));
    assert_eq!(logged[0].event.client.as_deref(), Some(OKTA_UA));
    assert!(logged[1].event.diff.iter().any(|d| d.path == "active"));
}

// ---- simulated requests --------------------------------------------------------------------

/// The console's Okta simulator sends with Okta's User-Agent and a token of its own; the
/// server marks the log entries of that token's requests as simulated, reads and writes
/// alike, and nothing a client sends can mark a request either way.
#[tokio::test]
async fn requests_with_the_simulator_token_are_logged_as_simulated_and_no_others() {
    let s = TestServer::start("full").await;
    let body = okta_user_body("simulated@example.com", "Simu", "Lated", &okta_id());
    let (status, _, created) = s.post("/Users", &body).await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap().to_owned();
    let (token, secret) = s.core.create_simulator_token().await.unwrap();
    assert!(token.simulator);
    assert_eq!(token.name, scim_server::tokens::SIMULATOR_TOKEN_NAME);

    // With the simulator's token: Okta's connector test (logged in the background) and a
    // deactivation (logged in the change's own transaction).
    let (status, _, _) = s
        .as_token(&secret, Method::GET, "/Users?startIndex=1&count=2", None)
        .await;
    assert_eq!(status, 200);
    let deactivate = patch_body(json!([{"op": "replace", "value": {"active": false}}]));
    let (status, _, _) = s
        .as_token(
            &secret,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(&deactivate),
        )
        .await;
    assert_eq!(status, 200);
    // With a normal token, claiming to be the simulator in every way a client can.
    let claims = [
        ("User-Agent", "SCIM Console simulator"),
        ("X-Simulated", "true"),
    ];
    let (status, _, _) = s
        .send(
            Method::GET,
            "/Users?startIndex=1&count=3",
            None,
            Some(&s.bearer()),
            &claims,
        )
        .await;
    assert_eq!(status, 200);
    let reactivate = patch_body(json!([{"op": "replace", "value": {"active": true}}]));
    let (status, _, _) = s.patch(&format!("/Users/{id}"), &reactivate).await;
    assert_eq!(status, 200);

    let sim_read = s
        .wait_event("the simulator's read", |e| {
            e.event.path.ends_with("count=2")
        })
        .await;
    assert!(sim_read.event.simulated, "{sim_read:#?}");
    assert_eq!(sim_read.event.client.as_deref(), Some(OKTA_UA));
    assert_eq!(sim_read.event.token_id, Some(token.id));
    let real_read = s
        .wait_event("the real read", |e| e.event.path.ends_with("count=3"))
        .await;
    assert!(!real_read.event.simulated, "{real_read:#?}");
    let writes = s
        .store
        .list_events(&EventQuery {
            resource_id: Some(id.clone()),
            methods: vec!["PATCH".to_owned()],
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let marks: Vec<(Option<&str>, bool)> = writes
        .iter()
        .map(|e| (e.event.token_name.as_deref(), e.event.simulated))
        .collect();
    assert_eq!(
        marks,
        [
            (Some(scim_server::tokens::SIMULATOR_TOKEN_NAME), true),
            (Some(TOKEN_NAME), false)
        ]
    );

    // The log can be read without them, or only them.
    let real = s
        .store
        .list_events(&EventQuery {
            simulated: Some(false),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(real.iter().all(|e| !e.event.simulated));
    assert_eq!(real.len(), 3, "{real:#?}");
    let simulated = s
        .store
        .list_events(&EventQuery {
            simulated: Some(true),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(simulated.len(), 2, "{simulated:#?}");

    // A new simulator token replaces the old one, which stops working at once.
    let (second, _) = s.core.create_simulator_token().await.unwrap();
    assert_ne!(second.id, token.id);
    let (status, _, _) = s.as_token(&secret, Method::GET, "/Users", None).await;
    assert_eq!(status, 401);
    let tokens = s.store.list_tokens().await.unwrap();
    let active_sim: Vec<i64> = tokens
        .iter()
        .filter(|t| t.simulator && t.revoked.is_none())
        .map(|t| t.id)
        .collect();
    assert_eq!(active_sim, [second.id]);
    assert!(
        tokens.iter().any(|t| t.name == TOKEN_NAME && !t.simulator),
        "{tokens:#?}"
    );
}

// ---- request cost --------------------------------------------------------------------------

#[tokio::test]
async fn patch_size_is_capped_with_clear_errors() {
    let s = TestServer::start("full").await;
    let user = s.provision("caps@example.com", "Ca", "Ps").await;
    let id = user["id"].as_str().unwrap();
    let ops: Vec<Value> = (0..1001)
        .map(|i| json!({"op": "replace", "path": "title", "value": format!("t{i}")}))
        .collect();
    let (status, _, body) = s
        .patch(&format!("/Users/{id}"), &patch_body(json!(ops)))
        .await;
    assert_scim_error(status, &body, 400, Some("invalidValue"));
    assert!(body["detail"].as_str().unwrap().contains("1,000"), "{body}");
    let ops: Vec<Value> = (0..1000)
        .map(|i| json!({"op": "replace", "path": "title", "value": format!("t{i}")}))
        .collect();
    let (status, _, body) = s
        .patch(&format!("/Users/{id}"), &patch_body(json!(ops)))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "t999");
    let phones: Vec<Value> = (0..1001)
        .map(|i| json!({"value": format!("+1555{i:07}"), "type": "work"}))
        .collect();
    let add = patch_body(json!([{"op": "add", "path": "phoneNumbers", "value": phones}]));
    let (status, _, body) = s.patch(&format!("/Users/{id}"), &add).await;
    assert_scim_error(status, &body, 400, Some("invalidValue"));
    assert!(
        body["detail"].as_str().unwrap().contains("phoneNumbers"),
        "{body}"
    );
    let (_, _, after) = s.get(&format!("/Users/{id}")).await;
    assert!(
        after.get("phoneNumbers").is_none(),
        "nothing was applied: {after}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn light_requests_are_answered_while_heavy_patches_run() {
    let s = TestServer::start("full").await;
    // Four users at the cap of 1,000 phone numbers, and for each a PATCH at the cap of 1,000
    // value-filter operations: a million filter evaluations per request, the most one request
    // can ask for.
    let phones: Vec<Value> = (0..1000)
        .map(|i| json!({"value": format!("+1555{i:07}"), "type": "work"}))
        .collect();
    let ops: Vec<Value> = (0..1000)
        .map(|i| {
            json!({"op": "replace", "path": format!("phoneNumbers[value eq \"+1555{:07}\"].type", 999 - i), "value": "home"})
        })
        .collect();
    let heavy = patch_body(json!(ops));
    let mut ids = Vec::new();
    for n in 0..4 {
        let mut body = okta_user_body(&format!("heavy{n}@example.com"), "Hea", "Vy", &okta_id());
        body["phoneNumbers"] = json!(phones);
        let (status, _, created) = s.post("/Users", &body).await;
        assert_eq!(status, 201, "{created}");
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::<&'static str>::new()));
    let mut tasks = Vec::new();
    for id in &ids {
        let (url, auth, body, order) = (
            s.url(&format!("/Users/{id}")),
            s.bearer(),
            heavy.clone(),
            order.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = reqwest::Client::new()
                .patch(url)
                .header("Authorization", auth)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            order.lock().unwrap().push("heavy");
        }));
    }
    // Give the heavy requests a head start, then ask for the static configuration.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let light = tokio::spawn({
        let (url, auth, order) = (s.url("/ServiceProviderConfig"), s.bearer(), order.clone());
        async move {
            let client = reqwest::Client::new();
            for _ in 0..3 {
                let r = client
                    .get(&url)
                    .header("Authorization", &auth)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                order.lock().unwrap().push("light");
            }
        }
    });
    light.await.unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let order = order.lock().unwrap().clone();
    assert_eq!(
        &order[..3],
        &["light", "light", "light"],
        "the light requests waited for the heavy ones: {order:?}"
    );
}
