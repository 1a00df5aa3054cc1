//! Groups in SQLite: the group row, and its members as rows of `group_members` — so a
//! membership change reads and writes only the members it names, and a group of 50,000 costs
//! nothing to read without its members.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::types::*;
use crate::{diff, AttrChange, Result, StoreError};

/// Members resolved or written per statement (two parameters each, well inside SQLite's limit).
const CHUNK: usize = 400;

pub(crate) const GROUP_COLUMNS: &str =
    "id, display_name, data, member_count, created, last_modified, version";

pub(crate) fn group_from_read(r: &rusqlite::Row<'_>) -> Result<GroupRecord> {
    let data: String = r.get("data")?;
    let data = match serde_json::from_str(&data) {
        Ok(Value::Object(m)) => m,
        _ => {
            return Err(StoreError::Corrupt(
                "a group's data is not an object".into(),
            ))
        }
    };
    Ok(GroupRecord {
        id: r.get("id")?,
        display_name: r.get("display_name")?,
        data,
        member_count: u64::try_from(r.get::<_, i64>("member_count")?).unwrap_or(0),
        created: r.get("created")?,
        last_modified: r.get("last_modified")?,
        version: r.get("version")?,
    })
}

/// The displayName a group write carries (required, non-empty) and its external id.
pub(crate) fn derive(g: &GroupWrite) -> Result<(String, Option<String>, String)> {
    let name = g
        .data
        .get("displayName")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| StoreError::Invalid("a group needs a displayName".into()))?
        .to_owned();
    let external = g
        .data
        .get("externalId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut data = g.data.clone();
    data.remove("members");
    let data = serde_json::to_string(&Value::Object(data))
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok((name, external, data))
}

pub(crate) fn name_taken(name: &str) -> impl FnOnce(&str) -> String + '_ {
    move |msg: &str| {
        if msg.contains("groups.id") {
            "a group with this id already exists".to_owned()
        } else {
            format!("a group called '{name}' exists already (displayName is unique, in any case)")
        }
    }
}

/// The row numbers of users by id, in the order given, without repeats; `Invalid` naming the
/// ids that are no user (`strict`), or leaving them out.
pub(crate) async fn resolve_users(
    conn: &mut sqlx::SqliteConnection,
    ids: &[String],
    strict: bool,
) -> Result<Vec<(String, i64)>> {
    let mut seen = HashSet::new();
    let wanted: Vec<&String> = ids.iter().filter(|id| seen.insert(id.as_str())).collect();
    let mut found: HashMap<String, i64> = HashMap::with_capacity(wanted.len());
    for chunk in wanted.chunks(CHUNK) {
        let mut q =
            sqlx::QueryBuilder::<sqlx::Sqlite>::new("SELECT id, seq FROM users WHERE id IN (");
        let mut sep = q.separated(", ");
        for id in chunk {
            sep.push_bind(id.as_str());
        }
        q.push(")");
        let rows: Vec<(String, i64)> = q.build_query_as().fetch_all(&mut *conn).await?;
        found.extend(rows);
    }
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|id| !found.contains_key(id.as_str()))
        .map(|id| id.as_str())
        .collect();
    if strict && !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(5).map(|m| format!("'{m}'")).collect();
        let more = if missing.len() > 5 {
            format!(" and {} more", missing.len() - 5)
        } else {
            String::new()
        };
        return Err(StoreError::Invalid(format!(
            "no user has the id {}{more}: members must be existing users",
            shown.join(", ")
        )));
    }
    Ok(wanted
        .into_iter()
        .filter_map(|id| found.get(id.as_str()).map(|seq| (id.clone(), *seq)))
        .collect())
}

