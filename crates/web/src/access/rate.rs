//! How many API requests one client may make: a quota per minute and per address (the GCRA of the
//! `governor` crate: a steady rate with a burst of the whole quota). Beyond it the API answers `429` with
//! `Retry-After`, so that one script cannot take the server from everyone else.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// API requests a client may make per minute when the site's options do not say.
pub const DEFAULT_PER_MINUTE: NonZeroU32 = NonZeroU32::new(600).expect("600 is not zero");

/// Beyond this many addresses remembered, those back at their full quota are forgotten: the memory the
/// limiter holds stays bounded by the clients of the last minute.
const REMEMBERED: usize = 10_000;

/// The API's rate limiter.
pub struct ApiRate {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

impl ApiRate {
    /// A limiter allowing `per_minute` requests per minute to each address.
    pub fn new(per_minute: NonZeroU32) -> ApiRate {
        ApiRate {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts a request from `client`: `Err` with the wait before its next one is allowed when it is
    /// over its quota.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        if self.limiter.len() > REMEMBERED {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

/// `Retry-After` in whole seconds, never 0 (a client told 0 would retry at once).
pub fn retry_after(wait: Duration) -> u64 {
    u64::try_from(wait.as_nanos().div_ceil(1_000_000_000))
        .unwrap_or(u64::MAX)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_its_quota_waits_and_others_do_not() {
        let rate = ApiRate::new(NonZeroU32::new(3).unwrap());
        let (a, b) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        for _ in 0..3 {
            assert_eq!(rate.check(a), Ok(()));
        }
        let wait = rate.check(a).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert_eq!(rate.check(b), Ok(()), "another address has its own quota");
    }

    #[test]
    fn retry_after_rounds_up_to_a_whole_second() {
        assert_eq!(retry_after(Duration::from_millis(1)), 1);
        assert_eq!(retry_after(Duration::from_secs(20)), 20);
        assert_eq!(retry_after(Duration::from_millis(20_001)), 21);
        assert_eq!(retry_after(Duration::ZERO), 1);
    }
}
