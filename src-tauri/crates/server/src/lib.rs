//! The SCIM Console HTTP server: `/scim/v2` for identity providers.
//!
//! [`serve`] takes a bound listener and a shutdown future, so the desktop app, the command line
//! and the tests all start the same server the same way.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::net::TcpListener;
use tower_http::normalize_path::NormalizePath;

use scim_store::{EventLog, NewEvent, Permission, RequestEvent, Store};

pub mod admin;
mod audit;
pub mod connection;
pub mod core;
pub mod demo;
mod discovery;
pub mod error;
pub mod group_ops;
pub mod group_roles;
mod groups;
pub mod guard;
pub mod ratelimit;
mod scim;
pub mod settings;
pub mod tokens;

pub use crate::connection::ConnectionLimits;
pub use crate::core::{Core, Runtime};
pub use crate::error::ApiError;
pub use crate::settings::Policy;

/// Largest request body accepted (RFC 7644 leaves it to the server; 413 beyond).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest page served, advertised as `filter.maxResults`.
pub const MAX_RESULTS: u64 = 1000;
/// Request bodies being read and parsed at once may hold at most this many bytes together;
/// further ones wait, so many clients sending large bodies cannot exhaust memory.
pub const BODY_BUDGET_BYTES: usize = 32 * MAX_BODY_BYTES;

/// Options of a server instance.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// The externally visible base URL (`https://host[:port]`), overriding the setting.
    pub public_url: Option<String>,
    /// Connection limits; `None` takes them from the settings (defaults where unset).
    pub limits: Option<ConnectionLimits>,
}

