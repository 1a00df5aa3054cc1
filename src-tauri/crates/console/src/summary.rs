//! Activity in plain words: each log entry with its path decoded and a one-line summary of what
//! it did ("Deactivated dana@example.com", "Role Analyst → Admin", "Lookup dana@example.com"),
//! so an investigation reads the log instead of decoding it.

use serde::Serialize;
use serde_json::Value;

use scim_store::{EventRecord, CONSOLE_METHOD, LOGIN_METHOD};

use crate::evidence::endpoint;

/// A log entry as Activity shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ActivityEntry {
    #[serde(flatten)]
    pub record: EventRecord,
    /// The path and query with percent-encoding undone (`filter=userName eq "dana@…"`).
    pub decoded_path: String,
    /// What the request did, in words.
    pub summary: String,
    /// What its shape says about the client's setup, and what to change (see
    /// `NewEvent::dialect`).
    pub hint: Option<String>,
}

/// The words for a dialect marker in the log.
pub fn dialect_hint(dialect: Option<&str>) -> Option<String> {
    match dialect? {
        scim_store::DIALECT_ENTRA_LEGACY => Some(
            "Entra ID's PATCH dialect from before 2020: add ?aadOptscim062020 to the Tenant URL in Entra".to_owned(),
        ),
        _ => None,
    }
}

