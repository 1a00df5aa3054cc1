//! Which server the window shows: the app's own (embedded) server, a SCIM Console server
//! deployed elsewhere (over its admin API), or a foreign SCIM server (read through SCIM alone).
//! Switching switches every screen. Saved connections are profiles
//! ([`scim_console_cli::profiles`]); their secrets go to the keychain, or — where there is
//! none — stay in this session's memory unless the admin chooses a private file.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use scim_console_cli::profiles::{self, Kind, Profile, Profiles, SecretPlace};

use crate::console::{CmdResult, CommandError, Console, ErrorCode};
use crate::foreign::{Foreign, DEFAULT_POLL};
use crate::remote::LinkState;

/// What is shown now.
#[derive(Clone)]
pub enum Shown {
    Embedded,
    Remote { name: String, console: Arc<Console> },
    Foreign { name: String, foreign: Arc<Foreign> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ShownKind {
    Embedded,
    Remote,
    Foreign,
}

/// A saved connection as the window lists it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ProfileView {
    #[serde(flatten)]
    pub profile: Profile,
    /// Its secret was kept for a session that has ended: the token must be given again.
    pub needs_token: bool,
}

/// The connections as the sidebar and the Connections page show them.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ConnectionsView {
    /// The saved connection shown; `None` for the app's own server.
    pub current: Option<String>,
    pub kind: ShownKind,
    /// The address shown: the embedded server's SCIM base URL, a remote server's root, a
    /// foreign server's base URL.
    pub url: String,
    /// A remote server's live stream.
    pub link: Option<LinkState>,
    pub profiles: Vec<ProfileView>,
    /// Why secrets cannot go to a keychain here (they are then kept for this session only,
    /// or in a file the admin chooses).
    pub keychain_problem: Option<String>,
    /// Where the connections are saved.
    pub saved_in: Option<String>,
}

/// Where a new connection's secret goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Keep {
    Keychain,
    Session,
    File,
}

/// A connection to add, as the window's form sends it.
#[derive(Clone, Deserialize, ts_rs::TS)]
pub struct NewConnection {
    pub name: String,
    pub kind: Kind,
    pub url: String,
    pub token: String,
    pub keep: Keep,
    /// With `keep: file`: the file (created readable by its owner alone).
    pub file: Option<String>,
    #[serde(default)]
    pub allow_writes: bool,
    pub poll_seconds: Option<u32>,
}

impl std::fmt::Debug for NewConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token.
        f.debug_struct("NewConnection")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("keep", &self.keep)
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

/// The connections of one window.
pub struct Connections {
    pub embedded: Arc<Console>,
    profiles: Option<Profiles>,
    shown: RwLock<Shown>,
    /// Secrets kept for this session only, by profile name (lower case). Never written.
    session: std::sync::Mutex<HashMap<String, String>>,
    keychain: tokio::sync::OnceCell<Option<String>>,
    /// Counts the admin's choices of what to show (see [`Connections::show_if_latest`]).
    choice: AtomicU64,
    /// Told whenever the connection shown changes.
    pub switched: broadcast::Sender<()>,
}

fn invalid(m: impl Into<String>) -> CommandError {
    CommandError::new(ErrorCode::InvalidValue, m)
}

fn profile_error(e: profiles::ProfileError) -> CommandError {
    match e {
        profiles::ProfileError::NotFound(_) => {
            CommandError::new(ErrorCode::NotFound, e.to_string())
        }
        profiles::ProfileError::Invalid(m) => invalid(m),
        profiles::ProfileError::Io(m) => CommandError::new(ErrorCode::Internal, m),
    }
}

/// Ends what a connection no longer shown runs: a remote console's stream, a foreign server's
/// reads.
fn stop(s: Shown) {
    match s {
        Shown::Remote { console, .. } => console.server.stop(),
        Shown::Foreign { foreign, .. } => foreign.stop(),
        Shown::Embedded => {}
    }
}

/// Runs a keychain call off the async threads (the platform stores block).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> CmdResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CommandError::new(ErrorCode::Internal, format!("keychain task failed: {e}")))
}

impl Connections {
    /// The embedded console, with profiles kept at `profiles` (none saved when `None`).
    pub fn new(embedded: Arc<Console>, profiles: Option<Profiles>) -> Arc<Self> {
        Arc::new(Connections {
            embedded,
            profiles,
            shown: RwLock::new(Shown::Embedded),
            session: Default::default(),
            keychain: Default::default(),
            choice: AtomicU64::new(0),
            switched: broadcast::channel(8).0,
        })
    }

