//! `scim-console`: the headless SCIM Console — the same server the desktop app embeds, and the
//! commands to manage its tokens, roles, users and settings from a shell.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

pub mod profiles;

use scim_server::core::Core;
use scim_server::settings::{self, Policy};
use scim_server::{ApiError, ConnectionLimits, Runtime, ServerOptions};
use scim_store::{ChangeContext, EventQuery, Permission, Store, UserRecord};

/// The default address: loopback only, on a port named after RFC 7643.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7643";

#[derive(Debug, Parser)]
#[command(
    name = "scim-console",
    version,
    about = "SCIM 2.0 service provider and console for Okta and Microsoft Entra ID provisioning"
)]
pub struct Cli {
    /// The database: a SQLite file path or sqlite:// URL. Default: a file in the platform data
    /// folder (demo.db for `serve --demo`).
    #[arg(long, global = true, env = "SCIM_CONSOLE_DB", value_name = "URL")]
    pub db: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the SCIM endpoint.
    Serve(ServeArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage roles.
    #[command(subcommand)]
    Role(RoleCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Read or change settings.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Show the event log, newest last.
    Log(LogArgs),
    /// The deprovisioning guard, which holds mass deactivations and deletions.
    #[command(subcommand)]
    Guard(GuardCommand),
    /// Manage admin tokens: for /admin/v1 only (a console connected from elsewhere), never
    /// accepted on SCIM.
    #[command(subcommand, name = "admin-token")]
    AdminToken(AdminTokenCommand),
    /// Check a SCIM endpoint the way Okta, Microsoft Entra ID or RFC 7644 expect it to behave
    /// (read-only unless --allow-writes); exits 0 only when nothing failed.
    Check(CheckArgs),
    /// Saved connections to other servers (their secrets in the keychain or a private file).
    #[command(subcommand)]
    Connection(ConnectionCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConnectionCommand {
    /// Save a connection: a SCIM Console server (`--kind remote`, an admin token) or any SCIM
    /// endpoint (`--kind foreign`, a SCIM bearer token). The token is read from the first line
    /// of standard input, so it stays out of the shell's history.
    Add {
        name: String,
        /// The server's URL: its root or SCIM base URL.
        #[arg(long)]
        url: String,
        #[arg(long, default_value = "remote", value_parser = ["remote", "foreign"])]
        kind: String,
        /// Keep the token in this file (readable by you alone) instead of the keychain.
        #[arg(long, value_name = "PATH")]
        secret_file: Option<PathBuf>,
        /// A foreign server: let checks create and remove test users and groups.
        #[arg(long)]
        allow_writes: bool,
    },
    /// The saved connections, and where each one's secret is kept.
    List,
    /// Forget a connection and its secret.
    Remove { name: String },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The SCIM base URL, e.g. https://scim.example.com/scim/v2 (or give --connection).
    #[arg(value_name = "BASE_URL", required_unless_present = "connection")]
    pub base_url: Option<String>,
    /// The bearer token's secret (or the SCIM_CHECK_TOKEN environment variable).
    #[arg(long, env = "SCIM_CHECK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// A saved connection (`scim-console connection add`) instead of BASE_URL and --token: a
    /// foreign server's own token, or for a SCIM Console server a token made for the check
    /// over its admin API and revoked afterwards.
    #[arg(long, conflicts_with = "base_url")]
    pub connection: Option<String>,
    /// Whose expectations: okta, entra or rfc.
    #[arg(long, default_value = "rfc", value_parser = ["okta", "entra", "rfc"])]
    pub profile: String,
    /// Create test users and groups (named scim-console-check-…) and remove them afterwards.
    #[arg(long)]
    pub allow_writes: bool,
    /// The report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `scim-console check`: the report on stdout; failed when any step failed.
async fn check(args: CheckArgs) -> Result<()> {
    use scim_client::check::Profile;
    let profile = Profile::parse(&args.profile).ok_or_else(|| {
        CliError(format!(
            "unknown profile '{}': use okta, entra or rfc",
            args.profile
        ))
    })?;
    let agent = profile.user_agent();
    let target = match &args.connection {
        Some(name) => CheckTarget::saved(name, args.allow_writes).await?,
        None => CheckTarget {
            base_url: args.base_url.clone().unwrap_or_default(),
            token: args.token.clone().ok_or_else(|| {
                CliError("give the token with --token or SCIM_CHECK_TOKEN".to_owned())
            })?,
            made: None,
        },
    };
    let result = check_with(&args, &target, profile, agent).await;
    target.done().await;
    result
}

/// Runs a keychain call off the runtime's threads (the platform stores block, and the Secret
/// Service client runs a runtime of its own).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CliError(format!("the keychain call failed: {e}")))
}

fn profile_store() -> Result<profiles::Profiles> {
    profiles::default_path()
        .map(profiles::Profiles::at)
        .ok_or_else(|| {
            CliError(format!(
                "cannot find a data folder; set {}",
                profiles::PROFILES_ENV
            ))
        })
}

/// `scim-console connection …`.
async fn connection(c: ConnectionCommand) -> Result<()> {
    use profiles::{Kind, Profile, SecretPlace};
    let store = profile_store()?;
    let err = |e: profiles::ProfileError| CliError(e.to_string());
    match c {
        ConnectionCommand::Add {
            name,
            url,
            kind,
            secret_file,
            allow_writes,
        } => {
            let kind = Kind::parse(&kind).unwrap_or(Kind::Remote);
            if store.get(&name).is_ok() {
                return Err(CliError(format!(
                    "a connection is called '{}' already: remove it first",
                    name.trim()
                )));
            }
            let secret = match secret_file {
                Some(path) => SecretPlace::File {
                    path: std::path::absolute(&path)
                        .unwrap_or(path)
                        .to_string_lossy()
                        .into_owned(),
                },
                None => match blocking(profiles::keychain).await? {
                    Ok(()) => SecretPlace::Keychain,
                    Err(why) => {
                        return Err(CliError(format!(
                            "{why}: pass --secret-file PATH to keep the token in a file \
                             readable by you alone"
                        )))
                    }
                },
            };
            let mut token = String::new();
            std::io::stdin()
                .read_line(&mut token)
                .map_err(|e| CliError(format!("cannot read the token from stdin: {e}")))?;
            let token = token.trim();
            if token.is_empty() {
                return Err(CliError(
                    "give the token on standard input, e.g. `printf %s \"$TOKEN\" | \
                     scim-console connection add …`"
                        .to_owned(),
                ));
            }
            let profile = Profile {
                name: name.trim().to_owned(),
                kind,
                url: url.trim().to_owned(),
                secret,
                allow_writes,
                poll_seconds: None,
            };
            profiles::validate(&profile).map_err(err)?;
            // Nothing is kept for a server that cannot be reached or refuses the token.
            let what = verify_connection(&profile, token).await?;
            let (kept, secret) = (profile.clone(), token.to_owned());
            blocking(move || store.save_with_secret(kept, &secret))
                .await?
                .map_err(err)?;
            say(format!("Saved '{}': {what}.", profile.name))
        }
        ConnectionCommand::List => {
            let list = store.list().map_err(err)?;
            if list.is_empty() {
                return say("No connections saved. Add one with `scim-console connection add`.");
            }
            say(format!("{:<20} {:<8} {:<44} SECRET", "NAME", "KIND", "URL"))?;
            for p in list {
                let kind = match p.kind {
                    Kind::Remote => "remote",
                    Kind::Foreign => "foreign",
                };
                let place = match &p.secret {
                    SecretPlace::Keychain => "keychain".to_owned(),
                    SecretPlace::Session => "app session only".to_owned(),
                    SecretPlace::File { path } => format!("file {path}"),
                };
                say(format!("{:<20} {kind:<8} {:<44} {place}", p.name, p.url))?;
            }
            Ok(())
        }
        ConnectionCommand::Remove { name } => {
            let p = blocking(move || store.remove(&name)).await?.map_err(err)?;
            say(format!("Removed '{}' and its secret.", p.name))
        }
    }
}

/// Reaches the server of `p` with `token`; what it is, in words (or why not).
async fn verify_connection(p: &profiles::Profile, token: &str) -> Result<String> {
    match p.kind {
        profiles::Kind::Remote => {
            let admin = scim_client::admin::AdminClient::new(&p.url, token).map_err(CliError)?;
            let status = admin.status().await.map_err(|e| CliError(e.to_string()))?;
            let version = status
                .get("version")
                .and_then(|v| v.as_str())
                .unwrap_or("?");
            Ok(format!("SCIM Console {version} at {}", admin.api()))
        }
        profiles::Kind::Foreign => {
            let client = scim_client::ScimClient::new(
                &p.url,
                token,
                concat!("scim-console/", env!("CARGO_PKG_VERSION")),
            )
            .map_err(|e| CliError(e.to_string()))?;
            let x = client
                .send(reqwest::Method::GET, "/Users?startIndex=1&count=1", None)
                .await
                .map_err(|e| CliError(scim_client::why_unsent(&e)))?;
            if !x.ok() {
                return Err(CliError(format!(
                    "{} answered GET /Users with {}: {}",
                    p.url,
                    x.status,
                    x.error_detail().unwrap_or("no reason given")
                )));
            }
            let total = x
                .response
                .as_ref()
                .and_then(|r| r.get("totalResults"))
                .and_then(|t| t.as_u64());
            Ok(match total {
                Some(n) => format!("a SCIM server with {n} users"),
                None => "a SCIM server".to_owned(),
            })
        }
    }
}

/// What a check talks to, and the token made for it on a SCIM Console server (revoked after).
struct CheckTarget {
    base_url: String,
    token: String,
    made: Option<(scim_client::admin::AdminClient, String)>,
}

impl CheckTarget {
    async fn saved(name: &str, allow_writes: bool) -> Result<Self> {
        use profiles::Kind;
        let list = profile_store()?;
        let p = list.get(name).map_err(|e| CliError(e.to_string()))?;
        let kept = p.clone();
        let secret = blocking(move || profiles::load_secret(&kept))
            .await?
            .map_err(|e| CliError(e.to_string()))?
            .ok_or_else(|| {
                CliError(format!(
                    "the connection '{}' keeps its token for an app session only; pass \
                     BASE_URL and --token instead",
                    p.name
                ))
            })?;
        if allow_writes && p.kind == Kind::Foreign && !p.allow_writes {
            return Err(CliError(format!(
                "the connection '{}' is read-only: save it with --allow-writes to let checks \
                 create test users",
                p.name
            )));
        }
        match p.kind {
            Kind::Foreign => Ok(CheckTarget {
                base_url: p.url.clone(),
                token: secret,
                made: None,
            }),
            Kind::Remote => {
                let admin =
                    scim_client::admin::AdminClient::new(&p.url, &secret).map_err(CliError)?;
                let (base_url, name, token) = admin.check_token().await.map_err(CliError)?;
                Ok(CheckTarget {
                    base_url,
                    token,
                    made: Some((admin, name)),
                })
            }
        }
    }

    async fn done(self) {
        if let Some((admin, name)) = self.made {
            if let Err(e) = admin.revoke(&name).await {
                eprintln!("could not revoke the check's token '{name}': {e}");
            }
        }
    }
}

async fn check_with(
    args: &CheckArgs,
    target: &CheckTarget,
    profile: scim_client::check::Profile,
    agent: &str,
) -> Result<()> {
    use scim_client::check::{cleanup, Checker};
    let base_url = target.base_url.as_str();
    let token = target.token.trim();
    let token = token
        .strip_prefix("Bearer ")
        .or_else(|| token.strip_prefix("bearer "))
        .unwrap_or(token);
    let checker = Checker::new(base_url, token, agent, profile, args.allow_writes)
        .map_err(|e| CliError(e.to_string()))?;
    let created = checker.created.clone();
    let report = tokio::select! {
        r = checker.run() => r,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("interrupted: removing the test users and groups created so far…");
            cleanup(base_url, token, agent, &created).await;
            return Err(CliError("the check was interrupted".to_owned()));
        }
    };
    if args.json {
        say(serde_json::to_string_pretty(&report).map_err(|e| CliError(e.to_string()))?)?;
    } else {
        let text = report.text();
        say(text.trim_end())?;
    }
    if report.failed > 0 {
        return Err(CliError(format!(
            "{} of {} checks failed",
            report.failed,
            report.passed + report.failed
        )));
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum GuardCommand {
    /// Whether the guard holds, why, and the requests it holds.
    Status,
    /// Let the held deactivations and deletions through on their next retry, and resume
    /// watching with a fresh count.
    Release,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = DEFAULT_LISTEN, value_name = "ADDR")]
    pub listen: String,
    /// Provisioning policy to use (saved as the `provisioning` setting).
    #[arg(long, value_name = "jit|full")]
    pub provisioning: Option<String>,
    /// Externally visible base URL, e.g. https://scim.example.com (saved as `public-url`).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Seed sample users and print a token, so everything can be tried at once.
    #[arg(long)]
    pub demo: bool,
    /// Seconds a connection may take to send a complete request head, also while idle
    /// between requests (default: the `header-timeout` setting, 10).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=30))]
    pub header_timeout: Option<u64>,
    /// Seconds a connection may stay open with no byte moving either way (default: the
    /// `idle-timeout` setting, 60).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub idle_timeout: Option<u64>,
    /// Seconds a client may take to send a whole request body (default: the `body-timeout`
    /// setting, 30).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=300))]
    pub body_timeout: Option<u64>,
    /// Connections served at once (default: the `max-connections` setting, 512).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_connections: Option<u64>,
}

impl ServeArgs {
    /// The connection limits: the settings, with what was given on the command line instead.
    fn limits(&self, settings: &[(String, String)]) -> ConnectionLimits {
        let mut l = ConnectionLimits::from_settings(settings);
        let secs = Duration::from_secs;
        if let Some(s) = self.header_timeout {
            l.header_timeout = secs(s);
        }
        if let Some(s) = self.idle_timeout {
            l.idle_timeout = secs(s);
        }
        if let Some(s) = self.body_timeout {
            l.body_timeout = secs(s);
        }
        if let Some(n) = self.max_connections.and_then(|n| usize::try_from(n).ok()) {
            l.max_connections = n;
        }
        l
    }
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; its secret is printed once, alone on the last line.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "UserModify", value_name = "UserModify|UserRead")]
        permission: String,
        #[arg(long, value_name = "DAYS")]
        expires_in_days: Option<u32>,
    },
    /// List tokens with their last use and expiry.
    List,
    /// Revoke the active token with this name; it stops working at once.
    Revoke { name: String },
}

