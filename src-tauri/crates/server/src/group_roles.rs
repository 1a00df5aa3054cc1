//! Roles from group names (BigPanda's model): a group named by the `group-role-pattern`
//! setting, such as `BigPanda_{org}_BPRole_{role}`, grants that role to its members. The
//! pattern is matched case-sensitively; spaces in the organisation's or a role's name are
//! written as underscores in group names.

/// The placeholder for the role in a pattern.
pub const ROLE: &str = "{role}";
/// The placeholder for the organisation's name (the `org-name` setting).
pub const ORG: &str = "{org}";

/// A pattern, checked: exactly one `{role}`, at most one `{org}`, no other braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePattern(String);

impl RolePattern {
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let p = pattern.trim();
        if p.matches(ROLE).count() != 1 {
            return Err(format!(
                "the group role pattern must contain {ROLE} exactly once, as in BigPanda_{ORG}_BPRole_{ROLE} (not '{p}')"
            ));
        }
        if p.matches(ORG).count() > 1 {
            return Err(format!(
                "the group role pattern may contain {ORG} once at most (not '{p}')"
            ));
        }
        let rest = p.replace(ROLE, "").replace(ORG, "");
        if rest.contains(['{', '}']) {
            return Err(format!(
                "the group role pattern knows only {ORG} and {ROLE}; '{p}' has other braces"
            ));
        }
        if p.chars().any(char::is_control) {
            return Err("the group role pattern must not contain control characters".to_owned());
        }
        Ok(RolePattern(p.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The role a group called `name` grants in organisation `org`, as the role is named (its
    /// underscores read as spaces); `None` when the name does not match the pattern.
    pub fn role_of(&self, org: &str, name: &str) -> Option<String> {
        let pattern = self.0.replace(ORG, &underscored(org));
        let (before, after) = pattern.split_once(ROLE)?;
        let role = name.strip_prefix(before)?.strip_suffix(after)?;
        (!role.is_empty()).then(|| role.replace('_', " "))
    }

    /// The group name that grants `role` in organisation `org` (for previews and hints).
    pub fn group_name(&self, org: &str, role: &str) -> String {
        self.0
            .replace(ORG, &underscored(org))
            .replace(ROLE, &underscored(role))
    }
}

/// The role a user's groups give it: the first group, in the order the user was added to them,
/// whose name matches the pattern and names a defined role (compared case-insensitively, given
/// as defined). `None` when no group gives one — then the role attribute or the console's
/// choice stands. Groups naming an unknown role are refused when created or renamed, so they
/// do not occur here; one left over from a removed role is passed over.
pub fn role_from_groups<'a>(
    pattern: &RolePattern,
    org: &str,
    roles: &'a [String],
    groups_in_order: impl IntoIterator<Item = &'a str>,
) -> Option<(&'a str, &'a str)> {
    groups_in_order.into_iter().find_map(|name| {
        let wanted = pattern.role_of(org, name)?;
        roles
            .iter()
            .find(|r| r.eq_ignore_ascii_case(&wanted))
            .map(|r| (r.as_str(), name))
    })
}

/// Whether a group called `name` may exist: a name matching the pattern must name a defined
/// role (400 invalidValue otherwise, on create and rename).
pub fn check_group_name(
    pattern: Option<&RolePattern>,
    org: &str,
    roles: &[String],
    name: &str,
) -> Result<(), String> {
    let Some(role) = pattern.and_then(|p| p.role_of(org, name)) else {
        return Ok(());
    };
    if roles.iter().any(|r| r.eq_ignore_ascii_case(&role)) {
        Ok(())
    } else {
        Err(format!(
            "the group '{name}' would grant the role '{role}', which is not defined; defined roles are: {}",
            roles.join(", ")
        ))
    }
}

fn underscored(s: &str) -> String {
    s.trim().replace(' ', "_")
}

/// What happens to a user whose last role group is taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnLastRoleRemoved {
    Deactivate,
    Delete,
}

impl OnLastRoleRemoved {
    pub fn parse(v: &str) -> Option<Self> {
        match v.trim().to_ascii_lowercase().as_str() {
            "deactivate" => Some(Self::Deactivate),
            "delete" => Some(Self::Delete),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deactivate => "deactivate",
            Self::Delete => "delete",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigpanda_group_names_carry_roles() {
        let p = RolePattern::parse("BigPanda_{org}_BPRole_{role}").unwrap();
        assert_eq!(
            p.role_of("acme", "BigPanda_acme_BPRole_Admin").as_deref(),
            Some("Admin")
        );
        // Spaces are underscores, in the organisation's name and in the role's.
        assert_eq!(
            p.role_of("Acme Corp", "BigPanda_Acme_Corp_BPRole_Read_Only")
                .as_deref(),
            Some("Read Only")
        );
        assert_eq!(
            p.group_name("Acme Corp", "Read Only"),
            "BigPanda_Acme_Corp_BPRole_Read_Only"
        );
        // Case-sensitive; another organisation's groups, and plain groups, grant nothing.
        assert_eq!(p.role_of("acme", "bigpanda_acme_bprole_Admin"), None);
        assert_eq!(p.role_of("acme", "BigPanda_other_BPRole_Admin"), None);
        assert_eq!(p.role_of("acme", "Engineering"), None);
        assert_eq!(p.role_of("acme", "BigPanda_acme_BPRole_"), None);
        // Without {org}, and with text after the role.
        let p = RolePattern::parse("role-{role}-app").unwrap();
        assert_eq!(
            p.role_of("", "role-Analyst-app").as_deref(),
            Some("Analyst")
        );
    }

    #[test]
    fn the_group_joined_first_gives_the_role() {
        let p = RolePattern::parse("BigPanda_{org}_BPRole_{role}").unwrap();
        let roles: Vec<String> = ["Admin", "Analyst", "Read Only"].map(String::from).to_vec();
        let groups = [
            "Engineering",
            "BigPanda_acme_BPRole_Analyst",
            "BigPanda_acme_BPRole_Admin",
        ];
        assert_eq!(
            role_from_groups(&p, "acme", &roles, groups),
            Some(("Analyst", "BigPanda_acme_BPRole_Analyst"))
        );
        // Leaving the first, the next in order applies; with none left, nothing does.
        assert_eq!(
            role_from_groups(&p, "acme", &roles, ["BigPanda_acme_BPRole_Admin"]).map(|r| r.0),
            Some("Admin")
        );
        assert_eq!(role_from_groups(&p, "acme", &roles, ["Engineering"]), None);
        // Spelled as defined, whatever the case in the name; a removed role is passed over.
        assert_eq!(
            role_from_groups(
                &p,
                "acme",
                &roles,
                [
                    "BigPanda_acme_BPRole_Superuser",
                    "BigPanda_acme_BPRole_read_only"
                ]
            )
            .map(|r| r.0),
            Some("Read Only")
        );
        assert!(check_group_name(Some(&p), "acme", &roles, "BigPanda_acme_BPRole_Admin").is_ok());
        assert!(check_group_name(Some(&p), "acme", &roles, "Engineering").is_ok());
        assert!(check_group_name(None, "acme", &roles, "BigPanda_acme_BPRole_Nope").is_ok());
        let e =
            check_group_name(Some(&p), "acme", &roles, "BigPanda_acme_BPRole_Nope").unwrap_err();
        assert!(
            e.contains("'Nope'") && e.contains("Admin, Analyst, Read Only"),
            "{e}"
        );
    }

    #[test]
    fn bad_patterns_are_refused_in_words() {
        for (bad, words) in [
            ("BigPanda_{org}_BPRole", "exactly once"),
            ("{role}_{role}", "exactly once"),
            ("{org}{org}_{role}", "once at most"),
            ("x_{team}_{role}", "other braces"),
        ] {
            let e = RolePattern::parse(bad).unwrap_err();
            assert!(e.contains(words), "{bad}: {e}");
        }
        assert_eq!(
            OnLastRoleRemoved::parse(" Delete "),
            Some(OnLastRoleRemoved::Delete)
        );
        assert_eq!(OnLastRoleRemoved::parse("suspend"), None);
    }
}
