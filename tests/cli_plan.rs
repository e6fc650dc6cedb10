//! `ivsctl validate`, `plan` and `export` through the real binary against the
//! in-process emulator: live state is seeded with the AWS SDK, then the
//! binary's output, exit code and the emulator's request log are checked
//! against docs/usage.md and docs/plan-format.md. Whole outputs are insta
//! snapshots, redacted (ARNs as the labels of their resources).

mod common;

use common::TestContext;
use ivsctl::emulator::EmulatorConfig;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The ownership tags of `stack`/`key` plus `extra`.
fn owned(stack: &str, key: &str, extra: &[(&str, &str)]) -> Value {
    let mut tags = json!({"ivsctl:stack": stack, "ivsctl:key": key});
    for (k, v) in extra {
        tags[*k] = json!(v);
    }
    tags
}

/// A context whose `chat.yaml` holds `manifest`; its path.
fn with_manifest(manifest: &str) -> (TestContext, String) {
    let ctx = TestContext::new();
    let m = ctx.file("chat.yaml", manifest);
    (ctx, m)
}

/// A room named `key`, owned by `stack` as `key`; its ARN.
fn owned_room(ctx: &TestContext, stack: &str, key: &str) -> String {
    ctx.room(json!({"name": key, "tags": owned(stack, key, &[])}))
}

/// The resource change at `address`.
fn change<'a>(doc: &'a Value, address: &str) -> &'a Value {
    let changes = doc["resource_changes"]
        .as_array()
        .expect("resource_changes");
    let found = changes.iter().find(|c| c["address"] == address);
    found.unwrap_or_else(|| panic!("no resource change for {address} in\n{doc:#}"))
}

/// `address: action`, one line each.
fn actions(doc: &Value) -> String {
    let changes = doc["resource_changes"]
        .as_array()
        .expect("resource_changes");
    let lines: Vec<String> = changes
        .iter()
        .map(|c| {
            format!(
                "{}: {}",
                c["address"].as_str().unwrap(),
                c["action"].as_str().unwrap()
            )
        })
        .collect();
    lines.join("\n")
}

/// `changes` redacted, with the lists of logging configurations (sets,
/// listed in the order of their random ARNs) checked sorted, then sorted
/// again by label.
fn sets(ctx: &TestContext, changes: &Value) -> Value {
    let mut changes: Value = serde_json::from_str(&ctx.redact(&changes.to_string())).unwrap();
    for c in changes.as_array_mut().unwrap() {
        for side in ["before", "after"] {
            if let Value::Array(list) = &mut c[side] {
                list.sort_by_key(|v| v.to_string());
            }
        }
    }
    changes
}

/// `plan --format json --detailed-exitcode`, which must exit `code`, parsed.
#[track_caller]
fn plan_doc(ctx: &TestContext, file: &str, code: i32) -> Value {
    let out = ctx.ivsctl(&format!("plan -f {file} --format json --detailed-exitcode"));
    out.code(code).json()
}

/// The plan of `file` in every format (with --detailed-exitcode), each with
/// its exit code, redacted.
fn plan_report(ctx: &TestContext, file: &str) -> String {
    let mut text = String::new();
    for format in ["human", "markdown", "json"] {
        let out = ctx.ivsctl(&format!(
            "plan -f {file} --format {format} --detailed-exitcode"
        ));
        text += &format!("--- {format}: exit {} ---\n{}\n", out.code, out.stdout);
    }
    ctx.redact(&text)
}

// ---------------------------------------------------------------------------
// 1. Empty account, then a matching stack
// ---------------------------------------------------------------------------

const FRESH: &str = r#"
version: 1
stack: fresh
tags:
  team: video
loggingConfigurations:
  archive:
    destination:
      s3:
        bucketName: fresh-logs
rooms:
  lobby:
    maximumMessageRatePerSecond: 5
    messageReviewHandler:
      uri: arn:aws:lambda:us-east-1:123456789012:function:review
    loggingConfigurations: [archive]
    tags:
      env: prod
  support: {}
"#;

