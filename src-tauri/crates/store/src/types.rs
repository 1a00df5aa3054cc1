//! Records read from and written to the store.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use scim_protocol::filter::Filter;
use scim_protocol::path::AttrPath;
use scim_protocol::schema::ResourceSchema;

use crate::AttrChange;

/// Timestamps are stored as RFC 3339 UTC with milliseconds, so text order is time order.
pub fn now() -> String {
    format_time(chrono::Utc::now())
}

pub fn format_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// How a user came to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum UserSource {
    /// Created by a SCIM request (full provisioning).
    Scim,
    /// Created by a first SAML login.
    Jit,
    /// Sample data.
    Demo,
}

impl UserSource {
    pub fn as_str(self) -> &'static str {
        match self {
            UserSource::Scim => "scim",
            UserSource::Jit => "jit",
            UserSource::Demo => "demo",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "scim" => Some(UserSource::Scim),
            "jit" => Some(UserSource::Jit),
            "demo" => Some(UserSource::Demo),
            _ => None,
        }
    }
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: String,
    pub user_name: String,
    /// The resource in canonical form, without `id`, `meta` and `password`.
    pub data: Map<String, Value>,
    pub active: bool,
    pub role: Option<String>,
    pub source: UserSource,
    pub last_login: Option<String>,
    pub created: String,
    pub last_modified: String,
    pub version: i64,
    #[serde(skip)]
    pub password_hash: Option<String>,
}

impl UserRecord {
    /// The weak entity tag of this version (RFC 7644 §3.14).
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.version)
    }
}

/// A user to write; the derived columns come from `data`.
#[derive(Debug, Clone, PartialEq)]
pub struct UserWrite {
    pub id: String,
    pub data: Map<String, Value>,
    pub role: Option<String>,
    pub source: UserSource,
    pub last_login: Option<String>,
    pub password_hash: Option<String>,
    /// `created` for inserts (defaults to now); ignored on update.
    pub created: Option<String>,
}

impl UserWrite {
    /// A user to write from its data alone: no role column, no last login, no password.
    pub fn new(id: impl Into<String>, data: Map<String, Value>, source: UserSource) -> Self {
        UserWrite {
            id: id.into(),
            data,
            role: None,
            source,
            last_login: None,
            password_hash: None,
            created: None,
        }
    }
    pub fn user_name(&self) -> &str {
        self.data
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
    pub fn active(&self) -> bool {
        self.data
            .get("active")
            .and_then(Value::as_bool)
            .unwrap_or(true)
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Ascending,
    Descending,
}

/// A column of the users table to sort by that is no SCIM attribute (used when `sort_by` is
/// `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserColumn {
    /// The last SAML login (users who never logged in sort last either way).
    LastLogin,
    LastModified,
}

/// A page of users to read.
#[derive(Debug, Clone)]
pub struct ListQuery<'a> {
    pub schema: &'a ResourceSchema,
    pub filter: Option<&'a Filter>,
    pub sort_by: Option<&'a AttrPath>,
    /// Sorts by this column when `sort_by` is `None`.
    pub sort_column: Option<UserColumn>,
    pub sort_order: SortOrder,
    /// 1-based (RFC 7644 §3.4.2.4).
    pub start_index: u64,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserPage {
    pub total: u64,
    pub users: Vec<UserRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
pub struct UserCounts {
    pub total: u64,
    pub active: u64,
    pub never_logged_in: u64,
}

/// A stored group; its members are rows of their own ([`crate::StoreRead::group_members`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    pub id: String,
    pub display_name: String,
    /// The resource in canonical form, without `id`, `meta` and `members`.
    pub data: Map<String, Value>,
    pub member_count: u64,
    pub created: String,
    pub last_modified: String,
    pub version: i64,
}

impl GroupRecord {
    /// The weak entity tag of this version (RFC 7644 §3.14).
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.version)
    }
}

/// A page of groups and how many match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupPage {
    pub total: u64,
    pub groups: Vec<GroupRecord>,
}

/// A group to write: `data` without `members` (it must hold a non-empty `displayName`).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupWrite {
    pub id: String,
    pub data: Map<String, Value>,
}

/// How a write changes a group's members, by user id. Only the rows named are touched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberChange {
    /// The whole list, replacing the current one (PUT, or a `replace` of `members`).
    pub replace: Option<Vec<String>>,
    /// Added after `replace` (ids already members are left as they are).
    pub add: Vec<String>,
    /// Removed after `replace` and `add` (ids that are not members are ignored).
    pub remove: Vec<String>,
}

/// What a group write did to its members.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MembersChanged {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// One member of a group as a page of members lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMember {
    /// The user's id.
    pub value: String,
    /// The user's display name, else its userName.
    pub display: String,
}

