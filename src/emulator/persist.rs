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

use super::store::{LoggingConfiguration, Room};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::watch;

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

    fn line(&self, seq: u64, out: &mut Vec<u8>) {
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

/// The persister's own copy of the state: each resource's JSON by ARN.
#[derive(Debug, Default, Clone)]
struct Shadow {
    rooms: BTreeMap<String, Arc<[u8]>>,
    lcs: BTreeMap<String, Arc<[u8]>>,
}

impl Shadow {
    fn from_loaded(l: &Loaded) -> Shadow {
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

    fn apply(&mut self, r: &Record) {
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

    fn snapshot_bytes(&self, seq: u64) -> Vec<u8> {
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

/// Reads the snapshot and the logs.
pub fn load(path: &Path) -> Result<Loaded, String> {
    load_paths(&Paths::new(path))
}

fn load_paths(paths: &Paths) -> Result<Loaded, String> {
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

/// Writes a snapshot atomically (temp file, fsync, rename, directory fsync).
fn write_snapshot(paths: &Paths, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = File::create(&paths.tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&paths.tmp, &paths.snapshot)?;
    sync_dir(&paths.dir());
    Ok(())
}

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

enum Cmd {
    Append(u64, Vec<Record>),
    /// Re-read the disk after a failure; answers what was loaded.
    Reload(mpsc::Sender<Result<Loaded, String>>),
    /// Final compaction, then the thread ends.
    Close(mpsc::Sender<Result<(), String>>),
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
    fn open_with(path: &Path, compact_min: u64) -> Result<(Persister, Loaded), String> {
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

fn open_fresh_log(paths: &Paths) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(&paths.log)
}

struct Worker {
    paths: Paths,
    log: File,
    log_len: u64,
    snapshot_len: u64,
    shadow: Shadow,
    /// The last sequence number written.
    seq: u64,
    durable: watch::Sender<Durable>,
    /// Set after a failed write: records are refused until `Reload`.
    poisoned: Option<String>,
    compaction: Option<JoinHandle<std::io::Result<u64>>>,
    compact_min: u64,
}

impl Worker {
    fn run(&mut self, rx: mpsc::Receiver<Cmd>) {
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

    /// Starts a background compaction when the log has outgrown the snapshot.
    fn maybe_compact(&mut self) {
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

    fn wait_compaction(&mut self) {
        if let Some(h) = self.compaction.take() {
            if let Ok(Ok(len)) = h.join() {
                self.snapshot_len = len;
            }
        }
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

    fn close(&mut self) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn room(id: &str, t: i64) -> Room {
        Room {
            id: id.into(),
            arn: format!("arn:aws:ivschat:us-east-1:123456789012:room/{id}"),
            name: String::new(),
            create_time: t,
            update_time: t,
            maximum_message_length: 500,
            maximum_message_rate_per_second: 10,
            message_review_handler: None,
            logging_configuration_identifiers: vec![],
            tags: BTreeMap::new(),
        }
    }

    #[test]
    fn log_round_trip_and_compaction_on_close() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let (p, loaded) = Persister::open(&path).unwrap();
        assert!(loaded.rooms.is_empty());
        assert!(path.exists(), "an empty snapshot is written on first start");
        let s1 = p.submit(vec![Record::room(&room("a", 1))]);
        let s2 = p.submit(vec![Record::room(&room("b", 2))]);
        let s3 = p.submit(vec![Record::deleted(Kind::Room, &room("a", 1).arn)]);
        for s in [s1, s2, s3] {
            p.wait_blocking(s).unwrap();
        }
        let log = std::fs::read_to_string(dir.path().join("state.json.log")).unwrap();
        assert_eq!(log.lines().count(), 3, "{log}");
        // Loading without a close replays the log.
        let l = load(&path).unwrap();
        assert_eq!(l.rooms.len(), 1);
        assert_eq!(l.rooms[0].id, "b");
        assert_eq!((l.seq, l.log_records), (3, 3));
        p.close().unwrap();
        assert!(!dir.path().join("state.json.log").exists());
        let l = load(&path).unwrap();
        assert_eq!((l.rooms.len(), l.seq, l.log_records), (1, 3, 0));
    }

    #[test]
    fn torn_last_record_is_ignored_and_damage_elsewhere_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let mut log = Vec::new();
        Record::room(&room("a", 1)).line(1, &mut log);
        Record::room(&room("b", 2)).line(2, &mut log);
        let mut torn = log.clone();
        let mut third = Vec::new();
        Record::room(&room("c", 3)).line(3, &mut third);
        torn.extend_from_slice(&third[..third.len() / 2]);
        std::fs::write(dir.path().join("s.json.log"), &torn).unwrap();
        let l = load(&path).unwrap();
        assert!(l.torn_tail);
        assert_eq!(l.rooms.len(), 2);
        // A damaged line followed by good ones is not a torn tail.
        let mut bad = b"{\"seq\":1,\"kind\":\"room\"\n".to_vec();
        bad.extend_from_slice(&log);
        std::fs::write(dir.path().join("s.json.log"), &bad).unwrap();
        assert!(load(&path).unwrap_err().contains("line 1 is damaged"));
    }

    #[test]
    fn background_compaction_keeps_every_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        // Compact as soon as the log is as large as the snapshot.
        let (p, _) = Persister::open_with(&path, 1).unwrap();
        let mut last = 0;
        for i in 0..200 {
            last = p.submit(vec![Record::room(&room(&format!("r{i}"), i))]);
            if i % 20 == 0 {
                p.wait_blocking(last).unwrap();
            }
        }
        p.wait_blocking(last).unwrap();
        // Background compactions happened: the snapshot holds rooms already
        // (a compaction may still be under way: give it time).
        let mut compacted = false;
        for _ in 0..200 {
            let snapshot: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            if snapshot["logSeq"].as_u64().unwrap_or(0) > 0
                && !snapshot["rooms"].as_array().unwrap().is_empty()
            {
                compacted = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(compacted, "no background compaction");
        // After the close (which waits for a compaction under way), the
        // snapshot alone holds everything.
        p.close().unwrap();
        let l = load(&path).unwrap();
        assert_eq!((l.rooms.len(), l.log_records, l.seq), (200, 0, 200));
        assert!(!dir.path().join("s.json.log.old").exists());
    }

    #[test]
    fn records_covered_by_the_snapshot_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let mut shadow = Shadow::default();
        shadow.apply(&Record::room(&room("a", 1)));
        std::fs::write(&path, shadow.snapshot_bytes(5)).unwrap();
        let mut log = Vec::new();
        Record::deleted(Kind::Room, &room("a", 1).arn).line(5, &mut log); // covered
        Record::room(&room("b", 2)).line(6, &mut log);
        std::fs::write(dir.path().join("s.json.log.old"), &log).unwrap();
        let l = load(&path).unwrap();
        let ids: Vec<&str> = l.rooms.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(l.seq, 6);
    }
}
