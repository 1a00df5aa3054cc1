//! A small SCIM 2.0 client over reqwest, and the request sequences identity providers send
//! (see `okta` and `entra`), so the console's simulator and the command line replay exactly
//! what Okta and Entra ID would.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

pub mod admin;
pub mod check;
pub mod entra;
pub mod import;
pub mod okta;

pub const SCIM_JSON: &str = "application/scim+json";

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("'{0}' is not a usable SCIM base URL: {1}")]
    BaseUrl(String, String),
    #[error("the token cannot be sent in an HTTP header")]
    Token,
    #[error("{method} {path} could not be sent: {source}")]
    Send {
        method: String,
        path: String,
        source: reqwest::Error,
    },
}

/// Why a request could not be sent (a connection refused, a certificate refused, no answer in
/// time), in plain words, with the innermost cause.
pub fn why_unsent(e: &(dyn std::error::Error + 'static)) -> String {
    // The innermost cause says what happened ("Connection refused", a certificate error).
    let mut causes = Vec::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        causes.push(err.to_string());
        source = err.source();
    }
    let text = causes.last().cloned().unwrap_or_default();
    let lower = causes.join(" ").to_lowercase();
    let why = if lower.contains("certificate") || lower.contains("tls") || lower.contains("ssl") {
        "the TLS handshake failed (is the certificate valid for this host name?)"
    } else if lower.contains("timed out") || lower.contains("timeout") {
        "no answer in time (the server is slow, or something in between drops the connection)"
    } else if lower.contains("dns") || lower.contains("resolve") {
        "the host name could not be resolved"
    } else if lower.contains("refused") || lower.contains("connect") {
        "the connection was refused or could not be made (is the server running, and the port right?)"
    } else {
        "the request could not be sent"
    };
    format!("{why} ({text})")
}

/// One request and the answer to it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Exchange {
    pub method: String,
    /// Below the base URL, with the query string: `/Users?startIndex=1&count=2`.
    pub path: String,
    #[ts(type = "unknown")]
    pub request: Option<Value>,
    pub status: u16,
    /// The JSON body of the answer, when it had one.
    #[ts(type = "unknown")]
    pub response: Option<Value>,
    pub latency_ms: f64,
}

impl Exchange {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
    /// The `id` of the resource in the answer (a created or read resource).
    pub fn id(&self) -> Option<String> {
        self.response
            .as_ref()?
            .get("id")?
            .as_str()
            .map(str::to_owned)
    }
    /// The `detail` of a SCIM Error answer.
    pub fn error_detail(&self) -> Option<&str> {
        self.response.as_ref()?.get("detail")?.as_str()
    }
}

/// A SCIM service provider reached at a base URL (`…/scim/v2`) with a bearer token.
#[derive(Debug, Clone)]
pub struct ScimClient {
    http: reqwest::Client,
    base: String,
    auth: HeaderValue,
    agent: HeaderValue,
}

impl ScimClient {
    /// `user_agent` is sent on every request, as identity providers name themselves.
    pub fn new(base_url: &str, token: &str, user_agent: &str) -> Result<Self, ClientError> {
        let base = base_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| ClientError::BaseUrl(base.clone(), e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ClientError::BaseUrl(
                base,
                "it must start with http:// or https://".to_owned(),
            ));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
            .map_err(|_| ClientError::Token)?;
        auth.set_sensitive(true);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ClientError::BaseUrl(base.clone(), e.to_string()))?;
        Ok(ScimClient {
            http,
            base,
            auth,
            agent: HeaderValue::from_str(user_agent)
                .unwrap_or_else(|_| HeaderValue::from_static("scim-client")),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// A GET's status and Content-Type (for checks of the answer's media type).
    pub async fn send_raw(&self, method: Method, path: &str) -> Result<(u16, String), ClientError> {
        let resp = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header(AUTHORIZATION, self.auth.clone())
            .header(USER_AGENT, self.agent.clone())
            .header(ACCEPT, SCIM_JSON)
            .send()
            .await
            .map_err(|source| ClientError::Send {
                method: method.to_string(),
                path: path.to_owned(),
                source,
            })?;
        let ct = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        Ok((resp.status().as_u16(), ct))
    }

    /// A GET with If-None-Match: the status (304 when `etag` is current).
    pub async fn send_if_none_match(&self, path: &str, etag: &str) -> Result<u16, ClientError> {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .header(AUTHORIZATION, self.auth.clone())
            .header(USER_AGENT, self.agent.clone())
            .header(ACCEPT, SCIM_JSON)
            .header(reqwest::header::IF_NONE_MATCH, etag)
            .send()
            .await
            .map_err(|source| ClientError::Send {
                method: "GET".to_owned(),
                path: path.to_owned(),
                source,
            })?;
        Ok(resp.status().as_u16())
    }

    /// Sends one request; any answer (4xx and 5xx too) is an `Exchange`, only a failure to
    /// reach the server is an error.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Exchange, ClientError> {
        let started = Instant::now();
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header(AUTHORIZATION, self.auth.clone())
            .header(USER_AGENT, self.agent.clone())
            .header(ACCEPT, SCIM_JSON);
        if let Some(b) = &body {
            req = req
                .header(CONTENT_TYPE, SCIM_JSON)
                .body(serde_json::to_vec(b).unwrap_or_default());
        }
        let sent = |source| ClientError::Send {
            method: method.to_string(),
            path: path.to_owned(),
            source,
        };
        let resp = req.send().await.map_err(sent)?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(sent)?;
        Ok(Exchange {
            method: method.to_string(),
            path: path.to_owned(),
            request: body,
            status,
            response: serde_json::from_slice(&bytes).ok(),
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }
}

/// A value as a SCIM filter string literal (RFC 7644 §3.4.2.2 strings are JSON strings).
pub fn filter_string(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

/// Percent-encodes a query parameter value.
pub fn query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_filter_as_okta_does() {
        let f = format!("userName eq {}", filter_string("jane@example.com"));
        assert_eq!(query_value(&f), "userName%20eq%20%22jane%40example.com%22");
    }

    #[test]
    fn refuses_what_is_not_an_http_base_url() {
        assert!(matches!(
            ScimClient::new("ftp://x/scim/v2", "t", "a"),
            Err(ClientError::BaseUrl(..))
        ));
        assert!(matches!(
            ScimClient::new("not a url", "t", "a"),
            Err(ClientError::BaseUrl(..))
        ));
        assert!(matches!(
            ScimClient::new("http://127.0.0.1:1/scim/v2", "bad\ntoken", "a"),
            Err(ClientError::Token)
        ));
        let c = ScimClient::new(" http://127.0.0.1:1/scim/v2/ ", "t", "a").unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:1/scim/v2");
    }
}
