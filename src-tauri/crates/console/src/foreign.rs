//! A foreign SCIM server (a vendor's Tenant URL, any SCIM 2.0 endpoint) read through SCIM
//! alone: every user and group imported page by page with progress, read again on an interval
//! (or at once, on *Refresh now*), and what changed between the last two reads kept so the
//! window can highlight it. Nothing is written to the server.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::{broadcast, watch, Mutex, Notify};

use scim_client::import::{self, Change, ChangeKind, Progress, Snapshot};
use scim_client::ScimClient;

use crate::console::{CmdResult, CommandError, ErrorCode};

/// How often a foreign server is read again unless its profile says otherwise.
pub const DEFAULT_POLL: Duration = Duration::from_secs(60);
/// Resources asked for per page.
const PAGE: u64 = 200;
/// Rows one view carries at most.
pub const MAX_ROWS: usize = 1000;

/// A user as the foreign view lists it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ForeignUser {
    pub id: String,
    pub user_name: String,
    pub name: String,
    pub email: Option<String>,
    /// `None` when the server does not say.
    pub active: Option<bool>,
    /// Added or changed by the last read (nothing for the first read).
    pub change: Option<ChangeKind>,
    /// The attributes the last read changed.
    pub changed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ForeignGroup {
    pub id: String,
    pub display_name: String,
    pub members: u64,
    pub change: Option<ChangeKind>,
    pub changed: Vec<String>,
}

/// What the foreign-server view shows.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ForeignView {
    pub name: String,
    pub url: String,
    pub interval_seconds: u64,
    /// When the last complete read ended.
    pub polled_at: Option<String>,
    /// When the next one starts.
    pub next_poll_at: Option<String>,
    /// A read under way, and how far it has come.
    pub progress: Option<Progress>,
    /// Why the last read failed, in plain words.
    pub error: Option<String>,
    pub total_users: u64,
    pub total_groups: u64,
    pub groups_offered: bool,
    /// Users matching the search (changed ones first), at most [`MAX_ROWS`].
    pub users: Vec<ForeignUser>,
    pub groups: Vec<ForeignGroup>,
    /// Users and groups the last read no longer found (at most [`MAX_ROWS`]).
    pub removed: Vec<Change>,
    /// How many the last read no longer found in all.
    pub removed_total: u64,
    /// How many reads completed since the connection was opened.
    pub reads: u64,
}

#[derive(Default)]
struct State {
    snapshot: Option<Snapshot>,
    changes: Vec<Change>,
    polled_at: Option<String>,
    next_poll_at: Option<String>,
    error: Option<String>,
    reads: u64,
}

/// A foreign server being read.
pub struct Foreign {
    pub name: String,
    pub url: String,
    pub client: ScimClient,
    /// Sent by checks; never shown or written.
    token: String,
    /// Checks may create and remove test users and groups.
    pub allow_writes: bool,
    pub interval: Duration,
    state: Mutex<State>,
    progress: watch::Sender<Option<Progress>>,
    /// Told after each read (and each page of one): the window refreshes.
    pub updated: broadcast::Sender<()>,
    refresh: Arc<Notify>,
    stop: watch::Sender<bool>,
}

impl Drop for Foreign {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// The agent a foreign server sees.
const AGENT: &str = concat!("SCIM Console/", env!("CARGO_PKG_VERSION"));

impl Foreign {
    /// Checks that `url` answers SCIM with `token` (one page of one user), then starts reading
    /// it every `interval`.
    pub async fn open(
        name: &str,
        url: &str,
        token: &str,
        interval: Duration,
        allow_writes: bool,
    ) -> CmdResult<Arc<Foreign>> {
        let client = ScimClient::new(url, token, AGENT)
            .map_err(|e| CommandError::new(ErrorCode::InvalidValue, e.to_string()))?;
        let x = client
            .send(reqwest::Method::GET, "/Users?startIndex=1&count=1", None)
            .await
            .map_err(|e| CommandError::new(ErrorCode::Unreachable, scim_client::why_unsent(&e)))?;
        if !x.ok() {
            let code = match x.status {
                401 => ErrorCode::Unauthorized,
                403 => ErrorCode::Forbidden,
                _ => ErrorCode::Unreachable,
            };
            return Err(CommandError::new(
                code,
                format!(
                    "{url} answered GET /Users with {}: {}",
                    x.status,
                    x.error_detail()
                        .unwrap_or("no reason given (is this its SCIM base URL?)")
                ),
            ));
        }
        let f = Arc::new(Foreign {
            name: name.to_owned(),
            url: url.trim().to_owned(),
            client,
            token: token.trim().to_owned(),
            allow_writes,
            interval,
            state: Mutex::new(State::default()),
            progress: watch::channel(None).0,
            updated: broadcast::channel(16).0,
            refresh: Arc::new(Notify::new()),
            stop: watch::channel(false).0,
        });
        tokio::spawn(poll(Arc::downgrade(&f), f.stop.subscribe()));
        Ok(f)
    }

    /// Runs the checks of `profile` against the server with its own token: read-only unless
    /// its connection allows writes.
    pub async fn check(
        &self,
        profile: scim_client::check::Profile,
        allow_writes: bool,
    ) -> CmdResult<scim_client::check::Report> {
        if allow_writes && !self.allow_writes {
            return Err(CommandError::new(
                ErrorCode::Forbidden,
                format!(
                    "'{}' is read-only: add it again with writes allowed to let checks create \
                     and remove test users.",
                    self.name
                ),
            ));
        }
        let checker = scim_client::check::Checker::new(
            &self.url,
            &self.token,
            profile.user_agent(),
            profile,
            allow_writes,
        )
        .map_err(|e| CommandError::new(ErrorCode::InvalidValue, e.to_string()))?;
        Ok(checker.run().await)
    }

