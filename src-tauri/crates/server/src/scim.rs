//! `/Users`: list, search, read, create, replace, patch, delete.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::{json, Value};

use scim_protocol::filter::{self, Filter};
use scim_protocol::patch;
use scim_protocol::path::AttrPath;
use scim_protocol::projection::Projection;
use scim_protocol::resource::{render, Meta};
use scim_protocol::schema::{LIST_RESPONSE_SCHEMA, SEARCH_REQUEST_SCHEMA, USER_SCHEMA};
use scim_protocol::ScimError;
use scim_store::{ChangeContext, ListQuery, RequestEvent, SortOrder, UserGroup, UserRecord};

use crate::core::{WriteOutcome, HEAVY_BODY_BYTES};
use crate::error::{scim_json, ApiError};
use crate::settings::Policy;
use crate::{empty, AppState, EventInfo, Logged, Principal, Runtime, MAX_BODY_BYTES, MAX_RESULTS};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/Users", get(list_users).post(create_user))
        .route("/Users/.search", post(search_users))
        // RFC 7644 §3.4.3: a search at the root covers every resource type offered.
        .route("/.search", post(crate::groups::search_everything))
        .route(
            "/Users/{id}",
            get(get_user)
                .put(replace_user)
                .patch(patch_user)
                .delete(delete_user),
        )
}

/// A JSON request body and its size in bytes: capped at [`MAX_BODY_BYTES`], read within the
/// body timeout and the server's memory budget for bodies, parsed off the async workers when
/// large; SCIM errors for what is wrong.
pub(crate) struct ScimBody(pub Value, pub usize);

/// Where the body extractor leaves the request body as the log keeps it (redacted), for the
/// entry the logging layer writes after the handler; writes logged in their own transaction
/// take it from here too (see `ctx`).
#[derive(Debug, Clone, Default)]
pub(crate) struct BodySlot(Arc<std::sync::Mutex<Kept>>);

#[derive(Debug, Default)]
struct Kept {
    body: Option<String>,
    /// What the body's shape says about the client's setup (see `NewEvent::dialect`).
    dialect: Option<String>,
}

impl BodySlot {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub(crate) fn set(&self, text: String) {
        self.kept().body = Some(text);
    }
    pub(crate) fn take(&self) -> Option<String> {
        self.kept().body.take()
    }
    pub(crate) fn get(&self) -> Option<String> {
        self.kept().body.clone()
    }
    pub(crate) fn set_dialect(&self, dialect: &str) {
        self.kept().dialect = Some(dialect.to_owned());
    }
    pub(crate) fn dialect(&self) -> Option<String> {
        self.kept().dialect.clone()
    }
}

impl FromRequest<AppState> for ScimBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let too_large = || {
            ApiError::Scim(ScimError::new(
                413,
                None,
                format!("the request body is larger than {} bytes", MAX_BODY_BYTES),
            ))
        };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
            return Err(too_large());
        }
        let kib = u32::try_from(declared.unwrap_or(MAX_BODY_BYTES).div_ceil(1024).max(1))
            .unwrap_or(u32::MAX);
        let _budget = state
            .body_budget
            .acquire_many(kib)
            .await
            .map_err(|_| ApiError::Internal("the server is stopping".to_owned()))?;
        let slot = req.extensions().get::<BodySlot>().cloned();
        let is_patch = req.method() == axum::http::Method::PATCH;
        let timeout = state.limits.body_timeout;
        let bytes = match tokio::time::timeout(
            timeout,
            axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES),
        )
        .await
        {
            Err(_) => {
                return Err(ApiError::Scim(ScimError::new(
                    408,
                    None,
                    format!(
                        "the request body did not arrive within {} s (the 'body-timeout' setting)",
                        timeout.as_secs()
                    ),
                )))
            }
            Ok(Err(e)) if is_length_limit(&e) => return Err(too_large()),
            Ok(Err(e)) => {
                return Err(ApiError::Scim(ScimError::invalid_syntax(format!(
                    "the request body could not be read: {e}"
                ))))
            }
            Ok(Ok(b)) => b,
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::Scim(ScimError::invalid_syntax(
                "the request body is empty",
            )));
        }
        let size = bytes.len();
        let parsed = crate::core::cpu(size >= HEAVY_BODY_BYTES, move || {
            serde_json::from_slice::<Value>(&bytes)
        })
        .await?;
        if let (Some(slot), Ok(v)) = (&slot, &parsed) {
            slot.set(crate::audit::redacted_body(v, size));
            if is_patch && patch::entra_legacy(v) {
                slot.set_dialect(scim_store::DIALECT_ENTRA_LEGACY);
            }
        } else if let Some(slot) = &slot {
            slot.set(format!("…[{size} bytes that are not valid JSON, not kept]"));
        }
        parsed.map(|v| ScimBody(v, size)).map_err(|e| {
            ApiError::Scim(ScimError::invalid_syntax(format!(
                "the request body is not valid JSON: {e} (line {}, column {})",
                e.line(),
                e.column()
            )))
        })
    }
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

