//! The applied record, fast refresh and exact drift, through the real binary
//! and the real SDK against the emulator:
//! - after an apply, a plan reads only List pages (no GetRoom);
//! - a plan from the List pages equals the `--refresh full` plan, whatever
//!   happened (a randomized sequence of applies, manifest edits and
//!   out-of-band edits of every field, tag, ownership tag and record);
//! - drift is marked on a change exactly when its live value is not what
//!   ivsctl last applied;
//! - resources without a record are planned correctly, counted, and get
//!   their record from the next apply (tag writes only).

mod common;

use aws_sdk_ivschat::types::{
    DestinationConfiguration, MessageReviewHandler, S3DestinationConfiguration,
};
use aws_sdk_ivschat::Client;
use ivsctl::emulator::{BackgroundEmulator, EmulatorConfig};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:review";
const APPLIED: &str = "ivsctl:applied";

struct Account {
    emu: BackgroundEmulator,
    sdk: Client,
    dir: tempfile::TempDir,
}

impl Account {
    fn new() -> Account {
        let emu = common::emulator(EmulatorConfig::default());
        let sdk = common::sdk(&emu.endpoint());
        Account {
            emu,
            sdk,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn manifest(&self, text: &str) -> PathBuf {
        let path = self.dir.path().join("m.yaml");
        std::fs::write(&path, text).expect("write manifest");
        path
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        common::ivsctl(&self.emu.endpoint(), args)
    }

    fn apply(&self, m: &Path) {
        let (code, out, err) = self.run(&["apply", "-f", m.to_str().unwrap(), "--auto-approve"]);
        assert_eq!(code, 0, "apply failed:\n{out}\n{err}");
    }

    /// `plan --format json` (with `extra`), parsed.
    fn plan(&self, m: &Path, extra: &[&str]) -> Value {
        let mut args = vec!["plan", "-f", m.to_str().unwrap(), "--format", "json"];
        args.extend_from_slice(extra);
        let (code, out, err) = self.run(&args);
        assert_eq!(code, 0, "plan failed:\n{out}\n{err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("plan JSON: {e}\n{out}"))
    }

    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.emu.block_on(f)
    }

    /// Every room and logging configuration, by ARN, as the SDK reads it.
    fn rooms(&self) -> Vec<aws_sdk_ivschat::types::RoomSummary> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .block_on(
                    self.sdk
                        .list_rooms()
                        .max_results(50)
                        .set_next_token(token)
                        .send(),
                )
                .expect("ListRooms");
            out.extend(page.rooms().iter().cloned());
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return out,
            }
        }
    }

    /// ARN of the owned resource `key` (room when `room`).
    fn arn(&self, room: bool, key: &str) -> Option<String> {
        if room {
            self.rooms()
                .into_iter()
                .find(|r| {
                    r.tags()
                        .and_then(|t| t.get("ivsctl:key"))
                        .map(String::as_str)
                        == Some(key)
                })
                .and_then(|r| r.arn().map(String::from))
        } else {
            self.block_on(self.sdk.list_logging_configurations().send())
                .expect("ListLoggingConfigurations")
                .logging_configurations()
                .iter()
                .find(|l| {
                    l.tags()
                        .and_then(|t| t.get("ivsctl:key"))
                        .map(String::as_str)
                        == Some(key)
                })
                .and_then(|l| l.arn().map(String::from))
        }
    }

    /// What a full read says of every field and tag of the resource at
    /// `address`, in the plan's JSON forms (`tags.KEY` for tags).
    fn state(&self, address: &str) -> BTreeMap<String, Value> {
        let (section, key) = address.split_once('.').unwrap();
        let room = section == "rooms";
        let Some(arn) = self.arn(room, key) else {
            return BTreeMap::new();
        };
        let mut s = BTreeMap::new();
        let tags: std::collections::HashMap<String, String> = if room {
            let r = self
                .block_on(self.sdk.get_room().identifier(&arn).send())
                .expect("GetRoom");
            s.insert("name".into(), json!(r.name().unwrap_or("")));
            s.insert(
                "maximumMessageLength".into(),
                json!(r.maximum_message_length()),
            );
            s.insert(
                "maximumMessageRatePerSecond".into(),
                json!(r.maximum_message_rate_per_second()),
            );
            let handler = match r.message_review_handler() {
                Some(h) if !h.uri().unwrap_or("").is_empty() => json!({
                    "uri": h.uri().unwrap(),
                    "fallbackResult": h.fallback_result().map(|f| f.as_str()).unwrap_or("ALLOW"),
                }),
                _ => Value::Null,
            };
            s.insert("messageReviewHandler".into(), handler);
            let mut lcs: Vec<String> = r.logging_configuration_identifiers().to_vec();
            lcs.sort();
            s.insert("loggingConfigurations".into(), json!(lcs));
            r.tags().cloned().unwrap_or_default()
        } else {
            let l = self
                .block_on(self.sdk.get_logging_configuration().identifier(&arn).send())
                .expect("GetLoggingConfiguration");
            s.insert("name".into(), json!(l.name().unwrap_or("")));
            let bucket = match l.destination_configuration() {
                Some(DestinationConfiguration::S3(d)) => d.bucket_name().to_string(),
                other => panic!("{other:?}"),
            };
            s.insert("destination".into(), json!({"s3": {"bucketName": bucket}}));
            l.tags().cloned().unwrap_or_default()
        };
        for (k, v) in tags {
            if k != APPLIED {
                s.insert(format!("tags.{k}"), json!(v));
            }
        }
        s
    }
}