#[derive(Debug, Subcommand)]
pub enum AdminTokenCommand {
    /// Create an admin token; its secret is printed once, alone on the last line.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "DAYS")]
        expires_in_days: Option<u32>,
    },
    /// List admin tokens with their last use and expiry.
    List,
    /// Revoke the active admin token with this name; it stops working at once.
    Revoke { name: String },
}

#[derive(Debug, Subcommand)]
pub enum RoleCommand {
    /// Define a custom role.
    Add { name: String },
    /// Remove a custom role no user has.
    Remove { name: String },
    /// List roles.
    List,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Record a SAML login: creates the user just in time on the first one.
    Jit {
        #[arg(long)]
        email: String,
        #[arg(long)]
        given_name: String,
        #[arg(long)]
        family_name: String,
        #[arg(long)]
        role: Option<String>,
    },
    /// List users.
    List {
        /// As JSON, one object per user.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Change a setting.
    Set { key: String, value: String },
    /// Show a setting (or all of them).
    Get { key: Option<String> },
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Keep printing new events as they arrive.
    #[arg(long)]
    pub follow: bool,
    /// Only failed requests.
    #[arg(long)]
    pub errors: bool,
    /// How many of the newest events to show first.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

/// An error shown to the person at the terminal.
#[derive(Debug)]
pub struct CliError(pub String);

impl From<ApiError> for CliError {
    fn from(e: ApiError) -> Self {
        CliError(e.to_scim().detail)
    }
}
impl From<scim_store::StoreError> for CliError {
    fn from(e: scim_store::StoreError) -> Self {
        CliError::from(ApiError::from(e))
    }
}

type Result<T, E = CliError> = std::result::Result<T, E>;

/// The platform data folder (e.g. ~/.local/share/scim-console on Linux).
pub fn data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "scimconsole", "scim-console")
        .map(|d| d.data_dir().to_path_buf())
}

