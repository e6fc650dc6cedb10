//! The one retry loop every API call goes through (reads, writes and chat
//! operations alike): each attempt is paced, and an error is retried only
//! when its class is one the call allows.
//!
//! - Throttled (429): nothing was applied, so every call retries it, with a
//!   jittered backoff and an adaptive slow-down of the operation (see
//!   `pacer`), until the call's deadline rather than a fixed count: when
//!   several processes share the account's quota, each gets through in time.
//! - Transient (5xx, timeouts): retried a few times by calls that are
//!   idempotent. Never by creates: a 500 may hide a resource that was
//!   created, and a blind retry would make a duplicate; the next apply, which
//!   re-reads the account, converges instead.
//! - Conflict (409): retried a few times where the conflict is a transition
//!   in progress (logging-configuration updates and deletes).

use super::error::{ApiError, Retryable};
use super::Api;
use std::future::Future;
use std::time::{Duration, Instant};

/// Which failures a call retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    transient: bool,
    conflict: bool,
}

impl Retry {
    /// Reads, updates, deletes and tag calls: throttling and transient errors.
    pub const IDEMPOTENT: Retry = Retry {
        transient: true,
        conflict: false,
    };
    /// Creates (and chat calls that must not repeat): throttling only.
    pub const THROTTLING_ONLY: Retry = Retry {
        transient: false,
        conflict: false,
    };

    /// Also retry 409 ConflictException.
    pub const fn and_conflicts(self) -> Retry {
        Retry {
            conflict: true,
            ..self
        }
    }
}

/// Attempts for transient errors and conflicts (first try included).
const MAX_ATTEMPTS: u32 = 6;

/// How long a call keeps retrying throttled answers.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(300);

/// Backoff before attempt `n` + 1 (n >= 1): exponential from 200 ms, at most
/// 10 s, with "equal jitter" (half fixed, half random) so that processes
/// throttled together do not retry together.
pub fn backoff(n: u32, random: f64) -> Duration {
    let cap = (200u64 << n.min(6)).min(10_000) as f64;
    Duration::from_millis((cap / 2.0 + cap / 2.0 * random) as u64)
}

/// A number in [0, 1) for jitter (not for anything that needs real randomness).
fn jitter() -> f64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        x = nanos ^ (u64::from(std::process::id()) << 32) | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    (x >> 11) as f64 / (1u64 << 53) as f64
}

impl Api {
    /// Runs `attempt` (which sends one request) until it succeeds, fails in a
    /// way `retry` does not cover, or runs out of attempts or time. Each
    /// attempt first waits for its slot of `operation`'s rate quota.
    pub async fn call<T, F, Fut>(
        &self,
        operation: &'static str,
        target: &str,
        retry: Retry,
        mut attempt: F,
    ) -> Result<T, ApiError>
    where
        F: FnMut(aws_sdk_ivschat::Client) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let started = Instant::now();
        let mut n = 0u32;
        loop {
            n += 1;
            self.pace(operation, target).await;
            let err = match attempt(self.client.clone()).await {
                Ok(v) => {
                    self.pacer.succeeded(operation);
                    return Ok(v);
                }
                Err(e) => e,
            };
            let again = match err.retryable() {
                Retryable::Throttled => {
                    self.pacer.throttled(operation, Instant::now());
                    started.elapsed() < self.retry_deadline
                }
                Retryable::Transient => retry.transient && n < MAX_ATTEMPTS,
                Retryable::Conflict => retry.conflict && n < MAX_ATTEMPTS,
                Retryable::No => false,
            };
            if !again {
                return Err(err.with_endpoint(&self.endpoint));
            }
            // Throttled: the pacer has slowed the operation down and paces
            // the retry; a jitter of up to one interval keeps processes
            // throttled together from retrying together. Otherwise: backoff.
            let delay = match err.retryable() {
                Retryable::Throttled => self.pacer.interval(operation).mul_f64(jitter()),
                _ => backoff(n, jitter()),
            };
            self.observer.retrying(operation, target, &err, delay);
            crate::heartbeat::retried(err.retryable() == Retryable::Throttled);
            tokio::time::sleep(delay).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_cap_with_jitter() {
        assert_eq!(backoff(1, 0.0), Duration::from_millis(200));
        assert_eq!(backoff(1, 0.999_999), Duration::from_millis(399));
        assert_eq!(backoff(2, 0.0), Duration::from_millis(400));
        assert_eq!(backoff(10, 0.0), Duration::from_millis(5_000));
        assert!(backoff(30, 0.999) <= Duration::from_secs(10));
        let j: Vec<f64> = (0..100).map(|_| jitter()).collect();
        assert!(j.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(j.windows(2).any(|w| w[0] != w[1]));
    }
}