#[test]
fn plan_against_an_empty_account_creates_everything_in_every_format() {
    let (ctx, m) = with_manifest(FRESH);
    // A plain plan exits 0 even with changes; --detailed-exitcode exits 2
    // with the same bytes; no colour with NO_COLOR.
    let plain = ctx.ivsctl(&format!("plan -f {m}"));
    plain.success().stdout_lacks("\u{1b}");
    let detailed = ctx.ivsctl(&format!("plan -f {m} --detailed-exitcode"));
    assert_eq!(detailed.code(2).stdout, plain.stdout);
    // Every format: the JSON has exactly the documented keys, no saved-plan
    // internals.
    insta::assert_snapshot!(plan_report(&ctx, &m));
    ctx.assert_reads_only("plan");

    // Seed exactly what the manifest says: no changes.
    let archive = ctx.lc(json!({
        "name": "archive",
        "destination": {"s3": {"bucketName": "fresh-logs"}},
        "tags": owned("fresh", "archive", &[("team", "video")]),
    }));
    ctx.room(json!({
        "name": "lobby",
        "maximumMessageRatePerSecond": 5,
        "messageReviewHandler": {"uri": "arn:aws:lambda:us-east-1:123456789012:function:review"},
        "loggingConfigurations": [archive],
        "tags": owned("fresh", "lobby", &[("team", "video"), ("env", "prod")]),
    }));
    ctx.room(json!({"name": "support", "tags": owned("fresh", "support", &[("team", "video")])}));
    ctx.reset_log();
    insta::assert_snapshot!("no_changes_in_every_format", plan_report(&ctx, &m));
    ctx.assert_reads_only("plan of a matching stack");
}

// ---------------------------------------------------------------------------
// 2. Every field diff
// ---------------------------------------------------------------------------

#[test]
fn every_field_difference_shows_exactly_that_field() {
    let spec: Value = serde_yaml::from_str(include_str!("plan/field-diffs.yaml")).unwrap();
    let ctx = TestContext::new();
    ctx.set_stack("chat");
    ctx.seed(&spec["seed"]);
    let base = spec["base"].as_str().unwrap();
    let mut report = String::new();
    let edits = spec["edits"].as_array().unwrap();
    let base_case = json!({"what": "base: the seeded state", "replace": "", "with": ""});
    ctx.reset_log();
    for (i, edit) in std::iter::once(&base_case).chain(edits).enumerate() {
        let (what, from) = (
            edit["what"].as_str().unwrap(),
            edit["replace"].as_str().unwrap(),
        );
        let to = ctx.resolve(edit["with"].as_str().unwrap());
        assert!(
            from.is_empty() || base.matches(from).count() == 1,
            "{what}: once in base"
        );
        let m = ctx.file(&format!("case-{i}.yaml"), &base.replacen(from, &to, 1));
        let out = ctx.ivsctl(&format!("plan -f {m} --format json --detailed-exitcode"));
        let doc = out.json();
        let addresses = doc["resource_changes"].as_array().unwrap().iter();
        let addresses: Vec<&str> = addresses.map(|c| c["address"].as_str().unwrap()).collect();
        let all = [
            "loggingConfigurations.archive",
            "loggingConfigurations.audit",
            "rooms.lobby",
            "rooms.plain",
        ];
        assert_eq!(addresses, all, "{what}");
        let mut updated = Vec::new();
        for c in doc["resource_changes"].as_array().unwrap() {
            assert_eq!(c["drift"], false, "{what}: {c:#}");
            if c["action"] == "no-op" {
                assert_eq!(c["changes"], json!([]), "{what}: {c:#}");
                continue;
            }
            assert!(
                c["action"] == "update" && c["arn"].is_string(),
                "{what}: {c:#}"
            );
            for c in c["changes"].as_array().unwrap() {
                let lists = [&c["before"], &c["after"]].map(|v| v.as_array().cloned());
                for list in lists.into_iter().flatten() {
                    assert!(
                        list.is_sorted_by_key(|v| v.to_string()),
                        "{what}: sorted {c}"
                    );
                }
            }
            updated.push(format!(
                "{}: {}",
                c["address"].as_str().unwrap(),
                sets(&ctx, &c["changes"])
            ));
        }
        let summary = json!({"add": 0, "change": updated.len(), "destroy": 0});
        assert_eq!(doc["summary"], summary, "{what}");
        out.code(if updated.is_empty() { 0 } else { 2 });
        // The human plan shows the same resources.
        let human = ctx.ivsctl(&format!("plan -f {m}"));
        for u in &updated {
            let address = u.split(':').next().unwrap();
            human.stdout_contains(&format!("# {address} will be updated in place\n"));
        }
        report += &format!("## {what}\nexit {}\n{}\n\n", out.code, updated.join("\n"));
    }
    insta::assert_snapshot!(report);
    ctx.assert_reads_only("plans");
}