fn database_url(cli_db: Option<&str>, demo: bool) -> Result<String> {
    if let Some(db) = cli_db.filter(|d| !d.trim().is_empty()) {
        return Ok(db.to_owned());
    }
    let dir = data_dir()
        .ok_or_else(|| CliError("cannot find a data folder; pass --db PATH".to_owned()))?;
    let file = if demo { "demo.db" } else { "scim-console.db" };
    Ok(dir.join(file).to_string_lossy().into_owned())
}

pub fn main_entry() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

async fn open(cli_db: Option<&str>, demo: bool) -> Result<(Arc<dyn Store>, Arc<Core>)> {
    let url = database_url(cli_db, demo)?;
    let store = scim_store::open(&url)
        .await
        .map_err(|e| CliError(format!("cannot open the database {url}: {e}")))?;
    let core = Core::new(store.clone()).await?;
    Ok((store, core))
}

/// Prints a line on stdout and flushes it: what other tools read (the base URL, a secret) must
/// reach them at once.
fn say(line: impl std::fmt::Display) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|_| out.flush())
        .map_err(|e| CliError(format!("cannot write to stdout: {e}")))
}

fn cli_ctx() -> ChangeContext {
    ChangeContext::by("scim-console")
}

/// Runs one command.
pub async fn run(cli: Cli) -> Result<()> {
    // A check talks to an endpoint, never to a database.
    let cli = match cli.command {
        Command::Check(args) => return check(args).await,
        Command::Connection(c) => return connection(c).await,
        other => Cli {
            command: other,
            ..cli
        },
    };
    let demo = matches!(&cli.command, Command::Serve(a) if a.demo);
    let (store, core) = open(cli.db.as_deref(), demo).await?;
    match cli.command {
        Command::Serve(args) => return serve(store, core, args).await,
        Command::Token(TokenCommand::Create {
            name,
            permission,
            expires_in_days,
        }) => {
            let perm = Permission::parse(&permission)
                .filter(|p| *p != Permission::Admin)
                .ok_or_else(|| {
                    CliError(format!(
                    "unknown permission '{permission}': use UserModify (Manage Users) or UserRead"
                ))
                })?;
            let (rec, secret) = core.create_token(&name, perm, expires_in_days).await?;
            let what = format!("token '{}' ({}", rec.name, rec.permission.as_str());
            announce(&rec, &what, ")", &secret)?;
        }
        Command::Token(TokenCommand::List) => {
            let tokens = core.read().list_tokens().await?;
            print_tokens(
                tokens
                    .into_iter()
                    .filter(|t| t.permission != Permission::Admin)
                    .collect(),
                "No tokens yet: create one with `scim-console token create --name Okta-SCIM`.",
            )?;
        }
        Command::AdminToken(AdminTokenCommand::Create {
            name,
            expires_in_days,
        }) => {
            let (rec, secret) = core
                .create_token(&name, Permission::Admin, expires_in_days)
                .await?;
            let what = format!("admin token '{}'", rec.name);
            announce(&rec, &what, ": it is accepted on /admin/v1 only", &secret)?;
        }
        Command::AdminToken(AdminTokenCommand::List) => {
            let tokens = core.read().list_tokens().await?;
            print_tokens(
                tokens
                    .into_iter()
                    .filter(|t| t.permission == Permission::Admin)
                    .collect(),
                "No admin tokens yet: create one with `scim-console admin-token create --name support`.",
            )?;
        }
        Command::AdminToken(AdminTokenCommand::Revoke { name }) => {
            let tokens = core.read().list_tokens().await?;
            let admin = tokens.iter().any(|t| {
                t.revoked.is_none()
                    && t.permission == Permission::Admin
                    && t.name.eq_ignore_ascii_case(name.trim())
            });
            if !admin {
                return Err(CliError(format!(
                    "there is no active admin token called '{}' (`scim-console admin-token list` shows them)",
                    name.trim()
                )));
            }
            let t = core.revoke_token(&name).await?;
            say(format!(
                "Revoked admin token '{}'. Requests with it are refused from now on.",
                t.name
            ))?;
        }
        Command::Token(TokenCommand::Revoke { name }) => {
            let t = core.revoke_token(&name).await?;
            say(format!(
                "Revoked token '{}'. Requests with it are refused from now on.",
                t.name
            ))?;
        }
        Command::Role(RoleCommand::Add { name }) => {
            let r = core.add_role(&name).await?;
            say(format!("Added role '{}'.", r.name))?;
        }
        Command::Role(RoleCommand::Remove { name }) => {
            core.remove_role(&name).await?;
            say(format!("Removed role '{}'.", name.trim()))?;
        }
        Command::Role(RoleCommand::List) => {
            let rt = core.runtime().await?;
            for r in core.read().list_roles().await? {
                let mut notes = Vec::new();
                if r.builtin {
                    notes.push("built-in");
                }
                if r.name == rt.default_role {
                    notes.push("default");
                }
                let notes = if notes.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", notes.join(", "))
                };
                say(format!("{}{notes}", r.name))?;
            }
        }
        Command::User(UserCommand::Jit {
            email,
            given_name,
            family_name,
            role,
        }) => {
            let u = core
                .jit_login(
                    &email,
                    &given_name,
                    &family_name,
                    role.as_deref(),
                    &cli_ctx(),
                )
                .await?;
            let verb = if u.version == 1 {
                "Created"
            } else {
                "Recorded a login for"
            };
            let rt = core.runtime().await?;
            say(format!(
                "{verb} {} ({}, role {}).",
                u.user_name,
                u.id,
                role_label(&rt, &u)
            ))?;
        }
        Command::User(UserCommand::List { json }) => {
            let users = all_users(&core).await?;
            let rt = core.runtime().await?;
            if json {
                let items: Vec<serde_json::Value> =
                    users.iter().map(|u| user_json(u, &rt)).collect();
                let text =
                    serde_json::to_string_pretty(&items).map_err(|e| CliError(e.to_string()))?;
                say(text)?;
            } else {
                let mut rows = vec![[
                    "USERNAME",
                    "NAME",
                    "ROLE",
                    "STATUS",
                    "SOURCE",
                    "LAST LOGIN",
                    "LAST CHANGE",
                ]
                .map(String::from)
                .to_vec()];
                for u in &users {
                    rows.push(vec![
                        u.user_name.clone(),
                        display_name(u),
                        role_label(&rt, u),
                        if u.active { "active" } else { "deactivated" }.to_owned(),
                        u.source.as_str().to_owned(),
                        u.last_login
                            .as_deref()
                            .map(short_time)
                            .unwrap_or_else(|| "never".to_owned()),
                        short_time(&u.last_modified),
                    ]);
                }
                for line in table(&rows) {
                    say(line)?;
                }
                say(format!("{} user(s)", users.len()))?;
            }
        }
        Command::Config(ConfigCommand::Set { key, value }) => {
            let v = core.set_setting(&key, &value).await?;
            say(format!("{key} = {v}"))?;
            if key == settings::PUBLIC_URL {
                for w in settings::url_warnings(&v) {
                    say(format!("warning: {w}"))?;
                }
            }
        }
        Command::Config(ConfigCommand::Get { key }) => {
            let all = core.read().settings().await?;
            let value_of = |k: &str| {
                all.iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
                    .or_else(|| {
                        settings::KNOWN
                            .iter()
                            .find(|(key, _, _)| *key == k)
                            .map(|(_, d, _)| (*d).to_owned())
                    })
            };
            match key {
                Some(k) => match value_of(&k) {
                    Some(v) => say(v)?,
                    None => {
                        return Err(CliError(
                            settings::validate(&k, "", &[]).err().unwrap_or_default(),
                        ))
                    }
                },
                None => {
                    for (k, _, help) in settings::KNOWN {
                        say(format!(
                            "{k} = {}    # {help}",
                            value_of(k).unwrap_or_default()
                        ))?;
                    }
                }
            }
        }
        Command::Log(args) => {
            return log(&core, args).await;
        }
        Command::Guard(GuardCommand::Status) => {
            let rt = core.runtime().await?;
            let g = &rt.guard;
            if !g.on {
                say("The deprovisioning guard is off (turn it on with `scim-console config set guard on`).")?;
            } else {
                say(format!(
                    "The deprovisioning guard is on: it holds {}.",
                    g.describe()
                ))?;
            }
            let state = core.read().guard_state().await?;
            let (held, total) = core.read().held_requests(1000).await?;
            match &state.tripped_at {
                Some(at) => say(format!(
                    "HOLDING since {}: {}. {total} request(s) held; nothing of them was applied.",
                    short_time(at),
                    state.reason.as_deref().unwrap_or("too many deprovisions")
                ))?,
                None => say("Not holding.")?,
            }
            if !held.is_empty() {
                let mut rows = vec![[
                    "USER", "CHANGE", "CLIENT", "TOKEN", "ADDRESS", "ATTEMPTS", "LAST",
                ]
                .map(str::to_owned)
                .to_vec()];
                for h in &held {
                    rows.push(vec![
                        h.user_name.clone().unwrap_or_else(|| h.resource_id.clone()),
                        h.kind.clone(),
                        h.client.clone().unwrap_or_default(),
                        h.token_name.clone().unwrap_or_default(),
                        h.address.clone().unwrap_or_default(),
                        h.attempts.to_string(),
                        short_time(&h.last_at),
                    ]);
                }
                for line in table(&rows) {
                    say(line)?;
                }
                if total > held.len() as u64 {
                    say(format!("… and {} more.", total - held.len() as u64))?;
                }
                say("If these changes are intended, release them with `scim-console guard release`: \
                     the identity provider's next retry applies them (Entra ID retries on its next \
                     cycles; in Okta, retry the failed tasks under Dashboard > Tasks).")?;
            }
            if let Some(r) = &state.released_at {
                say(format!("Last released {}.", short_time(r)))?;
            }
        }
        Command::Guard(GuardCommand::Release) => {
            let n = core.release_guard().await?;
            say(format!(
                "Released {n} held request(s): the identity provider's next retry applies them. \
                 The guard keeps watching with a fresh count."
            ))?;
        }
        Command::Check(args) => return check(args).await,
        Command::Connection(c) => return connection(c).await,
    }
    Ok(())
}

