//! The request log: one record per request (operation, status, latency, the
//! input it carried), readable by tests in-process, over
//! `GET /_emulator/requests`, and as JSON lines with `--request-log FILE`.
//!
//! Counts per operation are kept for the emulator's whole life; the records
//! themselves are kept for the last `MAX_RECORDS` requests so that a
//! long-running emulator's memory stays bounded.

use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::sync::Mutex;

const MAX_RECORDS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// 1, 2, 3, ... in the order requests completed.
    pub seq: u64,
    /// The operation name, or `-` when the request matched none.
    pub operation: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The error code (`__type`) for error answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Time spent answering, injected latency included.
    pub latency_ms: f64,
    /// The operation's input: the JSON body, with the URI and query members
    /// (`resourceArn`, `tagKeys`) merged in; null when the body was unreadable.
    pub input: Value,
}

#[derive(Debug, Default)]
struct Inner {
    seq: u64,
    records: VecDeque<RequestRecord>,
    counts: BTreeMap<String, u64>,
    file: Option<std::fs::File>,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    inner: Mutex<Inner>,
}

impl RequestLog {
    pub fn with_file(file: Option<std::fs::File>) -> Self {
        RequestLog {
            inner: Mutex::new(Inner {
                file,
                ..Inner::default()
            }),
        }
    }

    pub fn record(&self, mut record: RequestRecord) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.seq += 1;
        record.seq = inner.seq;
        *inner.counts.entry(record.operation.clone()).or_default() += 1;
        if let Some(f) = inner.file.as_mut() {
            if let Ok(mut line) = serde_json::to_vec(&record) {
                line.push(b'\n');
                // The log is a diagnostic aid: a failed write must not fail the request.
                let _ = f.write_all(&line);
            }
        }
        if inner.records.len() == MAX_RECORDS {
            inner.records.pop_front();
        }
        inner.records.push_back(record);
    }

    pub fn records(&self) -> Vec<RequestRecord> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .records
            .iter()
            .cloned()
            .collect()
    }

    /// Requests per operation since start (or the last `clear`).
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .counts
            .clone()
    }

    pub fn count(&self, operation: &str) -> u64 {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .counts
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    pub fn clear(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.records.clear();
        inner.counts.clear();
    }
}