// ---------------------------------------------------------------------------
// 3. Drift
// ---------------------------------------------------------------------------

#[test]
fn an_out_of_band_change_is_drift_and_so_is_a_stray_tag() {
    let (ctx, m) = with_manifest("version: 1\nstack: drifty\nrooms:\n  lobby: {}\n  support: {}\n");
    let lobby = owned_room(&ctx, "drifty", "lobby");
    let support = owned_room(&ctx, "drifty", "support");
    ctx.ivsctl(&format!("plan -f {m} --detailed-exitcode"))
        .success();

    // Someone changes the rate in the console, and someone adds a tag to the
    // other room: both are drift (not what ivsctl applied), and the tag added
    // out of band is removed.
    ctx.update_room(&lobby, json!({"maximumMessageRatePerSecond": 50}));
    ctx.tag(&support, json!({"stray": "x"}));
    ctx.reset_log();
    insta::assert_snapshot!(plan_report(&ctx, &m));
    ctx.assert_reads_only("plan");
}

#[test]
fn drift_is_judged_per_change_against_what_ivsctl_applied() {
    let (ctx, m) = with_manifest(
        r#"
version: 1
stack: judge
loggingConfigurations:
  archive:
    destination:
      s3:
        bucketName: judge-logs
rooms:
  edited: {}
  handled: {}
  fresh:
    maximumMessageLength: 100
"#,
    );
    let archive = ctx.lc(json!({
        "name": "archive",
        "destination": {"s3": {"bucketName": "judge-logs"}},
        "tags": owned("judge", "archive", &[]),
    }));
    let edited = owned_room(&ctx, "judge", "edited");
    let handled = owned_room(&ctx, "judge", "handled");
    // `fresh` differs from the manifest (length 500 live, 100 wanted), but
    // nobody edited it since it was created: a manifest change, not drift.
    owned_room(&ctx, "judge", "fresh");
    let cw = json!({"cloudWatchLogs": {"logGroupName": "/edited"}});
    ctx.update_lc(&archive, json!({"destination": cw}));
    ctx.update_room(&edited, json!({"name": "renamed"}));
    ctx.tag(&edited, json!({"stray": "x"}));
    let deny = json!({"uri": "arn:aws:lambda:us-east-1:123456789012:function:review", "fallbackResult": "DENY"});
    ctx.update_room(&handled, json!({"messageReviewHandler": deny}));
    ctx.reset_log();
    // Each line that corrects an out-of-band edit is marked, tags included.
    insta::assert_snapshot!(plan_report(&ctx, &m));
    ctx.assert_reads_only("plan");
}

