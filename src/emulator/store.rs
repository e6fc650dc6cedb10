//! The emulator's resources and their persistence.
//!
//! Resources are keyed by ARN (the API's identifiers are ARNs). An ordered
//! index by (updateTime, id) serves ListRooms' "newest first" order and its
//! cursor pagination without sorting on every page.
//!
//! One `Store` holds one region; `Regions` holds them all. Every change marks
//! the resource dirty, so that the emulator can hand exactly the changed
//! resources to the persister (`persist.rs`) after each operation.

use super::persist::{Kind, Loaded, Record};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// The resources of one region.
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
    /// Resources changed since the last `take_changes`.
    dirty: Vec<(Kind, String)>,
}

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
        self.dirty.push((Kind::Room, room.arn.clone()));
        self.rooms.insert(room.arn.clone(), room);
    }

    pub fn remove_room(&mut self, arn: &str) -> Option<Room> {
        let room = self.rooms.remove(arn)?;
        self.dirty.push((Kind::Room, arn.to_string()));
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
        self.dirty
            .push((Kind::LoggingConfiguration, lc.arn.clone()));
        self.logging_configurations.insert(lc.arn.clone(), lc);
    }

    pub fn remove_logging_configuration(&mut self, arn: &str) -> Option<LoggingConfiguration> {
        let lc = self.logging_configurations.remove(arn)?;
        self.dirty
            .push((Kind::LoggingConfiguration, arn.to_string()));
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

    /// Replaces a resource's tags (tags do not move updateTime).
    pub fn set_tags(&mut self, arn: &str, tags: BTreeMap<String, String>) {
        if let Some(r) = self.rooms.get_mut(arn) {
            r.tags = tags;
            self.dirty.push((Kind::Room, arn.to_string()));
        } else if let Some(lc) = self.logging_configurations.get_mut(arn) {
            lc.tags = tags;
            self.dirty
                .push((Kind::LoggingConfiguration, arn.to_string()));
        }
    }

    /// Forgets the changes (no state file to write them to).
    pub fn discard_changes(&mut self) {
        self.dirty.clear();
    }

    /// The changes since the last call, as log records (each resource once,
    /// as it now is).
    pub fn take_changes(&mut self) -> Vec<Record> {
        let mut dirty = std::mem::take(&mut self.dirty);
        dirty.sort();
        dirty.dedup();
        dirty
            .into_iter()
            .map(|(kind, arn)| match kind {
                Kind::Room => match self.rooms.get(&arn) {
                    Some(r) => Record::room(r),
                    None => Record::deleted(kind, &arn),
                },
                Kind::LoggingConfiguration => match self.logging_configurations.get(&arn) {
                    Some(lc) => Record::logging_configuration(lc),
                    None => Record::deleted(kind, &arn),
                },
            })
            .collect()
    }
}

/// The region in an ivschat ARN (`arn:aws:ivschat:REGION:...`).
pub fn arn_region(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("arn"), Some(_), Some(_), Some(region)) if !region.is_empty() => Some(region),
        _ => None,
    }
}

/// Every region's store.
#[derive(Debug, Default)]
pub struct Regions {
    pub stores: BTreeMap<String, Store>,
}

impl Regions {
    /// The store of `region`, created empty on first use.
    pub fn store_mut(&mut self, region: &str) -> &mut Store {
        self.stores.entry(region.to_string()).or_default()
    }

    pub fn store(&self, region: &str) -> Option<&Store> {
        self.stores.get(region)
    }

    /// Builds the stores from what was loaded: each resource goes to the
    /// region its ARN names (so a single-region state file of an earlier
    /// version lands in the region it was written for).
    pub fn from_loaded(loaded: Loaded) -> Result<Regions, String> {
        let mut regions = Regions::default();
        for r in loaded.rooms {
            let region = arn_region(&r.arn)
                .ok_or_else(|| format!("room {} has no region in its ARN", r.arn))?
                .to_string();
            regions.store_mut(&region).insert_room(r);
        }
        for lc in loaded.logging_configurations {
            let region = arn_region(&lc.arn)
                .ok_or_else(|| {
                    format!("logging configuration {} has no region in its ARN", lc.arn)
                })?
                .to_string();
            regions.store_mut(&region).insert_logging_configuration(lc);
        }
        for s in regions.stores.values_mut() {
            s.dirty.clear();
        }
        Ok(regions)
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
    fn changes_are_tracked_once_per_resource() {
        let mut s = Store::default();
        s.insert_room(room("a", 1));
        s.insert_room(room("b", 1));
        s.set_tags(
            &room("a", 1).arn,
            BTreeMap::from([("k".into(), "v".into())]),
        );
        s.remove_room(&room("b", 1).arn);
        let changes = s.take_changes();
        assert_eq!(changes.len(), 2);
        assert!(changes
            .iter()
            .any(|c| c.arn.ends_with("/a") && c.value.is_some()));
        assert!(changes
            .iter()
            .any(|c| c.arn.ends_with("/b") && c.value.is_none()));
        assert!(s.take_changes().is_empty());
        assert_eq!(
            arn_region("arn:aws:ivschat:eu-west-1:123456789012:room/x"),
            Some("eu-west-1")
        );
        assert_eq!(arn_region("nope"), None);
    }
}