/// A group a user is in, in the order the user was added to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserGroup {
    pub id: String,
    pub display_name: String,
}

/// Token permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub enum Permission {
    /// Read and write users (Okta's "Manage Users"); includes `UserRead`.
    UserModify,
    /// Read users only.
    UserRead,
    /// The admin API (`/admin/v1`) only: never accepted on SCIM, as SCIM tokens are never
    /// accepted there.
    Admin,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::UserModify => "UserModify",
            Permission::UserRead => "UserRead",
            Permission::Admin => "Admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("UserModify") {
            Some(Permission::UserModify)
        } else if s.eq_ignore_ascii_case("UserRead") {
            Some(Permission::UserRead)
        } else if s.eq_ignore_ascii_case("Admin") {
            Some(Permission::Admin)
        } else {
            None
        }
    }
    pub fn can_write(self) -> bool {
        self == Permission::UserModify
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewToken {
    pub name: String,
    pub permission: Permission,
    pub secret_hash: String,
    /// The first characters of the secret, to tell tokens apart in lists.
    pub prefix: String,
    pub expires: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    pub permission: Permission,
    pub prefix: String,
    pub created: String,
    pub expires: Option<String>,
    pub last_used: Option<String>,
    pub revoked: Option<String>,
    /// The console's Okta simulator sends with this token: requests made with it are logged
    /// as simulated.
    pub simulator: bool,
}

impl TokenRecord {
    /// Not revoked and not expired at `now` (an RFC 3339 UTC string from [`now`]).
    pub fn is_valid_at(&self, now: &str) -> bool {
        self.revoked.is_none() && self.expires.as_deref().is_none_or(|e| e > now)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RoleRecord {
    pub name: String,
    pub builtin: bool,
}

/// Who made a change, for change events.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChangeContext {
    pub actor: Option<String>,
    /// The request that makes the change, when one does: its event-log entry is written in
    /// the same transaction as the change (the store fills in the resource, the diff and the
    /// status), so no acknowledged write is ever missing from the log.
    #[serde(skip)]
    pub request: Option<RequestEvent>,
}

impl ChangeContext {
    /// A change made by `actor` outside any SCIM request, with no entry in the event log.
    pub fn by(actor: impl Into<String>) -> Self {
        ChangeContext {
            actor: Some(actor.into()),
            request: None,
        }
    }

    /// A change made by `actor` outside any SCIM request (an admin in the console, a SAML
    /// login), recorded in the event log like a request: `method` says what kind of change
    /// (`CONSOLE`, `LOGIN`), `what` where (`/Users/{id}`, `SAML login`), the client is the
    /// actor, and no token is named.
    pub fn audited(actor: &str, method: &str, what: &str) -> Self {
        ChangeContext {
            actor: Some(actor.to_owned()),
            request: Some(RequestEvent {
                event: NewEvent {
                    at: now(),
                    client: Some(actor.to_owned()),
                    method: method.to_owned(),
                    path: what.to_owned(),
                    ..NewEvent::default()
                },
                started: std::time::Instant::now(),
            }),
        }
    }

    /// Whether the change comes from a SCIM request (an identity provider's token), as
    /// opposed to an admin or a login.
    pub fn from_scim(&self) -> bool {
        self.request
            .as_ref()
            .is_some_and(|r| r.event.token_id.is_some())
    }
}

/// The request a change is made for: its event as far as the server knows it, and when the
/// request began (the latency logged runs to the commit).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestEvent {
    pub event: NewEvent,
    pub started: std::time::Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

/// A committed change, published once on the store's channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChangeEvent {
    pub kind: ChangeKind,
    pub resource_type: String,
    pub id: String,
    pub user_name: String,
    pub version: i64,
    pub active: bool,
    pub role: Option<String>,
    pub diff: Vec<AttrChange>,
    pub actor: Option<String>,
    pub at: String,
}

/// One SCIM request as the event log records it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct NewEvent {
    pub at: String,
    pub token_name: Option<String>,
    pub token_id: Option<i64>,
    pub client: Option<String>,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub latency_us: u64,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub user_name: Option<String>,
    pub diff: Vec<AttrChange>,
    pub ignored: Vec<String>,
    pub error: Option<String>,
    /// The role attribute's value as the request sent it (valid or not), when it sent one.
    #[serde(default)]
    pub role: Option<String>,
    /// The client's address (from X-Forwarded-For only behind a trusted proxy).
    #[serde(default)]
    pub address: Option<String>,
    /// How many requests this entry stands for (more than one for folded entries).
    #[serde(default = "one")]
    pub count: u64,
    /// A folded entry for requests without a valid token or over the rate limit.
    #[serde(default)]
    pub aggregated: bool,
    /// Sent by the console's Okta simulator: set by the server from the token that
    /// authenticated the request, never from anything the client sent.
    #[serde(default)]
    pub simulated: bool,
    /// The request's body, secrets redacted and cut at [`crate::bounds::MAX_BODY`]; only in
    /// one entry's detail (`StoreRead::get_event`), never in lists.
    #[serde(default)]
    pub request_body: Option<String>,
    /// The answer's body, kept the same way (for errors, reads and small answers).
    #[serde(default)]
    pub response_body: Option<String>,
    /// What the request's shape says about the client's setup: [`DIALECT_ENTRA_LEGACY`].
    #[serde(default)]
    pub dialect: Option<String>,
}

