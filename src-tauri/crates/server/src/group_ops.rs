//! Groups under the `full` policy: the operations behind `/Groups`, and afterwards the role
//! each affected member's groups give it when group names carry roles (BigPanda's model).

use std::sync::Arc;

use serde_json::{Map, Value};

use scim_protocol::group::{member_ids, split_members};
use scim_protocol::{patch, resource, ScimError};
use scim_store::{
    AttrChange, ChangeContext, GroupMember, GroupRecord, GroupWrite, MemberChange, MembersChanged,
    StoreError,
};

use crate::core::{cpu, write_of, Core, Runtime, HEAVY_OPERATIONS};
use crate::error::ApiError;
use crate::group_roles::{role_from_groups, OnLastRoleRemoved};
use crate::settings::Policy;

type Result<T, E = ApiError> = std::result::Result<T, E>;

/// Why `/Groups` answers 404 under just-in-time provisioning, and what to change.
pub const GROUPS_NOT_OFFERED: &str = "groups are not offered: with just-in-time provisioning, users are created at their first SAML login and roles come from the role attribute; turn off Push Groups and Import Groups in the identity provider, or switch SCIM Console to full provisioning";

/// Members one POST or PUT may list (the 1 MiB body limit allows about 20,000 anyway).
pub const MAX_MEMBERS_IN_BODY: usize = 100_000;

/// Members one response may carry; more is refused with `tooMany` and the way round it.
pub const MAX_MEMBERS_IN_RESPONSE: u64 = 200_000;

/// What a group write did.
#[derive(Debug, Clone, Default)]
pub struct GroupOutcome {
    pub members: MembersChanged,
    pub diff: Vec<AttrChange>,
    pub ignored: Vec<String>,
    /// The request's event-log entry was written with the change.
    pub logged: bool,
}

/// A POST or PUT body: the group's attributes in canonical form, its members (`None` when the
/// body has no `members`), and what was ignored.
struct GroupBody {
    data: Map<String, Value>,
    members: Option<Vec<String>>,
    ignored: Vec<String>,
}

fn group_body(rt: &Runtime, body: &Value) -> Result<GroupBody> {
    let Value::Object(obj) = body else {
        return Err(ApiError::Scim(ScimError::invalid_syntax(
            "a group must be a JSON object",
        )));
    };
    let mut rest = obj.clone();
    let key = rest
        .keys()
        .find(|k| k.eq_ignore_ascii_case("members"))
        .cloned();
    let members = match key.and_then(|k| rest.remove(&k)) {
        Some(v) => Some(member_ids(&v, "members", MAX_MEMBERS_IN_BODY)?),
        None => None,
    };
    let n = resource::normalize(&rt.group_schema, &Value::Object(rest))?;
    Ok(GroupBody {
        data: n.data,
        members,
        ignored: n.ignored,
    })
}

fn display_name(data: &Map<String, Value>) -> &str {
    data.get("displayName")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// A group name that would grant a role that is not defined is refused (400 invalidValue).
fn check_name(rt: &Runtime, data: &Map<String, Value>) -> Result<()> {
    crate::group_roles::check_group_name(
        rt.role_pattern.as_ref(),
        &rt.org_name,
        &rt.roles,
        display_name(data).trim(),
    )
    .map_err(|m| ApiError::Scim(ScimError::invalid_value(m)))
}

/// If-Match (RFC 7644 §3.14) on a group.
fn check_if_match(if_match: Option<&str>, rec: &GroupRecord) -> Result<()> {
    let Some(header) = if_match else {
        return Ok(());
    };
    let current = rec.etag();
    let ok = header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == current.trim_start_matches("W/"));
    if ok {
        Ok(())
    } else {
        Err(ApiError::status(
            412,
            format!(
                "the group has changed: its version is {current}, the request expected {header}"
            ),
        ))
    }
}

fn with_ignored(ctx: &ChangeContext, ignored: &[String]) -> ChangeContext {
    let mut ctx = ctx.clone();
    if let Some(r) = ctx.request.as_mut() {
        r.event.ignored = ignored.to_vec();
    }
    ctx
}