/// Adds `users` to the group; returns the ids that were not members yet.
pub(crate) async fn add_members(
    conn: &mut sqlx::SqliteConnection,
    group_seq: i64,
    users: &[(String, i64)],
) -> Result<Vec<String>> {
    let mut added = Vec::new();
    for chunk in users.chunks(CHUNK) {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO group_members (group_seq, user_seq) ",
        );
        q.push_values(chunk, |mut row, (_, seq)| {
            row.push_bind(group_seq).push_bind(*seq);
        });
        q.push(" ON CONFLICT (group_seq, user_seq) DO NOTHING RETURNING user_seq");
        let seqs: Vec<i64> = q.build_query_scalar().fetch_all(&mut *conn).await?;
        let new: HashSet<i64> = seqs.into_iter().collect();
        added.extend(
            chunk
                .iter()
                .filter(|(_, s)| new.contains(s))
                .map(|(id, _)| id.clone()),
        );
    }
    Ok(added)
}

/// Removes `users` from the group; returns the ids that were members.
pub(crate) async fn remove_members(
    conn: &mut sqlx::SqliteConnection,
    group_seq: i64,
    users: &[(String, i64)],
) -> Result<Vec<String>> {
    let mut removed = Vec::new();
    for chunk in users.chunks(CHUNK) {
        let mut q =
            sqlx::QueryBuilder::<sqlx::Sqlite>::new("DELETE FROM group_members WHERE group_seq = ");
        q.push_bind(group_seq).push(" AND user_seq IN (");
        let mut sep = q.separated(", ");
        for (_, seq) in chunk {
            sep.push_bind(*seq);
        }
        q.push(") RETURNING user_seq");
        let seqs: Vec<i64> = q.build_query_scalar().fetch_all(&mut *conn).await?;
        let gone: HashSet<i64> = seqs.into_iter().collect();
        removed.extend(
            chunk
                .iter()
                .filter(|(_, s)| gone.contains(s))
                .map(|(id, _)| id.clone()),
        );
    }
    Ok(removed)
}

/// Applies a member change to the group at `group_seq`: the whole list first (reading the
/// current members only then), then additions, then removals.
pub(crate) async fn apply_members(
    conn: &mut sqlx::SqliteConnection,
    group_seq: i64,
    change: &MemberChange,
) -> Result<MembersChanged> {
    let mut out = MembersChanged::default();
    if let Some(list) = &change.replace {
        let wanted = resolve_users(conn, list, true).await?;
        let keep: HashSet<i64> = wanted.iter().map(|(_, s)| *s).collect();
        let current: Vec<(String, i64)> = sqlx::query_as(
            "SELECT u.id, u.seq FROM group_members m JOIN users u ON u.seq = m.user_seq \
             WHERE m.group_seq = ?",
        )
        .bind(group_seq)
        .fetch_all(&mut *conn)
        .await?;
        let drop: Vec<(String, i64)> = current
            .into_iter()
            .filter(|(_, s)| !keep.contains(s))
            .collect();
        out.removed = remove_members(conn, group_seq, &drop).await?;
        out.added = add_members(conn, group_seq, &wanted).await?;
    }
    if !change.add.is_empty() {
        let users = resolve_users(conn, &change.add, true).await?;
        let added = add_members(conn, group_seq, &users).await?;
        out.removed.retain(|r| !added.contains(r));
        out.added.extend(added);
    }
    if !change.remove.is_empty() {
        let users = resolve_users(conn, &change.remove, false).await?;
        let removed = remove_members(conn, group_seq, &users).await?;
        out.added.retain(|a| !removed.contains(a));
        out.removed.extend(removed);
    }
    Ok(out)
}

/// The log's diff of a group write: its attributes, then its members as lists of user ids
/// (`members` with `old` = the removed, `new` = the added), never the whole member list.
pub fn group_diff(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    members: &MembersChanged,
) -> Vec<AttrChange> {
    let mut old = old.clone();
    let mut new = new.clone();
    old.remove("members");
    new.remove("members");
    let mut out = diff(&old, &new);
    if !members.added.is_empty() || !members.removed.is_empty() {
        out.push(AttrChange {
            path: "members".to_owned(),
            old: (!members.removed.is_empty()).then(|| Value::from(members.removed.clone())),
            new: (!members.added.is_empty()).then(|| Value::from(members.added.clone())),
        });
    }
    out
}
