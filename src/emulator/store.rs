//! The emulator's resources and their persistence.
//!
//! Resources are keyed by ARN (the API's identifiers are ARNs). An ordered
//! index by (updateTime, id) serves ListRooms' "newest first" order and its
//! cursor pagination without sorting on every page.
//!
//! With `--state FILE`, every change is written to `FILE.tmp`, synced, and
//! renamed over `FILE` before the response is sent, so a `kill -9` loses nothing
//! that was acknowledged and never leaves a torn file.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Handler {
    pub uri: String,
    pub fallback_result: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Room {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub create_time: i64,
    pub update_time: i64,
    pub maximum_message_length: i64,
    pub maximum_message_rate_per_second: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_review_handler: Option<Handler>,
    #[serde(default)]
    pub logging_configuration_identifiers: Vec<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A transition the configuration is in until `until` (ms since the epoch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub state: String,
    pub until: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggingConfiguration {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub create_time: i64,
    pub update_time: i64,
    /// The union object as sent, e.g. `{"s3": {"bucketName": "b"}}`.
    pub destination_configuration: Value,
    /// The state once any transition is over (ACTIVE, or a *_FAILED state set
    /// through the control API).
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition: Option<Transition>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl LoggingConfiguration {
    /// The state as of `now` (ms): a transition shows until it is over.
    pub fn state_at(&self, now: i64) -> &str {
        match &self.transition {
            Some(t) if now < t.until => &t.state,
            _ => &self.state,
        }
    }

    /// CREATING / UPDATING (timed, or forced through the control API): no
    /// update or delete may start.
    pub fn is_transitioning(&self, now: i64) -> bool {
        matches!(self.state_at(now), "CREATING" | "UPDATING")
    }
}

/// Everything the emulator holds. Serialised as the `--state` file.
#[derive(Debug, Default)]
pub struct Store {
    pub rooms: HashMap<String, Room>,
    pub logging_configurations: HashMap<String, LoggingConfiguration>,
    /// (updateTime, id) -> arn, for newest-first listing.
    room_order: BTreeSet<(i64, String, String)>,
    lc_order: BTreeSet<(i64, String, String)>,
    /// The last timestamp handed out; writes get strictly increasing times, so
    /// every update moves updateTime even within one millisecond.
    last_time: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StateFile {
    format_version: u32,
    rooms: Vec<Room>,
    logging_configurations: Vec<LoggingConfiguration>,
}

const STATE_FORMAT_VERSION: u32 = 1;

impl Store {
    /// A timestamp for a write: now, or one millisecond after the last one.
    pub fn next_time(&mut self, now: i64) -> i64 {
        self.last_time = now.max(self.last_time + 1);
        self.last_time
    }

    pub fn insert_room(&mut self, room: Room) {
        if let Some(old) = self.rooms.get(&room.arn) {
            self.room_order
                .remove(&(old.update_time, old.id.clone(), old.arn.clone()));
        }
        self.room_order
            .insert((room.update_time, room.id.clone(), room.arn.clone()));
        self.last_time = self.last_time.max(room.update_time);
        self.rooms.insert(room.arn.clone(), room);
    }

    pub fn remove_room(&mut self, arn: &str) -> Option<Room> {
        let room = self.rooms.remove(arn)?;
        self.room_order
            .remove(&(room.update_time, room.id.clone(), room.arn.clone()));
        Some(room)
    }

    pub fn insert_logging_configuration(&mut self, lc: LoggingConfiguration) {
        if let Some(old) = self.logging_configurations.get(&lc.arn) {
            self.lc_order
                .remove(&(old.update_time, old.id.clone(), old.arn.clone()));
        }
        self.lc_order
            .insert((lc.update_time, lc.id.clone(), lc.arn.clone()));
        self.last_time = self.last_time.max(lc.update_time);
        self.logging_configurations.insert(lc.arn.clone(), lc);
    }

    pub fn remove_logging_configuration(&mut self, arn: &str) -> Option<LoggingConfiguration> {
        let lc = self.logging_configurations.remove(arn)?;
        self.lc_order
            .remove(&(lc.update_time, lc.id.clone(), lc.arn.clone()));
        Some(lc)
    }

    /// Rooms newest first, starting strictly after `cursor` (updateTime, id).
    pub fn rooms_newest_first(
        &self,
        cursor: Option<(i64, String)>,
    ) -> impl Iterator<Item = &Room> + '_ {
        ordered(&self.room_order, cursor).filter_map(|arn| self.rooms.get(arn))
    }

    pub fn logging_configurations_newest_first(
        &self,
        cursor: Option<(i64, String)>,
    ) -> impl Iterator<Item = &LoggingConfiguration> + '_ {
        ordered(&self.lc_order, cursor).filter_map(|arn| self.logging_configurations.get(arn))
    }

    /// Rooms that reference the logging configuration `arn`.
    pub fn rooms_referencing<'a>(&'a self, arn: &'a str) -> impl Iterator<Item = &'a Room> + 'a {
        self.rooms
            .values()
            .filter(move |r| r.logging_configuration_identifiers.iter().any(|l| l == arn))
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut rooms: Vec<Room> = self.rooms.values().cloned().collect();
        rooms.sort_by(|a, b| a.arn.cmp(&b.arn));
        let mut lcs: Vec<LoggingConfiguration> =
            self.logging_configurations.values().cloned().collect();
        lcs.sort_by(|a, b| a.arn.cmp(&b.arn));
        let file = StateFile {
            format_version: STATE_FORMAT_VERSION,
            rooms,
            logging_configurations: lcs,
        };
        serde_json::to_vec(&file).unwrap_or_default()
    }

    pub fn from_json(bytes: &[u8]) -> Result<Store, String> {
        let file: StateFile = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if file.format_version != STATE_FORMAT_VERSION {
            return Err(format!(
                "unsupported state format version {} (this emulator reads {})",
                file.format_version, STATE_FORMAT_VERSION
            ));
        }
        let mut store = Store::default();
        for r in file.rooms {
            store.insert_room(r);
        }
        for lc in file.logging_configurations {
            store.insert_logging_configuration(lc);
        }
        Ok(store)
    }
}

fn ordered<'a>(
    index: &'a BTreeSet<(i64, String, String)>,
    cursor: Option<(i64, String)>,
) -> Box<dyn Iterator<Item = &'a String> + 'a> {
    match cursor {
        None => Box::new(index.iter().rev().map(|(_, _, arn)| arn)),
        Some((t, id)) => Box::new(
            index
                .range(..(t, id, String::new()))
                .rev()
                .map(|(_, _, arn)| arn),
        ),
    }
}

