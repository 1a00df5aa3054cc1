//! The console's domain operations, shared by the HTTP server, the command line and the
//! desktop app: users under the provisioning policy, roles, settings and tokens.

use std::sync::{Arc, RwLock};

use serde_json::{json, Map, Value};

use scim_protocol::resource::{self, apply_role};
use scim_protocol::schema::{group_schema, user_schema, ResourceSchema};
use scim_protocol::{patch, ScimError};
use scim_store::{
    ChangeContext, NewToken, Permission, Store, StoreError, StoreRead, TokenRecord, UserRecord,
    UserSource, UserWrite,
};

use crate::error::ApiError;
use crate::group_roles::{OnLastRoleRemoved, RolePattern};
use crate::guard;
use crate::settings::{self, Policy};
use crate::tokens;

/// The configuration in force, rebuilt whenever roles or settings change (in any process).
#[derive(Debug, Clone)]
pub struct Runtime {
    pub generation: i64,
    pub policy: Policy,
    pub role_attr: String,
    pub roles: Vec<String>,
    pub default_role: String,
    pub public_url: Option<String>,
    pub user_schema: ResourceSchema,
    pub group_schema: ResourceSchema,
    /// The organisation's name as group names carry it (`{org}` in the role pattern).
    pub org_name: String,
    /// Group names that carry roles; `None` when no group grants a role.
    pub role_pattern: Option<RolePattern>,
    pub on_last_role_removed: OnLastRoleRemoved,
    /// Requests per second per token; `None` when rate limiting is off.
    pub rate_limit: Option<std::num::NonZeroU32>,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub guard: guard::GuardSettings,
}

impl Runtime {
    /// The role a user has in the application: the one the IdP set, or the default role.
    pub fn effective_role<'a>(&'a self, user: &'a UserRecord) -> &'a str {
        user.role.as_deref().unwrap_or(&self.default_role)
    }

    /// The defined role a group called `name` grants (as the role is defined), if any.
    pub fn role_of_group(&self, name: &str) -> Option<&str> {
        let wanted = self.role_pattern.as_ref()?.role_of(&self.org_name, name)?;
        self.roles
            .iter()
            .find(|r| r.eq_ignore_ascii_case(&wanted))
            .map(String::as_str)
    }

    /// The public base URL setting, when one is set.
    pub fn public_root(&self) -> Option<&str> {
        self.public_url.as_deref().filter(|u| !u.is_empty())
    }
}

/// What a write did, for the event log.
#[derive(Debug, Clone, Default)]
pub struct WriteOutcome {
    pub diff: Vec<scim_store::AttrChange>,
    pub ignored: Vec<String>,
    /// The request's event-log entry was written with the change.
    pub logged: bool,
}

/// Requests at least this large (bytes of JSON, or PATCH operations) are worked on off the
/// async workers, so light requests keep being answered meanwhile.
pub const HEAVY_BODY_BYTES: usize = 32 * 1024;
pub const HEAVY_OPERATIONS: usize = 32;

/// Runs CPU-bound `work` on the blocking pool when `heavy`, else right here.
pub async fn cpu<T: Send + 'static>(
    heavy: bool,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    if heavy {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::Internal(format!("a worker failed: {e}")))
    } else {
        Ok(work())
    }
}

/// A POST or PUT body in canonical form, worked out off the async workers when it is large.
async fn normalized(
    rt: &Arc<Runtime>,
    body: &Arc<Value>,
    heavy: bool,
) -> Result<resource::Normalized> {
    let (rt, body) = (rt.clone(), body.clone());
    Ok(cpu(heavy, move || resource::normalize(&rt.user_schema, &body)).await??)
}

/// `ctx` with what the request's log entry should also say: the attributes ignored.
fn with_ignored(ctx: &ChangeContext, ignored: &[String]) -> ChangeContext {
    let mut ctx = ctx.clone();
    if let Some(r) = ctx.request.as_mut() {
        r.event.ignored = ignored.to_vec();
    }
    ctx
}

