//! What the window can ask of the embedded SCIM core, free of Tauri: the commands module only
//! wraps these, and the command tests call them through the mock runtime.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use scim_protocol::filter;
use scim_server::settings::{self, Policy};
use scim_server::{ApiError, Runtime};
use scim_store::{
    ChangeContext, EventLog, EventQuery, EventRecord, HeldRequest, ListQuery, MinuteCount,
    Permission, RoleRecord, SortOrder, StoreError, TokenRecord, UserColumn, UserRecord, UserSource,
};

use crate::embedded::ServerControl;

/// An error as the window shows it: a stable machine `code` and words for a person.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

/// Every code an error reaching the window can carry, spelled one way (snake_case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A value was refused: a setting, a role, a name, a PATCH.
    InvalidValue,
    /// A SCIM filter did not parse.
    InvalidFilter,
    /// Something with that name or userName exists already.
    Conflict,
    NotFound,
    /// Changed by someone else meanwhile.
    Modified,
    Unauthorized,
    Forbidden,
    TooLarge,
    /// Over the rate limit.
    Throttled,
    /// Held by the deprovisioning guard.
    Held,
    /// The embedded server did not start.
    NotStarted,
    /// A server could not be reached.
    Unreachable,
    /// Not offered by the server shown (a foreign SCIM server has no event log or tokens).
    NotOffered,
    /// Something went wrong inside; the message and the log say what.
    Internal,
}

impl ErrorCode {
    /// The code of a SCIM error: from its `scimType` where it has one, else from its status.
    pub fn of_scim(e: &scim_protocol::ScimError) -> Self {
        use scim_protocol::ScimType as T;
        match (e.scim_type, e.status) {
            (Some(T::InvalidFilter), _) => ErrorCode::InvalidFilter,
            (Some(T::Uniqueness), _) | (None, 409) => ErrorCode::Conflict,
            (Some(_), _) | (None, 400) => ErrorCode::InvalidValue,
            (None, 401) => ErrorCode::Unauthorized,
            (None, 403) => ErrorCode::Forbidden,
            (None, 404) => ErrorCode::NotFound,
            (None, 412) => ErrorCode::Modified,
            (None, 413) => ErrorCode::TooLarge,
            (None, 429) => ErrorCode::Throttled,
            (None, 503) => ErrorCode::Held,
            (None, 502) => ErrorCode::Unreachable,
            (None, _) => ErrorCode::Internal,
        }
    }
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        CommandError {
            code,
            message: message.into(),
        }
    }
}

impl From<ApiError> for CommandError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Scim(s) => CommandError::new(ErrorCode::of_scim(&s), s.detail),
            ApiError::Internal(m) => {
                tracing::error!(error = %m, "command failed");
                CommandError::new(
                    ErrorCode::Internal,
                    format!("Something went wrong inside: {m}"),
                )
            }
        }
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        ApiError::from(e).into()
    }
}

pub type CmdResult<T> = Result<T, CommandError>;

/// The running embedded server and what the window needs to reach it.
pub struct Console {
    /// The server the console shows and changes (the embedded core; see [`crate::backend`]).
    pub core: Arc<dyn crate::backend::Backend>,
    /// The embedded server's event log writer; `None` for a server reached over its admin API.
    pub events: Option<EventLog>,
    /// Tells of entries written to the event log (how many).
    pub written: tokio::sync::broadcast::Sender<usize>,
    /// A server reached over its admin API: where, and how its live stream is.
    pub remote: Option<RemoteLink>,
    pub base_url: String,
    pub port: u16,
    pub db: String,
    pub demo: bool,
    /// Secrets of tokens created while the console runs (and the demo token), by token id:
    /// the onboarding shows the one it created, the simulator calls the server with one.
    /// Never written anywhere; only hashes are stored.
    pub secrets: std::sync::Mutex<Vec<(i64, String)>>,
    /// Stops the embedded server; see [`Console::shutdown`].
    pub server: ServerControl,
    /// Tells of changes other processes made to the database (see [`crate::external`]).
    pub external: tokio::sync::broadcast::Sender<()>,
    /// What the real requests in the event log show, kept up to date from the entries written
    /// since it was last asked (see [`crate::evidence`]).
    pub evidence: tokio::sync::Mutex<crate::evidence::Evidence>,
    /// The last check run from the console, for the support bundle.
    pub last_check: std::sync::Mutex<Option<scim_client::check::Report>>,
}

