//! Settings kept in the database: their names, defaults and validation.

pub const PROVISIONING: &str = "provisioning";
pub const ROLE_ATTRIBUTE: &str = "role-attribute";
pub const DEFAULT_ROLE: &str = "default-role";
pub const PUBLIC_URL: &str = "public-url";

pub const DEFAULT_ROLE_ATTRIBUTE: &str = "pantherRole";
pub const DEFAULT_DEFAULT_ROLE: &str = "ReadOnlyAnalyst";

/// Every setting with its default and meaning, for `config get` and the docs.
pub const KNOWN: &[(&str, &str, &str)] = &[
    (PROVISIONING, "jit", "jit (users are created at their first SAML login) or full (SCIM creates and deletes users)"),
    (ROLE_ATTRIBUTE, DEFAULT_ROLE_ATTRIBUTE, "the user attribute that carries the role, in the core User namespace"),
    (DEFAULT_ROLE, DEFAULT_DEFAULT_ROLE, "the role of a user who arrives without one"),
    (PUBLIC_URL, "", "the externally visible base URL (https://host[:port]) when behind a proxy"),
];

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
