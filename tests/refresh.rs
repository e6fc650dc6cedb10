//! The applied record, fast refresh and exact drift, through the real binary
//! and the real SDK against the emulator:
//! - after an apply, a plan reads only List pages (no GetRoom);
//! - drift is marked on a change exactly when its live value is not what
//!   ivsctl last applied;
//! - resources without a record are planned correctly, counted, and get
//!   their record from the next apply (tag writes only).
//!
//! The randomized test (a fast plan equals the `--refresh full` plan, whatever
//! happened): refresh_random.rs; the shared `Account`: tests/refresh_support.

mod common;
mod refresh_support;

use aws_sdk_ivschat::types::{DestinationConfiguration, S3DestinationConfiguration};
use refresh_support::{changes, Account};
use serde_json::{json, Value};
use std::collections::BTreeMap;

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