    /// Stops reading the server (also a read under way).
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Reads the server again now.
    pub fn refresh_now(&self) {
        self.refresh.notify_one();
    }

    /// One complete read: the snapshot and what changed since the previous one.
    async fn read(&self) {
        let progress = self.progress.clone();
        let updated = self.updated.clone();
        let result = import::import(&self.client, PAGE, |p| {
            progress.send_replace(Some(p));
            let _ = updated.send(());
        })
        .await;
        self.progress.send_replace(None);
        let mut s = self.state.lock().await;
        match result {
            Ok(snap) => {
                s.changes = match &s.snapshot {
                    Some(old) => import::diff(old, &snap),
                    None => Vec::new(),
                };
                s.polled_at = Some(snap.at.clone());
                s.snapshot = Some(snap);
                s.error = None;
                s.reads += 1;
            }
            Err(e) => {
                s.error = Some(match e {
                    import::ImportError::Send(c) => scim_client::why_unsent(&c),
                    other => other.to_string(),
                });
            }
        }
        s.next_poll_at = Some(scim_store::format_time(
            chrono::Utc::now() + chrono::Duration::from_std(self.interval).unwrap_or_default(),
        ));
        drop(s);
        let _ = self.updated.send(());
    }

    /// The view: users whose userName, name or email contains `text`, changed ones first.
    pub async fn view(&self, text: Option<&str>) -> ForeignView {
        let s = self.state.lock().await;
        let needle = text
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_lowercase);
        let changed: HashMap<(&str, &str), &Change> = s
            .changes
            .iter()
            .map(|c| ((c.resource.as_str(), c.id.as_str()), c))
            .collect();
        let mark = |kind: &'static str, id: &str| {
            changed
                .get(&(kind, id))
                .map(|c| (Some(c.kind), c.attributes.clone()))
                .unwrap_or((None, Vec::new()))
        };
        let (mut users, mut groups) = (Vec::new(), Vec::new());
        if let Some(snap) = &s.snapshot {
            for (id, u) in &snap.users {
                let row = user_row(id, u);
                let hay = format!(
                    "{} {} {}",
                    row.user_name,
                    row.name,
                    row.email.as_deref().unwrap_or("")
                )
                .to_lowercase();
                if needle.as_ref().is_some_and(|n| !hay.contains(n)) {
                    continue;
                }
                let (change, changed) = mark("User", id);
                users.push(ForeignUser {
                    change,
                    changed,
                    ..row
                });
            }
            for (id, g) in &snap.groups {
                let (change, changed) = mark("Group", id);
                groups.push(ForeignGroup {
                    id: id.clone(),
                    display_name: text_of(g, "displayName"),
                    members: g
                        .get("members")
                        .and_then(Value::as_array)
                        .map_or(0, |m| m.len() as u64),
                    change,
                    changed,
                });
            }
        }
        users.sort_by_key(|u| (u.change.is_none(), u.user_name.to_lowercase()));
        users.truncate(MAX_ROWS);
        groups.sort_by_key(|g| (g.change.is_none(), g.display_name.to_lowercase()));
        groups.truncate(MAX_ROWS);
        ForeignView {
            name: self.name.clone(),
            url: self.url.clone(),
            interval_seconds: self.interval.as_secs(),
            polled_at: s.polled_at.clone(),
            next_poll_at: s.next_poll_at.clone(),
            progress: *self.progress.borrow(),
            error: s.error.clone(),
            total_users: s.snapshot.as_ref().map_or(0, |x| x.users.len() as u64),
            total_groups: s.snapshot.as_ref().map_or(0, |x| x.groups.len() as u64),
            groups_offered: s.snapshot.as_ref().is_some_and(|x| x.groups_offered),
            users,
            groups,
            removed: s
                .changes
                .iter()
                .filter(|c| c.kind == ChangeKind::Removed)
                .take(MAX_ROWS)
                .cloned()
                .collect(),
            removed_total: s
                .changes
                .iter()
                .filter(|c| c.kind == ChangeKind::Removed)
                .count() as u64,
            reads: s.reads,
        }
    }
}

/// Reads the server at once, then every interval or when asked, until the view is gone.
async fn poll(f: std::sync::Weak<Foreign>, mut stop: watch::Receiver<bool>) {
    loop {
        let Some(this) = f.upgrade() else { return };
        // A read under way ends with the connection (an import can take minutes).
        tokio::select! {
            _ = this.read() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let interval = this.interval;
        let refresh = this.refresh.clone();
        // Not held while waiting: dropping the connection ends the loop.
        drop(this);
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = refresh.notified() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

fn text_of(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_owned()
}

fn user_row(id: &str, u: &Value) -> ForeignUser {
    let name = u.get("name");
    let part = |k: &str| name.and_then(|n| n.get(k)).and_then(Value::as_str);
    let full = match (part("givenName"), part("familyName")) {
        (Some(g), Some(f)) => format!("{g} {f}"),
        (Some(x), None) | (None, Some(x)) => x.to_owned(),
        (None, None) => name
            .and_then(|n| n.get("formatted"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| text_of(u, "displayName")),
    };
    let email = u.get("emails").and_then(Value::as_array).and_then(|list| {
        list.iter()
            .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
            .or_else(|| list.first())
            .and_then(|e| e.get("value"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    ForeignUser {
        id: id.to_owned(),
        user_name: text_of(u, "userName"),
        name: full,
        email,
        active: u.get("active").and_then(Value::as_bool),
        change: None,
        changed: Vec::new(),
    }
}
