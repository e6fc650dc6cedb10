//! The persister thread: appends records to `FILE.log` with group commit
//! (everything queued goes out in one write and one `fdatasync`), then reports
//! the batch durable; on a failed write it truncates the log back to what was
//! acknowledged and refuses records until a reload.
//!
//! Invariants: `Durable::seq` only moves after the data is on disk; after a
//! failure the log holds exactly the acknowledged records, so reloading gives
//! the state the API last promised.

use super::load::load_paths;
use super::persister::Durable;
use super::snapshot::Shadow;
use super::{Kind, Loaded, Paths, Record};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::mpsc;
use std::thread::JoinHandle;
use tokio::sync::watch;

impl Record {
    /// The record as one log line (`seq`, `kind`, `arn`, and `value` unless
    /// deleted), written without re-serializing the resource.
    pub(super) fn line(&self, seq: u64, out: &mut Vec<u8>) {
        out.extend_from_slice(format!("{{\"seq\":{seq},\"kind\":").as_bytes());
        out.extend_from_slice(match self.kind {
            Kind::Room => b"\"room\"",
            Kind::LoggingConfiguration => b"\"logging-configuration\"",
        });
        out.extend_from_slice(b",\"arn\":");
        out.extend_from_slice(
            serde_json::to_string(&self.arn)
                .unwrap_or_default()
                .as_bytes(),
        );
        if let Some(v) = &self.value {
            out.extend_from_slice(b",\"value\":");
            out.extend_from_slice(v);
        }
        out.extend_from_slice(b"}\n");
    }
}

/// What the handle (`Persister`) asks of the thread.
pub(super) enum Cmd {
    Append(u64, Vec<Record>),
    /// Re-read the disk after a failure; answers what was loaded.
    Reload(mpsc::Sender<Result<Loaded, String>>),
    /// Final compaction, then the thread ends.
    Close(mpsc::Sender<Result<(), String>>),
}

pub(super) fn open_fresh_log(paths: &Paths) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(&paths.log)
}

/// The persister thread's state: the open log, the shadow, what is durable.
pub(super) struct Worker {
    pub(super) paths: Paths,
    pub(super) log: File,
    pub(super) log_len: u64,
    pub(super) snapshot_len: u64,
    pub(super) shadow: Shadow,
    /// The last sequence number written.
    pub(super) seq: u64,
    pub(super) durable: watch::Sender<Durable>,
    /// Set after a failed write: records are refused until `Reload`.
    pub(super) poisoned: Option<String>,
    pub(super) compaction: Option<JoinHandle<std::io::Result<u64>>>,
    pub(super) compact_min: u64,
}

impl Worker {
    pub(super) fn run(&mut self, rx: mpsc::Receiver<Cmd>) {
        let mut pending: Option<Cmd> = None;
        loop {
            let cmd = match pending.take() {
                Some(c) => c,
                None => match rx.recv() {
                    Ok(c) => c,
                    Err(_) => {
                        // Every handle is gone without a close: compact anyway.
                        let _ = self.close();
                        return;
                    }
                },
            };
            match cmd {
                Cmd::Append(seq, records) => {
                    // Group commit: take everything queued behind this one.
                    let mut batch = vec![(seq, records)];
                    loop {
                        match rx.try_recv() {
                            Ok(Cmd::Append(s, r)) => batch.push((s, r)),
                            Ok(other) => {
                                pending = Some(other);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    self.append(batch);
                }
                Cmd::Reload(reply) => {
                    let _ = reply.send(self.reload());
                }
                Cmd::Close(reply) => {
                    let _ = reply.send(self.close());
                    return;
                }
            }
        }
    }

    fn append(&mut self, batch: Vec<(u64, Vec<Record>)>) {
        let first = batch.first().map(|(s, _)| *s).unwrap_or(0);
        let last = batch.last().map(|(s, _)| *s).unwrap_or(0);
        if let Some(error) = &self.poisoned {
            let error = error.clone();
            self.durable.send_modify(|d| {
                d.failed_from = Some(d.failed_from.map_or(first, |f| f.min(first)));
                d.error = Some(error);
            });
            return;
        }
        let mut buf = Vec::with_capacity(batch.len() * 512);
        for (seq, records) in &batch {
            for r in records {
                r.line(*seq, &mut buf);
            }
        }
        let written = self.log.write_all(&buf).and_then(|()| self.log.sync_data());
        if let Err(e) = written {
            // Leave the log as it was before this batch, so that reloading
            // gives exactly what was acknowledged.
            let _ = self.log.set_len(self.log_len);
            let error = format!(
                "could not persist the change to {}: {e}; nothing was applied",
                self.paths.snapshot.display()
            );
            self.poisoned = Some(error.clone());
            self.durable.send_modify(|d| {
                d.failed_from = Some(first);
                d.error = Some(error);
            });
            return;
        }
        self.log_len += buf.len() as u64;
        for (_, records) in &batch {
            for r in records {
                self.shadow.apply(r);
            }
        }
        self.seq = last;
        self.durable.send_modify(|d| d.seq = last);
        self.maybe_compact();
    }

    fn reload(&mut self) -> Result<Loaded, String> {
        self.wait_compaction();
        let loaded = load_paths(&self.paths)?;
        self.shadow = Shadow::from_loaded(&loaded);
        self.seq = loaded.seq;
        self.log_len = std::fs::metadata(&self.paths.log)
            .map(|m| m.len())
            .unwrap_or(0);
        if let Ok(f) = OpenOptions::new().append(true).open(&self.paths.log) {
            self.log = f;
        }
        self.poisoned = None;
        self.durable.send_modify(|d| {
            d.seq = loaded.seq;
            d.failed_from = None;
            d.error = None;
        });
        Ok(loaded)
    }
}
