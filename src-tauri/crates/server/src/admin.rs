//! The admin API under `/admin/v1`, for a console connected to this server from elsewhere: it
//! accepts admin tokens only (`scim-console admin-token create`), as `/scim/v2` accepts SCIM
//! tokens only — 401 both ways.
//!
//! `GET /admin/v1/stream` is a server-sent-event stream of the event log: every request and
//! every change made through the console or the command line, each sent as `event: entry` with
//! its id as the SSE `id:`. A client that reconnects with `Last-Event-ID: N` gets every entry
//! after N, none twice; one whose entries were pruned meanwhile is sent `event: reset` and
//! should read its views afresh. Without `Last-Event-ID` the stream starts at the newest entry
//! (`event: hello` says which).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, Request, State};
use axum::http::HeaderMap;
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures::Stream;
use serde_json::json;

use scim_store::{EventQuery, EventRecord};

use crate::error::ApiError;
use crate::{authenticate_for, AppState, Scope};

/// Entries sent per read of the log.
const PAGE: u32 = 500;
/// How often the stream looks for entries written by other processes on the same database.
const POLL: Duration = Duration::from_secs(1);

pub(crate) fn routes(state: AppState) -> Router {
    Router::new()
        .route("/status", get(status))
        .route("/stream", get(stream))
        .route("/tokens", get(tokens))
        .route("/roles", get(roles))
        .route("/settings", get(settings))
        .route("/users", get(users))
        .route("/groups", get(groups))
        .route("/events", get(events))
        .route("/guard", get(guard))
        .layer(middleware::from_fn_with_state(state.clone(), admin_only))
        .with_state(state)
}

async fn admin_only(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match authenticate_for(&state, req.headers(), Scope::Admin).await {
        Ok(_) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// What a connecting console shows first: the server, its policy, its users, the log's end.
async fn status(State(state): State<AppState>) -> Result<Response, ApiError> {
    let rt = state.core.runtime().await?;
    let read = state.core.read();
    let users = read.count_users().await?;
    let last = newest_id(&state).await?;
    Ok(Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "policy": rt.policy,
        "base_url": state.base_url(&rt),
        "users": users,
        "last_event_id": last,
    }))
    .into_response())
}

/// Rows one page of the admin API carries at most.
const MAX_PAGE: u64 = 1000;

/// Paging and an optional SCIM filter, as the console's views ask for them.
#[derive(Debug, Default, serde::Deserialize)]
struct PageQuery {
    #[serde(default)]
    offset: u64,
    limit: Option<u64>,
    /// A SCIM filter over the resource type listed.
    filter: Option<String>,
}

impl PageQuery {
    fn limit(&self) -> u64 {
        self.limit.unwrap_or(100).clamp(1, MAX_PAGE)
    }
    fn filter(&self) -> Result<Option<scim_protocol::filter::Filter>, ApiError> {
        match self
            .filter
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
        {
            Some(f) => Ok(Some(scim_protocol::filter::parse(f)?)),
            None => Ok(None),
        }
    }
    fn list<'a>(
        &self,
        schema: &'a scim_protocol::ResourceSchema,
        filter: Option<&'a scim_protocol::filter::Filter>,
    ) -> scim_store::ListQuery<'a> {
        scim_store::ListQuery {
            schema,
            filter,
            sort_by: None,
            sort_column: None,
            sort_order: scim_store::SortOrder::Ascending,
            start_index: self.offset + 1,
            count: self.limit(),
        }
    }
}

/// Tokens with their names, permissions, expiry and last use (never a secret or a hash).
async fn tokens(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.core.read().list_tokens().await?).into_response())
}

async fn roles(State(state): State<AppState>) -> Result<Response, ApiError> {
    let rt = state.core.runtime().await?;
    Ok(Json(json!({
        "roles": state.core.read().list_roles().await?,
        "default_role": rt.default_role,
        "role_attribute": rt.role_attr,
    }))
    .into_response())
}

async fn settings(State(state): State<AppState>) -> Result<Response, ApiError> {
    let all: Vec<_> = state
        .core
        .read()
        .settings()
        .await?
        .into_iter()
        .map(|(key, value)| json!({"key": key, "value": value}))
        .collect();
    Ok(Json(all).into_response())
}

