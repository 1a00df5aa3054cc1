//! Errors of the server layer, each rendered as a SCIM Error resource.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use scim_protocol::{ScimError, ScimType};
use scim_store::StoreError;

pub const SCIM_JSON: &str = "application/scim+json";

/// An error answered to a SCIM client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Scim(#[from] ScimError),
    /// Something went wrong inside; logged, and shown to the client generically.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn status(status: u16, detail: impl Into<String>) -> Self {
        ApiError::Scim(ScimError::new(status, None, detail))
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::status(401, detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::status(403, detail)
    }
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::status(404, detail)
    }

    /// The SCIM error a client sees.
    pub fn to_scim(&self) -> ScimError {
        match self {
            ApiError::Scim(e) => e.clone(),
            ApiError::Internal(_) => {
                ScimError::new(500, None, "internal server error; see the server log")
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(msg) => ApiError::Scim(ScimError::uniqueness(msg)),
            StoreError::VersionMismatch => ApiError::Scim(ScimError::new(
                412,
                None,
                "the resource was modified by another request; read it again and retry",
            )),
            StoreError::NotFound(msg) => ApiError::not_found(msg),
            StoreError::Invalid(msg) => {
                ApiError::Scim(ScimError::new(400, Some(ScimType::InvalidValue), msg))
            }
            StoreError::Scim(e) => ApiError::Scim(e),
            // A server this one reads from (a console's remote): 502, as a gateway would say.
            StoreError::Unreachable(msg) => ApiError::status(502, msg),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// Renders a JSON body with the SCIM media type.
pub fn scim_json(status: StatusCode, body: &serde_json::Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut resp = (status, bytes).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(msg) = &self {
            tracing::error!(error = %msg, "request failed");
        }
        let e = self.to_scim();
        let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = scim_json(status, &e.to_json());
        if e.status == 401 {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"SCIM\""),
            );
        }
        if e.status == 503 {
            // Only the deprovisioning guard answers 503.
            resp.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(crate::guard::RETRY_AFTER_SECS),
            );
        }
        if e.status == 413 {
            // The body was refused unread: the connection cannot carry another request.
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        // The event log shows what went wrong, in the words the client got.
        resp.extensions_mut().insert(ErrorDetail(e.detail.clone()));
        resp
    }
}

/// The detail of an error response, for the event log.
#[derive(Debug, Clone)]
pub struct ErrorDetail(pub String);

/// Turns every error response under `/scim/v2` that is not a SCIM Error yet (the router's
/// 405 and its extractors' rejections, such as an id with invalid percent-encoding) into one,
/// keeping its status and headers (`Allow` on a 405).
pub async fn scim_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let method = req.method().clone();
    let path = req
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map(|u| u.0.path().to_owned())
        .unwrap_or_else(|| req.uri().path().to_owned());
    let resp = next.run(req).await;
    let status = resp.status();
    let is_scim = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(SCIM_JSON.as_bytes()));
    if !(status.is_client_error() || status.is_server_error()) || is_scim {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let detail = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = parts
                .headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .replace(',', ", ");
            if allowed.is_empty() {
                format!("{method} is not allowed on {path}")
            } else {
                format!("{method} is not allowed on {path}; allowed: {allowed}")
            }
        }
        StatusCode::BAD_REQUEST if !text.is_empty() => format!("the request is malformed: {text}"),
        _ if !text.is_empty() => text,
        _ => status
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_owned(),
    };
    let scim_type = (status == StatusCode::BAD_REQUEST).then_some(ScimType::InvalidValue);
    let mut out =
        ApiError::Scim(ScimError::new(status.as_u16(), scim_type, detail)).into_response();
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    // What the handler told the event log stays with the response.
    out.extensions_mut().extend(parts.extensions);
    out
}
