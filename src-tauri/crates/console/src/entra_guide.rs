//! The *Connect Microsoft Entra ID* guide, beside Okta's: the enterprise application, the
//! secret token, the Tenant URL (with `?aadOptscim062020`) and *Test Connection* — verified by
//! the request that arrives — the attribute mappings, groups that carry roles with a live
//! preview of their names, the scope, and what to expect of Entra's cycles.

use serde::Serialize;

use scim_server::settings::Policy;
use scim_server::Runtime;
use scim_store::{EventRecord, Permission, TokenRecord};

use crate::console::{
    token_state, CmdResult, CommandError, Console, ErrorCode, NewTokenView, TokenView,
};
use crate::health::{traffic_findings, Finding};
use crate::onboarding::{field, reachability, OktaField, OnboardingChange, Reachability, StepView};

/// The guide's progress in the console's state.
const PROGRESS_KEY: &str = "entra_onboarding";
pub const ENTRA_STEPS: u8 = 6;

const TITLES: [&str; ENTRA_STEPS as usize] = [
    "Create the enterprise application",
    "Create the secret token",
    "Connect and test",
    "Attribute mappings",
    "Groups and roles",
    "Scope and start provisioning",
];

/// The flag that makes Entra send standard SCIM PATCH requests.
pub const AAD_OPT_FLAG: &str = "aadOptscim062020";

/// How often Entra's provisioning cycles run, about.
pub const CYCLE_MINUTES: u32 = 40;

/// One attribute mapping in Entra's *Attribute Mapping* screen.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Mapping {
    /// Entra's attribute (the source).
    pub entra: String,
    /// The SCIM attribute it is written to (the target).
    pub scim: String,
    pub note: Option<String>,
}

fn mapping(entra: &str, scim: &str, note: Option<&str>) -> Mapping {
    Mapping {
        entra: entra.to_owned(),
        scim: scim.to_owned(),
        note: note.map(str::to_owned),
    }
}

/// A group name and the role it would grant, for the naming preview.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct NamingExample {
    pub group: String,
    pub role: String,
}

/// Group names that carry roles: the pattern in force and a name for every defined role.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct GroupNaming {
    /// `group-role-pattern`, when set.
    pub pattern: Option<String>,
    /// `org-name`.
    pub org: String,
    /// One group name per defined role.
    pub examples: Vec<NamingExample>,
}

