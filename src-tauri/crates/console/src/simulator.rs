//! The simulator: sends the embedded server the real HTTP requests Okta or Microsoft Entra ID
//! would, with their own User-Agents and request shapes (Entra's in both PATCH dialects), so
//! every screen can be seen working without a tenant.
//!
//! It sends them with a token of its own ([`SIMULATOR_TOKEN_NAME`]), which the store marks as
//! the simulator's: the server then logs every request made with it as simulated, so Activity
//! labels it and the onboarding guide never counts it as Okta's. The first SAML login is the
//! one step that is not SCIM: it goes to the application's own login path, which creates the
//! user just in time; its log entry is marked simulated too.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use scim_client::entra::{self, Dialect};
use scim_client::okta::{self, Sequence};
use scim_server::tokens::SIMULATOR_TOKEN_NAME;
use scim_store::{ChangeContext, TokenRecord};

use crate::console::{user_row, CmdResult, CommandError, Console, ErrorCode, UserRow};
use crate::groups::{group_row, GroupRow};

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SimAction {
    /// Okta's "Test Connector Configuration".
    ConnectorTest,
    /// A first SAML login, with the role from the `PantherRole` attribute statement.
    FirstLogin {
        email: String,
        given_name: String,
        family_name: String,
        role: Option<String>,
    },
    /// "Push Profile Updates" of a name change.
    ProfilePush {
        user_name: String,
        given_name: String,
        family_name: String,
    },
    /// The role attribute changed in Okta (valid or not: the server decides).
    RoleChange {
        user_name: String,
        role: String,
    },
    Deactivate {
        user_name: String,
    },
    Reactivate {
        user_name: String,
    },
    /// Okta's "Push Groups": the group looked up, created if absent, its members added.
    PushGroup {
        name: String,
        /// userNames of the members to push.
        members: Vec<String>,
    },
    /// A user taken out of a group Okta pushes.
    RemoveFromGroup {
        group: String,
        user_name: String,
    },
    /// Entra ID's *Test Connection*.
    EntraTestConnection,
    /// Entra ID creating a user assigned to the application.
    EntraCreate {
        user_name: String,
        given_name: String,
        family_name: String,
    },
    /// Entra ID updating a user's name, in the dialect given.
    EntraUpdate {
        user_name: String,
        given_name: String,
        family_name: String,
        dialect: Dialect,
    },
    /// Entra ID disabling a user, in the dialect given (the old one sends "False").
    EntraDisable {
        user_name: String,
        dialect: Dialect,
    },
    /// Entra ID provisioning a group with its members.
    EntraGroup {
        name: String,
        members: Vec<String>,
    },
    /// Entra ID's old-style removal of one member.
    EntraRemoveFromGroup {
        group: String,
        user_name: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Simulation {
    #[serde(flatten)]
    pub sequence: Sequence,
    /// The token the requests were sent with.
    pub token_name: Option<String>,
    /// The user as it is afterwards, when there is one.
    pub user: Option<UserRow>,
    /// The group as it is afterwards, for group actions.
    pub group: Option<GroupRow>,
}

fn required<'a>(what: &str, v: &'a str) -> CmdResult<&'a str> {
    let v = v.trim();
    if v.is_empty() {
        Err(CommandError::new(
            ErrorCode::InvalidValue,
            format!("Enter the {what}."),
        ))
    } else {
        Ok(v)
    }
}

/// Who a SAML login's change is by, in change events and the event log.
const SAML_LOGIN: &str = "SAML login";

impl Console {
    /// The simulator's token and its secret: the one this console made, or a new one when it
    /// has none that still works (secrets live only in memory, so after a restart the old one
    /// is replaced).
    pub(crate) async fn simulator_token(&self) -> CmdResult<(TokenRecord, String)> {
        let now = scim_store::now();
        let known = self
            .core
            .read()
            .list_tokens()
            .await?
            .into_iter()
            .filter(|t| t.simulator && t.is_valid_at(&now) && t.permission.can_write())
            .find_map(|t| self.secret_for(t.id).map(|s| (t, s)));
        if let Some(found) = known {
            return Ok(found);
        }
        let (token, secret) = self.core.create_simulator_token().await?;
        tracing::info!(
            token = SIMULATOR_TOKEN_NAME,
            "created the simulator's token"
        );
        self.remember_secret(token.id, &secret);
        Ok((token, secret))
    }

