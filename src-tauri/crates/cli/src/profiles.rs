//! Connection profiles: servers a console or the command line reaches besides its own — a SCIM
//! Console server deployed elsewhere (its root URL and an admin token) or any SCIM 2.0 endpoint
//! (its base URL and a SCIM bearer token, read-only unless allowed).
//!
//! The profiles are kept in `connections.json` beside the database, without their secrets.
//! A secret goes to the operating system's keychain (macOS Keychain, Windows Credential
//! Manager, the Secret Service on Linux). Where there is none — a headless Linux without a
//! Secret Service — it is kept for the running session only, unless the user chooses a file:
//! that file is created readable and writable by its owner alone, and refused later if anyone
//! else may read it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The keychain's service name for profile secrets.
const KEYCHAIN_SERVICE: &str = "scim-console";
/// Set to `off` to keep secrets out of the keychain (then: session or file).
pub const KEYCHAIN_ENV: &str = "SCIM_CONSOLE_KEYCHAIN";
/// Where the profiles are kept instead of the data folder (tests, portable setups).
pub const PROFILES_ENV: &str = "SCIM_CONSOLE_CONNECTIONS";
/// Longest profile name.
pub const MAX_NAME: usize = 64;
/// At most this many profiles.
pub const MAX_PROFILES: usize = 100;

/// What is at the other end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A SCIM Console server, read and changed over its admin API with an admin token.
    Remote,
    /// Any SCIM 2.0 service provider, read through SCIM with a bearer token.
    Foreign,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "remote" | "scim-console" => Some(Kind::Remote),
            "foreign" | "scim" => Some(Kind::Foreign),
            _ => None,
        }
    }
}

/// Where a profile's secret is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum SecretPlace {
    /// The operating system's keychain.
    Keychain,
    /// In memory, for as long as the app runs: asked again after a restart.
    Session,
    /// A file readable by its owner alone.
    File { path: String },
}

/// A saved connection (`ConnectionProfile` in the window, apart from the checks' profiles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "ConnectionProfile")]
pub struct Profile {
    pub name: String,
    pub kind: Kind,
    /// The server's root or SCIM base URL.
    pub url: String,
    pub secret: SecretPlace,
    /// A foreign server: checks may create and remove test users and groups.
    #[serde(default)]
    pub allow_writes: bool,
    /// A foreign server: how often it is read again, in seconds.
    #[serde(default)]
    pub poll_seconds: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{0}")]
    Invalid(String),
    #[error("no connection is called '{0}'")]
    NotFound(String),
    #[error("{0}")]
    Io(String),
}

type Result<T, E = ProfileError> = std::result::Result<T, E>;

/// The profiles file: `SCIM_CONSOLE_CONNECTIONS`, else `connections.json` in the data folder.
pub fn default_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(PROFILES_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    crate::data_dir().map(|d| d.join("connections.json"))
}

/// The profiles kept in one file.
#[derive(Debug, Clone)]
pub struct Profiles {
    path: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    #[serde(default)]
    connections: Vec<Profile>,
}

impl Profiles {
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Profiles { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn list(&self) -> Result<Vec<Profile>> {
        Ok(self.read()?.connections)
    }

    pub fn get(&self, name: &str) -> Result<Profile> {
        self.list()?
            .into_iter()
            .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| ProfileError::NotFound(name.trim().to_owned()))
    }

    fn read(&self) -> Result<File> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                ProfileError::Io(format!(
                    "{} is not a connections file SCIM Console can read: {e}",
                    self.path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(File::default()),
            Err(e) => Err(ProfileError::Io(format!(
                "cannot read {}: {e}",
                self.path.display()
            ))),
        }
    }

    /// Written whole to a temporary file and renamed over the old one: never half-written.
    fn write(&self, f: &File) -> Result<()> {
        let io = |e: std::io::Error| {
            ProfileError::Io(format!("cannot write {}: {e}", self.path.display()))
        };
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        let bytes = serde_json::to_vec_pretty(f).map_err(|e| ProfileError::Io(e.to_string()))?;
        std::io::Write::write_all(&mut tmp, &bytes).map_err(io)?;
        tmp.persist(&self.path).map_err(|e| io(e.error))?;
        Ok(())
    }

    /// Adds or replaces the profile of that name.
    pub fn save(&self, p: Profile) -> Result<()> {
        validate(&p)?;
        let mut f = self.read()?;
        f.connections
            .retain(|o| !o.name.eq_ignore_ascii_case(&p.name));
        if let SecretPlace::File { path } = &p.secret {
            if let Some(other) = f
                .connections
                .iter()
                .find(|o| matches!(&o.secret, SecretPlace::File { path: q } if q == path))
            {
                return Err(ProfileError::Invalid(format!(
                    "'{}' keeps its token in {path} already: choose another file",
                    other.name
                )));
            }
        }
        if f.connections.len() >= MAX_PROFILES {
            return Err(ProfileError::Invalid(format!(
                "at most {MAX_PROFILES} connections can be kept; remove one first"
            )));
        }
        f.connections.push(p);
        f.connections.sort_by_key(|p| p.name.to_lowercase());
        self.write(&f)
    }

    /// Saves `p` with its secret kept where it says: both or neither (a secret whose profile
    /// could not be saved is taken back). Blocks on the keychain.
    pub fn save_with_secret(&self, p: Profile, secret: &str) -> Result<()> {
        validate(&p)?;
        store_secret(&p, secret)?;
        if let Err(e) = self.save(p.clone()) {
            forget_secret(&p);
            return Err(e);
        }
        Ok(())
    }

