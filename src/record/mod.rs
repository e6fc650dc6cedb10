//! The applied record: what ivsctl last applied to a resource, kept on the
//! resource itself in one tag, `ivsctl:applied`, written by every write
//! ivsctl makes (inside the Create call; in the one TagResource call of an
//! update; by `import`).
//!
//! It serves two purposes:
//! - **Fast refresh.** ListRooms summaries lack a room's two maxima. The record
//!   holds the values ivsctl applied, and the updateTime its write produced
//!   (or "created": createTime equals updateTime until the first update).
//!   When the summary's updateTime still matches, no update happened since,
//!   so the maxima are the recorded ones: the plan needs no GetRoom.
//! - **Exact drift.** It holds a hash of every other applied field and of
//!   every applied tag, so the planner can tell, field by field and tag by
//!   tag, whether the live value is what ivsctl applied (a manifest edit) or
//!   not (an out-of-band edit: drift).
//!
//! Format, version 1 (AWS tag characters only, at most 256 characters):
//!
//! ```text
//! 1:t=<ms|c>:m=<v,...>:f=<hashes>:g=<w><entries>:c=<check>
//! ```
//!
//! - `t`: the updateTime (epoch milliseconds) ivsctl's write produced, or `c`
//!   for "as created";
//! - `m`: the values of the fields the List summaries do not carry (a room's
//!   maximumMessageLength and maximumMessageRatePerSecond), in table order;
//!   absent for logging configurations;
//! - `f`: a 24-bit hash (4 base64url characters) of each other field, in
//!   table order;
//! - `g`: the applied tags (all but the record itself and `aws:` tags): `w`
//!   (one digit, characters per entry) then one entry per tag, sorted: half
//!   a hash of the key, half a hash of key and value;
//! - `c`: a 36-bit checksum of the stack, type, key and everything before it,
//!   so that an edited or copied record is recognised as invalid.
//!
//! The hashes are FNV-1a 64 of the value's JSON form (docs/usage.md lists the
//! format for users). A hash can collide; the only effect is a drift mark
//! missed on that field (about one chance in 16 million); plans never depend
//! on a hash: the fast refresh depends only on `t` and `m`, and the checksum.
//!
//! `encoding` holds the hashes and the base64url digits; `tests` the format's
//! round trip and its checks.

mod encoding;
#[cfg(test)]
mod tests;

use crate::model::{
    Address, LiveLoggingConfiguration, LiveRoom, ResourceType, Tags, AWS_TAG_PREFIX,
};
use crate::schema::logging::LOGGING;
use crate::schema::room::ROOM;
use crate::schema::{Field, Value, Values};
use encoding::{b64, checksum, field_hash, key_hash, kv_hash, mask, un_b64};
use std::collections::BTreeMap;

/// The tag that holds the record.
pub const TAG_APPLIED: &str = "ivsctl:applied";

/// The record format this ivsctl writes and reads.
pub const VERSION: &str = "1";

/// The API's limit on a tag value.
const MAX_LEN: usize = 256;

const FIELD_HASH_CHARS: usize = 4;
const CHECK_CHARS: usize = 6;

/// When the recorded write happened, as the resource's updateTime shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppliedTime {
    /// Written by the Create call: valid while updateTime equals createTime.
    Created,
    /// Epoch milliseconds of the updateTime that ivsctl's write produced.
    At(i64),
}

/// A decoded, checked record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub time: AppliedTime,
    /// Fields the List summaries do not carry, with their applied values.
    pub clear: BTreeMap<Field, i32>,
    /// Hashes of the other applied fields.
    pub hashed: BTreeMap<Field, u64>,
    /// Characters per tag entry (even, 4..=8).
    width: usize,
    /// key hash -> key+value hash, of every applied tag.
    tags: BTreeMap<u64, u64>,
}