/// The one way to change what is stored: every write goes through its methods, with their
/// rules (validation, the guard, the log entry in the write's transaction); [`Core::read`]
/// gives the rest read access alone.
pub struct Core {
    pub(crate) store: Arc<dyn Store>,
    runtime: RwLock<Arc<Runtime>>,
    /// Writes to one user are serialised in this process (striped by id), so concurrent
    /// PATCHes queue instead of racing; the version check still guards other processes.
    user_locks: Vec<tokio::sync::Mutex<()>>,
    /// Tokens already looked up, valid while the store's configuration stamp is unchanged:
    /// authentication then costs no database round trip.
    token_cache: RwLock<TokenCache>,
}

#[derive(Default)]
struct TokenCache {
    stamp: u128,
    tokens: std::collections::HashMap<String, TokenRecord>,
}

/// Enough for every real deployment; beyond it lookups simply go to the database.
const TOKEN_CACHE_LIMIT: usize = 10_000;

const USER_LOCK_STRIPES: usize = 64;

/// A user's new data and, when the password changes, its new hash.
type Change = (Map<String, Value>, Option<String>);

type Result<T, E = ApiError> = std::result::Result<T, E>;

impl Core {
    pub async fn new(store: Arc<dyn Store>) -> Result<Arc<Core>> {
        let generation = store.config_generation().await?;
        let runtime = load_runtime(store.as_ref(), generation).await?;
        Ok(Arc::new(Core {
            store,
            runtime: RwLock::new(Arc::new(runtime)),
            token_cache: RwLock::new(TokenCache::default()),
            user_locks: (0..USER_LOCK_STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        }))
    }

    /// What is stored, to read.
    pub fn read(&self) -> &dyn StoreRead {
        self.store.reader()
    }

    /// The configuration at `generation`, reloaded if it is newer than what is cached.
    pub async fn runtime_at(&self, generation: i64) -> Result<Arc<Runtime>> {
        let cached = self
            .runtime
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if cached.generation == generation {
            return Ok(cached);
        }
        let fresh = Arc::new(load_runtime(self.store.reader(), generation).await?);
        *self.runtime.write().unwrap_or_else(|e| e.into_inner()) = fresh.clone();
        Ok(fresh)
    }

    /// The token whose secret hashes to `hash` (valid or not), and the configuration in force.
    pub async fn authenticate(&self, hash: &str) -> Result<(Option<TokenRecord>, Arc<Runtime>)> {
        let stamp = self.store.config_stamp();
        {
            let cache = self.token_cache.read().unwrap_or_else(|e| e.into_inner());
            if cache.stamp == stamp {
                if let Some(t) = cache.tokens.get(hash) {
                    let rt = self
                        .runtime
                        .read()
                        .unwrap_or_else(|e| e.into_inner())
                        .clone();
                    return Ok((Some(t.clone()), rt));
                }
            }
        }
        // The stamp is read before the database, so a change made meanwhile moves it again
        // and the next request looks once more.
        let (token, generation) = self.store.authenticate(hash).await?;
        let rt = self.runtime_at(generation).await?;
        let mut cache = self.token_cache.write().unwrap_or_else(|e| e.into_inner());
        if cache.stamp != stamp {
            cache.tokens.clear();
            cache.stamp = stamp;
        }
        if let Some(t) = &token {
            if cache.tokens.len() < TOKEN_CACHE_LIMIT {
                cache.tokens.insert(hash.to_owned(), t.clone());
            }
        }
        Ok((token, rt))
    }

    /// The configuration as last loaded, without asking the database (for decisions taken
    /// before a request is authenticated).
    pub fn cached_runtime(&self) -> Arc<Runtime> {
        self.runtime
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub async fn runtime(&self) -> Result<Arc<Runtime>> {
        let generation = self.store.config_generation().await?;
        self.runtime_at(generation).await
    }

    // ---- users --------------------------------------------------------------------------

    pub async fn get_user(&self, id: &str) -> Result<UserRecord> {
        self.store
            .get_user(id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no user has the id '{id}'")))
    }

    /// `POST /Users`.
    pub async fn create_user(
        &self,
        rt: &Arc<Runtime>,
        body: &Arc<Value>,
        heavy: bool,
        ctx: &ChangeContext,
    ) -> Result<(UserRecord, WriteOutcome)> {
        if rt.policy == Policy::Jit {
            return Err(ApiError::forbidden(
                "this application provisions users just in time: a user is created at their first \
                 SAML login, not by SCIM. Turn off 'Create Users' (Okta: Push New Users) in the \
                 identity provider, or switch SCIM Console to full provisioning",
            ));
        }
        let mut n = normalized(rt, body, heavy).await?;
        n.data.entry("active").or_insert(Value::Bool(true));
        let role = apply_role(&mut n.data, &rt.role_attr, &rt.roles)?;
        let password_hash = match n.password {
            Some(p) => Some(hash_password(p).await?),
            None => None,
        };
        let write = UserWrite {
            id: uuid::Uuid::new_v4().to_string(),
            data: n.data,
            role,
            source: UserSource::Scim,
            last_login: None,
            password_hash,
            created: None,
        };
        let rec = self
            .store
            .insert_user(write, &with_ignored(ctx, &n.ignored))
            .await?;
        let diff = scim_store::diff(&Map::new(), &rec.data);
        Ok((
            rec,
            WriteOutcome {
                diff,
                ignored: n.ignored,
                logged: ctx.request.is_some(),
            },
        ))
    }

    /// `PUT /Users/{id}`.
    pub async fn replace_user(
        &self,
        rt: &Arc<Runtime>,
        id: &str,
        body: &Arc<Value>,
        heavy: bool,
        if_match: Option<&str>,
        ctx: &ChangeContext,
    ) -> Result<(UserRecord, WriteOutcome)> {
        let mut n = normalized(rt, body, heavy).await?;
        apply_role(&mut n.data, &rt.role_attr, &rt.roles)?;
        let password_hash = match n.password.take() {
            Some(p) => Some(hash_password(p).await?),
            None => None,
        };
        let data = n.data;
        let _serialised = self.lock_user(id).await;
        self.write_user(None, id, if_match, ctx, n.ignored, rt, |_old| {
            Ok((data.clone(), password_hash.clone()))
        })
        .await
    }

    /// `PATCH /Users/{id}` with the request's parsed operations: applied once to the current
    /// version (off the async workers when the request is large), and again only if another
    /// request changed the user meanwhile.
    pub async fn patch_user(
        &self,
        rt: &Arc<Runtime>,
        id: &str,
        ops: Arc<Vec<patch::Operation>>,
        heavy: bool,
        if_match: Option<&str>,
        ctx: &ChangeContext,
    ) -> Result<(UserRecord, WriteOutcome)> {
        let _serialised = self.lock_user(id).await;
        let first = self.get_user(id).await?;
        check_if_match(if_match, &first)?;
        let applied = {
            let (rt, ops, mut data) = (rt.clone(), ops.clone(), first.data.clone());
            cpu(heavy || ops.len() >= HEAVY_OPERATIONS, move || {
                patch::apply(&rt.user_schema, &mut data, &ops).map(|out| (data, out))
            })
            .await??
        };
        let (data, outcome) = applied;
        // Hashing is slow, so a new password is hashed once, before the write.
        let password_hash = match outcome.password {
            Some(p) => Some(hash_password(p).await?),
            None => None,
        };
        self.write_user(
            Some((first, (data, password_hash.clone()))),
            id,
            if_match,
            ctx,
            outcome.ignored,
            rt,
            |old| {
                let mut data = old.data.clone();
                patch::apply(&rt.user_schema, &mut data, &ops)?;
                Ok((data, password_hash.clone()))
            },
        )
        .await
    }

    /// Serialises writes to one user in this process (striped by id): concurrent PATCHes
    /// queue instead of racing and re-applying; the version check still guards other processes.
    pub(crate) async fn lock_user(&self, id: &str) -> tokio::sync::MutexGuard<'_, ()> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        id.hash(&mut h);
        self.user_locks[(h.finish() as usize) % USER_LOCK_STRIPES]
            .lock()
            .await
    }

    /// Reads, changes and conditionally writes a user, retrying if another request won the race
    /// (unless the client pinned a version with If-Match).
    #[allow(clippy::too_many_arguments)]
    async fn write_user<F>(
        &self,
        mut prefetched: Option<(UserRecord, Change)>,
        id: &str,
        if_match: Option<&str>,
        ctx: &ChangeContext,
        ignored: Vec<String>,
        rt: &Runtime,
        mut change: F,
    ) -> Result<(UserRecord, WriteOutcome)>
    where
        F: FnMut(&UserRecord) -> Result<Change>,
    {
        for attempt in 0..10u64 {
            if attempt > 0 {
                // Another process wrote the user meanwhile: back off a little and re-read.
                tokio::time::sleep(std::time::Duration::from_millis(attempt * 5)).await;
            }
            let (old, (mut data, password_hash)) = match prefetched.take() {
                // Checked against If-Match and changed by the caller already.
                Some(done) => done,
                None => {
                    let rec = self.get_user(id).await?;
                    check_if_match(if_match, &rec)?;
                    let changed = change(&rec)?;
                    (rec, changed)
                }
            };
            let role = apply_role(&mut data, &rt.role_attr, &rt.roles)?;
            if data == old.data && password_hash.is_none() {
                // Nothing changes: no new version, no change event.
                return Ok((
                    old,
                    WriteOutcome {
                        diff: Vec::new(),
                        ignored,
                        logged: false,
                    },
                ));
            }
            let deactivates = old.active && data.get("active") == Some(&Value::Bool(false));
            if deactivates {
                self.guard(rt, &old, "deactivate", ctx).await?;
            }
            let write = UserWrite {
                id: old.id.clone(),
                data,
                role,
                source: old.source,
                last_login: old.last_login.clone(),
                password_hash: password_hash.or_else(|| old.password_hash.clone()),
                created: None,
            };
            match self
                .store
                .update_user(&old, write, &with_ignored(ctx, &ignored))
                .await
            {
                Ok(rec) => {
                    let diff = scim_store::diff(&old.data, &rec.data);
                    return Ok((
                        rec,
                        WriteOutcome {
                            diff,
                            ignored,
                            logged: ctx.request.is_some(),
                        },
                    ));
                }
                Err(StoreError::VersionMismatch) if if_match.is_none() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApiError::status(
            409,
            "the user is being changed by other requests; try again",
        ))
    }

    /// `DELETE /Users/{id}`.
    pub async fn delete_user(
        &self,
        rt: &Runtime,
        id: &str,
        if_match: Option<&str>,
        ctx: &ChangeContext,
    ) -> Result<UserRecord> {
        if rt.policy == Policy::Jit {
            return Err(ApiError::forbidden(
                "this application does not delete users provisioned by SCIM: they are only \
                 deactivated. Send active=false instead (Okta: Deactivate Users)",
            ));
        }
        let old = self.get_user(id).await?;
        check_if_match(if_match, &old)?;
        self.guard(rt, &old, "delete", ctx).await?;
        self.store.delete_user(&old, ctx).await?;
        Ok(old)
    }

    /// Passes a deactivation or deletion made by a SCIM request through the deprovisioning
    /// guard (changes made in the console or the command line are the admin's own).
    async fn guard(
        &self,
        rt: &Runtime,
        user: &UserRecord,
        kind: &str,
        ctx: &ChangeContext,
    ) -> Result<()> {
        let Some(request) = ctx.request.as_ref().filter(|_| ctx.from_scim()) else {
            return Ok(());
        };
        let sender = guard::Sender {
            client: request.event.client.clone(),
            token_name: request.event.token_name.clone(),
            address: request.event.address.clone(),
            simulated: request.event.simulated,
        };
        guard::check(self.store.as_ref(), &rt.guard, user, kind, &sender).await
    }

    /// A first (or later) SAML login: creates the user just in time, or records the login,
    /// with an entry in the event log (`LOGIN`, the actor as the client) unless `ctx` already
    /// carries one.
    pub async fn jit_login(
        &self,
        email: &str,
        given_name: &str,
        family_name: &str,
        role: Option<&str>,
        ctx: &ChangeContext,
    ) -> Result<UserRecord> {
        let email = email.trim();
        if !looks_like_email(email) {
            return Err(ApiError::Scim(ScimError::invalid_value(format!(
                "'{email}' is not an email address"
            ))));
        }
        let rt = self.runtime().await?;
        let now = scim_store::now();
        let audited;
        let ctx = if ctx.request.is_some() {
            ctx
        } else {
            let mut c = ChangeContext::audited(
                ctx.actor.as_deref().unwrap_or("SAML login"),
                scim_store::LOGIN_METHOD,
                "SAML login",
            );
            if let Some(r) = c.request.as_mut() {
                r.event.role = role.map(str::to_owned);
            }
            audited = c;
            &audited
        };
        if let Some(old) = self.store.find_user_by_user_name(email).await? {
            let mut data = old.data.clone();
            if let Some(r) = role {
                data.insert(rt.role_attr.clone(), Value::String(r.to_owned()));
            }
            let role = apply_role(&mut data, &rt.role_attr, &rt.roles)?;
            let mut w = write_of(&old);
            w.data = data;
            w.role = role;
            w.last_login = Some(now);
            return Ok(self.store.update_user(&old, w, ctx).await?);
        }
        let mut data = new_profile(email, given_name, family_name);
        if let Some(r) = role {
            data.insert(rt.role_attr.clone(), Value::String(r.to_owned()));
        }
        let role = apply_role(&mut data, &rt.role_attr, &rt.roles)?;
        let write = UserWrite {
            id: uuid::Uuid::new_v4().to_string(),
            data,
            role,
            source: UserSource::Jit,
            last_login: Some(now),
            password_hash: None,
            created: None,
        };
        Ok(self.store.insert_user(write, ctx).await?)
    }

    // ---- tokens, roles, settings --------------------------------------------------------

    /// Creates a token; the secret is returned once and only its hash is kept.
    pub async fn create_token(
        &self,
        name: &str,
        permission: Permission,
        expires_in_days: Option<u32>,
    ) -> Result<(TokenRecord, String)> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ApiError::Scim(ScimError::invalid_value(
                "a token needs a name",
            )));
        }
        let expires = match expires_in_days {
            None => None,
            Some(0) => {
                return Err(ApiError::Scim(ScimError::invalid_value(
                    "the expiry must be at least one day",
                )))
            }
            Some(d) => Some(scim_store::format_time(
                chrono::Utc::now() + chrono::Duration::days(i64::from(d)),
            )),
        };
        let secret = tokens::generate();
        let rec = self
            .store
            .insert_token(NewToken {
                name: name.to_owned(),
                permission,
                secret_hash: tokens::hash(&secret),
                prefix: tokens::prefix(&secret),
                expires,
            })
            .await?;
        Ok((rec, secret))
    }

