//! `/Groups` under full provisioning: list, search, read, create, replace, patch, delete.
//!
//! A PATCH on a group answers 204 No Content with the new ETag (RFC 7644 §3.5.2 allows it, and
//! it is what Okta and Entra ID expect): answering 200 would send the whole member list back
//! after every change of a few members. A PATCH that asks for `attributes` or
//! `excludedAttributes` gets 200 with the group so projected.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::{json, Value};

use scim_protocol::patch;
use scim_protocol::projection::Projection;
use scim_protocol::resource::{render, Meta};
use scim_protocol::ScimError;
use scim_store::{GroupMember, GroupRecord, RequestEvent};

use crate::core::{Core, Runtime};
use crate::error::{scim_json, ApiError};
use crate::group_ops::{GroupOutcome, MAX_MEMBERS_IN_RESPONSE};
use crate::scim::{
    ctx, if_match, not_modified, require_write, with_info, BodySlot, Params, ScimBody, Search,
};
use crate::{empty, AppState, EventInfo, Logged, Principal};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/Groups", get(list_groups).post(create_group))
        .route("/Groups/.search", post(search_groups))
        .route(
            "/Groups/{id}",
            get(get_group)
                .put(replace_group)
                .patch(patch_group)
                .delete(delete_group),
        )
}

/// The SCIM representation of a group with the members given (none when they were not asked
/// for).
pub(crate) fn render_group(
    rt: &Runtime,
    base_url: &str,
    g: &GroupRecord,
    members: &[GroupMember],
) -> Value {
    let meta = Meta {
        resource_type: "Group".to_owned(),
        created: g.created.clone(),
        last_modified: g.last_modified.clone(),
        location: format!("{base_url}/Groups/{}", g.id),
        version: g.etag(),
    };
    let mut data = g.data.clone();
    if !members.is_empty() {
        // `display` is left out: it is the client's to send (read-only here), and a value the
        // server made up would differ from what was written.
        let list = members
            .iter()
            .map(|m| {
                json!({
                    "value": m.value,
                    "$ref": format!("{base_url}/Users/{}", m.value),
                    "type": "User",
                })
            })
            .collect();
        data.insert("members".to_owned(), Value::Array(list));
    }
    render(&rt.group_schema, &g.id, &data, &meta)
}

fn info_for(g: &GroupRecord) -> EventInfo {
    EventInfo {
        resource_type: Some("Group".to_owned()),
        resource_id: Some(g.id.clone()),
        user_name: Some(g.display_name.clone()),
        ..EventInfo::default()
    }
}

fn failed_for(id: Option<&str>, name: Option<&str>) -> EventInfo {
    EventInfo {
        resource_type: Some("Group".to_owned()),
        resource_id: id.map(str::to_owned),
        user_name: name.map(str::to_owned),
        ..EventInfo::default()
    }
}

fn name_in(body: &Value) -> Option<&str> {
    body.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("displayName"))
        .and_then(|(_, v)| v.as_str())
}

/// The group as a response carries it under `projection` (members loaded only if returned).
async fn rendered(
    state: &AppState,
    rt: &Runtime,
    g: &GroupRecord,
    projection: &Projection,
) -> Result<Value, ApiError> {
    let members = if projection.returns(&rt.group_schema, "members") {
        state.core.members_for_response(g).await?
    } else {
        Vec::new()
    };
    Ok(projection.apply(
        &rt.group_schema,
        render_group(rt, &state.base_url(rt), g, &members),
    ))
}

