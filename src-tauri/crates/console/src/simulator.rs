//! The Okta simulator: sends the embedded server the real HTTP requests Okta would, with
//! Okta's own User-Agent, so every screen can be seen working without an Okta tenant.
//!
//! It sends them with a token of its own ([`SIMULATOR_TOKEN_NAME`]), which the store marks as
//! the simulator's: the server then logs every request made with it as simulated, so Activity
//! labels it and the onboarding guide never counts it as Okta's. The first SAML login is the
//! one step that is not SCIM: it goes to the application's own login path, which creates the
//! user just in time; its log entry is marked simulated too.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use scim_client::okta::{self, Sequence};
use scim_server::tokens::SIMULATOR_TOKEN_NAME;
use scim_store::{ChangeContext, TokenRecord};

use crate::console::{user_row, CmdResult, CommandError, Console, ErrorCode, UserRow};

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
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Simulation {
    #[serde(flatten)]
    pub sequence: Sequence,
    /// The token the requests were sent with.
    pub token_name: Option<String>,
    /// The user as it is afterwards, when there is one.
    pub user: Option<UserRow>,
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
    async fn simulator_token(&self) -> CmdResult<(TokenRecord, String)> {
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
            });
        }

        let (token, secret) = self.simulator_token().await?;
        // Always the local address: the simulator runs beside the server.
        let client = okta::client(&self.base_url, &secret)
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
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
            SimAction::FirstLogin { .. } => unreachable!("handled above"),
        };
        // The request log is written in the background; let the views see it at once.
        self.events.flush().await;
        let user = match user_name {
            Some(un) => self
                .core
                .read()
                .find_user_by_user_name(un)
                .await?
                .map(|u| user_row(&rt, &u)),
            None => None,
        };
        Ok(Simulation {
            sequence,
            token_name: Some(token.name),
            user,
        })
    }
}