/// "added 3 members, removed 1" for a group write's `members` change.
fn member_change(e: &EventRecord) -> Option<String> {
    let c = e.event.diff.iter().find(|c| c.path == "members")?;
    let count = |v: &Option<Value>| {
        v.as_ref().and_then(Value::as_array).map_or(0, |a| {
            // A long list is stored cut, ending with "…[N more not stored]".
            a.iter()
                .map(|x| match x.as_str().and_then(|s| s.strip_prefix("…[")) {
                    Some(rest) => rest
                        .split_whitespace()
                        .next()
                        .and_then(|n| n.parse::<usize>().ok())
                        .unwrap_or(0),
                    None => 1,
                })
                .sum::<usize>()
        })
    };
    let members = |n: usize| {
        if n == 1 {
            "1 member".to_owned()
        } else {
            format!("{n} members")
        }
    };
    let mut parts = Vec::new();
    let (added, removed) = (count(&c.new), count(&c.old));
    if added > 0 {
        parts.push(format!("added {}", members(added)));
    }
    if removed > 0 {
        parts.push(format!("removed {}", members(removed)));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `path` with its percent-encoding undone (and `+` in the query read as a space).
pub fn decode_path(path: &str) -> String {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let p = percent_encoding::percent_decode_str(p).decode_utf8_lossy();
    if q.is_empty() {
        return p.into_owned();
    }
    let q: Vec<String> = form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| {
            if v.is_empty() {
                k.into_owned()
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    format!("{p}?{}", q.join("&"))
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "nothing".to_owned(),
        other => other.to_string(),
    }
}

/// The value a filter compares `userName` (or an email) with: `userName eq "dana@…"`.
fn lookup_value(query: &str) -> Option<String> {
    let filter = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "filter")
        .map(|(_, v)| v.into_owned())?;
    let start = filter.find('"')?;
    let rest = &filter[start + 1..];
    let end = rest.find('"')?;
    Some(rest[..end].to_owned())
}

/// One line saying what the entry did.
pub fn summarize(e: &EventRecord, role_attr: &str) -> String {
    let ev = &e.event;
    let who = ev
        .user_name
        .clone()
        .or_else(|| ev.resource_id.as_ref().map(|id| format!("user {id}")))
        .unwrap_or_else(|| "a user".to_owned());
    let times = if ev.count > 1 {
        format!(" ({}×)", ev.count)
    } else {
        String::new()
    };
    match ev.status {
        401 => return format!("Refused: no valid token{times}"),
        429 => return format!("Refused: over the rate limit{times}"),
        _ => {}
    }
    if ev.method == LOGIN_METHOD {
        return format!("First login of {who}");
    }
    if ev.method == scim_store::GROUP_ROLE_METHOD {
        // The cause is the entry's path: "role Admin from group …", "deactivated: …".
        return format!("{who}: {}", ev.path);
    }
    let (path_part, query) = ev.path.split_once('?').unwrap_or((&ev.path, ""));
    let ep = endpoint(path_part);
    let on_users = ep == "/Users" || ep.starts_with("/Users/");
    let one_user = ep.starts_with("/Users/");
    let ok = ev.status < 400;
    let changes = || -> String {
        let diff = &ev.diff;
        let active = diff.iter().find(|c| c.path == "active");
        let role = diff.iter().find(|c| c.path == role_attr);
        let mut parts = Vec::new();
        match active.and_then(|c| c.new.as_ref()) {
            Some(Value::Bool(false)) => parts.push(format!("Deactivated {who}")),
            Some(Value::Bool(true)) => parts.push(format!("Reactivated {who}")),
            _ => {}
        }
        if let Some(r) = role {
            let old = r.old.as_ref().map_or("no role".to_owned(), short);
            let new = r.new.as_ref().map_or("no role".to_owned(), short);
            parts.push(format!("Role {old} → {new}"));
        }
        let others: Vec<&str> = diff
            .iter()
            .filter(|c| c.path != "active" && c.path != role_attr)
            .map(|c| c.path.as_str())
            .collect();
        if !others.is_empty() {
            let mut list = others
                .iter()
                .take(3)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if others.len() > 3 {
                list.push_str(&format!(" and {} more", others.len() - 3));
            }
            if parts.is_empty() {
                parts.push(format!("Updated {list} of {who}"));
            } else {
                parts.push(format!("updated {list}"));
            }
        }
        if parts.is_empty() {
            format!("Updated {who}: nothing changed")
        } else if role.is_some() && active.is_none() {
            format!("{} for {who}", parts.join(", "))
        } else {
            parts.join(", ")
        }
    };
    let error = ev.error.as_deref().unwrap_or("");
    let on_groups = ep == "/Groups" || ep.starts_with("/Groups/");
    if on_groups && ok {
        let group = ev.user_name.as_deref().unwrap_or("a group");
        let renamed = ev
            .diff
            .iter()
            .find(|c| c.path == "displayName" && c.old.is_some())
            .map(|c| {
                format!(
                    "renamed {} → {}",
                    c.old.as_ref().map_or(String::new(), short),
                    c.new.as_ref().map_or(String::new(), short)
                )
            });
        let members = member_change(e);
        return match ev.method.as_str() {
            "GET" if ep.starts_with("/Groups/") => format!("Read group {group}"),
            "GET" => match lookup_value(query) {
                Some(v) => format!("Lookup group {v}"),
                None => "List groups".to_owned(),
            },
            "POST" => match members {
                Some(m) => format!("Created group {group}, {m}"),
                None => format!("Created group {group}"),
            },
            "DELETE" => format!("Deleted group {group}"),
            _ => {
                let parts: Vec<String> = renamed.into_iter().chain(members).collect();
                if parts.is_empty() {
                    format!("Updated group {group}: nothing changed")
                } else {
                    format!("Group {group}: {}", parts.join(", "))
                }
            }
        };
    }
    match (ev.method.as_str(), ok) {
        (m, _) if m == CONSOLE_METHOD => format!("{} (in the console)", changes()),
        ("GET", true) if one_user => format!("Read {who}"),
        ("GET", true) if on_users => match lookup_value(query) {
            Some(v) => format!("Lookup {v}"),
            None => "List users".to_owned(),
        },
        ("GET", true) => match ep.trim_start_matches('/') {
            "ServiceProviderConfig" => "Read the server's capabilities".to_owned(),
            "Schemas" | "ResourceTypes" => "Read the schemas".to_owned(),
            other => format!("Read {other}"),
        },
        ("POST", true) if on_users => format!("Created {who}"),
        ("PUT" | "PATCH", true) if on_users => changes(),
        ("DELETE", true) if on_users => format!("Deleted {who}"),
        (_, false) if ev.status == 503 => format!("Held: a deactivation or deletion of {who}"),
        ("POST", false) if on_users && ev.status == 403 => {
            format!("Refused to create {who}: users are created by their first login")
        }
        ("POST", false) if on_users && ev.status == 409 => format!("Create {who}: exists already"),
        ("PUT" | "PATCH", false) if ev.role.is_some() && ev.status == 400 => format!(
            "Refused role '{}' for {who}",
            ev.role.as_deref().unwrap_or_default()
        ),
        ("PUT" | "PATCH" | "DELETE" | "GET", false) if one_user && ev.status == 404 => {
            format!("{} a user that is not here", verb(&ev.method))
        }
        (m, false) => {
            let what = if on_users {
                format!("{} {who}", verb(m))
            } else {
                format!("{m} {ep}")
            };
            if error.is_empty() {
                format!("{what} failed ({})", ev.status)
            } else {
                format!("{what} failed: {error}")
            }
        }
        (m, true) => format!("{m} {ep}"),
    }
}

fn verb(method: &str) -> &'static str {
    match method {
        "GET" => "Read",
        "POST" => "Create",
        "DELETE" => "Delete",
        _ => "Update",
    }
}

pub fn entry(e: EventRecord, role_attr: &str) -> ActivityEntry {
    ActivityEntry {
        decoded_path: decode_path(&e.event.path),
        summary: summarize(&e, role_attr),
        hint: dialect_hint(e.event.dialect.as_deref()),
        record: e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_store::{AttrChange, NewEvent};
    use serde_json::json;

    fn ev(method: &str, path: &str, status: u16) -> EventRecord {
        EventRecord {
            id: 1,
            event: NewEvent {
                method: method.into(),
                path: format!("/scim/v2{path}"),
                status,
                count: 1,
                user_name: Some("dana@example.com".into()),
                ..Default::default()
            },
        }
    }

    fn with(mut e: EventRecord, diff: Vec<(&str, Value, Value)>) -> EventRecord {
        e.event.diff = diff
            .into_iter()
            .map(|(p, o, n)| AttrChange {
                path: p.into(),
                old: Some(o),
                new: Some(n),
            })
            .collect();
        e
    }

    #[test]
    fn entries_read_as_what_they_did() {
        let s = |e: &EventRecord| summarize(e, "pantherRole");
        let lookup = ev(
            "GET",
            "/Users?filter=userName%20eq%20%22dana%40example.com%22&startIndex=1&count=100",
            200,
        );
        assert_eq!(s(&lookup), "Lookup dana@example.com");
        assert_eq!(
            decode_path(&lookup.event.path),
            "/scim/v2/Users?filter=userName eq \"dana@example.com\"&startIndex=1&count=100"
        );
        assert_eq!(
            s(&ev("GET", "/Users?startIndex=1&count=2", 200)),
            "List users"
        );
        let off = with(
            ev("PATCH", "/Users/1", 200),
            vec![("active", json!(true), json!(false))],
        );
        assert_eq!(s(&off), "Deactivated dana@example.com");
        let role = with(
            ev("PUT", "/Users/1", 200),
            vec![("pantherRole", json!("Analyst"), json!("Admin"))],
        );
        assert_eq!(s(&role), "Role Analyst → Admin for dana@example.com");
        let names = with(
            ev("PUT", "/Users/1", 200),
            vec![
                ("name.givenName", json!("D"), json!("Dana")),
                ("title", json!("a"), json!("b")),
            ],
        );
        assert_eq!(
            s(&names),
            "Updated name.givenName, title of dana@example.com"
        );
        let mut bad = ev("PATCH", "/Users/1", 400);
        bad.event.role = Some("Superuser".into());
        assert_eq!(s(&bad), "Refused role 'Superuser' for dana@example.com");
        assert_eq!(
            s(&ev("POST", "/Users", 403)),
            "Refused to create dana@example.com: users are created by their first login"
        );
        let mut folded = ev("GET", "/Users", 401);
        folded.event.count = 12;
        assert_eq!(s(&folded), "Refused: no valid token (12×)");
        let mut gone = ev("PUT", "/Users/x", 404);
        gone.event.user_name = None;
        assert_eq!(s(&gone), "Update a user that is not here");
        let console = with(
            ev(CONSOLE_METHOD, "/Users/1", 200),
            vec![("active", json!(true), json!(false))],
        );
        assert_eq!(s(&console), "Deactivated dana@example.com (in the console)");
        assert_eq!(
            s(&ev("GET", "/ServiceProviderConfig", 200)),
            "Read the server's capabilities"
        );
        let mut groups = ev("GET", "/Groups?filter=displayName%20eq%20%22Eng%22", 404);
        groups.event.error = Some("no such endpoint".into());
        assert_eq!(s(&groups), "GET /Groups failed: no such endpoint");
    }

    #[test]
    fn group_entries_read_as_what_they_did() {
        let s = |e: &EventRecord| summarize(e, "pantherRole");
        let group = |method: &str, path: &str, status: u16| {
            let mut e = ev(method, path, status);
            e.event.user_name = Some("Sales".into());
            e
        };
        assert_eq!(
            s(&group(
                "GET",
                "/Groups?filter=displayName%20eq%20%22Sales%22",
                200
            )),
            "Lookup group Sales"
        );
        assert_eq!(
            s(&group("GET", "/Groups?startIndex=1&count=100", 200)),
            "List groups"
        );
        let mut add = group("PATCH", "/Groups/g1", 204);
        add.event.diff = vec![AttrChange {
            path: "members".into(),
            old: Some(json!(["u9"])),
            new: Some(json!(["u1", "u2", "…[254 more not stored]"])),
        }];
        assert_eq!(s(&add), "Group Sales: added 256 members, removed 1 member");
        let rename = with(
            group("PATCH", "/Groups/g1", 204),
            vec![("displayName", json!("Sales"), json!("Sales EMEA"))],
        );
        assert_eq!(s(&rename), "Group Sales: renamed Sales → Sales EMEA");
        assert_eq!(
            s(&group("PATCH", "/Groups/g1", 204)),
            "Updated group Sales: nothing changed"
        );
        assert_eq!(
            s(&group("DELETE", "/Groups/g1", 204)),
            "Deleted group Sales"
        );
        let mut derived = ev(scim_store::GROUP_ROLE_METHOD, "", 200);
        derived.event.path = "role Admin from group BigPanda_acme_BPRole_Admin".into();
        assert_eq!(
            s(&derived),
            "dana@example.com: role Admin from group BigPanda_acme_BPRole_Admin"
        );
        let mut legacy = ev("PATCH", "/Users/1", 200);
        legacy.event.dialect = Some(scim_store::DIALECT_ENTRA_LEGACY.into());
        assert!(entry(legacy, "pantherRole")
            .hint
            .unwrap()
            .contains("?aadOptscim062020"));
    }
}