    /// Removes the profile and its secret (from the keychain or its file); the profile removed.
    pub fn remove(&self, name: &str) -> Result<Profile> {
        let mut f = self.read()?;
        let found = self.get(name)?;
        f.connections
            .retain(|o| !o.name.eq_ignore_ascii_case(&found.name));
        self.write(&f)?;
        forget_secret(&found);
        Ok(found)
    }
}

/// A profile's name, URL and interval are usable (nothing is sent anywhere).
pub fn validate(p: &Profile) -> Result<()> {
    let name = p.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(ProfileError::Invalid(format!(
            "a connection needs a name of 1 to {MAX_NAME} characters"
        )));
    }
    if name.eq_ignore_ascii_case("embedded") || name.eq_ignore_ascii_case("this computer") {
        return Err(ProfileError::Invalid(format!(
            "'{name}' names the app's own server; choose another name"
        )));
    }
    let url = reqwest::Url::parse(p.url.trim()).map_err(|e| {
        ProfileError::Invalid(format!(
            "'{}' is not a URL ({e}); it starts with https:// or http://",
            p.url.trim()
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ProfileError::Invalid(format!(
            "'{}' is not an http:// or https:// URL",
            p.url.trim()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ProfileError::Invalid(
            "put the token in the token field, not in the URL".to_owned(),
        ));
    }
    if let SecretPlace::File { path } = &p.secret {
        if !Path::new(path).is_absolute() {
            return Err(ProfileError::Invalid(format!(
                "give the secret file's full path ('{path}' depends on the folder you are in)"
            )));
        }
    }
    if let Some(s) = p.poll_seconds {
        if !(5..=86_400).contains(&s) {
            return Err(ProfileError::Invalid(
                "poll every 5 seconds to 24 hours".to_owned(),
            ));
        }
    }
    Ok(())
}

/// Whether a keychain can be used here, and if not, why (in words for the admin).
pub fn keychain() -> std::result::Result<(), String> {
    if std::env::var(KEYCHAIN_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
        return Err(format!("the keychain is turned off ({KEYCHAIN_ENV}=off)"));
    }
    // Asking for an entry that does not exist tells whether the store answers at all.
    let entry =
        keyring::Entry::new(KEYCHAIN_SERVICE, "scim-console-probe").map_err(|e| no_keychain(&e))?;
    match entry.get_password() {
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(no_keychain(&e)),
    }
}

fn no_keychain(e: &keyring::Error) -> String {
    format!("no keychain is available on this computer ({e})")
}

/// Keeps `secret` for `profile` where it asks; a file is created readable by its owner only.
/// Session secrets are the caller's to hold (nothing is written).
pub fn store_secret(profile: &Profile, secret: &str) -> Result<()> {
    match &profile.secret {
        SecretPlace::Session => Ok(()),
        SecretPlace::Keychain => {
            keychain().map_err(ProfileError::Invalid)?;
            keyring::Entry::new(KEYCHAIN_SERVICE, &profile.name)
                .and_then(|e| e.set_password(secret))
                .map_err(|e| ProfileError::Io(format!("the keychain refused the secret: {e}")))
        }
        SecretPlace::File { path } => write_private(Path::new(path), secret),
    }
}

/// The secret of `profile`: from the keychain or its file (`None` for a session secret).
pub fn load_secret(profile: &Profile) -> Result<Option<String>> {
    match &profile.secret {
        SecretPlace::Session => Ok(None),
        SecretPlace::Keychain => {
            let entry = keyring::Entry::new(KEYCHAIN_SERVICE, &profile.name)
                .map_err(|e| ProfileError::Io(no_keychain(&e)))?;
            match entry.get_password() {
                Ok(s) => Ok(Some(s)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(ProfileError::Io(no_keychain(&e))),
            }
        }
        SecretPlace::File { path } => read_private(Path::new(path)).map(Some),
    }
}

/// Removes the secret of `profile` from where it is kept (nothing for a session secret).
pub fn forget_secret(profile: &Profile) {
    match &profile.secret {
        SecretPlace::Session => {}
        SecretPlace::Keychain => {
            if let Ok(e) = keyring::Entry::new(KEYCHAIN_SERVICE, &profile.name) {
                let _ = e.delete_credential();
            }
        }
        SecretPlace::File { path } => {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn write_private(path: &Path, secret: &str) -> Result<()> {
    let io = |e: std::io::Error| ProfileError::Io(format!("cannot write {}: {e}", path.display()));
    if path.as_os_str().is_empty() {
        return Err(ProfileError::Invalid(
            "choose a file for the secret".to_owned(),
        ));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    // Written only as a plain file of its own: never through a link to another file.
    if let Ok(m) = std::fs::symlink_metadata(path) {
        if !m.file_type().is_file() {
            return Err(ProfileError::Invalid(format!(
                "{} is a link or a folder, not a file: choose a plain file",
                path.display()
            )));
        }
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io)?;
    // An existing file keeps its mode when opened: narrow it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io)?;
    }
    std::io::Write::write_all(&mut f, secret.as_bytes()).map_err(io)?;
    Ok(())
}

fn read_private(path: &Path) -> Result<String> {
    let io = |e: std::io::Error| ProfileError::Io(format!("cannot read {}: {e}", path.display()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(io)?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(ProfileError::Invalid(format!(
                "{} may be read by others (mode {:o}): run `chmod 600 {}` and try again",
                path.display(),
                mode & 0o777,
                path.display()
            )));
        }
    }
    let s = std::fs::read_to_string(path).map_err(io)?;
    Ok(s.trim().to_owned())
}