    pub async fn simulate(&self, action: SimAction) -> CmdResult<Simulation> {
        let rt = self.core.runtime().await?;
        if let SimAction::FirstLogin {
            email,
            given_name,
            family_name,
            role,
        } = &action
        {
            let role = role.as_deref().map(str::trim).filter(|r| !r.is_empty());
            // Logged like a real login (with the role it carried), and marked simulated so it
            // is labelled as such and verifies no step of the guide.
            let mut ctx =
                ChangeContext::audited(SAML_LOGIN, scim_store::LOGIN_METHOD, "SAML login");
            if let Some(r) = ctx.request.as_mut() {
                r.event.role = role.map(str::to_owned);
                r.event.simulated = true;
            }
            let email = required("email address", email)?;
            let existed = self
                .core
                .read()
                .find_user_by_user_name(email)
                .await?
                .is_some();
            let u = self
                .core
                .jit_login(email, given_name.trim(), family_name.trim(), role, &ctx)
                .await?;
            return Ok(Simulation {
                sequence: Sequence {
                    exchanges: Vec::new(),
                    ok: true,
                    outcome: format!(
                        "{} signed in through SAML{}",
                        u.user_name,
                        if existed {
                            ""
                        } else {
                            " for the first time and was created just in time"
                        }
                    ),
                },
                token_name: None,
                user: Some(user_row(&rt, &u)),
                group: None,
            });
        }

        let (token, secret) = self.simulator_token().await?;
        // Always the local address: the simulator runs beside the server.
        let client = okta::client(&self.base_url, &secret)
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
        let entra = entra::client(&self.base_url, &secret)
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
        let members = |list: &[String]| -> Vec<String> {
            list.iter()
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty())
                .collect()
        };
        let mut group_name: Option<String> = None;
        let sent =
            |e: scim_client::ClientError| CommandError::new(ErrorCode::Unreachable, e.to_string());
        let (sequence, user_name) = match &action {
            SimAction::ConnectorTest => (okta::connector_test(&client).await.map_err(sent)?, None),
            SimAction::ProfilePush {
                user_name,
                given_name,
                family_name,
            } => {
                let un = required("userName", user_name)?;
                let mut name = Map::new();
                name.insert("givenName".into(), Value::from(given_name.trim()));
                name.insert("familyName".into(), Value::from(family_name.trim()));
                let mut changes = Map::new();
                changes.insert("name".into(), Value::Object(name));
                changes.insert(
                    "displayName".into(),
                    Value::from(format!("{} {}", given_name.trim(), family_name.trim())),
                );
                (
                    okta::push_profile(&client, un, &changes)
                        .await
                        .map_err(sent)?,
                    Some(un),
                )
            }
            SimAction::RoleChange { user_name, role } => {
                let un = required("userName", user_name)?;
                let mut changes = Map::new();
                changes.insert(rt.role_attr.clone(), Value::from(role.trim()));
                (
                    okta::push_profile(&client, un, &changes)
                        .await
                        .map_err(sent)?,
                    Some(un),
                )
            }
            SimAction::Deactivate { user_name } | SimAction::Reactivate { user_name } => {
                let un = required("userName", user_name)?;
                let active = matches!(action, SimAction::Reactivate { .. });
                (
                    okta::set_active(&client, un, active).await.map_err(sent)?,
                    Some(un),
                )
            }
            SimAction::PushGroup { name, members: m } => {
                let name = required("group name", name)?;
                group_name = Some(name.to_owned());
                (
                    okta::push_group(&client, name, &members(m))
                        .await
                        .map_err(sent)?,
                    None,
                )
            }
            SimAction::RemoveFromGroup { group, user_name } => {
                let g = required("group name", group)?;
                let un = required("userName", user_name)?;
                group_name = Some(g.to_owned());
                (
                    okta::remove_from_group(&client, g, un)
                        .await
                        .map_err(sent)?,
                    Some(un),
                )
            }
            SimAction::EntraTestConnection => {
                (entra::test_connection(&entra).await.map_err(sent)?, None)
            }
            SimAction::EntraCreate {
                user_name,
                given_name,
                family_name,
            } => {
                let un = required("userName", user_name)?;
                (
                    entra::create_user(&entra, un, given_name.trim(), family_name.trim())
                        .await
                        .map_err(sent)?,
                    Some(un),
                )
            }
            SimAction::EntraUpdate {
                user_name,
                given_name,
                family_name,
                dialect,
            } => {
                let un = required("userName", user_name)?;
                (
                    entra::update_name(&entra, un, given_name.trim(), family_name.trim(), *dialect)
                        .await
                        .map_err(sent)?,
                    Some(un),
                )
            }
            SimAction::EntraDisable { user_name, dialect } => {
                let un = required("userName", user_name)?;
                (
                    entra::disable(&entra, un, *dialect).await.map_err(sent)?,
                    Some(un),
                )
            }
            SimAction::EntraGroup { name, members: m } => {
                let name = required("group name", name)?;
                group_name = Some(name.to_owned());
                (
                    entra::provision_group(&entra, name, &members(m))
                        .await
                        .map_err(sent)?,
                    None,
                )
            }
            SimAction::EntraRemoveFromGroup { group, user_name } => {
                let g = required("group name", group)?;
                let un = required("userName", user_name)?;
                group_name = Some(g.to_owned());
                (
                    entra::remove_from_group(&entra, g, un)
                        .await
                        .map_err(sent)?,
                    Some(un),
                )
            }
            SimAction::FirstLogin { .. } => unreachable!("handled above"),
        };
        // The request log is written in the background; let the views see it at once.
        self.flush_log().await;
        let user = match user_name {
            Some(un) => self
                .core
                .read()
                .find_user_by_user_name(un)
                .await?
                .map(|u| user_row(&rt, &u)),
            None => None,
        };
        let group = match group_name {
            Some(name) => self
                .core
                .read()
                .find_group_by_display_name(&name)
                .await?
                .map(|g| group_row(&rt, &g)),
            None => None,
        };
        Ok(Simulation {
            sequence,
            token_name: Some(token.name),
            user,
            group,
        })
    }
}
