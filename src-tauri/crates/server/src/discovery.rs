//! `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`, generated from the schema
//! registry and the policy in force, so they always say what this server really does.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::{json, Value};

use scim_protocol::schema::{ResourceSchema, LIST_RESPONSE_SCHEMA, SPC_SCHEMA};

use crate::error::{scim_json, ApiError};
use crate::{AppState, Policy, Runtime, MAX_RESULTS};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{id}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(schema))
}

/// The resource types offered under the policy in force: Groups in `full` only.
fn offered(rt: &Runtime) -> Vec<&ResourceSchema> {
    match rt.policy {
        Policy::Full => vec![&rt.user_schema, &rt.group_schema],
        Policy::Jit => vec![&rt.user_schema],
    }
}

fn list(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": resources.len(),
        "itemsPerPage": resources.len(),
        "startIndex": 1,
        "Resources": resources,
    })
}

async fn service_provider_config(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
) -> Response {
    let base = state.base_url(&rt);
    scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [SPC_SCHEMA],
            "documentationUri": "https://datatracker.ietf.org/doc/html/rfc7644",
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": MAX_RESULTS},
            "changePassword": {"supported": true},
            "sort": {"supported": true},
            "etag": {"supported": true},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "An API token created in SCIM Console, sent as 'Authorization: Bearer <token>'",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "primary": true,
            }],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": format!("{base}/ServiceProviderConfig"),
            },
        }),
    )
}

async fn resource_types(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
) -> Response {
    let base = state.base_url(&rt);
    let items = offered(&rt)
        .into_iter()
        .map(|r| r.resource_type_json(&base))
        .collect();
    scim_json(StatusCode::OK, &list(items))
}

async fn resource_type(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let base = state.base_url(&rt);
    offered(&rt)
        .into_iter()
        .find(|r| r.name.eq_ignore_ascii_case(&id))
        .map(|r| scim_json(StatusCode::OK, &r.resource_type_json(&base)))
        .ok_or_else(|| ApiError::not_found(format!("no resource type is called '{id}'")))
}

fn all_schemas(rt: &Runtime, base: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for r in offered(rt) {
        out.push((r.core.id.clone(), r.core.to_json(base)));
        for (ext, _) in &r.extensions {
            out.push((ext.id.clone(), ext.to_json(base)));
        }
    }
    out
}

async fn schemas(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
) -> Response {
    let base = state.base_url(&rt);
    let items = all_schemas(&rt, &base)
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    scim_json(StatusCode::OK, &list(items))
}

async fn schema(
    State(state): State<AppState>,
    Extension(rt): Extension<Arc<Runtime>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let base = state.base_url(&rt);
    all_schemas(&rt, &base)
        .into_iter()
        .find(|(sid, _)| sid.eq_ignore_ascii_case(&id))
        .map(|(_, v)| scim_json(StatusCode::OK, &v))
        .ok_or_else(|| ApiError::not_found(format!("no schema has the id '{id}'")))
}
