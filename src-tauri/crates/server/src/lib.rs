//! The SCIM Console HTTP server: `/scim/v2` for identity providers.
//!
//! [`serve`] takes a bound listener and a shutdown future, so the desktop app, the command line
//! and the tests all start the same server the same way.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::net::TcpListener;

use scim_store::{EventLog, NewEvent, Permission, Store};

pub mod core;
pub mod demo;
mod discovery;
pub mod error;
mod scim;
pub mod settings;
pub mod tokens;

pub use crate::core::{Core, Runtime};
pub use crate::error::ApiError;
pub use crate::settings::Policy;

/// Largest request body accepted (RFC 7644 leaves it to the server; 413 beyond).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest page served, advertised as `filter.maxResults`.
pub const MAX_RESULTS: u64 = 1000;

/// Options of a server instance.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// The externally visible base URL (`https://host[:port]`), overriding the setting.
    pub public_url: Option<String>,
}

/// Shared state of a running server.
#[derive(Clone)]
pub struct AppState {
    pub core: Arc<Core>,
    pub events: EventLog,
    pub options: Arc<ServerOptions>,
    /// The address the server listens on, for URLs when no public URL is set.
    pub local_base: Arc<String>,
}

/// Who is calling: the token that authenticated the request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub token_id: i64,
    pub token_name: String,
    pub permission: Permission,
}

/// What a handler tells the event log about the request it served.
#[derive(Debug, Clone, Default)]
pub struct EventInfo {
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub user_name: Option<String>,
    pub diff: Vec<scim_store::AttrChange>,
    pub ignored: Vec<String>,
    /// The role attribute's value as the request sent it.
    pub role: Option<String>,
}

impl AppState {
    /// The SCIM base URL clients use: `…/scim/v2`.
    pub fn base_url(&self, rt: &Runtime) -> String {
        let root = self
            .options
            .public_url
            .as_deref()
            .or_else(|| rt.public_root())
            .unwrap_or(&self.local_base);
        scim_base(root)
    }
}

/// The SCIM base URL (`…/scim/v2`) under `root` (`https://host[:port]`).
pub fn scim_base(root: &str) -> String {
    format!("{}/scim/v2", root.trim_end_matches('/'))
}

/// The router for a server whose local address is `local_base` (`http://127.0.0.1:PORT`).
pub fn router(
    core: Arc<Core>,
    events: EventLog,
    options: ServerOptions,
    local_base: String,
) -> Router {
    let state = AppState {
        core,
        events,
        options: Arc::new(options),
        local_base: Arc::new(local_base),
    };
    let scim = scim::routes()
        .merge(discovery::routes())
        .fallback(scim::unknown_endpoint)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            authenticate_and_log,
        ))
        .with_state(state);
    Router::new()
        .nest("/scim/v2", scim)
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// Serves until `shutdown` completes, then flushes the event log.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    options: ServerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ApiError> {
    let core = Core::new(store.clone()).await?;
    let events = EventLog::start(store);
    serve_core(listener, core, events, options, shutdown).await
}

/// Like [`serve`], with a core and an event log the caller keeps using (the desktop app reads
/// users and the log through the same ones the server writes).
pub async fn serve_core(
    listener: TcpListener,
    core: Arc<Core>,
    events: EventLog,
    options: ServerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ApiError> {
    let addr = listener
        .local_addr()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let app = router(core, events.clone(), options, format!("http://{addr}"));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| ApiError::Internal(format!("server error: {e}")))?;
    events.flush().await;
    Ok(())
}

/// The SCIM representation of `user` as the server at `base_url` (`…/scim/v2`) returns it.
pub fn render_user(
    rt: &Runtime,
    base_url: &str,
    user: &scim_store::UserRecord,
) -> serde_json::Value {
    scim::render_full(rt, base_url, user)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Authenticates every SCIM request and records it in the event log, whatever its outcome.
async fn authenticate_and_log(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    // The full path as the client sent it, not the part below the `/scim/v2` nest.
    let uri = req
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map(|o| o.0.clone())
        .unwrap_or_else(|| req.uri().clone());
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| uri.path().to_owned());
    let client = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut principal: Option<Principal> = None;
    let response = match authenticate(&state, req.headers()).await {
        Ok((p, rt)) => {
            principal = Some(p.clone());
            req.extensions_mut().insert(p);
            req.extensions_mut().insert(rt);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    };
    let info = response
        .extensions()
        .get::<EventInfo>()
        .cloned()
        .unwrap_or_default();
    let error = response
        .extensions()
        .get::<error::ErrorDetail>()
        .map(|d| d.0.clone());
    state.events.record(NewEvent {
        at: scim_store::now(),
        token_name: principal.as_ref().map(|p| p.token_name.clone()),
        token_id: principal.as_ref().map(|p| p.token_id),
        client,
        method,
        path,
        status: response.status().as_u16(),
        latency_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        resource_type: info.resource_type,
        resource_id: info.resource_id,
        user_name: info.user_name,
        diff: info.diff,
        ignored: info.ignored,
        error,
        role: info.role,
    });
    response
}

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(Principal, Arc<Runtime>), ApiError> {
    let Some(secret) = bearer(headers) else {
        return Err(ApiError::unauthorized(
            "authentication required: send 'Authorization: Bearer <token>' with an API token",
        ));
    };
    let (token, rt) = state.core.authenticate(&tokens::hash(secret)).await?;
    let token = match token {
        Some(t) if t.is_valid_at(&scim_store::now()) => t,
        Some(t) if t.revoked.is_some() => {
            return Err(ApiError::unauthorized(format!(
                "the token '{}' has been revoked",
                t.name
            )))
        }
        Some(t) => {
            return Err(ApiError::unauthorized(format!(
                "the token '{}' has expired",
                t.name
            )))
        }
        None => return Err(ApiError::unauthorized("the bearer token is not valid")),
    };
    Ok((
        Principal {
            token_id: token.id,
            token_name: token.name,
            permission: token.permission,
        },
        rt,
    ))
}

/// 204/304 and the like carry no body.
pub(crate) fn empty(status: StatusCode) -> Response {
    status.into_response()
}
