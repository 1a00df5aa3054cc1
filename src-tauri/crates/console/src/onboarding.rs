//! The Okta onboarding steps, their state, and their verification from the requests that
//! arrive. Progress is kept in the database (console state `onboarding`), so the guide can be left
//! and resumed; a step's verified time, once seen, is kept even after the event log is pruned.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use scim_server::settings::Policy;
use scim_server::Runtime;
use scim_store::{EventRecord, Permission, TokenRecord, UserCounts};

use crate::console::{
    token_state, user_row, CmdResult, CommandError, Console, ErrorCode, NewTokenView, TokenView,
    UserRow,
};
use crate::health::{traffic_findings, Finding};

/// The guide's progress in the console's state (not a setting: ticking a step is not a
/// configuration change).
const PROGRESS_KEY: &str = "onboarding";
pub const STEPS: u8 = 6;

/// What the admin has done so far; stored as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The step shown (1-based).
    #[serde(default)]
    pub current: u8,
    /// The token created for Okta in step 2.
    #[serde(default)]
    pub token_id: Option<i64>,
    /// When its secret was copied.
    #[serde(default)]
    pub secret_copied: Option<String>,
    /// `email` or `userName`: Okta's *Unique identifier field for users*.
    #[serde(default)]
    pub unique_identifier: Option<String>,
    /// Steps the admin marked done, with the time.
    #[serde(default)]
    pub done: BTreeMap<u8, String>,
    /// Steps verified from arriving requests, with the time of the first such request.
    #[serde(default)]
    pub verified: BTreeMap<u8, String>,
    /// Since when step 3 has waited for Okta's first request with the token (reset by a new
    /// token).
    #[serde(default)]
    pub connect_since: Option<String>,
}

/// How long step 3 waits for Okta's first request before it offers troubleshooting.
pub const TROUBLESHOOT_AFTER_MINUTES: i64 = 5;

/// Whether Okta's cloud can call the Tenant URL, and why not.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Reachability {
    /// `usable` or `unusable`.
    #[ts(type = "\"usable\" | \"unusable\"")]
    pub verdict: &'static str,
    /// What is wrong, in plain words (empty when usable).
    pub reasons: Vec<String>,
    /// What to do about it (none when usable).
    pub fix: Option<String>,
}

pub const REACHABILITY_FIX: &str = "Set the public HTTPS address Okta will use — your reverse proxy or tunnel, e.g. https://scim.example.com — at the top of this step.";

/// The verdict on the Tenant URL: usable only with a public base URL that
/// [`scim_server::settings::url_warnings`] finds nothing wrong with.
pub fn reachability(public_url: Option<&str>, tenant_url: &str) -> Reachability {
    let mut reasons = Vec::new();
    if public_url.is_none() {
        reasons.push(
            "No public HTTPS address is set, so the Tenant URL is this console's own address"
                .to_owned(),
        );
    }
    reasons.extend(scim_server::settings::url_warnings(
        public_url.unwrap_or(tenant_url),
    ));
    Reachability {
        verdict: if reasons.is_empty() {
            "usable"
        } else {
            "unusable"
        },
        fix: (!reasons.is_empty()).then(|| REACHABILITY_FIX.to_owned()),
        reasons,
    }
}

/// A change the window asks for.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OnboardingChange {
    GoTo {
        step: u8,
    },
    /// Step 2: give Okta a Manage Users token that exists already instead of a new one.
    UseToken {
        id: i64,
    },
    MarkDone {
        step: u8,
        done: bool,
    },
    SecretCopied,
    UniqueIdentifier {
        value: String,
    },
    Restart,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct StepView {
    pub number: u8,
    pub title: &'static str,
    /// `todo`, `done` or `verified`.
    #[ts(type = "\"todo\" | \"done\" | \"verified\"")]
    pub state: &'static str,
    /// When it was marked done or verified.
    pub at: Option<String>,
    /// What the traffic shows is wrong, fixed in this step (a verified step with notes is shown
    /// as a warning).
    pub notes: Vec<Finding>,
}

/// The guide's last card: Okta is connected.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Connected {
    /// The identity provider's latest request.
    pub last_request: EventRecord,
    /// Failed real requests in the last 24 hours.
    pub errors_24h: u64,
}

