//! Bounds on what one event-log entry may store, whatever a client sent: long fields are cut
//! with a visible marker, large diff values and long lists are summarised. Every entry goes
//! through [`bound_event`] before it is written.

use serde_json::Value;

use crate::{AttrChange, NewEvent};

/// The path with its query, and the error detail.
pub const MAX_LONG_TEXT: usize = 1024;
/// The User-Agent, names, ids, the role as sent, the address, the method.
pub const MAX_SHORT_TEXT: usize = 256;
/// A value in a diff larger than this (as JSON) is replaced by a note of its size.
pub const MAX_DIFF_VALUE: usize = 2048;
/// A diff is stored up to about this many bytes; the changes beyond are counted, not stored.
pub const MAX_DIFF: usize = 16 * 1024;
/// A request's or an answer's body is stored up to this many bytes.
pub const MAX_BODY: usize = 8 * 1024;
/// Ignored attribute names stored per entry.
pub const MAX_IGNORED: usize = 50;

/// Cuts `s` to at most `max` bytes (on a character boundary), ending it with a marker that
/// says how much was cut.
pub fn truncate(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let total = s.len();
    let marker_room = 40.min(max);
    let mut end = max - marker_room;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s.push_str(&format!("…[cut: {total} bytes in all]"));
}

fn truncate_opt(s: &mut Option<String>, max: usize) {
    if let Some(v) = s {
        truncate(v, max);
    }
}

/// Applies every bound to `e`.
pub fn bound_event(e: &mut NewEvent) {
    truncate(&mut e.path, MAX_LONG_TEXT);
    truncate(&mut e.method, MAX_SHORT_TEXT);
    truncate_opt(&mut e.error, MAX_LONG_TEXT);
    for s in [
        &mut e.client,
        &mut e.token_name,
        &mut e.resource_type,
        &mut e.resource_id,
        &mut e.user_name,
        &mut e.role,
        &mut e.address,
        &mut e.dialect,
    ] {
        truncate_opt(s, MAX_SHORT_TEXT);
    }
    truncate_opt(&mut e.request_body, MAX_BODY);
    truncate_opt(&mut e.response_body, MAX_BODY);
    bound_diff(&mut e.diff);
    bound_list(&mut e.ignored);
}

fn bound_list(items: &mut Vec<String>) {
    if items.len() > MAX_IGNORED {
        let more = items.len() - MAX_IGNORED;
        items.truncate(MAX_IGNORED);
        items.push(format!("…[{more} more not stored]"));
    }
    for i in items.iter_mut() {
        truncate(i, MAX_SHORT_TEXT);
    }
}

/// A group's members added or removed (lists of user ids) are kept up to this many bytes:
/// Okta's batches of 256 members fit whole.
pub const MAX_MEMBERS_VALUE: usize = MAX_DIFF - 1024;

fn bound_value(v: &mut Option<Value>, max: usize) {
    let Some(value) = v else {
        return;
    };
    let size = serde_json::to_string(value).map_or(0, |s| s.len());
    if size <= max {
        return;
    }
    // A list keeps the elements that fit, and says how many more there were.
    if let Value::Array(items) = value {
        let mut used = 2;
        let mut kept = 0;
        for item in items.iter() {
            let n = serde_json::to_string(item).map_or(0, |s| s.len()) + 1;
            if used + n > max.saturating_sub(40) {
                break;
            }
            used += n;
            kept += 1;
        }
        if kept > 0 {
            let more = items.len() - kept;
            items.truncate(kept);
            items.push(Value::String(format!("…[{more} more not stored]")));
            return;
        }
    }
    *value = Value::String(format!("…[a value of {size} bytes, not stored]"));
}

