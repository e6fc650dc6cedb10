//! Progress for logs (CI): without a terminal, nothing moves on screen, so
//! while ivsctl waits on something — a logging configuration becoming
//! ACTIVE, throttling back-off, a long read of the account — it prints a
//! line on stderr at least every 15 s saying what it waits for, so that a
//! job log never looks hung.
//!
//! Waits register themselves ([`waiting`], a guard); the API layer reports
//! calls and retries ([`called`], [`retried`]). A background task
//! ([`start`]) looks every interval and prints one line when something is
//! being waited on, or when calls were throttled since the last line.
//! The state is per process (like `trace`): a CLI run is one process.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a line is printed while waiting.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15);

/// The environment variable that sets the interval in milliseconds (for
/// tests; not a user setting).
pub const INTERVAL_ENV: &str = "IVSCTL_PROGRESS_INTERVAL_MS";

#[derive(Default)]
struct State {
    next_id: u64,
    waits: BTreeMap<u64, Wait>,
    /// Calls per operation since the last line.
    calls: BTreeMap<&'static str, u64>,
    /// Throttled calls retried since the last line, and the last delay.
    throttled: u64,
    /// Other retried calls (5xx, timeouts, conflicts) since the last line.
    retried: u64,
}

struct Wait {
    what: String,
    since: Instant,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn with_state<T>(f: impl FnOnce(&mut State) -> T) -> T {
    let mut guard = STATE.lock().unwrap_or_else(|p| p.into_inner());
    f(guard.get_or_insert_with(State::default))
}

/// Something ivsctl is waiting for, until the guard is dropped.
#[must_use = "the wait ends when the guard is dropped"]
pub struct WaitGuard(u64);

impl WaitGuard {
    /// Says what is waited for now (e.g. the latest state seen).
    pub fn set(&self, what: impl Into<String>) {
        let what = what.into();
        with_state(|s| {
            if let Some(w) = s.waits.get_mut(&self.0) {
                w.what = what;
            }
        });
    }
}

impl Drop for WaitGuard {
    fn drop(&mut self) {
        with_state(|s| s.waits.remove(&self.0));
    }
}

/// Registers a wait: `what` completes "waiting for ...".
pub fn waiting(what: impl Into<String>) -> WaitGuard {
    let what = what.into();
    with_state(|s| {
        s.next_id += 1;
        let id = s.next_id;
        s.waits.insert(
            id,
            Wait {
                what,
                since: Instant::now(),
            },
        );
        WaitGuard(id)
    })
}

/// An API call is being sent.
pub fn called(operation: &'static str) {
    with_state(|s| *s.calls.entry(operation).or_default() += 1);
}

/// A call failed and will be retried; `throttled` when the account's rate
/// quota was the cause.
pub fn retried(throttled: bool) {
    with_state(|s| {
        if throttled {
            s.throttled += 1;
        } else {
            s.retried += 1;
        }
    });
}

/// The line to print now, if anything is being waited for (or was
/// throttled) — and resets the counts since the last line.
fn take_line(started: Instant, now: Instant) -> Option<String> {
    with_state(|s| s.take_line(started, now))
}

impl State {
    fn take_line(&mut self, started: Instant, now: Instant) -> Option<String> {
        let s = self;
        let calls = std::mem::take(&mut s.calls);
        let throttled = std::mem::take(&mut s.throttled);
        let retried = std::mem::take(&mut s.retried);
        if s.waits.is_empty() && throttled == 0 && retried == 0 {
            return None;
        }
        let mut parts = Vec::new();
        for w in s.waits.values() {
            parts.push(format!(
                "waiting {} for {}",
                secs(now.saturating_duration_since(w.since)),
                w.what
            ));
        }
        let mut since = Vec::new();
        let total: u64 = calls.values().sum();
        if total > 0 {
            let each: Vec<String> = calls.iter().map(|(op, n)| format!("{op} {n}")).collect();
            since.push(format!(
                "{total} call{} ({})",
                if total == 1 { "" } else { "s" },
                each.join(", ")
            ));
        }
        if throttled > 0 {
            since.push(format!(
                "{throttled} throttled by the account's rate quota and retried after a back-off"
            ));
        }
        if retried > 0 {
            since.push(format!("{retried} retried after a server error or timeout"));
        }
        if !since.is_empty() {
            parts.push(format!("since the last line: {}", since.join(", ")));
        }
        Some(format!(
            "still working after {}: {}",
            secs(now.saturating_duration_since(started)),
            parts.join("; ")
        ))
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s} s")
    }
}

/// The heartbeat task; it stops when dropped.
pub struct Heartbeat(tokio::task::JoinHandle<()>);

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts printing heartbeat lines on stderr when stderr is not a terminal
/// (a terminal shows spinners instead). Must run inside a tokio runtime.
pub fn start(terminal: &crate::terminal::Terminal) -> Option<Heartbeat> {
    if terminal.stderr {
        return None;
    }
    let interval = std::env::var(INTERVAL_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
        .unwrap_or(DEFAULT_INTERVAL);
    let started = Instant::now();
    // Counts start with this run.
    with_state(|s| {
        s.calls.clear();
        s.throttled = 0;
        s.retried = 0;
    });
    Some(Heartbeat(tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        loop {
            tick.tick().await;
            if let Some(line) = take_line(started, Instant::now()) {
                crate::trace::line(format_args!("{line}"));
            }
        }
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_what_is_waited_for_and_what_happened_since() {
        let mut s = State::default();
        let t0 = Instant::now();
        assert_eq!(s.take_line(t0, t0), None, "nothing waited for: no line");
        *s.calls.entry("GetRoom").or_default() += 1;
        assert_eq!(s.take_line(t0, t0), None, "calls alone: no line");

        s.waits.insert(
            1,
            Wait {
                what: "loggingConfigurations.archive to become ACTIVE (CREATING)".into(),
                since: t0 + Duration::from_secs(5),
            },
        );
        *s.calls.entry("GetLoggingConfiguration").or_default() += 2;
        assert_eq!(
            s.take_line(t0, t0 + Duration::from_secs(75)).unwrap(),
            "still working after 1m15s: waiting 1m10s for loggingConfigurations.archive to \
             become ACTIVE (CREATING); since the last line: 2 calls (GetLoggingConfiguration 2)"
        );
        // Counts restart after each line.
        assert_eq!(
            s.take_line(t0, t0 + Duration::from_secs(90)).unwrap(),
            "still working after 1m30s: waiting 1m25s for loggingConfigurations.archive to \
             become ACTIVE (CREATING)"
        );
        s.waits.clear();
        assert_eq!(s.take_line(t0, t0), None);

        s.throttled = 2;
        *s.calls.entry("ListRooms").or_default() += 1;
        assert_eq!(
            s.take_line(t0, t0 + Duration::from_secs(15)).unwrap(),
            "still working after 15 s: since the last line: 1 call (ListRooms 1), 2 throttled \
             by the account's rate quota and retried after a back-off"
        );
    }

    #[test]
    fn a_wait_lasts_as_long_as_its_guard() {
        let w = waiting("something unique to this test");
        w.set("something unique to this test, updated");
        let seen = |text: &str| with_state(|s| s.waits.values().any(|w| w.what == text));
        assert!(seen("something unique to this test, updated"));
        drop(w);
        assert!(!seen("something unique to this test, updated"));
    }
}
