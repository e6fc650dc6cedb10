//! Client-side pacing to IVS Chat's per-operation rate quotas, which are per
//! account and region, so shared with every other caller of the account.
//!
//! Per operation, a generic cell-rate scheduler: a burst of one second's
//! worth *minus one* call, then one call per 1/rate seconds. Against the
//! service's token bucket (one second's worth, refilled at the quota) this
//! keeps one token in reserve, so a call that arrives early by network jitter
//! still passes, while the sustained rate is the full quota. Concurrent
//! callers reserve slots in turn and sleep until theirs.
//!
//! - `--api-share P` caps every operation at P% of its quota (no burst when
//!   that leaves less than 3 calls a second), so the rest stays free for the
//!   application that shares the account.
//! - Adaptive: a throttled answer means someone else uses the quota too; the
//!   operation's rate halves (at most once a second: the answers to calls
//!   already in flight say nothing new) and stops bursting, then creeps back
//!   up by a twentieth of its ceiling per successful call.
//! - Unpaced: against an endpoint that enforces no rate quota (`--local`, or an
//!   emulator answering `x-ivsctl-rate-quotas: off`) nothing waits.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// AWS's per-operation rate quotas for IVS Chat, in requests per second
/// (per account and region; AWS says they are not adjustable).
pub fn rate_quota(operation: &str) -> f64 {
    match operation {
        "CreateRoom" | "GetRoom" | "ListRooms" | "UpdateRoom" | "DeleteRoom" => 5.0,
        "CreateLoggingConfiguration"
        | "GetLoggingConfiguration"
        | "ListLoggingConfigurations"
        | "UpdateLoggingConfiguration"
        | "DeleteLoggingConfiguration" => 3.0,
        "TagResource" | "UntagResource" | "ListTagsForResource" => 10.0,
        "CreateChatToken" => 200.0,
        _ => 100.0,
    }
}

#[derive(Debug)]
struct OpPace {
    /// Theoretical arrival time of the next call.
    tat: Instant,
    /// The rate now (adaptive), and the most it may be.
    rate: f64,
    ceiling: f64,
    /// Calls that may go at once.
    burst_calls: f64,
    /// When the rate was last halved.
    decreased: Option<Instant>,
}

impl OpPace {
    fn new(operation: &str, share: f64, now: Instant) -> OpPace {
        let ceiling = rate_quota(operation) * share;
        OpPace {
            tat: now,
            rate: ceiling,
            ceiling,
            burst_calls: burst_calls(ceiling),
            decreased: None,
        }
    }
}

/// One second's worth minus one, at least one.
fn burst_calls(rate: f64) -> f64 {
    (rate.floor() - 1.0).max(1.0)
}

/// Per-operation pacing, shared by every call of one process.
#[derive(Debug)]
pub struct Pacer {
    /// The fraction (0 < share <= 1) of each quota this process may use.
    share: f64,
    unpaced: AtomicBool,
    ops: Mutex<HashMap<&'static str, OpPace>>,
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer::new(100)
    }
}

impl Pacer {
    /// Pacing at `share_percent` (1..=100) of every quota.
    pub fn new(share_percent: u8) -> Pacer {
        Pacer {
            share: f64::from(share_percent.clamp(1, 100)) / 100.0,
            unpaced: AtomicBool::new(false),
            ops: Mutex::new(HashMap::new()),
        }
    }

    /// Turns pacing off (the endpoint enforces no rate quota) or back on.
    pub fn set_unpaced(&self, unpaced: bool) {
        self.unpaced.store(unpaced, Ordering::Relaxed);
    }

    pub fn is_unpaced(&self) -> bool {
        self.unpaced.load(Ordering::Relaxed)
    }

    /// How long the caller must wait for its slot (and reserves it).
    pub fn reserve(&self, operation: &'static str, now: Instant) -> Duration {
        if self.is_unpaced() {
            return Duration::ZERO;
        }
        let mut ops = self.ops.lock().unwrap_or_else(|p| p.into_inner());
        let p = ops
            .entry(operation)
            .or_insert_with(|| OpPace::new(operation, self.share, now));
        let interval = Duration::from_secs_f64(1.0 / p.rate);
        // A burst of B calls = B - 1 intervals ahead of the schedule.
        let burst = interval.mul_f64(p.burst_calls - 1.0);
        let start = p.tat.max(now);
        let allowed_at = start.checked_sub(burst).unwrap_or(now);
        p.tat = start + interval;
        allowed_at.saturating_duration_since(now)
    }

    /// A throttled answer: halve the rate (not below a twentieth of the
    /// ceiling, and once a second at most) and stop bursting.
    pub fn throttled(&self, operation: &'static str, now: Instant) {
        let mut ops = self.ops.lock().unwrap_or_else(|p| p.into_inner());
        let p = ops
            .entry(operation)
            .or_insert_with(|| OpPace::new(operation, self.share, now));
        p.burst_calls = 1.0;
        if p.decreased
            .is_some_and(|t| now.saturating_duration_since(t) < Duration::from_secs(1))
        {
            return;
        }
        p.decreased = Some(now);
        p.rate = (p.rate / 2.0).max(p.ceiling / 20.0);
    }

