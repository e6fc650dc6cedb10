//! The handle writers use: `submit` assigns sequence numbers and queues
//! records for the persister thread; `wait` / `wait_blocking` return once a
//! sequence number is durable (or its write failed); `reload` and `close`.
//!
//! Invariant: sequence numbers are assigned under the emulator's state lock
//! (the caller's), so the log's order is the order in which changes were
//! applied, and a waiter is answered only after `fdatasync`.

use super::load::load_paths;
use super::log::{open_fresh_log, Cmd, Worker};
use super::snapshot::{write_snapshot, Shadow};
use super::{sync_dir, Loaded, Paths, Record, COMPACT_MIN_LOG_BYTES};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::watch;

/// Progress of the log, as writers see it.
#[derive(Debug, Clone, Default)]
pub struct Durable {
    /// Every record up to this sequence number is on disk.
    pub seq: u64,
    /// Records from this sequence number on were not written (and never will
    /// be): the log could not be written. Cleared by `reload`.
    pub failed_from: Option<u64>,
    pub error: Option<String>,
}

/// The handle writers use. Sequence numbers are assigned by `submit`, which
/// the emulator calls under its state lock, so the log's order is the order in
/// which changes were applied.
pub struct Persister {
    path: PathBuf,
    tx: Mutex<Option<mpsc::Sender<Cmd>>>,
    next_seq: Mutex<u64>,
    durable: watch::Receiver<Durable>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Persister {
    /// Loads FILE (compacting a leftover log into a new snapshot) and starts
    /// the persister thread. Returns the persister and the loaded state.
    pub fn open(path: &Path) -> Result<(Persister, Loaded), String> {
        Persister::open_with(path, COMPACT_MIN_LOG_BYTES)
    }

    /// `open`, compacting in the background once the log reaches
    /// `compact_min` bytes (and the snapshot's size).
    pub(super) fn open_with(path: &Path, compact_min: u64) -> Result<(Persister, Loaded), String> {
        let paths = Paths::new(path);
        let loaded = load_paths(&paths)?;
        if loaded.torn_tail {
            eprintln!(
                "emulator: ignored a torn last record in {} (a write interrupted before it was acknowledged)",
                paths.log.display()
            );
        }
        let shadow = Shadow::from_loaded(&loaded);
        let log_left = [&paths.log, &paths.old_log]
            .iter()
            .any(|p| std::fs::metadata(p).map(|m| m.len() > 0).unwrap_or(false));
        let mut snapshot_len = std::fs::metadata(&paths.snapshot)
            .map(|m| m.len())
            .unwrap_or(0);
        if log_left || !loaded.has_snapshot {
            let bytes = shadow.snapshot_bytes(loaded.seq);
            snapshot_len = bytes.len() as u64;
            write_snapshot(&paths, &bytes).map_err(|e| {
                format!("cannot write state file {}: {e}", paths.snapshot.display())
            })?;
        }
        let log = open_fresh_log(&paths)
            .map_err(|e| format!("cannot open state log {}: {e}", paths.log.display()))?;
        let _ = std::fs::remove_file(&paths.old_log);
        sync_dir(&paths.dir());
        let (tx, rx) = mpsc::channel();
        let (dtx, drx) = watch::channel(Durable {
            seq: loaded.seq,
            ..Durable::default()
        });
        let mut worker = Worker {
            paths: paths.clone(),
            log,
            log_len: 0,
            snapshot_len,
            shadow,
            seq: loaded.seq,
            durable: dtx,
            poisoned: None,
            compaction: None,
            compact_min,
        };
        let thread = std::thread::Builder::new()
            .name("ivsctl-emulator-persist".into())
            .spawn(move || worker.run(rx))
            .map_err(|e| format!("cannot start the persister thread: {e}"))?;
        Ok((
            Persister {
                path: path.to_path_buf(),
                tx: Mutex::new(Some(tx)),
                next_seq: Mutex::new(loaded.seq),
                durable: drx,
                thread: Mutex::new(Some(thread)),
            },
            loaded,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues records; returns the sequence number to wait for. Call under the
    /// state lock.
    pub fn submit(&self, records: Vec<Record>) -> u64 {
        let mut next = self.next_seq.lock().unwrap_or_else(|p| p.into_inner());
        *next += 1;
        let seq = *next;
        let tx = self.tx.lock().unwrap_or_else(|p| p.into_inner());
        match tx.as_ref() {
            Some(tx) if tx.send(Cmd::Append(seq, records)).is_ok() => {}
            _ => {
                // Closed: nothing will be written; wait() reports it.
            }
        }
        seq
    }

    /// Waits until `seq` is on disk.
    pub async fn wait(&self, seq: u64) -> Result<(), String> {
        let mut rx = self.durable.clone();
        let closed = || "the emulator is stopping; the change was not saved".to_string();
        // Once the thread has ended (a stop), the channel is closed: the last
        // value says whether the write made it to disk before.
        let waited = rx
            .wait_for(|d| d.seq >= seq || d.failed_from.is_some_and(|f| f <= seq))
            .await
            .map(|d| d.clone());
        let state = match waited {
            Ok(d) => d,
            Err(_) => rx.borrow().clone(),
        };
        if state.seq >= seq {
            Ok(())
        } else {
            Err(state.error.unwrap_or_else(closed))
        }
    }

    /// The same as `wait`, blocking (for synchronous callers).
    pub fn wait_blocking(&self, seq: u64) -> Result<(), String> {
        let mut rx = self.durable.clone();
        loop {
            {
                let d = rx.borrow_and_update();
                if d.seq >= seq {
                    return Ok(());
                }
                if d.failed_from.is_some_and(|f| f <= seq) {
                    return Err(d.error.clone().unwrap_or_default());
                }
            }
            // No runtime here: poll. Only the control endpoint uses this path.
            std::thread::sleep(std::time::Duration::from_millis(1));
            if rx.has_changed().is_err() {
                return Err("the emulator is stopping; the change was not saved".into());
            }
        }
    }

    /// True when writes are failing and the state must be reloaded.
    pub fn failed(&self) -> bool {
        self.durable.borrow().failed_from.is_some()
    }

    /// After a failure: re-reads the disk (the last durable state), resets the
    /// log, and returns that state.
    pub fn reload(&self) -> Result<Loaded, String> {
        let (tx, rx) = mpsc::channel();
        self.send(Cmd::Reload(tx))?;
        let loaded = rx
            .recv()
            .map_err(|_| "the persister thread stopped".to_string())??;
        *self.next_seq.lock().unwrap_or_else(|p| p.into_inner()) = loaded.seq;
        Ok(loaded)
    }

    fn send(&self, cmd: Cmd) -> Result<(), String> {
        self.tx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .ok_or_else(|| "the emulator is stopping".to_string())?
            .send(cmd)
            .map_err(|_| "the persister thread stopped".to_string())
    }

    /// Writes what is queued, compacts the log into the snapshot, and stops
    /// the thread. Idempotent.
    pub fn close(&self) -> Result<(), String> {
        let tx = self.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
        let Some(tx) = tx else { return Ok(()) };
        let (rtx, rrx) = mpsc::channel();
        let result = match tx.send(Cmd::Close(rtx)) {
            Ok(()) => rrx
                .recv()
                .unwrap_or_else(|_| Err("the persister thread stopped".into())),
            Err(_) => Err("the persister thread stopped".into()),
        };
        drop(tx);
        if let Some(t) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = t.join();
        }
        result
    }
}

impl Drop for Persister {
    fn drop(&mut self) {
        if let Err(e) = self.close() {
            eprintln!("emulator: {e}");
        }
    }
}
