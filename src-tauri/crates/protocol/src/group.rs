//! Group membership in a PATCH, in every dialect the identity providers send: the operations
//! on `members` are taken out of the PATCH and reduced to one net change (whom to add, whom to
//! remove, or the whole new list), so a server can apply them to member rows without reading a
//! group's whole member list; the other operations go on to the ordinary PATCH engine.
//!
//! - Okta: `add` of `members` with up to hundreds of `{value, display}`; `remove` with the path
//!   `members[value eq "<id>"]`; `replace` of the whole list; the path-less `replace` of
//!   `{id, displayName}` it sends before membership changes (no members in it).
//! - Entra ID: capitalised ops, `{"$ref": null, "value": "<id>"}`, and the old-style
//!   `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`, which removes those members
//!   only (RFC 7644 reads a remove of `members` without a filter as "remove all"; with a value
//!   list it is read as Entra means it).

use std::collections::HashSet;

use serde_json::Value;

use crate::filter::{CompValue, CompareOp, Filter};
use crate::patch::{OpKind, Operation};
use crate::ScimError;

/// The net change a PATCH makes to a group's members, by user id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberEdits {
    /// The whole new list (a replace of `members`, or a remove of all of them).
    pub replace: Option<Vec<String>>,
    /// Added on top of the list (or of `replace`); disjoint from `remove`.
    pub add: Vec<String>,
    /// Removed; disjoint from `add`.
    pub remove: Vec<String>,
}

impl MemberEdits {
    pub fn is_empty(&self) -> bool {
        self.replace.is_none() && self.add.is_empty() && self.remove.is_empty()
    }

    fn apply_replace(&mut self, ids: Vec<String>) {
        self.replace = Some(ids);
        self.add.clear();
        self.remove.clear();
    }

    /// Each operation costs time in proportion to the members it names and those already named
    /// (sets, not a scan per member), so a PATCH of tens of thousands of members stays cheap.
    fn apply_add(&mut self, ids: Vec<String>) {
        let new: HashSet<&str> = ids.iter().map(String::as_str).collect();
        self.remove.retain(|r| !new.contains(r.as_str()));
        let list = match &mut self.replace {
            Some(list) => list,
            None => &mut self.add,
        };
        let mut have: HashSet<String> = list.iter().cloned().collect();
        for id in ids {
            if have.insert(id.clone()) {
                list.push(id);
            }
        }
    }

    fn apply_remove(&mut self, ids: Vec<String>) {
        let gone: HashSet<&str> = ids.iter().map(String::as_str).collect();
        self.add.retain(|a| !gone.contains(a.as_str()));
        match &mut self.replace {
            Some(list) => list.retain(|m| !gone.contains(m.as_str())),
            None => {
                let mut have: HashSet<String> = self.remove.iter().cloned().collect();
                for id in ids {
                    if have.insert(id.clone()) {
                        self.remove.push(id);
                    }
                }
            }
        }
    }
}

fn is_members(attr: &crate::path::AttrPath) -> bool {
    attr.attr.eq_ignore_ascii_case("members")
        && attr
            .urn
            .as_deref()
            .is_none_or(|u| u.eq_ignore_ascii_case(crate::schema::GROUP_SCHEMA))
}

/// The user ids of a `members` value: an array of `{value, display?, $ref?, type?}` (or one
/// such object). At most `max_values`. `at` names where they were sent, for errors
/// ("operation 2", "members").
pub fn member_ids(value: &Value, at: &str, max_values: usize) -> Result<Vec<String>, ScimError> {
    let items: Vec<&Value> = match value {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![value],
        Value::Null => Vec::new(),
        _ => {
            return Err(ScimError::invalid_value(format!(
                "{at}: members must be a list of {{\"value\": \"<user id>\"}}"
            )))
        }
    };
    if items.len() > max_values {
        return Err(ScimError::invalid_value(format!(
            "{at} names {} members; at most {max_values} are accepted in one request",
            items.len()
        )));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let obj = item.as_object().ok_or_else(|| {
            ScimError::invalid_value(format!(
                "{at}: each member must be an object such as {{\"value\": \"<user id>\"}}"
            ))
        })?;
        let get = |k: &str| {
            obj.iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v)
        };
        if let Some(t) = get("type").and_then(Value::as_str) {
            if !t.eq_ignore_ascii_case("User") {
                return Err(ScimError::invalid_value(format!(
                    "{at}: a member of type '{t}': only users can be members here"
                )));
            }
        }
        let id = get("value")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                ScimError::invalid_value(format!(
                    "{at}: a member without a 'value' (the user's id)"
                ))
            })?;
        if seen.insert(id.to_owned()) {
            out.push(id.to_owned());
        }
    }
    Ok(out)
}

