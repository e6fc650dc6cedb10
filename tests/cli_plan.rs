//! `ivsctl plan` through the real binary against the in-process emulator:
//! live state is seeded with the AWS SDK, then the binary's output, exit code
//! and the emulator's request log are checked against docs/usage.md and
//! docs/plan-format.md. Whole outputs are insta snapshots, redacted (ARNs as
//! the labels of their resources).
//!
//! The other plan suites: cli_plan_reads.rs (what a plan reads, touches and
//! saves), cli_export.rs (`export`), cli_validate.rs (`validate`, the
//! manifest corpus, no network). Shared helpers: tests/common/plan.rs.

mod common;

use common::plan::{actions, change, owned, owned_room, plan_doc, with_manifest};
use common::TestContext;
use ivsctl::emulator::EmulatorConfig;
use serde_json::{json, Value};
use std::collections::BTreeMap;

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

const FRESH: &str = include_str!("plan/fresh.yaml");

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
        let summary =
            json!({"add": 0, "change": updated.len(), "destroy": 0, "import": 0, "move": 0});
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
// 4. Duplicate claims
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
        // An error naming both ARNs and the address; no plan printed.
        ctx.reset_log();
        ctx.ivsctl(&format!("plan -f {m} --detailed-exitcode"))
            .failure()
            .stderr_names(&[&first, &second, address])
            .stderr_lacks("panicked")
            .stdout_lacks("Plan:");
        ctx.assert_reads_only(address);
        // With --format json, the error is the one document on stdout.
        ctx.reset_log();
        let out = ctx.ivsctl(&format!("plan -f {m} --format json --detailed-exitcode"));
        out.failure().stdout_lacks("resource_changes");
        let doc = out.json();
        assert_eq!(
            doc["error"]["code"], "ivsctl::plan::duplicate_claim",
            "{out}"
        );
        let message = doc["error"]["message"].as_str().unwrap();
        for name in [&first, &second, address] {
            assert!(message.contains(name), "{message}");
        }
        ctx.assert_reads_only(address);
    }
}

// ---------------------------------------------------------------------------
// 5. Region
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
