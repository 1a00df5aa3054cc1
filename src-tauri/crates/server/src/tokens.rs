//! API token secrets: generated with the OS random source, stored as a SHA-256 hash.
//!
//! A token is 40 random base-62 characters (about 238 bits) behind a `scim_` prefix that lets
//! secret scanners recognise it. With that much entropy a fast hash is the right tool: it keeps
//! the per-request lookup an indexed equality, and brute force stays out of reach.

use rand::Rng;
use sha2::{Digest, Sha256};

/// The name of the token the console's Okta simulator sends with.
pub const SIMULATOR_TOKEN_NAME: &str = "SCIM Console simulator";

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub fn generate() -> String {
    let mut rng = rand::rng();
    let body: String = (0..40)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("scim_{body}")
}

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Enough of the secret to tell tokens apart in a list, not enough to matter.
pub fn prefix(secret: &str) -> String {
    secret.chars().take(9).collect()
}
