//! A SCIM Console server deployed elsewhere, reached over its admin API (`/admin/v1`) with an
//! admin token: it reads through [`StoreRead`] and changes through [`Backend`] like the
//! embedded core, so every view of the console works on it unchanged. Its event log arrives
//! over `GET /admin/v1/stream`; a dropped stream is resumed with `Last-Event-ID` (nothing lost,
//! nothing twice), and a server that pruned what the console had not seen says so (`reset`):
//! the console then reads everything afresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use reqwest::header::ACCEPT;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::{broadcast, watch};

use scim_client::admin::{AdminClient, AdminError};
use scim_server::admin::UserSearch;
use scim_server::{ApiError, Runtime};
use scim_store::{
    ChangeContext, ChangeEvent, EventCount, EventQuery, EventRecord, GroupMember, GroupPage,
    GroupRecord, GuardState, HeldRequest, ListQuery, MinuteCount, Permission, RoleRecord,
    StoreError, StoreRead, TokenRecord, UserCounts, UserGroup, UserPage, UserRecord,
};

use crate::backend::Backend;
use crate::console::{CmdResult, CommandError, Console, ErrorCode, RemoteLink};
use crate::embedded::ServerControl;

type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How long the configuration read from the server is trusted before it is asked again.
const CONFIG_FRESH: Duration = Duration::from_secs(2);
/// Waits between attempts to reconnect the stream: doubled each time up to the last.
const RECONNECT: [u64; 5] = [250, 500, 1_000, 2_000, 5_000];

/// The state of the live stream, as the sidebar shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct LinkState {
    /// Receiving the server's live stream now.
    pub live: bool,
    /// The last entry of the server's log received.
    pub last_event_id: Option<i64>,
    /// Why the stream is down, in plain words, while it is.
    pub error: Option<String>,
    /// How many times the stream was re-established after a drop.
    pub reconnects: u64,
}

pub use scim_client::admin::server_root;

/// A SCIM Console server reached over its admin API.
pub struct RemoteServer {
    admin: AdminClient,
    changes: broadcast::Sender<ChangeEvent>,
    config: Mutex<Option<(Instant, Arc<Runtime>)>>,
    marker: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for RemoteServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteServer")
            .field("admin", &self.admin)
            .finish()
    }
}

/// What `GET /admin/v1/status` answers.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct RemoteStatus {
    pub version: String,
    pub base_url: String,
    pub last_event_id: i64,
    pub config_generation: i64,
}

impl RemoteServer {
    /// A client for the server at `url` (its root, SCIM base URL or admin API URL) with an
    /// admin token.
    pub fn new(url: &str, token: &str) -> std::result::Result<Self, String> {
        Ok(RemoteServer {
            admin: AdminClient::new(url, token)?,
            changes: broadcast::channel(16).0,
            config: Mutex::new(None),
            marker: Default::default(),
        })
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.admin.request(method, path)
    }

    async fn send<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<T> {
        self.admin.send(req).await.map_err(store_error)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.admin.get(path).await.map_err(store_error)
    }

    async fn post<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<T> {
        self.admin.post(path, body).await.map_err(store_error)
    }

    /// The server's version, SCIM base URL and log's end; fails in plain words when it cannot
    /// be reached or refuses the token.
    pub async fn status(&self) -> Result<RemoteStatus> {
        self.get("/status").await
    }

