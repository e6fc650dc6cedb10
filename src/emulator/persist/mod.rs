//! `--state FILE`: a snapshot plus an append-only log of changes, with group
//! commit.
//!
//! Files (all beside FILE):
//!
//! - `FILE`: the snapshot, one JSON document
//!   `{"formatVersion": 2, "logSeq": S, "rooms": [...], "loggingConfigurations": [...]}`
//!   holding every resource of every region (a resource's region is the one in
//!   its ARN). Format 1 (the single-region format of earlier versions) has the
//!   same shape without `logSeq` and is read as is.
//! - `FILE.log`: changes after the snapshot, one JSON object per line:
//!   `{"seq": N, "kind": "room", "arn": "...", "value": {...}}` (the resource as
//!   it now is) or the same without `value` (the resource was deleted).
//! - `FILE.log.old`: the previous log while a background compaction writes the
//!   new snapshot; removed once the snapshot is in place.
//!
//! A write costs one appended line, whatever the number of resources. Writers
//! hand their records to one persister thread, which appends everything queued,
//! calls `fdatasync` once for the whole batch (group commit), and only then
//! reports the batch durable; the API answers after that, so an acknowledged
//! write survives `kill -9`.
//!
//! Compaction: on start (when a log is left over), on a clean stop, and in the
//! background when the log outgrows the snapshot (at least 8 MiB): the log is
//! renamed to `FILE.log.old`, a new log is started, and another thread writes
//! the snapshot (temp file, fsync, rename) from the persister's own copy of the
//! state, so writes go on meanwhile. Records whose `seq` the snapshot already
//! covers are skipped when loading, so a crash at any point of a compaction
//! loses nothing. A torn last record (a crash in the middle of an append, which
//! was therefore never acknowledged) is ignored when loading; any other damage
//! is a startup error naming the file and line.
//!
//! The code, one job a file:
//!
//! - `load`: reading the snapshot and replaying the logs (startup, reload)
//! - `snapshot`: the persister's copy of the state and the atomic snapshot write
//! - `persister`: the handle writers use (sequence numbers, waiting for durability)
//! - `log`: the persister thread: appending, group commit, failure and reload
//! - `compaction`: folding the log into a new snapshot, in the background or on stop

mod compaction;
mod load;
mod log;
mod persister;
mod snapshot;
#[cfg(test)]
mod tests;

pub use load::load;
pub use persister::{Durable, Persister};

use super::store::{LoggingConfiguration, Room};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const FORMAT_VERSION: u32 = 2;
/// Compact in the background once the log is this large and larger than the
/// snapshot.
const COMPACT_MIN_LOG_BYTES: u64 = 8 * 1024 * 1024;

/// Which kind of resource a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Room,
    LoggingConfiguration,
}

/// One change: the resource's JSON as it now is, or `None` when deleted.
#[derive(Debug, Clone)]
pub struct Record {
    pub kind: Kind,
    pub arn: String,
    pub value: Option<Arc<[u8]>>,
}

impl Record {
    pub fn room(room: &Room) -> Record {
        Record {
            kind: Kind::Room,
            arn: room.arn.clone(),
            value: Some(serde_json::to_vec(room).unwrap_or_default().into()),
        }
    }

    pub fn logging_configuration(lc: &LoggingConfiguration) -> Record {
        Record {
            kind: Kind::LoggingConfiguration,
            arn: lc.arn.clone(),
            value: Some(serde_json::to_vec(lc).unwrap_or_default().into()),
        }
    }

    pub fn deleted(kind: Kind, arn: &str) -> Record {
        Record {
            kind,
            arn: arn.to_string(),
            value: None,
        }
    }
}

/// What is on disk, as loaded.
#[derive(Debug, Default, Clone)]
pub struct Loaded {
    pub rooms: Vec<Room>,
    pub logging_configurations: Vec<LoggingConfiguration>,
    /// The last sequence number on disk.
    pub seq: u64,
    /// Records read from the logs (0: the snapshot alone is the state).
    pub log_records: usize,
    /// A snapshot file exists.
    pub has_snapshot: bool,
    /// A torn last record was ignored.
    pub torn_tail: bool,
}

/// The three file names.
#[derive(Debug, Clone)]
struct Paths {
    snapshot: PathBuf,
    tmp: PathBuf,
    log: PathBuf,
    old_log: PathBuf,
}

impl Paths {
    fn new(path: &Path) -> Paths {
        let with = |suffix: &str| {
            let mut s = path.as_os_str().to_owned();
            s.push(suffix);
            PathBuf::from(s)
        };
        Paths {
            snapshot: path.to_path_buf(),
            tmp: with(".tmp"),
            log: with(".log"),
            old_log: with(".log.old"),
        }
    }

    fn dir(&self) -> PathBuf {
        match self.snapshot.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

fn sync_dir(dir: &Path) {
    // Makes renames and new files durable; not every platform can open a
    // directory, and nothing depends on it beyond durability.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
