//! The randomized test of the applied record: through the real binary and
//! the real SDK against the emulator, a plan from the List pages equals the
//! `--refresh full` plan whatever happened (a randomized sequence of applies,
//! manifest edits and out-of-band edits of every field, tag, ownership tag
//! and record), and drift is marked on a change exactly when its live value
//! is not what ivsctl last applied. Seeds: `IVSCTL_RANDOM_SEEDS=1,2,3`.

mod common;
mod refresh_support;

use aws_sdk_ivschat::types::{
    DestinationConfiguration, MessageReviewHandler, S3DestinationConfiguration,
};
use refresh_support::{changes, Account};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:review";
const APPLIED: &str = "ivsctl:applied";

impl Account {
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