    /// Reads the stream of the server's event log after `after` (its newest entry when
    /// `None`), telling `on` each entry, until the stream ends or `stop` is set.
    async fn follow(
        &self,
        after: Option<i64>,
        on: &mut (dyn FnMut(StreamItem) + Send),
        stop: &mut watch::Receiver<bool>,
    ) -> std::result::Result<(), String> {
        let mut req = self
            .admin
            .request(Method::GET, "/stream")
            .header(ACCEPT, "text/event-stream")
            // The stream stays open: no overall timeout (keep-alives come every 15 s).
            .timeout(Duration::from_secs(365 * 24 * 3600));
        if let Some(n) = after {
            req = req.header("Last-Event-ID", n.to_string());
        }
        let resp = req.send().await.map_err(|e| scim_client::why_unsent(&e))?;
        if !resp.status().is_success() {
            let status = resp.status();
            let body = self.admin.body(resp).await.unwrap_or_default();
            return Err(self.admin.error_of(status, &body).to_string());
        }
        on(StreamItem::Open);
        let mut events = eventsource_stream::EventStream::new(resp.bytes_stream());
        loop {
            let next = tokio::select! {
                n = tokio::time::timeout(Duration::from_secs(45), events.next()) => n,
                _ = stop.wait_for(|s| *s) => return Ok(()),
            };
            match next {
                Err(_) => return Err("no keep-alive from the server for 45 seconds".to_owned()),
                Ok(None) => return Err("the server closed the stream".to_owned()),
                Ok(Some(Err(e))) => return Err(e.to_string()),
                Ok(Some(Ok(ev))) => match ev.event.as_str() {
                    "entry" => match serde_json::from_str::<EventRecord>(&ev.data) {
                        Ok(e) => on(StreamItem::Entry(Box::new(e))),
                        Err(e) => tracing::warn!(error = %e, "an entry of the stream did not read"),
                    },
                    "hello" => {
                        let id = serde_json::from_str::<Value>(&ev.data)
                            .ok()
                            .and_then(|v| v.get("last_event_id")?.as_i64());
                        on(StreamItem::Hello(id));
                    }
                    "reset" => on(StreamItem::Reset),
                    _ => {}
                },
            }
        }
    }
}

/// An admin API error as the store's: a SCIM Error stays one (with its status and type).
fn store_error(e: AdminError) -> StoreError {
    match e {
        AdminError::Unreachable(m) => StoreError::Unreachable(m),
        AdminError::Refused {
            status,
            scim_type: t,
            detail,
        } => StoreError::Scim(scim_protocol::ScimError::new(
            status,
            t.as_deref().and_then(scim_type),
            detail,
        )),
    }
}

fn scim_type(s: &str) -> Option<scim_protocol::ScimType> {
    use scim_protocol::ScimType as T;
    [
        T::InvalidFilter,
        T::TooMany,
        T::Uniqueness,
        T::Mutability,
        T::InvalidSyntax,
        T::InvalidPath,
        T::NoTarget,
        T::InvalidValue,
        T::InvalidVers,
        T::Sensitive,
    ]
    .into_iter()
    .find(|t| t.as_str() == s)
}

/// What the stream told.
enum StreamItem {
    Open,
    Hello(Option<i64>),
    Entry(Box<EventRecord>),
    Reset,
}

/// Follows the server's stream until `stop`: every entry moves `written` (and `external` when
/// it changed a user or group, so the views reload them), a dropped stream is resumed after
/// the last entry received, and `link` says how it goes.
pub(crate) fn follow(
    server: Arc<RemoteServer>,
    written: broadcast::Sender<usize>,
    external: broadcast::Sender<()>,
    link: watch::Sender<LinkState>,
    mut stop: watch::Receiver<bool>,
    start: i64,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // From where the console's first read left off: nothing written since is missed, even
        // when the first connection fails.
        let mut last: Option<i64> = Some(start);
        let mut failures = 0usize;
        let mut opened = 0u64;
        loop {
            let after = last;
            let mut on = |item: StreamItem| match item {
                StreamItem::Open => {
                    if opened > 0 {
                        // Whatever was missed while down comes from Last-Event-ID; the views
                        // reload once anyway, as after any gap.
                        let _ = external.send(());
                    }
                    opened += 1;
                    link.send_modify(|l| {
                        l.live = true;
                        l.error = None;
                        l.reconnects = opened - 1;
                    });
                }
                StreamItem::Hello(id) => {
                    // A server that answers: the waits between attempts start over (one that
                    // accepts and drops at once is not asked again at once).
                    failures = 0;
                    last = id.or(last);
                    link.send_modify(|l| l.last_event_id = last);
                }
                StreamItem::Entry(e) => {
                    failures = 0;
                    last = Some(e.id);
                    link.send_modify(|l| l.last_event_id = last);
                    server
                        .marker
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if e.event.method != "GET" && e.event.status < 400 {
                        let _ = external.send(());
                    }
                    let _ = written.send(1);
                }
                StreamItem::Reset => {
                    let _ = external.send(());
                }
            };
            let ended = server.follow(after, &mut on, &mut stop).await;
            if *stop.borrow() {
                return;
            }
            let why = match ended {
                Ok(()) => return,
                Err(why) => why,
            };
            tracing::warn!(error = %why, "the server's live stream dropped; reconnecting");
            link.send_modify(|l| {
                l.live = false;
                l.error = Some(why);
            });
            let wait = RECONNECT[failures.min(RECONNECT.len() - 1)];
            failures += 1;
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(wait)) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    })
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[derive(serde::Deserialize)]
struct Users {
    total: u64,
    users: Vec<UserRecord>,
}

