//! Reading `FILE`, `FILE.log.old` and `FILE.log` back into one state: at
//! startup and when the persister reloads after a failed write.
//!
//! Invariants: a log record whose `seq` the snapshot already covers is skipped
//! (so a crash in the middle of a compaction loses nothing and applies nothing
//! twice); only the very last record of `FILE.log` may be torn, and it is then
//! ignored (it was never acknowledged); any other damage is an error naming the
//! file and line.

use super::{Kind, Loaded, Paths, FORMAT_VERSION};
use crate::emulator::store::{LoggingConfiguration, Room};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

#[derive(Deserialize)]
struct LogLine {
    seq: u64,
    kind: Kind,
    arn: String,
    #[serde(default)]
    value: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnapshotFile {
    format_version: u32,
    #[serde(default)]
    log_seq: u64,
    #[serde(default)]
    rooms: Vec<Room>,
    #[serde(default)]
    logging_configurations: Vec<LoggingConfiguration>,
}

/// Reads the snapshot and the logs.
pub fn load(path: &Path) -> Result<Loaded, String> {
    load_paths(&Paths::new(path))
}

pub(super) fn load_paths(paths: &Paths) -> Result<Loaded, String> {
    let name = paths.snapshot.display();
    let mut loaded = Loaded::default();
    let mut rooms: BTreeMap<String, Room> = BTreeMap::new();
    let mut lcs: BTreeMap<String, LoggingConfiguration> = BTreeMap::new();
    let mut snapshot_seq = 0;
    match std::fs::read(&paths.snapshot) {
        Ok(bytes) => {
            let file: SnapshotFile = serde_json::from_slice(&bytes)
                .map_err(|e| format!("cannot read state file {name}: {e}"))?;
            if file.format_version != 1 && file.format_version != FORMAT_VERSION {
                return Err(format!(
                    "cannot read state file {name}: unsupported state format version {} (this emulator reads 1 and {FORMAT_VERSION})",
                    file.format_version
                ));
            }
            for r in file.rooms {
                rooms.insert(r.arn.clone(), r);
            }
            for lc in file.logging_configurations {
                lcs.insert(lc.arn.clone(), lc);
            }
            snapshot_seq = file.log_seq;
            loaded.has_snapshot = true;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read state file {name}: {e}")),
    }
    loaded.seq = snapshot_seq;
    for (log, last) in [(&paths.old_log, false), (&paths.log, true)] {
        let file = match File::open(log) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("cannot read state log {}: {e}", log.display())),
        };
        let mut reader = BufReader::new(file);
        let mut line = Vec::new();
        let mut n = 0usize;
        loop {
            line.clear();
            let read = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| format!("cannot read state log {}: {e}", log.display()))?;
            if read == 0 {
                break;
            }
            n += 1;
            let complete = line.last() == Some(&b'\n');
            let parsed = serde_json::from_slice::<LogLine>(&line);
            let rec = match parsed {
                Ok(rec) if complete => rec,
                _ => {
                    // Only the very last record may be torn: it was being
                    // appended when the process died, and was never acknowledged.
                    let at_end = reader.fill_buf().map(|b| b.is_empty()).unwrap_or(false);
                    if last && at_end {
                        loaded.torn_tail = true;
                        break;
                    }
                    return Err(format!(
                        "cannot read state log {}: line {n} is damaged{}",
                        log.display(),
                        match parsed {
                            Err(e) => format!(": {e}"),
                            Ok(_) => String::new(),
                        }
                    ));
                }
            };
            if rec.seq <= snapshot_seq {
                continue; // already in the snapshot
            }
            let bad = |e: serde_json::Error| {
                format!(
                    "cannot read state log {}: line {n} has an invalid resource: {e}",
                    log.display()
                )
            };
            match (rec.kind, rec.value) {
                (Kind::Room, Some(v)) => {
                    rooms.insert(rec.arn, serde_json::from_value(v).map_err(bad)?);
                }
                (Kind::Room, None) => {
                    rooms.remove(&rec.arn);
                }
                (Kind::LoggingConfiguration, Some(v)) => {
                    lcs.insert(rec.arn, serde_json::from_value(v).map_err(bad)?);
                }
                (Kind::LoggingConfiguration, None) => {
                    lcs.remove(&rec.arn);
                }
            }
            loaded.seq = loaded.seq.max(rec.seq);
            loaded.log_records += 1;
        }
    }
    loaded.rooms = rooms.into_values().collect();
    loaded.logging_configurations = lcs.into_values().collect();
    Ok(loaded)
}