/// A page of users (stored form; passwords are never stored in it), filtered by a SCIM filter.
async fn users(
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let rt = state.core.runtime().await?;
    let filter = q.filter()?;
    let page = state
        .core
        .read()
        .list_users(&q.list(&rt.user_schema, filter.as_ref()))
        .await?;
    Ok(Json(json!({"total": page.total, "users": page.users})).into_response())
}

async fn groups(
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let rt = state.core.runtime().await?;
    let filter = q.filter()?;
    let page = state
        .core
        .read()
        .search_groups(&q.list(&rt.group_schema, filter.as_ref()))
        .await?;
    Ok(Json(json!({"total": page.total, "groups": page.groups})).into_response())
}

/// The event log's entries, as the Activity view asks for them.
#[derive(Debug, Default, serde::Deserialize)]
struct EventsParams {
    after_id: Option<i64>,
    before_id: Option<i64>,
    #[serde(default)]
    errors_only: bool,
    resource_id: Option<String>,
    since: Option<String>,
    until: Option<String>,
    #[serde(default)]
    hide_reads: bool,
    limit: Option<u32>,
}

async fn events(
    State(state): State<AppState>,
    Query(p): Query<EventsParams>,
) -> Result<Response, ApiError> {
    let q = EventQuery {
        after_id: p.after_id,
        before_id: p.before_id,
        errors_only: p.errors_only,
        resource_id: p.resource_id,
        since: p.since,
        until: p.until,
        hide_reads: p.hide_reads,
        limit: p.limit.unwrap_or(100).clamp(1, MAX_PAGE as u32),
        ..Default::default()
    };
    let read = state.core.read();
    let entries = read.list_events(&q).await?;
    let count = read.count_events(&q).await?;
    Ok(Json(json!({"entries": entries, "total": count.entries})).into_response())
}

async fn guard(State(state): State<AppState>) -> Result<Response, ApiError> {
    let read = state.core.read();
    let (held, total) = read.held_requests(MAX_PAGE).await?;
    Ok(Json(json!({
        "state": read.guard_state().await?,
        "held": held,
        "held_total": total,
    }))
    .into_response())
}

async fn newest_id(state: &AppState) -> Result<i64, ApiError> {
    Ok(state
        .core
        .read()
        .list_events(&EventQuery {
            limit: 1,
            ..Default::default()
        })
        .await?
        .first()
        .map_or(0, |e| e.id))
}

async fn oldest_id(state: &AppState) -> Result<Option<i64>, ApiError> {
    Ok(state
        .core
        .read()
        .list_events(&EventQuery {
            limit: 1,
            oldest_first: true,
            ..Default::default()
        })
        .await?
        .first()
        .map(|e| e.id))
}

fn entry(e: &EventRecord) -> Event {
    Event::default()
        .id(e.id.to_string())
        .event("entry")
        .json_data(e)
        .unwrap_or_else(|_| Event::default().event("entry").id(e.id.to_string()))
}

async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let mut first = Vec::new();
    let after = match resume {
        Some(n) => {
            // Entries after `n` were pruned: the client cannot catch up from the log.
            if let Some(oldest) = oldest_id(&state).await? {
                if oldest > n + 1 {
                    first.push(Event::default().event("reset").data(format!(
                        "entries after {n} are no longer kept: read everything afresh"
                    )));
                }
            }
            n
        }
        None => {
            let newest = newest_id(&state).await?;
            first.push(
                Event::default()
                    .event("hello")
                    .data(json!({"last_event_id": newest}).to_string()),
            );
            newest
        }
    };
    let written = state.events.subscribe();
    let s = futures::stream::unfold(
        (
            state,
            after,
            written,
            first.into_iter().collect::<std::collections::VecDeque<_>>(),
        ),
        |(state, mut after, mut written, mut pending)| async move {
            loop {
                if let Some(e) = pending.pop_front() {
                    return Some((Ok(e), (state, after, written, pending)));
                }
                let page = state
                    .core
                    .read()
                    .list_events(&EventQuery {
                        after_id: Some(after),
                        oldest_first: true,
                        limit: PAGE,
                        ..Default::default()
                    })
                    .await
                    .unwrap_or_default();
                if page.is_empty() {
                    // Woken by this server's writes, or after a while for other processes'.
                    let _ = tokio::time::timeout(POLL, written.recv()).await;
                    continue;
                }
                for e in &page {
                    after = after.max(e.id);
                    pending.push_back(entry(e));
                }
            }
        },
    );
    Ok(Sse::new(s).keep_alive(KeepAlive::default()))
}
