//! Settings kept in the database: their names, defaults and validation.

pub const PROVISIONING: &str = "provisioning";
pub const ROLE_ATTRIBUTE: &str = "role-attribute";
pub const DEFAULT_ROLE: &str = "default-role";
pub const PUBLIC_URL: &str = "public-url";
pub const RATE_LIMIT: &str = "rate-limit";
pub const HEADER_TIMEOUT: &str = "header-timeout";
pub const IDLE_TIMEOUT: &str = "idle-timeout";
pub const BODY_TIMEOUT: &str = "body-timeout";
pub const MAX_CONNECTIONS: &str = "max-connections";
pub const TRUSTED_PROXIES: &str = "trusted-proxies";
pub const GUARD: &str = "guard";
pub const GUARD_COUNT: &str = "guard-count";
pub const GUARD_PERCENT: &str = "guard-percent";
pub const GUARD_WINDOW: &str = "guard-window";
pub const ORG_NAME: &str = "org-name";
pub const GROUP_ROLE_PATTERN: &str = "group-role-pattern";
pub const ON_LAST_ROLE_REMOVED: &str = "on-last-role-removed";

pub const DEFAULT_ROLE_ATTRIBUTE: &str = "pantherRole";
pub const DEFAULT_DEFAULT_ROLE: &str = "ReadOnlyAnalyst";

/// Every setting with its default and meaning, for `config get` and the docs.
pub const KNOWN: &[(&str, &str, &str)] = &[
    (PROVISIONING, "jit", "jit (users are created at their first SAML login) or full (SCIM creates and deletes users)"),
    (ROLE_ATTRIBUTE, DEFAULT_ROLE_ATTRIBUTE, "the user attribute that carries the role, in the core User namespace"),
    (DEFAULT_ROLE, DEFAULT_DEFAULT_ROLE, "the role of a user who arrives without one"),
    (PUBLIC_URL, "", "the externally visible base URL (https://host[:port]) when behind a proxy"),
    (RATE_LIMIT, "50", "requests per second per token (bursts of twice as many), or off"),
    (HEADER_TIMEOUT, "10", "seconds a connection may take to send a complete request head, also while idle between requests (1-30; at the next start)"),
    (IDLE_TIMEOUT, "60", "seconds a connection may stay open with no byte moving either way (1-600; at the next start)"),
    (BODY_TIMEOUT, "30", "seconds a client may take to send a whole request body (1-300; at the next start)"),
    (MAX_CONNECTIONS, "512", "open connections served at once; more wait to be accepted (1-100000; at the next start)"),
    (TRUSTED_PROXIES, "", "addresses or networks (comma-separated, e.g. 10.0.0.0/8) of reverse proxies whose X-Forwarded-For is believed"),
    (GUARD, "on", "hold mass deactivations and deletions until an admin releases them: on or off"),
    (GUARD_COUNT, "50", "the guard trips when more deprovisions than this arrive within the window ..."),
    (GUARD_PERCENT, "10", "... and they are more than this percentage of active users"),
    (GUARD_WINDOW, "15", "the guard's window in minutes"),
    (ORG_NAME, "", "your organisation's name, as group names carry it (the {org} of group-role-pattern)"),
    (GROUP_ROLE_PATTERN, "", "group names that carry roles, e.g. BigPanda_{org}_BPRole_{role} (case-sensitive; spaces written as _); empty: none do"),
    (ON_LAST_ROLE_REMOVED, "deactivate", "what happens to a user taken out of its last role group: deactivate or delete"),
];

/// Reads a number of seconds, minutes or items within `min..=max`.
fn number(key: &str, value: &str, min: u64, max: u64) -> Result<String, String> {
    match value.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
        _ => Err(format!(
            "{key} must be a whole number from {min} to {max}, not '{value}'"
        )),
    }
}

/// The per-token rate limit a setting names: `None` when it is off.
pub fn parse_rate_limit(value: &str) -> Option<std::num::NonZeroU32> {
    let v = value.trim();
    if v.eq_ignore_ascii_case("off") {
        return None;
    }
    v.parse::<u32>()
        .ok()
        .and_then(std::num::NonZeroU32::new)
        .or(std::num::NonZeroU32::new(DEFAULT_RATE_LIMIT))
}

pub const DEFAULT_RATE_LIMIT: u32 = 50;

/// The networks a `trusted-proxies` value lists; a bare address is a network of one.
pub fn parse_networks(value: &str) -> Result<Vec<ipnet::IpNet>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("'{p}' is not an IP address or a network such as 10.0.0.0/8"))
        })
        .collect()
}

/// Whether a switch setting is on (`on`, `true`, `yes`, `1`).
pub fn parse_switch(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Some(true),
        "off" | "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// The provisioning policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Users are created by their first SAML login; SCIM updates and deactivates them.
    Jit,
    /// SCIM creates, updates, deactivates and deletes users.
    Full,
}

