//! What the event log is told about a request before anything else happens to it: who called
//! from where, and the path with every secret the query string carried redacted.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// Query parameters whose values are never stored (compared case-insensitively, also as the
/// last part of a longer name such as `client_secret`).
const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "token",
    "password",
    "passwd",
    "secret",
    "apikey",
    "api_key",
    "key",
    "code",
    "assertion",
    "authorization",
    "auth",
    "signature",
    "sig",
];

/// Whether a query parameter's value must not be stored.
fn is_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SECRET_PARAMS
        .iter()
        .any(|s| n == *s || n.ends_with(&format!("_{s}")) || n.ends_with(&format!("-{s}")))
}

/// Bodies larger than this are not kept at all (only their size): redacting and storing them
/// would cost more than the few KiB the log keeps of them are worth.
pub const MAX_KEPT_BODY: usize = 64 * 1024;
/// A successful answer is kept only up to this size (a lookup, one user); larger ones (pages of
/// a list) are noted by size, so reads do not crowd older entries out of the log.
pub const MAX_KEPT_SUCCESS: usize = 2 * 1024;

/// A request body as the log keeps it: compact JSON with the value of every member whose name
/// is a secret's (`password`, `token`, `client_secret`, …, at any depth) replaced by
/// `[redacted]`.
pub fn redacted_body(v: &serde_json::Value, size: usize) -> String {
    fn redact(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m.iter_mut() {
                    if is_secret(k) {
                        *v = serde_json::Value::String("[redacted]".to_owned());
                    } else {
                        redact(v);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(redact),
            _ => {}
        }
    }
    if size > MAX_KEPT_BODY {
        return format!("…[a body of {size} bytes, not kept]");
    }
    let mut v = v.clone();
    redact(&mut v);
    serde_json::to_string(&v).unwrap_or_default()
}

/// The path and query as they are stored: values of secret parameters replaced by
/// `[redacted]`; everything else as the client sent it.
pub fn redacted_path(path: &str, query: Option<&str>) -> String {
    let Some(query) = query else {
        return path.to_owned();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded = form_urlencoded::parse(pair.as_bytes())
                .next()
                .map(|(n, _)| n.into_owned())
                .unwrap_or_default();
            if is_secret(&decoded) && !value.is_empty() {
                format!("{name}=[redacted]")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

/// The client's address: the TCP peer, or — when the peer is a trusted proxy — the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_address(
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    trusted: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let peer = peer?.ip();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if trusted.is_empty() || !is_trusted(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !is_trusted(ip))
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_the_query_are_redacted_and_the_rest_kept() {
        assert_eq!(
            redacted_path("/scim/v2/Users", Some("access_token=abc&count=2")),
            "/scim/v2/Users?access_token=[redacted]&count=2"
        );
        assert_eq!(
            redacted_path("/scim/v2/Users", Some("filter=userName%20eq%20%22a%22&Client_Secret=s&PASSWORD=p&x")),
            "/scim/v2/Users?filter=userName%20eq%20%22a%22&Client_Secret=[redacted]&PASSWORD=[redacted]&x"
        );
        assert_eq!(
            redacted_path("/scim/v2/Users", Some("access%5Ftoken=abc")),
            "/scim/v2/Users?access%5Ftoken=[redacted]"
        );
        assert_eq!(redacted_path("/scim/v2/Users", None), "/scim/v2/Users");
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.7, 10.0.0.2".parse().unwrap());
        let proxy: SocketAddr = "10.0.0.1:5555".parse().unwrap();
        let trusted = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            client_address(Some(proxy), &h, &trusted),
            Some("203.0.113.7".parse().unwrap())
        );
        // Without trust, a client cannot choose its address.
        assert_eq!(
            client_address(Some(proxy), &h, &[]),
            Some("10.0.0.1".parse().unwrap())
        );
        let direct: SocketAddr = "198.51.100.9:1".parse().unwrap();
        assert_eq!(
            client_address(Some(direct), &h, &trusted),
            Some("198.51.100.9".parse().unwrap())
        );
    }
}