pub(crate) fn require_write(p: &Principal) -> Result<(), ApiError> {
    if p.permission.can_write() {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "the token '{}' may only read users (UserRead); create a token with the UserModify permission to make changes",
            p.token_name
        )))
    }
}

/// The change context of a request: who makes the change, and the request's event-log entry
/// (with the role it sent) to be written with it.
pub(crate) fn ctx(
    p: &Principal,
    request: RequestEvent,
    slot: &BodySlot,
    role: Option<String>,
) -> ChangeContext {
    let mut request = request;
    request.event.role = role;
    request.event.request_body = slot.get();
    request.event.dialect = slot.dialect();
    ChangeContext {
        actor: Some(p.token_name.clone()),
        request: Some(request),
    }
}

/// Whether If-None-Match names `etag` (or `*`): the answer is then 304 Not Modified.
pub(crate) fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|h| h.split(',').map(str::trim).any(|t| t == "*" || t == etag))
}

pub(crate) fn if_match(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok())
}

pub(crate) fn render_full(
    rt: &Runtime,
    base_url: &str,
    u: &UserRecord,
    groups: &[UserGroup],
) -> Value {
    let meta = Meta {
        resource_type: "User".to_owned(),
        created: u.created.clone(),
        last_modified: u.last_modified.clone(),
        location: format!("{base_url}/Users/{}", u.id),
        version: u.etag(),
    };
    let mut out = render(&rt.user_schema, &u.id, &u.data, &meta);
    if let (Some(obj), false) = (out.as_object_mut(), groups.is_empty()) {
        // Read-only, direct memberships (RFC 7643 §4.1.2), managed through /Groups.
        let list = groups
            .iter()
            .map(|g| {
                json!({
                    "value": g.id,
                    "display": g.display_name,
                    "$ref": format!("{base_url}/Groups/{}", g.id),
                    "type": "direct",
                })
            })
            .collect();
        obj.insert("groups".to_owned(), Value::Array(list));
    }
    out
}

pub(crate) fn rendered(
    state: &AppState,
    rt: &Runtime,
    u: &UserRecord,
    groups: Option<&Vec<UserGroup>>,
    projection: &Projection,
) -> Value {
    let groups = groups.map(Vec::as_slice).unwrap_or_default();
    projection.apply(
        &rt.user_schema,
        render_full(rt, &state.base_url(rt), u, groups),
    )
}

/// The groups of each of `users` (by id), when their responses carry `groups` at all: only
/// under full provisioning, and one query for a whole page.
pub(crate) async fn user_groups(
    state: &AppState,
    rt: &Runtime,
    users: &[UserRecord],
    projection: &Projection,
) -> Result<HashMap<String, Vec<UserGroup>>, ApiError> {
    if rt.policy != Policy::Full
        || users.is_empty()
        || !projection.returns(&rt.user_schema, "groups")
    {
        return Ok(HashMap::new());
    }
    let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    Ok(state.core.store.groups_of_users(&ids).await?)
}

