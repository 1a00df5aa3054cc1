//! Per-token rate limits: a token bucket for each token, and one for each client address for
//! requests that carry no valid token (GCRA through `governor`).
//!
//! R requests per second per token with bursts of 2R. The default R = 50 is twice what
//! Microsoft Entra ID sends at most (it is documented to sustain about 25 requests per second
//! against one application) and lets Okta's bursts (an import page, a group push of hundreds
//! of memberships sent back to back by a few workers) through untouched. Requests without a
//! valid token get min(R, 10) per second per client address: an identity provider with a
//! wrong token still sees its 401 at once, a token-guessing client is slowed down.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Requests per second per client address for requests without a valid token, at most.
const UNAUTHENTICATED_PER_SECOND: u32 = 10;
/// Forgotten keys are dropped every this many checks, so the maps stay small.
const SWEEP_EVERY: u64 = 10_000;

/// The buckets for one rate.
struct Buckets {
    per_second: NonZeroU32,
    tokens: DefaultKeyedRateLimiter<i64>,
    addresses: DefaultKeyedRateLimiter<IpAddr>,
}

impl Buckets {
    fn new(per_second: NonZeroU32) -> Self {
        let anon = NonZeroU32::new(per_second.get().min(UNAUTHENTICATED_PER_SECOND))
            .unwrap_or(NonZeroU32::MIN);
        Buckets {
            per_second,
            tokens: RateLimiter::keyed(quota(per_second)),
            addresses: RateLimiter::keyed(quota(anon)),
        }
    }
}

/// `rate` requests per second with bursts of twice as many.
fn quota(rate: NonZeroU32) -> Quota {
    Quota::per_second(rate).allow_burst(rate.saturating_mul(NonZeroU32::MIN.saturating_add(1)))
}

/// Who a request is counted against.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    Token(i64),
    Address(IpAddr),
}

/// The rate limiter of a server; follows the `rate-limit` setting as it changes.
#[derive(Default)]
pub struct Limiter {
    buckets: RwLock<Option<Arc<Buckets>>>,
    checks: AtomicU64,
}

impl Limiter {
    /// `Ok` when the request may proceed; otherwise how long to wait before trying again.
    pub fn check(&self, rate: Option<NonZeroU32>, key: Key) -> Result<(), Duration> {
        let Some(rate) = rate else {
            return Ok(());
        };
        let buckets = self.buckets_for(rate);
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            buckets.tokens.retain_recent();
            buckets.addresses.retain_recent();
            buckets.tokens.shrink_to_fit();
            buckets.addresses.shrink_to_fit();
        }
        let verdict = match key {
            Key::Token(id) => buckets.tokens.check_key(&id),
            Key::Address(ip) => buckets.addresses.check_key(&ip),
        };
        verdict.map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    fn buckets_for(&self, rate: NonZeroU32) -> Arc<Buckets> {
        if let Some(b) = self
            .buckets
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|b| b.per_second == rate)
        {
            return b.clone();
        }
        let mut slot = self.buckets.write().unwrap_or_else(|e| e.into_inner());
        match slot.as_ref().filter(|b| b.per_second == rate) {
            Some(b) => b.clone(),
            None => {
                let b = Arc::new(Buckets::new(rate));
                *slot = Some(b.clone());
                b
            }
        }
    }
}

/// The `Retry-After` value for a wait: whole seconds, at least one.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0).max(u64::from(wait.is_zero()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_gets_its_burst_then_waits() {
        let l = Limiter::default();
        let rate = NonZeroU32::new(5);
        let allowed = (0..20)
            .filter(|_| l.check(rate, Key::Token(1)).is_ok())
            .count();
        assert_eq!(allowed, 10, "burst of 2R");
        // Another token has its own bucket.
        assert!(l.check(rate, Key::Token(2)).is_ok());
        let wait = l.check(rate, Key::Token(1)).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(200));
        // Off means off.
        assert!((0..1000).all(|_| l.check(None, Key::Token(1)).is_ok()));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
    }
}