impl Policy {
    pub fn parse(s: &str) -> Option<Policy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "jit" => Some(Policy::Jit),
            "full" => Some(Policy::Full),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Jit => "jit",
            Policy::Full => "full",
        }
    }
}

/// Attributes of the core User schema, which the role attribute must not shadow.
const RESERVED: &[&str] = &[
    "id",
    "externalId",
    "meta",
    "schemas",
    "userName",
    "name",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
];

/// Checks a setting's value; returns it normalised, or a sentence saying what is wrong.
pub fn validate(key: &str, value: &str, roles: &[String]) -> Result<String, String> {
    let value = value.trim();
    match key {
        PROVISIONING => Policy::parse(value)
            .map(|p| p.as_str().to_owned())
            .ok_or_else(|| format!("provisioning must be 'jit' or 'full', not '{value}'")),
        ROLE_ATTRIBUTE => {
            let mut chars = value.chars();
            let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !ok {
                return Err(format!(
                    "'{value}' is not a valid attribute name: use a letter followed by letters, digits, '-' or '_'"
                ));
            }
            if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(value)) {
                return Err(format!(
                    "'{value}' is a standard SCIM User attribute; choose another name"
                ));
            }
            Ok(value.to_owned())
        }
        DEFAULT_ROLE => roles
            .iter()
            .find(|r| r.eq_ignore_ascii_case(value))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "'{value}' is not a defined role; defined roles are: {}",
                    roles.join(", ")
                )
            }),
        PUBLIC_URL => {
            if value.is_empty() {
                return Ok(String::new());
            }
            let rest = value
                .strip_prefix("https://")
                .or_else(|| value.strip_prefix("http://"))
                .ok_or_else(|| {
                    format!("'{value}' must start with https:// (or http:// for a local test)")
                })?;
            if rest.is_empty() || rest.starts_with('/') || rest.contains(char::is_whitespace) {
                return Err(format!("'{value}' has no host name"));
            }
            if rest.contains('?') || rest.contains('#') {
                return Err(format!("'{value}' must not contain a query or a fragment"));
            }
            if rest.contains('_') {
                return Err(format!(
                    "'{value}' contains '_', and Okta rejects base URLs that contain '_': use a host name and path without it"
                ));
            }
            Ok(value.trim_end_matches('/').to_owned())
        }
        RATE_LIMIT => {
            if value.eq_ignore_ascii_case("off") {
                return Ok("off".to_owned());
            }
            number(key, value, 1, 100_000)
                .map_err(|_| format!("rate-limit must be 'off' or requests per second from 1 to 100000, not '{value}'"))
        }
        HEADER_TIMEOUT => number(key, value, 1, 30),
        IDLE_TIMEOUT => number(key, value, 1, 600),
        BODY_TIMEOUT => number(key, value, 1, 300),
        MAX_CONNECTIONS => number(key, value, 1, 100_000),
        TRUSTED_PROXIES => parse_networks(value).map(|nets| {
            nets.iter()
                // A single address reads as itself, not as a /32 network.
                .map(|n| {
                    if n.prefix_len() == n.max_prefix_len() {
                        n.addr().to_string()
                    } else {
                        n.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        }),
        GUARD => parse_switch(value)
            .map(|on| if on { "on" } else { "off" }.to_owned())
            .ok_or_else(|| format!("guard must be 'on' or 'off', not '{value}'")),
        GUARD_COUNT => number(key, value, 1, 1_000_000),
        GUARD_PERCENT => number(key, value, 0, 100),
        GUARD_WINDOW => number(key, value, 1, 1440),
        ORG_NAME => {
            if value.chars().count() > 100 || value.chars().any(char::is_control) {
                return Err(format!(
                    "org-name must be at most 100 characters, without control characters (not '{value}')"
                ));
            }
            Ok(value.to_owned())
        }
        GROUP_ROLE_PATTERN => {
            if value.is_empty() {
                return Ok(String::new());
            }
            crate::group_roles::RolePattern::parse(value).map(|p| p.as_str().to_owned())
        }
        ON_LAST_ROLE_REMOVED => crate::group_roles::OnLastRoleRemoved::parse(value)
            .map(|v| v.as_str().to_owned())
            .ok_or_else(|| {
                format!("on-last-role-removed must be 'deactivate' or 'delete', not '{value}'")
            }),
        other => Err(format!(
            "unknown setting '{other}'; known settings are: {}",
            KNOWN
                .iter()
                .map(|(k, _, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Why Okta's or Entra ID's cloud cannot use a base URL as the Tenant URL, in plain words;
/// empty when it can. The one rule for reachability: HTTPS, a host the internet can reach
/// (not loopback, not a private or link-local address, not `localhost` or `.local`), no `_`.
pub fn url_warnings(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    }
    .trim_end_matches('.')
    .to_ascii_lowercase();
    if !scheme.eq_ignore_ascii_case("https") {
        out.push(format!(
            "It is not HTTPS ({}): Okta and Entra ID call the Tenant URL over HTTPS only",
            if scheme.is_empty() {
                "no scheme"
            } else {
                scheme
            }
        ));
    }
    if host.is_empty() {
        out.push("It has no host name".to_owned());
    } else if let Some(why) = unreachable_host(&host) {
        out.push(format!("{host} {why}: Okta's cloud cannot reach it"));
    }
    if url.contains('_') {
        out.push("It contains '_', and Okta rejects base URLs that contain '_'".to_owned());
    }
    out
}

/// Why the internet cannot reach `host` (lower-case, no brackets), if it cannot.
fn unreachable_host(host: &str) -> Option<&'static str> {
    use std::net::IpAddr;
    if host == "localhost" || host.ends_with(".localhost") {
        return Some("is this computer's own name (loopback)");
    }
    if host.ends_with(".local") {
        return Some("is a name on the local network only (.local)");
    }
    match host.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) if a.is_loopback() => Some("is this computer's own loopback address"),
        IpAddr::V4(a)
            if a.is_private()
                || a.is_link_local()
                || a.octets()[0] == 100 && (a.octets()[1] & 0xc0) == 64 =>
        {
            Some("is a private network address")
        }
        IpAddr::V4(a) if a.is_unspecified() => Some("is not an address anyone can call"),
        IpAddr::V6(a) if a.is_loopback() => Some("is this computer's own loopback address"),
        IpAddr::V6(a) if a.is_unspecified() => Some("is not an address anyone can call"),
        IpAddr::V6(a)
            if (a.segments()[0] & 0xfe00) == 0xfc00 || (a.segments()[0] & 0xffc0) == 0xfe80 =>
        {
            Some("is a private network address")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_role_settings_are_checked() {
        let roles = vec!["Admin".to_owned()];
        assert_eq!(
            validate(GROUP_ROLE_PATTERN, " BigPanda_{org}_BPRole_{role} ", &roles).unwrap(),
            "BigPanda_{org}_BPRole_{role}"
        );
        assert_eq!(validate(GROUP_ROLE_PATTERN, "", &roles).unwrap(), "");
        assert!(validate(GROUP_ROLE_PATTERN, "BigPanda_{org}", &roles)
            .unwrap_err()
            .contains("{role}"));
        assert_eq!(
            validate(ON_LAST_ROLE_REMOVED, "Delete", &roles).unwrap(),
            "delete"
        );
        assert!(validate(ON_LAST_ROLE_REMOVED, "ignore", &roles)
            .unwrap_err()
            .contains("'deactivate' or 'delete'"));
        assert_eq!(
            validate(ORG_NAME, "Acme Corp", &roles).unwrap(),
            "Acme Corp"
        );
        assert!(validate(ORG_NAME, &"x".repeat(101), &roles).is_err());
    }

    fn says(url: &str, words: &str) -> bool {
        url_warnings(url).iter().any(|w| w.contains(words))
    }

    #[test]
    fn a_public_https_host_is_usable() {
        assert!(url_warnings("https://scim.example.com").is_empty());
        assert!(url_warnings("https://scim.example.com:8443/tenant/scim/v2").is_empty());
        assert!(url_warnings("https://203.0.113.7/scim/v2").is_empty());
        assert!(url_warnings("https://abc.trycloudflare.com/scim/v2").is_empty());
    }

    #[test]
    fn loopback_private_and_local_names_are_not() {
        assert!(says("http://127.0.0.1:5151/scim/v2", "loopback"));
        assert!(says("http://127.0.0.1:5151/scim/v2", "HTTPS"));
        assert!(says("https://127.0.0.1/scim/v2", "loopback"));
        assert!(says("https://[::1]:8443/scim/v2", "loopback"));
        assert!(says("https://localhost:8443", "loopback"));
        assert!(says("https://LocalHost.", "loopback"));
        assert!(says("https://10.1.2.3/scim/v2", "private"));
        assert!(says("https://192.168.1.20:8443", "private"));
        assert!(says("https://172.20.0.5", "private"));
        assert!(says("https://100.64.1.1", "private"));
        assert!(says("https://[fd00::1]/scim/v2", "private"));
        assert!(says("https://scim.local/scim/v2", ".local"));
        assert!(!says("https://172.32.0.5", "private"));
    }

    #[test]
    fn http_and_underscores_are_not() {
        assert_eq!(
            url_warnings("http://scim.example.com").len(),
            1,
            "only the scheme is wrong"
        );
        assert!(says("http://scim.example.com", "HTTPS"));
        assert!(says("https://my_host.example.com", "'_'"));
        assert!(says("https://scim.example.com/my_tenant", "'_'"));
        assert!(says("https://", "no host"));
    }

    #[test]
    fn public_url_with_an_underscore_is_refused() {
        let err = validate(PUBLIC_URL, "https://my_host.example.com", &[]).unwrap_err();
        assert!(err.contains("'_'") && err.contains("Okta"), "{err}");
        assert_eq!(
            validate(PUBLIC_URL, "https://scim.example.com/", &[]).unwrap(),
            "https://scim.example.com"
        );
    }
}