/// Writes the state file atomically: temp file, fsync, rename.
#[derive(Debug, Clone)]
pub struct Persister {
    path: PathBuf,
    tmp: PathBuf,
}

impl Persister {
    pub fn new(path: &Path) -> Self {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        Persister {
            path: path.to_path_buf(),
            tmp: PathBuf::from(tmp),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Loads the state file; a missing file is an empty store.
    pub fn load(&self) -> Result<Store, String> {
        match std::fs::read(&self.path) {
            Ok(bytes) => Store::from_json(&bytes)
                .map_err(|e| format!("cannot read state file {}: {e}", self.path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Store::default()),
            Err(e) => Err(format!(
                "cannot read state file {}: {e}",
                self.path.display()
            )),
        }
    }

    pub fn save(&self, store: &Store) -> std::io::Result<()> {
        let bytes = store.to_json();
        let mut f = std::fs::File::create(&self.tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&self.tmp, &self.path)
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
    fn newest_first_with_cursor() {
        let mut s = Store::default();
        s.insert_room(room("a", 1));
        s.insert_room(room("b", 3));
        s.insert_room(room("c", 2));
        let ids: Vec<&str> = s.rooms_newest_first(None).map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["b", "c", "a"]);
        let ids: Vec<&str> = s
            .rooms_newest_first(Some((3, "b".into())))
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(ids, ["c", "a"]);
        // Updating moves a room to the front and out of its old slot.
        let mut a = s.rooms["arn:aws:ivschat:us-east-1:123456789012:room/a"].clone();
        a.update_time = 9;
        s.insert_room(a);
        let ids: Vec<&str> = s.rooms_newest_first(None).map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
    }

    #[test]
    fn times_strictly_increase() {
        let mut s = Store::default();
        let t1 = s.next_time(100);
        let t2 = s.next_time(100);
        let t3 = s.next_time(50);
        assert!(t1 < t2 && t2 < t3);
    }

    #[test]
    fn state_file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = Persister::new(&dir.path().join("state.json"));
        assert!(p.load().unwrap().rooms.is_empty());
        let mut s = Store::default();
        s.insert_room(room("a", 1));
        p.save(&s).unwrap();
        let back = p.load().unwrap();
        assert_eq!(back.rooms.len(), 1);
        assert_eq!(back.rooms_newest_first(None).count(), 1);
        std::fs::write(p.path(), b"{not json").unwrap();
        assert!(p.load().unwrap_err().contains("cannot read state file"));
    }
}
