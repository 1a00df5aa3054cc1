//! The deprovisioning guard: when more deactivations and deletions arrive within a window than
//! an admin expects (more than `count` *and* more than `percent` % of the active users), the
//! server holds the rest — it answers 503 with `Retry-After` and changes nothing — until an
//! admin releases them. Microsoft Entra ID calls this accidental-deletions prevention and does
//! it on its own side; doing it here protects against every client, Okta included.
//!
//! Identity providers retry: Entra retries failed objects on its next cycles and Okta keeps
//! failed pushes as tasks an admin can retry, so releasing lets the held changes through on
//! their next attempt. The state lives in the database, so every server on it holds together
//! and `scim-console guard release` works from any shell.

use scim_protocol::ScimError;
use scim_store::{HeldRequest, Store, UserRecord};

use crate::error::ApiError;
use crate::settings;

/// What `Retry-After` says of a held request: the identity provider may try again later; an
/// admin decides when it will succeed.
pub const RETRY_AFTER_SECS: u64 = 900;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardSettings {
    pub on: bool,
    /// More deprovisions than this within the window…
    pub count: u64,
    /// …that are also more than this percentage of the users active before them.
    pub percent: u64,
    pub window_minutes: u64,
}

impl Default for GuardSettings {
    fn default() -> Self {
        GuardSettings {
            on: true,
            count: 50,
            percent: 10,
            window_minutes: 15,
        }
    }
}

impl GuardSettings {
    pub fn from_settings(get: impl Fn(&str) -> Option<String>) -> Self {
        let d = GuardSettings::default();
        let num = |k: &str, default: u64| {
            get(k)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(default)
        };
        GuardSettings {
            on: get(settings::GUARD)
                .and_then(|v| settings::parse_switch(&v))
                .unwrap_or(d.on),
            count: num(settings::GUARD_COUNT, d.count),
            percent: num(settings::GUARD_PERCENT, d.percent),
            window_minutes: num(settings::GUARD_WINDOW, d.window_minutes).max(1),
        }
    }

    /// The rule in words, for errors, the app and the command line.
    pub fn describe(&self) -> String {
        format!(
            "more than {} deactivations and deletions within {} minutes that are also more than {}% of the active users",
            self.count, self.window_minutes, self.percent
        )
    }
}

/// Who sent a deprovision, for the held list.
#[derive(Debug, Clone, Default)]
pub struct Sender {
    pub client: Option<String>,
    pub token_name: Option<String>,
    pub address: Option<String>,
    /// The console's Okta simulator sent it.
    pub simulated: bool,
}

/// Lets a deactivation (`kind` = `deactivate`) or deletion of `user` through, or holds it.
pub async fn check(
    store: &dyn Store,
    g: &GuardSettings,
    user: &UserRecord,
    kind: &str,
    sender: &Sender,
) -> Result<(), ApiError> {
    if !g.on {
        return Ok(());
    }
    if store.take_released(&user.id).await? {
        return Ok(());
    }
    let state = store.guard_state().await?;
    if state.tripped_at.is_none() {
        let window_start = scim_store::format_time(
            chrono::Utc::now()
                - chrono::Duration::minutes(i64::try_from(g.window_minutes).unwrap_or(15)),
        );
        // A release starts a fresh count.
        let since = match state.released_at {
            Some(r) if r > window_start => r,
            _ => window_start,
        };
        let recent = store.count_deprovisions(&since).await? + 1;
        if recent <= g.count {
            return Ok(());
        }
        // Only past the count is the (scanning) count of users needed.
        let counts = store.count_users().await?;
        let before = counts.active + recent;
        if recent * 100 <= before * g.percent {
            return Ok(());
        }
        store
            .trip_guard(&format!(
                "{recent} deactivations and deletions within {} minutes, {}% of {before} active users",
                g.window_minutes,
                recent * 100 / before.max(1)
            ))
            .await?;
    }
    let now = scim_store::now();
    store
        .hold_request(&HeldRequest {
            resource_id: user.id.clone(),
            user_name: Some(user.user_name.clone()),
            kind: kind.to_owned(),
            client: sender.client.clone(),
            token_name: sender.token_name.clone(),
            address: sender.address.clone(),
            first_at: now.clone(),
            last_at: now,
            attempts: 1,
            released_at: None,
            simulated: sender.simulated,
        })
        .await?;
    let state = store.guard_state().await?;
    Err(ApiError::Scim(ScimError::new(
        503,
        None,
        format!(
            "held by the deprovisioning guard: {} (the rule: {}). Nothing was changed. An admin \
             can release the held deactivations and deletions in SCIM Console (the banner on \
             every screen) or with `scim-console guard release`; the next retry then goes through",
            state
                .reason
                .as_deref()
                .unwrap_or("too many deactivations and deletions"),
            g.describe()
        ),
    )))
}
