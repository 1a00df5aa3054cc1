//! Reading a foreign SCIM server through SCIM alone: a paged import of all its users and
//! groups (with progress), and what changed between two imports — added, removed, and the
//! attributes that changed — for a console that polls a server it cannot stream from.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use crate::{ClientError, ScimClient};

/// Resources one import reads at most (a bound on memory, whatever the server says).
pub const MAX_RESOURCES: u64 = 1_000_000;

/// All users and groups as read at one time, by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Snapshot {
    pub at: String,
    pub users: BTreeMap<String, Value>,
    pub groups: BTreeMap<String, Value>,
    /// Whether the server offers `/Groups` at all.
    pub groups_offered: bool,
}

/// How far an import has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Progress {
    /// "Users" or "Groups".
    pub resource: &'static str,
    pub fetched: u64,
    /// What the server says it holds.
    pub total: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Send(#[from] ClientError),
    #[error("{0}")]
    Answer(String),
}

/// How a resource differs between two imports (`DiffKind` in the window, apart from the
/// store's change kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "DiffKind")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One resource that differs between two imports.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Change {
    /// "User" or "Group".
    pub resource: String,
    pub id: String,
    /// Its userName or displayName.
    pub name: String,
    pub kind: ChangeKind,
    /// For a change: the attributes whose values differ (dotted paths; `meta` left out).
    pub attributes: Vec<String>,
}

/// Reads every page of `/{endpoint}`; `None` when the server does not offer it (404).
async fn read_all(
    c: &ScimClient,
    endpoint: &'static str,
    page: u64,
    progress: &mut impl FnMut(Progress),
) -> Result<Option<BTreeMap<String, Value>>, ImportError> {
    let page = page.clamp(1, 1000);
    let mut out = BTreeMap::new();
    let mut start = 1u64;
    loop {
        let x = c
            .send(
                Method::GET,
                &format!("/{endpoint}?startIndex={start}&count={page}"),
                None,
            )
            .await?;
        if x.status == 404 && start == 1 && endpoint == "Groups" {
            return Ok(None);
        }
        if !x.ok() {
            return Err(ImportError::Answer(format!(
                "GET /{endpoint} answered {}{}",
                x.status,
                x.error_detail()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            )));
        }
        let body = x.response.unwrap_or(Value::Null);
        let total = body
            .get("totalResults")
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                ImportError::Answer(format!(
                    "GET /{endpoint} did not answer a ListResponse with an integer totalResults"
                ))
            })?;
        let items = body
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let got = items.len() as u64;
        for item in items {
            if let Some(id) = item.get("id").and_then(Value::as_str) {
                out.insert(id.to_owned(), item.clone());
            }
        }
        if out.len() as u64 > MAX_RESOURCES {
            return Err(ImportError::Answer(format!(
                "/{endpoint} holds more than {MAX_RESOURCES} resources: more than one import reads"
            )));
        }
        progress(Progress {
            resource: endpoint,
            fetched: out.len() as u64,
            total,
        });
        start += got;
        if got == 0 || start > total {
            return Ok(Some(out));
        }
    }
}

/// Imports every user and group, `page` at a time, telling `progress` as it goes.
pub async fn import(
    c: &ScimClient,
    page: u64,
    mut progress: impl FnMut(Progress),
) -> Result<Snapshot, ImportError> {
    let users = read_all(c, "Users", page, &mut progress)
        .await?
        .unwrap_or_default();
    let groups = read_all(c, "Groups", page, &mut progress).await?;
    Ok(Snapshot {
        at: chrono_now(),
        users,
        groups_offered: groups.is_some(),
        groups: groups.unwrap_or_default(),
    })
}

fn chrono_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn name_of(v: &Value) -> String {
    v.get("userName")
        .or_else(|| v.get("displayName"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The dotted paths whose values differ between `a` and `b` (`meta` left out).
fn changed_paths(prefix: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                if prefix.is_empty() && k == "meta" {
                    continue;
                }
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => changed_paths(&path, p, q, out),
                    _ => out.push(path),
                }
            }
        }
        _ if a != b => out.push(prefix.to_owned()),
        _ => {}
    }
}

fn diff_kind(
    resource: &str,
    old: &BTreeMap<String, Value>,
    new: &BTreeMap<String, Value>,
    out: &mut Vec<Change>,
) {
    for (id, v) in new {
        match old.get(id) {
            None => out.push(Change {
                resource: resource.to_owned(),
                id: id.clone(),
                name: name_of(v),
                kind: ChangeKind::Added,
                attributes: Vec::new(),
            }),
            Some(o) => {
                let mut attributes = Vec::new();
                changed_paths("", o, v, &mut attributes);
                if !attributes.is_empty() {
                    out.push(Change {
                        resource: resource.to_owned(),
                        id: id.clone(),
                        name: name_of(v),
                        kind: ChangeKind::Changed,
                        attributes,
                    });
                }
            }
        }
    }
    for (id, v) in old {
        if !new.contains_key(id) {
            out.push(Change {
                resource: resource.to_owned(),
                id: id.clone(),
                name: name_of(v),
                kind: ChangeKind::Removed,
                attributes: Vec::new(),
            });
        }
    }
}

/// What changed from `old` to `new`: users first, then groups.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Vec<Change> {
    let mut out = Vec::new();
    diff_kind("User", &old.users, &new.users, &mut out);
    diff_kind("Group", &old.groups, &new.groups, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_between_two_imports_name_their_attributes() {
        let mut a = Snapshot::default();
        a.users.insert(
            "1".into(),
            json!({"id": "1", "userName": "ann", "active": true,
            "name": {"givenName": "Ann", "familyName": "A"}, "meta": {"version": "W/\"1\""}}),
        );
        a.users
            .insert("2".into(), json!({"id": "2", "userName": "bob"}));
        let mut b = Snapshot::default();
        b.users.insert(
            "1".into(),
            json!({"id": "1", "userName": "ann", "active": false,
            "name": {"givenName": "Ann", "familyName": "B"}, "meta": {"version": "W/\"2\""}}),
        );
        b.users
            .insert("3".into(), json!({"id": "3", "userName": "cat"}));
        b.groups
            .insert("g".into(), json!({"id": "g", "displayName": "Sales"}));
        let d = diff(&a, &b);
        let changed = d.iter().find(|c| c.kind == ChangeKind::Changed).unwrap();
        assert_eq!(changed.attributes, ["active", "name.familyName"]);
        assert!(d
            .iter()
            .any(|c| c.kind == ChangeKind::Added && c.name == "cat"));
        assert!(d
            .iter()
            .any(|c| c.kind == ChangeKind::Removed && c.name == "bob"));
        assert!(d
            .iter()
            .any(|c| c.resource == "Group" && c.kind == ChangeKind::Added && c.name == "Sales"));
        assert!(diff(&b, &b).is_empty());
    }
}