/// A PATCH in Microsoft Entra ID's dialect from before 2020: capitalised ops, booleans as the
/// strings "True"/"False" (the Tenant URL's `?aadOptscim062020` flag turns it off).
pub const DIALECT_ENTRA_LEGACY: &str = "entra-legacy";

fn one() -> u64 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EventRecord {
    pub id: i64,
    #[serde(flatten)]
    pub event: NewEvent,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventQuery {
    /// Events with an id greater than this.
    pub after_id: Option<i64>,
    /// Events with an id smaller than this (paging back through history).
    pub before_id: Option<i64>,
    pub errors_only: bool,
    pub resource_id: Option<String>,
    /// Events whose userName contains this, case-insensitively.
    pub user: Option<String>,
    /// Events whose client (User-Agent) contains this, case-insensitively.
    pub client: Option<String>,
    /// Events answered with exactly this status.
    pub status: Option<u16>,
    /// Only requests that succeeded (status below 400).
    pub success_only: bool,
    /// Events of requests authenticated with this token.
    pub token_id: Option<i64>,
    /// Events of requests with one of these methods (upper case); empty = any.
    pub methods: Vec<String>,
    /// Only requests that carried the role attribute.
    pub with_role: bool,
    /// Only requests whose diff set `active` to false.
    pub deactivations_only: bool,
    /// Only simulated requests (`Some(true)`) or only real ones (`Some(false)`).
    pub simulated: Option<bool>,
    /// Events at or after this time (RFC 3339, UTC).
    pub since: Option<String>,
    /// Events before this time.
    pub until: Option<String>,
    /// Leave out reads (`GET`).
    pub hide_reads: bool,
    /// Only SCIM requests: leave out the console's own changes, SAML logins and the changes
    /// group writes caused (logged with the methods [`CONSOLE_METHOD`], [`LOGIN_METHOD`] and
    /// [`GROUP_ROLE_METHOD`]).
    pub scim_only: bool,
    /// The oldest `limit` matching events instead of the newest.
    pub oldest_first: bool,
    /// The newest `limit` events (returned oldest first).
    pub limit: u32,
}

/// The method logged for a change made in the console.
pub const CONSOLE_METHOD: &str = "CONSOLE";
/// The method logged for a first SAML login.
pub const LOGIN_METHOD: &str = "LOGIN";
/// The method logged for a change to a user that a group write caused (a role from a group's
/// name, or the deactivation or deletion of a user left without a role group); the entry's
/// path says the cause, e.g. "role Admin from group BigPanda_acme_BPRole_Admin".
pub const GROUP_ROLE_METHOD: &str = "ROLE";

/// How many entries of the event log match a query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct EventCount {
    pub entries: u64,
    /// The requests they stand for: a folded entry stands for several.
    pub requests: u64,
}

/// Requests and errors in one minute of the event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct MinuteCount {
    /// `YYYY-MM-DDTHH:MM` in UTC.
    pub minute: String,
    pub requests: u64,
    pub errors: u64,
}

/// The deprovisioning guard as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GuardState {
    /// When it started holding; `None` when it does not hold.
    pub tripped_at: Option<String>,
    /// Why it started holding, in words.
    pub reason: Option<String>,
    /// When an admin last released it.
    pub released_at: Option<String>,
}

/// A deactivation or deletion the guard holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct HeldRequest {
    pub resource_id: String,
    pub user_name: Option<String>,
    /// `deactivate` or `delete`.
    #[ts(type = "\"deactivate\" | \"delete\"")]
    pub kind: String,
    pub client: Option<String>,
    pub token_name: Option<String>,
    pub address: Option<String>,
    pub first_at: String,
    pub last_at: String,
    /// How many times the identity provider sent it.
    pub attempts: u64,
    /// When an admin let it through (its next retry is applied).
    pub released_at: Option<String>,
    /// Sent by the console's Okta simulator (see [`NewEvent::simulated`]).
    pub simulated: bool,
}