    /// A successful answer: creep back towards the ceiling.
    pub fn succeeded(&self, operation: &'static str) {
        let mut ops = self.ops.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = ops.get_mut(operation) {
            if p.rate < p.ceiling {
                p.rate = (p.rate + p.ceiling / 20.0).min(p.ceiling);
                if p.rate >= p.ceiling {
                    p.burst_calls = burst_calls(p.ceiling);
                }
            }
        }
    }

    pub async fn acquire(&self, operation: &'static str) {
        let wait = self.reserve(operation, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// One interval of `operation` at its current rate.
    pub fn interval(&self, operation: &'static str) -> Duration {
        Duration::from_secs_f64(1.0 / self.rate(operation))
    }

    /// The rate `operation` runs at now (for tests and `-v`).
    pub fn rate(&self, operation: &'static str) -> f64 {
        let ops = self.ops.lock().unwrap_or_else(|p| p.into_inner());
        ops.get(operation)
            .map(|p| p.rate)
            .unwrap_or_else(|| rate_quota(operation) * self.share)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_second_burst_then_one_call_per_interval() {
        let p = Pacer::default();
        let now = Instant::now();
        let waits: Vec<Duration> = (0..8).map(|_| p.reserve("GetRoom", now)).collect();
        assert!(waits[..4].iter().all(|w| w.is_zero()), "{waits:?}");
        // A burst of 4 (one token kept in reserve), then one call per 1/5 s.
        assert!((waits[4].as_secs_f64() - 0.2).abs() < 0.01, "{waits:?}");
        assert!((waits[5].as_secs_f64() - 0.4).abs() < 0.01, "{waits:?}");
        // Operations have separate budgets.
        assert!(p.reserve("TagResource", now).is_zero());
    }

    #[test]
    fn paced_calls_pass_a_token_bucket_of_the_quota() {
        // The service (and the emulator) hold one second's worth of tokens and
        // refill at the quota: every paced call finds two tokens or more, so
        // it still passes if jitter makes it arrive up to 1/rate s early.
        for (op, rate) in [
            ("CreateRoom", 5.0),
            ("GetLoggingConfiguration", 3.0),
            ("TagResource", 10.0),
        ] {
            let p = Pacer::default();
            let now = Instant::now();
            let times: Vec<f64> = (0..60).map(|_| p.reserve(op, now).as_secs_f64()).collect();
            let (mut tokens, mut last) = (rate, 0.0);
            for t in times {
                tokens = (tokens + (t - last) * rate).min(rate);
                last = t;
                assert!(tokens >= 2.0 - 1e-6, "{op}: no reserve at {t}: {tokens}");
                tokens -= 1.0;
            }
        }
    }

    /// The most calls any one-second window holds.
    fn busiest_second(times: &[f64]) -> usize {
        times
            .iter()
            .map(|&t| times.iter().filter(|&&u| u >= t && u < t + 1.0).count())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn a_share_caps_every_second_and_leaves_the_rest_free() {
        let p = Pacer::new(50);
        let now = Instant::now();
        let times: Vec<f64> = (0..40)
            .map(|_| p.reserve("GetRoom", now).as_secs_f64())
            .collect();
        // 2.5/s: at most 3 calls in any second, so 2 of the 5 stay free.
        assert!(busiest_second(&times) <= 3, "{times:?}");
        assert!((times[39] - 39.0 / 2.5).abs() < 0.01, "{times:?}");
    }

    #[test]
    fn throttling_halves_the_rate_and_success_restores_it() {
        let p = Pacer::default();
        let now = Instant::now();
        p.reserve("GetRoom", now);
        p.throttled("GetRoom", now);
        assert!((p.rate("GetRoom") - 2.5).abs() < 1e-9);
        p.throttled("GetRoom", now + Duration::from_millis(300));
        assert!(
            (p.rate("GetRoom") - 2.5).abs() < 1e-9,
            "answers to calls already in flight: one decrease a second"
        );
        for s in 1..=6 {
            p.throttled("GetRoom", now + Duration::from_secs(s));
        }
        assert!((p.rate("GetRoom") - 0.25).abs() < 1e-9, "floor: 1/20 of 5");
        for _ in 0..100 {
            p.succeeded("GetRoom");
        }
        assert!((p.rate("GetRoom") - 5.0).abs() < 1e-9);
    }

    #[test]
    fn unpaced_never_waits() {
        let p = Pacer::default();
        p.set_unpaced(true);
        let now = Instant::now();
        assert!((0..100).all(|_| p.reserve("GetRoom", now).is_zero()));
    }
}
