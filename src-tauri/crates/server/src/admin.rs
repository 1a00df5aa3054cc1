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

use axum::extract::Path;
use axum::extract::{Query, Request, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::Extension;
use axum::{Json, Router};
use futures::Stream;
use serde_json::json;

use scim_store::{
    ChangeContext, EventQuery, EventRecord, Permission, SortOrder, UserColumn, CONSOLE_METHOD,
    LOGIN_METHOD,
};

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
        .route("/tokens", get(tokens).post(create_token))
        .route("/tokens/{name}", delete(revoke_token))
        .route("/roles", get(roles).post(add_role))
        .route("/roles/{name}", delete(remove_role))
        .route("/settings", get(settings))
        .route("/settings/generation", get(config_generation))
        .route("/settings/{key}", put(set_setting))
        .route(
            "/console-state/{key}",
            get(console_state).put(set_console_state),
        )
        .route("/users", get(users))
        .route("/users/.search", post(search_users))
        .route("/users/counts", get(user_counts))
        .route("/users/never-logged-in", get(never_logged_in))
        .route("/users/groups", post(groups_of_users))
        .route("/users/jit-login", post(jit_login))
        .route("/users/{id}", get(user).patch(patch_user))
        .route("/users/{id}/groups", get(groups_of_user))
        .route("/groups", get(groups))
        .route("/groups/.search", post(search_groups))
        .route("/groups/{id}", get(group))
        .route("/groups/{id}/members", get(group_members))
        .route("/groups/{id}/member-users", get(group_member_users))
        .route("/events", get(events))
        .route("/events/.search", post(search_events))
        .route("/events/.count", post(count_events))
        .route("/events/per-minute", get(events_per_minute))
        .route("/events/flush", post(flush_events))
        .route("/events/{id}", get(event))
        .route("/guard", get(guard))
        .route("/guard/deprovisions", get(deprovisions))
        .route("/guard/release", post(release_guard))
        .fallback(unknown_endpoint)
        .layer(middleware::from_fn_with_state(state.clone(), admin_only))
        // Malformed queries and bodies, unknown paths and methods: SCIM Errors, as on SCIM.
        .layer(middleware::from_fn(crate::error::scim_errors))
        .with_state(state)
}

async fn unknown_endpoint(req: Request) -> ApiError {
    ApiError::not_found(format!(
        "{} {} is no endpoint of the admin API",
        req.method(),
        req.uri().path()
    ))
}

async fn admin_only(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    match authenticate_for(&state, req.headers(), Scope::Admin).await {
        Ok((principal, _)) => {
            req.extensions_mut().insert(Admin(principal.token_name));
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

/// The admin token a request came with, by name: the actor of the changes it makes.
#[derive(Debug, Clone)]
struct Admin(String);

impl Admin {
    /// Who the event log and the timelines name for a change made through this token.
    fn actor(&self) -> String {
        format!("Console (admin token '{}')", self.0)
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
        "config_generation": state.core.read().config_generation().await?,
    }))
    .into_response())
}

/// Rows one page of the admin API carries at most.
const MAX_PAGE: u64 = 1000;
/// Event-log entries one search answers at most (without their bodies: about 5 MB): as many
/// as the console reads at once when it folds the log or exports it.
const MAX_EVENTS: u32 = 5000;

/// Paging and an optional SCIM filter, as the console's views ask for them.
#[derive(Debug, Default, serde::Deserialize)]
struct PageQuery {
    #[serde(default)]
    offset: u64,
    limit: Option<u64>,
    /// A SCIM filter over the resource type listed.
    filter: Option<String>,
}

