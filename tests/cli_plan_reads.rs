//! What `ivsctl plan` reads and what it leaves alone, through the real binary
//! against the in-process emulator: resources of no stack or of another stack
//! never appear and are never touched; discovery makes exactly the contracted
//! calls; `plan --out` saves what it observed of every resource it touches.

mod common;

use common::plan::{actions, change, owned, owned_room, plan_doc, with_manifest};
use common::TestContext;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------
// 1. Unowned and foreign resources
// ---------------------------------------------------------------------------

#[test]
fn unowned_and_foreign_resources_never_appear_and_are_never_touched() {
    let (ctx, m) = with_manifest(
        r#"
version: 1
stack: mine
loggingConfigurations:
  archive:
    destination:
      s3:
        bucketName: mine-logs
rooms:
  lobby:
    loggingConfigurations: [archive]
  keep: {}
"#,
    );
    // Ours: `keep` matches, `gone` is no longer in the manifest.
    let keep = owned_room(&ctx, "mine", "keep");
    let gone = owned_room(&ctx, "mine", "gone");
    // Not ours.
    let mut strangers: Vec<(String, &str)> = Vec::new();
    for (name, tags) in [
        ("zz-unowned-room", json!({"team": "video"})),
        ("zz-untagged-room", json!({})),
        ("zz-foreign-lobby", owned("other", "lobby", &[])),
        ("zz-foreign-keep", owned("other", "keep", &[])),
        ("zz-foreign-gone", owned("other", "gone", &[])),
        ("zz-prefix-stack", owned("mine-staging", "keep", &[])),
        ("zz-stack-only", json!({"ivsctl:stack": "mine"})),
        ("zz-key-only", json!({"ivsctl:key": "keep"})),
        // Two foreign rooms claiming one key: their stack's conflict, not ours.
        ("zz-foreign-dup-1", owned("other", "dup", &[])),
        ("zz-foreign-dup-2", owned("other", "dup", &[])),
    ] {
        strangers.push((ctx.room(json!({"name": name, "tags": tags})), name));
    }
    for (name, tags) in [
        ("zz-unowned-lc", json!({})),
        ("zz-foreign-archive", owned("other", "archive", &[])),
        ("zz-foreign-old", owned("other", "old", &[])),
    ] {
        let s3 = json!({"s3": {"bucketName": "other-logs"}});
        let arn = ctx.lc(json!({"name": name, "destination": s3, "tags": tags}));
        strangers.push((arn, name));
    }
    ctx.reset_log();
    let doc = plan_doc(&ctx, &m, 2);
    let expected = "loggingConfigurations.archive: create\nrooms.gone: delete\nrooms.keep: no-op\nrooms.lobby: create";
    assert_eq!(actions(&doc), expected);
    assert_eq!(change(&doc, "rooms.keep")["arn"], json!(keep));
    assert_eq!(change(&doc, "rooms.gone")["arn"], json!(gone));
    // `archive` is our planned configuration, not another stack's `archive`.
    let lobby = change(&doc, "rooms.lobby")["changes"].as_array().unwrap();
    let refs = lobby
        .iter()
        .find(|c| c["field"] == "loggingConfigurations")
        .unwrap();
    assert_eq!(refs["after"], json!(["loggingConfigurations.archive"]));

    for format in ["human", "json", "markdown"] {
        let out = ctx.ivsctl(&format!("plan -f {m} --format {format}"));
        out.success().stdout_lacks("other");
        for (arn, name) in &strangers {
            out.stdout_lacks(arn).stdout_lacks(name);
        }
        if format != "json" {
            out.stdout_lacks("rooms.keep"); // a no-op is not shown
        }
    }
    // Never touched, never even read in detail; the owned room the manifest
    // keeps is proven unchanged by its applied record: no GetRoom at all.
    ctx.assert_reads_only("plan");
    assert!(ctx.targets("GetRoom").is_empty());
}

// ---------------------------------------------------------------------------
// 2. The request log of a plan
// ---------------------------------------------------------------------------

