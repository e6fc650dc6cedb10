//! `ivsctl validate`, `plan` and `export` through the real binary against the
//! in-process emulator: live state is seeded with the AWS SDK, then the
//! binary's output, exit code and the emulator's request log are checked
//! against product.md and docs/plan-format.md.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

use aws_sdk_ivschat::types::{
    CloudWatchLogsDestinationConfiguration, DestinationConfiguration, FallbackResult,
    FirehoseDestinationConfiguration, MessageReviewHandler, S3DestinationConfiguration,
};
use aws_sdk_ivschat::Client;
use ivsctl::emulator::{BackgroundEmulator, EmulatorConfig};
use serde_json::{json, Value};

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:review";
const LAMBDA_2: &str = "arn:aws:lambda:us-east-1:123456789012:function:other";

/// Operations that only read.
const READS: [&str; 3] = ["GetRoom", "ListLoggingConfigurations", "ListRooms"];

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// An emulator plus an SDK client to seed it.
struct Account {
    emu: BackgroundEmulator,
    client: Client,
}

impl Account {
    fn new() -> Account {
        Account::in_region("us-east-1")
    }

    fn in_region(region: &str) -> Account {
        Account::with(EmulatorConfig {
            region: region.to_string(),
            ..EmulatorConfig::default()
        })
    }

    fn with(config: EmulatorConfig) -> Account {
        let emu = common::emulator(config);
        let client = common::sdk(&emu.endpoint());
        Account { emu, client }
    }

    fn endpoint(&self) -> String {
        self.emu.endpoint()
    }

    /// CreateRoom from an API-shaped spec: `name`, `maximumMessageLength`,
    /// `maximumMessageRatePerSecond`, `messageReviewHandler {uri,
    /// fallbackResult}`, `loggingConfigurationIdentifiers`, `tags`; absent
    /// members are not sent. Returns the ARN.
    fn room(&self, spec: Value) -> String {
        let mut b = self.client.create_room();
        if let Some(n) = spec.get("name").and_then(Value::as_str) {
            b = b.name(n);
        }
        if let Some(n) = spec.get("maximumMessageLength").and_then(Value::as_i64) {
            b = b.maximum_message_length(n as i32);
        }
        if let Some(n) = spec
            .get("maximumMessageRatePerSecond")
            .and_then(Value::as_i64)
        {
            b = b.maximum_message_rate_per_second(n as i32);
        }
        if let Some(h) = spec.get("messageReviewHandler") {
            b = b.message_review_handler(
                MessageReviewHandler::builder()
                    .uri(h["uri"].as_str().expect("handler uri"))
                    .set_fallback_result(h["fallbackResult"].as_str().map(FallbackResult::from))
                    .build(),
            );
        }
        if let Some(list) = spec
            .get("loggingConfigurationIdentifiers")
            .and_then(Value::as_array)
        {
            for arn in list {
                b = b.logging_configuration_identifiers(arn.as_str().expect("an ARN"));
            }
        }
        for (k, v) in tag_pairs(&spec) {
            b = b.tags(k, v);
        }
        let out = self.emu.block_on(b.send()).expect("CreateRoom");
        out.arn().expect("arn").to_string()
    }

    /// CreateLoggingConfiguration: `name`, `destination` (manifest shape:
    /// `{"s3": {"bucketName": ..}}` and siblings), `tags`. Returns the ARN.
    fn lc(&self, spec: Value) -> String {
        let mut b = self
            .client
            .create_logging_configuration()
            .destination_configuration(destination(&spec["destination"]));
        if let Some(n) = spec.get("name").and_then(Value::as_str) {
            b = b.name(n);
        }
        for (k, v) in tag_pairs(&spec) {
            b = b.tags(k, v);
        }
        let out = self
            .emu
            .block_on(b.send())
            .expect("CreateLoggingConfiguration");
        out.arn().expect("arn").to_string()
    }

    /// Runs `ivsctl ARGS` against this account.
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        common::ivsctl(&self.endpoint(), args)
    }

    /// `ivsctl plan -f MANIFEST ARGS`.
    fn plan(&self, manifest: &str, args: &[&str]) -> (i32, String, String) {
        let mut all = vec!["plan", "-f", manifest];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// `plan --format json --detailed-exitcode`: (exit code, document).
    fn plan_json(&self, manifest: &str) -> (i32, Value) {
        let (code, out, err) = self.plan(manifest, &["--format", "json", "--detailed-exitcode"]);
        assert!(
            code == 0 || code == 2,
            "plan failed (exit {code})\nstdout:\n{out}\nstderr:\n{err}"
        );
        let doc: Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("plan --format json is not JSON ({e}):\n{out}"));
        (code, doc)
    }

    /// Operations in the request log other than reads.
    fn writes(&self) -> BTreeMap<String, u64> {
        self.emu
            .counts()
            .into_iter()
            .filter(|(op, n)| *n > 0 && !READS.contains(&op.as_str()))
            .collect()
    }
}

fn tag_pairs(spec: &Value) -> Vec<(String, String)> {
    spec.get("tags")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("a string tag").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn destination(d: &Value) -> DestinationConfiguration {
    if let Some(b) = d["s3"]["bucketName"].as_str() {
        DestinationConfiguration::S3(
            S3DestinationConfiguration::builder()
                .bucket_name(b)
                .build()
                .expect("bucket"),
        )
    } else if let Some(g) = d["cloudWatchLogs"]["logGroupName"].as_str() {
        DestinationConfiguration::CloudWatchLogs(
            CloudWatchLogsDestinationConfiguration::builder()
                .log_group_name(g)
                .build()
                .expect("log group"),
        )
    } else if let Some(s) = d["firehose"]["deliveryStreamName"].as_str() {
        DestinationConfiguration::Firehose(
            FirehoseDestinationConfiguration::builder()
                .delivery_stream_name(s)
                .build()
                .expect("stream"),
        )
    } else {
        panic!("unknown destination {d}")
    }
}

/// The ownership tags of `stack`/`key` plus `extra`.
fn owned(stack: &str, key: &str, extra: &[(&str, &str)]) -> Value {
    let mut m = serde_json::Map::new();
    for (k, v) in extra {
        m.insert(k.to_string(), json!(v));
    }
    m.insert("ivsctl:stack".into(), json!(stack));
    m.insert("ivsctl:key".into(), json!(key));
    Value::Object(m)
}

/// `{"field": .., "before": .., "after": ..}`.
fn fc(field: &str, before: Value, after: Value) -> Value {
    json!({"field": field, "before": before, "after": after})
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    common::write_file(dir, name, text)
}

/// The resource change at `address`.
fn change<'a>(doc: &'a Value, address: &str) -> &'a Value {
    doc["resource_changes"]
        .as_array()
        .expect("resource_changes is an array")
        .iter()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no resource change for {address} in\n{doc:#}"))
}

/// address -> action, for every resource change.
fn actions(doc: &Value) -> BTreeMap<String, String> {
    doc["resource_changes"]
        .as_array()
        .expect("resource_changes is an array")
        .iter()
        .map(|c| {
            (
                c["address"].as_str().expect("address").to_string(),
                c["action"].as_str().expect("action").to_string(),
            )
        })
        .collect()
}

fn last_line(text: &str) -> &str {
    text.trim_end_matches('\n').lines().last().unwrap_or("")
}

/// The updateTime of a room, as the SDK reads it.
fn room_update_time(acct: &Account, arn: &str) -> std::time::SystemTime {
    let out = acct
        .emu
        .block_on(acct.client.get_room().identifier(arn).send())
        .expect("GetRoom");
    std::time::SystemTime::try_from(*out.update_time().expect("updateTime")).expect("a time")
}

/// Asserts that no write reached the API.
fn assert_no_writes(acct: &Account, what: &str) {
    let writes = acct.writes();
    assert!(
        writes.is_empty(),
        "{what}: the API saw writes {writes:?}; all requests: {:?}",
        acct.emu.counts()
    );
}

// ---------------------------------------------------------------------------
// 1. Empty account, then a matching stack
// ---------------------------------------------------------------------------

const FRESH: &str = "\
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
";

