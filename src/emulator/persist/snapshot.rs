//! The snapshot: the persister's own copy of the state (`Shadow`, each
//! resource's JSON as last logged) and the atomic write of `FILE` from it.
//!
//! The shadow lets a snapshot be written without the emulator's state lock:
//! the persister thread keeps it in step with the log, and a background
//! compaction writes from a clone of it while writes go on.

use super::{sync_dir, Kind, Loaded, Paths, Record, FORMAT_VERSION};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::sync::Arc;

/// The persister's own copy of the state: each resource's JSON by ARN.
#[derive(Debug, Default, Clone)]
pub(super) struct Shadow {
    rooms: BTreeMap<String, Arc<[u8]>>,
    lcs: BTreeMap<String, Arc<[u8]>>,
}

impl Shadow {
    pub(super) fn from_loaded(l: &Loaded) -> Shadow {
        let mut s = Shadow::default();
        for r in &l.rooms {
            let rec = Record::room(r);
            s.apply(&rec);
        }
        for lc in &l.logging_configurations {
            s.apply(&Record::logging_configuration(lc));
        }
        s
    }

    pub(super) fn apply(&mut self, r: &Record) {
        let map = match r.kind {
            Kind::Room => &mut self.rooms,
            Kind::LoggingConfiguration => &mut self.lcs,
        };
        match &r.value {
            Some(v) => {
                map.insert(r.arn.clone(), Arc::clone(v));
            }
            None => {
                map.remove(&r.arn);
            }
        }
    }

    pub(super) fn snapshot_bytes(&self, seq: u64) -> Vec<u8> {
        let size: usize = self.rooms.values().map(|v| v.len() + 1).sum::<usize>()
            + self.lcs.values().map(|v| v.len() + 1).sum::<usize>()
            + 128;
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(
            format!("{{\"formatVersion\":{FORMAT_VERSION},\"logSeq\":{seq},\"rooms\":[").as_bytes(),
        );
        for (i, v) in self.rooms.values().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(v);
        }
        out.extend_from_slice(b"],\"loggingConfigurations\":[");
        for (i, v) in self.lcs.values().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(v);
        }
        out.extend_from_slice(b"]}");
        out
    }
}

/// Writes a snapshot atomically (temp file, fsync, rename, directory fsync).
pub(super) fn write_snapshot(paths: &Paths, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = File::create(&paths.tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&paths.tmp, &paths.snapshot)?;
    sync_dir(&paths.dir());
    Ok(())
}