#[test]
fn plan_discovery_makes_exactly_the_contracted_calls() {
    let (ctx, m) = with_manifest(
        r#"
version: 1
stack: audit
loggingConfigurations:
  archive:
    destination:
      s3:
        bucketName: audit-logs
rooms:
  a: {}
  b: {}
  c:
    loggingConfigurations: [archive]
"#,
    );
    let archive = ctx.lc(json!({
        "name": "archive",
        "destination": {"s3": {"bucketName": "audit-logs"}},
        "tags": owned("audit", "archive", &[]),
    }));
    ctx.lc(json!({"name": "unowned", "destination": {"s3": {"bucketName": "else"}}}));
    let unowned =
        |n: usize| (0..n).for_each(|i| drop(ctx.room(json!({"name": format!("unowned-{i}")}))));
    owned_room(&ctx, "audit", "a");
    unowned(30);
    owned_room(&ctx, "audit", "b");
    unowned(30);
    // c comes from an older ivsctl: no applied record.
    let c = owned("audit", "c", &[]);
    let c = ctx
        .room(json!({"name": "c", "loggingConfigurations": [archive], "tags": c, "record": false}));
    let old = owned_room(&ctx, "audit", "old");
    ctx.reset_log();
    ctx.ivsctl(&format!("plan -f {m} --detailed-exitcode"))
        .code(2)
        .stdout_contains(&format!("- rooms.old ({old})"))
        .stdout_contains("+ tags.ivsctl:applied = ")
        .last_line("Plan: 0 to add, 1 to change, 1 to destroy.");

    // 64 rooms are two pages; GetRoom only for the owned room the manifest
    // keeps whose applied record cannot prove it unchanged (c, by ARN): not
    // for a and b (proven by their records), nor for `old`; full pages; the
    // second page is asked for with the first page's token.
    let counts = [
        ("GetRoom", 1),
        ("ListLoggingConfigurations", 1),
        ("ListRooms", 2),
    ];
    assert_eq!(
        ctx.counts(),
        counts.map(|(op, n)| (op.to_string(), n)).into()
    );
    let (rooms, lcs) = (
        ctx.inputs("ListRooms"),
        ctx.inputs("ListLoggingConfigurations"),
    );
    for input in rooms.iter().chain(&lcs) {
        assert_eq!(input["maxResults"], json!(50), "full pages: {input}");
    }
    let with_token = rooms.iter().filter(|i| i["nextToken"].is_string());
    assert_eq!(with_token.count(), 1, "{rooms:?}");
    assert_eq!(ctx.targets("GetRoom"), BTreeSet::from([c]));
    assert!(ctx.log().iter().all(|r| r.status == 200), "{:?}", ctx.log());
}

#[test]
fn rooms_and_logging_configurations_are_separate_key_spaces() {
    let (ctx, m) = with_manifest("version: 1\nstack: spaces\nloggingConfigurations:\n  shared:\n    destination:\n      s3:\n        bucketName: spaces-logs\nrooms:\n  lobby: {}\n");
    // A room keyed like the manifest's logging configuration, and a logging
    // configuration keyed like its room: neither is in the manifest.
    let room = owned_room(&ctx, "spaces", "shared");
    let s3 = json!({"s3": {"bucketName": "spaces-logs"}});
    let lc =
        ctx.lc(json!({"name": "lobby", "destination": s3, "tags": owned("spaces", "lobby", &[])}));
    ctx.reset_log();
    let doc = plan_doc(&ctx, &m, 2);
    let expected = "loggingConfigurations.lobby: delete\nloggingConfigurations.shared: create\nrooms.lobby: create\nrooms.shared: delete";
    assert_eq!(actions(&doc), expected);
    assert_eq!(change(&doc, "rooms.shared")["arn"], json!(room));
    assert_eq!(
        change(&doc, "loggingConfigurations.lobby")["arn"],
        json!(lc)
    );
    assert_eq!(
        ctx.count("GetRoom"),
        0,
        "a room to delete is not read in detail"
    );
}