impl From<PageQuery> for UserSearch {
    /// The same search, in creation order.
    fn from(q: PageQuery) -> Self {
        UserSearch {
            filter: q.filter,
            start_index: q.offset + 1,
            count: q.limit.unwrap_or(100).clamp(1, MAX_PAGE),
            ..UserSearch::default()
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
async fn users(state: State<AppState>, Query(q): Query<PageQuery>) -> Result<Response, ApiError> {
    search_users(state, Json(q.into())).await
}

async fn groups(state: State<AppState>, Query(q): Query<PageQuery>) -> Result<Response, ApiError> {
    search_groups(state, Json(q.into())).await
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
            // Entries after `n` were pruned, or the log is another one than the client read
            // (its newest entry is older than what the client has): it cannot catch up.
            let newest = newest_id(&state).await?;
            if newest < n {
                first.push(Event::default().event("reset").data(format!(
                    "this log ends at {newest}, before {n}: read everything afresh"
                )));
                // What comes next follows this log's end.
                newest
            } else {
                if let Some(oldest) = oldest_id(&state).await? {
                    if oldest > n + 1 {
                        first.push(Event::default().event("reset").data(format!(
                            "entries after {n} are no longer kept: read everything afresh"
                        )));
                    }
                }
                n
            }
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
                    // Woken by this server's writes, or after a while for other processes'; a
                    // server asked to stop ends the stream (the client resumes elsewhere).
                    let mut stopping = state.stopping.clone();
                    if *stopping.borrow() {
                        return None;
                    }
                    tokio::select! {
                        _ = tokio::time::timeout(POLL, written.recv()) => {}
                        _ = stopping.wait_for(|s| *s) => return None,
                    }
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

// ---- what a remote console reads: every read of the console's views -------------------------

/// A page of users as the console's Users view asks for it: a SCIM filter, a SCIM attribute or
/// a column to sort by, and 1-based paging.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct UserSearch {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub sort_column: Option<UserColumn>,
    pub sort_order: SortOrder,
    pub start_index: u64,
    pub count: u64,
}

/// Parses what a search names: its filter and sort attribute.
fn parsed(
    filter: Option<&str>,
    sort_by: Option<&str>,
) -> Result<
    (
        Option<scim_protocol::filter::Filter>,
        Option<scim_protocol::path::AttrPath>,
    ),
    ApiError,
> {
    let filter = match filter.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => Some(scim_protocol::filter::parse(f)?),
        None => None,
    };
    let sort_by = match sort_by.map(str::trim).filter(|f| !f.is_empty()) {
        Some(p) => Some(scim_protocol::path::AttrPath::parse(p)?),
        None => None,
    };
    Ok((filter, sort_by))
}

fn list_query<'a>(
    schema: &'a scim_protocol::ResourceSchema,
    s: &UserSearch,
    filter: Option<&'a scim_protocol::filter::Filter>,
    sort_by: Option<&'a scim_protocol::path::AttrPath>,
) -> scim_store::ListQuery<'a> {
    scim_store::ListQuery {
        schema,
        filter,
        sort_by,
        sort_column: s.sort_column,
        sort_order: s.sort_order,
        start_index: s.start_index.max(1),
        count: s.count.min(MAX_PAGE),
    }
}

async fn search_users(
    State(state): State<AppState>,
    Json(s): Json<UserSearch>,
) -> Result<Response, ApiError> {
    let rt = state.core.runtime().await?;
    let (filter, sort_by) = parsed(s.filter.as_deref(), s.sort_by.as_deref())?;
    let q = list_query(&rt.user_schema, &s, filter.as_ref(), sort_by.as_ref());
    let page = state.core.read().list_users(&q).await?;
    Ok(Json(json!({"total": page.total, "users": page.users})).into_response())
}

async fn search_groups(
    State(state): State<AppState>,
    Json(s): Json<UserSearch>,
) -> Result<Response, ApiError> {
    let rt = state.core.runtime().await?;
    let (filter, sort_by) = parsed(s.filter.as_deref(), s.sort_by.as_deref())?;
    let q = list_query(&rt.group_schema, &s, filter.as_ref(), sort_by.as_ref());
    let page = state.core.read().search_groups(&q).await?;
    Ok(Json(json!({"total": page.total, "groups": page.groups})).into_response())
}