/// A single user, with its ETag (and Location when created).
async fn user_response(
    status: StatusCode,
    state: &AppState,
    rt: &Runtime,
    u: &UserRecord,
    projection: &Projection,
    info: EventInfo,
) -> Result<Response, ApiError> {
    let groups = user_groups(state, rt, std::slice::from_ref(u), projection).await?;
    let body = rendered(state, rt, u, groups.get(&u.id), projection);
    let mut resp = scim_json(status, &body);
    if let Ok(v) = HeaderValue::from_str(&u.etag()) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED {
        if let Ok(v) = HeaderValue::from_str(&format!("{}/Users/{}", state.base_url(rt), u.id)) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
    }
    resp.extensions_mut().insert(info);
    Ok(resp)
}

fn info_for(u: &UserRecord) -> EventInfo {
    EventInfo {
        resource_type: Some("User".to_owned()),
        resource_id: Some(u.id.clone()),
        user_name: Some(u.user_name.clone()),
        ..EventInfo::default()
    }
}

/// Attaches what the request sent that we ignored to an error response too.
pub(crate) fn with_info(mut resp: Response, info: EventInfo) -> Response {
    resp.extensions_mut().insert(info);
    resp
}

/// Query parameters, by name case-insensitively (clients differ: `startindex`, `startIndex`).
pub(crate) struct Params(pub Vec<(String, String)>);

impl Params {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The parts of a list request, from the query string or a SearchRequest body.
#[derive(Default, Clone)]
pub(crate) struct Search {
    filter: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    attributes: Option<String>,
    excluded: Option<String>,
}

fn int_param(name: &str, v: Option<&str>) -> Result<Option<i64>, ApiError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
            ApiError::Scim(ScimError::invalid_value(format!(
                "'{name}' must be an integer, not '{s}'"
            )))
        }),
    }
}

async fn list_users(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    run_search(&state, &rt, Search::from_query(&Params(params))?).await
}

impl Search {
    /// The parts of a list request in its query string.
    pub(crate) fn from_query(p: &Params) -> Result<Search, ApiError> {
        Ok(Search {
            filter: p.get("filter").map(str::to_owned),
            sort_by: p.get("sortBy").map(str::to_owned),
            sort_order: p.get("sortOrder").map(str::to_owned),
            start_index: int_param("startIndex", p.get("startIndex"))?,
            count: int_param("count", p.get("count"))?,
            attributes: p.get("attributes").map(str::to_owned),
            excluded: p.get("excludedAttributes").map(str::to_owned),
        })
    }

    /// The parts of a list request in a SearchRequest body (RFC 7644 §3.4.3).
    pub(crate) fn from_body(body: &Value) -> Result<Search, ApiError> {
        let Value::Object(obj) = &body else {
            return Err(ApiError::Scim(ScimError::invalid_syntax(
                "a SearchRequest must be a JSON object",
            )));
        };
        let get = |k: &str| {
            obj.iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v)
        };
        if let Some(schemas) = get("schemas") {
            let ok = schemas.as_array().is_some_and(|a| {
                a.iter().any(|s| {
                    s.as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case(SEARCH_REQUEST_SCHEMA))
                })
            });
            if !ok {
                return Err(ApiError::Scim(ScimError::invalid_syntax(format!(
                    "'schemas' must contain \"{SEARCH_REQUEST_SCHEMA}\""
                ))));
            }
        }
        let text = |k: &str| -> Result<Option<String>, ApiError> {
            match get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                // `attributes` is an array of strings in a SearchRequest.
                Some(Value::Array(items)) => Ok(Some(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(","),
                )),
                Some(_) => Err(ApiError::Scim(ScimError::invalid_value(format!(
                    "'{k}' has the wrong type"
                )))),
            }
        };
        let int = |k: &str| -> Result<Option<i64>, ApiError> {
            match get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| {
                    ApiError::Scim(ScimError::invalid_value(format!(
                        "'{k}' must be an integer"
                    )))
                }),
                Some(Value::String(s)) => int_param(k, Some(s)),
                Some(_) => Err(ApiError::Scim(ScimError::invalid_value(format!(
                    "'{k}' must be an integer"
                )))),
            }
        };
        Ok(Search {
            filter: text("filter")?,
            sort_by: text("sortBy")?,
            sort_order: text("sortOrder")?,
            start_index: int("startIndex")?,
            count: int("count")?,
            attributes: text("attributes")?,
            excluded: text("excludedAttributes")?,
        })
    }
}