#[test]
fn plan_against_an_empty_account_creates_everything_in_every_format() {
    let acct = Account::new();
    let dir = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "chat.yaml", FRESH);

    // Human, without and with --detailed-exitcode.
    let (code, out, err) = acct.plan(&m, &[]);
    assert_eq!(
        code, 0,
        "plain plan exits 0 even with changes\n{out}\n{err}"
    );
    assert!(
        out.ends_with("\nPlan: 3 to add, 0 to change, 0 to destroy.\n"),
        "the human plan ends with the Plan line:\n{out}"
    );
    assert_eq!(
        last_line(&out),
        "Plan: 3 to add, 0 to change, 0 to destroy."
    );
    assert_eq!(out.matches("Plan: ").count(), 1, "one Plan line:\n{out}");
    assert!(
        out.starts_with("ivsctl plan for stack fresh in us-east-1\n"),
        "{out}"
    );
    for address in [
        "loggingConfigurations.archive",
        "rooms.lobby",
        "rooms.support",
    ] {
        assert!(
            out.contains(&format!("# {address} will be created")),
            "{address} is announced as created:\n{out}"
        );
        assert!(out.contains(&format!("+ {address}\n")), "{out}");
    }
    assert!(!out.contains('\u{1b}'), "no colour with NO_COLOR:\n{out}");
    let (code, out2, _) = acct.plan(&m, &["--detailed-exitcode"]);
    assert_eq!(code, 2, "--detailed-exitcode exits 2 with changes");
    assert_eq!(out2, out, "the same plan gives the same bytes");

    // JSON: exactly the documented shape, and nothing else.
    let (code, doc) = acct.plan_json(&m);
    assert_eq!(code, 2);
    let tags = |key: &str, extra: &[(&str, &str)]| -> Vec<Value> {
        // tags.* changes of a create, sorted by key.
        let mut all: BTreeMap<String, String> = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        all.insert("team".into(), "video".into());
        all.insert("ivsctl:stack".into(), "fresh".into());
        all.insert("ivsctl:key".into(), key.into());
        all.iter()
            .map(|(k, v)| fc(&format!("tags.{k}"), Value::Null, json!(v)))
            .collect()
    };
    let with_tags = |mut fields: Vec<Value>, key: &str, extra: &[(&str, &str)]| {
        fields.extend(tags(key, extra));
        Value::Array(fields)
    };
    let expected = json!({
        "format_version": "1",
        "stack": "fresh",
        "region": "us-east-1",
        "summary": {"add": 3, "change": 0, "destroy": 0},
        "resource_changes": [
            {
                "address": "loggingConfigurations.archive",
                "type": "loggingConfiguration",
                "key": "archive",
                "action": "create",
                "arn": null,
                "changes": with_tags(vec![
                    fc("name", Value::Null, json!("archive")),
                    fc("destination", Value::Null, json!({"s3": {"bucketName": "fresh-logs"}})),
                ], "archive", &[]),
                "drift": false
            },
            {
                "address": "rooms.lobby",
                "type": "room",
                "key": "lobby",
                "action": "create",
                "arn": null,
                "changes": with_tags(vec![
                    fc("name", Value::Null, json!("lobby")),
                    fc("maximumMessageLength", Value::Null, json!(500)),
                    fc("maximumMessageRatePerSecond", Value::Null, json!(5)),
                    fc("messageReviewHandler", Value::Null,
                       json!({"uri": LAMBDA, "fallbackResult": "ALLOW"})),
                    fc("loggingConfigurations", Value::Null,
                       json!(["loggingConfigurations.archive"])),
                ], "lobby", &[("env", "prod")]),
                "drift": false
            },
            {
                "address": "rooms.support",
                "type": "room",
                "key": "support",
                "action": "create",
                "arn": null,
                "changes": with_tags(vec![
                    fc("name", Value::Null, json!("support")),
                    fc("maximumMessageLength", Value::Null, json!(500)),
                    fc("maximumMessageRatePerSecond", Value::Null, json!(10)),
                ], "support", &[]),
                "drift": false
            }
        ]
    });
    assert_eq!(
        doc, expected,
        "the JSON plan (documented keys only, no saved-plan internals)"
    );

    // Markdown: heading, Plan line, table.
    let (code, md, _) = acct.plan(&m, &["--format", "markdown", "--detailed-exitcode"]);
    assert_eq!(code, 2);
    assert!(
        md.starts_with("### ivsctl plan — stack `fresh` (us-east-1)\n"),
        "{md}"
    );
    assert!(
        md.contains("**Plan:** 3 to add, 0 to change, 0 to destroy."),
        "{md}"
    );
    assert!(
        md.contains("| | Resource | Action | Changed fields |\n|---|---|---|---|\n"),
        "{md}"
    );
    for address in [
        "loggingConfigurations.archive",
        "rooms.lobby",
        "rooms.support",
    ] {
        assert!(
            md.contains(&format!("| ➕ | `{address}` | create | — |")),
            "a table row for {address}:\n{md}"
        );
    }
    assert!(md.contains("<details>") && md.contains("```diff"), "{md}");

    // Only reads reached the API.
    assert_no_writes(&acct, "plan");

    // Seed exactly what the manifest says: no changes.
    let archive = acct.lc(json!({
        "name": "archive",
        "destination": {"s3": {"bucketName": "fresh-logs"}},
        "tags": owned("fresh", "archive", &[("team", "video")]),
    }));
    acct.room(json!({
        "name": "lobby",
        "maximumMessageRatePerSecond": 5,
        "messageReviewHandler": {"uri": LAMBDA},
        "loggingConfigurationIdentifiers": [archive],
        "tags": owned("fresh", "lobby", &[("team", "video"), ("env", "prod")]),
    }));
    acct.room(json!({
        "name": "support",
        "tags": owned("fresh", "support", &[("team", "video")]),
    }));
    acct.emu.clear_requests();
    let (code, out, err) = acct.plan(&m, &["--detailed-exitcode"]);
    assert_eq!(code, 0, "a matching stack has no changes\n{out}\n{err}");
    assert_eq!(
        out,
        "ivsctl plan for stack fresh in us-east-1\n\n\
         No changes. The live resources of stack fresh match the manifest.\n\n\
         Plan: 0 to add, 0 to change, 0 to destroy.\n"
    );
    let (code, doc) = acct.plan_json(&m);
    assert_eq!(code, 0);
    assert_eq!(doc["summary"], json!({"add": 0, "change": 0, "destroy": 0}));
    for c in doc["resource_changes"].as_array().unwrap() {
        assert_eq!(c["action"], "no-op", "{c}");
        assert_eq!(c["changes"], json!([]), "{c}");
        assert!(c["arn"].is_string(), "a no-op has its ARN: {c}");
    }
    assert_eq!(doc["resource_changes"].as_array().unwrap().len(), 3);
    let (code, md, _) = acct.plan(&m, &["--format", "markdown", "--detailed-exitcode"]);
    assert_eq!(code, 0);
    assert_eq!(
        md,
        "### ivsctl plan — stack `fresh` (us-east-1)\n\nNo changes.\n\n\
         **Plan:** 0 to add, 0 to change, 0 to destroy.\n"
    );
    assert_no_writes(&acct, "plan of a matching stack");
}

// ---------------------------------------------------------------------------
// 2. Every field diff
// ---------------------------------------------------------------------------

const BASE: &str = "\
version: 1
stack: chat
tags:
  team: video
loggingConfigurations:
  archive:
    destination:
      s3:
        bucketName: logs-a
    protect: true
  audit:
    name: audit-log
    destination:
      cloudWatchLogs:
        logGroupName: /chat/audit
    tags:
      retention: 90d
rooms:
  lobby:
    name: main-lobby
    maximumMessageLength: 280
    maximumMessageRatePerSecond: 5
    messageReviewHandler:
      uri: arn:aws:lambda:us-east-1:123456789012:function:review
      fallbackResult: ALLOW
    loggingConfigurations: [archive, audit]
    tags:
      env: prod
  plain: {}
";

struct BaseArns {
    archive: String,
    audit: String,
}

/// The live state that BASE describes exactly, made with the SDK.
fn seed_base(acct: &Account) -> BaseArns {
    let archive = acct.lc(json!({
        "name": "archive",
        "destination": {"s3": {"bucketName": "logs-a"}},
        "tags": owned("chat", "archive", &[("team", "video"), ("ivsctl:protect", "true")]),
    }));
    let audit = acct.lc(json!({
        "name": "audit-log",
        "destination": {"cloudWatchLogs": {"logGroupName": "/chat/audit"}},
        "tags": owned("chat", "audit", &[("team", "video"), ("retention", "90d")]),
    }));
    acct.room(json!({
        "name": "main-lobby",
        "maximumMessageLength": 280,
        "maximumMessageRatePerSecond": 5,
        "messageReviewHandler": {"uri": LAMBDA, "fallbackResult": "ALLOW"},
        "loggingConfigurationIdentifiers": [audit, archive],
        "tags": owned("chat", "lobby", &[("team", "video"), ("env", "prod")]),
    }));
    // Defaults left to the API.
    acct.room(json!({
        "name": "plain",
        "tags": owned("chat", "plain", &[("team", "video")]),
    }));
    BaseArns { archive, audit }
}

/// (what, replace this, with that, expected changes per address; none: no-op).
type Case<'a> = (&'a str, &'a str, String, Vec<(&'a str, Vec<Value>)>);

