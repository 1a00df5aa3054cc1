//! What the console needs of a SCIM server, and nothing more: to read what it stores, its
//! configuration, and to make an admin's changes with the server's own rules. The console holds
//! a `dyn Backend`; the embedded core is one. A server reached over its admin API can be
//! another — reading through a `StoreRead` that asks it, changing through its endpoints —
//! without any view of the console changing.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use scim_protocol::patch;
use scim_server::core::Core;
use scim_server::{ApiError, Runtime};
use scim_store::{ChangeContext, Permission, RoleRecord, StoreRead, TokenRecord, UserRecord};

type Result<T, E = ApiError> = std::result::Result<T, E>;

#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// What is stored, to read (users, the event log, tokens, roles, settings, the guard, and
    /// the stream of committed changes).
    fn read(&self) -> &dyn StoreRead;
    /// The configuration now: policy, roles, the role attribute, limits.
    async fn runtime(&self) -> Result<Arc<Runtime>>;
    async fn get_user(&self, id: &str) -> Result<UserRecord>;
    /// A change an admin makes to a user: a SCIM PatchOp body, applied as one PATCH with the
    /// server's rules.
    async fn patch_user(&self, id: &str, body: &Value, ctx: &ChangeContext) -> Result<UserRecord>;
    /// A first SAML login (the simulator's): the user created or updated just in time.
    async fn jit_login(
        &self,
        email: &str,
        given_name: &str,
        family_name: &str,
        role: Option<&str>,
        ctx: &ChangeContext,
    ) -> Result<UserRecord>;
    /// A new token and its secret (shown once).
    async fn create_token(
        &self,
        name: &str,
        permission: Permission,
        expires_in_days: Option<u32>,
    ) -> Result<(TokenRecord, String)>;
    async fn create_simulator_token(&self) -> Result<(TokenRecord, String)>;
    async fn revoke_token(&self, name: &str) -> Result<TokenRecord>;
    async fn add_role(&self, name: &str) -> Result<RoleRecord>;
    async fn remove_role(&self, name: &str) -> Result<()>;
    /// Sets a setting after validating it; returns the value stored.
    async fn set_setting(&self, key: &str, value: &str) -> Result<String>;
    /// Lets the held requests through; how many were held.
    async fn release_guard(&self) -> Result<u64>;
    /// The console's own state (the guide's progress), which is no configuration.
    async fn set_console_state(&self, key: &str, value: &str) -> Result<()>;
    /// Waits until the requests the server answered are in its event log (where the console
    /// does not hold the log writer itself).
    async fn flush_log(&self) {}
}

#[async_trait]
impl Backend for Core {
    fn read(&self) -> &dyn StoreRead {
        Core::read(self)
    }
    async fn runtime(&self) -> Result<Arc<Runtime>> {
        Core::runtime(self).await
    }
    async fn get_user(&self, id: &str) -> Result<UserRecord> {
        Core::get_user(self, id).await
    }
    async fn patch_user(&self, id: &str, body: &Value, ctx: &ChangeContext) -> Result<UserRecord> {
        let ops = patch::parse(body)?;
        let rt = Core::runtime(self).await?;
        Ok(
            Core::patch_user(self, &rt, id, Arc::new(ops), false, None, ctx)
                .await?
                .0,
        )
    }
    async fn jit_login(
        &self,
        email: &str,
        given_name: &str,
        family_name: &str,
        role: Option<&str>,
        ctx: &ChangeContext,
    ) -> Result<UserRecord> {
        Core::jit_login(self, email, given_name, family_name, role, ctx).await
    }
    async fn create_token(
        &self,
        name: &str,
        permission: Permission,
        expires_in_days: Option<u32>,
    ) -> Result<(TokenRecord, String)> {
        Core::create_token(self, name, permission, expires_in_days).await
    }
    async fn create_simulator_token(&self) -> Result<(TokenRecord, String)> {
        Core::create_simulator_token(self).await
    }
    async fn revoke_token(&self, name: &str) -> Result<TokenRecord> {
        Core::revoke_token(self, name).await
    }
    async fn add_role(&self, name: &str) -> Result<RoleRecord> {
        Core::add_role(self, name).await
    }
    async fn remove_role(&self, name: &str) -> Result<()> {
        Core::remove_role(self, name).await
    }
    async fn set_setting(&self, key: &str, value: &str) -> Result<String> {
        Core::set_setting(self, key, value).await
    }
    async fn release_guard(&self) -> Result<u64> {
        Core::release_guard(self).await
    }
    async fn set_console_state(&self, key: &str, value: &str) -> Result<()> {
        Core::set_console_state(self, key, value).await
    }
}
