//! Compaction: folding the log into a new snapshot.
//!
//! In the background (`maybe_compact`, once the log is at least
//! `compact_min` bytes and larger than the snapshot): the log is renamed to
//! `FILE.log.old`, a fresh log takes the writes, and another thread writes the
//! snapshot from a clone of the shadow, then removes the old log. On a clean
//! stop (`close`): the same, in the foreground. The snapshot records the last
//! `seq` it covers, so a crash at any step loses nothing.

use super::log::{open_fresh_log, Worker};
use super::snapshot::write_snapshot;
use super::sync_dir;

impl Worker {
    /// Starts a background compaction when the log has outgrown the snapshot.
    pub(super) fn maybe_compact(&mut self) {
        if let Some(h) = &self.compaction {
            if !h.is_finished() {
                return;
            }
            if let Some(h) = self.compaction.take() {
                match h.join() {
                    Ok(Ok(len)) => self.snapshot_len = len,
                    Ok(Err(e)) => eprintln!("emulator: background compaction failed: {e}"),
                    Err(_) => eprintln!("emulator: background compaction failed"),
                }
            }
        }
        if self.log_len < self.compact_min.max(self.snapshot_len) {
            return;
        }
        // Rotate: the old log holds everything up to self.seq.
        if std::fs::rename(&self.paths.log, &self.paths.old_log).is_err() {
            return;
        }
        match open_fresh_log(&self.paths) {
            Ok(f) => {
                self.log = f;
                self.log_len = 0;
            }
            Err(e) => {
                // Keep appending to the renamed file (still our handle).
                eprintln!("emulator: cannot start a new state log: {e}");
                let _ = std::fs::rename(&self.paths.old_log, &self.paths.log);
                return;
            }
        }
        sync_dir(&self.paths.dir());
        let shadow = self.shadow.clone();
        let seq = self.seq;
        let paths = self.paths.clone();
        self.compaction = Some(std::thread::spawn(move || {
            let bytes = shadow.snapshot_bytes(seq);
            write_snapshot(&paths, &bytes)?;
            std::fs::remove_file(&paths.old_log)?;
            sync_dir(&paths.dir());
            Ok(bytes.len() as u64)
        }));
    }

    pub(super) fn wait_compaction(&mut self) {
        if let Some(h) = self.compaction.take() {
            if let Ok(Ok(len)) = h.join() {
                self.snapshot_len = len;
            }
        }
    }

    pub(super) fn close(&mut self) -> Result<(), String> {
        self.wait_compaction();
        if self.poisoned.is_some() {
            return Ok(()); // the disk holds the last acknowledged state
        }
        let has_log = self.log_len > 0 || self.paths.old_log.exists();
        if !has_log {
            return Ok(());
        }
        let bytes = self.shadow.snapshot_bytes(self.seq);
        write_snapshot(&self.paths, &bytes).map_err(|e| {
            format!(
                "cannot compact the state into {}: {e} (the log still holds every change)",
                self.paths.snapshot.display()
            )
        })?;
        let _ = std::fs::remove_file(&self.paths.old_log);
        let _ = std::fs::remove_file(&self.paths.log);
        sync_dir(&self.paths.dir());
        Ok(())
    }
}