/// A console's link to a server reached over its admin API.
pub struct RemoteLink {
    /// The server's root URL (its SCIM base URL is `…/scim/v2`, its admin API `…/admin/v1`).
    pub root: String,
    /// Its live stream: up or down, and why.
    pub link: tokio::sync::watch::Receiver<crate::remote::LinkState>,
}

impl Console {
    /// Waits until every request the server answered is in its event log (it is written in
    /// batches), so what the console reads next includes them.
    pub async fn flush_log(&self) {
        match &self.events {
            Some(log) => log.flush().await,
            None => self.core.flush_log().await,
        }
    }
}

/// What the window learns about the console when it opens.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AppInfo {
    pub version: String,
    pub base_url: String,
    pub port: u16,
    pub database: String,
    pub demo: bool,
    /// The folder of the daily log files; `None` when none are written.
    pub log_dir: Option<String>,
    /// Why no log files are written (when `log_dir` is `None`).
    pub log_error: Option<String>,
    /// In demo mode, the demo token's secret, so the window can offer a ready `curl` command.
    pub demo_token: Option<String>,
}

/// How long quitting waits for the server to finish its requests, and then for the event log
/// to be written: quitting must never hang on a stuck connection or disk.
pub const SHUTDOWN_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// One row of the users table.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct UserRow {
    pub id: String,
    pub user_name: String,
    pub name: String,
    pub email: Option<String>,
    /// The role the user has in the application (the default role when none was sent).
    pub role: String,
    /// Whether the role came from the identity provider (false: the default role applies).
    pub role_from_idp: bool,
    pub active: bool,
    pub source: UserSource,
    pub last_login: Option<String>,
    pub last_modified: String,
    pub version: i64,
}