fn found<T: serde::Serialize>(what: &str, id: &str, v: Option<T>) -> Result<Response, ApiError> {
    match v {
        Some(v) => Ok(Json(v).into_response()),
        None => Err(ApiError::not_found(format!("no {what} has the id '{id}'"))),
    }
}

/// The configuration's generation alone (a remote console asks it often, to know when to read
/// roles and settings again): no count of users as the status has.
async fn config_generation(State(state): State<AppState>) -> Result<Response, ApiError> {
    let generation = state.core.read().config_generation().await?;
    Ok(Json(json!({"generation": generation})).into_response())
}

async fn user(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    found("user", &id, state.core.read().get_user(&id).await?)
}

async fn user_counts(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.core.read().count_users().await?).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct Limit {
    limit: Option<u64>,
}

async fn never_logged_in(
    State(state): State<AppState>,
    Query(l): Query<Limit>,
) -> Result<Response, ApiError> {
    let limit = l.limit.unwrap_or(100).min(MAX_PAGE);
    Ok(Json(state.core.read().never_logged_in(limit).await?).into_response())
}

async fn groups_of_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(state.core.read().groups_of_user(&id).await?).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct Ids {
    ids: Vec<String>,
}

async fn groups_of_users(
    State(state): State<AppState>,
    Json(ids): Json<Ids>,
) -> Result<Response, ApiError> {
    if ids.ids.len() as u64 > MAX_PAGE {
        return Err(ApiError::Scim(scim_protocol::ScimError::new(
            400,
            Some(scim_protocol::ScimType::TooMany),
            format!("ask for the groups of at most {MAX_PAGE} users at once"),
        )));
    }
    Ok(Json(state.core.read().groups_of_users(&ids.ids).await?).into_response())
}

async fn group(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    found("group", &id, state.core.read().get_group(&id).await?)
}

#[derive(Debug, Default, serde::Deserialize)]
struct MembersQuery {
    #[serde(default)]
    offset: u64,
    limit: Option<u64>,
    text: Option<String>,
}

async fn group_members(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<MembersQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(100).min(MAX_PAGE);
    let members = state
        .core
        .read()
        .group_members(&id, q.offset, limit)
        .await?;
    Ok(Json(members).into_response())
}

async fn group_member_users(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<MembersQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(100).min(MAX_PAGE);
    let (users, total) = state
        .core
        .read()
        .group_member_users(&id, q.text.as_deref(), q.offset, limit)
        .await?;
    Ok(Json(json!({"users": users, "total": total})).into_response())
}

async fn console_state(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let value = state.core.read().console_state(&key).await?;
    Ok(Json(json!({"key": key, "value": value})).into_response())
}

/// The log's entries for any query the console makes (its whole `EventQuery`, as JSON).
async fn search_events(
    State(state): State<AppState>,
    Json(mut q): Json<EventQuery>,
) -> Result<Response, ApiError> {
    q.limit = q.limit.clamp(1, MAX_EVENTS);
    Ok(Json(state.core.read().list_events(&q).await?).into_response())
}

async fn count_events(
    State(state): State<AppState>,
    Json(q): Json<EventQuery>,
) -> Result<Response, ApiError> {
    Ok(Json(state.core.read().count_events(&q).await?).into_response())
}

async fn event(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let n = id.parse::<i64>().ok();
    let e = match n {
        Some(n) => state.core.read().get_event(n).await?,
        None => None,
    };
    found("entry of the event log", &id, e)
}

#[derive(Debug, serde::Deserialize)]
struct Since {
    since: String,
}

async fn events_per_minute(
    State(state): State<AppState>,
    Query(s): Query<Since>,
) -> Result<Response, ApiError> {
    Ok(Json(state.core.read().events_per_minute(&s.since).await?).into_response())
}