fn changes(plan: &Value) -> Vec<&Value> {
    plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "no-op")
        .collect()
}

fn rooms_manifest(stack: &str, n: usize, rate: u32) -> String {
    let mut m = format!(
        "version: 1\nstack: {stack}\ntags:\n  team: video\nloggingConfigurations:\n  archive:\n    destination:\n      s3:\n        bucketName: logs-{stack}\nrooms:\n"
    );
    for i in 0..n {
        m.push_str(&format!(
            "  room-{i:03}:\n    maximumMessageRatePerSecond: {rate}\n    maximumMessageLength: {}\n",
            100 + i
        ));
        if i % 3 == 0 {
            m.push_str("    loggingConfigurations: [archive]\n");
        }
    }
    m
}

#[test]
fn after_apply_a_plan_reads_only_the_list_pages() {
    let acct = Account::new();
    let m = acct.manifest(&rooms_manifest("steady", 120, 10));
    acct.apply(&m);
    acct.emu.clear_requests();
    let plan = acct.plan(&m, &[]);
    assert!(changes(&plan).is_empty(), "{plan}");
    assert_eq!(plan["without_record"], json!([]));
    let counts = acct.emu.counts();
    assert_eq!(counts.get("GetRoom").copied().unwrap_or(0), 0, "{counts:?}");
    assert_eq!(
        counts.get("ListRooms").copied(),
        Some(3),
        "ceil(120/50) pages: {counts:?}"
    );
    assert_eq!(
        counts.get("ListLoggingConfigurations").copied(),
        Some(1),
        "{counts:?}"
    );
    assert_eq!(counts.values().sum::<u64>(), 4, "nothing else: {counts:?}");

    // `--refresh full` reads every kept room, and plans the same.
    acct.emu.clear_requests();
    let full = acct.plan(&m, &["--refresh", "full"]);
    assert_eq!(full, plan);
    assert_eq!(acct.emu.count("GetRoom"), 120);

    // After an update by ivsctl, still no GetRoom: the record carries the
    // updateTime the update produced.
    let m = acct.manifest(&rooms_manifest("steady", 120, 20));
    acct.apply(&m);
    acct.emu.clear_requests();
    let (code, out, err) = acct.run(&["plan", "-f", m.to_str().unwrap(), "-v"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("No changes."), "{out}");
    assert_eq!(acct.emu.count("GetRoom"), 0);
    assert!(
        err.contains(
            "refresh: 120 rooms proven unchanged by their applied record, 0 read with GetRoom"
        ),
        "{err}"
    );
}

#[test]
fn a_manifest_edit_after_an_ivsctl_update_is_not_drift_and_an_out_of_band_tag_removal_is() {
    let acct = Account::new();
    let manifest = |rate: u32, tier: &str| {
        format!(
            "version: 1\nstack: edits\nrooms:\n  lobby:\n    maximumMessageRatePerSecond: {rate}\n    tags:\n      tier: {tier}\n      team: video\n"
        )
    };
    let m = acct.manifest(&manifest(10, "gold"));
    acct.apply(&m);
    let m = acct.manifest(&manifest(20, "gold"));
    acct.apply(&m);
    // A second manifest edit of the room ivsctl just updated.
    let m = acct.manifest(&manifest(30, "silver"));
    let plan = acct.plan(&m, &[]);
    let c = changes(&plan);
    assert_eq!(c.len(), 1, "{plan}");
    assert_eq!(c[0]["drift"], false, "a manifest edit is not drift: {plan}");
    assert!(c[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["drift"] == false));

    // Out of band: a tag removed in the console.
    let arn = acct.arn(true, "lobby").unwrap();
    acct.block_on(
        acct.sdk
            .untag_resource()
            .resource_arn(&arn)
            .tag_keys("team")
            .send(),
    )
    .expect("UntagResource");
    let plan = acct.plan(&m, &[]);
    let c = changes(&plan);
    assert_eq!(c[0]["drift"], true, "{plan}");
    let by_field: BTreeMap<&str, &Value> = c[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), &f["drift"]))
        .collect();
    assert_eq!(by_field["tags.team"], &json!(true), "removed out of band");
    assert_eq!(by_field["tags.tier"], &json!(false), "a manifest edit");
    assert_eq!(by_field["maximumMessageRatePerSecond"], &json!(false));
    let (code, human, _) = acct.run(&["plan", "-f", m.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        human.contains("+ tags.team = \"video\"  # drift"),
        "{human}"
    );
    assert!(
        human.contains("~ tags.tier = \"gold\" -> \"silver\"\n"),
        "{human}"
    );
}