/// A token made: what it is, its expiry, and its secret alone on the last line.
fn announce(rec: &scim_store::TokenRecord, what: &str, tail: &str, secret: &str) -> Result<()> {
    let expiry = rec
        .expires
        .as_deref()
        .map(|e| format!(", expires {e}"))
        .unwrap_or_default();
    say(format!("Created {what}{expiry}{tail}."))?;
    say("Copy the secret now: it is not shown again.".to_owned())?;
    say(secret)
}

/// The tokens as a table (name, permission, the secret's first characters, dates, status).
fn print_tokens(tokens: Vec<scim_store::TokenRecord>, empty: &str) -> Result<()> {
    if tokens.is_empty() {
        say(empty.to_owned())?;
    }
    let now = scim_store::now();
    let soon = scim_store::format_time(chrono::Utc::now() + chrono::Duration::days(14));
    let mut rows = vec![[
        "NAME",
        "PERMISSION",
        "SECRET",
        "CREATED",
        "EXPIRES",
        "LAST USED",
        "STATUS",
    ]
    .map(String::from)
    .to_vec()];
    for t in tokens {
        let status = if t.revoked.is_some() {
            "revoked"
        } else if !t.is_valid_at(&now) {
            "expired"
        } else if t.expires.as_deref().is_some_and(|e| e < soon.as_str()) {
            "expires soon"
        } else {
            "active"
        };
        rows.push(vec![
            if t.simulator {
                format!("{} (the console's Okta simulator)", t.name)
            } else {
                t.name
            },
            t.permission.as_str().to_owned(),
            format!("{}…", t.prefix),
            short_time(&t.created),
            t.expires
                .as_deref()
                .map(short_time)
                .unwrap_or_else(|| "never".to_owned()),
            t.last_used
                .as_deref()
                .map(short_time)
                .unwrap_or_else(|| "never".to_owned()),
            status.to_owned(),
        ]);
    }
    for line in table(&rows) {
        say(line)?;
    }
    Ok(())
}