/// What a resource's record says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// No `ivsctl:applied` tag.
    Missing,
    /// A tag that is not a record of this resource (edited, copied, or of
    /// another version), with why.
    Invalid(String),
    Valid(Record),
}

/// The string that identifies a resource in the checksum.
pub fn identity(stack: &str, address: &Address) -> String {
    format!("{stack}/{address}")
}

/// The fields of `address`'s table, in table order, with whether the List
/// summaries carry each.
fn table(address: &Address) -> Vec<(Field, bool)> {
    match address.resource_type {
        ResourceType::Room => ROOM.iter().map(|r| (r.field, r.in_summary)).collect(),
        ResourceType::LoggingConfiguration => {
            LOGGING.iter().map(|r| (r.field, r.in_summary)).collect()
        }
    }
}

/// Fields whose values are kept in clear: those the List summaries lack
/// (integers: a room's two maxima).
pub fn clear_fields(address: &Address) -> Vec<Field> {
    table(address)
        .into_iter()
        .filter(|(_, in_summary)| !in_summary)
        .map(|(f, _)| f)
        .collect()
}

/// The fields the record hashes (the summaries carry them), in table order.
pub fn hashed_fields(address: &Address) -> Vec<Field> {
    table(address)
        .into_iter()
        .filter(|(_, in_summary)| *in_summary)
        .map(|(f, _)| f)
        .collect()
}

/// The room with the fields its summary lacks filled in from its record,
/// when the record proves them: it is valid, no update happened since it was
/// written, and every field the summary carries matches it. `None`: the room
/// must be read (GetRoom).
pub fn prove_room(room: &LiveRoom, stack: &str, address: &Address) -> Option<LiveRoom> {
    let Reading::Valid(r) = read(&room.tags, stack, address) else {
        return None;
    };
    if !r.proves(&room.create_time, &room.update_time) {
        return None;
    }
    for row in ROOM.iter().filter(|row| row.in_summary) {
        if r.field_differs(row.field, &(row.live)(room)?) {
            return None;
        }
    }
    let mut filled = room.clone();
    for row in ROOM.iter().filter(|row| !row.in_summary) {
        (row.set_live)(&mut filled, Value::Int(*r.clear.get(&row.field)?));
    }
    Some(filled)
}

impl Record {
    /// The record of a write that applies `values` (every field, references
    /// resolved to ARNs) and `tags` (every tag but the record), at `time`.
    pub fn new(address: &Address, values: &Values, tags: &Tags, time: AppliedTime) -> Record {
        let clear_set = clear_fields(address);
        let mut clear = BTreeMap::new();
        let mut hashed = BTreeMap::new();
        for (field, value) in values {
            if clear_set.contains(field) {
                if let Some(n) = value.as_int() {
                    clear.insert(*field, n);
                }
            } else {
                hashed.insert(*field, field_hash(value));
            }
        }
        let applied: Vec<(&String, &String)> = tags
            .iter()
            .filter(|(k, _)| k.as_str() != TAG_APPLIED && !is_aws(k))
            .collect();
        let width = tag_width(applied.len());
        let half = width / 2 * 6;
        let tags = applied
            .into_iter()
            .map(|(k, v)| (key_hash(k) & mask(half), kv_hash(k, v) & mask(half)))
            .collect();
        Record {
            time,
            clear,
            hashed,
            width,
            tags,
        }
    }

    /// The tag value, checksummed for `identity`.
    pub fn encode(&self, identity: &str) -> String {
        let mut body = String::from(VERSION);
        body.push_str(":t=");
        match self.time {
            AppliedTime::Created => body.push('c'),
            AppliedTime::At(ms) => body.push_str(&ms.to_string()),
        }
        if !self.clear.is_empty() {
            let m: Vec<String> = self.clear.values().map(|n| n.to_string()).collect();
            body.push_str(":m=");
            body.push_str(&m.join(","));
        }
        body.push_str(":f=");
        for h in self.hashed.values() {
            body.push_str(&b64(*h, FIELD_HASH_CHARS));
        }
        body.push_str(":g=");
        body.push_str(&self.width.to_string());
        let mut entries: Vec<(u64, u64)> = self.tags.iter().map(|(k, v)| (*k, *v)).collect();
        entries.sort();
        for (k, v) in entries {
            body.push_str(&b64(k, self.width / 2));
            body.push_str(&b64(v, self.width / 2));
        }
        let check = checksum(identity, &body);
        body.push_str(":c=");
        body.push_str(&check);
        body
    }