fn bound_diff(diff: &mut Vec<AttrChange>) {
    let mut used = 0usize;
    let mut kept = 0usize;
    for change in diff.iter_mut() {
        truncate(&mut change.path, MAX_SHORT_TEXT);
        let max = if change.path == "members" {
            MAX_MEMBERS_VALUE
        } else {
            MAX_DIFF_VALUE
        };
        bound_value(&mut change.old, max);
        bound_value(&mut change.new, max);
        used += change.path.len()
            + [&change.old, &change.new]
                .iter()
                .filter_map(|v| v.as_ref())
                .map(|v| serde_json::to_string(v).map_or(0, |s| s.len()))
                .sum::<usize>();
        if used > MAX_DIFF {
            break;
        }
        kept += 1;
    }
    if kept < diff.len() {
        let more = diff.len() - kept;
        diff.truncate(kept);
        diff.push(AttrChange {
            path: format!("…[{more} more changes not stored]"),
            old: None,
            new: None,
        });
    }
}

/// About how many bytes an entry takes in the database, for retention by size.
pub fn stored_size(e: &NewEvent, diff_json: Option<&str>, ignored_json: Option<&str>) -> usize {
    let opt = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    64 + e.at.len()
        + e.method.len()
        + e.path.len()
        + opt(&e.token_name)
        + opt(&e.client)
        + opt(&e.resource_type)
        + opt(&e.resource_id)
        + opt(&e.user_name)
        + opt(&e.error)
        + opt(&e.role)
        + opt(&e.address)
        + opt(&e.request_body)
        + opt(&e.response_body)
        + diff_json.map_or(0, str::len)
        + ignored_json.map_or(0, str::len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_text_is_cut_with_a_marker_on_a_character_boundary() {
        let mut s = "é".repeat(300_000);
        truncate(&mut s, MAX_SHORT_TEXT);
        assert!(s.len() <= MAX_SHORT_TEXT, "{}", s.len());
        assert!(s.ends_with("…[cut: 600000 bytes in all]"), "{s}");
        let mut short = "Okta SCIM Client 1.0.0".to_owned();
        truncate(&mut short, MAX_SHORT_TEXT);
        assert_eq!(short, "Okta SCIM Client 1.0.0");
    }

    #[test]
    fn member_lists_keep_what_fits_and_count_the_rest() {
        let ids: Vec<Value> = (0..2000).map(|i| json!(format!("user-{i:05}"))).collect();
        let mut e = NewEvent {
            diff: vec![
                AttrChange {
                    path: "members".to_owned(),
                    old: None,
                    new: Some(Value::Array(ids[..256].to_vec())),
                },
                AttrChange {
                    path: "emails".to_owned(),
                    old: Some(Value::Array(ids.clone())),
                    new: None,
                },
            ],
            ..NewEvent::default()
        };
        bound_event(&mut e);
        // Okta's batch of 256 members is kept whole.
        assert_eq!(
            e.diff[0].new.as_ref().unwrap().as_array().unwrap().len(),
            256
        );
        // A long list elsewhere keeps its first elements and counts the rest.
        let kept = e.diff[1].old.as_ref().unwrap().as_array().unwrap();
        assert_eq!(kept[0], json!("user-00000"));
        let note = kept.last().unwrap().as_str().unwrap();
        assert!(note.ends_with("more not stored]"), "{note}");
        assert!(serde_json::to_string(kept).unwrap().len() <= MAX_DIFF_VALUE);
    }

    #[test]
    fn diffs_and_lists_are_summarised_beyond_their_bounds() {
        let mut e = NewEvent {
            diff: (0..5000)
                .map(|i| AttrChange {
                    path: format!("attr{i}"),
                    old: None,
                    new: Some(json!("x".repeat(100))),
                })
                .collect(),
            ignored: (0..500).map(|i| format!("unknown{i}")).collect(),
            ..NewEvent::default()
        };
        e.diff[0].new = Some(json!("y".repeat(100_000)));
        bound_event(&mut e);
        assert_eq!(
            e.diff[0].new,
            Some(json!("…[a value of 100002 bytes, not stored]"))
        );
        let last = e.diff.last().unwrap();
        assert!(last.path.contains("more changes not stored"), "{last:?}");
        let json = serde_json::to_string(&e.diff).unwrap();
        assert!(json.len() < MAX_DIFF + 2 * MAX_DIFF_VALUE, "{}", json.len());
        assert_eq!(e.ignored.len(), MAX_IGNORED + 1);
        assert_eq!(e.ignored.last().unwrap(), "…[450 more not stored]");
    }
}