    /// A new token for the console's Okta simulator (Manage Users, no expiry), replacing the
    /// simulator's earlier ones: requests made with it are logged as simulated. The secret is
    /// returned once and only its hash is kept.
    pub async fn create_simulator_token(&self) -> Result<(TokenRecord, String)> {
        let secret = tokens::generate();
        let rec = self
            .store
            .replace_simulator_token(NewToken {
                name: tokens::SIMULATOR_TOKEN_NAME.to_owned(),
                permission: Permission::UserModify,
                secret_hash: tokens::hash(&secret),
                prefix: tokens::prefix(&secret),
                expires: None,
            })
            .await?;
        Ok((rec, secret))
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<String> {
        let rt = self.runtime().await?;
        let value = settings::validate(key, value, &rt.roles)
            .map_err(|m| ApiError::Scim(ScimError::invalid_value(m)))?;
        if key == settings::ROLE_ATTRIBUTE && value != rt.role_attr {
            // Users keep their roles under the new name.
            self.store
                .rename_user_attribute(&rt.role_attr, &value)
                .await?;
        }
        self.store.set_setting(key, &value).await?;
        Ok(value)
    }

    /// Revokes the active token called `name`: every server on the database refuses it from
    /// its next request on.
    pub async fn revoke_token(&self, name: &str) -> Result<TokenRecord> {
        Ok(self.store.revoke_token(name.trim()).await?)
    }

    /// Defines a custom role (a name without commas or control characters).
    pub async fn add_role(&self, name: &str) -> Result<scim_store::RoleRecord> {
        Ok(self.store.add_role(name).await?)
    }

    /// Lets the deprovisioning guard's held requests through on their next attempt and starts
    /// a fresh count; returns how many were held.
    pub async fn release_guard(&self) -> Result<u64> {
        self.release_held().await
    }

    /// Keeps console state that is not configuration (see `Store::set_console_state`).
    pub async fn set_console_state(&self, key: &str, value: &str) -> Result<()> {
        Ok(self.store.set_console_state(key, value).await?)
    }

    pub async fn remove_role(&self, name: &str) -> Result<()> {
        let rt = self.runtime().await?;
        if rt.default_role.eq_ignore_ascii_case(name.trim()) {
            return Err(ApiError::Scim(ScimError::invalid_value(format!(
                "'{}' is the default role; choose another default role first",
                rt.default_role
            ))));
        }
        Ok(self.store.remove_role(name.trim()).await?)
    }
}

pub(crate) fn write_of(rec: &UserRecord) -> UserWrite {
    UserWrite {
        id: rec.id.clone(),
        data: rec.data.clone(),
        role: rec.role.clone(),
        source: rec.source,
        last_login: rec.last_login.clone(),
        password_hash: rec.password_hash.clone(),
        created: None,
    }
}

pub fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// The profile a SAML login brings: the email as userName, the name, one work email.
pub fn new_profile(email: &str, given_name: &str, family_name: &str) -> Map<String, Value> {
    let formatted = format!("{given_name} {family_name}").trim().to_owned();
    let v = json!({
        "userName": email,
        "name": {"givenName": given_name, "familyName": family_name, "formatted": formatted},
        "displayName": formatted,
        "emails": [{"value": email, "type": "work", "primary": true}],
        "active": true,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// If-Match (RFC 7644 §3.14): `*` or one of the listed entity tags must be current.
pub fn check_if_match(if_match: Option<&str>, rec: &UserRecord) -> Result<()> {
    let Some(header) = if_match else {
        return Ok(());
    };
    let current = rec.etag();
    let ok = header.split(',').map(str::trim).any(|t| {
        t == "*" || t == current || t.trim_start_matches("W/") == current.trim_start_matches("W/")
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::status(
            412,
            format!(
                "the user has changed: its version is {current}, the request expected {header}"
            ),
        ))
    }
}

async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt_bytes: [u8; 16] = rand::random();
        let salt = SaltString::encode_b64(&salt_bytes)
            .map_err(|e| ApiError::Internal(format!("password salt: {e}")))?;
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("password hashing task failed: {e}")))?
}

/// The configuration as `store` holds it now (at `generation`): what [`Core::runtime`] keeps,
/// and what a console reading a server over its admin API works out the same way.
pub async fn load_runtime(store: &dyn StoreRead, generation: i64) -> Result<Runtime> {
    let roles: Vec<String> = store
        .list_roles()
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    let all = store.settings().await?;
    let get = |k: &str| all.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let policy = get(settings::PROVISIONING)
        .and_then(|p| Policy::parse(&p))
        .unwrap_or(Policy::Jit);
    let role_attr = get(settings::ROLE_ATTRIBUTE)
        .unwrap_or_else(|| settings::DEFAULT_ROLE_ATTRIBUTE.to_owned());
    let default_role = get(settings::DEFAULT_ROLE)
        .and_then(|d| roles.iter().find(|r| r.eq_ignore_ascii_case(&d)).cloned())
        .unwrap_or_else(|| settings::DEFAULT_DEFAULT_ROLE.to_owned());
    let user_schema = user_schema(&role_attr, &roles);
    Ok(Runtime {
        generation,
        policy,
        role_attr,
        roles,
        default_role,
        public_url: get(settings::PUBLIC_URL),
        user_schema,
        group_schema: group_schema(),
        org_name: get(settings::ORG_NAME).unwrap_or_default(),
        role_pattern: get(settings::GROUP_ROLE_PATTERN)
            .filter(|p| !p.trim().is_empty())
            .and_then(|p| RolePattern::parse(&p).ok()),
        on_last_role_removed: get(settings::ON_LAST_ROLE_REMOVED)
            .and_then(|v| OnLastRoleRemoved::parse(&v))
            .unwrap_or(OnLastRoleRemoved::Deactivate),
        rate_limit: settings::parse_rate_limit(
            &get(settings::RATE_LIMIT).unwrap_or_else(|| settings::DEFAULT_RATE_LIMIT.to_string()),
        ),
        trusted_proxies: get(settings::TRUSTED_PROXIES)
            .and_then(|v| settings::parse_networks(&v).ok())
            .unwrap_or_default(),
        guard: guard::GuardSettings::from_settings(get),
    })
}
