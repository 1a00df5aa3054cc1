//! Groups in the console: the list with member counts and the role each group grants, a
//! group's page (members paged and searchable, its timeline), and where a user's role comes
//! from.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use scim_protocol::filter::{CompValue, CompareOp, Filter};
use scim_protocol::path::AttrPath;
use scim_server::group_roles::role_from_groups;
use scim_server::Runtime;
use scim_store::{EventQuery, EventRecord, GroupRecord, ListQuery, SortOrder, UserGroup};

use crate::console::{user_row, CmdResult, CommandError, Console, ErrorCode, UserRow};

/// Rows of the groups list, and members of a group's page, at most per request.
const MAX_ROWS: u64 = 500;

/// One row of the Groups view.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct GroupRow {
    pub id: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub member_count: u64,
    /// The role the group's name grants its members, when group names carry roles.
    pub role: Option<String>,
    pub created: String,
    pub last_modified: String,
}

#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields)]
pub struct GroupsQuery {
    /// Groups whose name contains this (case-insensitively).
    pub text: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct GroupsPage {
    pub groups: Vec<GroupRow>,
    /// How many groups match.
    pub total: u64,
    /// The `group-role-pattern` in force, if any (e.g. `BigPanda_{org}_BPRole_{role}`).
    pub role_pattern: Option<String>,
    /// Whether the policy offers groups at all (`full`).
    pub offered: bool,
}

#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields)]
pub struct MembersQuery {
    /// Members whose userName or display name contains this.
    pub text: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

/// A group's page.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct GroupDetail {
    pub group: GroupRow,
    /// A page of members, in the order they were added.
    pub members: Vec<UserRow>,
    /// How many members match the search (all of them without one).
    pub members_total: u64,
    /// The requests that changed the group, oldest first.
    pub events: Vec<EventRecord>,
    /// The group as `GET /Groups/{id}?excludedAttributes=members` returns it.
    #[ts(type = "Record<string, unknown>")]
    pub scim: Value,
}

/// A group a user is in, on the user's page.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct UserGroupRow {
    pub id: String,
    pub display_name: String,
    /// The role the group's name grants, if any.
    pub role: Option<String>,
}

/// Where a user's role comes from.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RoleSource {
    /// The group it was added to first among those that grant a role.
    Group { group: String, group_id: String },
    /// The role attribute, as the identity provider (or an admin) set it.
    Attribute { attribute: String },
    /// No role was set: the default role applies.
    Default,
}

pub fn group_row(rt: &Runtime, g: &GroupRecord) -> GroupRow {
    GroupRow {
        id: g.id.clone(),
        display_name: g.display_name.clone(),
        external_id: g
            .data
            .get("externalId")
            .and_then(Value::as_str)
            .map(str::to_owned),
        member_count: g.member_count,
        role: rt.role_of_group(&g.display_name).map(str::to_owned),
        created: g.created.clone(),
        last_modified: g.last_modified.clone(),
    }
}

/// Where the role of a user in `groups` (in the order it joined them) with `role` comes from.
pub fn role_source(rt: &Runtime, role: Option<&str>, groups: &[UserGroup]) -> RoleSource {
    if let Some(pattern) = &rt.role_pattern {
        let names = groups.iter().map(|g| g.display_name.as_str());
        if let Some((given, name)) = role_from_groups(pattern, &rt.org_name, &rt.roles, names) {
            if role.is_some_and(|r| r.eq_ignore_ascii_case(given)) {
                let id = groups
                    .iter()
                    .find(|g| g.display_name == name)
                    .map(|g| g.id.clone())
                    .unwrap_or_default();
                return RoleSource::Group {
                    group: name.to_owned(),
                    group_id: id,
                };
            }
        }
    }
    match role {
        Some(_) => RoleSource::Attribute {
            attribute: rt.role_attr.clone(),
        },
        None => RoleSource::Default,
    }
}

impl Console {
    pub async fn list_groups(&self, q: GroupsQuery) -> CmdResult<GroupsPage> {
        let rt = self.core.runtime().await?;
        let filter = q
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| Filter::Compare {
                path: AttrPath {
                    urn: None,
                    attr: "displayName".to_owned(),
                    sub_attr: None,
                },
                op: CompareOp::Co,
                value: CompValue::String(t.to_owned()),
            });
        let limit = q.limit.unwrap_or(100).clamp(1, MAX_ROWS);
        let page = self
            .core
            .read()
            .search_groups(&ListQuery {
                schema: &rt.group_schema,
                filter: filter.as_ref(),
                sort_by: None,
                sort_column: None,
                sort_order: SortOrder::Ascending,
                start_index: q.offset.unwrap_or(0) + 1,
                count: limit,
            })
            .await?;
        Ok(GroupsPage {
            groups: page.groups.iter().map(|g| group_row(&rt, g)).collect(),
            total: page.total,
            role_pattern: rt.role_pattern.as_ref().map(|p| p.as_str().to_owned()),
            offered: rt.policy == scim_server::Policy::Full,
        })
    }

    pub async fn group_detail(&self, id: &str, q: MembersQuery) -> CmdResult<GroupDetail> {
        let rt = self.core.runtime().await?;
        let read = self.core.read();
        let g = read.get_group(id).await?.ok_or_else(|| {
            CommandError::new(
                ErrorCode::NotFound,
                "This group no longer exists: the identity provider may have deleted it.",
            )
        })?;
        let limit = q.limit.unwrap_or(100).clamp(1, MAX_ROWS);
        let (members, members_total) = read
            .group_member_users(id, q.text.as_deref(), q.offset.unwrap_or(0), limit)
            .await?;
        let events = read
            .list_events(&EventQuery {
                resource_id: Some(id.to_owned()),
                limit: 200,
                ..Default::default()
            })
            .await?;
        let scim = scim_server::render_group(&rt, &self.tenant_url(&rt), &g);
        Ok(GroupDetail {
            group: group_row(&rt, &g),
            members: members.iter().map(|u| user_row(&rt, u)).collect(),
            members_total,
            events,
            scim,
        })
    }
}

/// A user's groups (in the order it joined them) as its page lists them, and where its role
/// comes from.
pub fn user_groups(
    rt: &Runtime,
    groups: &[UserGroup],
    role: Option<&str>,
) -> (Vec<UserGroupRow>, RoleSource) {
    let rows = groups
        .iter()
        .map(|g| UserGroupRow {
            id: g.id.clone(),
            display_name: g.display_name.clone(),
            role: rt.role_of_group(&g.display_name).map(str::to_owned),
        })
        .collect();
    (rows, role_source(rt, role, groups))
}