fn sorted(mut v: Vec<&str>) -> Value {
    v.sort();
    json!(v)
}

#[test]
fn every_field_difference_shows_exactly_that_field() {
    let acct = Account::new();
    let arns = seed_base(&acct);
    acct.emu.clear_requests();
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.yaml", BASE);
    let (code, doc) = acct.plan_json(&base);
    assert_eq!(code, 0, "the seeded state matches BASE:\n{doc:#}");
    assert_eq!(
        actions(&doc),
        BTreeMap::from([
            ("loggingConfigurations.archive".into(), "no-op".into()),
            ("loggingConfigurations.audit".into(), "no-op".into()),
            ("rooms.lobby".into(), "no-op".into()),
            ("rooms.plain".into(), "no-op".into()),
        ])
    );

    let handler = |uri: &str, fallback: &str| json!({"uri": uri, "fallbackResult": fallback});
    let lobby_handler = "    messageReviewHandler:\n      uri: arn:aws:lambda:us-east-1:123456789012:function:review\n      fallbackResult: ALLOW\n";
    let audit_arn_list = format!("[archive, {}]", arns.audit);
    let cases: Vec<Case> = vec![
        (
            "room name",
            "name: main-lobby",
            "name: lobby-two".into(),
            vec![(
                "rooms.lobby",
                vec![fc("name", json!("main-lobby"), json!("lobby-two"))],
            )],
        ),
        (
            "room name omitted: the key",
            "    name: main-lobby\n",
            "".into(),
            vec![(
                "rooms.lobby",
                vec![fc("name", json!("main-lobby"), json!("lobby"))],
            )],
        ),
        (
            "maximumMessageLength",
            "maximumMessageLength: 280",
            "maximumMessageLength: 300".into(),
            vec![(
                "rooms.lobby",
                vec![fc("maximumMessageLength", json!(280), json!(300))],
            )],
        ),
        (
            "maximumMessageLength omitted: the default 500",
            "    maximumMessageLength: 280\n",
            "".into(),
            vec![(
                "rooms.lobby",
                vec![fc("maximumMessageLength", json!(280), json!(500))],
            )],
        ),
        (
            "maximumMessageRatePerSecond",
            "maximumMessageRatePerSecond: 5",
            "maximumMessageRatePerSecond: 100".into(),
            vec![(
                "rooms.lobby",
                vec![fc("maximumMessageRatePerSecond", json!(5), json!(100))],
            )],
        ),
        (
            "maximumMessageRatePerSecond omitted: the default 10",
            "    maximumMessageRatePerSecond: 5\n",
            "".into(),
            vec![(
                "rooms.lobby",
                vec![fc("maximumMessageRatePerSecond", json!(5), json!(10))],
            )],
        ),
        (
            "a default room's rate set",
            "  plain: {}\n",
            "  plain:\n    maximumMessageRatePerSecond: 1\n".into(),
            vec![(
                "rooms.plain",
                vec![fc("maximumMessageRatePerSecond", json!(10), json!(1))],
            )],
        ),
        (
            "handler added (fallback defaults to ALLOW)",
            "  plain: {}\n",
            format!("  plain:\n    messageReviewHandler:\n      uri: {LAMBDA_2}\n"),
            vec![(
                "rooms.plain",
                vec![fc(
                    "messageReviewHandler",
                    Value::Null,
                    handler(LAMBDA_2, "ALLOW"),
                )],
            )],
        ),
        (
            "handler fallback changed",
            "fallbackResult: ALLOW",
            "fallbackResult: DENY".into(),
            vec![(
                "rooms.lobby",
                vec![fc(
                    "messageReviewHandler",
                    handler(LAMBDA, "ALLOW"),
                    handler(LAMBDA, "DENY"),
                )],
            )],
        ),
        (
            "handler fallback omitted: ALLOW, no change",
            "      fallbackResult: ALLOW\n",
            "".into(),
            vec![],
        ),
        (
            "handler uri changed",
            "function:review",
            "function:other".into(),
            vec![(
                "rooms.lobby",
                vec![fc(
                    "messageReviewHandler",
                    handler(LAMBDA, "ALLOW"),
                    handler(LAMBDA_2, "ALLOW"),
                )],
            )],
        ),
        (
            "handler removed",
            lobby_handler,
            "".into(),
            vec![(
                "rooms.lobby",
                vec![fc(
                    "messageReviewHandler",
                    handler(LAMBDA, "ALLOW"),
                    Value::Null,
                )],
            )],
        ),
        (
            "logging list shrunk",
            "[archive, audit]",
            "[audit]".into(),
            vec![(
                "rooms.lobby",
                vec![fc(
                    "loggingConfigurations",
                    sorted(vec![&arns.archive, &arns.audit]),
                    json!([arns.audit]),
                )],
            )],
        ),
        (
            "logging list emptied",
            "[archive, audit]",
            "[]".into(),
            vec![(
                "rooms.lobby",
                vec![fc(
                    "loggingConfigurations",
                    sorted(vec![&arns.archive, &arns.audit]),
                    json!([]),
                )],
            )],
        ),
        (
            "logging list omitted: emptied",
            "    loggingConfigurations: [archive, audit]\n",
            "".into(),
            vec![(
                "rooms.lobby",
                vec![fc(
                    "loggingConfigurations",
                    sorted(vec![&arns.archive, &arns.audit]),
                    json!([]),
                )],
            )],
        ),
        (
            "logging list order only: a set, no change",
            "[archive, audit]",
            "[audit, archive]".into(),
            vec![],
        ),
        (
            "a key replaced by the same configuration's ARN: no change",
            "[archive, audit]",
            audit_arn_list,
            vec![],
        ),
        (
            "logging configuration name",
            "name: audit-log",
            "name: audit-two".into(),
            vec![(
                "loggingConfigurations.audit",
                vec![fc("name", json!("audit-log"), json!("audit-two"))],
            )],
        ),
        (
            "logging configuration name omitted: the key",
            "    name: audit-log\n",
            "".into(),
            vec![(
                "loggingConfigurations.audit",
                vec![fc("name", json!("audit-log"), json!("audit"))],
            )],
        ),
        (
            "destination, same kind",
            "bucketName: logs-a",
            "bucketName: logs-b".into(),
            vec![(
                "loggingConfigurations.archive",
                vec![fc(
                    "destination",
                    json!({"s3": {"bucketName": "logs-a"}}),
                    json!({"s3": {"bucketName": "logs-b"}}),
                )],
            )],
        ),
        (
            "destination, another kind",
            "      s3:\n        bucketName: logs-a\n",
            "      firehose:\n        deliveryStreamName: stream-b\n".into(),
            vec![(
                "loggingConfigurations.archive",
                vec![fc(
                    "destination",
                    json!({"s3": {"bucketName": "logs-a"}}),
                    json!({"firehose": {"deliveryStreamName": "stream-b"}}),
                )],
            )],
        ),
        (
            "tag added",
            "      env: prod\n",
            "      env: prod\n      owner: me\n".into(),
            vec![(
                "rooms.lobby",
                vec![fc("tags.owner", Value::Null, json!("me"))],
            )],
        ),
        (
            "tag changed",
            "env: prod",
            "env: dev".into(),
            vec![(
                "rooms.lobby",
                vec![fc("tags.env", json!("prod"), json!("dev"))],
            )],
        ),
        (
            "tag removed",
            "    tags:\n      env: prod\n",
            "".into(),
            vec![(
                "rooms.lobby",
                vec![fc("tags.env", json!("prod"), Value::Null)],
            )],
        ),
        (
            "tag value emptied",
            "retention: 90d",
            "retention: \"\"".into(),
            vec![(
                "loggingConfigurations.audit",
                vec![fc("tags.retention", json!("90d"), json!(""))],
            )],
        ),
        (
            "a resource tag overrides a stack tag",
            "      env: prod\n",
            "      env: prod\n      team: chat\n".into(),
            vec![(
                "rooms.lobby",
                vec![fc("tags.team", json!("video"), json!("chat"))],
            )],
        ),
        (
            "stack tag changed: every resource",
            "  team: video\n",
            "  team: audio\n".into(),
            [
                "loggingConfigurations.archive",
                "loggingConfigurations.audit",
                "rooms.lobby",
                "rooms.plain",
            ]
            .into_iter()
            .map(|a| (a, vec![fc("tags.team", json!("video"), json!("audio"))]))
            .collect(),
        ),
        (
            "protect turned on",
            "  plain: {}\n",
            "  plain:\n    protect: true\n".into(),
            vec![(
                "rooms.plain",
                vec![fc("tags.ivsctl:protect", Value::Null, json!("true"))],
            )],
        ),
        (
            "protect turned off",
            "    protect: true\n",
            "    protect: false\n".into(),
            vec![(
                "loggingConfigurations.archive",
                vec![fc("tags.ivsctl:protect", json!("true"), Value::Null)],
            )],
        ),
        (
            "protect omitted: off",
            "    protect: true\n",
            "".into(),
            vec![(
                "loggingConfigurations.archive",
                vec![fc("tags.ivsctl:protect", json!("true"), Value::Null)],
            )],
        ),
    ];

    let mut failures = Vec::new();
    for (i, (what, from, to, expected)) in cases.iter().enumerate() {
        assert_eq!(
            BASE.matches(from).count(),
            1,
            "case `{what}`: `{from}` must occur once in BASE"
        );
        let text = BASE.replacen(from, to, 1);
        let m = write(dir.path(), &format!("case-{i}.yaml"), &text);
        let (code, out, err) = acct.plan(&m, &["--format", "json", "--detailed-exitcode"]);
        let doc: Value = match serde_json::from_str(&out) {
            Ok(d) => d,
            Err(_) => {
                failures.push(format!("{what}: exit {code}, no JSON\n{out}\n{err}"));
                continue;
            }
        };
        let want_code = if expected.is_empty() { 0 } else { 2 };
        if code != want_code {
            failures.push(format!("{what}: exit {code}, expected {want_code}"));
        }
        let expected: BTreeMap<&str, &Vec<Value>> = expected.iter().map(|(a, c)| (*a, c)).collect();
        let want_summary = json!({"add": 0, "change": expected.len(), "destroy": 0});
        if doc["summary"] != want_summary {
            failures.push(format!(
                "{what}: summary {} != {want_summary}",
                doc["summary"]
            ));
        }
        for c in doc["resource_changes"].as_array().unwrap() {
            let address = c["address"].as_str().unwrap();
            let got = (&c["action"], &c["changes"], &c["drift"]);
            let ok = match expected.get(address) {
                Some(changes) => {
                    got == (&json!("update"), &json!(changes), &json!(false))
                        && c["arn"].is_string()
                }
                None => got == (&json!("no-op"), &json!([]), &json!(false)),
            };
            if !ok {
                failures.push(format!(
                    "{what}: {address}: got {c:#}\nexpected changes {:#}",
                    json!(expected.get(address))
                ));
            }
        }
        // The human plan shows the same resources.
        let (_, human, _) = acct.plan(&m, &[]);
        for address in expected.keys() {
            if !human.contains(&format!("# {address} will be updated in place\n")) {
                failures.push(format!(
                    "{what}: the human plan does not announce an in-place update of {address} (without drift):\n{human}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert_no_writes(&acct, "plans");
}

// ---------------------------------------------------------------------------
// 3. Drift
// ---------------------------------------------------------------------------

#[test]
fn an_out_of_band_change_is_drift_and_a_stray_tag_a_removal() {
    let acct = Account::new();
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "chat.yaml",
        "version: 1\nstack: drifty\nrooms:\n  lobby: {}\n  support: {}\n",
    );
    let lobby = acct.room(json!({"name": "lobby", "tags": owned("drifty", "lobby", &[])}));
    let support = acct.room(json!({"name": "support", "tags": owned("drifty", "support", &[])}));
    let (code, _) = acct.plan_json(&m);
    assert_eq!(code, 0, "seeded to match");

    // Someone changes the rate in the console.
    acct.emu
        .block_on(
            acct.client
                .update_room()
                .identifier(&lobby)
                .maximum_message_rate_per_second(50)
                .send(),
        )
        .expect("UpdateRoom");
    // And someone adds a tag to the other room.
    acct.emu
        .block_on(
            acct.client
                .tag_resource()
                .resource_arn(&support)
                .tags("stray", "x")
                .send(),
        )
        .expect("TagResource");
    acct.emu.clear_requests();

    let (code, doc) = acct.plan_json(&m);
    assert_eq!(code, 2);
    assert_eq!(doc["summary"], json!({"add": 0, "change": 2, "destroy": 0}));
    let c = change(&doc, "rooms.lobby");
    assert_eq!(c["action"], "update");
    assert_eq!(c["arn"], json!(lobby));
    assert_eq!(
        c["changes"],
        json!([fc("maximumMessageRatePerSecond", json!(50), json!(10))]),
        "exactly the drifted field"
    );
    assert_eq!(c["drift"], json!(true), "an out-of-band edit is drift");
    let c = change(&doc, "rooms.support");
    assert_eq!(c["action"], "update");
    assert_eq!(
        c["changes"],
        json!([fc("tags.stray", json!("x"), Value::Null)]),
        "a tag added out of band is removed"
    );
    assert_eq!(
        c["drift"],
        json!(false),
        "tag-only changes are never marked as drift"
    );

    let (code, out, _) = acct.plan(&m, &["--detailed-exitcode"]);
    assert_eq!(code, 2);
    assert!(
        out.contains("# rooms.lobby will be updated in place (drift: changed outside ivsctl)\n"),
        "{out}"
    );
    let line = out
        .lines()
        .find(|l| l.contains("maximumMessageRatePerSecond"))
        .unwrap_or_else(|| panic!("a line for the rate:\n{out}"));
    assert_eq!(
        line.trim(),
        "~ maximumMessageRatePerSecond = 50 -> 10  # drift",
        "{out}"
    );
    assert!(
        out.contains("# rooms.support will be updated in place\n"),
        "no drift mark on a tag-only change:\n{out}"
    );
    let line = out
        .lines()
        .find(|l| l.contains("tags.stray"))
        .unwrap_or_else(|| panic!("a line for the stray tag:\n{out}"));
    assert_eq!(line.trim(), "- tags.stray = \"x\"", "{out}");
    assert_eq!(
        last_line(&out),
        "Plan: 0 to add, 2 to change, 0 to destroy."
    );

    let (_, md, _) = acct.plan(&m, &["--format", "markdown"]);
    assert!(
        md.contains("| 🔄 | `rooms.lobby` | update ⚠️ drift | `maximumMessageRatePerSecond` |"),
        "{md}"
    );
    assert!(
        md.contains("| 🔄 | `rooms.support` | update | `tags.stray` |"),
        "{md}"
    );
    assert_no_writes(&acct, "plan");
}

#[test]
fn drift_is_judged_per_resource_and_marks_only_field_lines() {
    let acct = Account::new();
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "chat.yaml",
        "\
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
",
    );
    let archive = acct.lc(json!({
        "name": "archive",
        "destination": {"s3": {"bucketName": "judge-logs"}},
        "tags": owned("judge", "archive", &[]),
    }));
    let edited = acct.room(json!({"name": "edited", "tags": owned("judge", "edited", &[])}));
    let handled = acct.room(json!({"name": "handled", "tags": owned("judge", "handled", &[])}));
    // `fresh` differs from the manifest (length 500 live, 100 wanted), but
    // nobody edited it since it was created: a manifest change, not drift.
    acct.room(json!({"name": "fresh", "tags": owned("judge", "fresh", &[])}));
    let client = &acct.client;
    acct.emu.block_on(async {
        client
            .update_logging_configuration()
            .identifier(&archive)
            .destination_configuration(destination(
                &json!({"cloudWatchLogs": {"logGroupName": "/edited"}}),
            ))
            .send()
            .await
            .expect("UpdateLoggingConfiguration");
        client
            .update_room()
            .identifier(&edited)
            .name("renamed")
            .send()
            .await
            .expect("UpdateRoom");
        client
            .tag_resource()
            .resource_arn(&edited)
            .tags("stray", "x")
            .send()
            .await
            .expect("TagResource");
        client
            .update_room()
            .identifier(&handled)
            .message_review_handler(
                MessageReviewHandler::builder()
                    .uri(LAMBDA)
                    .fallback_result(FallbackResult::Deny)
                    .build(),
            )
            .send()
            .await
            .expect("UpdateRoom");
    });
    acct.emu.clear_requests();

    let (code, doc) = acct.plan_json(&m);
    assert_eq!(code, 2);
    let expect = |address: &str, changes: Value, drift: bool| {
        let c = change(&doc, address);
        assert_eq!(c["action"], "update", "{c:#}");
        assert_eq!(c["changes"], changes, "{address}");
        assert_eq!(c["drift"], json!(drift), "drift of {address}");
    };
    expect(
        "loggingConfigurations.archive",
        json!([fc(
            "destination",
            json!({"cloudWatchLogs": {"logGroupName": "/edited"}}),
            json!({"s3": {"bucketName": "judge-logs"}}),
        )]),
        true,
    );
    expect(
        "rooms.edited",
        json!([
            fc("name", json!("renamed"), json!("edited")),
            fc("tags.stray", json!("x"), Value::Null),
        ]),
        true,
    );
    expect(
        "rooms.handled",
        json!([fc(
            "messageReviewHandler",
            json!({"uri": LAMBDA, "fallbackResult": "DENY"}),
            Value::Null,
        )]),
        true,
    );
    expect(
        "rooms.fresh",
        json!([fc("maximumMessageLength", json!(500), json!(100))]),
        false,
    );

    let (_, out, _) = acct.plan(&m, &[]);
    let line = |needle: &str| -> String {
        out.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("a line with {needle}:\n{out}"))
            .trim()
            .to_string()
    };
    assert!(
        line("name ").ends_with("= \"renamed\" -> \"edited\"  # drift"),
        "{out}"
    );
    assert_eq!(
        line("tags.stray"),
        "- tags.stray = \"x\"",
        "tag lines carry no drift mark"
    );
    assert!(
        line("maximumMessageLength").ends_with("= 500 -> 100"),
        "{out}"
    );
    assert!(
        out.contains("# rooms.fresh will be updated in place\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "# loggingConfigurations.archive will be updated in place (drift: changed outside ivsctl)\n"
        ),
        "{out}"
    );
    assert_no_writes(&acct, "plan");
}

#[test]
fn text_from_the_account_cannot_reach_the_terminal() {
    let acct = Account::new();
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "chat.yaml",
        "version: 1\nstack: safe\nrooms:\n  lobby: {}\n",
    );
    let lobby = acct.room(json!({"name": "lobby", "tags": owned("safe", "lobby", &[])}));
    let hostile = "\u{1b}[31mred\nline\u{7}";
    acct.emu
        .block_on(
            acct.client
                .tag_resource()
                .resource_arn(&lobby)
                .tags("x|y", hostile)
                .send(),
        )
        .expect("TagResource");
    acct.emu.clear_requests();

    let (code, doc) = acct.plan_json(&m);
    assert_eq!(code, 2);
    assert_eq!(
        change(&doc, "rooms.lobby")["changes"],
        json!([fc("tags.x|y", json!(hostile), Value::Null)]),
        "JSON keeps the exact text"
    );
    for format in ["human", "markdown"] {
        let (code, out, _) = acct.plan(&m, &["--format", format]);
        assert_eq!(code, 0);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{format}: a raw control character reached the output:\n{out:?}"
        );
        assert!(!out.contains("red\nline"), "{format}: {out:?}");
        assert!(
            out.contains(r#""\u{1b}[31mred\nline\u{7}""#),
            "{format}: control characters are spelled out:\n{out}"
        );
    }
    let (_, md, _) = acct.plan(&m, &["--format", "markdown"]);
    assert!(
        md.contains("| 🔄 | `rooms.lobby` | update | `tags.x\\|y` |"),
        "`|` in a cell is escaped:\n{md}"
    );
}

#[test]
fn blocked_deletes_are_shown_with_the_reason_and_the_way_out() {
    let acct = Account::new();
    let dir = tempfile::tempdir().unwrap();
    let foreign = acct.lc(json!({
        "name": "foreign",
        "destination": {"s3": {"bucketName": "foreign-logs"}},
        "tags": owned("other", "foreign", &[]),
    }));
    // `old` stays referenced by another stack's room; `old2` only by our
    // room, which this plan detaches.
    let old = acct.lc(json!({
        "name": "old",
        "destination": {"s3": {"bucketName": "old-logs"}},
        "tags": owned("guard", "old", &[]),
    }));
    let old2 = acct.lc(json!({
        "name": "old2",
        "destination": {"s3": {"bucketName": "old-logs"}},
        "tags": owned("guard", "old2", &[]),
    }));
    let user = acct.room(json!({
        "name": "user",
        "loggingConfigurationIdentifiers": [old],
        "tags": owned("other", "user", &[]),
    }));
    let lobby = acct.room(json!({
        "name": "lobby",
        "loggingConfigurationIdentifiers": [old2],
        "tags": owned("guard", "lobby", &[]),
    }));
    let vip = acct.room(json!({
        "name": "vip",
        "tags": owned("guard", "vip", &[("ivsctl:protect", "true")]),
    }));
    let m = write(
        dir.path(),
        "chat.yaml",
        &format!(
            "version: 1\nstack: guard\nrooms:\n  lobby:\n    loggingConfigurations: [{foreign}]\n"
        ),
    );
    acct.emu.clear_requests();

    let (code, doc) = acct.plan_json(&m);
    assert_eq!(code, 2);
    assert_eq!(doc["summary"], json!({"add": 0, "change": 1, "destroy": 3}));
    assert_eq!(
        actions(&doc),
        BTreeMap::from([
            ("loggingConfigurations.old".into(), "delete".into()),
            ("loggingConfigurations.old2".into(), "delete".into()),
            ("rooms.lobby".into(), "update".into()),
            ("rooms.vip".into(), "delete".into()),
        ])
    );
    let c = change(&doc, "rooms.vip");
    assert_eq!(c["arn"], json!(vip));
    let reason = c["blocked"]["reason"].as_str().expect("a reason");
    let unblock = c["blocked"]["unblock"].as_str().expect("a way out");
    assert!(
        reason.contains("rooms.vip") && reason.contains("protected"),
        "{reason}"
    );
    assert!(
        unblock.contains(&vip) && unblock.contains("ivsctl:protect"),
        "{unblock}"
    );
    let c = change(&doc, "loggingConfigurations.old");
    let reason = c["blocked"]["reason"].as_str().expect("a reason");
    assert!(
        reason.contains(&user),
        "names the room that uses it: {reason}"
    );
    assert!(c["blocked"]["unblock"].is_string(), "{c:#}");
    assert!(
        change(&doc, "loggingConfigurations.old2")
            .get("blocked")
            .is_none(),
        "our own room is detached first: not blocked"
    );
    assert_eq!(
        change(&doc, "rooms.lobby")["changes"],
        json!([fc("loggingConfigurations", json!([old2]), json!([foreign]))])
    );
    for c in doc["resource_changes"].as_array().unwrap() {
        if c["action"] == "delete" {
            assert_eq!(c["drift"], json!(false), "deletes are never drift");
            for f in c["changes"].as_array().unwrap() {
                assert!(f["after"].is_null(), "a delete's fields go to null: {c:#}");
                assert!(!f["field"].as_str().unwrap().starts_with("tags."), "{c:#}");
            }
        }
    }

    let (code, out, _) = acct.plan(&m, &["--detailed-exitcode"]);
    assert_eq!(code, 2);
    assert!(
        out.contains(
            "# rooms.vip will be destroyed, but the delete is BLOCKED: rooms.vip is protected"
        ),
        "{out}"
    );
    assert!(
        out.ends_with(
            "Error: apply will refuse this plan: 2 delete(s) blocked (see above).\n\n\
             Plan: 0 to add, 1 to change, 3 to destroy.\n"
        ),
        "{out}"
    );
    let line = out
        .lines()
        .find(|l| l.contains("~ loggingConfigurations"))
        .unwrap_or_else(|| panic!("lobby's logging line:\n{out}"));
    assert_eq!(
        line.trim(),
        format!("~ loggingConfigurations = [ loggingConfigurations.old2 ] -> [ \"{foreign}\" ]"),
        "stack configurations by address, others as quoted ARNs"
    );
    let (_, md, _) = acct.plan(&m, &["--format", "markdown"]);
    assert!(
        md.contains("> ⛔ **apply will refuse this plan:** 2 delete(s) blocked (see Details)."),
        "{md}"
    );
    assert!(
        md.contains("| ➖ | `rooms.vip` | delete ⛔ blocked | — |"),
        "{md}"
    );
    assert!(
        md.contains("| ➖ | `loggingConfigurations.old2` | delete | — |"),
        "{md}"
    );
    assert_eq!(change(&doc, "rooms.lobby")["arn"], json!(lobby));
    assert_no_writes(&acct, "plan");
}

#[test]
fn a_reference_to_a_missing_logging_configuration_is_an_error() {
    let acct = Account::new();
    let dir = tempfile::tempdir().unwrap();
    let missing = "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/AbCdEfGh1234";
    let m = write(
        dir.path(),
        "chat.yaml",
        &format!(
            "version: 1\nstack: ref\nrooms:\n  lobby:\n    loggingConfigurations: [{missing}]\n"
        ),
    );
    let (code, out, err) = acct.plan(&m, &["--detailed-exitcode"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains(missing) && err.contains("rooms.lobby"),
        "{err}"
    );
    assert!(!out.contains("Plan:"), "{out}");
    assert_no_writes(&acct, "plan");
}

#[test]
fn logging_configurations_are_read_over_every_page() {
    let acct = Account::with(EmulatorConfig {
        logging_configuration_quota: 100,
        ..EmulatorConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    // The oldest comes last: on the second page.
    let archive = acct.lc(json!({
        "name": "archive",
        "destination": {"s3": {"bucketName": "paged-logs"}},
        "tags": owned("paged", "archive", &[]),
    }));
    for i in 0..54 {
        acct.lc(json!({
            "name": format!("unowned-{i}"),
            "destination": {"s3": {"bucketName": "else-logs"}},
        }));
    }
    let m = write(
        dir.path(),
        "chat.yaml",
        "version: 1\nstack: paged\nloggingConfigurations:\n  archive:\n    destination:\n      s3:\n        bucketName: paged-logs\n",
    );
    acct.emu.clear_requests();
    let (code, doc) = acct.plan_json(&m);
    assert_eq!(code, 0, "found on the second page, a no-op: {doc:#}");
    assert_eq!(
        change(&doc, "loggingConfigurations.archive")["arn"],
        json!(archive)
    );
    assert_eq!(acct.emu.count("ListLoggingConfigurations"), 2);
    assert_eq!(acct.emu.count("ListRooms"), 1);
    assert_eq!(acct.emu.count("GetLoggingConfiguration"), 0);
    assert_eq!(acct.emu.count("ListTagsForResource"), 0);
}

// ---------------------------------------------------------------------------
// 4. Unowned and foreign resources
// ---------------------------------------------------------------------------

#[test]
fn unowned_and_foreign_resources_never_appear_and_are_never_touched() {
    let acct = Account::new();
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "chat.yaml",
        "\
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
",
    );
    // Ours: `keep` matches, `gone` is no longer in the manifest.
    let keep = acct.room(json!({"name": "keep", "tags": owned("mine", "keep", &[])}));
    let gone = acct.room(json!({"name": "gone", "tags": owned("mine", "gone", &[])}));
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
        strangers.push((acct.room(json!({"name": name, "tags": tags})), name));
    }
    for (name, tags) in [
        ("zz-unowned-lc", json!({})),
        ("zz-foreign-archive", owned("other", "archive", &[])),
        ("zz-foreign-old", owned("other", "old", &[])),
    ] {
        let arn = acct.lc(json!({
            "name": name,
            "destination": {"s3": {"bucketName": "other-logs"}},
            "tags": tags,
        }));
        strangers.push((arn, name));
    }

    acct.emu.clear_requests();
    let (code, doc) = acct.plan_json(&m);
    assert_eq!(code, 2);
    assert_eq!(
        actions(&doc),
        BTreeMap::from([
            ("loggingConfigurations.archive".into(), "create".into()),
            ("rooms.gone".into(), "delete".into()),
            ("rooms.keep".into(), "no-op".into()),
            ("rooms.lobby".into(), "create".into()),
        ]),
        "{doc:#}"
    );
    assert_eq!(change(&doc, "rooms.keep")["arn"], json!(keep));
    assert_eq!(change(&doc, "rooms.gone")["arn"], json!(gone));
    assert_eq!(
        change(&doc, "rooms.lobby")["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == "loggingConfigurations")
            .expect("lobby's logging configurations")["after"],
        json!(["loggingConfigurations.archive"]),
        "`archive` is our planned configuration, not another stack's `archive`"
    );

    for format in ["human", "json", "markdown"] {
        let (code, out, err) = acct.plan(&m, &["--format", format]);
        assert_eq!(code, 0, "{format}: {err}");
        for (arn, name) in &strangers {
            assert!(
                !out.contains(arn.as_str()),
                "{format}: the plan shows {name} ({arn}):\n{out}"
            );
            assert!(
                !out.contains(name),
                "{format}: the plan shows {name}:\n{out}"
            );
        }
        assert!(!out.contains("other"), "{format}: {out}");
        if format != "json" {
            assert!(
                !out.contains("rooms.keep"),
                "{format}: a no-op is not shown:\n{out}"
            );
        }
    }

    // Never touched, never even read in detail.
    assert_no_writes(&acct, "plan");
    let got: BTreeSet<String> = acct
        .emu
        .requests()
        .iter()
        .filter(|r| r.operation == "GetRoom")
        .map(|r| r.input["identifier"].as_str().unwrap_or("?").to_string())
        .collect();
    assert_eq!(
        got,
        BTreeSet::from([keep.clone()]),
        "GetRoom only for the owned room the manifest keeps"
    );
}

// ---------------------------------------------------------------------------
// 5. The request log of a plan
// ---------------------------------------------------------------------------

#[test]
fn plan_discovery_makes_exactly_the_contracted_calls() {
    let acct = Account::new();
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "chat.yaml",
        "\
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
",
    );
    let archive = acct.lc(json!({
        "name": "archive",
        "destination": {"s3": {"bucketName": "audit-logs"}},
        "tags": owned("audit", "archive", &[]),
    }));
    acct.lc(json!({
        "name": "unowned",
        "destination": {"s3": {"bucketName": "else"}},
    }));
    let mut kept = BTreeSet::new();
    let unowned = |n: usize| {
        for i in 0..n {
            acct.room(json!({"name": format!("unowned-{i}")}));
        }
    };
    kept.insert(acct.room(json!({"name": "a", "tags": owned("audit", "a", &[])})));
    unowned(30);
    kept.insert(acct.room(json!({"name": "b", "tags": owned("audit", "b", &[])})));
    unowned(30);
    kept.insert(acct.room(json!({
        "name": "c",
        "loggingConfigurationIdentifiers": [archive],
        "tags": owned("audit", "c", &[]),
    })));
    let old = acct.room(json!({"name": "old", "tags": owned("audit", "old", &[])}));

    acct.emu.clear_requests();
    let (code, out, err) = acct.plan(&m, &["--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(out.contains(&format!("- rooms.old ({old})")), "{out}");
    assert_eq!(
        last_line(&out),
        "Plan: 0 to add, 0 to change, 1 to destroy."
    );

    let counts: BTreeMap<String, u64> = acct
        .emu
        .counts()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(
        counts,
        BTreeMap::from([
            ("GetRoom".to_string(), 3),
            ("ListLoggingConfigurations".to_string(), 1),
            ("ListRooms".to_string(), 2),
        ]),
        "64 rooms are two pages; GetRoom only for the 3 owned rooms the manifest keeps"
    );
    let requests = acct.emu.requests();
    let inputs = |op: &str| -> Vec<Value> {
        requests
            .iter()
            .filter(|r| r.operation == op)
            .map(|r| r.input.clone())
            .collect()
    };
    for input in inputs("ListRooms")
        .iter()
        .chain(inputs("ListLoggingConfigurations").iter())
    {
        assert_eq!(input["maxResults"], json!(50), "full pages: {input}");
    }
    let list_rooms = inputs("ListRooms");
    let with_token = list_rooms
        .iter()
        .filter(|i| i.get("nextToken").is_some_and(|t| t.is_string()))
        .count();
    assert_eq!(
        with_token, 1,
        "the second page is asked for with the first page's token: {list_rooms:?}"
    );
    let got: BTreeSet<String> = inputs("GetRoom")
        .iter()
        .map(|i| i["identifier"].as_str().unwrap_or("?").to_string())
        .collect();
    assert_eq!(got, kept, "GetRoom by ARN for a, b and c; not for `old`");
    assert!(requests.iter().all(|r| r.status == 200), "{requests:?}");
}

#[test]
fn rooms_and_logging_configurations_are_separate_key_spaces() {
    let acct = Account::new();
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "chat.yaml",
        "\
version: 1
stack: spaces
loggingConfigurations:
  shared:
    destination:
      s3:
        bucketName: spaces-logs
rooms:
  lobby: {}
",
    );
    // A room keyed like the manifest's logging configuration, and a logging
    // configuration keyed like its room: neither is in the manifest.
    let room = acct.room(json!({"name": "shared", "tags": owned("spaces", "shared", &[])}));
    let lc = acct.lc(json!({
        "name": "lobby",
        "destination": {"s3": {"bucketName": "spaces-logs"}},
        "tags": owned("spaces", "lobby", &[]),
    }));
    acct.emu.clear_requests();
    let (code, doc) = acct.plan_json(&m);
    assert_eq!(code, 2);
    assert_eq!(
        actions(&doc),
        BTreeMap::from([
            ("loggingConfigurations.lobby".into(), "delete".into()),
            ("loggingConfigurations.shared".into(), "create".into()),
            ("rooms.lobby".into(), "create".into()),
            ("rooms.shared".into(), "delete".into()),
        ])
    );
    assert_eq!(change(&doc, "rooms.shared")["arn"], json!(room));
    assert_eq!(
        change(&doc, "loggingConfigurations.lobby")["arn"],
        json!(lc)
    );
    assert_eq!(
        acct.emu.count("GetRoom"),
        0,
        "a room to delete is not read in detail"
    );
}

// ---------------------------------------------------------------------------
// 6. Duplicate claims
// ---------------------------------------------------------------------------

#[test]
fn two_live_resources_claiming_one_key_stop_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "chat.yaml",
        "version: 1\nstack: dup\nrooms:\n  lobby: {}\n",
    );
    let scenarios: [(&str, &str); 3] = [
        ("room", "lobby"), // a key the manifest keeps
        ("room", "old"),   // a key to delete
        ("lc", "old"),     // a logging configuration to delete
    ];
    for (kind, key) in scenarios {
        let acct = Account::new();
        let make = |name: &str| {
            let tags = owned("dup", key, &[]);
            if kind == "room" {
                acct.room(json!({"name": name, "tags": tags}))
            } else {
                acct.lc(json!({
                    "name": name,
                    "destination": {"s3": {"bucketName": "bbb"}},
                    "tags": tags,
                }))
            }
        };
        let first = make("first");
        let second = make("second");
        let address = if kind == "room" {
            format!("rooms.{key}")
        } else {
            format!("loggingConfigurations.{key}")
        };
        for format in ["human", "json"] {
            acct.emu.clear_requests();
            let (code, out, err) = acct.plan(&m, &["--format", format, "--detailed-exitcode"]);
            assert_eq!(
                code, 1,
                "{address} ({format}): a conflict is an error\n{out}"
            );
            for arn in [&first, &second] {
                assert!(
                    err.contains(arn.as_str()),
                    "{address}: stderr names {arn}:\n{err}"
                );
            }
            assert!(err.contains(&address), "stderr names {address}:\n{err}");
            assert!(!err.contains("panicked"), "{err}");
            assert!(
                !out.contains("Plan:") && !out.contains("resource_changes"),
                "no plan is printed:\n{out}"
            );
            assert_no_writes(&acct, &address);
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
            if let Some(o) = m.get("observed") {
                out.push(o.clone());
            }
            m.values().for_each(|x| observed_records(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| observed_records(x, out)),
        _ => {}
    }
}

#[test]
fn plan_out_saves_what_it_observed_of_every_touched_resource() {
    let acct = Account::new();
    let dir = tempfile::tempdir().unwrap();
    let archive = acct.lc(json!({
        "name": "archive",
        "destination": {"s3": {"bucketName": "saved-logs"}},
        "tags": owned("saved", "archive", &[]),
    }));
    let lobby = acct.room(json!({
        "name": "lobby",
        "loggingConfigurationIdentifiers": [archive],
        "tags": owned("saved", "lobby", &[("env", "prod")]),
    }));
    let old = acct.room(json!({"name": "old", "tags": owned("saved", "old", &[])}));
    // Moves lobby's updateTime, so the observed time is not the create time.
    acct.emu
        .block_on(
            acct.client
                .update_room()
                .identifier(&lobby)
                .maximum_message_length(400)
                .send(),
        )
        .expect("UpdateRoom");
    let m = write(
        dir.path(),
        "chat.yaml",
        "\
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
",
    );
    acct.emu.clear_requests();
    let saved = dir.path().join("plan.json");
    let saved_s = saved.to_string_lossy().into_owned();
    let (code, out, err) = acct.plan(&m, &["--out", &saved_s, "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert_eq!(
        last_line(&out),
        "Plan: 1 to add, 1 to change, 1 to destroy.",
        "the plan is still printed"
    );
    let text = std::fs::read_to_string(&saved).expect("the saved plan exists");
    let file: Value = serde_json::from_str(&text).expect("the saved plan is JSON");
    assert_eq!(file["kind"], "ivsctl-saved-plan");
    assert_eq!(file["format_version"], "1");

    let mut records = Vec::new();
    observed_records(&file, &mut records);
    let by_arn: HashMap<String, Value> = records
        .into_iter()
        .map(|o| (o["arn"].as_str().unwrap_or("?").to_string(), o))
        .collect();
    for (arn, tags) in [
        (&lobby, owned("saved", "lobby", &[("env", "prod")])),
        (&old, owned("saved", "old", &[])),
    ] {
        let o = by_arn
            .get(arn.as_str())
            .unwrap_or_else(|| panic!("an observed record for {arn} in\n{text}"));
        assert_eq!(o["tags"], tags, "observed tags of {arn}");
        let t = o["updateTime"]
            .as_str()
            .unwrap_or_else(|| panic!("observed updateTime of {arn}: {o}"));
        let t = humantime::parse_rfc3339(t)
            .unwrap_or_else(|e| panic!("updateTime {t} is RFC 3339: {e}"));
        assert_eq!(
            t,
            room_update_time(&acct, arn),
            "observed updateTime of {arn}"
        );
    }
    assert!(
        !by_arn.contains_key(&archive),
        "a no-op is not touched, nothing to observe"
    );

    // The JSON output with --out is still the documented format, without the
    // saved-plan internals.
    let (code, out, _) = acct.plan(&m, &["--out", &saved_s, "--format", "json"]);
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    let keys: BTreeSet<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "format_version",
            "stack",
            "region",
            "summary",
            "resource_changes"
        ])
    );
    let mut records = Vec::new();
    observed_records(&doc, &mut records);
    assert!(records.is_empty(), "no `observed` in the JSON plan: {out}");
    assert_no_writes(&acct, "plan --out");
}

// ---------------------------------------------------------------------------
// 8. Region
// ---------------------------------------------------------------------------

#[test]
fn a_region_conflict_stops_before_any_call_and_the_manifest_region_wins() {
    let acct = Account::in_region("eu-west-1");
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "chat.yaml",
        "version: 1\nstack: eu\nregion: eu-west-1\nrooms:\n  lobby: {}\n",
    );
    let (code, out, err) = acct.plan(&m, &["--region", "us-east-1"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("eu-west-1") && err.contains("us-east-1") && err.contains("--region"),
        "the error names both regions and the flag:\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.is_empty(), "nothing on stdout: {out}");
    assert!(
        acct.emu.requests().is_empty(),
        "no API call: {:?}",
        acct.emu.counts()
    );

    // AWS_REGION=us-east-1 in the environment: the manifest's region wins.
    let (code, doc) = acct.plan_json(&m);
    assert_eq!(code, 2);
    assert_eq!(doc["region"], "eu-west-1");
    // --region that agrees is fine.
    let (code, out, err) = acct.plan(&m, &["--region", "eu-west-1"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("ivsctl plan for stack eu in eu-west-1\n"),
        "{out}"
    );
    // No region in the manifest: --region decides over AWS_REGION.
    let m = write(
        dir.path(),
        "noregion.yaml",
        "version: 1\nstack: eu\nrooms:\n  lobby: {}\n",
    );
    let (code, out, err) = acct.plan(&m, &["--region", "eu-west-1", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(doc["region"], "eu-west-1");
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
    let acct = Account::new();
    // Something to discover, were anything to look.
    acct.room(json!({"name": "lobby", "tags": owned("prod-chat", "lobby", &[])}));
    acct.emu.clear_requests();
    let files = yaml_files("tests/manifests/invalid");
    assert!(files.len() >= 45, "the corpus: {} files", files.len());
    let mut failures = Vec::new();
    for file in &files {
        for command in ["plan", "validate"] {
            let (code, out, err) = acct.run(&[command, "-f", file]);
            if code != 1 {
                failures.push(format!("{command} {file}: exit {code}"));
            }
            if !err.contains(file.as_str()) {
                failures.push(format!(
                    "{command} {file}: stderr does not name the file:\n{err}"
                ));
            }
            if err.contains("panicked") {
                failures.push(format!("{command} {file}: panicked:\n{err}"));
            }
            if !out.is_empty() {
                failures.push(format!("{command} {file}: stdout is not empty:\n{out}"));
            }
            let requests = acct.emu.requests();
            if !requests.is_empty() {
                failures.push(format!(
                    "{command} {file}: reached the API: {:?}",
                    requests.iter().map(|r| &r.operation).collect::<Vec<_>>()
                ));
                acct.emu.clear_requests();
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn valid_manifests_validate() {
    let mut inputs = yaml_files("tests/manifests/valid");
    assert!(inputs.len() >= 3, "{inputs:?}");
    // A directory is one stack split over its files.
    inputs.push("tests/manifests/valid/split".to_string());
    for input in &inputs {
        // No endpoint at all: validate is offline.
        let (code, out, err) = common::ivsctl("", &["validate", "-f", input]);
        assert_eq!(code, 0, "validate {input}:\n{out}\n{err}");
        assert!(
            out.starts_with("The manifest is valid: stack "),
            "validate {input} prints a summary:\n{out}"
        );
    }
    let (_, out, _) = common::ivsctl("", &["validate", "-f", "tests/manifests/valid/full.yaml"]);
    for part in [
        "stack prod-chat",
        "3 logging configurations",
        "2 rooms",
        "tests/manifests/valid/full.yaml",
    ] {
        assert!(out.contains(part), "the summary says {part}:\n{out}");
    }
}

// ---------------------------------------------------------------------------
// 10. Export
// ---------------------------------------------------------------------------

/// A stack `rich` using every field, and a stack `other` with one logging
/// configuration that `rich` references by ARN; plus an unowned room.
fn seed_rich(acct: &Account) {
    let common_tags = [("team", "video"), ("cost center", "a/b:c")];
    let with_common = |stack: &str, key: &str, extra: &[(&str, &str)]| {
        let mut all: Vec<(&str, &str)> = common_tags.to_vec();
        all.extend_from_slice(extra);
        owned(stack, key, &all)
    };
    let foreign = acct.lc(json!({
        "name": "foreign",
        "destination": {"s3": {"bucketName": "other-logs"}},
        "tags": owned("other", "shared", &[("team", "other")]),
    }));
    let archive = acct.lc(json!({
        "name": "chat-archive",
        "destination": {"s3": {"bucketName": "rich-logs"}},
        "tags": with_common("rich", "archive", &[
            ("retention", "90 days"),
            ("ivsctl:protect", "true"),
        ]),
    }));
    let audit = acct.lc(json!({
        "name": "",
        "destination": {"cloudWatchLogs": {"logGroupName": "/aws/ivschat/audit"}},
        "tags": with_common("rich", "audit", &[("empty", "")]),
    }));
    let stream = acct.lc(json!({
        "name": "stream",
        "destination": {"firehose": {"deliveryStreamName": "chat-stream.v1"}},
        "tags": with_common("rich", "stream", &[]),
    }));
    acct.room(json!({
        "name": "main-lobby",
        "maximumMessageLength": 280,
        "maximumMessageRatePerSecond": 100,
        "messageReviewHandler": {"uri": LAMBDA, "fallbackResult": "DENY"},
        "loggingConfigurationIdentifiers": [archive, foreign, audit],
        "tags": with_common("rich", "lobby", &[
            ("path/to", "x/y"),
            ("k:v", "a: b"),
            ("hash", "#not a comment"),
            ("yes", "true"),
            ("num", "042"),
            ("nul", "null"),
            ("sp ace", " leading and trailing "),
            ("ivsctl:protect", "true"),
        ]),
    }));
    acct.room(json!({
        "name": "support",
        "maximumMessageLength": 1,
        "maximumMessageRatePerSecond": 1,
        "messageReviewHandler": {"uri": LAMBDA_2},
        "loggingConfigurationIdentifiers": [stream],
        "tags": with_common("rich", "support", &[("owner", "")]),
    }));
    // Imported without a name.
    acct.room(json!({"tags": with_common("rich", "nameless", &[])}));
    acct.room(json!({"tags": with_common("rich", "support-2", &[("team", "other")])}));
    acct.room(json!({"name": "zz-unmanaged", "tags": {"team": "video"}}));
}

#[test]
fn export_of_a_rich_stack_plans_as_no_changes() {
    let acct = Account::new();
    seed_rich(&acct);
    let dir = tempfile::tempdir().unwrap();

    acct.emu.clear_requests();
    let (code, yaml, err) = acct.run(&["export", "--stack", "rich"]);
    assert_eq!(code, 0, "export:\n{yaml}\n{err}");
    assert_no_writes(&acct, "export");
    assert!(yaml.contains("stack: rich"), "{yaml}");
    assert!(
        !yaml.contains("ivsctl:"),
        "ownership tags are not user tags:\n{yaml}"
    );
    assert!(
        yaml.contains("protect: true"),
        "protection is exported:\n{yaml}"
    );
    assert!(
        !yaml.contains("stack: other") && !yaml.contains("other-logs"),
        "only the stack asked for:\n{yaml}"
    );
    let m = write(dir.path(), "rich.yaml", &yaml);

    let (code, out, err) = acct.run(&["validate", "-f", &m]);
    assert_eq!(code, 0, "the export validates:\n{out}\n{err}\n{yaml}");
    assert!(
        out.contains("stack rich, 3 logging configurations, 4 rooms"),
        "{out}"
    );

    acct.emu.clear_requests();
    let (code, out, err) = acct.plan(&m, &["--detailed-exitcode"]);
    assert_eq!(
        code, 0,
        "plan of the export has no changes:\n{out}\n{err}\nexport:\n{yaml}"
    );
    assert!(out.contains("No changes."), "{out}");
    let (code, doc) = acct.plan_json(&m);
    assert_eq!(code, 0);
    assert_eq!(
        doc["resource_changes"].as_array().unwrap().len(),
        7,
        "every resource of the stack, as a no-op: {doc:#}"
    );
    assert_no_writes(&acct, "plan of the export");
}

#[test]
fn export_of_several_stacks_needs_a_choice_or_a_directory() {
    let acct = Account::new();
    seed_rich(&acct);
    acct.emu.clear_requests();
    let (code, out, err) = acct.run(&["export"]);
    assert_eq!(code, 1, "two stacks and no --stack:\n{out}\n{err}");
    assert!(
        err.contains("rich") && err.contains("other"),
        "the error names both stacks:\n{err}"
    );
    assert!(
        err.contains("--stack") && err.contains("--output-dir"),
        "and how to choose:\n{err}"
    );
    assert!(out.is_empty(), "{out}");

    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("stacks");
    let out_dir_s = out_dir.to_string_lossy().into_owned();
    let (code, out, err) = acct.run(&["export", "--output-dir", &out_dir_s]);
    assert_eq!(code, 0, "{out}\n{err}");
    let mut written: Vec<String> = std::fs::read_dir(&out_dir)
        .expect("the directory exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, ["other.yaml", "rich.yaml"]);
    for name in &written {
        let path = out_dir.join(name).to_string_lossy().into_owned();
        let (code, out, err) = acct.plan(&path, &["--detailed-exitcode"]);
        assert_eq!(
            code,
            0,
            "{name} plans as no changes:\n{out}\n{err}\n{}",
            std::fs::read_to_string(&path).unwrap()
        );
    }
    assert_no_writes(&acct, "export --output-dir");
}

#[test]
fn export_without_owned_resources_points_to_import() {
    // An empty account, then one with unmanaged resources only.
    let acct = Account::new();
    let (code, out, err) = acct.run(&["export"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("import"), "a hint about import:\n{err}");
    acct.room(json!({"name": "unmanaged", "tags": {"team": "video"}}));
    acct.lc(json!({"name": "unmanaged-lc", "destination": {"s3": {"bucketName": "bbb"}}}));
    acct.emu.clear_requests();
    let (code, out, err) = acct.run(&["export"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("import"), "a hint about import:\n{err}");
    assert!(out.is_empty(), "no manifest printed:\n{out}");
    assert_no_writes(&acct, "export");
}

#[test]
fn export_of_a_stack_with_no_resources_is_an_error() {
    let acct = Account::new();
    acct.room(json!({"name": "lobby", "tags": owned("real", "lobby", &[])}));
    acct.room(json!({"name": "unmanaged"}));
    let (code, out, err) = acct.run(&["export", "--stack", "typo"]);
    assert_eq!(code, 1, "no resource belongs to stack typo:\n{out}\n{err}");
    assert!(err.contains("typo"), "{err}");
    assert!(err.contains("import"), "a hint about import:\n{err}");
}

// ---------------------------------------------------------------------------
// 11. No network
// ---------------------------------------------------------------------------

/// An endpoint where nothing listens.
fn dead_endpoint() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn validate_is_offline_and_plan_fails_cleanly_without_an_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "chat.yaml", FRESH);
    let dead = dead_endpoint();
    let (code, out, err) = common::ivsctl(&dead, &["validate", "-f", &m]);
    assert_eq!(code, 0, "{out}\n{err}");
    for part in [
        "stack fresh",
        "1 logging configuration,",
        "2 rooms",
        m.as_str(),
    ] {
        assert!(out.contains(part), "the summary says {part}:\n{out}");
    }
    let (code, _, err) = common::ivsctl(&dead, &["--endpoint-url", &dead, "validate", "-f", &m]);
    assert_eq!(code, 0, "{err}");

    let (code, out, err) =
        common::ivsctl_timeout(&dead, &["plan", "-f", &m], Duration::from_secs(120))
            .expect("plan against a dead endpoint gives up in time");
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(!out.contains("Plan:"), "no plan: {out}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("could not reach") || err.contains("connect"),
        "a clear error about the endpoint:\n{err}"
    );
}