// ---------------------------------------------------------------------------
// 3. plan --out
// ---------------------------------------------------------------------------

/// Every JSON object with an `observed` member, anywhere in `v`.
fn observed_records(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            out.extend(m.get("observed").cloned());
            m.values().for_each(|x| observed_records(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| observed_records(x, out)),
        _ => {}
    }
}

#[test]
fn plan_out_saves_what_it_observed_of_every_touched_resource() {
    let ctx = TestContext::new();
    let archive = ctx.lc(json!({
        "name": "archive",
        "destination": {"s3": {"bucketName": "saved-logs"}},
        "tags": owned("saved", "archive", &[]),
    }));
    let lobby = ctx.room(json!({
        "name": "lobby",
        "loggingConfigurations": [archive],
        "tags": owned("saved", "lobby", &[("env", "prod")]),
    }));
    let old = owned_room(&ctx, "saved", "old");
    // Moves lobby's updateTime, so the observed time is not the create time.
    ctx.update_room(&lobby, json!({"maximumMessageLength": 400}));
    let m = ctx.file(
        "chat.yaml",
        r#"
version: 1
stack: saved
loggingConfigurations:
  archive:
    destination:
      s3:
        bucketName: saved-logs
rooms:
  lobby:
    maximumMessageLength: 400
    maximumMessageRatePerSecond: 20
    loggingConfigurations: [archive]
    tags:
      env: prod
  fresh: {}
"#,
    );
    ctx.reset_log();
    ctx.ivsctl(&format!("plan -f {m} --out plan.json --detailed-exitcode"))
        .code(2)
        .last_line("Plan: 1 to add, 1 to change, 1 to destroy."); // still printed
    let text = std::fs::read_to_string(ctx.dir().join("plan.json")).expect("the saved plan");
    let file: Value = serde_json::from_str(&text).expect("the saved plan is JSON");
    assert_eq!(
        (&file["kind"], &file["format_version"]),
        (&json!("ivsctl-saved-plan"), &json!("2"))
    );

    let mut records = Vec::new();
    observed_records(&file, &mut records);
    let by_arn: BTreeMap<String, Value> = records
        .into_iter()
        .map(|o| (o["arn"].as_str().unwrap_or("?").to_string(), o))
        .collect();
    // A no-op is not touched: nothing to observe.
    assert_eq!(
        by_arn.keys().collect::<BTreeSet<_>>(),
        BTreeSet::from([&lobby, &old])
    );
    for (arn, tags) in [
        (&lobby, owned("saved", "lobby", &[("env", "prod")])),
        (&old, owned("saved", "old", &[])),
    ] {
        let o = &by_arn[arn.as_str()];
        // Every tag, the applied record included (it was there when read).
        let mut observed = o["tags"].clone();
        let record = observed
            .as_object_mut()
            .and_then(|m| m.remove("ivsctl:applied"));
        assert!(record.is_some(), "the record is observed too: {o}");
        assert_eq!(observed, tags, "observed tags of {arn}");
        let t = humantime::parse_rfc3339(o["updateTime"].as_str().unwrap()).expect("RFC 3339");
        let got = ctx
            .emu
            .block_on(ctx.sdk.get_room().identifier(arn).send())
            .unwrap();
        let want = std::time::SystemTime::try_from(*got.update_time().unwrap()).unwrap();
        assert_eq!(t, want, "observed updateTime of {arn}");
    }

    // The JSON output with --out is still the documented format, without the
    // saved-plan internals.
    let doc = ctx
        .run(&["plan", "-f", &m, "--out", "plan.json", "--format", "json"])
        .success()
        .json();
    let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "format_version",
            "region",
            "resource_changes",
            "stack",
            "summary",
            "warnings",
            "without_record"
        ]
    );
    let mut records = Vec::new();
    observed_records(&doc, &mut records);
    assert!(
        records.is_empty(),
        "no `observed` in the JSON plan: {doc:#}"
    );
    ctx.assert_reads_only("plan --out");
}