    pub fn shown(&self) -> Shown {
        self.shown.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The console of the server shown; for a foreign server, words saying what it offers.
    pub fn console(&self) -> CmdResult<Arc<Console>> {
        match self.shown() {
            Shown::Embedded => Ok(self.embedded.clone()),
            Shown::Remote { console, .. } => Ok(console),
            Shown::Foreign { name, .. } => Err(CommandError::new(
                ErrorCode::NotOffered,
                format!(
                    "'{name}' is a SCIM server read through SCIM alone: it shows its users and \
                     groups and can be checked; its tokens, log and settings are its own."
                ),
            )),
        }
    }

    /// The foreign server shown.
    pub fn foreign(&self) -> CmdResult<Arc<Foreign>> {
        match self.shown() {
            Shown::Foreign { foreign, .. } => Ok(foreign),
            _ => Err(CommandError::new(
                ErrorCode::NotOffered,
                "The server shown is no foreign server.",
            )),
        }
    }

    fn profiles(&self) -> CmdResult<&Profiles> {
        self.profiles.as_ref().ok_or_else(|| {
            CommandError::new(
                ErrorCode::Internal,
                format!(
                    "no folder to keep connections in; set {}",
                    profiles::PROFILES_ENV
                ),
            )
        })
    }

    /// Why no keychain can be used here (asked once per run).
    async fn keychain_problem(&self) -> Option<String> {
        self.keychain
            .get_or_init(|| async {
                blocking(profiles::keychain)
                    .await
                    .map_or_else(|e| Some(e.message), |r| r.err())
            })
            .await
            .clone()
    }

    pub async fn view(&self) -> CmdResult<ConnectionsView> {
        let keychain_problem = self.keychain_problem().await;
        let saved = match &self.profiles {
            Some(p) => p.list().map_err(profile_error)?,
            None => Vec::new(),
        };
        let session = self
            .session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let profiles = saved
            .into_iter()
            .map(|p| ProfileView {
                needs_token: p.secret == SecretPlace::Session
                    && !session.contains_key(&p.name.to_lowercase()),
                profile: p,
            })
            .collect();
        let (current, kind, url, link) = match self.shown() {
            Shown::Embedded => (
                None,
                ShownKind::Embedded,
                self.embedded.base_url.clone(),
                None,
            ),
            Shown::Remote { name, console } => {
                let remote = console.remote.as_ref();
                (
                    Some(name),
                    ShownKind::Remote,
                    remote.map_or_else(|| console.base_url.clone(), |r| r.root.clone()),
                    remote.map(|r| r.link.borrow().clone()),
                )
            }
            Shown::Foreign { name, foreign } => {
                (Some(name), ShownKind::Foreign, foreign.url.clone(), None)
            }
        };
        Ok(ConnectionsView {
            current,
            kind,
            url,
            link,
            profiles,
            keychain_problem,
            saved_in: self
                .profiles
                .as_ref()
                .map(|p| p.path().to_string_lossy().into_owned()),
        })
    }

    /// Opens what `profile` names with `token`: its server reached and the token accepted.
    async fn open(profile: &Profile, token: &str) -> CmdResult<Shown> {
        let name = profile.name.clone();
        Ok(match profile.kind {
            Kind::Remote => Shown::Remote {
                name,
                console: crate::remote::connect(&profile.url, token).await?,
            },
            Kind::Foreign => Shown::Foreign {
                name,
                foreign: Foreign::open(
                    &profile.name,
                    &profile.url,
                    token,
                    profile
                        .poll_seconds
                        .map_or(DEFAULT_POLL, |s| Duration::from_secs(u64::from(s))),
                    profile.allow_writes,
                )
                .await?,
            },
        })
    }

    /// A new choice of what to show; only the latest one is shown when it is ready.
    fn choose(&self) -> u64 {
        self.choice.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Shows `s` if no other choice was made since `choice` (an admin who picked a slow server,
    /// then a fast one, sees the one picked last); else lets it go.
    fn show_if_latest(&self, choice: u64, s: Shown) {
        if self.choice.load(Ordering::SeqCst) == choice {
            self.show(s);
        } else {
            stop(s);
        }
    }

    fn show(&self, s: Shown) {
        let old = std::mem::replace(
            &mut *self.shown.write().unwrap_or_else(|e| e.into_inner()),
            s,
        );
        stop(old);
        let _ = self.switched.send(());
    }

    /// Saves a connection after reaching its server with its token, and shows it. Nothing is
    /// kept when the server cannot be reached or refuses the token.
    pub async fn add(&self, c: NewConnection) -> CmdResult<ConnectionsView> {
        let store = self.profiles()?;
        let name = c.name.trim().to_owned();
        if store.get(&name).is_ok() {
            return Err(CommandError::new(
                ErrorCode::Conflict,
                format!("A connection is called '{name}' already: choose another name or remove it first."),
            ));
        }
        let token = c.token.trim().to_owned();
        if token.is_empty() {
            return Err(invalid(match c.kind {
                Kind::Remote => "Paste an admin token: on the server, `scim-console admin-token create --name <name>` prints one.",
                Kind::Foreign => "Paste the SCIM bearer token the server's vendor gave you.",
            }));
        }
        let secret = match c.keep {
            Keep::Keychain => {
                if let Some(why) = self.keychain_problem().await {
                    return Err(invalid(format!(
                        "{why}. Keep the token for this session only, or in a file readable by you alone."
                    )));
                }
                SecretPlace::Keychain
            }
            Keep::Session => SecretPlace::Session,
            Keep::File => SecretPlace::File {
                path: c
                    .file
                    .as_deref()
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .ok_or_else(|| invalid("Choose the file to keep the token in."))?
                    .to_owned(),
            },
        };
        let profile = Profile {
            name: name.clone(),
            kind: c.kind,
            url: c.url.trim().to_owned(),
            secret,
            allow_writes: c.allow_writes,
            poll_seconds: c.poll_seconds,
        };
        // The profile's rules (name, URL, interval) before any request is sent.
        profiles::validate(&profile).map_err(profile_error)?;
        let choice = self.choose();
        let shown = Self::open(&profile, &token).await?;
        let (store, kept, secret) = (store.clone(), profile.clone(), token.clone());
        blocking(move || store.save_with_secret(kept, &secret))
            .await?
            .map_err(profile_error)?;
        if profile.secret == SecretPlace::Session {
            self.session
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(name.to_lowercase(), token);
        }
        tracing::info!(connection = %name, kind = ?profile.kind, "connection saved");
        self.show_if_latest(choice, shown);
        self.view().await
    }

    /// Shows the saved connection `name` (`None`: the app's own server). `token` is needed
    /// only when its secret was kept for a session that has ended.
    pub async fn switch(
        &self,
        name: Option<&str>,
        token: Option<&str>,
    ) -> CmdResult<ConnectionsView> {
        let choice = self.choose();
        let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
            self.show_if_latest(choice, Shown::Embedded);
            return self.view().await;
        };
        let profile = self.profiles()?.get(name).map_err(profile_error)?;
        let given = token
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        let secret = match given {
            Some(t) => t,
            None => {
                let session = self
                    .session
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&profile.name.to_lowercase())
                    .cloned();
                let kept = profile.clone();
                match session {
                    Some(s) => s,
                    None => blocking(move || profiles::load_secret(&kept))
                        .await?
                        .map_err(profile_error)?
                        .ok_or_else(|| {
                            CommandError::new(
                                ErrorCode::Unauthorized,
                                format!(
                                    "The token of '{}' was kept for an earlier session only: paste it again.",
                                    profile.name
                                ),
                            )
                        })?,
                }
            }
        };
        let shown = Self::open(&profile, &secret).await?;
        if profile.secret == SecretPlace::Session {
            self.session
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(profile.name.to_lowercase(), secret);
        }
        self.show_if_latest(choice, shown);
        self.view().await
    }

    /// Runs the checks of `profile` against the server shown.
    pub async fn run_check(
        &self,
        profile: scim_client::check::Profile,
        allow_writes: bool,
    ) -> CmdResult<scim_client::check::Report> {
        match self.shown() {
            Shown::Foreign { foreign, .. } => foreign.check(profile, allow_writes).await,
            _ => self.console()?.run_check(profile, allow_writes).await,
        }
    }

    /// Forgets a saved connection and its secret; the app's own server is shown if it was.
    pub async fn remove(&self, name: &str) -> CmdResult<ConnectionsView> {
        let store = self.profiles()?.clone();
        let target = name.to_owned();
        let removed = blocking(move || store.remove(&target))
            .await?
            .map_err(profile_error)?;
        self.session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&removed.name.to_lowercase());
        let showing = match self.shown() {
            Shown::Remote { name, .. } | Shown::Foreign { name, .. } => {
                name.eq_ignore_ascii_case(&removed.name)
            }
            Shown::Embedded => false,
        };
        if showing {
            self.show(Shown::Embedded);
        }
        self.view().await
    }
}