/// The naming convention in force (no examples without a pattern).
pub fn group_naming(rt: &Runtime) -> GroupNaming {
    GroupNaming {
        pattern: rt.role_pattern.as_ref().map(|p| p.as_str().to_owned()),
        org: rt.org_name.clone(),
        examples: rt
            .role_pattern
            .as_ref()
            .map(|p| {
                rt.roles
                    .iter()
                    .map(|r| NamingExample {
                        group: p.group_name(&rt.org_name, r),
                        role: r.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct EntraGuideView {
    pub current: u8,
    pub steps: Vec<StepView>,
    pub policy: Policy,
    // Step 2.
    pub token: Option<TokenView>,
    /// Active Manage Users tokens that exist already.
    pub existing_tokens: Vec<TokenView>,
    pub secret: Option<String>,
    pub secret_copied: Option<String>,
    // Step 3.
    /// The base URL, and the Tenant URL to paste (with `?aadOptscim062020`).
    pub base_url: String,
    pub tenant_url: String,
    pub reachability: Reachability,
    pub connection_fields: Vec<OktaField>,
    /// The request Entra's *Test Connection* sent (or its first lookup).
    pub test_connection: Option<EventRecord>,
    /// Entra's latest request.
    pub last_request: Option<EventRecord>,
    // Step 4.
    pub mappings_keep: Vec<Mapping>,
    pub mappings_remove: Vec<Mapping>,
    pub user_created: Option<EventRecord>,
    // Step 5.
    pub naming: GroupNaming,
    pub group_created: Option<EventRecord>,
    // Step 6.
    pub cycle_minutes: u32,
    /// When the chosen token expires (an expired token quarantines the provisioning job).
    pub token_expires: Option<String>,
    /// Set once the connection is tested and Entra has created a user.
    pub connected: bool,
}

/// Where Entra reads and writes what this server needs, and what to leave out.
fn mappings(rt: &Runtime) -> (Vec<Mapping>, Vec<Mapping>) {
    let role_attr = rt.role_attr.as_str();
    let mut keep = vec![
        mapping(
            "userPrincipalName",
            "userName",
            Some("Matching precedence 1: users are matched by it"),
        ),
        mapping(
            "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")",
            "active",
            Some("Unassigned or deleted users are deactivated"),
        ),
        mapping("displayName", "displayName", None),
        mapping("mail", "emails[type eq \"work\"].value", None),
        mapping("givenName", "name.givenName", None),
        mapping("surname", "name.familyName", None),
        mapping("objectId", "externalId", None),
    ];
    if rt.role_pattern.is_none() {
        keep.push(mapping(
            "SingleAppRoleAssignment([appRoleAssignments])",
            role_attr,
            Some("Add this mapping: the role each user is assigned in Entra, by its value"),
        ));
    }
    let mut remove = vec![
        mapping("jobTitle", "title", None),
        mapping("preferredLanguage", "preferredLanguage", None),
        mapping(
            "physicalDeliveryOfficeName",
            "addresses[type eq \"work\"].formatted",
            None,
        ),
        mapping(
            "telephoneNumber",
            "phoneNumbers[type eq \"work\"].value",
            None,
        ),
        mapping("mobile", "phoneNumbers[type eq \"mobile\"].value", None),
        mapping(
            "department",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            None,
        ),
        mapping(
            "manager",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            None,
        ),
    ];
    if rt.role_pattern.is_some() {
        remove.push(mapping(
            "appRoleAssignments",
            role_attr,
            Some("Roles come from group names here: do not map a role as well"),
        ));
    }
    (keep, remove)
}

/// The reachability verdict in Entra's words (the checks are the same as for Okta's cloud).
fn for_entra(mut r: Reachability) -> Reachability {
    let words = |s: &str| {
        s.replace("Okta's cloud", "Entra ID's cloud")
            .replace("Okta will use", "Entra ID will use")
    };
    r.reasons = r.reasons.iter().map(|s| words(s)).collect();
    r.fix = r.fix.as_deref().map(words);
    r
}

impl Console {
    pub async fn entra_guide_create_token(
        &self,
        name: &str,
        expires_in_days: Option<u32>,
    ) -> CmdResult<NewTokenView> {
        let created = self
            .create_token(name, "UserModify", expires_in_days)
            .await?;
        let mut p = self.progress_at(PROGRESS_KEY).await?;
        p.token_id = Some(created.token.token.id);
        p.secret_copied = None;
        p.done.insert(2, scim_store::now());
        self.save_progress_at(PROGRESS_KEY, &p).await?;
        Ok(created)
    }

    pub async fn entra_guide_update(&self, change: OnboardingChange) -> CmdResult<EntraGuideView> {
        let mut p = self.progress_at(PROGRESS_KEY).await?;
        if let OnboardingChange::UniqueIdentifier { .. } = change {
            return Err(CommandError::new(
                ErrorCode::InvalidValue,
                "Entra ID matches users by userPrincipalName → userName; there is no unique identifier to choose.",
            ));
        }
        self.apply_guide_change(&mut p, change, ENTRA_STEPS, "Entra ID")
            .await?;
        self.save_progress_at(PROGRESS_KEY, &p).await?;
        self.entra_guide().await
    }

    pub async fn entra_guide(&self) -> CmdResult<EntraGuideView> {
        let rt = self.core.runtime().await?;
        let mut p = self.progress_at(PROGRESS_KEY).await?;
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
        let existing_tokens = tokens
            .iter()
            .filter(|t| {
                !t.simulator
                    && t.name != scim_server::demo::HISTORY_TOKEN
                    && t.permission == Permission::UserModify
                    && t.is_valid_at(&now)
            })
            .map(view)
            .collect();

        let e = self.evidence().await?;
        let seen = e.entra.clone();
        let findings = traffic_findings(&e, rt.policy, &rt.roles, &rt.role_attr);
        drop(e);
        if let Some(t) = &seen.test_connection {
            p.verified.entry(2).or_insert_with(|| t.event.at.clone());
            p.verified.entry(3).or_insert_with(|| t.event.at.clone());
        }
        if let Some(u) = &seen.user_created {
            p.verified.entry(4).or_insert_with(|| u.event.at.clone());
            p.verified.entry(6).or_insert_with(|| u.event.at.clone());
        }
        if let Some(g) = &seen.group_created {
            p.verified.entry(5).or_insert_with(|| g.event.at.clone());
        }
        if p != before {
            self.save_progress_at(PROGRESS_KEY, &p).await?;
        }
        let notes_for = |step: u8| -> Vec<Finding> {
            findings
                .iter()
                .filter(|f| match f.code {
                    "entra_legacy_dialect" => step == 3,
                    "refused_role" => step == 5,
                    "missing_users" => step == 6,
                    _ => false,
                })
                .cloned()
                .collect()
        };
        let steps = (1..=ENTRA_STEPS)
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

        let base_url = self.tenant_url(&rt);
        let tenant_url = format!("{base_url}?{AAD_OPT_FLAG}");
        let public = rt.public_root().map(str::to_owned);
        let reach = for_entra(reachability(public.as_deref(), &base_url));
        let mut tenant = field(
            "Tenant URL",
            &tenant_url,
            Some("With ?aadOptscim062020 Entra sends standard SCIM PATCH requests (lower-case operations, real true/false); without it, its older dialect. Both work here; the flag avoids surprises."),
        );
        if reach.verdict != "usable" {
            tenant.copy = false;
            tenant.unusable = Some(format!(
                "Entra ID cannot use this URL. {}.",
                reach.reasons.join(". ")
            ));
            tenant.hint = reach.fix.clone();
        }
        let secret_field = match (&secret, &token) {
            (Some(s), _) => field(
                "Secret Token",
                s,
                Some("Entra sends it as 'Authorization: Bearer <token>'."),
            ),
            (None, Some(t)) => OktaField {
                label: "Secret Token".to_owned(),
                value: format!("the secret of the token '{}'", t.token.name),
                copy: false,
                hint: Some("The secret was shown once when the token was created. If it is lost, create a new token in step 2.".to_owned()),
                unusable: None,
            },
            (None, None) => match seen
                .test_connection
                .as_ref()
                .and_then(|t| t.event.token_name.clone())
            {
                // No token chosen here, but Entra already tested with one.
                Some(name) => OktaField {
                    label: "Secret Token".to_owned(),
                    value: format!("the secret of the token '{name}'"),
                    copy: false,
                    hint: Some("Entra's Test Connection used this token.".to_owned()),
                    unusable: None,
                },
                None => OktaField {
                    label: "Secret Token".to_owned(),
                    value: "create the token in step 2 first".to_owned(),
                    copy: false,
                    hint: None,
                    unusable: None,
                },
            },
        };
        let (mappings_keep, mappings_remove) = mappings(&rt);
        let connected = seen.test_connection.is_some() && seen.user_created.is_some();
        Ok(EntraGuideView {
            current: p.current.clamp(1, ENTRA_STEPS),
            steps,
            policy: rt.policy,
            token_expires: token.as_ref().and_then(|t| t.token.expires.clone()),
            token,
            existing_tokens,
            secret,
            secret_copied: p.secret_copied.clone(),
            base_url,
            tenant_url,
            reachability: reach,
            connection_fields: vec![tenant, secret_field],
            test_connection: seen.test_connection,
            last_request: seen.last,
            mappings_keep,
            mappings_remove,
            user_created: seen.user_created,
            naming: group_naming(&rt),
            group_created: seen.group_created,
            cycle_minutes: CYCLE_MINUTES,
            connected,
        })
    }
}
