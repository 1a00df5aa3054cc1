//! A client of SCIM Console's admin API (`/admin/v1`), reached with an admin token: what a
//! console connected from elsewhere and the command line's checks use.

use std::time::Duration;

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// Why an admin API call did not give an answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AdminError {
    /// Not sent, no answer, or an answer that is not the admin API: in plain words.
    #[error("{0}")]
    Unreachable(String),
    /// The server refused, with a SCIM Error.
    #[error("{detail}")]
    Refused {
        status: u16,
        scim_type: Option<String>,
        detail: String,
    },
}

/// The root of a server from whatever URL an admin pastes: its SCIM base URL (`…/scim/v2`), its
/// admin API (`…/admin/v1`), or the root itself.
pub fn server_root(url: &str) -> Result<String, String> {
    let trimmed = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(trimmed).map_err(|e| {
        format!("'{trimmed}' is not a URL: {e} (it starts with https:// or http://)")
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("'{trimmed}' is not an http:// or https:// URL"));
    }
    let mut root = trimmed.to_owned();
    for tail in ["/scim/v2", "/admin/v1"] {
        if root.to_ascii_lowercase().ends_with(tail) {
            root.truncate(root.len() - tail.len());
        }
    }
    Ok(root)
}

/// The largest answer read from the admin API.
pub const MAX_ANSWER: usize = 64 << 20;

/// SCIM Console's admin API at a server's root.
#[derive(Clone)]
pub struct AdminClient {
    http: reqwest::Client,
    /// `…/admin/v1`.
    api: String,
    auth: HeaderValue,
}

impl std::fmt::Debug for AdminClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token.
        f.debug_struct("AdminClient")
            .field("api", &self.api)
            .finish()
    }
}

impl AdminClient {
    /// A client for the server at `url` (its root, SCIM base URL or admin API URL).
    pub fn new(url: &str, token: &str) -> Result<Self, String> {
        let root = server_root(url)?;
        let token = token.trim();
        if token.is_empty() {
            return Err("an admin token is needed: create one on the server with \
                        `scim-console admin-token create --name <name>`"
                .to_owned());
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| "the token holds characters that cannot be sent".to_owned())?;
        auth.set_sensitive(true);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("SCIM Console/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(AdminClient {
            http,
            api: format!("{root}/admin/v1"),
            auth,
        })
    }

    /// `…/admin/v1`.
    pub fn api(&self) -> &str {
        &self.api
    }

    /// A request to `path` below the admin API, authenticated.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.api))
            .header(AUTHORIZATION, self.auth.clone())
            .header(ACCEPT, "application/json")
    }

    /// Sends a request and reads its JSON answer (204: JSON null).
    pub async fn send<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, AdminError> {
        let resp = req.send().await.map_err(|e| {
            AdminError::Unreachable(format!(
                "Cannot reach {}: {}",
                self.api,
                crate::why_unsent(&e)
            ))
        })?;
        let status = resp.status();
        let bytes = self.body(resp).await?;
        if !status.is_success() {
            return Err(self.error_of(status, &bytes));
        }
        let parsed = if status == StatusCode::NO_CONTENT {
            serde_json::from_value(Value::Null)
        } else {
            serde_json::from_slice(&bytes)
        };
        parsed.map_err(|e| {
            AdminError::Unreachable(format!(
                "{} answered {status} with something that is not SCIM Console's admin API \
                 ({e}): is this the server's address?",
                self.api
            ))
        })
    }

    /// An answer's body, refused past [`MAX_ANSWER`] (a page of the API is far smaller).
    pub async fn body(&self, mut resp: reqwest::Response) -> Result<Vec<u8>, AdminError> {
        let mut out = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| AdminError::Unreachable(crate::why_unsent(&e)))?
        {
            if out.len() + chunk.len() > MAX_ANSWER {
                return Err(AdminError::Unreachable(format!(
                    "{} answered with more than {} MiB: that is not the admin API",
                    self.api,
                    MAX_ANSWER >> 20
                )));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// The error an answer that is no success stands for.
    pub fn error_of(&self, status: StatusCode, body: &[u8]) -> AdminError {
        let v: Option<Value> = serde_json::from_slice(body).ok();
        let field = |k: &str| {
            v.as_ref()
                .and_then(|v| v.get(k))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        match field("detail") {
            Some(detail) => AdminError::Refused {
                status: status.as_u16(),
                scim_type: field("scimType"),
                detail,
            },
            None if status == StatusCode::NOT_FOUND => AdminError::Unreachable(format!(
                "{} has no admin API (404): is it a SCIM Console server, and is the address its \
                 root or its SCIM base URL?",
                self.api
            )),
            None => AdminError::Unreachable(format!(
                "{} answered {status} without saying why (a proxy in between?)",
                self.api
            )),
        }
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, AdminError> {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, AdminError> {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    /// The server's status (`GET /admin/v1/status`): it answers and takes the token.
    pub async fn status(&self) -> Result<Value, AdminError> {
        self.get("/status").await
    }

    /// A token for a check of this server's SCIM endpoint, valid for a day: its SCIM base URL,
    /// the token's name and its secret. Revoke it afterwards ([`AdminClient::revoke`]).
    pub async fn check_token(&self) -> Result<(String, String, String), String> {
        let status = self.status().await.map_err(|e| e.to_string())?;
        let base_url = status
            .get("base_url")
            .and_then(Value::as_str)
            .ok_or("the server did not say its SCIM base URL")?
            .to_owned();
        let suffix: String = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        let name = format!("scim-console-check-{suffix}");
        let made: Value = self
            .post(
                "/tokens",
                &json!({"name": name, "permission": "UserModify", "expires_in_days": 1}),
            )
            .await
            .map_err(|e| e.to_string())?;
        let secret = made
            .get("secret")
            .and_then(Value::as_str)
            .ok_or("the server did not answer with the token's secret")?
            .to_owned();
        Ok((base_url, name, secret))
    }

    /// Revokes the token called `name`.
    pub async fn revoke(&self, name: &str) -> Result<(), AdminError> {
        let path = format!(
            "/tokens/{}",
            percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
        );
        let _: Value = self.send(self.request(Method::DELETE, &path)).await?;
        Ok(())
    }
}