    /// Reads a tag value written for `identity` with the fields of `address`'s
    /// table (`clear` fields first, then `hashed`, each in table order).
    pub fn decode(text: &str, identity: &str, address: &Address) -> Result<Record, String> {
        let (body, check) = text
            .rsplit_once(":c=")
            .ok_or("it has no checksum (`:c=`)")?;
        if checksum(identity, body) != check {
            return Err(format!(
                "its checksum does not match {identity} (edited, or copied from another resource)"
            ));
        }
        let mut parts = body.split(':');
        let version = parts.next().unwrap_or_default();
        if version != VERSION {
            return Err(format!(
                "it is of format version {version}; this ivsctl reads {VERSION}"
            ));
        }
        let mut time = None;
        let mut clear_text = None;
        let mut hashes = None;
        let mut tags_text = None;
        for part in parts {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not KEY=VALUE"))?;
            match k {
                "t" => time = Some(v),
                "m" => clear_text = Some(v),
                "f" => hashes = Some(v),
                "g" => tags_text = Some(v),
                other => return Err(format!("unknown member `{other}`")),
            }
        }
        let time = match time.ok_or("no time (`t=`)")? {
            "c" => AppliedTime::Created,
            ms => AppliedTime::At(ms.parse().map_err(|_| format!("bad time `{ms}`"))?),
        };
        let clear_set = clear_fields(address);
        let mut clear = BTreeMap::new();
        if !clear_set.is_empty() {
            let values: Vec<&str> = clear_text.ok_or("no values (`m=`)")?.split(',').collect();
            if values.len() != clear_set.len() {
                return Err(format!(
                    "{} values where {} are kept",
                    values.len(),
                    clear_set.len()
                ));
            }
            for (field, v) in clear_set.iter().zip(values) {
                clear.insert(*field, v.parse().map_err(|_| format!("bad value `{v}`"))?);
            }
        }
        let hashed_fields = hashed_fields(address);
        let hashes = hashes.ok_or("no field hashes (`f=`)")?;
        if hashes.len() != hashed_fields.len() * FIELD_HASH_CHARS {
            return Err("field hashes of the wrong length".into());
        }
        let mut hashed = BTreeMap::new();
        for (i, field) in hashed_fields.iter().enumerate() {
            let chunk = &hashes[i * FIELD_HASH_CHARS..(i + 1) * FIELD_HASH_CHARS];
            hashed.insert(*field, un_b64(chunk).ok_or("bad field hash")?);
        }
        let tags_text = tags_text.ok_or("no tags (`g=`)")?;
        let (w, entries) = tags_text.split_at(tags_text.len().min(1));
        let width: usize = w.parse().map_err(|_| "bad tag entry width")?;
        if !(4..=8).contains(&width) || width % 2 != 0 || entries.len() % width != 0 {
            return Err("bad tag entries".into());
        }
        let mut tags = BTreeMap::new();
        for i in 0..entries.len() / width {
            let e = &entries[i * width..(i + 1) * width];
            let (k, v) = e.split_at(width / 2);
            tags.insert(
                un_b64(k).ok_or("bad tag entry")?,
                un_b64(v).ok_or("bad tag entry")?,
            );
        }
        Ok(Record {
            time,
            clear,
            hashed,
            width,
            tags,
        })
    }