async fn all_users(core: &Core) -> Result<Vec<UserRecord>> {
    let rt = core.runtime().await?;
    let mut users = Vec::new();
    let mut start = 1;
    loop {
        let page = core
            .read()
            .list_users(&scim_store::ListQuery {
                schema: &rt.user_schema,
                filter: None,
                sort_by: None,
                sort_column: None,
                sort_order: Default::default(),
                start_index: start,
                count: 1000,
            })
            .await?;
        let n = page.users.len() as u64;
        users.extend(page.users);
        if n == 0 || users.len() as u64 >= page.total {
            return Ok(users);
        }
        start += n;
    }
}

fn display_name(u: &UserRecord) -> String {
    u.data
        .get("displayName")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .or_else(|| {
            u.data
                .get("name")
                .and_then(|n| n.get("formatted"))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

/// The role a user has, marked when it is the default one.
fn role_label(rt: &Runtime, u: &UserRecord) -> String {
    match &u.role {
        Some(r) => r.clone(),
        None => format!("{} (default)", rt.default_role),
    }
}

fn user_json(u: &UserRecord, rt: &Runtime) -> serde_json::Value {
    serde_json::json!({
        "id": u.id,
        "userName": u.user_name,
        "displayName": display_name(u),
        "role": rt.effective_role(u),
        "roleIsDefault": u.role.is_none(),
        "active": u.active,
        "source": u.source.as_str(),
        "lastLogin": u.last_login,
        "created": u.created,
        "lastModified": u.last_modified,
        "version": u.version,
    })
}

fn short_time(t: &str) -> String {
    // 2026-11-22T07:01:02.123Z → 2026-11-22 07:01
    t.get(..16)
        .map(|s| s.replace('T', " "))
        .unwrap_or_else(|| t.to_owned())
}

fn table(rows: &[Vec<String>]) -> Vec<String> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|r| {
            let cells: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{s:<w$}", w = widths[i]))
                .collect();
            cells.join("  ").trim_end().to_owned()
        })
        .collect()
}

fn format_event(e: &scim_store::EventRecord) -> String {
    let ev = &e.event;
    let mut line = format!(
        "{}  {}  {:<6} {}  {}ms  token={}  client={}",
        ev.at,
        ev.status,
        ev.method,
        ev.path,
        ev.latency_us / 1000,
        ev.token_name.as_deref().unwrap_or("-"),
        ev.client
            .as_deref()
            .map(|c| format!("\"{c}\""))
            .unwrap_or_else(|| "-".to_owned()),
    );
    if let Some(u) = &ev.user_name {
        line.push_str(&format!("  user={u}"));
    }
    if ev.simulated {
        line.push_str("  simulated (the console's Okta simulator)");
    }
    for c in &ev.diff {
        let show = |v: &Option<serde_json::Value>| {
            v.as_ref()
                .map(|v| v.to_string())
                .unwrap_or_else(|| "∅".to_owned())
        };
        line.push_str(&format!(
            "\n    {}: {} → {}",
            c.path,
            show(&c.old),
            show(&c.new)
        ));
    }
    if !ev.ignored.is_empty() {
        line.push_str(&format!(
            "\n    ignored (not kept by this server): {}",
            ev.ignored.join(", ")
        ));
    }
    if let Some(err) = &ev.error {
        line.push_str(&format!("\n    error: {err}"));
    }
    line
}

async fn log(core: &Core, args: LogArgs) -> Result<()> {
    let mut last = 0;
    let mut first = true;
    loop {
        let events = core
            .read()
            .list_events(&EventQuery {
                after_id: Some(last),
                errors_only: args.errors,
                limit: if first { args.limit } else { 1000 },
                ..Default::default()
            })
            .await?;
        first = false;
        {
            let mut out = std::io::stdout().lock();
            for e in &events {
                writeln!(out, "{}", format_event(e))
                    .map_err(|e| CliError(format!("cannot write to stdout: {e}")))?;
                last = last.max(e.id);
            }
            out.flush().map_err(|e| CliError(e.to_string()))?;
        }
        if !args.follow {
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(300)) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

async fn serve(store: Arc<dyn Store>, core: Arc<Core>, args: ServeArgs) -> Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,scim_server=info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    if let Some(p) = &args.provisioning {
        if Policy::parse(p).is_none() {
            return Err(CliError(format!(
                "--provisioning must be 'jit' or 'full', not '{p}'"
            )));
        }
        core.set_setting(settings::PROVISIONING, p).await?;
    }
    if let Some(u) = &args.public_url {
        core.set_setting(settings::PUBLIC_URL, u).await?;
    }
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| CliError(format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener.local_addr().map_err(|e| CliError(e.to_string()))?;
    let rt = core.runtime().await?;
    if args.demo {
        let seeded = scim_server::demo::seed(&core, true).await?;
        if seeded > 0 {
            say(format!("Demo mode: added {seeded} sample users."))?;
        }
        let (_, secret) = scim_server::demo::fresh_token(&core).await?;
        say(format!("Demo token (UserModify): {secret}"))?;
    }
    say(format!("Provisioning policy: {}", rt.policy.as_str()))?;
    if let Some(p) = rt.public_url.as_deref().filter(|p| !p.is_empty()) {
        say(format!("Public base URL: {p}/scim/v2"))?;
        for w in settings::url_warnings(p) {
            say(format!("warning: {w}"))?;
        }
    }
    say(format!("SCIM base URL: http://{addr}/scim/v2"))?;
    let options = ServerOptions {
        limits: Some(args.limits(&store.settings().await?)),
        ..ServerOptions::default()
    };
    scim_server::serve(listener, store, options, shutdown_signal()).await?;
    Ok(())
}