#[test]
fn resources_without_a_record_are_read_planned_counted_and_recorded_by_the_next_apply() {
    let acct = Account::new();
    // Made by an older ivsctl (or by hand, then imported): ownership tags,
    // no record.
    let owned = |key: &str| {
        std::collections::HashMap::from([
            ("ivsctl:stack".to_string(), "legacy".to_string()),
            ("ivsctl:key".to_string(), key.to_string()),
        ])
    };
    let lc = acct
        .block_on(
            acct.sdk
                .create_logging_configuration()
                .name("archive")
                .destination_configuration(DestinationConfiguration::S3(
                    S3DestinationConfiguration::builder()
                        .bucket_name("legacy-logs")
                        .build()
                        .unwrap(),
                ))
                .set_tags(Some(owned("archive")))
                .send(),
        )
        .expect("CreateLoggingConfiguration");
    for key in ["a", "b"] {
        acct.block_on(
            acct.sdk
                .create_room()
                .name(key)
                .maximum_message_length(200)
                .logging_configuration_identifiers(lc.arn().unwrap())
                .set_tags(Some(owned(key)))
                .send(),
        )
        .expect("CreateRoom");
    }
    let m = acct.manifest(
        "version: 1\nstack: legacy\nloggingConfigurations:\n  archive:\n    destination:\n      s3:\n        bucketName: legacy-logs\nrooms:\n  a:\n    maximumMessageLength: 200\n    loggingConfigurations: [archive]\n  b:\n    maximumMessageLength: 300\n    loggingConfigurations: [archive]\n",
    );
    acct.emu.clear_requests();
    let plan = acct.plan(&m, &[]);
    assert_eq!(acct.emu.count("GetRoom"), 2, "no record: read in full");
    assert_eq!(
        plan["without_record"],
        json!(["loggingConfigurations.archive", "rooms.a", "rooms.b"])
    );
    let c = changes(&plan);
    assert_eq!(c.len(), 3, "{plan}");
    // a and the configuration match: only their record is written, shown
    // as a tag change; b also gets its real difference.
    for address in ["loggingConfigurations.archive", "rooms.a"] {
        let change = c.iter().find(|c| c["address"] == address).unwrap();
        let fields: Vec<&str> = change["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["tags.ivsctl:applied"], "{change}");
        assert_eq!(change["drift"], false);
    }
    let b = c.iter().find(|c| c["address"] == "rooms.b").unwrap();
    assert_eq!(b["changes"][0]["field"], "maximumMessageLength");
    assert_eq!(b["drift"], false, "without a record, drift is unknown");
    let (code, human, _) = acct.run(&["plan", "-f", m.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        human.contains("Note: 3 resources have no applied record"),
        "{human}"
    );

    acct.emu.clear_requests();
    acct.apply(&m);
    let writes: Vec<String> = acct
        .emu
        .requests()
        .into_iter()
        .filter(|r| !r.operation.starts_with("List") && !r.operation.starts_with("Get"))
        .map(|r| r.operation)
        .collect();
    let mut sorted = writes.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["TagResource", "TagResource", "TagResource", "UpdateRoom"],
        "tag writes only, and b's update"
    );
    acct.emu.clear_requests();
    let plan = acct.plan(&m, &[]);
    assert!(changes(&plan).is_empty(), "{plan}");
    assert_eq!(plan["without_record"], json!([]));
    assert_eq!(
        acct.emu.count("GetRoom"),
        0,
        "the steady state needs no GetRoom"
    );
}

// ---------------------------------------------------------------------------
// The randomized test: the fast plan equals the full plan, and drift is exact.
// ---------------------------------------------------------------------------

/// xorshift64*: a reproducible sequence from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Clone)]
struct RoomSpec {
    name: String,
    len: u32,
    rate: u32,
    handler: Option<&'static str>,
    logs: BTreeSet<String>,
    tags: BTreeMap<String, String>,
}

#[derive(Clone)]
struct LcSpec {
    bucket: String,
    tags: BTreeMap<String, String>,
}

struct Desired {
    rooms: BTreeMap<String, RoomSpec>,
    lcs: BTreeMap<String, LcSpec>,
}

impl Desired {
    fn yaml(&self) -> String {
        let mut m =
            String::from("version: 1\nstack: rand\ntags:\n  team: video\nloggingConfigurations:\n");
        for (k, l) in &self.lcs {
            m.push_str(&format!(
                "  {k}:\n    destination:\n      s3:\n        bucketName: {}\n",
                l.bucket
            ));
            tags_yaml(&mut m, &l.tags);
        }
        m.push_str("rooms:\n");
        for (k, r) in &self.rooms {
            m.push_str(&format!(
                "  {k}:\n    name: {}\n    maximumMessageLength: {}\n    maximumMessageRatePerSecond: {}\n",
                r.name, r.len, r.rate
            ));
            if let Some(f) = r.handler {
                m.push_str(&format!(
                    "    messageReviewHandler:\n      uri: {LAMBDA}\n      fallbackResult: {f}\n"
                ));
            }
            if !r.logs.is_empty() {
                let logs: Vec<&str> = r.logs.iter().map(String::as_str).collect();
                m.push_str(&format!(
                    "    loggingConfigurations: [{}]\n",
                    logs.join(", ")
                ));
            }
            tags_yaml(&mut m, &r.tags);
        }
        m
    }
}

fn tags_yaml(m: &mut String, tags: &BTreeMap<String, String>) {
    if !tags.is_empty() {
        m.push_str("    tags:\n");
        for (k, v) in tags {
            m.push_str(&format!("      {k}: \"{v}\"\n"));
        }
    }
}

/// What the test knows of a resource's record.
#[derive(Debug, Clone, Copy, PartialEq)]
enum RecordState {
    Valid,
    Edited,
    Removed,
}

/// What a sequence exercised, so the test can tell it was not vacuous.
#[derive(Debug, Default)]
struct Seen {
    drift: usize,
    not_drift: usize,
    updates: usize,
    record_only: usize,
}

fn run_sequence(seed: u64, steps: usize, seen: &mut Seen) {
    let acct = Account::new();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut d = Desired {
        rooms: BTreeMap::new(),
        lcs: BTreeMap::new(),
    };
    for k in ["l0", "l1"] {
        d.lcs.insert(
            k.into(),
            LcSpec {
                bucket: format!("bucket-{k}"),
                tags: BTreeMap::new(),
            },
        );
    }
    for i in 0..4 {
        d.rooms.insert(
            format!("r{i}"),
            RoomSpec {
                name: format!("room-{i}"),
                len: 500,
                rate: 10,
                handler: None,
                logs: BTreeSet::new(),
                tags: BTreeMap::from([("tier".to_string(), "gold".to_string())]),
            },
        );
    }
    let mut m = acct.manifest(&d.yaml());
    acct.apply(&m);
    let addresses: Vec<String> = d
        .lcs
        .keys()
        .map(|k| format!("loggingConfigurations.{k}"))
        .chain(d.rooms.keys().map(|k| format!("rooms.{k}")))
        .collect();
    let snapshot = |acct: &Account| -> BTreeMap<String, BTreeMap<String, Value>> {
        addresses
            .iter()
            .map(|a| (a.clone(), acct.state(a)))
            .collect()
    };
    let mut applied = snapshot(&acct);
    let mut records: BTreeMap<String, RecordState> = addresses
        .iter()
        .map(|a| (a.clone(), RecordState::Valid))
        .collect();
    let mut log: Vec<String> = Vec::new();

    for step in 0..steps {
        let what = rng.below(12);
        let room_key = rng.pick(&["r0", "r1", "r2", "r3"]).to_string();
        let lc_key = rng.pick(&["l0", "l1"]).to_string();
        let room_arn = acct.arn(true, &room_key);
        let lc_arn = acct.arn(false, &lc_key);
        let n = rng.below(1000);
        let action: String = match what {
            0 | 1 => {
                acct.apply(&m);
                applied = snapshot(&acct);
                records.values_mut().for_each(|r| *r = RecordState::Valid);
                "apply".into()
            }
            2 | 3 => {
                // A manifest edit of one field or tag.
                let r = d.rooms.get_mut(&room_key).unwrap();
                let desc = match rng.below(7) {
                    0 => {
                        r.len = 1 + (n as u32 % 500);
                        "maximumMessageLength"
                    }
                    1 => {
                        r.rate = 1 + (n as u32 % 100);
                        "maximumMessageRatePerSecond"
                    }
                    2 => {
                        r.name = format!("renamed-{n}");
                        "name"
                    }
                    3 => {
                        r.handler = match r.handler {
                            None => Some("DENY"),
                            Some(_) => None,
                        };
                        "messageReviewHandler"
                    }
                    4 => {
                        if !r.logs.remove(&lc_key) {
                            r.logs.insert(lc_key.clone());
                        }
                        "loggingConfigurations"
                    }
                    5 => {
                        r.tags.insert(format!("k{}", n % 3), format!("v{n}"));
                        "tag set"
                    }
                    _ => {
                        let l = d.lcs.get_mut(&lc_key).unwrap();
                        l.bucket = format!("bucket-{n}");
                        "lc destination"
                    }
                };
                m = acct.manifest(&d.yaml());
                format!("manifest edit: {room_key}/{lc_key} {desc}")
            }
            4 | 5 => {
                let Some(arn) = room_arn else { continue };
                let mut req = acct.sdk.update_room().identifier(&arn);
                let desc = match rng.below(5) {
                    0 => {
                        req = req.maximum_message_length(1 + (n as i32 % 500));
                        "maximumMessageLength"
                    }
                    1 => {
                        req = req.maximum_message_rate_per_second(1 + (n as i32 % 100));
                        "maximumMessageRatePerSecond"
                    }
                    2 => {
                        req = req.name(format!("console-{n}"));
                        "name"
                    }
                    3 => {
                        let h = if n % 2 == 0 {
                            MessageReviewHandler::builder().uri(LAMBDA).build()
                        } else {
                            MessageReviewHandler::builder().uri("").build()
                        };
                        req = req.message_review_handler(h);
                        "messageReviewHandler"
                    }
                    _ => {
                        let lcs: Vec<String> = match &lc_arn {
                            Some(a) if n % 2 == 0 => vec![a.clone()],
                            _ => vec![],
                        };
                        req = req.set_logging_configuration_identifiers(Some(lcs));
                        "loggingConfigurations"
                    }
                };
                acct.block_on(req.send()).expect("UpdateRoom");
                format!("out of band: UpdateRoom {room_key} {desc}")
            }
            6 => {
                let (arn, address) = if n % 3 == 0 {
                    (lc_arn, format!("loggingConfigurations.{lc_key}"))
                } else {
                    (room_arn, format!("rooms.{room_key}"))
                };
                let Some(arn) = arn else { continue };
                let key = *rng.pick(&["tier", "stray", "team", "k0"]);
                acct.block_on(
                    acct.sdk
                        .tag_resource()
                        .resource_arn(&arn)
                        .tags(key, format!("console-{n}"))
                        .send(),
                )
                .expect("TagResource");
                format!("out of band: TagResource {address} {key}")
            }
            7 => {
                let Some(arn) = room_arn else { continue };
                let key = *rng.pick(&["tier", "team", "k0", "k1", "ivsctl:protect"]);
                if key == "ivsctl:protect" {
                    acct.block_on(
                        acct.sdk
                            .tag_resource()
                            .resource_arn(&arn)
                            .tags(key, "true")
                            .send(),
                    )
                    .expect("TagResource");
                } else {
                    acct.block_on(
                        acct.sdk
                            .untag_resource()
                            .resource_arn(&arn)
                            .tag_keys(key)
                            .send(),
                    )
                    .expect("UntagResource");
                }
                format!("out of band: tag {key} of rooms.{room_key}")
            }
            8 => {
                let Some(arn) = lc_arn else { continue };
                let req = acct.sdk.update_logging_configuration().identifier(&arn);
                let req = if n % 2 == 0 {
                    req.name(format!("console-{n}"))
                } else {
                    req.destination_configuration(DestinationConfiguration::S3(
                        S3DestinationConfiguration::builder()
                            .bucket_name(format!("console-{n}"))
                            .build()
                            .unwrap(),
                    ))
                };
                acct.block_on(req.send())
                    .expect("UpdateLoggingConfiguration");
                format!("out of band: UpdateLoggingConfiguration {lc_key}")
            }
            9 => {
                // The record edited in the console.
                let Some(arn) = room_arn else { continue };
                let address = format!("rooms.{room_key}");
                let current = acct
                    .rooms()
                    .into_iter()
                    .find(|r| r.arn() == Some(&arn))
                    .and_then(|r| r.tags().and_then(|t| t.get(APPLIED)).cloned());
                let Some(current) = current else { continue };
                let edited = current.replacen(":m=", ":m=1", 1);
                acct.block_on(
                    acct.sdk
                        .tag_resource()
                        .resource_arn(&arn)
                        .tags(APPLIED, edited)
                        .send(),
                )
                .expect("TagResource");
                records.insert(address.clone(), RecordState::Edited);
                format!("out of band: record of {address} edited")
            }
            10 => {
                let (arn, address) = if n % 2 == 0 {
                    (lc_arn, format!("loggingConfigurations.{lc_key}"))
                } else {
                    (room_arn, format!("rooms.{room_key}"))
                };
                let Some(arn) = arn else { continue };
                acct.block_on(
                    acct.sdk
                        .untag_resource()
                        .resource_arn(&arn)
                        .tag_keys(APPLIED)
                        .send(),
                )
                .expect("UntagResource");
                records.insert(address.clone(), RecordState::Removed);
                format!("out of band: record of {address} removed")
            }
            _ => {
                let Some(arn) = room_arn else { continue };
                acct.block_on(acct.sdk.delete_room().identifier(&arn).send())
                    .expect("DeleteRoom");
                let address = format!("rooms.{room_key}");
                applied.insert(address.clone(), BTreeMap::new());
                records.insert(address.clone(), RecordState::Valid);
                format!("out of band: DeleteRoom {room_key}")
            }
        };
        log.push(format!("step {step}: {action}"));
        let history = log.join("\n");

        // The plan from the List pages is the full refresh's, exactly.
        let fast = acct.plan(&m, &[]);
        let full = acct.plan(&m, &["--refresh", "full"]);
        assert_eq!(
            fast, full,
            "seed {seed}: the fast plan differs from the full one after\n{history}"
        );

        // Drift, change by change, is exactly "the live value is not what
        // ivsctl last applied".
        for c in changes(&fast) {
            let address = c["address"].as_str().unwrap();
            if c["action"] != "update" {
                assert_eq!(c["drift"], false, "seed {seed}: {c}\n{history}");
                continue;
            }
            seen.updates += 1;
            let state = records[address];
            let applied_values = &applied[address];
            let mut any = false;
            for f in c["changes"].as_array().unwrap() {
                let field = f["field"].as_str().unwrap();
                let want = match (state, field) {
                    (RecordState::Edited, "tags.ivsctl:applied") => true,
                    (RecordState::Valid, "tags.ivsctl:applied") => false,
                    (RecordState::Valid, _) => {
                        applied_values.get(field).unwrap_or(&Value::Null) != &f["before"]
                    }
                    // Unknown without a (valid) record: never marked.
                    _ => false,
                };
                assert_eq!(
                    f["drift"],
                    json!(want),
                    "seed {seed}: drift of {address} {field} (applied {:?}) in {c}\nafter\n{history}",
                    applied_values.get(field)
                );
                any |= want;
                if want {
                    seen.drift += 1;
                } else {
                    seen.not_drift += 1;
                }
                if field == "tags.ivsctl:applied" {
                    seen.record_only += 1;
                }
            }
            let want = any || state == RecordState::Edited;
            assert_eq!(c["drift"], json!(want), "seed {seed}: {c}\n{history}");
        }
    }
}

#[test]
fn a_fast_plan_equals_the_full_refresh_and_drift_is_exact_in_random_histories() {
    let seeds: Vec<u64> = match std::env::var("IVSCTL_RANDOM_SEEDS") {
        Ok(s) => s.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        Err(_) => vec![1, 2, 3],
    };
    let mut seen = Seen::default();
    for seed in seeds {
        run_sequence(seed, 40, &mut seen);
    }
    // Not vacuous: both kinds of change, and record-only writes, were checked.
    assert!(
        seen.drift >= 10 && seen.not_drift >= 10 && seen.updates >= 20 && seen.record_only >= 1,
        "{seen:?}"
    );
    eprintln!("checked: {seen:?}");
}