#[derive(serde::Deserialize)]
struct Groups {
    total: u64,
    groups: Vec<GroupRecord>,
}

fn search(q: &ListQuery<'_>) -> UserSearch {
    UserSearch {
        filter: q.filter.map(|f| f.to_string()),
        sort_by: q.sort_by.map(|p| p.to_string()),
        sort_column: q.sort_column,
        sort_order: q.sort_order,
        start_index: q.start_index,
        count: q.count,
    }
}

fn eq_filter(attr: &str, value: &str) -> String {
    format!("{attr} eq {}", Value::String(value.to_owned()))
}

#[async_trait]
impl StoreRead for RemoteServer {
    async fn get_user(&self, id: &str) -> Result<Option<UserRecord>> {
        absent_is_none(self.get(&format!("/users/{}", enc(id))).await)
    }
    async fn find_user_by_user_name(&self, user_name: &str) -> Result<Option<UserRecord>> {
        let page: Users = self
            .post(
                "/users/.search",
                &json!({"filter": eq_filter("userName", user_name), "count": 1}),
            )
            .await?;
        Ok(page.users.into_iter().next())
    }
    async fn list_users(&self, query: &ListQuery<'_>) -> Result<UserPage> {
        let page: Users = self.post("/users/.search", &search(query)).await?;
        Ok(UserPage {
            total: page.total,
            users: page.users,
        })
    }
    async fn count_users(&self) -> Result<UserCounts> {
        self.get("/users/counts").await
    }
    async fn never_logged_in(&self, limit: u64) -> Result<Vec<UserRecord>> {
        self.get(&format!("/users/never-logged-in?limit={limit}"))
            .await
    }
    async fn get_group(&self, id: &str) -> Result<Option<GroupRecord>> {
        absent_is_none(self.get(&format!("/groups/{}", enc(id))).await)
    }
    async fn find_group_by_display_name(&self, name: &str) -> Result<Option<GroupRecord>> {
        let page: Groups = self
            .post(
                "/groups/.search",
                &json!({"filter": eq_filter("displayName", name), "count": 1}),
            )
            .await?;
        Ok(page.groups.into_iter().next())
    }
    async fn list_groups(&self, offset: u64, limit: u64) -> Result<(Vec<GroupRecord>, u64)> {
        let page: Groups = self
            .post(
                "/groups/.search",
                &json!({"start_index": offset + 1, "count": limit}),
            )
            .await?;
        Ok((page.groups, page.total))
    }
    async fn search_groups(&self, query: &ListQuery<'_>) -> Result<GroupPage> {
        let page: Groups = self.post("/groups/.search", &search(query)).await?;
        Ok(GroupPage {
            total: page.total,
            groups: page.groups,
        })
    }
    async fn group_members(&self, id: &str, offset: u64, limit: u64) -> Result<Vec<GroupMember>> {
        self.get(&format!(
            "/groups/{}/members?offset={offset}&limit={limit}",
            enc(id)
        ))
        .await
    }
    async fn group_member_users(
        &self,
        id: &str,
        text: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<UserRecord>, u64)> {
        let mut path = format!(
            "/groups/{}/member-users?offset={offset}&limit={limit}",
            enc(id)
        );
        if let Some(t) = text {
            path.push_str(&format!("&text={}", enc(t)));
        }
        let page: Users = self.get(&path).await?;
        Ok((page.users, page.total))
    }
    async fn groups_of_user(&self, user_id: &str) -> Result<Vec<UserGroup>> {
        self.get(&format!("/users/{}/groups", enc(user_id))).await
    }
    async fn groups_of_users(
        &self,
        user_ids: &[String],
    ) -> Result<HashMap<String, Vec<UserGroup>>> {
        let mut all = HashMap::new();
        for chunk in user_ids.chunks(1000) {
            let part: HashMap<String, Vec<UserGroup>> =
                self.post("/users/groups", &json!({"ids": chunk})).await?;
            all.extend(part);
        }
        Ok(all)
    }
    async fn list_tokens(&self) -> Result<Vec<TokenRecord>> {
        self.get("/tokens").await
    }
    async fn authenticate(&self, _hash: &str) -> Result<(Option<TokenRecord>, i64)> {
        Err(StoreError::Invalid(
            "a console does not authenticate a remote server's clients".to_owned(),
        ))
    }
    async fn list_roles(&self) -> Result<Vec<RoleRecord>> {
        #[derive(serde::Deserialize)]
        struct Roles {
            roles: Vec<RoleRecord>,
        }
        Ok(self.get::<Roles>("/roles").await?.roles)
    }
    async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .settings()
            .await?
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v))
    }
    async fn settings(&self) -> Result<Vec<(String, String)>> {
        #[derive(serde::Deserialize)]
        struct Setting {
            key: String,
            value: String,
        }
        let all: Vec<Setting> = self.get("/settings").await?;
        Ok(all.into_iter().map(|s| (s.key, s.value)).collect())
    }
    async fn console_state(&self, key: &str) -> Result<Option<String>> {
        #[derive(serde::Deserialize)]
        struct State {
            value: Option<String>,
        }
        Ok(self
            .get::<State>(&format!("/console-state/{}", enc(key)))
            .await?
            .value)
    }
    async fn config_generation(&self) -> Result<i64> {
        #[derive(serde::Deserialize)]
        struct Generation {
            generation: i64,
        }
        Ok(self
            .get::<Generation>("/settings/generation")
            .await?
            .generation)
    }
    async fn list_events(&self, query: &EventQuery) -> Result<Vec<EventRecord>> {
        self.post("/events/.search", query).await
    }
    async fn get_event(&self, id: i64) -> Result<Option<EventRecord>> {
        absent_is_none(self.get(&format!("/events/{id}")).await)
    }
    async fn count_events(&self, query: &EventQuery) -> Result<EventCount> {
        self.post("/events/.count", query).await
    }
    async fn events_per_minute(&self, since: &str) -> Result<Vec<MinuteCount>> {
        self.get(&format!("/events/per-minute?since={}", enc(since)))
            .await
    }
    async fn count_deprovisions(&self, since: &str) -> Result<u64> {
        #[derive(serde::Deserialize)]
        struct N {
            deprovisions: u64,
        }
        Ok(self
            .get::<N>(&format!("/guard/deprovisions?since={}", enc(since)))
            .await?
            .deprovisions)
    }
    async fn guard_state(&self) -> Result<GuardState> {
        Ok(self.get::<Guard>("/guard").await?.state)
    }
    async fn held_requests(&self, limit: u64) -> Result<(Vec<HeldRequest>, u64)> {
        let g: Guard = self.get("/guard").await?;
        let mut held = g.held;
        held.truncate(limit as usize);
        Ok((held, g.held_total))
    }
    fn config_stamp(&self) -> u128 {
        self.marker.load(std::sync::atomic::Ordering::Relaxed) as u128
    }
    fn change_marker(&self) -> u128 {
        self.marker.load(std::sync::atomic::Ordering::Relaxed) as u128
    }
    fn subscribe(&self) -> broadcast::Receiver<ChangeEvent> {
        // The server's changes arrive as its log's entries (see [`follow`]).
        self.changes.subscribe()
    }
}

