//! The Okta simulator: sends the embedded server the real HTTP requests Okta would, with a
//! token created in this console, so every screen can be seen working without an Okta tenant.
//! The first SAML login is the one step that is not SCIM: it goes to the application's own
//! login path, which creates the user just in time.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use scim_client::okta::{self, Sequence};
use scim_store::ChangeContext;

use crate::console::{user_row, CmdResult, CommandError, Console, UserRow};

#[derive(Debug, Clone, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize)]
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
            "invalidValue",
            format!("Enter the {what}."),
        ))
    } else {
        Ok(v)
    }
}

impl Console {
    pub async fn simulate(&self, action: SimAction) -> CmdResult<Simulation> {
        let rt = self.core.runtime().await?;
        if let SimAction::FirstLogin {
            email,
            given_name,
            family_name,
            role,
        } = &action
        {
            let ctx = ChangeContext::by("SAML login");
            let role = role.as_deref().map(str::trim).filter(|r| !r.is_empty());
            let email = required("email address", email)?;
            let existed = self
                .core
                .store
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

        let Some((token, secret)) = self.usable_secret().await? else {
            return Err(CommandError::new(
                "no_token",
                "The simulator sends requests with a token created in this console. Create a \
                 token with Manage Users (in onboarding step 2 or under Tokens), or start with \
                 --demo.",
            ));
        };
        // Always the local address: the simulator runs beside the server.
        let client = okta::client(&self.base_url, &secret)
            .map_err(|e| CommandError::new("internal", e.to_string()))?;
        let sent = |e: scim_client::ClientError| CommandError::new("unreachable", e.to_string());
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
                .store
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
