//! Connection checks: does a SCIM endpoint behave the way Okta and Microsoft Entra ID expect,
//! and the way RFC 7644 says? Each step sends real requests and reports what it sent, what was
//! expected, what came back, a verdict, and a hint that says what to fix.
//!
//! Read-only unless writes are allowed: then test users and groups are created with the prefix
//! [`TEST_PREFIX`] and removed afterwards (deactivated where the server cannot delete), also when
//! a step fails; [`Checker::cleanup`] removes what is left after an interruption.

use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde::Serialize;
use serde_json::{json, Value};

use crate::{filter_string, query_value, ClientError, Exchange, ScimClient};

/// Every test user and group the checks create starts with this.
pub const TEST_PREFIX: &str = "scim-console-check-";

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// Which client's expectations to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    Okta,
    Entra,
    Rfc,
}

impl Profile {
    /// The User-Agent the checks send: the identity provider's they play.
    pub fn user_agent(self) -> &'static str {
        match self {
            Profile::Okta => crate::okta::USER_AGENT,
            Profile::Entra => crate::entra::USER_AGENT,
            Profile::Rfc => concat!("scim-console-check/", env!("CARGO_PKG_VERSION")),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "okta" => Some(Profile::Okta),
            "entra" | "azure" | "entra-id" => Some(Profile::Entra),
            "rfc" | "rfc7644" => Some(Profile::Rfc),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Okta => "okta",
            Profile::Entra => "entra",
            Profile::Rfc => "rfc",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// Not run: what it needs is missing (say, no user to read, or writes not allowed).
    Skip,
}

/// One step of a check.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Step {
    pub name: String,
    /// The request(s) sent, as `METHOD path`.
    pub requests: Vec<String>,
    pub expected: String,
    /// What came back, in a few words.
    pub got: String,
    pub verdict: Verdict,
    /// What to fix (for a failure), or why it was skipped.
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Report {
    pub base_url: String,
    pub profile: Profile,
    pub allow_writes: bool,
    pub steps: Vec<Step>,
    pub passed: u32,
    pub failed: u32,
    pub skipped: u32,
}

impl Report {
    /// The report as text; its last line is `N passed, M failed`.
    pub fn text(&self) -> String {
        let mut out = format!(
            "SCIM check of {} ({} profile{})\n\n",
            self.base_url,
            self.profile.as_str(),
            if self.allow_writes {
                ", writes allowed"
            } else {
                ", read-only"
            }
        );
        for s in &self.steps {
            let mark = match s.verdict {
                Verdict::Pass => "PASS",
                Verdict::Fail => "FAIL",
                Verdict::Skip => "SKIP",
            };
            out.push_str(&format!("{mark}  {}\n", s.name));
            for r in &s.requests {
                out.push_str(&format!("      sent:     {r}\n"));
            }
            out.push_str(&format!("      expected: {}\n", s.expected));
            out.push_str(&format!("      got:      {}\n", s.got));
            if let Some(h) = &s.hint {
                out.push_str(&format!("      hint:     {h}\n"));
            }
        }
        if self.skipped > 0 {
            out.push_str(&format!("\n{} skipped\n", self.skipped));
        }
        out.push_str(&format!(
            "\n{} passed, {} failed\n",
            self.passed, self.failed
        ));
        out
    }
}

/// What a check run created, to remove afterwards.
#[derive(Debug, Clone, Default)]
pub struct Created(Arc<Mutex<Vec<(&'static str, String)>>>);

impl Created {
    fn push(&self, kind: &'static str, id: String) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((kind, id));
    }
    fn take(&self) -> Vec<(&'static str, String)> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Runs the checks of one profile against one endpoint.
pub struct Checker {
    c: ScimClient,
    /// The same endpoint with a token that cannot be valid (the 401 checks).
    wrong: ScimClient,
    profile: Profile,
    allow_writes: bool,
    steps: Vec<Step>,
    /// What the run created; shared so an interrupted run can still be cleaned up.
    pub created: Created,
    run_id: String,
    /// Whether to send one request with a wrong token (the server counts it as a request
    /// without a valid token, so a console checking its own server leaves it out).
    probe_wrong_token: bool,
}

/// An answer in a few words.
fn said(x: &Exchange) -> String {
    let mut s = format!("HTTP {}", x.status);
    if let Some(d) = x.error_detail() {
        s.push_str(&format!(": {d}"));
    } else if let Some(t) = x.response.as_ref().and_then(|r| r.get("totalResults")) {
        s.push_str(&format!(", totalResults {t}"));
    } else if x.response.is_none() && x.ok() {
        s.push_str(", no JSON body");
    }
    s
}

fn sent(x: &Exchange) -> String {
    format!("{} {}", x.method, x.path)
}

fn is_list(x: &Exchange) -> bool {
    x.response.as_ref().is_some_and(|r| {
        r.get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|v| v == LIST))
            && r.get("totalResults").is_some_and(Value::is_u64)
    })
}

fn is_error(x: &Exchange, status: &str) -> bool {
    x.response.as_ref().is_some_and(|r| {
        r.get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|v| v == ERROR))
            && r.get("status").and_then(Value::as_str) == Some(status)
    })
}

fn total(x: &Exchange) -> Option<u64> {
    x.response.as_ref()?.get("totalResults")?.as_u64()
}

fn resources(x: &Exchange) -> Vec<Value> {
    x.response
        .as_ref()
        .and_then(|r| r.get("Resources"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Why a request could not be sent, in plain words.
fn unreachable(e: &ClientError) -> String {
    crate::why_unsent(e)
}

impl Checker {
    pub fn new(
        base_url: &str,
        token: &str,
        user_agent: &str,
        profile: Profile,
        allow_writes: bool,
    ) -> Result<Self, ClientError> {
        let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        Ok(Checker {
            c: ScimClient::new(base_url, token, user_agent)?,
            wrong: ScimClient::new(base_url, "scim-console-check-not-a-token", user_agent)?,
            profile,
            allow_writes,
            steps: Vec::new(),
            created: Created::default(),
            run_id,
            probe_wrong_token: true,
        })
    }

    /// Leaves out the request with a wrong token: checking a server whose own console would
    /// count it as a client without a valid token.
    pub fn without_wrong_token_probe(mut self) -> Self {
        self.probe_wrong_token = false;
        self
    }

    fn step(&mut self, name: &str, xs: &[&Exchange], expected: &str, ok: bool, hint: &str) -> bool {
        let got = xs.last().map(|x| said(x)).unwrap_or_default();
        self.steps.push(Step {
            name: name.to_owned(),
            requests: xs.iter().map(|x| sent(x)).collect(),
            expected: expected.to_owned(),
            got,
            verdict: if ok { Verdict::Pass } else { Verdict::Fail },
            hint: (!ok).then(|| hint.to_owned()),
        });
        ok
    }

    fn skip(&mut self, name: &str, expected: &str, why: &str) {
        self.steps.push(Step {
            name: name.to_owned(),
            requests: Vec::new(),
            expected: expected.to_owned(),
            got: "not run".to_owned(),
            verdict: Verdict::Skip,
            hint: Some(why.to_owned()),
        });
    }

    /// Sends a request; an endpoint that cannot be reached fails the step in plain words and
    /// gives `None`.
    async fn send(
        &mut self,
        name: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Option<Exchange> {
        match self.c.send(method.clone(), path, body).await {
            Ok(x) => Some(x),
            Err(e) => {
                self.steps.push(Step {
                    name: name.to_owned(),
                    requests: vec![format!("{method} {path}")],
                    expected: "an answer".to_owned(),
                    got: unreachable(&e),
                    verdict: Verdict::Fail,
                    hint: Some("Check the base URL (it ends with /scim/v2 for most servers), that the server runs, and that this machine can reach it.".to_owned()),
                });
                None
            }
        }
    }

    /// Runs every step of the profile, removes what it created, and reports.
    pub async fn run(mut self) -> Report {
        // First: can the endpoint be reached at all, with this token?
        let reached = self.reachable().await;
        if reached {
            match self.profile {
                Profile::Okta => self.okta().await,
                Profile::Entra => self.entra().await,
                Profile::Rfc => self.rfc().await,
            }
        }
        self.cleanup_created().await;
        let count = |v: Verdict| self.steps.iter().filter(|s| s.verdict == v).count() as u32;
        Report {
            base_url: self.c.base_url().to_owned(),
            profile: self.profile,
            allow_writes: self.allow_writes,
            passed: count(Verdict::Pass),
            failed: count(Verdict::Fail),
            skipped: count(Verdict::Skip),
            steps: self.steps,
        }
    }

    /// The endpoint answers, with JSON, and accepts the token; a wrong token is refused (401).
    async fn reachable(&mut self) -> bool {
        let name = "The endpoint answers and accepts the token";
        let Some(x) = self
            .send(name, Method::GET, "/Users?startIndex=1&count=1", None)
            .await
        else {
            return false;
        };
        let ok = x.ok() && is_list(&x);
        let hint = match x.status {
            401 | 403 => "The token was refused: paste the token's secret alone (no 'Bearer '), and check that it is not expired or revoked and may read users.",
            404 => "Nothing at /Users: the base URL is probably wrong (it usually ends with /scim/v2).",
            _ if x.ok() => "The answer is not a SCIM ListResponse with an integer totalResults (is this a SCIM endpoint?).",
            _ => "The server failed the request: see its logs.",
        };
        if !self.step(name, &[&x], "200 and a ListResponse", ok, hint) {
            return false;
        }
        if !self.probe_wrong_token {
            return true;
        }
        if let Ok(w) = self
            .wrong
            .send(Method::GET, "/Users?startIndex=1&count=1", None)
            .await
        {
            let ok = w.status == 401 && is_error(&w, "401");
            self.step(
                "A wrong token is refused with 401 and a SCIM Error",
                &[&w],
                "401 with an Error body whose status is \"401\"",
                ok,
                "Answer requests without a valid token with 401 and a SCIM Error body (Okta's spec test expects it).",
            );
        }
        true
    }

    async fn okta(&mut self) {
        // Connector test.
        if let Some(x) = self
            .send(
                "Okta's connector test",
                Method::GET,
                "/Users?startIndex=1&count=2",
                None,
            )
            .await
        {
            let ok = x.ok() && is_list(&x) && resources(&x).len() <= 2;
            self.step(
                "Okta's connector test (the first two users)",
                &[&x],
                "200, a ListResponse of at most 2 users",
                ok,
                "Okta's Test Connector Configuration fails unless the first page answers as a ListResponse honouring count.",
            );
        }
        self.lookup_absent(
            "Okta's lookup before create finds nobody for a new userName",
            &format!("{TEST_PREFIX}{}@example.com", self.run_id),
            "&startIndex=1&count=100",
        )
        .await;
        // An existing user found by an upper-cased userName.
        let first = self
            .c
            .send(Method::GET, "/Users?startIndex=1&count=1", None)
            .await
            .ok()
            .and_then(|x| resources(&x).into_iter().next());
        match first
            .as_ref()
            .and_then(|u| u.get("userName"))
            .and_then(Value::as_str)
        {
            Some(un) => {
                let upper = un.to_uppercase();
                let path = format!(
                    "/Users?filter={}&startIndex=1&count=100",
                    query_value(&format!("userName eq {}", filter_string(&upper)))
                );
                if let Some(x) = self.send("upper case", Method::GET, &path, None).await {
                    let found = total(&x) == Some(1);
                    self.step(
                        "A userName in other case still finds the user",
                        &[&x],
                        "200 with the user (userName is compared case-insensitively)",
                        x.ok() && found,
                        "Compare userName case-insensitively (RFC 7643 §4.1.1: caseExact false); Okta's spec test looks users up in upper case.",
                    );
                }
            }
            None => self.skip(
                "A userName in other case still finds the user",
                "200 with the user",
                "No user to look up: Okta's spec test needs at least one user already present.",
            ),
        }
        self.unknown_id().await;
        self.import_paging().await;
        self.groups_listing(
            "/Groups?startIndex=1&count=100",
            "Turn off Push Groups and Import Groups in Okta, or offer /Groups.",
        )
        .await;
        if self.allow_writes {
            self.okta_writes().await;
        } else {
            self.skip(
                "Push New Users, profile push, deactivation",
                "201, 409 for a duplicate, 200 for PUT and PATCH",
                "Read-only: run with --allow-writes to create and remove a test user.",
            );
        }
    }

    async fn entra(&mut self) {
        let random = uuid::Uuid::new_v4().to_string();
        self.lookup_absent(
            "Entra's Test Connection finds nobody for a random userName",
            &random,
            "",
        )
        .await;
        let path = format!(
            "/Users?filter={}",
            query_value(&format!("externalId eq {}", filter_string(&random)))
        );
        if let Some(x) = self.send("externalId", Method::GET, &path, None).await {
            let ok = x.ok() && total(&x) == Some(0);
            self.step(
                "A lookup by externalId answers an empty list",
                &[&x],
                "200, totalResults 0",
                ok,
                "Entra matches users by externalId too: support `externalId eq` filters.",
            );
        }
        self.content_type().await;
        self.groups_listing(
            "/Groups?excludedAttributes=members&filter=displayName%20eq%20%22scim-console-check%22",
            "Offer /Groups if Entra provisions groups; otherwise provision users only.",
        )
        .await;
        if self.allow_writes {
            self.entra_writes().await;
        } else {
            self.skip(
                "Create, PATCH in both dialects, disable, delete",
                "201, 200/204, 204",
                "Read-only: run with --allow-writes to create and remove a test user.",
            );
        }
    }

    async fn rfc(&mut self) {
        for (path, what) in [
            ("/ServiceProviderConfig", "the server's capabilities"),
            ("/ResourceTypes", "the resource types"),
            ("/Schemas", "the schemas"),
        ] {
            if let Some(x) = self.send(what, Method::GET, path, None).await {
                let ok = x.ok()
                    && x.response
                        .as_ref()
                        .is_some_and(|r| r.get("schemas").is_some());
                self.step(
                    &format!("{path} describes {what}"),
                    &[&x],
                    "200 with a SCIM resource",
                    ok,
                    "RFC 7644 §4: the discovery endpoints are required.",
                );
            }
        }
        self.unknown_id().await;
        if let Some(x) = self
            .send(
                "bad filter",
                Method::GET,
                "/Users?filter=userName%20eq",
                None,
            )
            .await
        {
            let ok = x.status == 400
                && x.response
                    .as_ref()
                    .and_then(|r| r.get("scimType"))
                    .and_then(Value::as_str)
                    == Some("invalidFilter");
            self.step(
                "A malformed filter is a 400 invalidFilter",
                &[&x],
                "400 with scimType invalidFilter",
                ok,
                "RFC 7644 §3.4.2.2: answer a filter that does not parse with 400 and scimType invalidFilter.",
            );
        }
        if let Some(x) = self
            .send(
                "pr filter",
                Method::GET,
                "/Users?filter=userName%20pr&count=5",
                None,
            )
            .await
        {
            self.step(
                "The filter `userName pr` answers a list",
                &[&x],
                "200 and a ListResponse",
                x.ok() && is_list(&x),
                "Support the `pr` operator (RFC 7644 §3.4.2.2).",
            );
        }
        if let Some(x) = self
            .send(
                "sorting",
                Method::GET,
                "/Users?sortBy=userName&count=5",
                None,
            )
            .await
        {
            self.step(
                "Sorting by userName answers a list",
                &[&x],
                "200 and a ListResponse (or 400 when sorting is not supported)",
                (x.ok() && is_list(&x)) || x.status == 400,
                "Support sortBy, or answer 400 and say so in /ServiceProviderConfig.",
            );
        }
        self.import_paging().await;
        self.etags().await;
        self.groups_listing(
            "/Groups?startIndex=1&count=10",
            "Offer /Groups, or leave Group out of /ResourceTypes.",
        )
        .await;
        if self.allow_writes {
            self.okta_writes().await;
        }
    }

    async fn lookup_absent(&mut self, name: &str, user_name: &str, tail: &str) {
        let path = format!(
            "/Users?filter={}{tail}",
            query_value(&format!("userName eq {}", filter_string(user_name)))
        );
        if let Some(x) = self.send(name, Method::GET, &path, None).await {
            let ok = x.ok() && is_list(&x) && total(&x) == Some(0);
            self.step(
                name,
                &[&x],
                "200, totalResults 0",
                ok,
                "A lookup that finds nobody answers 200 with an empty ListResponse, never 404.",
            );
        }
    }

    async fn unknown_id(&mut self) {
        let path = format!("/Users/{TEST_PREFIX}no-such-user-{}", self.run_id);
        if let Some(x) = self.send("unknown id", Method::GET, &path, None).await {
            let ok = x.status == 404 && is_error(&x, "404");
            self.step(
                "An unknown id is a 404 with a SCIM Error",
                &[&x],
                "404 with an Error body whose status is the string \"404\"",
                ok,
                "Answer an unknown id with 404 and a SCIM Error (status as a string), as Okta's spec test expects.",
            );
        }
    }

    /// Pages through the users as an import does (at most 10 pages).
    async fn import_paging(&mut self) {
        let name = "Import pages through every user in a stable order";
        let mut xs = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut duplicate = false;
        let mut start = 1u64;
        let mut expected_total = None;
        for _ in 0..10 {
            let path = format!("/Users?startIndex={start}&count=100");
            let Some(x) = self.send(name, Method::GET, &path, None).await else {
                return;
            };
            let page = resources(&x);
            for u in &page {
                if let Some(id) = u.get("id").and_then(Value::as_str) {
                    duplicate |= !seen.insert(id.to_owned());
                }
            }
            expected_total = total(&x);
            let done =
                !x.ok() || page.is_empty() || start + page.len() as u64 > total(&x).unwrap_or(0);
            start += page.len() as u64;
            xs.push(x);
            if done {
                break;
            }
        }
        let all_ok = xs.iter().all(|x| x.ok() && is_list(x));
        let complete = expected_total.is_some_and(|t| t <= 1000 && seen.len() as u64 == t)
            || expected_total.is_some_and(|t| t > 1000);
        let refs: Vec<&Exchange> = xs.iter().collect();
        self.step(
            name,
            &refs,
            "pages of 100 until totalResults, each user once",
            all_ok && complete && !duplicate,
            "Page in a stable order (by creation, say) with integer startIndex/totalResults: Okta's import stops at totalResults and skips or repeats users otherwise.",
        );
    }

    async fn groups_listing(&mut self, path: &str, hint: &str) {
        let name = "Groups can be listed";
        if let Some(x) = self.send(name, Method::GET, path, None).await {
            if x.status == 404 {
                self.skip(
                    name,
                    "200 and a ListResponse",
                    &format!("The server does not offer /Groups (404). {hint}"),
                );
            } else {
                self.step(
                    name,
                    &[&x],
                    "200 and a ListResponse",
                    x.ok() && is_list(&x),
                    hint,
                );
            }
        }
    }

    async fn content_type(&mut self) {
        let name = "Answers are application/scim+json";
        let path = "/Users?startIndex=1&count=1";
        match self.c.send_raw(Method::GET, path).await {
            Ok((status, ct)) => {
                let ok = ct.starts_with("application/scim+json");
                self.steps.push(Step {
                    name: name.to_owned(),
                    requests: vec![format!("GET {path}")],
                    expected: "Content-Type: application/scim+json".to_owned(),
                    got: format!("HTTP {status}, Content-Type: {ct}"),
                    verdict: if ok { Verdict::Pass } else { Verdict::Fail },
                    hint: (!ok)
                        .then(|| "Entra expects SCIM answers as application/scim+json.".to_owned()),
                });
            }
            Err(e) => self.steps.push(Step {
                name: name.to_owned(),
                requests: vec![format!("GET {path}")],
                expected: "an answer".to_owned(),
                got: unreachable(&e),
                verdict: Verdict::Fail,
                hint: None,
            }),
        }
    }

    async fn etags(&mut self) {
        let name = "A user's ETag answers If-None-Match with 304";
        let first = self
            .c
            .send(Method::GET, "/Users?startIndex=1&count=1", None)
            .await
            .ok()
            .and_then(|x| resources(&x).into_iter().next());
        let Some(id) = first
            .as_ref()
            .and_then(|u| u.get("id"))
            .and_then(Value::as_str)
        else {
            self.skip(name, "304 Not Modified", "No user to read.");
            return;
        };
        let path = format!("/Users/{id}");
        let Some(x) = self.send(name, Method::GET, &path, None).await else {
            return;
        };
        let version = x
            .response
            .as_ref()
            .and_then(|r| r.pointer("/meta/version"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let Some(v) = version else {
            self.skip(
                name,
                "304 Not Modified",
                "The user has no meta.version: the server does not offer ETags.",
            );
            return;
        };
        match self.c.send_if_none_match(&path, &v).await {
            Ok(status) => self.steps.push(Step {
                name: name.to_owned(),
                requests: vec![format!("GET {path} (If-None-Match: {v})")],
                expected: "304 Not Modified".to_owned(),
                got: format!("HTTP {status}"),
                verdict: if status == 304 {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                },
                hint: (status != 304).then(|| {
                    "Answer If-None-Match with the current version with 304 (RFC 7644 §3.14)."
                        .to_owned()
                }),
            }),
            Err(e) => self.steps.push(Step {
                name: name.to_owned(),
                requests: vec![format!("GET {path}")],
                expected: "304".to_owned(),
                got: unreachable(&e),
                verdict: Verdict::Fail,
                hint: None,
            }),
        }
    }

    fn test_user_name(&self, n: u32) -> String {
        format!("{TEST_PREFIX}{}-{n}@example.com", self.run_id)
    }

    /// Creates a test user (remembered for cleanup); its id.
    async fn create_user(&mut self, name: &str, body: Value) -> Option<String> {
        let x = self.send(name, Method::POST, "/Users", Some(body)).await?;
        let id = x.id();
        if let Some(id) = &id {
            self.created.push("Users", id.clone());
        }
        let ok = x.status == 201 && id.is_some();
        self.step(
            name,
            &[&x],
            "201 with the user and its id",
            ok,
            "Create users with POST /Users (full provisioning); a server that only creates users at their first login answers 403 — then turn off Push New Users.",
        );
        id.filter(|_| ok)
    }

    async fn okta_writes(&mut self) {
        let un = self.test_user_name(1);
        let body = json!({"schemas": [USER], "userName": un,
            "name": {"givenName": "Check", "familyName": "Run"},
            "emails": [{"primary": true, "value": un, "type": "work"}],
            "displayName": "Check Run", "externalId": format!("00u{}", self.run_id),
            "groups": [], "password": "1mz050nq", "active": true});
        let Some(id) = self
            .create_user("Push New Users creates the user", body.clone())
            .await
        else {
            return;
        };
        if let Some(x) = self
            .send("duplicate", Method::POST, "/Users", Some(body))
            .await
        {
            self.step(
                "A duplicate userName is a 409",
                &[&x],
                "409 with scimType uniqueness",
                x.status == 409,
                "Refuse a second user with the same userName with 409: Okta then links to the existing user.",
            );
        }
        // Profile push: GET then PUT of what came back, changed.
        if let Some(got) = self
            .send("read", Method::GET, &format!("/Users/{id}"), None)
            .await
        {
            let leaked = got
                .response
                .as_ref()
                .is_some_and(|r| r.get("password").is_some());
            self.step(
                "The user reads back without its password",
                &[&got],
                "200, no password attribute",
                got.ok() && !leaked,
                "Never return password: Okta PUTs back whatever it read.",
            );
            if let Some(mut user) = got.response.clone() {
                user["name"]["familyName"] = json!("Pushed");
                if let Some(x) = self
                    .send("push", Method::PUT, &format!("/Users/{id}"), Some(user))
                    .await
                {
                    self.step(
                        "Push Profile Updates: PUT of the whole user",
                        &[&got, &x],
                        "200 with the user",
                        x.status == 200,
                        "Accept PUT with the object as read back (id, meta, schemas included).",
                    );
                }
            }
        }
        let off = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]});
        if let Some(x) = self
            .send(
                "deactivate",
                Method::PATCH,
                &format!("/Users/{id}"),
                Some(off),
            )
            .await
        {
            let inactive = x.response.as_ref().and_then(|r| r.get("active")) == Some(&json!(false));
            self.step(
                "Deactivation: a path-less PATCH of active",
                &[&x],
                "200 with active false (204 is allowed; some checkers insist on 200)",
                (x.status == 200 && inactive) || x.status == 204,
                "Accept {\"op\":\"replace\",\"value\":{\"active\":false}} without a path.",
            );
        }
    }

    async fn entra_writes(&mut self) {
        let un = self.test_user_name(2);
        let body = json!({"schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": uuid::Uuid::new_v4().to_string(), "userName": un, "active": true,
            "emails": [{"primary": true, "type": "work", "value": un}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Check Run", "familyName": "Run", "givenName": "Check"},
            "roles": []});
        let Some(id) = self.create_user("Entra creates the user", body).await else {
            return;
        };
        for (name, ops) in [
            (
                "PATCH in Entra's dialect from before 2020 (capitalised op)",
                json!([{"op": "Replace", "path": "name.familyName", "value": "Legacy"}]),
            ),
            (
                "PATCH with ?aadOptscim062020 (path-less, dotted keys)",
                json!([{"op": "replace", "value": {"displayName": "Check Aadopt", "name.givenName": "Aadopt"}}]),
            ),
            (
                "Disable with the boolean as a string",
                json!([{"op": "Replace", "path": "active", "value": "False"}]),
            ),
        ] {
            let body = json!({"schemas": [PATCH_OP], "Operations": ops});
            if let Some(x) = self
                .send(name, Method::PATCH, &format!("/Users/{id}"), Some(body))
                .await
            {
                self.step(
                    name,
                    &[&x],
                    "200 or 204",
                    x.status == 200 || x.status == 204,
                    "Entra sends these shapes: match op case-insensitively, accept \"True\"/\"False\" and dotted keys in path-less values.",
                );
            }
        }
        // Groups, where offered.
        let gname = format!("{TEST_PREFIX}{}", self.run_id);
        let gbody = json!({"schemas": [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": uuid::Uuid::new_v4().to_string(), "displayName": gname, "members": []});
        if let Some(x) = self
            .send("group", Method::POST, "/Groups", Some(gbody))
            .await
        {
            if x.status == 404 {
                self.skip(
                    "Entra's group provisioning",
                    "201",
                    "The server does not offer /Groups.",
                );
            } else {
                let gid = x.id();
                if let Some(g) = &gid {
                    self.created.push("Groups", g.clone());
                }
                let created = x.status == 201 && gid.is_some();
                self.step(
                    "Entra creates a group",
                    &[&x],
                    "201 with its id",
                    created,
                    "Accept Entra's group create: its `schemas` also lists http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group, which a server should ignore rather than refuse.",
                );
                if let Some(gid) = gid.filter(|_| created) {
                    let add = json!({"schemas": [PATCH_OP], "Operations": [
                        {"op": "Add", "path": "members", "value": [{"$ref": null, "value": id}]}]});
                    let remove = json!({"schemas": [PATCH_OP], "Operations": [
                        {"op": "Remove", "path": "members", "value": [{"value": id}]}]});
                    for (name, body) in [
                        ("Entra adds a member ($ref: null)", add),
                        ("Entra's old-style member removal", remove),
                    ] {
                        if let Some(x) = self
                            .send(name, Method::PATCH, &format!("/Groups/{gid}"), Some(body))
                            .await
                        {
                            self.step(
                                name,
                                &[&x],
                                "204 or 200",
                                x.status == 204 || x.status == 200,
                                "Accept Entra's membership PATCHes.",
                            );
                        }
                    }
                }
            }
        }
    }

    /// Removes what this run created: groups, then users (deactivated where they cannot be
    /// deleted). Each removal is a step of its own.
    async fn cleanup_created(&mut self) {
        let mut made = self.created.take();
        made.sort_by_key(|(kind, _)| *kind != "Groups");
        for (kind, id) in made {
            let path = format!("/{kind}/{id}");
            let Ok(x) = self.c.send(Method::DELETE, &path, None).await else {
                continue;
            };
            if x.status == 204 || x.status == 404 {
                continue;
            }
            // Some servers only deactivate (just-in-time provisioning).
            let off = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]});
            let y = self.c.send(Method::PATCH, &path, Some(off)).await.ok();
            let ok = y.as_ref().is_some_and(Exchange::ok);
            self.steps.push(Step {
                name: format!(
                    "Remove the test {} {id}",
                    kind.trim_end_matches('s').to_lowercase()
                ),
                requests: vec![format!("DELETE {path}"), format!("PATCH {path}")],
                expected: "deleted, or deactivated".to_owned(),
                got: format!(
                    "DELETE: HTTP {}; deactivated: {}",
                    x.status,
                    if ok { "yes" } else { "no" }
                ),
                verdict: if ok { Verdict::Pass } else { Verdict::Fail },
                hint: (!ok)
                    .then(|| format!("Remove it by hand: its name starts with {TEST_PREFIX}.")),
            });
        }
    }
}

/// Removes what an interrupted run created (the removals are best effort).
pub async fn cleanup(base_url: &str, token: &str, user_agent: &str, created: &Created) {
    let Ok(c) = ScimClient::new(base_url, token, user_agent) else {
        return;
    };
    let off = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]});
    for (kind, id) in created.take() {
        let path = format!("/{kind}/{id}");
        if let Ok(x) = c.send(Method::DELETE, &path, None).await {
            if x.status != 204 && x.status != 404 {
                let _ = c.send(Method::PATCH, &path, Some(off.clone())).await;
            }
        }
    }
}