#[derive(serde::Deserialize)]
struct Guard {
    state: GuardState,
    held: Vec<HeldRequest>,
    held_total: u64,
}

/// A 404 for one resource is its absence.
fn absent_is_none<T>(r: Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(StoreError::Scim(e)) if e.status == 404 => Ok(None),
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize)]
struct NewToken {
    token: TokenRecord,
    secret: String,
}

#[async_trait]
impl Backend for RemoteServer {
    fn read(&self) -> &dyn StoreRead {
        self
    }
    async fn runtime(&self) -> Result<Arc<Runtime>, ApiError> {
        {
            let cached = self.config.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, rt)) = cached.as_ref() {
                if at.elapsed() < CONFIG_FRESH {
                    return Ok(rt.clone());
                }
            }
        }
        let generation = self.config_generation().await?;
        let current = self
            .config
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|(_, rt)| rt.clone())
            .filter(|rt| rt.generation == generation);
        let rt = match current {
            Some(rt) => rt,
            None => Arc::new(scim_server::core::load_runtime(self, generation).await?),
        };
        *self.config.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), rt.clone()));
        Ok(rt)
    }
    async fn get_user(&self, id: &str) -> Result<UserRecord, ApiError> {
        StoreRead::get_user(self, id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no user has the id '{id}'")))
    }
    async fn patch_user(
        &self,
        id: &str,
        body: &Value,
        _ctx: &ChangeContext,
    ) -> Result<UserRecord, ApiError> {
        // The server logs it as the console's change, naming the admin token.
        Ok(self
            .send(
                self.request(Method::PATCH, &format!("/users/{}", enc(id)))
                    .json(body),
            )
            .await?)
    }
    async fn jit_login(
        &self,
        email: &str,
        given_name: &str,
        family_name: &str,
        role: Option<&str>,
        ctx: &ChangeContext,
    ) -> Result<UserRecord, ApiError> {
        let simulated = ctx.request.as_ref().is_some_and(|r| r.event.simulated);
        Ok(self
            .post(
                "/users/jit-login",
                &json!({
                    "email": email,
                    "given_name": given_name,
                    "family_name": family_name,
                    "role": role,
                    "actor": ctx.actor,
                    "simulated": simulated,
                }),
            )
            .await?)
    }
    async fn create_token(
        &self,
        name: &str,
        permission: Permission,
        expires_in_days: Option<u32>,
    ) -> Result<(TokenRecord, String), ApiError> {
        let t: NewToken = self
            .post(
                "/tokens",
                &json!({"name": name, "permission": permission, "expires_in_days": expires_in_days}),
            )
            .await?;
        Ok((t.token, t.secret))
    }
    async fn create_simulator_token(&self) -> Result<(TokenRecord, String), ApiError> {
        let t: NewToken = self
            .post("/tokens", &json!({"name": "", "simulator": true}))
            .await?;
        Ok((t.token, t.secret))
    }
    async fn revoke_token(&self, name: &str) -> Result<TokenRecord, ApiError> {
        Ok(self
            .send(self.request(Method::DELETE, &format!("/tokens/{}", enc(name))))
            .await?)
    }
    async fn add_role(&self, name: &str) -> Result<RoleRecord, ApiError> {
        let r = self.post("/roles", &json!({"name": name})).await?;
        self.forget_config();
        Ok(r)
    }
    async fn remove_role(&self, name: &str) -> Result<(), ApiError> {
        let _: Option<Value> = self
            .send(self.request(Method::DELETE, &format!("/roles/{}", enc(name))))
            .await?;
        self.forget_config();
        Ok(())
    }
    async fn set_setting(&self, key: &str, value: &str) -> Result<String, ApiError> {
        #[derive(serde::Deserialize)]
        struct Stored {
            value: String,
        }
        let s: Stored = self
            .send(
                self.request(Method::PUT, &format!("/settings/{}", enc(key)))
                    .json(&json!({"value": value})),
            )
            .await?;
        self.forget_config();
        Ok(s.value)
    }
    async fn release_guard(&self) -> Result<u64, ApiError> {
        #[derive(serde::Deserialize)]
        struct Released {
            released: u64,
        }
        Ok(self
            .post::<Released>("/guard/release", &json!({}))
            .await?
            .released)
    }
    async fn set_console_state(&self, key: &str, value: &str) -> Result<(), ApiError> {
        let _: Option<Value> = self
            .send(
                self.request(Method::PUT, &format!("/console-state/{}", enc(key)))
                    .json(&json!({"value": value})),
            )
            .await?;
        Ok(())
    }
    async fn flush_log(&self) {
        let r: Result<Option<Value>> = self.post("/events/flush", &json!({})).await;
        if let Err(e) = r {
            tracing::warn!(error = %e, "could not ask the server to write its event log");
        }
    }
}