/// The ids a member filter selects: `value eq "<id>"`, or several joined by `or`.
fn filter_ids(f: &Filter, n: usize, out: &mut Vec<String>) -> Result<(), ScimError> {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(id),
        } if path.attr.eq_ignore_ascii_case("value") && path.sub_attr.is_none() => {
            out.push(id.clone());
            Ok(())
        }
        Filter::Or(a, b) => {
            filter_ids(a, n, out)?;
            filter_ids(b, n, out)
        }
        other => Err(ScimError::invalid_filter(format!(
            "operation {n}: members can be selected by value only, as in members[value eq \"<user id>\"], not by '{other}'"
        ))),
    }
}

/// Takes the membership operations out of `ops` and reduces them, in order, to their net
/// effect; returns the remaining operations (for the group's other attributes) and that effect.
pub fn split_members(
    ops: &[Operation],
    max_values: usize,
) -> Result<(Vec<Operation>, MemberEdits), ScimError> {
    let mut rest = Vec::with_capacity(ops.len());
    let mut edits = MemberEdits::default();
    for (i, op) in ops.iter().enumerate() {
        let n = i + 1;
        let at = format!("operation {n}");
        match &op.path {
            Some(path) if is_members(&path.attr) => {
                if path.sub_attr.is_some() || path.attr.sub_attr.is_some() {
                    return Err(ScimError::invalid_path(format!(
                        "operation {n}: members are changed as a whole ({{\"value\": \"<user id>\"}}), not by their sub-attributes"
                    )));
                }
                match (&path.filter, op.op) {
                    (Some(f), OpKind::Remove) => {
                        let mut ids = Vec::new();
                        filter_ids(f, n, &mut ids)?;
                        edits.apply_remove(ids);
                    }
                    (Some(_), _) => {
                        return Err(ScimError::invalid_path(format!(
                            "operation {n}: a filtered members path can only be removed"
                        )))
                    }
                    (None, OpKind::Add) => {
                        let ids =
                            member_ids(op.value.as_ref().unwrap_or(&Value::Null), &at, max_values)?;
                        edits.apply_add(ids);
                    }
                    (None, OpKind::Replace) => {
                        let ids =
                            member_ids(op.value.as_ref().unwrap_or(&Value::Null), &at, max_values)?;
                        edits.apply_replace(ids);
                    }
                    // Entra's old style: a value list says which members go.
                    (None, OpKind::Remove) => match &op.value {
                        Some(v) if !v.is_null() => {
                            let ids = member_ids(v, &at, max_values)?;
                            edits.apply_remove(ids);
                        }
                        _ => edits.apply_replace(Vec::new()),
                    },
                }
            }
            // A path-less add or replace may carry members beside other attributes.
            None => {
                let Some(Value::Object(obj)) = &op.value else {
                    rest.push(op.clone());
                    continue;
                };
                let key = obj
                    .keys()
                    .find(|k| k.eq_ignore_ascii_case("members"))
                    .cloned();
                match key {
                    Some(k) => {
                        let ids = member_ids(&obj[&k], &at, max_values)?;
                        match op.op {
                            OpKind::Replace => edits.apply_replace(ids),
                            _ => edits.apply_add(ids),
                        }
                        let mut others = obj.clone();
                        others.remove(&k);
                        if !others.is_empty() {
                            rest.push(Operation {
                                op: op.op,
                                path: None,
                                value: Some(Value::Object(others)),
                            });
                        }
                    }
                    None => rest.push(op.clone()),
                }
            }
            Some(_) => rest.push(op.clone()),
        }
    }
    Ok((rest, edits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::parse;
    use serde_json::json;

    fn split(ops: Value) -> Result<(Vec<Operation>, MemberEdits), ScimError> {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
        split_members(&parse(&body)?, 1000)
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn okta_push_groups_shapes() {
        // The rename Okta sends before membership changes: no members in it.
        let (rest, e) =
            split(json!([{"op": "replace", "value": {"id": "g1", "displayName": "Sales"}}]))
                .unwrap();
        assert_eq!(rest.len(), 1);
        assert!(e.is_empty());
        // Hundreds of members in one add.
        let many: Vec<Value> = (0..256)
            .map(|i| json!({"value": format!("u{i}"), "display": format!("User {i}")}))
            .collect();
        let (rest, e) = split(json!([{"op": "add", "path": "members", "value": many}])).unwrap();
        assert!(rest.is_empty());
        assert_eq!(e.add.len(), 256);
        assert_eq!(e.add[255], "u255");
        // Removal by a value filter.
        let (_, e) = split(json!([{"op": "remove", "path": "members[value eq \"u7\"]"}])).unwrap();
        assert_eq!(e.remove, ids(&["u7"]));
        assert!(e.replace.is_none());
        // A full push: the whole list.
        let (_, e) = split(json!([{"op": "replace", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]}])).unwrap();
        assert_eq!(e.replace, Some(ids(&["u1", "u2"])));
    }

    #[test]
    fn entra_shapes() {
        let (_, e) = split(
            json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "u1"}]}]),
        )
        .unwrap();
        assert_eq!(e.add, ids(&["u1"]));
        // The old-style removal removes the members listed, not all of them.
        let (_, e) = split(json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]}])).unwrap();
        assert_eq!(e.remove, ids(&["u1", "u2"]));
        assert!(e.replace.is_none());
        // Without a value, a remove of members empties the group (RFC 7644 §3.5.2.2).
        let (_, e) = split(json!([{"op": "remove", "path": "members"}])).unwrap();
        assert_eq!(e.replace, Some(vec![]));
    }

    #[test]
    fn operations_reduce_in_order_to_their_net_effect() {
        let (_, e) = split(json!([
            {"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
            {"op": "remove", "path": "members[value eq \"a\" or value eq \"c\"]"},
            {"op": "add", "path": "members", "value": [{"value": "c"}]},
        ]))
        .unwrap();
        assert_eq!(e.add, ids(&["b", "c"]));
        assert_eq!(e.remove, ids(&["a"]));
        let (_, e) = split(json!([
            {"op": "add", "path": "members", "value": [{"value": "x"}]},
            {"op": "replace", "path": "members", "value": [{"value": "a"}]},
            {"op": "add", "path": "members", "value": [{"value": "b"}]},
            {"op": "remove", "path": "members[value eq \"a\"]"},
        ]))
        .unwrap();
        assert_eq!(e.replace, Some(ids(&["b"])));
        assert!(e.add.is_empty() && e.remove.is_empty());
        // Members in a path-less value, beside another attribute.
        let (rest, e) = split(json!([{"op": "replace", "value": {"displayName": "Eng", "members": [{"value": "u9"}]}}])).unwrap();
        assert_eq!(e.replace, Some(ids(&["u9"])));
        assert_eq!(rest[0].value, Some(json!({"displayName": "Eng"})));
    }

    #[test]
    fn a_full_push_of_tens_of_thousands_of_members_reduces_at_once() {
        let all: Vec<Value> = (0..40_000)
            .map(|i| json!({"value": format!("u{i}")}))
            .collect();
        let half: Vec<Value> = (0..20_000)
            .map(|i| json!({"value": format!("u{i}")}))
            .collect();
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "add", "path": "members", "value": all},
            {"op": "Remove", "path": "members", "value": half},
            {"op": "replace", "path": "members", "value": [{"value": "u1"}]},
            {"op": "add", "path": "members", "value": half},
        ]});
        let (_, e) = split_members(&parse(&body).unwrap(), 100_000).unwrap();
        let list = e.replace.unwrap();
        assert_eq!(list.len(), 20_000);
        assert_eq!(list[0], "u1");
        assert!(e.add.is_empty() && e.remove.is_empty());
    }

    #[test]
    fn what_cannot_be_a_membership_change_is_refused_in_words() {
        let err = |ops: Value| split(ops).unwrap_err();
        let e = err(json!([{"op": "remove", "path": "members[display eq \"Dana\"]"}]));
        assert!(e.detail.contains("by value only"), "{}", e.detail);
        let e = err(json!([{"op": "add", "path": "members", "value": [{"display": "no id"}]}]));
        assert!(e.detail.contains("without a 'value'"), "{}", e.detail);
        let e = err(
            json!([{"op": "add", "path": "members", "value": [{"value": "g2", "type": "Group"}]}]),
        );
        assert!(e.detail.contains("only users"), "{}", e.detail);
        let e = err(
            json!([{"op": "replace", "path": "members[value eq \"a\"]", "value": {"value": "b"}}]),
        );
        assert!(e.detail.contains("can only be removed"), "{}", e.detail);
        let e = err(json!([{"op": "add", "path": "members", "value": "u1"}]));
        assert!(e.detail.contains("list of"), "{}", e.detail);
        let many: Vec<Value> = (0..1001)
            .map(|i| json!({"value": format!("u{i}")}))
            .collect();
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": many}]});
        let e = split_members(&parse(&body).unwrap(), 1000).unwrap_err();
        assert!(e.detail.contains("at most 1000"), "{}", e.detail);
    }
}