async fn deprovisions(
    State(state): State<AppState>,
    Query(s): Query<Since>,
) -> Result<Response, ApiError> {
    let n = state.core.read().count_deprovisions(&s.since).await?;
    Ok(Json(json!({"since": s.since, "deprovisions": n})).into_response())
}

/// Waits until every request this server has answered is in its event log, so a console that
/// just made requests reads them (the log is written in batches).
async fn flush_events(State(state): State<AppState>) -> StatusCode {
    state.events.flush().await;
    StatusCode::NO_CONTENT
}

// ---- what a remote console changes, with the server's own rules ---------------------------

#[derive(Debug, serde::Deserialize)]
struct NewTokenBody {
    name: String,
    permission: Option<Permission>,
    expires_in_days: Option<u32>,
    /// The console's simulator token (replacing the previous one).
    #[serde(default)]
    simulator: bool,
}

/// A new token; its secret is in this answer only (it is stored hashed).
async fn create_token(
    State(state): State<AppState>,
    Json(b): Json<NewTokenBody>,
) -> Result<Response, ApiError> {
    let (token, secret) = if b.simulator {
        state.core.create_simulator_token().await?
    } else {
        let permission = b.permission.unwrap_or(Permission::UserModify);
        state
            .core
            .create_token(&b.name, permission, b.expires_in_days)
            .await?
    };
    tracing::info!(token = %token.name, permission = token.permission.as_str(), "token created over the admin API");
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": token, "secret": secret})),
    )
        .into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(state.core.revoke_token(&name).await?).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct Name {
    name: String,
}

async fn add_role(
    State(state): State<AppState>,
    Json(n): Json<Name>,
) -> Result<Response, ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.core.add_role(&n.name).await?),
    )
        .into_response())
}

async fn remove_role(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.core.remove_role(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, serde::Deserialize)]
struct Value {
    value: String,
}

async fn set_setting(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Json(v): Json<Value>,
) -> Result<Response, ApiError> {
    let stored = state.core.set_setting(&key, &v.value).await?;
    Ok(Json(json!({"key": key, "value": stored})).into_response())
}

async fn set_console_state(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Json(v): Json<Value>,
) -> Result<StatusCode, ApiError> {
    state.core.set_console_state(&key, &v.value).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn release_guard(State(state): State<AppState>) -> Result<Response, ApiError> {
    let released = state.core.release_guard().await?;
    Ok(Json(json!({"released": released})).into_response())
}

/// An admin's change to a user: a SCIM PatchOp body, applied with the server's rules and
/// logged as the console's change, naming the admin token.
async fn patch_user(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    let rt = state.core.runtime().await?;
    let ops = scim_protocol::patch::parse(&body)?;
    let ctx = ChangeContext::audited(&admin.actor(), CONSOLE_METHOD, &format!("/Users/{id}"));
    let (user, _) = state
        .core
        .patch_user(&rt, &id, std::sync::Arc::new(ops), false, None, &ctx)
        .await?;
    Ok(Json(user).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct Login {
    email: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    role: Option<String>,
    /// Who logs in, as the log names it (the console's simulator says "SAML login").
    actor: Option<String>,
    /// Played by the console's simulator: logged as simulated.
    #[serde(default)]
    simulated: bool,
}

/// A first SAML login as the console's simulator plays it: the user created or updated just
/// in time.
async fn jit_login(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Json(l): Json<Login>,
) -> Result<Response, ApiError> {
    // Who logged in as the caller names it, and always the admin token that said so.
    let actor = match l.actor {
        Some(a) => format!("{a} (via admin token '{}')", admin.0),
        None => admin.actor(),
    };
    let mut ctx = ChangeContext::audited(&actor, LOGIN_METHOD, "SAML login");
    if let Some(r) = ctx.request.as_mut() {
        r.event.simulated = l.simulated;
    }
    let user = state
        .core
        .jit_login(
            &l.email,
            &l.given_name,
            &l.family_name,
            l.role.as_deref(),
            &ctx,
        )
        .await?;
    Ok(Json(user).into_response())
}
