//! Storage for SCIM Console: one [`Store`] trait, implemented for SQLite (a file, WAL) here and
//! for PostgreSQL by deployments that run several instances. Every committed change to a
//! resource is published once on a broadcast channel for live consumers.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::broadcast;

pub mod bounds;
pub mod events;
mod filter_sql;
mod groups;
pub mod sqlite;
pub mod types;

pub use events::{EventLog, Retention};
pub use groups::group_diff;
pub use types::*;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint was violated (e.g. `userName`, a token name, a role name).
    #[error("{0}")]
    Conflict(String),
    /// The resource changed since it was read (optimistic concurrency).
    #[error("the resource was modified concurrently")]
    VersionMismatch,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Read(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A request the store cannot carry out as asked (e.g. a filter it cannot translate).
    #[error("{0}")]
    Scim(#[from] scim_protocol::ScimError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The server holding the data (read over its admin API) could not be reached, or
    /// answered with something that is not its API.
    #[error("{0}")]
    Unreachable(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What every backend reads; [`Store`] adds the changes. Those given read access alone (the
/// console's views) hold a `&dyn StoreRead`.
#[async_trait]
pub trait StoreRead: Send + Sync + 'static {
    // Users.
    async fn get_user(&self, id: &str) -> Result<Option<UserRecord>>;
    async fn find_user_by_user_name(&self, user_name: &str) -> Result<Option<UserRecord>>;
    async fn list_users(&self, query: &ListQuery<'_>) -> Result<UserPage>;
    async fn count_users(&self) -> Result<UserCounts>;
    /// The first `limit` users who never logged in (in creation order).
    async fn never_logged_in(&self, limit: u64) -> Result<Vec<UserRecord>>;

    // Groups.
    async fn get_group(&self, id: &str) -> Result<Option<GroupRecord>>;
    /// The group with this displayName, compared case-insensitively.
    async fn find_group_by_display_name(&self, name: &str) -> Result<Option<GroupRecord>>;
    /// Groups in creation order, from the 0-based `offset`; and how many there are.
    async fn list_groups(&self, offset: u64, limit: u64) -> Result<(Vec<GroupRecord>, u64)>;
    /// Groups matching a SCIM filter (over the Group schema), sorted and paged as asked; the
    /// total that match.
    async fn search_groups(&self, query: &ListQuery<'_>) -> Result<GroupPage>;
    /// A page of a group's members, in the order they were added (`NotFound` for no group).
    async fn group_members(&self, id: &str, offset: u64, limit: u64) -> Result<Vec<GroupMember>>;
    /// A page of a group's members as users (in the order they were added), those whose
    /// userName or displayName contains `text` (case-insensitively) when given; and how many
    /// match. `NotFound` for no group.
    async fn group_member_users(
        &self,
        id: &str,
        text: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<UserRecord>, u64)>;
    /// The groups a user is in, in the order it was added to them.
    async fn groups_of_user(&self, user_id: &str) -> Result<Vec<UserGroup>>;
    /// [`StoreRead::groups_of_user`] for several users in one query (a page of users): each
    /// user id that is in any group, with its groups in order.
    async fn groups_of_users(
        &self,
        user_ids: &[String],
    ) -> Result<std::collections::HashMap<String, Vec<UserGroup>>>;

    // Tokens.
    async fn list_tokens(&self) -> Result<Vec<TokenRecord>>;
    /// The token whose secret hashes to `hash`, with the configuration generation (one query,
    /// since both are read on every request).
    async fn authenticate(&self, hash: &str) -> Result<(Option<TokenRecord>, i64)>;

    // Roles and settings.
    async fn list_roles(&self) -> Result<Vec<RoleRecord>>;
    async fn get_setting(&self, key: &str) -> Result<Option<String>>;
    async fn settings(&self) -> Result<Vec<(String, String)>>;
    /// State the console keeps that is not configuration (the onboarding guide's progress):
    /// writing it changes neither the configuration generation nor the stamp.
    async fn console_state(&self, key: &str) -> Result<Option<String>>;
    /// Bumped by every change to roles or settings, by any process.
    async fn config_generation(&self) -> Result<i64>;

    // Event log.
    /// Entries without their bodies.
    async fn list_events(&self, query: &EventQuery) -> Result<Vec<EventRecord>>;
    /// One entry with its request and response bodies.
    async fn get_event(&self, id: i64) -> Result<Option<EventRecord>>;
    /// How many entries match `query` (its `limit` and `oldest_first` aside), and how many
    /// requests they stand for (folded entries stand for several).
    async fn count_events(&self, query: &EventQuery) -> Result<EventCount>;
    /// Requests and errors per minute since `since` (an RFC 3339 time), oldest first.
    async fn events_per_minute(&self, since: &str) -> Result<Vec<MinuteCount>>;

    // Deprovisioning guard.
    /// Deactivations and deletions made by SCIM requests since `since` (RFC 3339).
    async fn count_deprovisions(&self, since: &str) -> Result<u64>;
    async fn guard_state(&self) -> Result<GuardState>;
    /// Held requests not yet released, oldest first, at most `limit`; and how many there are.
    async fn held_requests(&self, limit: u64) -> Result<(Vec<HeldRequest>, u64)>;

    /// A value that changes whenever tokens, roles or settings change, in any process using
    /// this database; cheap enough to read on every request, so a server can keep them in
    /// memory and still see a revocation made by the command line on the very next request.
    fn config_stamp(&self) -> u128;

    /// A value that changes whenever anything is committed to the database, by any process
    /// (cheap: no query), so a console can notice what other processes changed.
    fn change_marker(&self) -> u128;

    /// Live changes committed through this store.
    fn subscribe(&self) -> broadcast::Receiver<ChangeEvent>;
}

/// Every change to stored state, on top of what [`StoreRead`] reads.
#[async_trait]
pub trait Store: StoreRead {
    /// This store as a reader only (for those given read access alone).
    fn reader(&self) -> &dyn StoreRead;

    /// Inserts a new user; `Conflict` when the userName is taken (case-insensitively).
    async fn insert_user(&self, user: UserWrite, ctx: &ChangeContext) -> Result<UserRecord>;
    /// Replaces `old` with `new` if `old.version` is still current, else `VersionMismatch`.
    async fn update_user(
        &self,
        old: &UserRecord,
        new: UserWrite,
        ctx: &ChangeContext,
    ) -> Result<UserRecord>;
    /// Deletes `old` if `old.version` is still current.
    async fn delete_user(&self, old: &UserRecord, ctx: &ChangeContext) -> Result<()>;
    /// Renames a top-level attribute in every user that has it (the role attribute's name is a
    /// setting), bumping their versions; returns how many users changed.
    async fn rename_user_attribute(&self, old: &str, new: &str) -> Result<u64>;
    /// Inserts many users in one transaction (demo data, benchmarks); no change events.
    async fn bulk_insert_users(&self, users: Vec<UserWrite>) -> Result<u64>;

    // Groups.
    /// Inserts a group with its members (user ids); `Conflict` when the displayName is taken
    /// (case-insensitively), `Invalid` naming the ids that are no user — nothing is written then.
    async fn insert_group(
        &self,
        group: GroupWrite,
        members: &[String],
        ctx: &ChangeContext,
    ) -> Result<(GroupRecord, MembersChanged)>;
    /// Replaces `old`'s attributes with `new`'s and applies `members`, if `old.version` is still
    /// current (else `VersionMismatch`); only the member rows named are read or written.
    async fn update_group(
        &self,
        old: &GroupRecord,
        new: GroupWrite,
        members: &MemberChange,
        ctx: &ChangeContext,
    ) -> Result<(GroupRecord, MembersChanged)>;
    /// Deletes `old` (its users stay) if `old.version` is still current.
    async fn delete_group(&self, old: &GroupRecord, ctx: &ChangeContext) -> Result<()>;

    // Tokens.
    async fn insert_token(&self, token: NewToken) -> Result<TokenRecord>;
    /// Revokes the active token called `name`.
    async fn revoke_token(&self, name: &str) -> Result<TokenRecord>;
    /// Inserts `token` as the console simulator's token, revoking the active ones it replaces
    /// (their secrets lived only in the memory of the console that made them), in one
    /// transaction. `Conflict` when a token that is not the simulator's has the name.
    async fn replace_simulator_token(&self, token: NewToken) -> Result<TokenRecord>;

    // Roles and settings.
    async fn add_role(&self, name: &str) -> Result<RoleRecord>;
    async fn remove_role(&self, name: &str) -> Result<()>;
    async fn set_setting(&self, key: &str, value: &str) -> Result<()>;
    async fn set_console_state(&self, key: &str, value: &str) -> Result<()>;

    // Event log.
    async fn append_events(&self, events: &[NewEvent]) -> Result<()>;
    /// Deletes the oldest events beyond what `retention` keeps; returns how many went.
    async fn prune_events(&self, retention: &Retention) -> Result<u64>;

    // Deprovisioning guard.
    /// Starts holding (if not holding already), for `reason`.
    async fn trip_guard(&self, reason: &str) -> Result<()>;
    /// Records a held request (a later attempt for the same user counts as one more attempt).
    async fn hold_request(&self, held: &HeldRequest) -> Result<()>;
    /// Stops holding and lets every held request through on its next attempt; returns how
    /// many were held.
    async fn release_guard(&self) -> Result<u64>;
    /// Whether a released request for this user is waiting for its retry; the mark is used up.
    async fn take_released(&self, resource_id: &str) -> Result<bool>;
}

/// Opens the store a URL names: `sqlite://PATH` or a plain file path.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(StoreError::Invalid(
            "PostgreSQL is not supported by this build yet; use a SQLite file".to_owned(),
        ));
    }
    Ok(Arc::new(sqlite::SqliteStore::open(path).await?))
}

/// An attribute-level change: `path` went from `old` to `new` (absent = `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AttrChange {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[ts(optional, type = "unknown")]
    pub old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[ts(optional, type = "unknown")]
    pub new: Option<Value>,
}