async fn search_users(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    ScimBody(body, _): ScimBody,
) -> Result<Response, ApiError> {
    run_search(&state, &rt, Search::from_body(&body)?).await
}

/// A list request, checked against a resource type's schema.
pub(crate) struct ParsedSearch {
    pub filter: Option<Filter>,
    pub sort_by: Option<AttrPath>,
    pub sort_order: SortOrder,
    pub start_index: u64,
    pub count: u64,
    pub projection: Projection,
}

impl ParsedSearch {
    pub(crate) fn query<'a>(&'a self, schema: &'a scim_protocol::ResourceSchema) -> ListQuery<'a> {
        ListQuery {
            schema,
            filter: self.filter.as_ref(),
            sort_by: self.sort_by.as_ref(),
            sort_column: None,
            sort_order: self.sort_order,
            start_index: self.start_index,
            count: self.count,
        }
    }

    /// A ListResponse of `resources` out of `total`.
    pub(crate) fn list_response(&self, total: u64, resources: Vec<Value>) -> Response {
        let body = json!({
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": total,
            "itemsPerPage": resources.len(),
            "startIndex": self.start_index,
            "Resources": resources,
        });
        scim_json(StatusCode::OK, &body)
    }
}

impl Search {
    pub(crate) fn parse(
        self,
        schema: &scim_protocol::ResourceSchema,
    ) -> Result<ParsedSearch, ApiError> {
        let filter = match self
            .filter
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
        {
            Some(f) => Some(filter::parse(f)?),
            None => None,
        };
        let sort_by = match self
            .sort_by
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            Some(v) => Some(AttrPath::parse(v).map_err(|e| {
                ApiError::Scim(ScimError::invalid_value(format!("sortBy: {}", e.detail)))
            })?),
            None => None,
        };
        let sort_order = match self.sort_order.as_deref().map(str::trim) {
            None | Some("") => SortOrder::Ascending,
            Some(o) if o.eq_ignore_ascii_case("ascending") => SortOrder::Ascending,
            Some(o) if o.eq_ignore_ascii_case("descending") => SortOrder::Descending,
            Some(o) => {
                return Err(ApiError::Scim(ScimError::invalid_value(format!(
                    "sortOrder must be 'ascending' or 'descending', not '{o}'"
                ))))
            }
        };
        // RFC 7644 §3.4.2.4: below 1 means 1; a negative count means 0.
        let start_index = u64::try_from(self.start_index.unwrap_or(1).max(1)).unwrap_or(1);
        let count = u64::try_from(self.count.unwrap_or(100).max(0))
            .unwrap_or(0)
            .min(MAX_RESULTS);
        let projection =
            Projection::parse(schema, self.attributes.as_deref(), self.excluded.as_deref())?;
        Ok(ParsedSearch {
            filter,
            sort_by,
            sort_order,
            start_index,
            count,
            projection,
        })
    }
}

pub(crate) async fn run_search(
    state: &AppState,
    rt: &Runtime,
    s: Search,
) -> Result<Response, ApiError> {
    let schema = &rt.user_schema;
    let q = s.parse(schema)?;
    let page = state.core.store.list_users(&q.query(schema)).await?;
    let groups = user_groups(state, rt, &page.users, &q.projection).await?;
    let resources: Vec<Value> = page
        .users
        .iter()
        .map(|u| rendered(state, rt, u, groups.get(&u.id), &q.projection))
        .collect();
    Ok(q.list_response(page.total, resources))
}