/// Shared state of a running server.
#[derive(Clone)]
pub struct AppState {
    pub core: Arc<Core>,
    pub events: EventLog,
    pub options: Arc<ServerOptions>,
    /// The address the server listens on, for URLs when no public URL is set.
    pub local_base: Arc<String>,
    pub limits: ConnectionLimits,
    pub limiter: Arc<ratelimit::Limiter>,
    /// Permits for request bodies in memory, a kibibyte each (see [`BODY_BUDGET_BYTES`]).
    pub body_budget: Arc<tokio::sync::Semaphore>,
    /// Set when the server is asked to stop: long-lived answers (the admin API's stream) end,
    /// so it stops in time.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

/// Who is calling: the token that authenticated the request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub token_id: i64,
    pub token_name: String,
    pub permission: Permission,
    /// The token is the console simulator's: the request is logged as simulated.
    pub simulator: bool,
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

/// Marks a response whose event-log entry was written with the change it reports.
#[derive(Debug, Clone, Copy)]
pub struct Logged;

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

/// The application for a server whose local address is `local_base` (`http://127.0.0.1:PORT`):
/// the router, with a trailing slash on a path meaning the same as none.
pub fn app(
    core: Arc<Core>,
    events: EventLog,
    options: ServerOptions,
    limits: ConnectionLimits,
    local_base: String,
    stopping: tokio::sync::watch::Receiver<bool>,
) -> NormalizePath<Router> {
    let state = AppState {
        stopping,
        core,
        events,
        options: Arc::new(options),
        local_base: Arc::new(local_base),
        limits,
        limiter: Arc::new(ratelimit::Limiter::default()),
        body_budget: Arc::new(tokio::sync::Semaphore::new(BODY_BUDGET_BYTES / 1024)),
    };
    let scim = scim::routes()
        .merge(groups::routes())
        .merge(discovery::routes())
        .fallback(scim::unknown_endpoint)
        .layer(middleware::from_fn(error::scim_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            authenticate_and_log,
        ))
        .with_state(state.clone());
    let admin = admin::routes(state);
    let router = Router::new()
        .nest("/scim/v2", scim)
        .nest("/admin/v1", admin)
        .layer(tower_http::trace::TraceLayer::new_for_http());
    NormalizePath::trim_trailing_slash(router)
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
    let limits = match options.limits {
        Some(l) => l,
        None => ConnectionLimits::from_settings(&core.store.settings().await?),
    };
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let app = app(
        core,
        events.clone(),
        options,
        limits,
        format!("http://{addr}"),
        stopping,
    );
    let shutdown = async move {
        shutdown.await;
        stop.send_replace(true);
    };
    connection::serve(listener, app, limits, shutdown).await;
    events.flush().await;
    Ok(())
}

/// The SCIM representation of `user` in `groups` as the server at `base_url` (`…/scim/v2`)
/// returns it.
pub fn render_user(
    rt: &Runtime,
    base_url: &str,
    user: &scim_store::UserRecord,
    groups: &[scim_store::UserGroup],
) -> serde_json::Value {
    scim::render_full(rt, base_url, user, groups)
}

/// The SCIM representation of `group` without its members, as
/// `GET /Groups/{id}?excludedAttributes=members` returns it.
pub fn render_group(
    rt: &Runtime,
    base_url: &str,
    group: &scim_store::GroupRecord,
) -> serde_json::Value {
    groups::render_group(rt, base_url, group, &[])
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The response as it goes out, and its body as the log keeps it: whole for errors (up to
/// [`audit::MAX_KEPT_BODY`], cut later by the store's bounds), for successes only when small.
async fn kept_response(response: Response) -> (Response, Option<String>) {
    use axum::body::HttpBody;
    let failed = response.status().as_u16() >= 400;
    let limit = if failed {
        audit::MAX_KEPT_BODY
    } else {
        audit::MAX_KEPT_SUCCESS
    };
    let size = response.body().size_hint().exact();
    match size {
        Some(0) => (response, None),
        Some(n) if n as usize <= limit => {
            let (parts, body) = response.into_parts();
            // A body of known size below the limit is already in memory: this only takes it.
            match axum::body::to_bytes(body, limit).await {
                Ok(bytes) => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    (
                        Response::from_parts(parts, axum::body::Body::from(bytes)),
                        Some(text),
                    )
                }
                Err(_) => (Response::from_parts(parts, axum::body::Body::empty()), None),
            }
        }
        Some(n) => (
            response,
            Some(format!("…[an answer of {n} bytes, not kept]")),
        ),
        None => (response, None),
    }
}

/// Authenticates every SCIM request, applies the rate limit, and records the request in the
/// event log whatever its outcome.
async fn authenticate_and_log(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let peer = req.extensions().get::<connection::Peer>().map(|p| p.0);
    // The full path as the client sent it, not the part below the `/scim/v2` nest.
    let uri = req
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map(|o| o.0.clone())
        .unwrap_or_else(|| req.uri().clone());
    let mut event = NewEvent {
        at: scim_store::now(),
        client: req
            .headers()
            .get(header::USER_AGENT)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        method: req.method().to_string(),
        path: audit::redacted_path(uri.path(), uri.query()),
        ..NewEvent::default()
    };
    let authenticated = authenticate(&state, req.headers()).await;
    let slot = scim::BodySlot::default();
    // The configuration the request found (refreshed by authenticating, when it could).
    let configured = match &authenticated {
        Ok((_, rt)) => rt.clone(),
        Err(_) => state.core.cached_runtime(),
    };
    let address = audit::client_address(peer, req.headers(), &configured.trusted_proxies);
    event.address = address.map(|a| a.to_string());
    let (response, folded) = match authenticated {
        Ok((p, rt)) => {
            event.token_name = Some(p.token_name.clone());
            event.token_id = Some(p.token_id);
            // From the token alone, so no header or body can mark real traffic as simulated
            // or the reverse.
            event.simulated = p.simulator;
            match state
                .limiter
                .check(rt.rate_limit, ratelimit::Key::Token(p.token_id))
            {
                Err(wait) => (too_many(wait, rt.rate_limit, Some(&p.token_name)), true),
                Ok(()) => {
                    req.extensions_mut().insert(slot.clone());
                    req.extensions_mut().insert(RequestEvent {
                        event: event.clone(),
                        started,
                    });
                    req.extensions_mut().insert(p);
                    req.extensions_mut().insert(rt);
                    (next.run(req).await, false)
                }
            }
        }
        Err(e) => {
            let throttled = address.and_then(|a| {
                state
                    .limiter
                    .check(configured.rate_limit, ratelimit::Key::Address(a))
                    .err()
            });
            match throttled {
                Some(wait) => (too_many(wait, configured.rate_limit, None), true),
                None => (e.into_response(), true),
            }
        }
    };
    if response.extensions().get::<Logged>().is_some() {
        state.events.written_elsewhere(1);
        return response;
    }
    let info = response
        .extensions()
        .get::<EventInfo>()
        .cloned()
        .unwrap_or_default();
    // A refused request about an existing user names it too, so the log can say whom it
    // concerned (the handlers know the id from the path only).
    let user_name = match (&info.user_name, &info.resource_id) {
        (None, Some(id)) if !folded && info.resource_type.as_deref() == Some("User") => state
            .core
            .read()
            .get_user(id)
            .await
            .ok()
            .flatten()
            .map(|u| u.user_name),
        _ => info.user_name,
    };
    // The answer's body, for errors, reads and small answers (see `audit::MAX_KEPT_SUCCESS`);
    // never for folded entries, which stand for many requests.
    let (response, response_body) = if folded {
        (response, None)
    } else {
        kept_response(response).await
    };
    let event = NewEvent {
        dialect: slot.dialect(),
        request_body: slot.take(),
        response_body,
        status: response.status().as_u16(),
        latency_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        resource_type: info.resource_type,
        resource_id: info.resource_id,
        user_name,
        diff: info.diff,
        ignored: info.ignored,
        error: response
            .extensions()
            .get::<error::ErrorDetail>()
            .map(|d| d.0.clone()),
        role: info.role,
        ..event
    };
    if folded {
        state.events.record_folded(event);
    } else {
        state.events.record(event);
    }
    response
}

/// 429 with `Retry-After`.
fn too_many(
    wait: std::time::Duration,
    rate: Option<std::num::NonZeroU32>,
    token: Option<&str>,
) -> Response {
    let secs = ratelimit::retry_after_secs(wait);
    let per_second = rate.map_or(0, |r| r.get());
    let detail = match token {
        Some(name) => format!(
            "too many requests with the token '{name}': at most {per_second} per second \
             (bursts of {}) are served; retry after {secs} s. The limit is the 'rate-limit' setting",
            per_second * 2
        ),
        None => format!(
            "too many requests without a valid token from this address; retry after {secs} s"
        ),
    };
    let mut resp = ApiError::Scim(scim_protocol::ScimError::new(429, None, detail)).into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// Where a token is presented: SCIM tokens and admin tokens are each refused on the other's
/// endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Scim,
    Admin,
}

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(Principal, Arc<Runtime>), ApiError> {
    authenticate_for(state, headers, Scope::Scim).await
}

pub(crate) async fn authenticate_for(
    state: &AppState,
    headers: &HeaderMap,
    scope: Scope,
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
    match (scope, token.permission == Permission::Admin) {
        (Scope::Scim, true) => {
            return Err(ApiError::unauthorized(format!(
                "the token '{}' is an admin token: it is accepted on /admin/v1 only, not on SCIM",
                token.name
            )))
        }
        (Scope::Admin, false) => {
            return Err(ApiError::unauthorized(format!(
                "the token '{}' is a SCIM token: /admin/v1 accepts admin tokens only (scim-console admin-token create)",
                token.name
            )))
        }
        _ => {}
    }
    Ok((
        Principal {
            token_id: token.id,
            token_name: token.name,
            permission: token.permission,
            simulator: token.simulator,
        },
        rt,
    ))
}

/// 204/304 and the like carry no body.
pub(crate) fn empty(status: StatusCode) -> Response {
    status.into_response()
}