fn with_etag(mut resp: Response, g: &GroupRecord) -> Response {
    if let Ok(v) = HeaderValue::from_str(&g.etag()) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

async fn list_groups(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    Core::groups_offered(&rt)?;
    run_search(&state, &rt, Search::from_query(&Params(params))?).await
}

async fn search_groups(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    ScimBody(body, _): ScimBody,
) -> Result<Response, ApiError> {
    Core::groups_offered(&rt)?;
    run_search(&state, &rt, Search::from_body(&body)?).await
}

/// `POST /.search` (RFC 7644 §3.4.3): every resource type offered — users first, then groups
/// (in `full`), paged across both; a sort applies within each type.
pub(crate) async fn search_everything(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    ScimBody(body, _): ScimBody,
) -> Result<Response, ApiError> {
    let search = Search::from_body(&body)?;
    if Core::groups_offered(&rt).is_err() {
        return crate::scim::run_search(&state, &rt, search).await;
    }
    let users_q = search.clone().parse(&rt.user_schema)?;
    let groups_q = search.parse(&rt.group_schema)?;
    let users = state
        .core
        .read()
        .list_users(&users_q.query(&rt.user_schema))
        .await?;
    let their_groups =
        crate::scim::user_groups(&state, &rt, &users.users, &users_q.projection).await?;
    let mut resources: Vec<Value> = users
        .users
        .iter()
        .map(|u| {
            crate::scim::rendered(&state, &rt, u, their_groups.get(&u.id), &users_q.projection)
        })
        .collect();
    // The groups' part of the page: after the users that match, as many as still fit.
    let offset = users_q.start_index.saturating_sub(1);
    let group_start = offset.saturating_sub(users.total) + 1;
    let room = users_q.count.saturating_sub(resources.len() as u64);
    let mut q = groups_q.query(&rt.group_schema);
    q.start_index = group_start;
    q.count = room;
    let groups = state.core.read().search_groups(&q).await?;
    for g in &groups.groups {
        resources.push(rendered(&state, &rt, g, &groups_q.projection).await?);
    }
    Ok(users_q.list_response(users.total + groups.total, resources))
}

async fn run_search(state: &AppState, rt: &Runtime, s: Search) -> Result<Response, ApiError> {
    let schema = &rt.group_schema;
    let q = s.parse(schema)?;
    let page = state.core.read().search_groups(&q.query(schema)).await?;
    if q.projection.returns(schema, "members") {
        let members: u64 = page.groups.iter().map(|g| g.member_count).sum();
        if members > MAX_MEMBERS_IN_RESPONSE {
            return Err(ApiError::Scim(ScimError::new(
                400,
                Some(scim_protocol::ScimType::TooMany),
                format!(
                    "these {} groups have {members} members in all, more than the {MAX_MEMBERS_IN_RESPONSE} one response carries; ask for fewer groups (count) or add excludedAttributes=members",
                    page.groups.len()
                ),
            )));
        }
    }
    let mut resources = Vec::with_capacity(page.groups.len());
    for g in &page.groups {
        resources.push(rendered(state, rt, g, &q.projection).await?);
    }
    Ok(q.list_response(page.total, resources))
}

async fn get_group(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    Path(id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    Core::groups_offered(&rt)?;
    let p = Params(params);
    let projection = Projection::parse(
        &rt.group_schema,
        p.get("attributes"),
        p.get("excludedAttributes"),
    )?;
    let g = state.core.get_group(&id).await?;
    if not_modified(&headers, &g.etag()) {
        return Ok(with_info(
            with_etag(empty(StatusCode::NOT_MODIFIED), &g),
            info_for(&g),
        ));
    }
    let body = rendered(&state, &rt, &g, &projection).await?;
    Ok(with_info(
        with_etag(scim_json(StatusCode::OK, &body), &g),
        info_for(&g),
    ))
}

/// The answer to a group write: the group as it now is (projected), or nothing with 204; the
/// error with what the event log should know otherwise.
async fn written(
    state: &AppState,
    rt: &Runtime,
    status: StatusCode,
    projection: &Projection,
    result: Result<(GroupRecord, GroupOutcome), ApiError>,
    on_error: impl FnOnce() -> EventInfo,
) -> Response {
    let (g, outcome) = match result {
        Ok(done) => done,
        Err(e) => return with_info(e.into_response(), on_error()),
    };
    let info = EventInfo {
        diff: outcome.diff,
        ignored: outcome.ignored,
        ..info_for(&g)
    };
    let mut resp = if status == StatusCode::NO_CONTENT {
        empty(StatusCode::NO_CONTENT)
    } else {
        match rendered(state, rt, &g, projection).await {
            Ok(body) => scim_json(status, &body),
            Err(e) => e.into_response(),
        }
    };
    if status == StatusCode::CREATED {
        if let Ok(v) = HeaderValue::from_str(&format!("{}/Groups/{}", state.base_url(rt), g.id)) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
    }
    let mut resp = with_info(with_etag(resp, &g), info);
    if outcome.logged {
        resp.extensions_mut().insert(Logged);
    }
    resp
}

async fn create_group(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    Extension(principal): Extension<Principal>,
    Extension(request): Extension<RequestEvent>,
    Extension(slot): Extension<BodySlot>,
    body: Result<ScimBody, ApiError>,
) -> Result<Response, ApiError> {
    Core::groups_offered(&rt)?;
    require_write(&principal)?;
    let ScimBody(body, _) = body?;
    let ctx = ctx(&principal, request, &slot, None);
    let result = state.core.create_group(&rt, &body, &ctx).await;
    Ok(written(
        &state,
        &rt,
        StatusCode::CREATED,
        &Projection::default(),
        result,
        || failed_for(None, name_in(&body)),
    )
    .await)
}

// One argument per extractor, as axum handlers take them.
#[allow(clippy::too_many_arguments)]
async fn replace_group(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    Extension(principal): Extension<Principal>,
    Extension(request): Extension<RequestEvent>,
    Extension(slot): Extension<BodySlot>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<ScimBody, ApiError>,
) -> Result<Response, ApiError> {
    Core::groups_offered(&rt)?;
    require_write(&principal)?;
    let ScimBody(body, _) = body?;
    let ctx = ctx(&principal, request, &slot, None);
    let result = state
        .core
        .replace_group(&rt, &id, &body, if_match(&headers), &ctx)
        .await;
    Ok(written(
        &state,
        &rt,
        StatusCode::OK,
        &Projection::default(),
        result,
        || failed_for(Some(&id), name_in(&body)),
    )
    .await)
}

// One argument per extractor, as axum handlers take them.
#[allow(clippy::too_many_arguments)]
async fn patch_group(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    Extension(principal): Extension<Principal>,
    Extension(request): Extension<RequestEvent>,
    Extension(slot): Extension<BodySlot>,
    Path(id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Result<ScimBody, ApiError>,
) -> Result<Response, ApiError> {
    Core::groups_offered(&rt)?;
    require_write(&principal)?;
    let p = Params(params);
    let (attributes, excluded) = (p.get("attributes"), p.get("excludedAttributes"));
    let projection = Projection::parse(&rt.group_schema, attributes, excluded)?;
    let status = if attributes.is_some() || excluded.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NO_CONTENT
    };
    let ScimBody(body, _) = body?;
    let ops = match patch::parse(&body) {
        Ok(ops) => Arc::new(ops),
        Err(e) => {
            return Ok(with_info(
                ApiError::Scim(e).into_response(),
                failed_for(Some(&id), None),
            ))
        }
    };
    drop(body);
    // The log's entry says what the client was answered (204, or 200 with the group).
    let mut request = request;
    request.event.status = status.as_u16();
    let ctx = ctx(&principal, request, &slot, None);
    let result = state
        .core
        .patch_group(&rt, &id, ops, if_match(&headers), &ctx)
        .await;
    Ok(written(&state, &rt, status, &projection, result, || {
        failed_for(Some(&id), None)
    })
    .await)
}

async fn delete_group(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    Extension(principal): Extension<Principal>,
    Extension(request): Extension<RequestEvent>,
    Extension(slot): Extension<BodySlot>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    Core::groups_offered(&rt)?;
    require_write(&principal)?;
    let ctx = ctx(&principal, request, &slot, None);
    match state
        .core
        .delete_group(&rt, &id, if_match(&headers), &ctx)
        .await
    {
        Ok(old) => {
            let mut resp = with_info(empty(StatusCode::NO_CONTENT), info_for(&old));
            resp.extensions_mut().insert(Logged);
            Ok(resp)
        }
        Err(e) => Ok(with_info(e.into_response(), failed_for(Some(&id), None))),
    }
}
