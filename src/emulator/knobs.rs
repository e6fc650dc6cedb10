//! The emulator's knobs: AWS's per-operation rate quotas, injected faults, and
//! the random numbers behind IDs, tokens and faults.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// SplitMix64: small, fast, and repeatable from a seed (`--seed`).
#[derive(Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn from_time() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        Rng(nanos ^ (std::process::id() as u64) << 32)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `n` characters of `[a-zA-Z0-9]`.
    pub fn alphanumeric(&mut self, n: usize) -> String {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| CHARS[(self.next_u64() % CHARS.len() as u64) as usize] as char)
            .collect()
    }

    /// A request id in the UUID form AWS uses.
    pub fn request_id(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }
}

/// AWS's rate quota for an operation, in requests per second
/// (the values AWS documents for IVS Chat, listed in `docs/emulator.md`; AWS
/// says they are not adjustable).
pub fn rate_quota(operation: &str) -> u32 {
    match operation {
        "CreateRoom" | "GetRoom" | "ListRooms" | "UpdateRoom" | "DeleteRoom" => 5,
        "CreateLoggingConfiguration"
        | "GetLoggingConfiguration"
        | "ListLoggingConfigurations"
        | "UpdateLoggingConfiguration"
        | "DeleteLoggingConfiguration" => 3,
        "TagResource" | "UntagResource" | "ListTagsForResource" => 10,
        "CreateChatToken" => 200,
        _ => 100, // SendEvent, DeleteMessage, DisconnectUser
    }
}

/// One token bucket per region and operation (AWS's quotas are per account
/// and region): capacity = the per-second quota, refilled continuously at
/// that rate, so a burst of one second's worth passes and the sustained rate
/// is the quota.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<(String, String), (f64, Instant)>>,
}

impl RateLimiter {
    /// Takes a token for `operation` in `region`; false when the quota is
    /// exhausted.
    pub fn try_acquire(&self, region: &str, operation: &str) -> bool {
        let rate = rate_quota(operation) as f64;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, last) = buckets
            .entry((region.to_string(), operation.to_string()))
            .or_insert((rate, now));
        let elapsed = now.duration_since(*last).as_secs_f64();
        *tokens = (*tokens + elapsed * rate).min(rate);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Which retryable error an injected fault answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Internal,
    Throttling,
}

/// Decides, request by request, whether to inject a fault.
#[derive(Debug)]
pub struct FaultInjector {
    rate: f64,
    rng: Mutex<Rng>,
}

impl FaultInjector {
    pub fn new(rate: f64, seed: u64) -> Self {
        FaultInjector {
            rate,
            rng: Mutex::new(Rng::new(seed)),
        }
    }

    pub fn decide(&self) -> Option<Fault> {
        if self.rate <= 0.0 {
            return None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        if rng.next_f64() < self.rate {
            Some(if rng.next_u64() % 2 == 0 {
                Fault::Internal
            } else {
                Fault::Throttling
            })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_alphanumeric_and_seeded() {
        let a = Rng::new(7).alphanumeric(12);
        assert_eq!(a.len(), 12);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(a, Rng::new(7).alphanumeric(12));
        assert_ne!(a, Rng::new(8).alphanumeric(12));
        assert_eq!(Rng::new(1).request_id().len(), 36);
    }

    #[test]
    fn bucket_allows_one_second_burst() {
        let l = RateLimiter::default();
        let passed = (0..20)
            .filter(|_| l.try_acquire("us-east-1", "CreateRoom"))
            .count();
        assert_eq!(passed, 5);
        let passed = (0..20)
            .filter(|_| l.try_acquire("us-east-1", "TagResource"))
            .count();
        assert_eq!(passed, 10);
        // Another region has its own quotas.
        let passed = (0..20)
            .filter(|_| l.try_acquire("eu-west-1", "CreateRoom"))
            .count();
        assert_eq!(passed, 5);
    }

    #[test]
    fn fault_rate_is_respected_and_repeatable() {
        let f = FaultInjector::new(0.3, 42);
        let a: Vec<_> = (0..1000).map(|_| f.decide()).collect();
        let g = FaultInjector::new(0.3, 42);
        let b: Vec<_> = (0..1000).map(|_| g.decide()).collect();
        assert_eq!(a, b);
        let n = a.iter().filter(|x| x.is_some()).count();
        assert!((200..400).contains(&n), "{n}");
        assert!(a.contains(&Some(Fault::Internal)) && a.contains(&Some(Fault::Throttling)));
        assert!(FaultInjector::new(0.0, 1).decide().is_none());
    }
}