impl RemoteServer {
    /// After a change of roles or settings the next read asks the server again.
    fn forget_config(&self) {
        *self.config.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// A console on the SCIM Console server at `url` (its root, SCIM base URL or admin API URL),
/// with an admin token: checked first (reachable, the token accepted), then followed live.
pub async fn connect(url: &str, token: &str) -> CmdResult<Arc<Console>> {
    let root = server_root(url).map_err(|m| CommandError::new(ErrorCode::InvalidValue, m))?;
    let server = Arc::new(
        RemoteServer::new(&root, token)
            .map_err(|m| CommandError::new(ErrorCode::InvalidValue, m))?,
    );
    let status = server.status().await.map_err(|e| refused(&root, e))?;
    let (control, stop, stopped) = ServerControl::new();
    let (link_tx, link) = watch::channel(LinkState {
        live: false,
        last_event_id: Some(status.last_event_id),
        error: None,
        reconnects: 0,
    });
    let written = broadcast::channel(64).0;
    let external = broadcast::channel(16).0;
    let task = follow(
        server.clone(),
        written.clone(),
        external.clone(),
        link_tx,
        stop,
        status.last_event_id,
    );
    // The control says "stopped" once the stream's task has ended.
    tokio::spawn(async move {
        let _ = task.await;
        stopped.send_replace(true);
    });
    let port = reqwest::Url::parse(&status.base_url)
        .ok()
        .and_then(|u| u.port_or_known_default())
        .unwrap_or(0);
    tracing::info!(server = %root, version = %status.version, "connected to a SCIM Console server");
    Ok(Arc::new(Console {
        core: server,
        events: None,
        written,
        remote: Some(RemoteLink {
            root: root.clone(),
            link,
        }),
        base_url: status.base_url,
        port,
        db: format!("{root}/admin/v1"),
        demo: false,
        secrets: Default::default(),
        server: control,
        external,
        evidence: Default::default(),
        last_check: Default::default(),
    }))
}

/// Why a server could not be used, in words that say what to do.
fn refused(root: &str, e: StoreError) -> CommandError {
    match e {
        StoreError::Scim(s) if s.status == 401 => {
            // A SCIM token where an admin token belongs is the usual mistake; a revoked or
            // expired admin token needs a new one.
            let hint = if s.detail.contains("admin tokens only") {
                "Use an admin token (`scim-console admin-token create --name <name>` on the \
                 server), not a SCIM token."
            } else {
                "Create a new admin token on the server (`scim-console admin-token create \
                 --name <name>`)."
            };
            CommandError::new(
                ErrorCode::Unauthorized,
                format!("{root} refused the token: {}. {hint}", s.detail),
            )
        }
        StoreError::Unreachable(m) => CommandError::new(ErrorCode::Unreachable, m),
        other => CommandError::from(other),
    }
}