/// One value to type or paste into Okta.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct OktaField {
    pub label: String,
    pub value: String,
    /// Whether a copy button makes sense (false for a choice among options, or a value that
    /// cannot be used yet).
    pub copy: bool,
    pub hint: Option<String>,
    /// Why the value cannot be used as it is, when it cannot.
    pub unusable: Option<String>,
}

pub(crate) fn field(label: &str, value: impl Into<String>, hint: Option<&str>) -> OktaField {
    OktaField {
        label: label.to_owned(),
        value: value.into(),
        copy: true,
        hint: hint.map(str::to_owned),
        unusable: None,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct OnboardingView {
    pub current: u8,
    pub steps: Vec<StepView>,
    pub policy: Policy,
    // Step 2.
    pub token: Option<TokenView>,
    /// Active Manage Users tokens that exist already (step 2 offers to use one).
    pub existing_tokens: Vec<TokenView>,
    /// The token whose request verified step 3 (any active Manage Users token counts).
    pub verified_by: Option<String>,
    /// Set once steps 3 to 5 are verified.
    pub connected: Option<Connected>,
    /// The token's secret while the console that created it runs.
    pub secret: Option<String>,
    pub secret_copied: Option<String>,
    // Step 3.
    pub tenant_url: String,
    pub public_url: Option<String>,
    /// Whether Okta's cloud can call the Tenant URL.
    pub reachability: Reachability,
    /// Since when the step has waited for the token's first request (none once it arrived).
    pub waiting_since: Option<String>,
    /// From when the step offers troubleshooting, if the first request has not arrived by then.
    pub troubleshoot_at: Option<String>,
    #[ts(type = "\"email\" | \"userName\"")]
    pub unique_identifier: String,
    pub connection_fields: Vec<OktaField>,
    /// The first request authenticated with the token.
    pub first_request: Option<EventRecord>,
    /// The latest one.
    pub last_request: Option<EventRecord>,
    // Step 4.
    pub to_app: Vec<String>,
    pub profile_update: Option<EventRecord>,
    pub deactivation: Option<EventRecord>,
    // Step 5.
    pub role_fields: Vec<OktaField>,
    pub saml_statement: Vec<OktaField>,
    pub valid_roles: Vec<String>,
    pub default_role: String,
    pub role_request: Option<EventRecord>,
    /// The latest request whose role was refused, when it came after the last accepted one.
    pub invalid_role: Option<EventRecord>,
    // Step 6.
    pub users: UserCounts,
    /// Users who never logged in (a few; `users.never_logged_in` counts them all).
    pub never_logged_in: Vec<UserRow>,
    /// Recent updates that found no user: Okta pushing to someone who has not logged in.
    pub missing_user_updates: Vec<EventRecord>,
    /// Full provisioning: the groups to push in Okta's Push Groups tab and the roles their
    /// names grant.
    pub group_naming: Option<crate::entra_guide::GroupNaming>,
}

const TITLES: [&str; STEPS as usize] = [
    "Prerequisites",
    "Create the API token",
    "Connect Okta",
    "To App settings",
    "Role attribute",
    "Assign users",
];

/// "pantherRole" → "Panther Role".
fn display_name(attr: &str) -> String {
    let mut out = String::new();
    for (i, c) in attr.chars().enumerate() {
        if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            if c.is_uppercase() {
                out.push(' ');
            }
            out.push(c);
        }
    }
    out
}

/// "pantherRole" → "PantherRole", the SAML attribute statement's name.
fn statement_name(attr: &str) -> String {
    let mut c = attr.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub fn role_fields(attr: &str, roles: &[String]) -> Vec<OktaField> {
    vec![
        field("Data type", "string", None),
        field("Display name", display_name(attr), None),
        field("Variable name", attr, None),
        field("External name", attr, None),
        field(
            "External namespace",
            scim_protocol::schema::USER_SCHEMA,
            Some("Okta then sends the role as a top-level member of the user."),
        ),
        OktaField {
            label: "Enum".to_owned(),
            value: roles.join(", "),
            copy: false,
            hint: Some(format!(
                "Tick 'Define enumerated list of values' and add each role ({}) with the same display name and value: Okta then offers only valid roles in the assignment dialog, and a misspelt role cannot be sent.",
                roles.join(", ")
            )),
            unusable: None,
        },
    ]
}

pub fn saml_statement(attr: &str) -> Vec<OktaField> {
    vec![
        field("Name", statement_name(attr), None),
        field("Name format", "Unspecified", None),
        field("Value", format!("appuser.{attr}"), None),
    ]
}

fn connection_fields(
    tenant_url: &str,
    reach: &Reachability,
    secret: Option<&str>,
    token_name: Option<&str>,
    unique: &str,
    policy: Policy,
) -> Vec<OktaField> {
    let mut actions = vec!["Push Profile Updates"];
    if policy == Policy::Full {
        actions.insert(0, "Push New Users");
        actions.push("Push Groups");
    }
    let auth = match (secret, token_name) {
        (Some(s), _) => field(
            "Authorization",
            s,
            Some("Okta sends it as 'Authorization: Bearer <token>'."),
        ),
        (None, Some(name)) => OktaField {
            label: "Authorization".to_owned(),
            value: format!("the secret of the token '{name}'"),
            copy: false,
            hint: Some(
                "The secret was shown once when the token was created. If it is lost, create a new token in step 2."
                    .to_owned(),
            ),
            unusable: None,
        },
        (None, None) => OktaField {
            label: "Authorization".to_owned(),
            value: "create the token in step 2 first".to_owned(),
            copy: false,
            hint: None,
            unusable: None,
        },
    };
    let mut base = field(
        "SCIM connector base URL",
        tenant_url,
        Some("The Tenant URL of this server."),
    );
    if reach.verdict != "usable" {
        base.copy = false;
        base.unusable = Some(format!(
            "Okta cannot use this URL. {}.",
            reach.reasons.join(". ")
        ));
        base.hint = reach.fix.clone();
    }
    vec![
        base,
        field(
            "Unique identifier field for users",
            unique,
            Some("Okta still looks users up by userName either way."),
        ),
        OktaField {
            label: "Supported provisioning actions".to_owned(),
            value: actions.join(", "),
            copy: false,
            hint: Some(match policy {
                Policy::Jit => "Only Push Profile Updates: users are created by their first SAML login here (just-in-time), so leave Push New Users and Push Groups off.".to_owned(),
                Policy::Full => "Users and groups are created over SCIM (full provisioning): Okta pushes new users, and the groups you push in its Push Groups tab.".to_owned(),
            }),
            unusable: None,
        },
        OktaField {
            label: "Authentication Mode".to_owned(),
            value: "HTTP Header".to_owned(),
            copy: false,
            hint: None,
            unusable: None,
        },
        auth,
    ]
}

impl Console {
    async fn progress(&self) -> CmdResult<Progress> {
        self.progress_at(PROGRESS_KEY).await
    }

    async fn save_progress(&self, p: &Progress) -> CmdResult<()> {
        self.save_progress_at(PROGRESS_KEY, p).await
    }

    /// A guide's progress, kept in the console's state under `key`.
    pub(crate) async fn progress_at(&self, key: &str) -> CmdResult<Progress> {
        Ok(match self.core.read().console_state(key).await? {
            Some(s) => serde_json::from_str(&s).unwrap_or_default(),
            None => Progress::default(),
        })
    }

    pub(crate) async fn save_progress_at(&self, key: &str, p: &Progress) -> CmdResult<()> {
        let s = serde_json::to_string(p)
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
        Ok(self.core.set_console_state(key, &s).await?)
    }

    /// Step 2: creates the token Okta will use (Manage Users), and makes it the one the next
    /// steps show and verify against.
    pub async fn onboarding_create_token(
        &self,
        name: &str,
        expires_in_days: Option<u32>,
    ) -> CmdResult<NewTokenView> {
        let created = self
            .create_token(name, "UserModify", expires_in_days)
            .await?;
        let mut p = self.progress().await?;
        p.token_id = Some(created.token.token.id);
        p.secret_copied = None;
        p.connect_since = None;
        p.verified.remove(&2);
        p.verified.remove(&3);
        p.done.insert(2, scim_store::now());
        self.save_progress(&p).await?;
        Ok(created)
    }

    pub async fn onboarding_update(&self, change: OnboardingChange) -> CmdResult<OnboardingView> {
        let mut p = self.progress().await?;
        match change {
            OnboardingChange::UniqueIdentifier { value } => {
                let v = value.trim();
                p.unique_identifier = Some(match v {
                    "email" | "userName" => v.to_owned(),
                    _ => {
                        return Err(CommandError::new(
                            ErrorCode::InvalidValue,
                            format!("The unique identifier is 'email' or 'userName', not '{v}'."),
                        ))
                    }
                });
            }
            other => {
                self.apply_guide_change(&mut p, other, STEPS, "Okta")
                    .await?
            }
        }
        self.save_progress(&p).await?;
        self.onboarding().await
    }

    /// A change to a guide's progress that every guide takes the same way (the guide has
    /// `steps` steps; `idp` names the identity provider in errors).
    pub(crate) async fn apply_guide_change(
        &self,
        p: &mut Progress,
        change: OnboardingChange,
        steps: u8,
        idp: &str,
    ) -> CmdResult<()> {
        let check = |step: u8| {
            if (1..=steps).contains(&step) {
                Ok(step)
            } else {
                Err(CommandError::new(
                    ErrorCode::InvalidValue,
                    format!("There is no step {step}; the steps are 1 to {steps}."),
                ))
            }
        };
        match change {
            OnboardingChange::GoTo { step } => p.current = check(step)?,
            OnboardingChange::UseToken { id } => {
                let now = scim_store::now();
                let t = self
                    .core
                    .read()
                    .list_tokens()
                    .await?
                    .into_iter()
                    .find(|t| t.id == id)
                    .ok_or_else(|| {
                        CommandError::new(ErrorCode::NotFound, "That token does not exist.")
                    })?;
                if t.simulator || t.permission != Permission::UserModify || !t.is_valid_at(&now) {
                    return Err(CommandError::new(
                        ErrorCode::InvalidValue,
                        format!(
                            "The token '{}' cannot be given to {idp}: it must be an active Manage Users (UserModify) token.",
                            t.name
                        ),
                    ));
                }
                p.token_id = Some(t.id);
                p.secret_copied = None;
                p.connect_since = None;
                p.done.insert(2, now);
            }
            OnboardingChange::MarkDone { step, done } => {
                let step = check(step)?;
                if done {
                    p.done.entry(step).or_insert_with(scim_store::now);
                } else {
                    p.done.remove(&step);
                }
            }
            OnboardingChange::SecretCopied => {
                if p.token_id.is_none() {
                    return Err(CommandError::new(
                        ErrorCode::InvalidValue,
                        "There is no token to copy yet; create it in step 2.",
                    ));
                }
                p.secret_copied = Some(scim_store::now());
            }
            OnboardingChange::UniqueIdentifier { .. } => {
                return Err(CommandError::new(
                    ErrorCode::InvalidValue,
                    format!("{idp} has no unique identifier to choose."),
                ))
            }
            OnboardingChange::Restart => *p = Progress::default(),
        }
        Ok(())
    }

    pub async fn onboarding(&self) -> CmdResult<OnboardingView> {
        let rt = self.core.runtime().await?;
        let mut p = self.progress().await?;
        let before = p.clone();
        let now = scim_store::now();
        let tokens = self.core.read().list_tokens().await?;
        let view = |t: &TokenRecord| TokenView {
            state: token_state(t, &now),
            token: t.clone(),
        };
        let token = p
            .token_id
            .and_then(|id| tokens.iter().find(|t| t.id == id))
            .map(view);
        let secret = p.token_id.and_then(|id| self.secret_for(id));
        // Any active Manage Users token Okta could have been given: never the simulator's, nor
        // the one demo mode's sample week came with (sample data verifies nothing).
        let usable: Vec<&TokenRecord> = tokens
            .iter()
            .filter(|t| {
                !t.simulator
                    && t.name != scim_server::demo::HISTORY_TOKEN
                    && t.permission == Permission::UserModify
                    && t.is_valid_at(&now)
            })
            .collect();
        let existing_tokens = usable.iter().map(|t| view(t)).collect();

        let e = self.evidence().await?;
        // Step 3: a request authenticated with the chosen token, else with any usable one.
        let chosen: Vec<i64> = p.token_id.into_iter().collect();
        let any: Vec<i64> = usable.iter().map(|t| t.id).collect();
        let traffic = e.first_of(&chosen).or_else(|| e.first_of(&any)).cloned();
        let verified_by = traffic
            .as_ref()
            .and_then(|tt| tt.first.event.token_name.clone());
        let (first_request, last_request) = match &traffic {
            Some(tt) => (Some(tt.first.clone()), Some(tt.last.clone())),
            None => (None, None),
        };
        if let Some(e) = &first_request {
            p.verified.entry(2).or_insert_with(|| e.event.at.clone());
            p.verified.entry(3).or_insert_with(|| e.event.at.clone());
        }
        if p.current == 3 && p.token_id.is_some() && p.connect_since.is_none() {
            p.connect_since = Some(now.clone());
        }
        let waiting_since = p.connect_since.clone().filter(|_| first_request.is_none());
        let troubleshoot_at = waiting_since.as_deref().and_then(|since| {
            let t = chrono::DateTime::parse_from_rfc3339(since).ok()?;
            Some(scim_store::format_time(
                t.with_timezone(&chrono::Utc)
                    + chrono::Duration::minutes(TROUBLESHOOT_AFTER_MINUTES),
            ))
        });

        // Step 4: a profile update (a deactivation alone is not one).
        let profile_update = e.earliest(&any, |t| t.profile_update.as_ref()).cloned();
        let deactivation = e.earliest(&any, |t| t.deactivation.as_ref()).cloned();
        if let Some(u) = &profile_update {
            p.verified.entry(4).or_insert_with(|| u.event.at.clone());
        }

        // Step 5: a request carrying the role attribute.
        let role_request = e.earliest(&any, |t| t.role_request.as_ref()).cloned();
        if let Some(r) = &role_request {
            p.verified.entry(5).or_insert_with(|| r.event.at.clone());
        }
        let invalid_role = e
            .invalid_role
            .clone()
            .filter(|bad| e.last_good_role.is_none_or(|good| bad.id > good));

        // What the traffic shows is wrong, on the step where it is fixed.
        let findings = traffic_findings(&e, rt.policy, &rt.roles, &rt.role_attr);
        let missing_user_updates: Vec<EventRecord> = e.missing_users.iter().cloned().collect();
        let last_any = e.last_request().cloned();
        let day = e.since(&crate::evidence::day_ago(chrono::Utc::now()));
        drop(e);
        let notes_for = |step: u8| -> Vec<Finding> {
            findings
                .iter()
                .filter(|f| match f.code {
                    "create_refused" | "groups_refused" | "okta_put_everything" => step == 4,
                    "refused_role" => step == 5,
                    "missing_users" => step == 6,
                    _ => false,
                })
                .cloned()
                .collect()
        };

        // Step 6.
        let users = self.core.read().count_users().await?;
        let never_logged_in = self.never_logged_in(&rt, 10).await?;

        if p != before {
            self.save_progress(&p).await?;
        }
        let connected = match (
            &last_any,
            [3, 4, 5].iter().all(|n| p.verified.contains_key(n)),
        ) {
            (Some(last), true) => Some(Connected {
                last_request: last.clone(),
                errors_24h: day.errors,
            }),
            _ => None,
        };
        let steps = (1..=STEPS)
            .map(|n| {
                let (state, at) = match (p.verified.get(&n), p.done.get(&n)) {
                    (Some(v), _) => ("verified", Some(v.clone())),
                    (None, Some(d)) => ("done", Some(d.clone())),
                    (None, None) => ("todo", None),
                };
                StepView {
                    number: n,
                    title: TITLES[usize::from(n - 1)],
                    state,
                    at,
                    notes: notes_for(n),
                }
            })
            .collect();
        let unique = p
            .unique_identifier
            .clone()
            .unwrap_or_else(|| "userName".to_owned());
        let tenant_url = self.tenant_url(&rt);
        let public_url = rt.public_root().map(str::to_owned);
        let reach = reachability(public_url.as_deref(), &tenant_url);
        let mut to_app = vec![
            "Update User Attributes".to_owned(),
            "Deactivate Users".to_owned(),
        ];
        if rt.policy == Policy::Full {
            to_app.insert(0, "Create Users".to_owned());
        }
        Ok(OnboardingView {
            current: p.current.clamp(1, STEPS),
            steps,
            policy: rt.policy,
            connection_fields: connection_fields(
                &tenant_url,
                &reach,
                secret.as_deref(),
                token.as_ref().map(|t| t.token.name.as_str()),
                &unique,
                rt.policy,
            ),
            token,
            existing_tokens,
            verified_by,
            connected,
            secret,
            secret_copied: p.secret_copied.clone(),
            reachability: reach,
            waiting_since,
            troubleshoot_at,
            tenant_url,
            public_url,
            unique_identifier: unique,
            first_request,
            last_request,
            to_app,
            profile_update,
            deactivation,
            role_fields: role_fields(&rt.role_attr, &rt.roles),
            saml_statement: saml_statement(&rt.role_attr),
            valid_roles: rt.roles.clone(),
            default_role: rt.default_role.clone(),
            role_request,
            invalid_role,
            users,
            never_logged_in,
            missing_user_updates,
            group_naming: (rt.policy == Policy::Full)
                .then(|| crate::entra_guide::group_naming(&rt)),
        })
    }

    async fn never_logged_in(&self, rt: &Runtime, limit: u64) -> CmdResult<Vec<UserRow>> {
        Ok(self
            .core
            .read()
            .never_logged_in(limit)
            .await?
            .iter()
            .map(|u| user_row(rt, u))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_role_attribute() {
        assert_eq!(display_name("pantherRole"), "Panther Role");
        assert_eq!(statement_name("pantherRole"), "PantherRole");
        assert_eq!(display_name("appRole"), "App Role");
        assert_eq!(statement_name(""), "");
        let s = saml_statement("pantherRole");
        assert_eq!(s[0].value, "PantherRole");
        assert_eq!(s[2].value, "appuser.pantherRole");
    }

    #[test]
    fn push_new_users_only_in_full_provisioning() {
        let local = "http://127.0.0.1:1/scim/v2";
        let jit = connection_fields(
            local,
            &reachability(None, local),
            None,
            None,
            "email",
            Policy::Jit,
        );
        assert_eq!(jit[2].value, "Push Profile Updates");
        let public = "https://scim.example.com/scim/v2";
        let ok = reachability(Some("https://scim.example.com"), public);
        let full = connection_fields(
            public,
            &ok,
            Some("s3cret"),
            Some("t"),
            "userName",
            Policy::Full,
        );
        assert_eq!(
            full[2].value,
            "Push New Users, Push Profile Updates, Push Groups"
        );
        assert_eq!(full[4].value, "s3cret");
        assert!(full[4].copy);
        let lost = connection_fields(
            public,
            &ok,
            None,
            Some("Okta-SCIM"),
            "userName",
            Policy::Jit,
        );
        assert!(!lost[4].copy);
        assert!(lost[4].value.contains("Okta-SCIM"));
    }

    #[test]
    fn the_tenant_url_is_offered_for_copying_only_when_okta_can_reach_it() {
        let local = "http://127.0.0.1:5151/scim/v2";
        let r = reachability(None, local);
        assert_eq!(r.verdict, "unusable");
        let all = r.reasons.join(" ");
        assert!(all.contains("No public HTTPS address"), "{all}");
        assert!(all.contains("loopback") && all.contains("HTTPS"), "{all}");
        assert!(r
            .fix
            .as_deref()
            .unwrap()
            .contains("reverse proxy or tunnel"));
        let f = &connection_fields(local, &r, None, None, "userName", Policy::Jit)[0];
        assert!(!f.copy);
        assert!(f.unusable.as_deref().unwrap().contains("loopback"));

        for (public, words) in [
            ("https://10.0.0.4", "private"),
            ("https://192.168.1.20:8443", "private"),
            ("https://localhost:8443", "loopback"),
            ("https://scim.local", ".local"),
            ("http://scim.example.com", "HTTPS"),
            ("https://my_host.example.com", "'_'"),
        ] {
            let r = reachability(Some(public), &format!("{public}/scim/v2"));
            assert_eq!(r.verdict, "unusable", "{public}");
            assert!(r.reasons.join(" ").contains(words), "{public}: {r:?}");
            assert!(
                !r.reasons.join(" ").contains("No public"),
                "{public}: {r:?}"
            );
        }

        let good = "https://scim.example.com/scim/v2";
        let r = reachability(Some("https://scim.example.com"), good);
        assert_eq!(r.verdict, "usable");
        assert!(r.reasons.is_empty() && r.fix.is_none());
        let f = &connection_fields(good, &r, None, None, "userName", Policy::Jit)[0];
        assert!(f.copy && f.unusable.is_none());
    }
}
