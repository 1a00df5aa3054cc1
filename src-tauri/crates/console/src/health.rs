//! Health at a glance: what the status strip on every screen shows (the identity provider's
//! last request, errors in the last 24 hours, the token's expiry, the policy) and the problems
//! the Health page lists, each with what to do about it. Everything comes from the requests
//! that actually arrived (the [`Evidence`]), the tokens and the guard.

use serde::Serialize;

use scim_server::settings::Policy;
use scim_store::{EventRecord, Permission, TokenRecord};

use crate::console::{token_state, CmdResult, Console, TokenView};
use crate::evidence::Evidence;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Requests fail, or will: the setup must change.
    Error,
    /// Some requests fail, or something needs attention soon.
    Warning,
    /// Worth knowing; nothing is broken.
    Info,
}

/// Something the window can do about a finding, in one click.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FindingAction {
    /// Define this role, so the value the identity provider sends becomes valid.
    AddRole { role: String },
    /// Open this user.
    ShowUser { user_name: String },
    /// Open Activity at this entry.
    ShowEvent { id: i64 },
    /// Open the Tokens screen.
    ShowTokens,
    /// Open the deprovisioning guard's held requests.
    ShowGuard,
}

/// A problem seen in the traffic or the configuration, with its fix.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Finding {
    /// A stable name for the kind of finding (`refused_role`, `create_refused`, …).
    pub code: &'static str,
    pub severity: Severity,
    /// What is wrong, in a line.
    pub title: String,
    /// What the requests show.
    pub detail: String,
    /// What to change, and where.
    pub fix: String,
    pub actions: Vec<FindingAction>,
    /// Since when (the first or latest request that shows it).
    pub at: Option<String>,
}

/// The status strip and the Health page.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct HealthView {
    /// The identity provider's latest real request (any token; never the simulator's).
    pub last_request: Option<EventRecord>,
    /// Real requests in the last 24 hours, and how many of them failed.
    pub requests_24h: u64,
    pub errors_24h: u64,
    /// The token the identity provider uses: the one that sent the latest request, else the
    /// only active Manage Users token.
    pub token: Option<TokenView>,
    pub policy: Policy,
    /// Worst first.
    pub findings: Vec<Finding>,
    /// When this was worked out.
    pub checked_at: String,
}

/// No request for this long is worth a note.
pub const QUIET_HOURS: i64 = 24;

