//! Test harness: a real SCIM Console server on 127.0.0.1 over a temporary SQLite file.
//!
//! `TestServer::start(policy)` opens the store, sets the provisioning policy, creates a
//! UserModify token named "Okta-SCIM", binds a listener on an OS-chosen port and spawns
//! `scim_server::serve` on it. The listener is bound before the server task starts, so requests
//! can be sent at once (no readiness polling). Dropping the server sends the shutdown signal.

#![allow(dead_code, unused_macros)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use scim_server::core::Core;
use scim_store::{ChangeContext, EventQuery, EventRecord, NewToken, Permission, Store, UserRecord};

pub const OKTA_UA: &str = "Okta SCIM Client 1.0.0";
pub const ENTRA_UA: &str = "Azure Active Directory SCIM Client";

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const TOKEN_NAME: &str = "Okta-SCIM";

/// `(status, headers, body)`; the body is `Null` when empty and a JSON string holding the raw
/// text when it is not JSON (so assertion messages still show it).
pub type Resp = (u16, HeaderMap, Value);

pub struct TestServer {
    /// `http://127.0.0.1:PORT/scim/v2`
    pub base: String,
    /// `http://127.0.0.1:PORT`
    pub root: String,
    /// The secret of the UserModify token "Okta-SCIM".
    pub token: String,
    pub policy: String,
    pub core: Arc<Core>,
    pub store: Arc<dyn Store>,
    pub client: reqwest::Client,
    /// The User-Agent sent with every request.
    pub user_agent: String,
    shutdown: Option<oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl TestServer {
    /// A server under `policy` ("jit" or "full") whose client identifies as Okta.
    pub async fn start(policy: &str) -> TestServer {
        Self::start_with_agent(policy, OKTA_UA).await
    }

    /// A server under `policy` whose client identifies as Microsoft Entra ID.
    pub async fn start_entra(policy: &str) -> TestServer {
        Self::start_with_agent(policy, ENTRA_UA).await
    }

    pub async fn start_with_agent(policy: &str, user_agent: &str) -> TestServer {
        Self::start_with(policy, user_agent, scim_server::ServerOptions::default()).await
    }

    /// A server under `policy` started with `options` (connection limits, say).
    pub async fn start_with(
        policy: &str,
        user_agent: &str,
        options: scim_server::ServerOptions,
    ) -> TestServer {
        let dir = tempfile::TempDir::new().expect("create a temporary directory");
        let db = dir.path().join("scim-console.db");
        let store = scim_store::open(db.to_str().expect("utf-8 temp path"))
            .await
            .expect("open the SQLite store");
        let core = Core::new(store.clone()).await.expect("Core::new");
        core.set_setting("provisioning", policy)
            .await
            .expect("set the provisioning policy");
        // These suites send requests far faster than any identity provider; the rate limit
        // has tests of its own.
        core.set_setting("rate-limit", "off")
            .await
            .expect("turn the rate limit off");
        let (_record, secret) = core
            .create_token(TOKEN_NAME, Permission::UserModify, None)
            .await
            .expect("create the UserModify token");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let (tx, rx) = oneshot::channel::<()>();
        let server_store = store.clone();
        let served = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            if let Err(e) = scim_server::serve(listener, server_store, options, shutdown).await {
                eprintln!("test server stopped with an error: {e:?}");
            }
        });
        let root = format!("http://{addr}");
        TestServer {
            base: format!("{root}/scim/v2"),
            root,
            token: secret,
            policy: policy.to_owned(),
            core,
            store,
            client: reqwest::Client::builder().build().expect("reqwest client"),
            user_agent: user_agent.to_owned(),
            shutdown: Some(tx),
            served: Some(served),
            _dir: dir,
        }
    }

    /// Stops the server as a shutdown signal does and waits until it has finished (its event
    /// log written); returns whether it finished within 30 s, and the store to read.
    pub async fn stop(mut self) -> (bool, Arc<dyn Store>) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let finished = match self.served.take() {
            Some(h) => tokio::time::timeout(Duration::from_secs(30), h)
                .await
                .is_ok(),
            None => true,
        };
        (finished, self.store.clone())
    }

    pub fn is_jit(&self) -> bool {
        self.policy == "jit"
    }

    /// `path` relative to the SCIM base (`/Users`), or absolute (`http://…`).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    /// The general request: `auth` is the whole Authorization header value (None: no header).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        auth: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let bytes = body.map(|b| serde_json::to_vec(b).expect("serialise body"));
        self.send_bytes(method, path, bytes, "application/scim+json", auth, headers)
            .await
    }

    pub async fn send_bytes(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        content_type: &str,
        auth: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        self.send_bytes_via(
            &self.client,
            method,
            path,
            body,
            content_type,
            auth,
            headers,
        )
        .await
    }

    /// A request on a connection of its own (no pooling), with the harness token.
    pub async fn send_unpooled(&self, method: Method, path: &str, body: Option<&Value>) -> Resp {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("reqwest client");
        let bytes = body.map(|b| serde_json::to_vec(b).expect("serialise body"));
        let auth = self.bearer();
        self.send_bytes_via(
            &client,
            method,
            path,
            bytes,
            "application/scim+json",
            Some(&auth),
            &[],
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn send_bytes_via(
        &self,
        client: &reqwest::Client,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        content_type: &str,
        auth: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = client.request(method.clone(), self.url(path));
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
        {
            req = req.header("User-Agent", &self.user_agent);
        }
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.header("Content-Type", content_type).body(b);
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: request failed: {e}"));
        read(resp).await
    }

    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None, Some(&self.bearer()), &[])
            .await
    }
    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.send(Method::POST, path, Some(body), Some(&self.bearer()), &[])
            .await
    }
    pub async fn put(&self, path: &str, body: &Value) -> Resp {
        self.send(Method::PUT, path, Some(body), Some(&self.bearer()), &[])
            .await
    }
    pub async fn patch(&self, path: &str, body: &Value) -> Resp {
        self.send(Method::PATCH, path, Some(body), Some(&self.bearer()), &[])
            .await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Method::DELETE, path, None, Some(&self.bearer()), &[])
            .await
    }

    /// A request with the harness token and extra headers (If-Match, If-None-Match…).
    pub async fn with_headers(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        self.send(method, path, body, Some(&self.bearer()), headers)
            .await
    }

    /// A request authenticated with another token secret.
    pub async fn as_token(
        &self,
        secret: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Resp {
        self.send(method, path, body, Some(&format!("Bearer {secret}")), &[])
            .await
    }

    /// `GET /Users` with query parameters, URL-encoded by the client.
    pub async fn list(&self, params: &[(&str, &str)]) -> Resp {
        let resp = self
            .client
            .get(self.url("/Users"))
            .query(params)
            .header("User-Agent", &self.user_agent)
            .header("Authorization", self.bearer())
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET /Users {params:?}: request failed: {e}"));
        read(resp).await
    }

    /// `GET /Users?filter=…` (count 1000) and the userNames it returned, sorted and lower-cased.
    pub async fn filter_user_names(&self, filter: &str) -> (u16, Value, Vec<String>) {
        let (status, _h, body) = self.list(&[("filter", filter), ("count", "1000")]).await;
        let names = user_names(&body);
        (status, body, names)
    }

    // ---- users ----------------------------------------------------------------------------

    /// A SAML login: the only way users come to exist under `jit`.
    pub async fn jit_login(
        &self,
        email: &str,
        given: &str,
        family: &str,
        role: Option<&str>,
    ) -> UserRecord {
        self.core
            .jit_login(email, given, family, role, &ChangeContext::default())
            .await
            .unwrap_or_else(|e| panic!("jit_login({email}) failed: {e:?}"))
    }

    /// Brings a user into existence the way the policy allows (JIT login, or Okta's POST) and
    /// returns it as `GET /Users/{id}` shows it.
    pub async fn provision(&self, email: &str, given: &str, family: &str) -> Value {
        let id = if self.is_jit() {
            self.jit_login(email, given, family, None).await.id
        } else {
            let (status, _h, body) = self
                .post("/Users", &okta_user_body(email, given, family, &okta_id()))
                .await;
            assert_eq!(status, 201, "POST /Users for {email}: {body:#}");
            body["id"].as_str().expect("id in POST response").to_owned()
        };
        let (status, _h, body) = self.get(&format!("/Users/{id}")).await;
        assert_eq!(status, 200, "GET /Users/{id}: {body:#}");
        body
    }

    // ---- tokens and the event log ---------------------------------------------------------

    /// Inserts a token directly, e.g. one that has already expired; returns its secret.
    pub async fn insert_token(
        &self,
        name: &str,
        permission: Permission,
        expires: Option<&str>,
    ) -> String {
        let secret = scim_server::tokens::generate();
        self.store
            .insert_token(NewToken {
                name: name.to_owned(),
                permission,
                secret_hash: scim_server::tokens::hash(&secret),
                prefix: scim_server::tokens::prefix(&secret),
                expires: expires.map(str::to_owned),
            })
            .await
            .expect("insert token");
        secret
    }

    /// Polls the event log (newest 50) until an event satisfies `pred`; panics after 5 s.
    pub async fn wait_event(&self, what: &str, pred: impl Fn(&EventRecord) -> bool) -> EventRecord {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let events = self
                .store
                .list_events(&EventQuery {
                    limit: 50,
                    ..Default::default()
                })
                .await
                .expect("list_events");
            if let Some(e) = events.iter().find(|e| pred(e)) {
                return e.clone();
            }
            if Instant::now() > deadline {
                panic!("no event for {what} within 5 s; the log holds: {events:#?}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

async fn read(resp: reqwest::Response) -> Resp {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap_or_default();
    let body = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, headers, body)
}

// ---- request bodies -----------------------------------------------------------------------

/// The body Okta's "Push New Users" sends.
pub fn okta_user_body(email: &str, given: &str, family: &str, okta_id: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": email,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": true, "value": email, "type": "work"}],
        "displayName": format!("{given} {family}"),
        "locale": "en-US",
        "externalId": okta_id,
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

pub fn patch_body(ops: Value) -> Value {
    json!({"schemas": [PATCH_SCHEMA], "Operations": ops})
}

static COUNTER: AtomicU64 = AtomicU64::new(1);

fn random_u64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    h.finish()
}

/// An Okta-style user id (`00u…`).
pub fn okta_id() -> String {
    format!("00u{:017x}", random_u64() >> 4)
}

/// A random GUID in Entra's format.
pub fn guid() -> String {
    let a = random_u64();
    let b = random_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48 & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

// ---- assertions ---------------------------------------------------------------------------

/// The lower-cased userNames of a ListResponse, sorted.
pub fn user_names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list["Resources"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["userName"].as_str())
                .map(str::to_lowercase)
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The resources of a ListResponse (an absent `Resources` is an empty list).
pub fn resources(list: &Value) -> Vec<Value> {
    match &list["Resources"] {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        other => panic!("Resources is not an array: {other:#} in {list:#}"),
    }
}

/// A ListResponse with integer counts; returns totalResults.
pub fn assert_list(body: &Value) -> u64 {
    assert!(
        body["schemas"]
            .as_array()
            .is_some_and(|s| s.iter().any(|v| v == LIST_SCHEMA)),
        "not a ListResponse: {body:#}"
    );
    assert!(
        body["totalResults"].is_u64(),
        "totalResults must be a JSON integer: {body:#}"
    );
    if !body["itemsPerPage"].is_null() {
        assert!(
            body["itemsPerPage"].is_u64(),
            "itemsPerPage must be a JSON integer: {body:#}"
        );
        assert_eq!(
            body["itemsPerPage"].as_u64().unwrap() as usize,
            resources(body).len(),
            "itemsPerPage must equal the number of Resources: {body:#}"
        );
    }
    if !body["startIndex"].is_null() {
        assert!(
            body["startIndex"].is_u64(),
            "startIndex must be a JSON integer: {body:#}"
        );
    }
    body["totalResults"].as_u64().unwrap()
}

/// A SCIM Error resource with `status` as a string equal to the HTTP status.
pub fn assert_scim_error(status: u16, body: &Value, expected: u16, scim_type: Option<&str>) {
    assert_eq!(status, expected, "expected HTTP {expected}; body: {body:#}");
    assert!(
        body["schemas"]
            .as_array()
            .is_some_and(|s| s.iter().any(|v| v == ERROR_SCHEMA)),
        "the body must be a SCIM Error resource: {body:#}"
    );
    assert_eq!(
        body["status"],
        Value::String(expected.to_string()),
        "the Error's status must be the string \"{expected}\": {body:#}"
    );
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| !d.trim().is_empty()),
        "the Error needs a detail: {body:#}"
    );
    if let Some(t) = scim_type {
        assert_eq!(body["scimType"], t, "scimType: {body:#}");
    }
}

pub fn assert_scim_json(headers: &HeaderMap, what: &str) {
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        ct.starts_with("application/scim+json"),
        "{what}: Content-Type must be application/scim+json, got {ct:?}"
    );
}

pub fn etag(headers: &HeaderMap) -> String {
    headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no ETag header in {headers:?}"))
        .to_owned()
}

/// The value of the enterprise extension attribute `attr` in a rendered user.
pub fn enterprise<'a>(user: &'a Value, attr: &str) -> &'a Value {
    &user[ENTERPRISE][attr]
}

/// Runs `$f(policy)` once under `jit` and once under `full`, as `$f::jit` and `$f::full`.
macro_rules! both_policies {
    ($($f:ident),* $(,)?) => {$(
        mod $f {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn jit() {
                super::$f("jit").await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn full() {
                super::$f("full").await
            }
        }
    )*};
}
