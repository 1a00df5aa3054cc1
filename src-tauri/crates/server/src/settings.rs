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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
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

/// What an identity provider will object to in a base URL, in plain words.
pub fn url_warnings(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    if url.contains('_') {
        out.push("Okta rejects base URLs that contain '_'".to_owned());
    }
    let loopback = host == "localhost" || host.starts_with("127.") || host == "[::1]";
    if url.starts_with("http://") && !loopback {
        out.push("Okta and Entra ID require HTTPS for a non-local base URL".to_owned());
    }
    out
}