fn hours_since(at: &str, now: chrono::DateTime<chrono::Utc>) -> Option<i64> {
    let t = chrono::DateTime::parse_from_rfc3339(at).ok()?;
    Some((now - t.with_timezone(&chrono::Utc)).num_hours())
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Findings from the evidence, for the policy and the roles defined now.
pub fn traffic_findings(
    e: &Evidence,
    policy: Policy,
    valid_roles: &[String],
    role_attr: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (role, r) in &e.refused_roles {
        if valid_roles.iter().any(|v| v.eq_ignore_ascii_case(role)) {
            // Defined since: the next push is accepted.
            continue;
        }
        let mut actions = vec![FindingAction::AddRole { role: role.clone() }];
        if let Some(u) = r.users.iter().next() {
            actions.push(FindingAction::ShowUser {
                user_name: u.clone(),
            });
        }
        out.push(Finding {
            code: "refused_role",
            severity: Severity::Warning,
            title: format!("Refused role '{role}'"),
            detail: format!(
                "The identity provider sent {role_attr} = '{role}' in {} for {}; '{role}' is not a role here, so {} kept {} role.",
                plural(r.requests, "request", "requests"),
                plural(r.users.len() as u64, "user", "users"),
                if r.users.len() == 1 { "that user" } else { "those users" },
                if r.users.len() == 1 { "its" } else { "their" },
            ),
            fix: format!(
                "Add '{role}' as a role here, or correct the value in Okta. Defining {role_attr} in Okta's profile editor as an enum of the valid roles ({}) keeps wrong values from being chosen.",
                valid_roles.join(", ")
            ),
            actions,
            at: Some(r.last.event.at.clone()),
        });
    }
    if let Some(s) = &e.create_refused {
        if policy == Policy::Jit {
            out.push(Finding {
                code: "create_refused",
                severity: Severity::Error,
                title: "Okta is trying to create users".to_owned(),
                detail: format!(
                    "{} to create a user (POST /Users) got 403: with just-in-time provisioning, users are created by their first SAML login, not over SCIM.",
                    plural(s.requests, "request", "requests")
                ),
                fix: "In Okta: the app → Provisioning → To App → Edit → turn off Create Users (and Push New Users in the connection's provisioning actions). Or, if the identity provider should create users, switch the policy to full provisioning in Settings.".to_owned(),
                actions: vec![FindingAction::ShowEvent { id: s.last.id }],
                at: Some(s.last.event.at.clone()),
            });
        }
    }
    if let Some(s) = e.groups_refused.as_ref().filter(|_| policy == Policy::Jit) {
        out.push(Finding {
            code: "groups_refused",
            severity: Severity::Error,
            title: "Okta is pushing or importing groups".to_owned(),
            detail: format!(
                "{} to /Groups failed: this server does not keep groups.",
                plural(s.requests, "request", "requests")
            ),
            fix: "In Okta: turn off Import Groups (Provisioning → Integration) and remove the app's pushed groups (Push Groups tab). Assigning users through groups still works.".to_owned(),
            actions: vec![FindingAction::ShowEvent { id: s.last.id }],
            at: Some(s.last.event.at.clone()),
        });
    }
    if let Some(s) = &e.entra_legacy {
        out.push(Finding {
            code: "entra_legacy_dialect",
            severity: Severity::Info,
            title: "Entra ID sends its PATCH dialect from before 2020".to_owned(),
            detail: format!(
                "{} used capitalised operations or booleans written as \"True\"/\"False\". This server accepts them, but the Tenant URL lacks the ?aadOptscim062020 flag that makes Entra follow the SCIM standard.",
                plural(s.requests, "PATCH", "PATCHes")
            ),
            fix: "In the Entra admin center: Enterprise applications → this app → Provisioning → Admin Credentials, add ?aadOptscim062020 to the end of the Tenant URL, Test Connection, Save.".to_owned(),
            actions: vec![FindingAction::ShowEvent { id: s.last.id }],
            at: Some(s.last.event.at.clone()),
        });
    }
    if let Some(s) = &e.okta_put {
        out.push(Finding {
            code: "okta_put_everything",
            severity: Severity::Info,
            title: "This Okta app sends PUT for every change".to_owned(),
            detail: format!(
                "Okta deactivated users with a PUT of the whole user ({}), as apps made with Okta's App Integration Wizard do. Each change rewrites the whole user from what Okta last read, so a change made here in between is overwritten.",
                plural(s.requests, "request", "requests")
            ),
            fix: "Nothing needs fixing for provisioning to work. For PATCH updates, use the vendor's app from the Okta Integration Network (or Okta's SCIM 2.0 Test App) instead of a wizard-made app.".to_owned(),
            actions: vec![FindingAction::ShowEvent { id: s.last.id }],
            at: Some(s.last.event.at.clone()),
        });
    }
    if let Some(last) = e.missing_users.back() {
        out.push(Finding {
            code: "missing_users",
            severity: if policy == Policy::Jit { Severity::Info } else { Severity::Warning },
            title: format!("{} for users who are not here", plural(e.missing_total, "update", "updates")),
            detail: match policy {
                Policy::Jit => "Okta pushed profile updates (404) to users who have not logged in yet: with just-in-time provisioning they exist only after their first SAML login.".to_owned(),
                Policy::Full => "Okta pushed updates (404) to users this server does not have: they were deleted here, or never created.".to_owned(),
            },
            fix: match policy {
                Policy::Jit => "Nothing to fix: the next push after the user's first login succeeds. Okta lists the failed pushes under Dashboard → Tasks, where they can be dismissed.".to_owned(),
                Policy::Full => "In Okta, unassign and reassign the user (or use Provisioning → Force Sync) so it is created again.".to_owned(),
            },
            actions: last
                .event
                .user_name
                .clone()
                .map(|u| FindingAction::ShowUser { user_name: u })
                .into_iter()
                .chain([FindingAction::ShowEvent { id: last.id }])
                .collect(),
            at: Some(last.event.at.clone()),
        });
    }
    out
}

/// Findings about tokens: the one in use expired, revoked or about to expire.
fn token_findings(token: Option<&TokenView>) -> Vec<Finding> {
    let Some(t) = token else {
        return Vec::new();
    };
    let name = &t.token.name;
    let (severity, title, detail) = match t.state {
        "expired" => (
            Severity::Error,
            format!("The token '{name}' has expired"),
            "Every request with it is refused (401); Okta marks the app's provisioning as failing."
                .to_owned(),
        ),
        "revoked" => (
            Severity::Error,
            format!("The token '{name}' is revoked"),
            "Every request with it is refused (401).".to_owned(),
        ),
        "expiring" => (
            Severity::Warning,
            format!(
                "The token '{name}' expires on {}",
                t.token
                    .expires
                    .as_deref()
                    .unwrap_or("?")
                    .get(..10)
                    .unwrap_or("?")
            ),
            "When it expires, every request with it is refused (401).".to_owned(),
        ),
        _ => return Vec::new(),
    };
    vec![Finding {
        code: "token",
        severity,
        title,
        detail,
        fix: "Create a new Manage Users token (Tokens, or step 2 of the guide) and paste it into Okta: the app → Provisioning → Integration → Edit → API Token, then Test API Credentials.".to_owned(),
        actions: vec![FindingAction::ShowTokens],
        at: t.token.expires.clone(),
    }]
}

impl Console {
    /// The token the identity provider uses: the active Manage Users token with the latest
    /// real request, else the token that sent the latest request, else the only active one.
    pub(crate) fn token_in_use(
        e: &Evidence,
        tokens: &[TokenRecord],
        now: &str,
    ) -> Option<TokenView> {
        let latest = |t: &&TokenRecord| e.by_token.get(&t.id).map(|tt| tt.last.id);
        let real = |t: &&TokenRecord| !t.simulator && t.permission == Permission::UserModify;
        let active: Vec<&TokenRecord> = tokens
            .iter()
            .filter(real)
            .filter(|t| t.is_valid_at(now))
            .collect();
        let chosen = active
            .iter()
            .copied()
            .filter(|t| latest(t).is_some())
            .max_by_key(latest)
            .or_else(|| {
                tokens
                    .iter()
                    .filter(real)
                    .filter(|t| latest(t).is_some())
                    .max_by_key(latest)
            })
            .or_else(|| (active.len() == 1).then(|| active[0]))?;
        Some(TokenView {
            state: token_state(chosen, now),
            token: chosen.clone(),
        })
    }

    pub async fn health(&self) -> CmdResult<HealthView> {
        let rt = self.core.runtime().await?;
        let now_t = chrono::Utc::now();
        let now = scim_store::format_time(now_t);
        let day_ago = crate::evidence::day_ago(now_t);
        let tokens = self.core.read().list_tokens().await?;
        let guard = self.core.read().guard_state().await?;

        let e = self.evidence().await?;
        let day = e.since(&day_ago);
        let unauthenticated = day.unauthorized;
        let last_request = e.last_request().cloned();
        let token = Self::token_in_use(&e, &tokens, &now);
        let mut findings = traffic_findings(&e, rt.policy, &rt.roles, &rt.role_attr);
        drop(e);
        findings.extend(token_findings(token.as_ref()));
        if let Some(at) = &guard.tripped_at {
            findings.push(Finding {
                code: "guard",
                severity: Severity::Error,
                title: "Deactivations and deletions are held".to_owned(),
                detail: guard
                    .reason
                    .clone()
                    .unwrap_or_else(|| "The deprovisioning guard tripped.".to_owned()),
                fix: "Check the held requests: release them if the identity provider meant them, or keep holding and fix the assignment in the identity provider.".to_owned(),
                actions: vec![FindingAction::ShowGuard],
                at: Some(at.clone()),
            });
        }
        if unauthenticated > 0 {
            findings.push(Finding {
                code: "unauthorized",
                severity: Severity::Error,
                title: format!(
                    "{} without a valid token in the last 24 hours",
                    plural(unauthenticated, "request", "requests")
                ),
                detail: "Answered 401: no Authorization header, a token that does not exist here, or one that is revoked or expired.".to_owned(),
                fix: "Paste the current token into Okta (Provisioning → Integration → API Token). Okta sends it as 'Bearer <token>' itself: paste the secret alone, without 'Bearer'.".to_owned(),
                actions: vec![FindingAction::ShowTokens],
                at: None,
            });
        }
        match last_request.as_ref().map(|r| r.event.at.as_str()) {
            Some(at) => {
                if let Some(h) = hours_since(at, now_t).filter(|h| *h >= QUIET_HOURS) {
                    findings.push(Finding {
                        code: "quiet",
                        severity: Severity::Info,
                        title: format!("No request from the identity provider for {h} hours"),
                        detail: "Okta calls only when something changes for an assigned user (Entra every 40 minutes or so), so quiet can be normal.".to_owned(),
                        fix: "If users changed meanwhile, check Okta's Dashboard → Tasks for failed pushes and the app's Provisioning → Integration → Test API Credentials.".to_owned(),
                        actions: Vec::new(),
                        at: Some(at.to_owned()),
                    });
                }
            }
            None => findings.push(Finding {
                code: "no_requests",
                severity: Severity::Info,
                title: "No request from an identity provider yet".to_owned(),
                detail: "Nothing has called this server with a token yet (the simulator's requests do not count).".to_owned(),
                fix: "Follow the Connect Okta guide: it ends with Okta's first request arriving here.".to_owned(),
                actions: Vec::new(),
                at: None,
            }),
        }
        findings.sort_by_key(|f| f.severity);
        Ok(HealthView {
            last_request,
            requests_24h: day.requests,
            errors_24h: day.errors,
            token,
            policy: rt.policy,
            findings,
            checked_at: now,
        })
    }
}