/// A user whose role may change after a group write, and whether it left a group that gave a
/// role (then, with no role group left, the `on-last-role-removed` setting applies).
type Affected = Vec<(String, bool)>;

impl Core {
    /// Groups exist in the `full` policy only.
    pub fn groups_offered(rt: &Runtime) -> Result<()> {
        match rt.policy {
            Policy::Full => Ok(()),
            Policy::Jit => Err(ApiError::not_found(GROUPS_NOT_OFFERED)),
        }
    }

    pub async fn get_group(&self, id: &str) -> Result<GroupRecord> {
        self.store
            .get_group(id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no group has the id '{id}'")))
    }

    /// Every member of a group, for a response (refused beyond [`MAX_MEMBERS_IN_RESPONSE`]).
    pub async fn members_for_response(&self, g: &GroupRecord) -> Result<Vec<GroupMember>> {
        if g.member_count > MAX_MEMBERS_IN_RESPONSE {
            return Err(too_many_members(&g.display_name, g.member_count));
        }
        Ok(self
            .store
            .group_members(&g.id, 0, MAX_MEMBERS_IN_RESPONSE)
            .await?)
    }

    /// `POST /Groups`.
    pub async fn create_group(
        &self,
        rt: &Arc<Runtime>,
        body: &Value,
        ctx: &ChangeContext,
    ) -> Result<(GroupRecord, GroupOutcome)> {
        Self::groups_offered(rt)?;
        let b = group_body(rt, body)?;
        check_name(rt, &b.data)?;
        let members = b.members.unwrap_or_default();
        let write = GroupWrite {
            id: uuid::Uuid::new_v4().to_string(),
            data: b.data,
        };
        let (rec, changed) = self
            .store
            .insert_group(write, &members, &with_ignored(ctx, &b.ignored))
            .await?;
        let diff = scim_store::group_diff(&Map::new(), &rec.data, &changed);
        let affected = self.affected(rt, None, &rec, &changed).await?;
        self.apply_group_roles(rt, affected, ctx).await?;
        Ok((
            rec,
            GroupOutcome {
                members: changed,
                diff,
                ignored: b.ignored,
                logged: ctx.request.is_some(),
            },
        ))
    }

    /// `PUT /Groups/{id}`: the attributes as sent; the members as sent when the body has
    /// `members` (`[]` empties the group), left as they are when it has none.
    pub async fn replace_group(
        &self,
        rt: &Arc<Runtime>,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
        ctx: &ChangeContext,
    ) -> Result<(GroupRecord, GroupOutcome)> {
        Self::groups_offered(rt)?;
        let b = group_body(rt, body)?;
        check_name(rt, &b.data)?;
        let change = MemberChange {
            replace: b.members,
            ..MemberChange::default()
        };
        let data = b.data;
        self.write_group(rt, id, if_match, ctx, b.ignored, change, |_| {
            Ok(data.clone())
        })
        .await
    }

    /// `PATCH /Groups/{id}`: membership operations are reduced to the member rows they name
    /// (see `scim_protocol::group`); the others go through the PATCH engine.
    pub async fn patch_group(
        &self,
        rt: &Arc<Runtime>,
        id: &str,
        ops: Arc<Vec<patch::Operation>>,
        if_match: Option<&str>,
        ctx: &ChangeContext,
    ) -> Result<(GroupRecord, GroupOutcome)> {
        Self::groups_offered(rt)?;
        // A full push replaces the whole list in one operation: as many members as a POST or
        // PUT may list (the body limit bounds it first).
        let limit = MAX_MEMBERS_IN_BODY;
        let (rest, edits) = {
            let ops = ops.clone();
            cpu(ops.len() >= HEAVY_OPERATIONS, move || {
                split_members(&ops, limit)
            })
            .await??
        };
        let change = MemberChange {
            replace: edits.replace,
            add: edits.add,
            remove: edits.remove,
        };
        let schema = rt.group_schema.clone();
        let mut ignored = None;
        let (rec, mut outcome) = self
            .write_group(rt, id, if_match, ctx, Vec::new(), change, |old| {
                let mut data = old.data.clone();
                let out = patch::apply(&schema, &mut data, &rest)?;
                ignored.get_or_insert(out.ignored);
                Ok(data)
            })
            .await?;
        outcome.ignored = ignored.unwrap_or_default();
        Ok((rec, outcome))
    }

    /// Reads, changes and conditionally writes a group (retrying if another process won the
    /// race, unless the client pinned a version), then works out its members' roles.
    #[allow(clippy::too_many_arguments)]
    async fn write_group<F>(
        &self,
        rt: &Arc<Runtime>,
        id: &str,
        if_match: Option<&str>,
        ctx: &ChangeContext,
        ignored: Vec<String>,
        members: MemberChange,
        mut change: F,
    ) -> Result<(GroupRecord, GroupOutcome)>
    where
        F: FnMut(&GroupRecord) -> Result<Map<String, Value>>,
    {
        let written = {
            let _serialised = self.lock_user(id).await;
            let mut done = None;
            for attempt in 0..10u64 {
                if attempt > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(attempt * 5)).await;
                }
                let old = self.get_group(id).await?;
                check_if_match(if_match, &old)?;
                let data = change(&old)?;
                if display_name(&data) != old.display_name {
                    check_name(rt, &data)?;
                }
                let no_member_change = members.replace.is_none()
                    && members.add.is_empty()
                    && members.remove.is_empty();
                if data == old.data && no_member_change {
                    return Ok((
                        old,
                        GroupOutcome {
                            ignored,
                            ..GroupOutcome::default()
                        },
                    ));
                }
                let write = GroupWrite {
                    id: old.id.clone(),
                    data,
                };
                match self
                    .store
                    .update_group(&old, write, &members, &with_ignored(ctx, &ignored))
                    .await
                {
                    Ok((rec, changed)) => {
                        done = Some((old, rec, changed));
                        break;
                    }
                    Err(StoreError::VersionMismatch) if if_match.is_none() => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            done
        };
        let Some((old, rec, changed)) = written else {
            return Err(ApiError::status(
                409,
                "the group is being changed by other requests; try again",
            ));
        };
        let diff = scim_store::group_diff(&old.data, &rec.data, &changed);
        let affected = self
            .affected(rt, Some(&old.display_name), &rec, &changed)
            .await?;
        self.apply_group_roles(rt, affected, ctx).await?;
        Ok((
            rec,
            GroupOutcome {
                members: changed,
                diff,
                ignored,
                logged: ctx.request.is_some(),
            },
        ))
    }

    /// `DELETE /Groups/{id}`: the group goes, its users stay (taking the role their other
    /// groups give, if it gave one).
    pub async fn delete_group(
        &self,
        rt: &Arc<Runtime>,
        id: &str,
        if_match: Option<&str>,
        ctx: &ChangeContext,
    ) -> Result<GroupRecord> {
        Self::groups_offered(rt)?;
        let (old, members) = {
            let _serialised = self.lock_user(id).await;
            let old = self.get_group(id).await?;
            check_if_match(if_match, &old)?;
            let members = if rt.role_of_group(&old.display_name).is_some() {
                self.member_ids(&old).await?
            } else {
                Vec::new()
            };
            self.store.delete_group(&old, ctx).await?;
            (old, members)
        };
        let affected = members.into_iter().map(|m| (m, true)).collect();
        self.apply_group_roles(rt, affected, ctx).await?;
        Ok(old)
    }

    /// Lets the held requests through on their next attempt; deprovisions a group write caused
    /// have no next attempt, so they are worked out again now. Returns how many were held.
    pub async fn release_held(&self) -> Result<u64> {
        let (held, _) = self.store.held_requests(u64::MAX).await?;
        let is_derived = |kind: &str| kind == HELD_DEACTIVATE || kind == HELD_DELETE;
        let derived: Affected = held
            .iter()
            .filter(|h| is_derived(&h.kind))
            .map(|h| (h.resource_id.clone(), true))
            .collect();
        // Users whose held requests are all derived: their release is used up here, so none is
        // left over for a later deprovision to pass the guard on.
        let only_derived: Vec<String> = derived
            .iter()
            .filter(|(id, _)| {
                held.iter()
                    .all(|h| &h.resource_id != id || is_derived(&h.kind))
            })
            .map(|(id, _)| id.clone())
            .collect();
        let n = self.store.release_guard().await?;
        if !derived.is_empty() {
            let rt = self.runtime().await?;
            let ctx = ChangeContext::by("SCIM Console (released)");
            let applied = self.apply_group_roles(&rt, derived, &ctx).await;
            // Used up also when working them out failed part-way: their next change comes from
            // a group write again, and is guarded again.
            for id in only_derived {
                self.store.take_released(&id).await?;
            }
            applied?;
        }
        Ok(n)
    }

    async fn member_ids(&self, g: &GroupRecord) -> Result<Vec<String>> {
        Ok(self
            .store
            .group_members(&g.id, 0, u64::MAX)
            .await?
            .into_iter()
            .map(|m| m.value)
            .collect())
    }

    /// The users whose role a write to a group may change: those added or removed when the
    /// group gives a role, and every member when a rename changed which role it gives.
    async fn affected(
        &self,
        rt: &Runtime,
        old_name: Option<&str>,
        new: &GroupRecord,
        changed: &MembersChanged,
    ) -> Result<Affected> {
        if rt.role_pattern.is_none() {
            return Ok(Vec::new());
        }
        let before = old_name.and_then(|n| rt.role_of_group(n));
        let after = rt.role_of_group(&new.display_name);
        let mut out: Affected = changed.removed.iter().map(|u| (u.clone(), true)).collect();
        if before == after {
            if after.is_none() {
                return Ok(Vec::new());
            }
            out.extend(changed.added.iter().map(|u| (u.clone(), false)));
        } else {
            // Renamed into, out of, or between roles: every member's role is worked out anew.
            let left = before.is_some();
            out.extend(self.member_ids(new).await?.into_iter().map(|u| (u, left)));
        }
        Ok(out)
    }

    /// Gives each affected user the role its groups give (the group it was added to first
    /// wins); one that left its last role group is deactivated or deleted, as set. Each change
    /// is in the event log with its cause.
    async fn apply_group_roles(
        &self,
        rt: &Runtime,
        affected: Affected,
        cause: &ChangeContext,
    ) -> Result<()> {
        let Some(pattern) = &rt.role_pattern else {
            return Ok(());
        };
        let actor = cause
            .actor
            .clone()
            .unwrap_or_else(|| "SCIM Console".to_owned());
        for (user_id, left) in affected {
            let _serialised = self.lock_user(&user_id).await;
            for _attempt in 0..10 {
                let Some(user) = self.store.get_user(&user_id).await? else {
                    break;
                };
                let groups = self.store.groups_of_user(&user_id).await?;
                let names: Vec<&str> = groups.iter().map(|g| g.display_name.as_str()).collect();
                let outcome = match role_from_groups(pattern, &rt.org_name, &rt.roles, names) {
                    Some((role, group)) => {
                        // Deactivated here for having no role group left, it is active again
                        // now that one gives it a role (identity providers send no
                        // reactivation for what they never deactivated). A user the identity
                        // provider or an admin deactivated stays so.
                        let reactivate =
                            !user.active && self.deactivated_for_no_role(&user_id).await?;
                        if !reactivate
                            && user.role.as_deref() == Some(role)
                            && user.data.get(&rt.role_attr).and_then(Value::as_str) == Some(role)
                        {
                            break;
                        }
                        let mut w = write_of(&user);
                        w.data
                            .insert(rt.role_attr.clone(), Value::String(role.to_owned()));
                        w.role = Some(role.to_owned());
                        let what = if reactivate {
                            w.data.insert("active".to_owned(), Value::Bool(true));
                            format!("reactivated with role {role} from group {group}")
                        } else {
                            format!("role {role} from group {group}")
                        };
                        let ctx = derived(&actor, cause, what);
                        self.store.update_user(&user, w, &ctx).await.map(|_| ())
                    }
                    None if left => {
                        let (held_kind, done) = match rt.on_last_role_removed {
                            OnLastRoleRemoved::Deactivate => (HELD_DEACTIVATE, "deactivated"),
                            OnLastRoleRemoved::Delete => (HELD_DELETE, "deleted"),
                        };
                        if rt.on_last_role_removed == OnLastRoleRemoved::Deactivate && !user.active
                        {
                            break;
                        }
                        // Many users left without a role at once is a mass deprovisioning: past
                        // the guard's threshold the rest are held (the group change stands)
                        // until an admin releases them.
                        if let Some(sender) = sender_of(cause) {
                            match crate::guard::check(
                                self.store.as_ref(),
                                &rt.guard,
                                &user,
                                held_kind,
                                &sender,
                            )
                            .await
                            {
                                Ok(()) => {}
                                Err(ApiError::Scim(e)) if e.status == 503 => break,
                                Err(e) => return Err(e),
                            }
                        }
                        let ctx = derived(
                            &actor,
                            cause,
                            format!("{done}: no group gives it a role any more"),
                        );
                        match rt.on_last_role_removed {
                            OnLastRoleRemoved::Deactivate => {
                                let mut w = write_of(&user);
                                w.data.insert("active".to_owned(), Value::Bool(false));
                                self.store.update_user(&user, w, &ctx).await.map(|_| ())
                            }
                            OnLastRoleRemoved::Delete => self.store.delete_user(&user, &ctx).await,
                        }
                    }
                    None => break,
                };
                match outcome {
                    Ok(()) => break,
                    Err(StoreError::VersionMismatch) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    }
}

impl Core {
    /// Whether the user's last deactivation was this server's, for having no role group left
    /// (an entry of the log with the method `ROLE`), rather than the identity provider's or an
    /// admin's.
    async fn deactivated_for_no_role(&self, user_id: &str) -> Result<bool> {
        let last = self
            .store
            .list_events(&scim_store::EventQuery {
                resource_id: Some(user_id.to_owned()),
                deactivations_only: true,
                limit: 1,
                ..Default::default()
            })
            .await?;
        Ok(last
            .first()
            .is_some_and(|e| e.event.method == scim_store::GROUP_ROLE_METHOD))
    }
}

/// The event-log entry of a change a group write caused: `ROLE`, with the cause as its path,
/// the client whose request caused it as the actor, and that request's token and address — so
/// a deactivation or deletion it causes counts toward the deprovisioning guard as the
/// identity provider's.
fn derived(actor: &str, cause_of: &ChangeContext, cause: String) -> ChangeContext {
    let mut ctx = ChangeContext::audited(actor, scim_store::GROUP_ROLE_METHOD, &cause);
    if let (Some(r), Some(c)) = (ctx.request.as_mut(), cause_of.request.as_ref()) {
        r.event.simulated = c.event.simulated;
        r.event.token_id = c.event.token_id;
        r.event.token_name = c.event.token_name.clone();
        r.event.address = c.event.address.clone();
    }
    ctx
}

/// The kinds of held request for a deprovision a group write caused (see `Core::release_guard`).
pub const HELD_DEACTIVATE: &str = "deactivate: no role group left";
pub const HELD_DELETE: &str = "delete: no role group left";

/// Who sent the request that caused a change, for the guard: only requests of the identity
/// provider (a token) are guarded; the console's and the command line's changes are the admin's.
fn sender_of(cause: &ChangeContext) -> Option<crate::guard::Sender> {
    let r = cause.request.as_ref().filter(|_| cause.from_scim())?;
    Some(crate::guard::Sender {
        client: r.event.client.clone(),
        token_name: r.event.token_name.clone(),
        address: r.event.address.clone(),
        simulated: r.event.simulated,
    })
}

fn too_many_members(name: &str, count: u64) -> ApiError {
    ApiError::Scim(ScimError::new(
        400,
        Some(scim_protocol::ScimType::TooMany),
        format!(
            "the group '{name}' has {count} members, more than the {MAX_MEMBERS_IN_RESPONSE} one response carries; ask with excludedAttributes=members, and find a user's groups on the user"
        ),
    ))
}