pub fn user_row(rt: &Runtime, u: &UserRecord) -> UserRow {
    let d = &u.data;
    let name_obj = d.get("name");
    let formatted = name_obj
        .and_then(|n| n.get("formatted"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let joined = || {
        let part = |k: &str| name_obj.and_then(|n| n.get(k)).and_then(Value::as_str);
        let s = [part("givenName"), part("familyName")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!s.is_empty()).then_some(s)
    };
    // Given and family name first: Okta pushes those and leaves `formatted` as it was.
    let name = joined()
        .or(formatted)
        .or_else(|| {
            d.get("displayName")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let emails = d.get("emails").and_then(Value::as_array);
    let email = emails
        .and_then(|list| {
            list.iter()
                .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
                .or_else(|| list.first())
        })
        .and_then(|e| e.get("value"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    UserRow {
        id: u.id.clone(),
        user_name: u.user_name.clone(),
        name,
        email,
        role: rt.effective_role(u).to_owned(),
        role_from_idp: u.role.is_some(),
        active: u.active,
        source: u.source,
        last_login: u.last_login.clone(),
        last_modified: u.last_modified.clone(),
        version: u.version,
    }
}

#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields)]
pub struct UsersQuery {
    /// Plain words, matched anywhere in userName, name, displayName or email.
    pub text: Option<String>,
    /// A SCIM filter (RFC 7644 §3.4.2.2), combined with `text` when both are given.
    pub filter: Option<String>,
    /// 0-based offset of the first row.
    pub offset: u64,
    pub limit: u64,
    /// The column to sort by (default: the last change).
    pub sort: Option<UserSort>,
    /// Sort descending (default: true for the last change, else false).
    pub descending: Option<bool>,
}

/// The columns of the users table that sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum UserSort {
    UserName,
    /// The given name (the name column shows given and family name).
    Name,
    Email,
    Role,
    Active,
    LastLogin,
    LastModified,
}

/// The attribute names of `schema` a filter may use (`name`, `name.givenName`, …).
fn attribute_names(schema: &scim_protocol::schema::ResourceSchema) -> Vec<String> {
    let mut out = Vec::new();
    let defs = schema
        .core
        .attributes
        .iter()
        .chain(schema.common.iter())
        .chain(
            schema
                .extensions
                .iter()
                .flat_map(|(s, _)| s.attributes.iter()),
        );
    for a in defs {
        out.push(a.name.clone());
        for sub in &a.sub_attributes {
            out.push(format!("{}.{}", a.name, sub.name));
        }
    }
    out
}

/// The attribute paths of a filter this server does not know, each with the closest known
/// name when one is close: the console says "did you mean pantherRole?" instead of quietly
/// matching nobody.
pub fn unknown_attributes(
    f: &filter::Filter,
    schema: &scim_protocol::schema::ResourceSchema,
) -> Vec<(String, Option<String>)> {
    use filter::Filter as F;
    let mut paths = Vec::new();
    fn walk(
        f: &filter::Filter,
        prefix: Option<&scim_protocol::path::AttrPath>,
        out: &mut Vec<scim_protocol::path::AttrPath>,
    ) {
        match f {
            F::Compare { path, .. } | F::Present(path) => out.push(match prefix {
                Some(p) => scim_protocol::path::AttrPath {
                    urn: p.urn.clone(),
                    attr: p.attr.clone(),
                    sub_attr: Some(path.attr.clone()),
                },
                None => path.clone(),
            }),
            F::ValuePath { path, filter } => {
                out.push(path.clone());
                walk(filter, Some(path), out);
            }
            F::And(a, b) | F::Or(a, b) => {
                walk(a, prefix, out);
                walk(b, prefix, out);
            }
            F::Not(a) => walk(a, prefix, out),
        }
    }
    walk(f, None, &mut paths);
    let names = attribute_names(schema);
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for p in paths {
        if schema.resolve_leaf(&p).is_some() {
            continue;
        }
        let text = match &p.sub_attr {
            Some(sub) => format!("{}.{sub}", p.attr),
            None => p.attr.clone(),
        };
        if out.iter().any(|(t, _)| *t == text) {
            continue;
        }
        let best = names
            .iter()
            .map(|n| {
                (
                    strsim::levenshtein(&n.to_lowercase(), &text.to_lowercase()),
                    n,
                )
            })
            .filter(|(d, _)| *d <= 3)
            .min_by_key(|(d, _)| *d)
            .map(|(_, n)| n.clone());
        out.push((text, best));
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct UsersPage {
    pub total: u64,
    pub offset: u64,
    pub rows: Vec<UserRow>,
}

/// Largest number of rows one call returns.
pub const MAX_ROWS: u64 = 1000;

/// The words of a plain-text search as a filter: every word (`and`) must occur (`co`) in the
/// userName, a name part, the display name or an email. Built as a filter tree, never as filter
/// text, so no search text can change the filter's shape.
pub fn text_filter(text: &str) -> Option<filter::Filter> {
    use filter::{CompValue, CompareOp, Filter};
    const SEARCHED: &[&str] = &[
        "userName",
        "name.formatted",
        "name.givenName",
        "name.familyName",
        "displayName",
        "emails.value",
    ];
    let paths: Vec<scim_protocol::path::AttrPath> = SEARCHED
        .iter()
        .filter_map(|p| scim_protocol::path::AttrPath::parse(p).ok())
        .collect();
    text.split_whitespace()
        .filter_map(|word| {
            paths
                .iter()
                .map(|path| Filter::Compare {
                    path: path.clone(),
                    op: CompareOp::Co,
                    value: CompValue::String(word.to_owned()),
                })
                .reduce(|a, b| Filter::Or(Box::new(a), Box::new(b)))
        })
        .reduce(|a, b| Filter::And(Box::new(a), Box::new(b)))
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct UserDetail {
    pub row: UserRow,
    /// The resource exactly as `GET /Users/{id}` returns it.
    #[ts(type = "Record<string, unknown>")]
    pub scim: Value,
    /// The requests that touched this user, oldest first.
    pub events: Vec<EventRecord>,
    /// Whether the identity provider manages this user, so console edits are overwritten.
    pub managed_by_idp: bool,
    /// The groups it is in, in the order it joined them.
    pub groups: Vec<crate::groups::UserGroupRow>,
    /// Where its role comes from.
    pub role_source: crate::groups::RoleSource,
}

#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields)]
pub struct EventsQuery {
    pub after_id: Option<i64>,
    pub before_id: Option<i64>,
    pub errors_only: Option<bool>,
    pub user: Option<String>,
    pub client: Option<String>,
    pub status: Option<u16>,
    /// Only the simulator's requests (`true`) or only real ones (`false`).
    pub simulated: Option<bool>,
    /// Entries at or after this time (RFC 3339).
    pub since: Option<String>,
    /// Entries before this time.
    pub until: Option<String>,
    /// Leave out reads (GET).
    pub hide_reads: Option<bool>,
    pub limit: Option<u32>,
}

/// A page of Activity: the newest entries matching the query (before `before_id`, when
/// given), oldest first, with how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct EventsPage {
    pub rows: Vec<crate::summary::ActivityEntry>,
    /// Entries matching the query's filters, whatever the page.
    pub total: u64,
    /// Whether entries older than the first row match too (and newer than `after_id`, when
    /// the query has one: then more arrived than the page holds).
    pub older: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct TokenView {
    #[serde(flatten)]
    pub token: TokenRecord,
    /// `active`, `expiring` (within 14 days), `expired` or `revoked`.
    #[ts(type = "\"active\" | \"expiring\" | \"expired\" | \"revoked\"")]
    pub state: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct NewTokenView {
    pub token: TokenView,
    /// Shown once; only its hash is kept.
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct RolesView {
    pub roles: Vec<RoleRecord>,
    pub default_role: String,
    pub role_attribute: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SettingsView {
    pub provisioning: Policy,
    pub role_attribute: String,
    pub default_role: String,
    pub public_url: Option<String>,
    /// What Okta would reject in the public URL.
    pub url_warnings: Vec<String>,
    /// The URL to give the identity provider.
    pub tenant_url: String,
    pub local_base_url: String,
    pub port: u16,
    pub database: String,
    pub demo: bool,
    /// Every setting the server knows (`scim_server::settings::KNOWN`), with its value now.
    pub known: Vec<SettingEntry>,
    /// The deprovisioning guard's rule in words, as the settings make it now.
    pub guard_rule: String,
}

/// One setting as the settings screen lists it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SettingEntry {
    pub key: &'static str,
    /// The stored value, or the default when none is stored.
    pub value: String,
    pub default: &'static str,
    /// What it means, in words (from `KNOWN`).
    pub meaning: &'static str,
}

/// The deprovisioning guard as the window shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct GuardView {
    /// Whether the guard watches deactivations and deletions (the `guard` setting).
    pub on: bool,
    /// The rule in words.
    pub rule: String,
    /// Whether it holds deactivations and deletions now.
    pub holding: bool,
    /// Since when it holds.
    pub tripped_at: Option<String>,
    /// Why it started holding, in words.
    pub reason: Option<String>,
    /// When an admin last released it.
    pub released_at: Option<String>,
    /// The oldest [`HELD_SHOWN`] of the held requests.
    pub held: Vec<HeldRequest>,
    /// How many requests are held in all.
    pub total: u64,
}

/// How many held requests the window lists; the total is given beside them.
pub const HELD_SHOWN: u64 = 200;

const EXPIRY_WARNING_DAYS: i64 = 14;
const CONSOLE: &str = "console";

pub fn token_state(t: &TokenRecord, now: &str) -> &'static str {
    if t.revoked.is_some() {
        return "revoked";
    }
    match t.expires.as_deref() {
        Some(e) if e <= now => "expired",
        Some(e) => {
            let soon = scim_store::format_time(
                chrono::Utc::now() + chrono::Duration::days(EXPIRY_WARNING_DAYS),
            );
            if e <= soon.as_str() {
                "expiring"
            } else {
                "active"
            }
        }
        None => "active",
    }
}

impl Console {
    /// Stops the embedded server and waits until it has returned, then until every request
    /// it answered is in the event log (written in batches that linger); [`SHUTDOWN_WAIT`] at
    /// most for each. An answered request is queued for the log before its response is sent,
    /// so the log is written even when a connection keeps the server from stopping in time.
    pub async fn shutdown(&self) {
        self.server.stop();
        let secs = SHUTDOWN_WAIT.as_secs();
        if tokio::time::timeout(SHUTDOWN_WAIT, self.server.stopped())
            .await
            .is_err()
        {
            tracing::warn!("the embedded SCIM server did not stop within {secs} s");
        }
        // A remote server's log is its own to write.
        let Some(log) = &self.events else {
            return;
        };
        if tokio::time::timeout(SHUTDOWN_WAIT, log.flush())
            .await
            .is_err()
        {
            tracing::warn!(
                "the event log was not written within {secs} s; its last requests are lost"
            );
        }
    }

    /// What the window learns when it opens; `logging` is what the app's log setup reported.
    pub fn app_info(&self, version: &str, logging: Option<&crate::logging::Logging>) -> AppInfo {
        AppInfo {
            version: version.to_owned(),
            base_url: self.base_url.clone(),
            port: self.port,
            database: self.db.clone(),
            demo: self.demo,
            log_dir: logging.and_then(|l| l.dir.as_ref().map(|d| d.to_string_lossy().into_owned())),
            log_error: logging.and_then(|l| l.problem.clone()),
            // The demo token is the first secret a demo console holds (see `embedded::start`).
            demo_token: if self.demo {
                self.secrets().first().map(|(_, s)| s.clone())
            } else {
                None
            },
        }
    }

    /// The evidence with every entry written so far folded in (one query for those written
    /// since the last call).
    pub async fn evidence(
        &self,
    ) -> CmdResult<tokio::sync::MutexGuard<'_, crate::evidence::Evidence>> {
        let mut e = self.evidence.lock().await;
        e.catch_up(self.core.read()).await?;
        Ok(e)
    }

    fn secrets(&self) -> std::sync::MutexGuard<'_, Vec<(i64, String)>> {
        // A panic elsewhere while holding it leaves the list itself intact.
        self.secrets.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn remember_secret(&self, token_id: i64, secret: &str) {
        let mut s = self.secrets();
        s.retain(|(id, _)| *id != token_id);
        s.push((token_id, secret.to_owned()));
    }

    pub fn secret_for(&self, token_id: i64) -> Option<String> {
        self.secrets()
            .iter()
            .find(|(id, _)| *id == token_id)
            .map(|(_, v)| v.clone())
    }

    pub fn tenant_url(&self, rt: &Runtime) -> String {
        rt.public_root()
            .map(scim_server::scim_base)
            .unwrap_or_else(|| self.base_url.clone())
    }

    pub async fn list_users(&self, q: UsersQuery) -> CmdResult<UsersPage> {
        let rt = self.core.runtime().await?;
        // Both parsed on their own and joined as trees: the filter text cannot escape the
        // text search's constraint (`a eq 1) or (b eq 2` is just an invalid filter).
        let typed = match q.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => Some(filter::parse(f).map_err(|e| {
                CommandError::new(
                    ErrorCode::InvalidFilter,
                    format!("The filter is not valid: {}", e.detail),
                )
            })?),
            None => None,
        };
        if let Some(f) = &typed {
            let unknown = unknown_attributes(f, &rt.user_schema);
            if !unknown.is_empty() {
                let words: Vec<String> = unknown
                    .iter()
                    .map(|(name, best)| match best {
                        Some(b) => format!("'{name}' (did you mean {b}?)"),
                        None => format!("'{name}'"),
                    })
                    .collect();
                return Err(CommandError::new(
                    ErrorCode::InvalidFilter,
                    format!(
                        "Users have no attribute {}: the filter would match nobody.",
                        words.join(", no attribute ")
                    ),
                ));
            }
        }
        let parsed = match (q.text.as_deref().and_then(text_filter), typed) {
            (Some(t), Some(f)) => Some(filter::Filter::And(Box::new(t), Box::new(f))),
            (t, f) => t.or(f),
        };
        let limit = q.limit.clamp(1, MAX_ROWS);
        let sort = q.sort.unwrap_or(UserSort::LastModified);
        let descending = q.descending.unwrap_or(sort == UserSort::LastModified);
        let attr = match sort {
            UserSort::UserName => Some("userName"),
            UserSort::Name => Some("name.givenName"),
            UserSort::Email => Some("emails.value"),
            UserSort::Role => Some(rt.role_attr.as_str()),
            UserSort::Active => Some("active"),
            UserSort::LastLogin | UserSort::LastModified => None,
        }
        .and_then(|a| scim_protocol::path::AttrPath::parse(a).ok());
        let page = self
            .core
            .read()
            .list_users(&ListQuery {
                schema: &rt.user_schema,
                filter: parsed.as_ref(),
                sort_by: attr.as_ref(),
                sort_column: match sort {
                    UserSort::LastLogin => Some(UserColumn::LastLogin),
                    _ => Some(UserColumn::LastModified),
                },
                sort_order: if descending {
                    SortOrder::Descending
                } else {
                    SortOrder::Ascending
                },
                start_index: q.offset + 1,
                count: limit,
            })
            .await?;
        Ok(UsersPage {
            total: page.total,
            offset: q.offset,
            rows: page.users.iter().map(|u| user_row(&rt, u)).collect(),
        })
    }

    pub async fn user_detail(&self, id: &str) -> CmdResult<UserDetail> {
        let rt = self.core.runtime().await?;
        let user = self.core.get_user(id).await?;
        let events = self
            .core
            .read()
            .list_events(&EventQuery {
                resource_id: Some(id.to_owned()),
                limit: 200,
                ..Default::default()
            })
            .await?;
        let memberships = self.core.read().groups_of_user(id).await?;
        let (groups, role_source) =
            crate::groups::user_groups(&rt, &memberships, user.role.as_deref());
        Ok(UserDetail {
            row: user_row(&rt, &user),
            scim: scim_server::render_user(&rt, &self.tenant_url(&rt), &user, &memberships),
            groups,
            role_source,
            managed_by_idp: user.source != UserSource::Demo
                || events.iter().any(|e| e.event.token_id.is_some()),
            events,
        })
    }

    /// A change made in the console: `active` and/or the role, as one atomic PATCH.
    pub async fn update_user(
        &self,
        id: &str,
        active: Option<bool>,
        role: Option<String>,
    ) -> CmdResult<UserRow> {
        let rt = self.core.runtime().await?;
        let mut ops = Vec::new();
        if let Some(a) = active {
            ops.push(json!({"op": "replace", "path": "active", "value": a}));
        }
        if let Some(r) = role {
            ops.push(json!({"op": "replace", "path": rt.role_attr, "value": r}));
        }
        if ops.is_empty() {
            return Err(CommandError::new(
                ErrorCode::InvalidValue,
                "Nothing to change.",
            ));
        }
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": ops,
        });
        // Refused here with the same words the server would use, before anything is sent.
        scim_protocol::patch::parse(&body).map_err(scim_server::ApiError::from)?;
        let rec = self
            .core
            .patch_user(
                id,
                &body,
                &ChangeContext::audited(
                    CONSOLE,
                    scim_store::CONSOLE_METHOD,
                    &format!("/Users/{id}"),
                ),
            )
            .await?;
        Ok(user_row(&rt, &rec))
    }

    pub(crate) fn event_query(q: &EventsQuery) -> EventQuery {
        // Stored times are UTC with milliseconds (`…T09:00:00.000Z`) and compare as text:
        // any RFC 3339 time (another offset, no fraction) is written that way first.
        let time = |t: &Option<String>| {
            t.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| match chrono::DateTime::parse_from_rfc3339(t) {
                    Ok(d) => scim_store::format_time(d.with_timezone(&chrono::Utc)),
                    Err(_) => t.to_owned(),
                })
        };
        EventQuery {
            after_id: q.after_id,
            before_id: q.before_id,
            errors_only: q.errors_only.unwrap_or(false),
            resource_id: None,
            user: q.user.clone().filter(|s| !s.trim().is_empty()),
            client: q.client.clone().filter(|s| !s.trim().is_empty()),
            status: q.status,
            simulated: q.simulated,
            since: time(&q.since),
            until: time(&q.until),
            hide_reads: q.hide_reads.unwrap_or(false),
            limit: q.limit.unwrap_or(200).clamp(1, 2000),
            ..Default::default()
        }
    }

    pub async fn list_events(&self, q: EventsQuery) -> CmdResult<Vec<EventRecord>> {
        Ok(self.core.read().list_events(&Self::event_query(&q)).await?)
    }

    /// A page of Activity and the number of entries matching its filters.
    pub async fn events_page(&self, q: EventsQuery) -> CmdResult<EventsPage> {
        for t in [&q.since, &q.until].into_iter().flatten() {
            if !t.trim().is_empty() && chrono::DateTime::parse_from_rfc3339(t.trim()).is_err() {
                return Err(CommandError::new(
                    ErrorCode::InvalidValue,
                    format!("'{t}' is not a time; use the form 2026-05-01T09:00:00Z."),
                ));
            }
        }
        let rt = self.core.runtime().await?;
        let query = Self::event_query(&q);
        let rows = self.core.read().list_events(&query).await?;
        let all = EventQuery {
            after_id: None,
            before_id: None,
            ..query.clone()
        };
        let total = self.core.read().count_events(&all).await?.entries;
        let older = match rows.first() {
            Some(first) => {
                self.core
                    .read()
                    // With `after_id` (a live refresh), whether more arrived than the page holds;
                    // without it, whether older entries match.
                    .list_events(&EventQuery {
                        before_id: Some(first.id),
                        limit: 1,
                        ..query
                    })
                    .await?
                    .len()
                    == 1
            }
            None => false,
        };
        Ok(EventsPage {
            rows: rows
                .into_iter()
                .map(|e| crate::summary::entry(e, &rt.role_attr))
                .collect(),
            total,
            older,
        })
    }

    /// One entry with the bodies of its request and answer.
    pub async fn event_detail(&self, id: i64) -> CmdResult<crate::summary::ActivityEntry> {
        let rt = self.core.runtime().await?;
        let e = self.core.read().get_event(id).await?.ok_or_else(|| {
            CommandError::new(
                ErrorCode::NotFound,
                format!("The entry {id} is no longer in the log (older entries are removed as the log reaches its limits)."),
            )
        })?;
        Ok(crate::summary::entry(e, &rt.role_attr))
    }

    pub async fn events_per_minute(&self, minutes: u32) -> CmdResult<Vec<MinuteCount>> {
        let since =
            chrono::Utc::now() - chrono::Duration::minutes(i64::from(minutes.clamp(1, 1440)));
        Ok(self
            .core
            .read()
            .events_per_minute(&scim_store::format_time(since))
            .await?)
    }

    pub async fn list_tokens(&self) -> CmdResult<Vec<TokenView>> {
        let now = scim_store::now();
        Ok(self
            .core
            .read()
            .list_tokens()
            .await?
            .into_iter()
            .map(|t| TokenView {
                state: token_state(&t, &now),
                token: t,
            })
            .collect())
    }

    pub async fn create_token(
        &self,
        name: &str,
        permission: &str,
        expires_in_days: Option<u32>,
    ) -> CmdResult<NewTokenView> {
        let permission = Permission::parse(permission)
            .filter(|p| *p != Permission::Admin)
            .ok_or_else(|| {
                CommandError::new(
                    ErrorCode::InvalidValue,
                    format!("'{permission}' is not a permission; choose UserModify or UserRead"),
                )
            })?;
        let (token, secret) = self
            .core
            .create_token(name, permission, expires_in_days)
            .await?;
        self.remember_secret(token.id, &secret);
        Ok(NewTokenView {
            token: TokenView {
                state: token_state(&token, &scim_store::now()),
                token,
            },
            secret,
        })
    }

    pub async fn revoke_token(&self, name: &str) -> CmdResult<TokenView> {
        let t = self.core.revoke_token(name).await?;
        Ok(TokenView {
            state: "revoked",
            token: t,
        })
    }

    pub async fn roles(&self) -> CmdResult<RolesView> {
        let rt = self.core.runtime().await?;
        Ok(RolesView {
            roles: self.core.read().list_roles().await?,
            default_role: rt.default_role.clone(),
            role_attribute: rt.role_attr.clone(),
        })
    }

    pub async fn add_role(&self, name: &str) -> CmdResult<RolesView> {
        self.core.add_role(name).await?;
        self.roles().await
    }

    pub async fn remove_role(&self, name: &str) -> CmdResult<RolesView> {
        self.core.remove_role(name).await?;
        self.roles().await
    }

    pub async fn settings(&self) -> CmdResult<SettingsView> {
        let rt = self.core.runtime().await?;
        let public_url = rt.public_root().map(str::to_owned);
        let stored = self.core.read().settings().await?;
        Ok(SettingsView {
            provisioning: rt.policy,
            role_attribute: rt.role_attr.clone(),
            default_role: rt.default_role.clone(),
            url_warnings: public_url
                .as_deref()
                .map(settings::url_warnings)
                .unwrap_or_default(),
            tenant_url: self.tenant_url(&rt),
            public_url,
            local_base_url: self.base_url.clone(),
            port: self.port,
            database: self.db.clone(),
            demo: self.demo,
            known: settings::KNOWN
                .iter()
                .map(|&(key, default, meaning)| SettingEntry {
                    key,
                    value: stored
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_else(|| default.to_owned()),
                    default,
                    meaning,
                })
                .collect(),
            guard_rule: rt.guard.describe(),
        })
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> CmdResult<SettingsView> {
        self.core.set_setting(key, value).await?;
        self.settings().await
    }

    pub async fn guard_status(&self) -> CmdResult<GuardView> {
        let rt = self.core.runtime().await?;
        let state = self.core.read().guard_state().await?;
        let (held, total) = self.core.read().held_requests(HELD_SHOWN).await?;
        Ok(GuardView {
            on: rt.guard.on,
            rule: rt.guard.describe(),
            holding: state.tripped_at.is_some(),
            tripped_at: state.tripped_at,
            reason: state.reason,
            released_at: state.released_at,
            held,
            total,
        })
    }

    /// Stops holding: every held request goes through on its next attempt, and the guard
    /// counts afresh. Returns how many were held.
    pub async fn guard_release(&self) -> CmdResult<u64> {
        let released = self.core.release_guard().await?;
        tracing::info!(released, "deprovisioning guard released from the console");
        Ok(released)
    }
}
