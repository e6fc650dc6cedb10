//! The request log as the tests read it: the emulator's log since the last
//! [`reset_log`](TestContext::reset_log), without the harness's own reads
//! (hidden by [`quiet`](TestContext::quiet)), and assertions over it.
//!
//! Invariant: nothing the harness reads to label or print the account shows
//! in `log()`, so counts and write logs are the binary's calls alone.

use super::context::TestContext;
use super::writes;
use ivsctl::emulator::log::RequestRecord;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The operations that change the account.
pub const WRITE_OPS: [&str; 8] = [
    "CreateRoom",
    "UpdateRoom",
    "DeleteRoom",
    "CreateLoggingConfiguration",
    "UpdateLoggingConfiguration",
    "DeleteLoggingConfiguration",
    "TagResource",
    "UntagResource",
];

/// The reads of a plan's discovery.
pub const DISCOVERY_READS: [&str; 3] = ["GetRoom", "ListLoggingConfigurations", "ListRooms"];

impl TestContext {
    /// Remembers the account as it is (labels; each room's logging
    /// configurations, for the order checks of [`write_log`]) and empties
    /// the request log.
    ///
    /// [`write_log`]: TestContext::write_log
    pub fn reset_log(&self) {
        let rooms = self.scan();
        let labels = self.labels.lock().unwrap();
        *self.before.lock().unwrap() = rooms
            .iter()
            .map(|r| {
                let lcs = r["loggingConfigurations"].as_array().unwrap();
                let lcs = lcs.iter().map(|a| labels.bare(a.as_str().unwrap()));
                (labels.bare(r["arn"].as_str().unwrap()), lcs.collect())
            })
            .collect();
        self.emu.clear_requests();
        self.hidden.lock().unwrap().clear();
    }

    /// The requests since the last reset, without the harness's own reads.
    pub fn log(&self) -> Vec<RequestRecord> {
        let hidden = self.hidden.lock().unwrap();
        self.emu
            .requests()
            .into_iter()
            .filter(|r| !hidden.iter().any(|(a, b)| (*a..=*b).contains(&r.seq)))
            .collect()
    }

    /// The operations in the log, in order.
    pub fn ops(&self) -> Vec<String> {
        self.log().into_iter().map(|r| r.operation).collect()
    }

    pub fn count(&self, op: &str) -> usize {
        self.log().iter().filter(|r| r.operation == op).count()
    }

    /// Requests per operation.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for r in self.log() {
            *out.entry(r.operation).or_default() += 1;
        }
        out
    }

    /// The inputs of the calls of `op`, in order.
    pub fn inputs(&self, op: &str) -> Vec<Value> {
        let log = self.log().into_iter().filter(|r| r.operation == op);
        log.map(|r| r.input).collect()
    }

    /// The resources (`identifier`) the calls of `op` named.
    pub fn targets(&self, op: &str) -> BTreeSet<String> {
        let inputs = self.inputs(op).into_iter();
        inputs
            .map(|i| i["identifier"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    /// The write calls, in order.
    pub fn writes(&self) -> Vec<RequestRecord> {
        let mut log = self.log();
        log.retain(|r| WRITE_OPS.contains(&r.operation.as_str()));
        log
    }

    #[track_caller]
    pub fn assert_no_writes(&self, what: &str) {
        let w = self.writes();
        assert!(w.is_empty(), "{what}: expected no write call, got {w:#?}");
    }

    /// Nothing but the discovery reads reached the API.
    #[track_caller]
    pub fn assert_reads_only(&self, what: &str) {
        let ops = self.counts();
        let other: Vec<_> = ops
            .keys()
            .filter(|op| !DISCOVERY_READS.contains(&op.as_str()))
            .collect();
        assert!(other.is_empty(), "{what}: the API saw {ops:?}");
    }

    /// No request at all reached the API.
    #[track_caller]
    pub fn assert_no_calls(&self, what: &str) {
        assert_eq!(self.ops(), Vec::<String>::new(), "{what}: no API call");
    }

    /// The write calls since the last reset (plus GetLoggingConfiguration,
    /// the wait for ACTIVE), redacted, one line each, in a canonical order;
    /// the order contracts of apply are checked on the real order first (see
    /// writes.rs).
    pub fn write_log(&self) -> String {
        let records = self.log();
        self.quiet(|| self.scan());
        writes::render(
            &records,
            &self.labels.lock().unwrap(),
            &self.before.lock().unwrap(),
        )
    }

    /// The reads since the last reset: `ListRooms ×2, GetRoom ×3`.
    pub fn read_counts(&self) -> String {
        let reads: Vec<String> = self
            .counts()
            .into_iter()
            .filter(|(op, _)| !writes::LOGGED_OPS.contains(&op.as_str()))
            .map(|(op, n)| format!("{op} ×{n}"))
            .collect();
        if reads.is_empty() {
            "none".to_string()
        } else {
            reads.join(", ")
        }
    }

    /// Runs `f` (SDK reads of the harness) out of [`log`](Self::log).
    pub fn quiet<T>(&self, f: impl FnOnce() -> T) -> T {
        let last = || self.emu.requests().last().map_or(0, |r| r.seq);
        let start = last();
        let out = f();
        self.hidden.lock().unwrap().push((start + 1, last()));
        out
    }
}