    /// Whether `live` differs from the applied value of `field`.
    pub fn field_differs(&self, field: Field, live: &Value) -> bool {
        if let Some(n) = self.clear.get(&field) {
            return live.as_int() != Some(*n);
        }
        match self.hashed.get(&field) {
            Some(h) => field_hash(live) != *h,
            None => true,
        }
    }

    /// Whether tag `key`'s live value (`None`: absent) differs from the
    /// applied one (absent when ivsctl did not apply the key).
    pub fn tag_differs(&self, key: &str, live: Option<&str>) -> bool {
        let half = self.width / 2 * 6;
        let applied = self.tags.get(&(key_hash(key) & mask(half)));
        match (applied, live) {
            (None, None) => false,
            (None, Some(_)) | (Some(_), None) => true,
            (Some(kv), Some(v)) => *kv != kv_hash(key, v) & mask(half),
        }
    }

    /// The clear values, if the record proves that no update happened since
    /// ivsctl wrote it: the summary's updateTime is the recorded one (or
    /// still equals createTime for a record written by the Create call).
    pub fn proves(&self, create_time: &str, update_time: &str) -> bool {
        let Some(updated) = epoch_ms(update_time) else {
            return false;
        };
        match self.time {
            AppliedTime::Created => epoch_ms(create_time) == Some(updated),
            AppliedTime::At(ms) => ms == updated,
        }
    }
}

/// The record of a resource as it is now, read in full, once `extra` tags
/// are added (what `import` writes with the ownership tags): its updateTime
/// as the time, or "as created" when it was never updated.
fn of_live(
    address: &Address,
    stack: &str,
    values: &Values,
    tags: &Tags,
    extra: &Tags,
    create_time: &str,
    update_time: &str,
) -> String {
    let mut all = tags.clone();
    all.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    let updated = epoch_ms(update_time).unwrap_or(0);
    let time = if epoch_ms(create_time) == Some(updated) {
        AppliedTime::Created
    } else {
        AppliedTime::At(updated)
    };
    Record::new(address, values, &all, time).encode(&identity(stack, address))
}

/// The record of `room` (read with GetRoom) as it is, with `extra` tags.
pub fn of_room(room: &LiveRoom, stack: &str, key: &str, extra: &Tags) -> String {
    of_live(
        &Address::room(key),
        stack,
        &crate::schema::Row::live_values(&ROOM, room),
        &room.tags,
        extra,
        &room.create_time,
        &room.update_time,
    )
}

/// The record of `lc` as it is, with `extra` tags.
pub fn of_logging_configuration(
    lc: &LiveLoggingConfiguration,
    stack: &str,
    key: &str,
    extra: &Tags,
) -> String {
    of_live(
        &Address::logging_configuration(key),
        stack,
        &crate::schema::Row::live_values(&LOGGING, lc),
        &lc.tags,
        extra,
        &lc.create_time,
        &lc.update_time,
    )
}

/// Reads `tags`' record for the resource at `address` of `stack`.
pub fn read(tags: &Tags, stack: &str, address: &Address) -> Reading {
    match tags.get(TAG_APPLIED) {
        None => Reading::Missing,
        Some(text) => match Record::decode(text, &identity(stack, address), address) {
            Ok(r) => Reading::Valid(r),
            Err(why) => Reading::Invalid(why),
        },
    }
}

/// An API timestamp (ISO-8601) as epoch milliseconds.
pub fn epoch_ms(iso: &str) -> Option<i64> {
    let t = humantime::parse_rfc3339(iso).ok()?;
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(d.as_millis()).ok()
}

fn is_aws(key: &str) -> bool {
    key.to_ascii_lowercase().starts_with(AWS_TAG_PREFIX)
}

/// The widest even entry that keeps the record within 256 characters
/// (the rest takes at most about 60).
fn tag_width(n: usize) -> usize {
    let budget = MAX_LEN - 64;
    (4..=8)
        .rev()
        .step_by(2)
        .find(|w| n * w <= budget)
        .unwrap_or(4)
}