/// The attribute-level difference between two resources in canonical form. Complex
/// attributes are compared by sub-attribute (`name.givenName`), extension attributes are named
/// with their URN (`urn:…:enterprise:2.0:User:department`), multi-valued ones as a whole.
pub fn diff(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<AttrChange> {
    let mut out = Vec::new();
    diff_into("", old, new, &mut out);
    out
}

/// `prefix` already ends with its separator (`name.`, `urn:…:User:`), or is empty.
fn diff_into(
    prefix: &str,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    out: &mut Vec<AttrChange>,
) {
    let nested = |k: &str| {
        if prefix.is_empty() && k.starts_with("urn:") {
            format!("{k}:")
        } else {
            format!("{prefix}{k}.")
        }
    };
    let empty = Map::new();
    for (k, ov) in old {
        let path = || format!("{prefix}{k}");
        match (ov, new.get(k)) {
            (_, Some(nv)) if nv == ov => {}
            // Complex values and extensions are compared by sub-attribute, also when one
            // side is absent, so a diff names `name.givenName`, not a whole object.
            (Value::Object(o), Some(Value::Object(n))) => diff_into(&nested(k), o, n, out),
            (Value::Object(o), None) => diff_into(&nested(k), o, &empty, out),
            (_, None) => out.push(AttrChange {
                path: path(),
                old: Some(ov.clone()),
                new: None,
            }),
            (_, Some(nv)) => out.push(AttrChange {
                path: path(),
                old: Some(ov.clone()),
                new: Some(nv.clone()),
            }),
        }
    }
    for (k, nv) in new {
        if old.contains_key(k) {
            continue;
        }
        match nv {
            Value::Object(n) => diff_into(&nested(k), &empty, n, out),
            _ => out.push(AttrChange {
                path: format!("{prefix}{k}"),
                old: None,
                new: Some(nv.clone()),
            }),
        }
    }
}
