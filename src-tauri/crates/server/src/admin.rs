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

use axum::extract::{Request, State};
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