#[test]
fn text_from_the_account_cannot_reach_the_terminal() {
    let (ctx, m) = with_manifest("version: 1\nstack: safe\nrooms:\n  lobby: {}\n");
    let lobby = owned_room(&ctx, "safe", "lobby");
    let hostile = "\u{1b}[31mred\nline\u{7}";
    ctx.tag(&lobby, json!({"x|y": hostile}));
    // JSON keeps the exact text.
    let doc = plan_doc(&ctx, &m, 2);
    let stray = json!([{"field": "tags.x|y", "before": hostile, "after": null, "drift": true}]);
    assert_eq!(change(&doc, "rooms.lobby")["changes"], stray);
    for format in ["human", "markdown"] {
        let out = ctx.ivsctl(&format!("plan -f {m} --format {format}"));
        // No raw control character; they are spelled out.
        out.success()
            .stdout_lacks("\u{1b}")
            .stdout_lacks("\u{7}")
            .stdout_lacks("red\nline");
        out.stdout_contains(r#""\u{1b}[31mred\nline\u{7}""#);
    }
    // `|` in a markdown cell is escaped.
    ctx.ivsctl(&format!("plan -f {m} --format markdown"))
        .stdout_contains("| 🔄 | `rooms.lobby` | update ⚠️ drift | `tags.x\\|y` |");
}

#[test]
fn blocked_deletes_are_shown_with_the_reason_and_the_way_out() {
    let ctx = TestContext::new();
    ctx.set_stack("guard");
    let s3 = |bucket: &str| json!({"s3": {"bucketName": bucket}});
    let foreign = ctx.lc(json!({"name": "foreign", "destination": s3("foreign-logs"), "tags": owned("other", "foreign", &[])}));
    // `old` stays referenced by another stack's room; `old2` only by our
    // room, which this plan detaches (first: not blocked).
    let old = ctx.lc(
        json!({"name": "old", "destination": s3("old-logs"), "tags": owned("guard", "old", &[])}),
    );
    let old2 = ctx.lc(
        json!({"name": "old2", "destination": s3("old-logs"), "tags": owned("guard", "old2", &[])}),
    );
    ctx.room(json!({"name": "user", "loggingConfigurations": [old], "tags": owned("other", "user", &[])}));
    ctx.room(json!({"name": "lobby", "loggingConfigurations": [old2], "tags": owned("guard", "lobby", &[])}));
    ctx.room(json!({"name": "vip", "tags": owned("guard", "vip", &[("ivsctl:protect", "true")])}));
    let manifest = format!(
        "version: 1\nstack: guard\nrooms:\n  lobby:\n    loggingConfigurations: [{foreign}]\n"
    );
    let m = ctx.file("chat.yaml", &manifest);
    ctx.reset_log();
    // Reasons name the protection and the other stack's room; the way out
    // names the ARN; deletes are never drift, their fields go to null, and
    // tags are not listed; the stack's configurations show by address,
    // others as quoted ARNs.
    insta::assert_snapshot!(plan_report(&ctx, &m));
    ctx.assert_reads_only("plan");
}

#[test]
fn a_reference_to_a_missing_logging_configuration_is_an_error() {
    let ctx = TestContext::new();
    let missing = "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/AbCdEfGh1234";
    let manifest = format!(
        "version: 1\nstack: ref\nrooms:\n  lobby:\n    loggingConfigurations: [{missing}]\n"
    );
    let m = ctx.file("chat.yaml", &manifest);
    ctx.ivsctl(&format!("plan -f {m} --detailed-exitcode"))
        .failure()
        .stderr_names(&[missing, "rooms.lobby"])
        .stdout_lacks("Plan:");
    ctx.assert_reads_only("plan");
}

#[test]
fn logging_configurations_are_read_over_every_page() {
    let ctx = TestContext::with_config(EmulatorConfig {
        logging_configuration_quota: 100,
        ..EmulatorConfig::default()
    });
    let m = ctx.file(
        "chat.yaml",
        "version: 1\nstack: paged\nloggingConfigurations:\n  archive:\n    destination:\n      s3:\n        bucketName: paged-logs\n",
    );
    // The oldest comes last: on the second page.
    let archive = ctx.lc(json!({
        "name": "archive",
        "destination": {"s3": {"bucketName": "paged-logs"}},
        "tags": owned("paged", "archive", &[]),
    }));
    for i in 0..54 {
        let s3 = json!({"s3": {"bucketName": "else-logs"}});
        ctx.lc(json!({"name": format!("unowned-{i}"), "destination": s3}));
    }
    ctx.reset_log();
    let doc = plan_doc(&ctx, &m, 0);
    assert_eq!(
        change(&doc, "loggingConfigurations.archive")["arn"],
        json!(archive)
    );
    assert_eq!(actions(&doc), "loggingConfigurations.archive: no-op");
    let counts = BTreeMap::from([
        ("ListLoggingConfigurations".to_string(), 2),
        ("ListRooms".to_string(), 1),
    ]);
    assert_eq!(ctx.counts(), counts);
}

// ---------------------------------------------------------------------------
// 4. Unowned and foreign resources
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
// 5. The request log of a plan
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
// 6. Duplicate claims
// ---------------------------------------------------------------------------

#[test]
fn two_live_resources_claiming_one_key_stop_the_plan() {
    // A key the manifest keeps, a key to delete, a logging configuration to
    // delete.
    for (kind, key, address) in [
        ("room", "lobby", "rooms.lobby"),
        ("room", "old", "rooms.old"),
        ("lc", "old", "loggingConfigurations.old"),
    ] {
        let ctx = TestContext::new();
        let m = ctx.file("chat.yaml", "version: 1\nstack: dup\nrooms:\n  lobby: {}\n");
        let make = |name: &str| {
            match kind {
            "room" => ctx.room(json!({"name": name, "tags": owned("dup", key, &[])})),
            _ => ctx.lc(json!({"name": name, "destination": {"s3": {"bucketName": "bbb"}}, "tags": owned("dup", key, &[])})),
        }
        };
        let (first, second) = (make("first"), make("second"));
        for format in ["human", "json"] {
            ctx.reset_log();
            // An error naming both ARNs and the address; no plan printed.
            ctx.ivsctl(&format!(
                "plan -f {m} --format {format} --detailed-exitcode"
            ))
            .failure()
            .stderr_names(&[&first, &second, address])
            .stderr_lacks("panicked")
            .stdout_lacks("Plan:")
            .stdout_lacks("resource_changes");
            ctx.assert_reads_only(address);
        }
    }
}

// ---------------------------------------------------------------------------
// 7. plan --out
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

// ---------------------------------------------------------------------------
// 8. Region
// ---------------------------------------------------------------------------

#[test]
fn a_region_conflict_stops_before_any_call_and_the_manifest_region_wins() {
    let ctx = TestContext::in_region("eu-west-1");
    let m = ctx.file(
        "chat.yaml",
        "version: 1\nstack: eu\nregion: eu-west-1\nrooms:\n  lobby: {}\n",
    );
    // The error names both regions and the flag; nothing on stdout; no call.
    ctx.ivsctl(&format!("plan -f {m} --region us-east-1"))
        .failure()
        .stderr_names(&["eu-west-1", "us-east-1", "--region"])
        .stderr_lacks("panicked")
        .stdout_empty();
    ctx.assert_no_calls("region conflict");

    // AWS_REGION=us-east-1 in the environment: the manifest's region wins.
    assert_eq!(plan_doc(&ctx, &m, 2)["region"], "eu-west-1");
    // --region that agrees is fine.
    let out = ctx.ivsctl(&format!("plan -f {m} --region eu-west-1"));
    assert!(
        out.success()
            .stdout
            .starts_with("ivsctl plan for stack eu in eu-west-1\n"),
        "{out}"
    );
    // No region in the manifest: --region decides over AWS_REGION.
    let m = ctx.file(
        "noregion.yaml",
        "version: 1\nstack: eu\nrooms:\n  lobby: {}\n",
    );
    let out = ctx.ivsctl(&format!("plan -f {m} --region eu-west-1 --format json"));
    assert_eq!(out.success().json()["region"], "eu-west-1");
}

// ---------------------------------------------------------------------------
// 9. The manifest corpus
// ---------------------------------------------------------------------------

fn yaml_files(dir: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

#[test]
fn invalid_manifests_never_reach_the_api() {
    let ctx = TestContext::new();
    // Something to discover, were anything to look.
    owned_room(&ctx, "prod-chat", "lobby");
    let files = yaml_files("tests/manifests/invalid");
    assert!(files.len() >= 45, "the corpus: {} files", files.len());
    for file in &files {
        for command in ["plan", "validate"] {
            ctx.reset_log();
            // The binary runs in the repository, where the paths hold.
            let out = common::context::Cmd::new(&[command, "-f", file])
                .endpoint(&ctx.endpoint())
                .run();
            out.failure()
                .stderr_contains(file)
                .stderr_lacks("panicked")
                .stdout_empty();
            ctx.assert_no_calls(&format!("{command} {file}"));
        }
    }
}

#[test]
fn valid_manifests_validate() {
    let mut inputs = yaml_files("tests/manifests/valid");
    assert!(inputs.len() >= 3, "{inputs:?}");
    // A directory is one stack split over its files.
    inputs.push("tests/manifests/valid/split".to_string());
    for input in &inputs {
        // No endpoint at all: validate is offline.
        let out = common::context::Cmd::new(&["validate", "-f", input]).run();
        assert!(
            out.success()
                .stdout
                .starts_with("The manifest is valid: stack "),
            "{out}"
        );
    }
    let full = "tests/manifests/valid/full.yaml";
    let out = common::context::Cmd::new(&["validate", "-f", full]).run();
    out.success();
    for part in [
        "stack prod-chat",
        "3 logging configurations",
        "2 rooms",
        full,
    ] {
        out.stdout_contains(part);
    }
}

// ---------------------------------------------------------------------------
// 10. Export
// ---------------------------------------------------------------------------

/// tests/plan/rich-seed.yaml: a stack `rich` using every field, another
/// stack, an unowned room.
fn seed_rich(ctx: &TestContext) {
    ctx.set_stack("rich");
    ctx.seed(&serde_yaml::from_str(include_str!("plan/rich-seed.yaml")).unwrap());
}

#[test]
fn export_of_a_rich_stack_plans_as_no_changes() {
    let ctx = TestContext::new();
    seed_rich(&ctx);
    ctx.reset_log();
    let export = ctx.ivsctl("export --stack rich");
    // Ownership tags are not user tags; protection is exported; only the
    // stack asked for.
    export
        .success()
        .stdout_contains("stack: rich")
        .stdout_lacks("ivsctl:")
        .stdout_contains("protect: true");
    export
        .stdout_lacks("stack: other")
        .stdout_lacks("other-logs");
    ctx.assert_reads_only("export");
    let m = ctx.file("rich.yaml", &export.stdout);
    ctx.ivsctl(&format!("validate -f {m}"))
        .success()
        .stdout_contains("stack rich, 3 logging configurations, 4 rooms");
    ctx.reset_log();
    ctx.assert_no_changes(&m);
    // Every resource of the stack, as a no-op.
    let doc = plan_doc(&ctx, &m, 0);
    assert_eq!(
        doc["resource_changes"].as_array().unwrap().len(),
        7,
        "{doc:#}"
    );
    assert!(doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["action"] == "no-op"));
    ctx.assert_reads_only("plan of the export");
}

#[test]
fn export_of_several_stacks_needs_a_choice_or_a_directory() {
    let ctx = TestContext::new();
    seed_rich(&ctx);
    ctx.reset_log();
    // Two stacks and no --stack: the error names both and how to choose.
    ctx.ivsctl("export")
        .failure()
        .stderr_names(&["rich", "other", "--stack", "--output-dir"])
        .stdout_empty();
    ctx.ivsctl("export --output-dir stacks").success();
    let mut written: Vec<String> = std::fs::read_dir(ctx.dir().join("stacks"))
        .expect("the directory exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, ["other.yaml", "rich.yaml"]);
    for name in &written {
        ctx.assert_no_changes(&format!("stacks/{name}"));
    }
    ctx.assert_reads_only("export --output-dir");
}

#[test]
fn export_without_owned_resources_points_to_import() {
    // An empty account, then one with unmanaged resources only.
    let ctx = TestContext::new();
    ctx.ivsctl("export").failure().stderr_contains("import");
    ctx.room(json!({"name": "unmanaged", "tags": {"team": "video"}}));
    ctx.lc(json!({"name": "unmanaged-lc", "destination": {"s3": {"bucketName": "bbb"}}}));
    ctx.reset_log();
    ctx.ivsctl("export")
        .failure()
        .stderr_contains("import")
        .stdout_empty();
    ctx.assert_reads_only("export");
}

#[test]
fn export_of_a_stack_with_no_resources_is_an_error() {
    let ctx = TestContext::new();
    owned_room(&ctx, "real", "lobby");
    ctx.room(json!({"name": "unmanaged"}));
    ctx.ivsctl("export --stack typo")
        .failure()
        .stderr_names(&["typo", "import"]);
}

// ---------------------------------------------------------------------------
// 11. No network
// ---------------------------------------------------------------------------

#[test]
fn validate_is_offline_and_plan_fails_cleanly_without_an_endpoint() {
    let (ctx, m) = with_manifest(FRESH);
    // An endpoint where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("http://127.0.0.1:{port}");
    let run = |args: &[&str]| ctx.cmd(args).endpoint(&dead);
    let out = run(&["validate", "-f", &m]).run();
    for part in ["stack fresh", "1 logging configuration,", "2 rooms", &m] {
        out.success().stdout_contains(part);
    }
    run(&["--endpoint-url", &dead, "validate", "-f", &m])
        .run()
        .success();
    // Plan gives up in time, with a clear error about the endpoint.
    let out = run(&["plan", "-f", &m])
        .timeout(Duration::from_secs(120))
        .run();
    out.failure().stdout_lacks("Plan:").stderr_lacks("panicked");
    assert!(
        out.stderr.contains("could not reach") || out.stderr.contains("connect"),
        "{out}"
    );
}