async fn get_user(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    Path(id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let p = Params(params);
    let projection = Projection::parse(
        &rt.user_schema,
        p.get("attributes"),
        p.get("excludedAttributes"),
    )?;
    let u = state.core.get_user(&id).await?;
    let etag = u.etag();
    if not_modified(&headers, &etag) {
        let mut resp = empty(StatusCode::NOT_MODIFIED);
        if let Ok(v) = HeaderValue::from_str(&etag) {
            resp.headers_mut().insert(header::ETAG, v);
        }
        return Ok(with_info(resp, info_for(&u)));
    }
    user_response(StatusCode::OK, &state, &rt, &u, &projection, info_for(&u)).await
}

async fn create_user(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    Extension(principal): Extension<Principal>,
    Extension(request): Extension<RequestEvent>,
    Extension(slot): Extension<BodySlot>,
    body: Result<ScimBody, ApiError>,
) -> Result<Response, ApiError> {
    require_write(&principal)?;
    let ScimBody(body, size) = body?;
    let body = Arc::new(body);
    let role = role_sent(&body, &rt);
    let ctx = ctx(&principal, request, &slot, role.clone());
    let heavy = size >= HEAVY_BODY_BYTES;
    let result = state.core.create_user(&rt, &body, heavy, &ctx).await;
    Ok(written(&state, &rt, StatusCode::CREATED, result, role, || {
        attempted(&body, &rt)
    })
    .await)
}

/// Whether `key` names the role attribute: its name, or its name qualified with the core
/// schema's URN, in any case (read with the protocol's attribute-path grammar).
fn names_role(key: &str, attr: &str) -> bool {
    AttrPath::parse(key).is_ok_and(|p| is_role_path(&p, attr))
}

fn is_role_path(p: &AttrPath, attr: &str) -> bool {
    p.sub_attr.is_none()
        && p.attr.eq_ignore_ascii_case(attr)
        && p.urn
            .as_deref()
            .is_none_or(|u| u.eq_ignore_ascii_case(USER_SCHEMA))
}

/// The role attribute's value in a resource body, as sent: a member named as
/// [`names_role`] accepts, or one inside an object under the core schema's URN. `null`
/// carries no role.
fn role_in(obj: &serde_json::Map<String, Value>, attr: &str) -> Option<String> {
    let mut found = None;
    for (k, v) in obj {
        if k.eq_ignore_ascii_case(USER_SCHEMA) {
            if let Value::Object(inner) = v {
                found = role_in(inner, attr).or(found);
            }
        } else if names_role(k, attr) {
            found = shown(v).or(found);
        }
    }
    found
}

fn shown(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The role attribute's value a PATCH sets, as sent (the last operation that sets it).
fn role_in_ops(ops: &[patch::Operation], attr: &str) -> Option<String> {
    let mut found = None;
    for op in ops {
        if op.op == patch::OpKind::Remove {
            continue;
        }
        let Some(value) = &op.value else {
            continue;
        };
        match &op.path {
            Some(path) => {
                if path.filter.is_none()
                    && path.sub_attr.is_none()
                    && is_role_path(&path.attr, attr)
                {
                    found = shown(value).or(found);
                }
            }
            None => {
                if let Value::Object(v) = value {
                    found = role_in(v, attr).or(found);
                }
            }
        }
    }
    found
}

/// The role attribute's value a POST or PUT body carries, as sent.
fn role_sent(body: &Value, rt: &Runtime) -> Option<String> {
    body.as_object().and_then(|o| role_in(o, &rt.role_attr))
}

/// For a failed write, the user the request was about, as far as the body says.
fn attempted(body: &Value, rt: &Runtime) -> EventInfo {
    EventInfo {
        resource_type: Some("User".to_owned()),
        user_name: body
            .get("userName")
            .and_then(Value::as_str)
            .map(str::to_owned),
        ignored: scim_protocol::resource::normalize(&rt.user_schema, body)
            .map(|n| n.ignored)
            .unwrap_or_default(),
        role: role_sent(body, rt),
        ..EventInfo::default()
    }
}

fn failed_for(id: &str) -> EventInfo {
    EventInfo {
        resource_type: Some("User".to_owned()),
        resource_id: Some(id.to_owned()),
        ..EventInfo::default()
    }
}

/// The response to a write: the user as it now is (with the role the request sent), or the
/// error with what the event log should know of the attempt, worked out only then.
async fn written(
    state: &AppState,
    rt: &Runtime,
    status: StatusCode,
    result: Result<(UserRecord, WriteOutcome), ApiError>,
    role: Option<String>,
    on_error: impl FnOnce() -> EventInfo,
) -> Response {
    match result {
        Ok((u, outcome)) => {
            let logged = outcome.logged;
            let info = EventInfo {
                diff: outcome.diff,
                ignored: outcome.ignored,
                role,
                ..info_for(&u)
            };
            let resp =
                user_response(status, state, rt, &u, &Projection::default(), info.clone()).await;
            let mut resp = match resp {
                Ok(r) => r,
                // Written, but the answer could not be made: say so, with the entry's facts.
                Err(e) => with_info(e.into_response(), info),
            };
            if logged {
                resp.extensions_mut().insert(Logged);
            }
            resp
        }
        Err(e) => with_info(e.into_response(), on_error()),
    }
}

// One argument per extractor, as axum handlers take them.
#[allow(clippy::too_many_arguments)]
async fn replace_user(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    Extension(principal): Extension<Principal>,
    Extension(request): Extension<RequestEvent>,
    Extension(slot): Extension<BodySlot>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<ScimBody, ApiError>,
) -> Result<Response, ApiError> {
    require_write(&principal)?;
    let ScimBody(body, size) = body?;
    let body = Arc::new(body);
    let role = role_sent(&body, &rt);
    let ctx = ctx(&principal, request, &slot, role.clone());
    let heavy = size >= HEAVY_BODY_BYTES;
    let result = state
        .core
        .replace_user(&rt, &id, &body, heavy, if_match(&headers), &ctx)
        .await;
    Ok(
        written(&state, &rt, StatusCode::OK, result, role, || EventInfo {
            resource_id: Some(id.clone()),
            ..attempted(&body, &rt)
        })
        .await,
    )
}

// One argument per extractor, as axum handlers take them.
#[allow(clippy::too_many_arguments)]
async fn patch_user(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    Extension(principal): Extension<Principal>,
    Extension(request): Extension<RequestEvent>,
    Extension(slot): Extension<BodySlot>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<ScimBody, ApiError>,
) -> Result<Response, ApiError> {
    require_write(&principal)?;
    let ScimBody(body, size) = body?;
    let ops = match patch::parse(&body) {
        Ok(ops) => Arc::new(ops),
        Err(e) => {
            return Ok(with_info(
                ApiError::Scim(e).into_response(),
                failed_for(&id),
            ))
        }
    };
    // The body is not needed any more; a large one is freed before the work begins.
    drop(body);
    let role = role_in_ops(&ops, &rt.role_attr);
    let ctx = ctx(&principal, request, &slot, role.clone());
    let result = state
        .core
        .patch_user(
            &rt,
            &id,
            ops,
            size >= HEAVY_BODY_BYTES,
            if_match(&headers),
            &ctx,
        )
        .await;
    Ok(
        written(&state, &rt, StatusCode::OK, result, role.clone(), || {
            EventInfo {
                role,
                ..failed_for(&id)
            }
        })
        .await,
    )
}

async fn delete_user(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    Extension(principal): Extension<Principal>,
    Extension(request): Extension<RequestEvent>,
    Extension(slot): Extension<BodySlot>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_write(&principal)?;
    match state
        .core
        .delete_user(
            &rt,
            &id,
            if_match(&headers),
            &ctx(&principal, request, &slot, None),
        )
        .await
    {
        Ok(old) => {
            let info = EventInfo {
                diff: scim_store::diff(&old.data, &Default::default()),
                ..info_for(&old)
            };
            let mut resp = with_info(empty(StatusCode::NO_CONTENT), info);
            resp.extensions_mut().insert(Logged);
            Ok(resp)
        }
        Err(e) => Ok(with_info(e.into_response(), failed_for(&id))),
    }
}

/// Anything else under `/scim/v2`.
pub(crate) async fn unknown_endpoint(
    Extension(rt): Extension<Arc<Runtime>>,
    req: Request<Body>,
) -> ApiError {
    let path = req.uri().path();
    let tail = path.rsplit("/scim/v2").next().unwrap_or(path);
    if tail
        .trim_start_matches('/')
        .split('/')
        .next()
        .is_some_and(|s| s.eq_ignore_ascii_case("Groups"))
    {
        return match rt.policy {
            Policy::Jit => ApiError::not_found(crate::group_ops::GROUPS_NOT_OFFERED),
            Policy::Full => ApiError::not_found(format!("there is no SCIM endpoint at {path}")),
        };
    }
    if tail.eq_ignore_ascii_case("/Bulk") {
        return ApiError::Scim(ScimError::new(
            501,
            None,
            "bulk operations are not supported",
        ));
    }
    if tail.eq_ignore_ascii_case("/Me") {
        return ApiError::Scim(ScimError::new(501, None, "/Me is not supported"));
    }
    ApiError::not_found(format!("there is no SCIM endpoint at {path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_role_a_body_carries_however_it_is_named() {
        let role = |v: Value| role_in(v.as_object().unwrap(), "pantherRole");
        assert_eq!(
            role(json!({"pantherRole": "Admin"})).as_deref(),
            Some("Admin")
        );
        assert_eq!(
            role(json!({"PANTHERROLE": "Nope"})).as_deref(),
            Some("Nope")
        );
        assert_eq!(
            role(json!({"urn:ietf:params:scim:schemas:core:2.0:User:pantherRole": "Analyst"}))
                .as_deref(),
            Some("Analyst")
        );
        assert_eq!(
            role(json!({"urn:ietf:params:scim:schemas:core:2.0:User": {"pantherRole": "Analyst"}}))
                .as_deref(),
            Some("Analyst")
        );
        assert_eq!(role(json!({"pantherRole": 7})).as_deref(), Some("7"));
        assert_eq!(role(json!({"pantherRole": null})), None);
        assert_eq!(role(json!({"userName": "a", "role": "Admin"})), None);
    }

    #[test]
    fn finds_the_role_a_patch_sets() {
        let role = |v: Value| role_in_ops(&patch::parse(&v).unwrap(), "pantherRole");
        assert_eq!(
            role(
                json!({"Operations": [{"op": "Replace", "path": "pantherRole", "value": "Admin"}]})
            )
            .as_deref(),
            Some("Admin")
        );
        assert_eq!(
            role(json!({"operations": [
                {"op": "replace", "value": {"active": false}},
                {"op": "replace", "value": {"pantherRole": "Analyst"}}
            ]}))
            .as_deref(),
            Some("Analyst")
        );
        assert_eq!(
            role(json!({"Operations": [{"op": "add",
                "path": "urn:ietf:params:scim:schemas:core:2.0:User:pantherRole", "value": "X"}]}))
            .as_deref(),
            Some("X")
        );
        assert_eq!(
            role(json!({"Operations": [{"op": "remove", "path": "pantherRole"}]})),
            None
        );
        assert_eq!(
            role(json!({"Operations": [{"op": "replace", "value": {"active": false}}]})),
            None
        );
    }
}
