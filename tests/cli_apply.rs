//! `apply`, `destroy`, `import`, saved plans, the safety rules, `--local` and
//! the examples, through the real `ivsctl` binary against an in-process
//! emulator, with a real aws-sdk-ivschat client to arrange and check the
//! account.
//!
//! The contract is /work/shared/design/product.md (Apply, Commands,
//! Ownership). Write calls are read from the emulator's request log: each test
//! clears the log after seeding, then asserts the exact write calls (and their
//! request bodies) of the command under test. Reads for discovery are not
//! asserted, except GetLoggingConfiguration, which must appear only when a
//! room write waits for a logging configuration created or updated by the
//! same apply.

mod common;

use aws_sdk_ivschat::types::{DestinationConfiguration, S3DestinationConfiguration};
use aws_sdk_ivschat::Client;
use ivsctl::emulator::{BackgroundEmulator, EmulatorConfig};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:review";
const LAMBDA_2: &str = "arn:aws:lambda:us-east-1:123456789012:function:other";

/// The operations that change the account.
const WRITE_OPS: [&str; 8] = [
    "CreateRoom",
    "UpdateRoom",
    "DeleteRoom",
    "CreateLoggingConfiguration",
    "UpdateLoggingConfiguration",
    "DeleteLoggingConfiguration",
    "TagResource",
    "UntagResource",
];

// ---------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------

/// One emulator, a temporary directory for manifests and plan files, and an
/// SDK client.
struct Env {
    emu: BackgroundEmulator,
    dir: tempfile::TempDir,
    sdk: Client,
}

/// One request of the log, as the tests read it.
#[derive(Debug, Clone, PartialEq)]
struct Call {
    seq: u64,
    op: String,
    status: u16,
    input: Value,
}

impl Env {
    fn new() -> Env {
        Env::with(EmulatorConfig::default())
    }

    fn with(config: EmulatorConfig) -> Env {
        let emu = common::emulator(config);
        let sdk = common::sdk(&emu.endpoint());
        Env {
            emu,
            dir: tempfile::tempdir().expect("temp dir"),
            sdk,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file into the temporary directory; returns its path.
    fn file(&self, name: &str, text: &str) -> String {
        common::write_file(self.dir.path(), name, text)
    }

    /// Runs ivsctl in the temporary directory, stdin not a terminal.
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        common::ivsctl_in(Some(self.dir.path()), &self.emu.endpoint(), args, None)
    }

    fn run_stdin(&self, args: &[&str], stdin: &str) -> (i32, String, String) {
        common::ivsctl_in(
            Some(self.dir.path()),
            &self.emu.endpoint(),
            args,
            Some(stdin),
        )
    }

    /// `apply -f FILE --auto-approve` (+ `extra`).
    fn apply(&self, file: &str, extra: &[&str]) -> (i32, String, String) {
        let mut args = vec!["apply", "-f", file, "--auto-approve"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// `apply`, which must succeed.
    fn apply_ok(&self, file: &str) -> String {
        let (code, out, err) = self.apply(file, &[]);
        assert_eq!(code, 0, "apply failed\nstdout:\n{out}\nstderr:\n{err}");
        out
    }

    /// `plan --detailed-exitcode`'s exit code (and output, for messages).
    fn plan_code(&self, file: &str) -> (i32, String, String) {
        self.run(&["plan", "-f", file, "--detailed-exitcode"])
    }

    fn assert_no_changes(&self, file: &str) {
        let (code, out, err) = self.plan_code(file);
        assert_eq!(
            code, 0,
            "the plan after apply is not empty (perpetual diff?)\nstdout:\n{out}\nstderr:\n{err}"
        );
        assert!(out.contains("No changes."), "{out}");
    }

    /// `plan --format json`, parsed.
    fn plan_json(&self, file: &str) -> Value {
        let (code, out, err) = self.run(&["plan", "-f", file, "--format", "json"]);
        assert_eq!(code, 0, "plan failed\nstdout:\n{out}\nstderr:\n{err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("plan json: {e}\n{out}"))
    }

    /// Every request in the log, in order.
    fn calls(&self) -> Vec<Call> {
        self.emu
            .requests()
            .into_iter()
            .map(|r| Call {
                seq: r.seq,
                op: r.operation,
                status: r.status,
                input: normalized(r.input),
            })
            .collect()
    }

    /// The write calls in the log, in order.
    fn writes(&self) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| WRITE_OPS.contains(&c.op.as_str()))
            .collect()
    }

    /// (operation, input) of the write calls, for exact comparisons.
    fn write_bodies(&self) -> Vec<(String, Value)> {
        self.writes().into_iter().map(|c| (c.op, c.input)).collect()
    }

    fn assert_no_writes(&self, context: &str) {
        let w = self.writes();
        assert!(
            w.is_empty(),
            "{context}: expected no write call, got {w:#?}"
        );
    }

    /// Counts of the write operations (every one of them, zeros included).
    fn write_counts(&self) -> BTreeMap<&'static str, usize> {
        let calls = self.calls();
        WRITE_OPS
            .iter()
            .map(|op| (*op, calls.iter().filter(|c| c.op == *op).count()))
            .collect()
    }

    fn count(&self, op: &str) -> usize {
        self.calls().iter().filter(|c| c.op == op).count()
    }

    /// Runs an SDK future, retrying until it succeeds (injected faults apply
    /// nothing, and these are reads or idempotent set-up calls).
    fn sdk_retry<T, E: std::fmt::Debug, F: Future<Output = Result<T, E>>>(
        &self,
        mut call: impl FnMut() -> F,
    ) -> T {
        let mut last = None;
        for _ in 0..500 {
            match self.emu.block_on(call()) {
                Ok(v) => return v,
                Err(e) => last = Some(e),
            }
        }
        panic!("SDK call kept failing: {last:?}")
    }

    /// Every live room, in full (GetRoom), with tags.
    fn rooms(&self) -> Vec<LiveRoom> {
        let list = self.sdk_retry(|| self.sdk.list_rooms().max_results(50).send());
        assert!(list.next_token().is_none(), "tests stay under one page");
        list.rooms()
            .iter()
            .map(|s| {
                let arn = s.arn().unwrap_or_default().to_string();
                let r = self.sdk_retry(|| self.sdk.get_room().identifier(&arn).send());
                LiveRoom {
                    arn: arn.clone(),
                    name: r.name().unwrap_or_default().to_string(),
                    len: r.maximum_message_length().unwrap_or(-1),
                    rate: r.maximum_message_rate_per_second().unwrap_or(-1),
                    handler: r.message_review_handler().map(|h| {
                        (
                            h.uri().unwrap_or_default().to_string(),
                            h.fallback_result()
                                .map(|f| f.as_str().to_string())
                                .unwrap_or_default(),
                        )
                    }),
                    logging: r
                        .logging_configuration_identifiers()
                        .iter()
                        .cloned()
                        .collect(),
                    tags: r
                        .tags()
                        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                        .unwrap_or_default(),
                }
            })
            .collect()
    }

    /// Every live logging configuration, with tags.
    fn logging_configurations(&self) -> Vec<LiveLc> {
        let list = self.sdk_retry(|| self.sdk.list_logging_configurations().send());
        assert!(list.next_token().is_none(), "tests stay under one page");
        list.logging_configurations()
            .iter()
            .map(|s| LiveLc {
                arn: s.arn().unwrap_or_default().to_string(),
                name: s.name().unwrap_or_default().to_string(),
                destination: destination_json(s.destination_configuration()),
                state: s
                    .state()
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_default(),
                tags: s
                    .tags()
                    .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// ARNs of the resources stack `stack` owns, by address.
    fn owned(&self, stack: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for r in self.rooms() {
            if r.tags.get("ivsctl:stack").map(String::as_str) == Some(stack) {
                let key = format!("rooms.{}", r.tags["ivsctl:key"]);
                assert!(out.insert(key.clone(), r.arn).is_none(), "two {key}");
            }
        }
        for l in self.logging_configurations() {
            if l.tags.get("ivsctl:stack").map(String::as_str) == Some(stack) {
                let key = format!("loggingConfigurations.{}", l.tags["ivsctl:key"]);
                assert!(out.insert(key.clone(), l.arn).is_none(), "two {key}");
            }
        }
        out
    }

    /// An unmanaged room made with the SDK.
    fn sdk_room(&self, name: &str, tags: &[(&str, &str)]) -> String {
        let mut req = self.sdk.create_room().name(name);
        for (k, v) in tags {
            req = req.tags(*k, *v);
        }
        let out = self.emu.block_on(req.send()).expect("CreateRoom");
        out.arn().unwrap().to_string()
    }

    /// An unmanaged S3 logging configuration made with the SDK.
    fn sdk_lc(&self, name: &str, tags: &[(&str, &str)]) -> String {
        let mut req = self
            .sdk
            .create_logging_configuration()
            .name(name)
            .destination_configuration(DestinationConfiguration::S3(
                S3DestinationConfiguration::builder()
                    .bucket_name("unmanaged-bucket")
                    .build()
                    .unwrap(),
            ));
        for (k, v) in tags {
            req = req.tags(*k, *v);
        }
        let out = self
            .emu
            .block_on(req.send())
            .expect("CreateLoggingConfiguration");
        out.arn().unwrap().to_string()
    }

    fn sdk_tag(&self, arn: &str, tags: &[(&str, &str)]) {
        let mut req = self.sdk.tag_resource().resource_arn(arn);
        for (k, v) in tags {
            req = req.tags(*k, *v);
        }
        self.emu.block_on(req.send()).expect("TagResource");
    }
}

#[derive(Debug, Clone, PartialEq)]
struct LiveRoom {
    arn: String,
    name: String,
    len: i32,
    rate: i32,
    handler: Option<(String, String)>,
    logging: BTreeSet<String>,
    tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
struct LiveLc {
    arn: String,
    name: String,
    destination: Value,
    state: String,
    tags: BTreeMap<String, String>,
}

fn destination_json(d: Option<&DestinationConfiguration>) -> Value {
    match d {
        Some(DestinationConfiguration::S3(s)) => json!({"s3": {"bucketName": s.bucket_name()}}),
        Some(DestinationConfiguration::CloudWatchLogs(c)) => {
            json!({"cloudWatchLogs": {"logGroupName": c.log_group_name()}})
        }
        Some(DestinationConfiguration::Firehose(f)) => {
            json!({"firehose": {"deliveryStreamName": f.delivery_stream_name()}})
        }
        other => panic!("unexpected destination {other:?}"),
    }
}

/// Sorts the members that are sets (logging-configuration lists, untagged
/// keys), so bodies compare independently of the order ivsctl chose.
fn normalized(mut input: Value) -> Value {
    if let Some(obj) = input.as_object_mut() {
        for key in ["loggingConfigurationIdentifiers", "tagKeys"] {
            if let Some(Value::Array(a)) = obj.get_mut(key) {
                a.sort_by_key(|v| v.to_string());
            }
        }
    }
    input
}

fn tags_of(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn owner_tags(stack: &str, key: &str) -> Value {
    json!({"ivsctl:stack": stack, "ivsctl:key": key})
}

/// Merges JSON objects (later wins).
fn merged(parts: &[Value]) -> Value {
    let mut out = serde_json::Map::new();
    for p in parts {
        for (k, v) in p.as_object().expect("object") {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn write_ops_of(calls: &[Call]) -> Vec<&Call> {
    calls
        .iter()
        .filter(|c| WRITE_OPS.contains(&c.op.as_str()))
        .collect()
}

/// Compares write calls as a multiset: independent resources are written
/// concurrently, in no fixed order.
fn assert_unordered(got: Vec<(String, Value)>, want: Vec<(String, Value)>) {
    let key = |(op, v): &(String, Value)| format!("{op}{v}");
    let (mut g, mut w) = (got, want);
    g.sort_by_key(key);
    w.sort_by_key(key);
    assert_eq!(g, w);
}

/// The index of the first call matching `f` in `calls` (panics if none).
fn position(calls: &[Call], what: &str, f: impl Fn(&Call) -> bool) -> usize {
    calls
        .iter()
        .position(f)
        .unwrap_or_else(|| panic!("no {what} in the request log: {calls:#?}"))
}

// ---------------------------------------------------------------------------
// Minimal calls: create, each single-field update, tags, steady state, delete
// ---------------------------------------------------------------------------

const CREATE_MANIFEST: &str = r#"version: 1
stack: mk
tags:
  team: video
loggingConfigurations:
  archive:
    name: chat-archive
    destination:
      s3:
        bucketName: chat-logs
    tags:
      cost-center: "42"
rooms:
  lobby:
    name: the-lobby
    maximumMessageLength: 300
    maximumMessageRatePerSecond: 20
    messageReviewHandler:
      uri: arn:aws:lambda:us-east-1:123456789012:function:review
      fallbackResult: DENY
    loggingConfigurations: [archive]
    tags:
      env: prod
    protect: true
  plain: {}
"#;

#[test]
fn create_is_one_create_call_per_resource_carrying_its_tags() {
    let env = Env::new();
    let file = env.file("m.yaml", CREATE_MANIFEST);
    env.apply_ok(&file);

    let counts = env.write_counts();
    assert_eq!(
        counts,
        BTreeMap::from([
            ("CreateRoom", 2),
            ("UpdateRoom", 0),
            ("DeleteRoom", 0),
            ("CreateLoggingConfiguration", 1),
            ("UpdateLoggingConfiguration", 0),
            ("DeleteLoggingConfiguration", 0),
            ("TagResource", 0),
            ("UntagResource", 0),
        ]),
        "{:#?}",
        env.writes()
    );
    let arns = env.owned("mk");
    let archive = &arns["loggingConfigurations.archive"];
    let calls = env.calls();
    let body = |op: &str, name: &str| {
        calls
            .iter()
            .find(|c| c.op == op && c.input["name"] == name)
            .unwrap_or_else(|| panic!("no {op} for {name}: {calls:#?}"))
            .input
            .clone()
    };
    assert_eq!(
        body("CreateLoggingConfiguration", "chat-archive"),
        json!({
            "name": "chat-archive",
            "destinationConfiguration": {"s3": {"bucketName": "chat-logs"}},
            "tags": merged(&[owner_tags("mk", "archive"), json!({"team": "video", "cost-center": "42"})]),
        })
    );
    assert_eq!(
        body("CreateRoom", "the-lobby"),
        json!({
            "name": "the-lobby",
            "maximumMessageLength": 300,
            "maximumMessageRatePerSecond": 20,
            "messageReviewHandler": {"uri": LAMBDA, "fallbackResult": "DENY"},
            "loggingConfigurationIdentifiers": [archive],
            "tags": merged(&[
                owner_tags("mk", "lobby"),
                json!({"team": "video", "env": "prod", "ivsctl:protect": "true"}),
            ]),
        })
    );
    // Defaults are written explicitly; no handler and no list when unset.
    assert_eq!(
        body("CreateRoom", "plain"),
        json!({
            "name": "plain",
            "maximumMessageLength": 500,
            "maximumMessageRatePerSecond": 10,
            "tags": merged(&[owner_tags("mk", "plain"), json!({"team": "video"})]),
        })
    );
    // The room that references the new configuration is created after the
    // configuration was created and seen ACTIVE; nothing failed.
    let create_lc = position(&calls, "CreateLoggingConfiguration", |c| {
        c.op == "CreateLoggingConfiguration"
    });
    let poll = position(&calls, "GetLoggingConfiguration", |c| {
        c.op == "GetLoggingConfiguration"
    });
    let lobby = position(&calls, "CreateRoom the-lobby", |c| {
        c.op == "CreateRoom" && c.input["name"] == "the-lobby"
    });
    assert!(create_lc < poll && poll < lobby, "{calls:#?}");
    assert!(calls.iter().all(|c| c.status < 300), "{calls:#?}");

    env.assert_no_changes(&file);
}

/// The manifest of the update sequence: room `r` and logging
/// configurations `a` and `b` (bodies given as YAML), plus stack tags.
fn upd_manifest(stack_tags: &str, a: &str, room: &str) -> String {
    format!(
        "version: 1\nstack: upd\n{stack_tags}loggingConfigurations:\n  a:\n{a}  b:\n    destination:\n      cloudWatchLogs:\n        logGroupName: group-b\nrooms:\n  r:\n{room}"
    )
}

const A_S3: &str = "    destination:\n      s3:\n        bucketName: bucket-a\n";

#[test]
fn each_single_change_makes_only_the_calls_it_needs_with_only_the_changed_fields() {
    let env = Env::new();
    let file = env.path("m.yaml").to_string_lossy().into_owned();
    let seed = "    name: r\n    loggingConfigurations: [a]\n    tags: {env: dev, keep: \"1\"}\n";
    env.file("m.yaml", &upd_manifest("", A_S3, seed));
    env.apply_ok(&file);
    let arns = env.owned("upd");
    let (room, a, b) = (
        arns["rooms.r"].clone(),
        arns["loggingConfigurations.a"].clone(),
        arns["loggingConfigurations.b"].clone(),
    );
    let up = |fields: Value| {
        (
            "UpdateRoom".to_string(),
            normalized(merged(&[json!({"identifier": room}), fields])),
        )
    };
    let tag = |arn: &str, tags: Value| {
        (
            "TagResource".to_string(),
            json!({"resourceArn": arn, "tags": tags}),
        )
    };
    let untag = |arn: &str, keys: Value| {
        (
            "UntagResource".to_string(),
            json!({"resourceArn": arn, "tagKeys": keys}),
        )
    };
    let room_tags = "    tags: {env: dev, keep: \"1\"}\n";

    // (what, stack tags, body of `a`, body of `r`, the expected write calls)
    type Step<'s> = (&'s str, &'s str, String, String, Vec<(String, Value)>);
    let steps: Vec<Step> = vec![
        (
            "name",
            "",
            A_S3.into(),
            format!("    name: r2\n    loggingConfigurations: [a]\n{room_tags}"),
            vec![up(json!({"name": "r2"}))],
        ),
        (
            "maximumMessageLength",
            "",
            A_S3.into(),
            format!("    name: r2\n    maximumMessageLength: 321\n    loggingConfigurations: [a]\n{room_tags}"),
            vec![up(json!({"maximumMessageLength": 321}))],
        ),
        (
            "maximumMessageRatePerSecond",
            "",
            A_S3.into(),
            format!("    name: r2\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 42\n    loggingConfigurations: [a]\n{room_tags}"),
            vec![up(json!({"maximumMessageRatePerSecond": 42}))],
        ),
        (
            "handler added (fallbackResult defaults to ALLOW)",
            "",
            A_S3.into(),
            format!("    name: r2\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 42\n    messageReviewHandler: {{uri: \"{LAMBDA}\"}}\n    loggingConfigurations: [a]\n{room_tags}"),
            vec![up(json!({"messageReviewHandler": {"uri": LAMBDA, "fallbackResult": "ALLOW"}}))],
        ),
        (
            "handler fallbackResult",
            "",
            A_S3.into(),
            format!("    name: r2\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 42\n    messageReviewHandler: {{uri: \"{LAMBDA}\", fallbackResult: DENY}}\n    loggingConfigurations: [a]\n{room_tags}"),
            vec![up(json!({"messageReviewHandler": {"uri": LAMBDA, "fallbackResult": "DENY"}}))],
        ),
        (
            "handler uri",
            "",
            A_S3.into(),
            format!("    name: r2\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 42\n    messageReviewHandler: {{uri: \"{LAMBDA_2}\", fallbackResult: DENY}}\n    loggingConfigurations: [a]\n{room_tags}"),
            vec![up(json!({"messageReviewHandler": {"uri": LAMBDA_2, "fallbackResult": "DENY"}}))],
        ),
        (
            "handler removed",
            "",
            A_S3.into(),
            format!("    name: r2\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 42\n    loggingConfigurations: [a]\n{room_tags}"),
            vec![up(json!({"messageReviewHandler": {"uri": ""}}))],
        ),
        (
            "logging list grows",
            "",
            A_S3.into(),
            format!("    name: r2\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 42\n    loggingConfigurations: [b, a]\n{room_tags}"),
            vec![up(json!({"loggingConfigurationIdentifiers": [a, b]}))],
        ),
        (
            "logging list emptied with []",
            "",
            A_S3.into(),
            format!("    name: r2\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 42\n    loggingConfigurations: []\n{room_tags}"),
            vec![up(json!({"loggingConfigurationIdentifiers": []}))],
        ),
        (
            "logging list set again",
            "",
            A_S3.into(),
            format!("    name: r2\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 42\n    loggingConfigurations: [b]\n{room_tags}"),
            vec![up(json!({"loggingConfigurationIdentifiers": [b]}))],
        ),
        (
            "logging list removed from the manifest",
            "",
            A_S3.into(),
            format!("    name: r2\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 42\n{room_tags}"),
            vec![up(json!({"loggingConfigurationIdentifiers": []}))],
        ),
        (
            "tags only: one changed, one added, one removed",
            "",
            A_S3.into(),
            "    name: r2\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 42\n    tags: {env: prod, \"new key\": \"a/b\"}\n".into(),
            vec![
                untag(&room, json!(["keep"])),
                tag(&room, json!({"env": "prod", "new key": "a/b"})),
            ],
        ),
        (
            "a field and a tag",
            "",
            A_S3.into(),
            "    name: r2\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 43\n    tags: {env: prod2, \"new key\": \"a/b\"}\n".into(),
            vec![
                up(json!({"maximumMessageRatePerSecond": 43})),
                tag(&room, json!({"env": "prod2"})),
            ],
        ),
        (
            "a field, a removed tag and an added tag",
            "",
            A_S3.into(),
            "    name: r3\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 43\n    tags: {env: prod2, other: x}\n".into(),
            vec![
                up(json!({"name": "r3"})),
                untag(&room, json!(["new key"])),
                tag(&room, json!({"other": "x"})),
            ],
        ),
        (
            "logging configuration name",
            "",
            format!("    name: renamed-a\n{A_S3}"),
            "    name: r3\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 43\n    tags: {env: prod2, other: x}\n".into(),
            vec![(
                "UpdateLoggingConfiguration".into(),
                json!({"identifier": a, "name": "renamed-a"}),
            )],
        ),
        (
            "logging configuration destination",
            "",
            "    name: renamed-a\n    destination:\n      firehose:\n        deliveryStreamName: stream-a\n".into(),
            "    name: r3\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 43\n    tags: {env: prod2, other: x}\n".into(),
            vec![(
                "UpdateLoggingConfiguration".into(),
                json!({"identifier": a, "destinationConfiguration": {"firehose": {"deliveryStreamName": "stream-a"}}}),
            )],
        ),
        (
            "logging configuration tags only",
            "",
            "    name: renamed-a\n    destination:\n      firehose:\n        deliveryStreamName: stream-a\n    tags: {dept: chat}\n".into(),
            "    name: r3\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 43\n    tags: {env: prod2, other: x}\n".into(),
            vec![tag(&a, json!({"dept": "chat"}))],
        ),
        (
            "stack tags reach every resource",
            "tags: {team: video}\n",
            "    name: renamed-a\n    destination:\n      firehose:\n        deliveryStreamName: stream-a\n    tags: {dept: chat}\n".into(),
            "    name: r3\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 43\n    tags: {env: prod2, other: x}\n".into(),
            vec![
                tag(&a, json!({"team": "video"})),
                tag(&b, json!({"team": "video"})),
                tag(&room, json!({"team": "video"})),
            ],
        ),
        (
            "protect: true writes ivsctl:protect=true",
            "tags: {team: video}\n",
            "    name: renamed-a\n    destination:\n      firehose:\n        deliveryStreamName: stream-a\n    tags: {dept: chat}\n".into(),
            "    name: r3\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 43\n    tags: {env: prod2, other: x}\n    protect: true\n".into(),
            vec![tag(&room, json!({"ivsctl:protect": "true"}))],
        ),
        (
            "protect removed removes the tag",
            "tags: {team: video}\n",
            "    name: renamed-a\n    destination:\n      firehose:\n        deliveryStreamName: stream-a\n    tags: {dept: chat}\n".into(),
            "    name: r3\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 43\n    tags: {env: prod2, other: x}\n".into(),
            vec![untag(&room, json!(["ivsctl:protect"]))],
        ),
        (
            "steady state",
            "tags: {team: video}\n",
            "    name: renamed-a\n    destination:\n      firehose:\n        deliveryStreamName: stream-a\n    tags: {dept: chat}\n".into(),
            "    name: r3\n    maximumMessageLength: 321\n    maximumMessageRatePerSecond: 43\n    tags: {env: prod2, other: x}\n".into(),
            vec![],
        ),
    ];

    for (what, stack_tags, a_body, room_body, expected) in steps {
        env.file("m.yaml", &upd_manifest(stack_tags, &a_body, &room_body));
        env.emu.clear_requests();
        let out = env.apply_ok(&file);
        let mut got = env.write_bodies();
        let mut want = expected.clone();
        // Independent resources are written concurrently: compare tag calls
        // of different resources as a set, but keep each resource's order.
        if what.starts_with("stack tags") {
            got.sort_by_key(|(_, v)| v.to_string());
            want.sort_by_key(|(_, v)| v.to_string());
        }
        assert_eq!(got, want, "step `{what}`: write calls\n{out}");
        // No room write waited for a logging configuration here.
        assert_eq!(env.count("GetLoggingConfiguration"), 0, "step `{what}`");
        if expected.is_empty() {
            assert!(out.contains("No changes."), "step `{what}`: {out}");
        }
        env.assert_no_changes(&file);
    }

    // Live state is exactly the last manifest.
    let live = env.rooms();
    assert_eq!(live.len(), 1);
    let r = &live[0];
    assert_eq!(
        (r.name.as_str(), r.len, r.rate, &r.handler, r.logging.len()),
        ("r3", 321, 43, &None, 0)
    );
    assert_eq!(
        r.tags,
        tags_of(&[
            ("ivsctl:stack", "upd"),
            ("ivsctl:key", "r"),
            ("env", "prod2"),
            ("other", "x"),
            ("team", "video"),
        ])
    );
}

#[test]
fn a_room_update_waits_for_the_logging_configuration_update_it_needs() {
    let env = Env::new();
    let seed = "    loggingConfigurations: [b]\n";
    let file = env.file("m.yaml", &upd_manifest("", A_S3, seed));
    env.apply_ok(&file);
    let arns = env.owned("upd");
    let (room, a) = (&arns["rooms.r"], &arns["loggingConfigurations.a"]);

    // `a` changes its destination and `r` starts using it.
    let a2 = "    destination:\n      s3:\n        bucketName: bucket-a2\n";
    env.file(
        "m.yaml",
        &upd_manifest("", a2, "    loggingConfigurations: [a]\n"),
    );
    env.emu.clear_requests();
    env.apply_ok(&file);
    assert_eq!(
        env.write_bodies(),
        vec![
            (
                "UpdateLoggingConfiguration".to_string(),
                json!({"identifier": a, "destinationConfiguration": {"s3": {"bucketName": "bucket-a2"}}}),
            ),
            (
                "UpdateRoom".to_string(),
                json!({"identifier": room, "loggingConfigurationIdentifiers": [a]}),
            ),
        ]
    );
    let calls = env.calls();
    let update = position(&calls, "UpdateLoggingConfiguration", |c| {
        c.op == "UpdateLoggingConfiguration"
    });
    let poll = position(&calls, "GetLoggingConfiguration", |c| {
        c.op == "GetLoggingConfiguration"
    });
    let room_update = position(&calls, "UpdateRoom", |c| c.op == "UpdateRoom");
    assert!(update < poll && poll < room_update, "{calls:#?}");
    env.assert_no_changes(&file);
}

#[test]
fn deletes_are_one_call_each_and_rooms_stop_referencing_before_the_configuration_goes() {
    let env = Env::new();
    let file = env.file(
        "m.yaml",
        "version: 1\nstack: del\nloggingConfigurations:\n  old:\n    destination:\n      s3:\n        bucketName: old-logs\n  kept:\n    destination:\n      s3:\n        bucketName: kept-logs\nrooms:\n  keep:\n    loggingConfigurations: [old]\n  gone:\n    loggingConfigurations: [old, kept]\n",
    );
    env.apply_ok(&file);
    let arns = env.owned("del");

    // Remove the room `gone` and the configuration `old`; `keep` moves to `kept`.
    env.file(
        "m.yaml",
        "version: 1\nstack: del\nloggingConfigurations:\n  kept:\n    destination:\n      s3:\n        bucketName: kept-logs\nrooms:\n  keep:\n    loggingConfigurations: [kept]\n",
    );
    env.emu.clear_requests();
    env.apply_ok(&file);
    let calls = env.calls();
    let writes: Vec<(String, Value)> = write_ops_of(&calls)
        .into_iter()
        .map(|c| (c.op.clone(), c.input.clone()))
        .collect();
    assert_unordered(
        writes,
        vec![
            (
                "DeleteLoggingConfiguration".to_string(),
                json!({"identifier": arns["loggingConfigurations.old"]}),
            ),
            (
                "DeleteRoom".to_string(),
                json!({"identifier": arns["rooms.gone"]}),
            ),
            (
                "UpdateRoom".to_string(),
                json!({"identifier": arns["rooms.keep"], "loggingConfigurationIdentifiers": [arns["loggingConfigurations.kept"]]}),
            ),
        ],
    );
    let delete_lc = position(&calls, "DeleteLoggingConfiguration", |c| {
        c.op == "DeleteLoggingConfiguration"
    });
    let delete_room = position(&calls, "DeleteRoom", |c| c.op == "DeleteRoom");
    let update_room = position(&calls, "UpdateRoom", |c| c.op == "UpdateRoom");
    assert!(
        delete_room < delete_lc && update_room < delete_lc,
        "{calls:#?}"
    );
    assert!(calls.iter().all(|c| c.status < 300), "no 409: {calls:#?}");
    assert_eq!(env.count("GetLoggingConfiguration"), 0);
    env.assert_no_changes(&file);
}

// ---------------------------------------------------------------------------
// No perpetual diffs
// ---------------------------------------------------------------------------

#[test]
fn apply_then_plan_shows_no_changes_for_every_field_of_both_types() {
    let env = Env::new();
    // A configuration outside the stack, referenced by ARN.
    let external = env.sdk_lc("external", &[("owner", "someone-else")]);
    let file = env.file(
        "every.yaml",
        &format!(
            r#"version: 1
stack: every-field
region: us-east-1
tags:
  team: video
  "cost center": "4 2"
  "org/unit": "a/b"
loggingConfigurations:
  s3logs:
    name: s3-logs-name
    destination:
      s3:
        bucketName: my-chat-logs
    tags:
      "with space": "v 1"
      "path/like": "p/q"
    protect: true
  cwlogs:
    destination:
      cloudWatchLogs:
        logGroupName: /ivs/chat/cw
  firehose:
    name: fh
    destination:
      firehose:
        deliveryStreamName: fh-stream
    tags:
      team: resource-wins
    protect: false
rooms:
  full:
    name: full-room
    maximumMessageLength: 123
    maximumMessageRatePerSecond: 77
    messageReviewHandler:
      uri: {LAMBDA}
      fallbackResult: DENY
    loggingConfigurations: [s3logs, cwlogs, firehose]
    tags:
      "env name": "prod/eu"
      "x/y z": ""
    protect: true
  allow-handler:
    maximumMessageLength: 1
    maximumMessageRatePerSecond: 100
    messageReviewHandler:
      uri: {LAMBDA_2}
    loggingConfigurations: ["{external}"]
  mixed-refs:
    name: ""
    loggingConfigurations: [cwlogs, "{external}"]
    protect: false
  bare: {{}}
"#
        ),
    );
    let (code, out, err) = env.run(&["validate", "-f", &file]);
    assert_eq!(code, 0, "{out}{err}");
    env.apply_ok(&file);
    env.assert_no_changes(&file);

    // And live is what the manifest says, field by field.
    let arns = env.owned("every-field");
    assert_eq!(arns.len(), 7, "{arns:#?}");
    let rooms: BTreeMap<String, LiveRoom> = env
        .rooms()
        .into_iter()
        .filter_map(|r| Some((r.tags.get("ivsctl:key")?.clone(), r)))
        .collect();
    let full = &rooms["full"];
    assert_eq!(
        (full.name.as_str(), full.len, full.rate),
        ("full-room", 123, 77)
    );
    assert_eq!(full.handler, Some((LAMBDA.to_string(), "DENY".to_string())));
    assert_eq!(
        full.logging,
        BTreeSet::from([
            arns["loggingConfigurations.s3logs"].clone(),
            arns["loggingConfigurations.cwlogs"].clone(),
            arns["loggingConfigurations.firehose"].clone(),
        ])
    );
    assert_eq!(
        full.tags,
        tags_of(&[
            ("ivsctl:stack", "every-field"),
            ("ivsctl:key", "full"),
            ("ivsctl:protect", "true"),
            ("team", "video"),
            ("cost center", "4 2"),
            ("org/unit", "a/b"),
            ("env name", "prod/eu"),
            ("x/y z", ""),
        ])
    );
    let allow = &rooms["allow-handler"];
    assert_eq!(
        (allow.name.as_str(), allow.len, allow.rate),
        ("allow-handler", 1, 100)
    );
    assert_eq!(
        allow.handler,
        Some((LAMBDA_2.to_string(), "ALLOW".to_string()))
    );
    assert_eq!(allow.logging, BTreeSet::from([external.clone()]));
    assert!(!allow.tags.contains_key("ivsctl:protect"));
    assert_eq!(rooms["mixed-refs"].logging.len(), 2);
    let bare = &rooms["bare"];
    assert_eq!(
        (bare.name.as_str(), bare.len, bare.rate, &bare.handler),
        ("bare", 500, 10, &None)
    );
    assert!(bare.logging.is_empty());
    let lcs: BTreeMap<String, LiveLc> = env
        .logging_configurations()
        .into_iter()
        .filter_map(|l| Some((l.tags.get("ivsctl:key")?.clone(), l)))
        .collect();
    assert_eq!(lcs["s3logs"].name, "s3-logs-name");
    assert_eq!(lcs["s3logs"].tags["ivsctl:protect"], "true");
    assert_eq!(lcs["s3logs"].tags["with space"], "v 1");
    assert_eq!(lcs["s3logs"].tags["path/like"], "p/q");
    assert_eq!(lcs["cwlogs"].name, "cwlogs");
    assert_eq!(
        lcs["cwlogs"].destination,
        json!({"cloudWatchLogs": {"logGroupName": "/ivs/chat/cw"}})
    );
    assert_eq!(
        lcs["firehose"].destination,
        json!({"firehose": {"deliveryStreamName": "fh-stream"}})
    );
    assert_eq!(lcs["firehose"].tags["team"], "resource-wins");
    // The external configuration was not touched.
    let ext = env
        .logging_configurations()
        .into_iter()
        .find(|l| l.arn == external)
        .unwrap();
    assert_eq!(ext.tags, tags_of(&[("owner", "someone-else")]));

    // A second apply writes nothing.
    env.emu.clear_requests();
    let out = env.apply_ok(&file);
    env.assert_no_writes("steady state");
    assert!(out.contains("No changes."), "{out}");
}

// ---------------------------------------------------------------------------
// Failures: injected faults, a logging configuration that never becomes ACTIVE
// ---------------------------------------------------------------------------

/// The share of API requests the emulator answers with an injected 500 or
/// 429 (applying nothing). At 0.8, ivsctl's 8 attempts per read leave
/// 0.8^8 = 17% of reads failing, so a discovery of a dozen resources rarely
/// succeeds and 15 applies often do not converge; at 0.7 they take 6 to 9
/// (observed), and every create still fails more often than not.
const FAULT_RATE: f64 = 0.7;
/// Applies before giving up on convergence.
const MAX_ATTEMPTS: usize = 20;

const FAULT_MANIFEST: &str = r#"version: 1
stack: flaky
tags:
  team: video
loggingConfigurations:
  one:
    destination:
      s3:
        bucketName: flaky-one
  two:
    destination:
      cloudWatchLogs:
        logGroupName: flaky-two
  three:
    destination:
      firehose:
        deliveryStreamName: flaky-three
rooms:
  a:
    maximumMessageLength: 100
    loggingConfigurations: [one]
  b:
    messageReviewHandler:
      uri: arn:aws:lambda:us-east-1:123456789012:function:review
      fallbackResult: DENY
    loggingConfigurations: [one, two]
  c:
    maximumMessageRatePerSecond: 3
    tags:
      env: prod
  d: {}
  e:
    loggingConfigurations: [three]
  f:
    maximumMessageRatePerSecond: 99
  g:
    maximumMessageLength: 7
"#;

/// Panics if two live resources claim the same stack and key.
fn assert_no_duplicates(env: &Env, attempt: usize) {
    let mut seen = BTreeSet::new();
    for r in env.rooms() {
        if let (Some(s), Some(k)) = (r.tags.get("ivsctl:stack"), r.tags.get("ivsctl:key")) {
            assert!(
                seen.insert(("room", s.clone(), k.clone())),
                "attempt {attempt}: duplicate room {s}/{k}"
            );
        }
    }
    for l in env.logging_configurations() {
        if let (Some(s), Some(k)) = (l.tags.get("ivsctl:stack"), l.tags.get("ivsctl:key")) {
            assert!(
                seen.insert(("lc", s.clone(), k.clone())),
                "attempt {attempt}: duplicate logging configuration {s}/{k}"
            );
        }
    }
}

#[test]
fn with_injected_faults_apply_reports_failures_and_repeated_applies_converge_without_duplicates() {
    let env = Env::with(EmulatorConfig {
        fault_rate: FAULT_RATE,
        seed: Some(7),
        ..EmulatorConfig::default()
    });
    let file = env.file("m.yaml", FAULT_MANIFEST);
    let mut reports_with_failures = 0;
    let mut converged = false;
    for attempt in 1..=MAX_ATTEMPTS {
        let started = Instant::now();
        let (code, out, err) = env.apply(&file, &["--format", "json"]);
        eprintln!(
            "attempt {attempt}: exit {code} after {:?}; stderr:\n{err}",
            started.elapsed()
        );
        assert_no_duplicates(&env, attempt);
        if code == 0 {
            let doc: Value = serde_json::from_str(&out)
                .unwrap_or_else(|e| panic!("attempt {attempt}: {e}\n{out}"));
            assert_eq!(doc["summary"]["failed"], 0, "{out}");
            assert_eq!(doc["summary"]["skipped"], 0, "{out}");
            converged = true;
            break;
        }
        assert_eq!(code, 1, "attempt {attempt}: {out}{err}");
        if out.trim().is_empty() {
            // Discovery itself gave up (the SDK's retries ran out): an error
            // on stderr, no report.
            assert!(err.contains("failed"), "attempt {attempt}: {err}");
            continue;
        }
        // The report: one JSON document, listing every failed and skipped action.
        let doc: Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("attempt {attempt}: {e}\n{out}"));
        let results = doc["results"].as_array().expect("results");
        let status = |s: &str| results.iter().filter(|r| r["status"] == s).count();
        assert_eq!(doc["summary"]["done"], status("done"), "{out}");
        assert_eq!(doc["summary"]["failed"], status("failed"), "{out}");
        assert_eq!(doc["summary"]["skipped"], status("skipped"), "{out}");
        assert!(
            status("failed") + status("skipped") > 0,
            "attempt {attempt}: exit 1 without a failed or skipped action\n{out}"
        );
        for r in results {
            match r["status"].as_str() {
                Some("failed") => assert!(r["error"].as_str().is_some_and(|e| !e.is_empty())),
                Some("skipped") => assert!(r["reason"].as_str().is_some_and(|e| !e.is_empty())),
                Some("done") => {}
                other => panic!("status {other:?} in {out}"),
            }
        }
        // Whatever depends on a failed logging-configuration create is skipped.
        let plan = &doc["plan"]["resource_changes"];
        for failed in results.iter().filter(|r| {
            r["status"] == "failed"
                && r["action"] == "create"
                && r["type"] == "loggingConfiguration"
        }) {
            let address = failed["address"].as_str().unwrap();
            for change in plan.as_array().unwrap() {
                let refs = change["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["field"] == "loggingConfigurations")
                    .map(|c| c["after"].to_string())
                    .unwrap_or_default();
                if change["type"] == "room" && refs.contains(address) {
                    let entry = results
                        .iter()
                        .find(|r| r["address"] == change["address"])
                        .unwrap();
                    assert_eq!(entry["status"], "skipped", "{out}");
                    assert!(entry["reason"].as_str().unwrap().contains(address), "{out}");
                }
            }
        }
        if status("failed") > 0 {
            reports_with_failures += 1;
        }
    }
    assert!(
        converged,
        "apply did not converge in {MAX_ATTEMPTS} attempts"
    );
    assert!(
        reports_with_failures > 0,
        "no attempt reported a failed action at fault rate {FAULT_RATE}"
    );

    // Live == manifest.
    let arns = env.owned("flaky");
    assert_eq!(arns.len(), 10, "{arns:#?}");
    let lcs: BTreeMap<String, LiveLc> = env
        .logging_configurations()
        .into_iter()
        .map(|l| (l.tags["ivsctl:key"].clone(), l))
        .collect();
    assert_eq!(
        lcs["one"].destination,
        json!({"s3": {"bucketName": "flaky-one"}})
    );
    assert_eq!(
        lcs["two"].destination,
        json!({"cloudWatchLogs": {"logGroupName": "flaky-two"}})
    );
    assert_eq!(
        lcs["three"].destination,
        json!({"firehose": {"deliveryStreamName": "flaky-three"}})
    );
    for (key, l) in &lcs {
        assert_eq!(l.name, *key);
        assert_eq!(
            l.tags,
            tags_of(&[
                ("ivsctl:stack", "flaky"),
                ("ivsctl:key", key),
                ("team", "video")
            ])
        );
    }
    let rooms: BTreeMap<String, LiveRoom> = env
        .rooms()
        .into_iter()
        .map(|r| (r.tags["ivsctl:key"].clone(), r))
        .collect();
    let one = &arns["loggingConfigurations.one"];
    let two = &arns["loggingConfigurations.two"];
    let expect = |key: &str,
                  len,
                  rate,
                  handler: Option<(&str, &str)>,
                  logging: &[&String],
                  extra: &[(&str, &str)]| {
        let r = &rooms[key];
        assert_eq!((r.name.as_str(), r.len, r.rate), (key, len, rate), "{r:?}");
        assert_eq!(
            r.handler,
            handler.map(|(u, f)| (u.to_string(), f.to_string())),
            "{r:?}"
        );
        assert_eq!(
            r.logging,
            logging
                .iter()
                .map(|s| s.to_string())
                .collect::<BTreeSet<_>>(),
            "{r:?}"
        );
        let mut tags = tags_of(&[
            ("ivsctl:stack", "flaky"),
            ("ivsctl:key", key),
            ("team", "video"),
        ]);
        tags.extend(tags_of(extra));
        assert_eq!(r.tags, tags);
    };
    expect("a", 100, 10, None, &[one], &[]);
    expect("b", 500, 10, Some((LAMBDA, "DENY")), &[one, two], &[]);
    expect("c", 500, 3, None, &[], &[("env", "prod")]);
    expect("d", 500, 10, None, &[], &[]);
    let three = &arns["loggingConfigurations.three"];
    expect("e", 500, 10, None, &[three], &[]);
    expect("f", 500, 99, None, &[], &[]);
    expect("g", 7, 10, None, &[], &[]);

    // And a plan (retried past injected faults) shows no changes.
    let mut planned = false;
    for _ in 0..15 {
        let (code, out, err) = env.plan_code(&file);
        if code == 1 {
            continue;
        }
        assert_eq!(code, 0, "{out}{err}");
        planned = true;
        break;
    }
    assert!(planned, "plan kept failing");
}

const WAIT_MANIFEST: &str = r#"version: 1
stack: wait
loggingConfigurations:
  slow:
    destination:
      s3:
        bucketName: slow-logs
rooms:
  needs:
    loggingConfigurations: [slow]
  free:
    maximumMessageLength: 42
"#;

#[test]
fn a_room_referencing_a_new_logging_configuration_is_created_once_it_is_active() {
    let env = Env::with(EmulatorConfig {
        logging_config_delay: Duration::from_millis(500),
        ..EmulatorConfig::default()
    });
    let file = env.file("m.yaml", WAIT_MANIFEST);
    env.apply_ok(&file);
    let calls = env.calls();
    assert!(
        calls.iter().all(|c| c.status != 409),
        "a room was created before its configuration was ACTIVE: {calls:#?}"
    );
    assert!(calls.iter().all(|c| c.status < 300), "{calls:#?}");
    let create_lc = position(&calls, "CreateLoggingConfiguration", |c| {
        c.op == "CreateLoggingConfiguration"
    });
    let needs = position(&calls, "CreateRoom needs", |c| {
        c.op == "CreateRoom" && c.input["name"] == "needs"
    });
    let polls: Vec<usize> = calls
        .iter()
        .enumerate()
        .filter(|(_, c)| c.op == "GetLoggingConfiguration")
        .map(|(i, _)| i)
        .collect();
    assert!(
        !polls.is_empty(),
        "no GetLoggingConfiguration poll: {calls:#?}"
    );
    assert!(
        polls.iter().all(|&p| create_lc < p && p < needs),
        "CreateLoggingConfiguration, then the polls, then CreateRoom: {calls:#?}"
    );
    let arn = &env.owned("wait")["loggingConfigurations.slow"];
    assert_eq!(
        calls[needs].input["loggingConfigurationIdentifiers"],
        json!([arn])
    );
    assert_eq!(env.write_counts()["CreateRoom"], 2);
    assert_eq!(env.write_counts()["CreateLoggingConfiguration"], 1);
    env.assert_no_changes(&file);
}

/// Applies WAIT_MANIFEST while the new logging configuration is held in
/// CREATING (a long emulator delay), then forces it to CREATE_FAILED once
/// ivsctl has created it and is waiting. Returns apply's (code, stdout,
/// stderr). Deterministic: the configuration cannot become ACTIVE first.
fn apply_with_failed_logging_configuration(
    env: &Env,
    file: &str,
    format: &str,
) -> (i32, String, String) {
    std::thread::scope(|scope| {
        let apply = scope.spawn(|| env.apply(file, &["--format", format]));
        let deadline = Instant::now() + Duration::from_secs(60);
        let created = loop {
            let done = env
                .calls()
                .into_iter()
                .any(|c| c.op == "CreateLoggingConfiguration" && c.status == 200);
            if done {
                break true;
            }
            if apply.is_finished() || Instant::now() > deadline {
                break false;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if created {
            let lc = env
                .logging_configurations()
                .into_iter()
                .find(|l| l.tags.get("ivsctl:key").map(String::as_str) == Some("slow"))
                .expect("the configuration was created");
            assert_eq!(lc.state, "CREATING");
            env.emu
                .set_logging_configuration_state(&lc.arn, "CREATE_FAILED")
                .expect("force CREATE_FAILED");
        }
        let result = apply.join().expect("apply thread");
        assert!(created, "apply never created the configuration: {result:?}");
        result
    })
}

fn long_delay_env() -> Env {
    Env::with(EmulatorConfig {
        logging_config_delay: Duration::from_secs(600),
        ..EmulatorConfig::default()
    })
}

#[test]
fn a_logging_configuration_that_fails_skips_the_rooms_that_need_it_and_apply_exits_1() {
    let env = long_delay_env();
    let file = env.file("m.yaml", WAIT_MANIFEST);
    let (code, out, err) = apply_with_failed_logging_configuration(&env, &file, "human");
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    // The report (stdout) names what was done, what failed and why, and
    // what was skipped and why.
    let line = |address: &str| {
        out.lines()
            .find(|l| l.contains(address) && !l.contains('#') && !l.contains('+'))
            .unwrap_or_else(|| panic!("no report line for {address}:\n{out}"))
            .to_string()
    };
    let slow = line("loggingConfigurations.slow:");
    assert!(
        slow.contains("failed") && slow.contains("CREATE_FAILED"),
        "{slow}"
    );
    let needs = line("rooms.needs:");
    assert!(
        needs.contains("skipped") && needs.contains("loggingConfigurations.slow"),
        "{needs}"
    );
    assert!(line("rooms.free:").contains("created"), "{out}");
    assert!(
        out.contains("1 failed") && out.contains("1 skipped"),
        "the report's totals: {out}"
    );
    // Independent work was not stopped; the dependent room was never attempted.
    let creates: Vec<Value> = env
        .calls()
        .into_iter()
        .filter(|c| c.op == "CreateRoom")
        .map(|c| c.input["name"].clone())
        .collect();
    assert_eq!(creates, vec![json!("free")]);
    let rooms = env.rooms();
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0].name, "free");
}

// ---------------------------------------------------------------------------
// Saved plans
// ---------------------------------------------------------------------------

const SAVED_BASE: &str = r#"version: 1
stack: saved
rooms:
  stays:
    maximumMessageRatePerSecond: 5
    tags: {env: dev}
  changes:
    maximumMessageRatePerSecond: 5
  goes: {}
"#;

const SAVED_NEXT: &str = r#"version: 1
stack: saved
loggingConfigurations:
  fresh:
    destination:
      s3:
        bucketName: fresh-logs
rooms:
  stays:
    maximumMessageRatePerSecond: 5
    tags: {env: dev}
  changes:
    maximumMessageRatePerSecond: 7
    loggingConfigurations: [fresh]
  added: {}
"#;

/// Seeds SAVED_BASE, then saves the plan to SAVED_NEXT as `p.json`.
/// Returns (manifest path, plan path, ARNs after seeding).
fn saved_plan_env(env: &Env) -> (String, String, BTreeMap<String, String>) {
    let file = env.file("m.yaml", SAVED_BASE);
    env.apply_ok(&file);
    let arns = env.owned("saved");
    env.file("m.yaml", SAVED_NEXT);
    let plan = env.path("p.json").to_string_lossy().into_owned();
    let (code, out, err) = env.run(&["plan", "-f", &file, "--out", &plan, "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}{err}");
    (file, plan, arns)
}

#[test]
fn a_saved_plan_is_applied_exactly_without_prompt_or_terminal() {
    let env = Env::new();
    let (file, plan, arns) = saved_plan_env(&env);
    // The manifest moves on after the plan was saved: the saved plan, not
    // the manifest, is what gets applied.
    env.file(
        "m.yaml",
        &SAVED_NEXT.replace(
            "maximumMessageRatePerSecond: 7",
            "maximumMessageRatePerSecond: 9",
        ),
    );
    env.emu.clear_requests();
    // No -f, no --auto-approve, stdin not a terminal.
    let (code, out, err) = env.run(&["apply", &plan]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let calls = env.calls();
    let new_lc = env.owned("saved")["loggingConfigurations.fresh"].clone();
    let writes: Vec<(String, Value)> = write_ops_of(&calls)
        .into_iter()
        .map(|c| (c.op.clone(), c.input.clone()))
        .collect();
    assert_unordered(
        writes,
        vec![
            (
                "CreateLoggingConfiguration".to_string(),
                json!({
                    "name": "fresh",
                    "destinationConfiguration": {"s3": {"bucketName": "fresh-logs"}},
                    "tags": owner_tags("saved", "fresh"),
                }),
            ),
            (
                "CreateRoom".to_string(),
                json!({
                    "name": "added",
                    "maximumMessageLength": 500,
                    "maximumMessageRatePerSecond": 10,
                    "tags": owner_tags("saved", "added"),
                }),
            ),
            (
                "DeleteRoom".to_string(),
                json!({"identifier": arns["rooms.goes"]}),
            ),
            (
                "UpdateRoom".to_string(),
                json!({
                    "identifier": arns["rooms.changes"],
                    "maximumMessageRatePerSecond": 7,
                    "loggingConfigurationIdentifiers": [new_lc],
                }),
            ),
        ],
    );
    let create_lc = position(&calls, "CreateLoggingConfiguration", |c| {
        c.op == "CreateLoggingConfiguration"
    });
    let update = position(&calls, "UpdateRoom", |c| c.op == "UpdateRoom");
    assert!(create_lc < update, "{calls:#?}");
    // The saved plan's target is reached: the manifest it was made from
    // plans as no changes.
    env.file("m.yaml", SAVED_NEXT);
    env.assert_no_changes(&file);
}

#[test]
fn a_saved_plan_is_refused_writing_nothing_after_an_out_of_band_update() {
    let env = Env::new();
    let (_, plan, arns) = saved_plan_env(&env);
    // Someone changes a room the plan updates.
    env.emu
        .block_on(
            env.sdk
                .update_room()
                .identifier(&arns["rooms.changes"])
                .maximum_message_length(77)
                .send(),
        )
        .expect("UpdateRoom");
    env.emu.clear_requests();
    let (code, out, err) = env.run(&["apply", &plan]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("stale"), "{err}");
    assert!(err.contains("rooms.changes"), "names what changed: {err}");
    env.assert_no_writes("stale saved plan");
}

#[test]
fn a_saved_plan_is_refused_writing_nothing_after_an_out_of_band_tag_change() {
    let env = Env::new();
    let (_, plan, arns) = saved_plan_env(&env);
    // Tagging does not move updateTime; the plan deletes `goes`.
    env.sdk_tag(&arns["rooms.goes"], &[("owner", "someone")]);
    env.emu.clear_requests();
    let (code, out, err) = env.run(&["apply", &plan]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("stale"), "{err}");
    assert!(err.contains("rooms.goes"), "names what changed: {err}");
    env.assert_no_writes("stale saved plan");
}

#[test]
fn a_saved_plan_is_refused_writing_nothing_when_a_planned_create_already_exists() {
    let env = Env::new();
    let (_, plan, _) = saved_plan_env(&env);
    // Another apply got there first: rooms.added exists now.
    env.sdk_room(
        "added",
        &[("ivsctl:stack", "saved"), ("ivsctl:key", "added")],
    );
    env.emu.clear_requests();
    let (code, out, err) = env.run(&["apply", &plan]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        err.contains("stale") && err.contains("rooms.added"),
        "{err}"
    );
    env.assert_no_writes("stale saved plan");
}

#[test]
fn an_unchanged_account_keeps_a_saved_plan_valid_after_reads_and_unrelated_writes() {
    let env = Env::new();
    let (_, plan, arns) = saved_plan_env(&env);
    // Unrelated activity: an unmanaged room appears, and a room the plan
    // leaves alone (a no-op) gets a tag.
    env.sdk_room("unrelated", &[]);
    env.sdk_tag(&arns["rooms.stays"], &[("note", "hi")]);
    env.emu.clear_requests();
    let (code, out, err) = env.run(&["apply", &plan]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(!env.writes().is_empty());
}

// ---------------------------------------------------------------------------
// Safety rules
// ---------------------------------------------------------------------------

const PROTECTED: &str = r#"version: 1
stack: safe
loggingConfigurations:
  vault:
    destination:
      s3:
        bucketName: vault-logs
    protect: true
rooms:
  vip:
    protect: true
  lobby:
    maximumMessageRatePerSecond: 5
"#;

#[test]
fn protect_writes_the_tag_and_a_protected_delete_blocks_the_whole_plan() {
    let env = Env::new();
    let file = env.file("m.yaml", PROTECTED);
    env.apply_ok(&file);
    let creates: Vec<Value> = env
        .calls()
        .into_iter()
        .filter(|c| c.op.starts_with("Create"))
        .map(|c| c.input["tags"].clone())
        .collect();
    assert_eq!(creates.len(), 3);
    for tags in &creates {
        let protect = tags.get("ivsctl:protect");
        match tags["ivsctl:key"].as_str() {
            Some("vip") | Some("vault") => assert_eq!(protect, Some(&json!("true")), "{tags}"),
            _ => assert_eq!(protect, None, "{tags}"),
        }
    }
    let arns = env.owned("safe");

    // `vip` and `vault` leave the manifest; `lobby` changes too.
    let next = "version: 1\nstack: safe\nrooms:\n  lobby:\n    maximumMessageRatePerSecond: 6\n";
    env.file("m.yaml", next);

    // The plan still shows everything, with the deletes marked blocked and how
    // to unblock them.
    let (code, out, err) = env.plan_code(&file);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("rooms.lobby"), "{out}");
    assert!(out.contains("BLOCKED"), "{out}");
    assert!(out.contains("to unblock"), "{out}");
    assert!(out.contains("ivsctl:protect"), "{out}");
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with("Plan: 0 to add, 1 to change, 2 to destroy."),
        "{out}"
    );
    let doc = env.plan_json(&file);
    let changes = doc["resource_changes"].as_array().unwrap();
    let by_address = |a: &str| changes.iter().find(|c| c["address"] == a).unwrap();
    assert_eq!(by_address("rooms.lobby")["action"], "update");
    for blocked in ["rooms.vip", "loggingConfigurations.vault"] {
        let c = by_address(blocked);
        assert_eq!(c["action"], "delete", "{c}");
        assert!(
            c["blocked"]["reason"]
                .as_str()
                .unwrap()
                .contains("protected"),
            "{c}"
        );
        let unblock = c["blocked"]["unblock"].as_str().unwrap();
        assert!(unblock.contains("protect: false"), "{unblock}");
        assert!(unblock.contains(&arns[blocked]), "{unblock}");
    }
    assert!(by_address("rooms.lobby").get("blocked").is_none());

    // Apply refuses the whole plan: the lobby update is not applied either.
    env.emu.clear_requests();
    let (code, out, err) = env.apply(&file, &[]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("blocked"), "{err}");
    assert!(
        err.contains("rooms.vip") && err.contains("loggingConfigurations.vault"),
        "{err}"
    );
    env.assert_no_writes("blocked delete");
    // Also from a saved plan.
    let plan = env.path("p.json").to_string_lossy().into_owned();
    let (code, _, err) = env.run(&["plan", "-f", &file, "--out", &plan]);
    assert_eq!(code, 0, "{err}");
    env.emu.clear_requests();
    let (code, _, err) = env.run(&["apply", &plan]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("blocked"), "{err}");
    env.assert_no_writes("blocked delete in a saved plan");
    assert_eq!(env.owned("safe"), arns);

    // Unblocking as the plan says: back in the manifest with protect: false,
    // apply (only the tag goes), then remove.
    let unprotected = "version: 1\nstack: safe\nloggingConfigurations:\n  vault:\n    destination:\n      s3:\n        bucketName: vault-logs\nrooms:\n  vip: {}\n  lobby:\n    maximumMessageRatePerSecond: 6\n";
    env.file("m.yaml", unprotected);
    env.emu.clear_requests();
    env.apply_ok(&file);
    let writes = env.write_bodies();
    assert_unordered(
        writes,
        vec![
            (
                "UntagResource".to_string(),
                json!({"resourceArn": arns["loggingConfigurations.vault"], "tagKeys": ["ivsctl:protect"]}),
            ),
            (
                "UntagResource".to_string(),
                json!({"resourceArn": arns["rooms.vip"], "tagKeys": ["ivsctl:protect"]}),
            ),
            (
                "UpdateRoom".to_string(),
                json!({"identifier": arns["rooms.lobby"], "maximumMessageRatePerSecond": 6}),
            ),
        ],
    );
    env.file("m.yaml", next);
    env.emu.clear_requests();
    env.apply_ok(&file);
    let writes = env.write_bodies();
    assert_unordered(
        writes,
        vec![
            (
                "DeleteLoggingConfiguration".to_string(),
                json!({"identifier": arns["loggingConfigurations.vault"]}),
            ),
            (
                "DeleteRoom".to_string(),
                json!({"identifier": arns["rooms.vip"]}),
            ),
        ],
    );
}

#[test]
fn max_deletes_refuses_a_plan_with_more_deletes_and_accepts_one_within() {
    let env = Env::new();
    let file = env.file(
        "m.yaml",
        "version: 1\nstack: md\nrooms:\n  a: {}\n  b: {}\n  c: {}\n",
    );
    env.apply_ok(&file);
    let arns = env.owned("md");
    // Two deletes and one update.
    env.file(
        "m.yaml",
        "version: 1\nstack: md\nrooms:\n  a:\n    maximumMessageLength: 99\n",
    );
    env.emu.clear_requests();
    let (code, out, err) = env.apply(&file, &["--max-deletes", "1"]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("--max-deletes"), "{err}");
    env.assert_no_writes("--max-deletes 1 with 2 deletes");
    let (code, out, err) = env.apply(&file, &["--max-deletes", "0"]);
    assert_eq!(code, 1, "{out}{err}");
    env.assert_no_writes("--max-deletes 0 with 2 deletes");

    let (code, out, err) = env.apply(&file, &["--max-deletes", "2"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let writes = env.write_bodies();
    assert_unordered(
        writes,
        vec![
            (
                "DeleteRoom".to_string(),
                json!({"identifier": arns["rooms.b"]}),
            ),
            (
                "DeleteRoom".to_string(),
                json!({"identifier": arns["rooms.c"]}),
            ),
            (
                "UpdateRoom".to_string(),
                json!({"identifier": arns["rooms.a"], "maximumMessageLength": 99}),
            ),
        ],
    );
    // A plan without deletes passes --max-deletes 0.
    env.file(
        "m.yaml",
        "version: 1\nstack: md\nrooms:\n  a:\n    maximumMessageLength: 98\n",
    );
    let (code, out, err) = env.apply(&file, &["--max-deletes", "0"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn an_empty_manifest_deletes_nothing_without_allow_empty() {
    let env = Env::new();
    let file = env.file(
        "m.yaml",
        "version: 1\nstack: empty\nloggingConfigurations:\n  l:\n    destination:\n      s3:\n        bucketName: b-logs\nrooms:\n  a:\n    loggingConfigurations: [l]\n  b: {}\n",
    );
    env.apply_ok(&file);
    let arns = env.owned("empty");
    env.file("m.yaml", "version: 1\nstack: empty\n");

    env.emu.clear_requests();
    let (code, out, err) = env.apply(&file, &[]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("--allow-empty"), "{err}");
    env.assert_no_writes("empty manifest");
    // Not from a saved plan either.
    let plan = env.path("p.json").to_string_lossy().into_owned();
    let (code, _, err) = env.run(&["plan", "-f", &file, "--out", &plan]);
    assert_eq!(code, 0, "{err}");
    env.emu.clear_requests();
    let (code, _, err) = env.run(&["apply", &plan]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--allow-empty"), "{err}");
    env.assert_no_writes("empty manifest, saved plan");
    assert_eq!(env.owned("empty"), arns);

    let (code, out, err) = env.apply(&file, &["--allow-empty"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert_eq!(env.write_counts()["DeleteRoom"], 2);
    assert_eq!(env.write_counts()["DeleteLoggingConfiguration"], 1);
    assert_eq!(env.writes().len(), 3);
    assert!(env.owned("empty").is_empty());
    env.assert_no_changes(&file);
}

#[test]
fn an_empty_manifest_with_nothing_owned_is_simply_no_changes() {
    let env = Env::new();
    env.sdk_room("unmanaged", &[]);
    let file = env.file("m.yaml", "version: 1\nstack: nothing\n");
    env.emu.clear_requests();
    let out = env.apply_ok(&file);
    assert!(out.contains("No changes."), "{out}");
    env.assert_no_writes("empty manifest, empty stack");
}

#[test]
fn without_a_terminal_apply_and_destroy_refuse_unless_auto_approve() {
    let env = Env::new();
    let file = env.file("m.yaml", "version: 1\nstack: tty\nrooms:\n  a: {}\n");
    env.emu.clear_requests();
    // stdin is /dev/null.
    let (code, out, err) = env.run(&["apply", "-f", &file]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("--auto-approve"), "{err}");
    env.assert_no_writes("apply without a terminal");
    // A piped "yes" is not a terminal either.
    let (code, out, err) = env.run_stdin(&["apply", "-f", &file], "yes\n");
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("--auto-approve"), "{err}");
    env.assert_no_writes("apply with piped yes");
    assert!(env.rooms().is_empty());

    env.apply_ok(&file);
    env.emu.clear_requests();
    for stdin in [None, Some("yes\n")] {
        let (code, out, err) = match stdin {
            None => env.run(&["destroy", "-f", &file]),
            Some(s) => env.run_stdin(&["destroy", "-f", &file], s),
        };
        assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
        assert!(err.contains("--auto-approve"), "{err}");
        env.assert_no_writes("destroy without a terminal");
    }
    assert_eq!(env.rooms().len(), 1);
}

// ---------------------------------------------------------------------------
// destroy
// ---------------------------------------------------------------------------

const DESTROY_MANIFEST: &str = r#"version: 1
stack: doomed
loggingConfigurations:
  l1:
    destination:
      s3:
        bucketName: doomed-1
  l2:
    destination:
      cloudWatchLogs:
        logGroupName: doomed-2
rooms:
  r1:
    loggingConfigurations: [l1]
  r2:
    loggingConfigurations: [l1, l2]
  r3: {}
"#;

#[test]
fn destroy_deletes_every_owned_resource_rooms_first_and_nothing_else() {
    let env = Env::new();
    let file = env.file("m.yaml", DESTROY_MANIFEST);
    env.apply_ok(&file);
    let owned = env.owned("doomed");
    assert_eq!(owned.len(), 5);
    // Neighbours: unmanaged, and another stack's (even with the same keys).
    let other_lc = env.sdk_lc(
        "other-lc",
        &[("ivsctl:stack", "other"), ("ivsctl:key", "l1")],
    );
    let unmanaged_lc = env.sdk_lc("unmanaged-lc", &[("team", "x")]);
    let other_room = env.sdk_room("other", &[("ivsctl:stack", "other"), ("ivsctl:key", "r1")]);
    let unmanaged_room = env.sdk_room("unmanaged", &[]);
    env.emu
        .block_on(
            env.sdk
                .update_room()
                .identifier(&unmanaged_room)
                .logging_configuration_identifiers(&unmanaged_lc)
                .send(),
        )
        .unwrap();
    let neighbours_rooms: Vec<LiveRoom> = env
        .rooms()
        .into_iter()
        .filter(|r| r.arn == other_room || r.arn == unmanaged_room)
        .collect();
    let neighbours_lcs: Vec<LiveLc> = env
        .logging_configurations()
        .into_iter()
        .filter(|l| l.arn == other_lc || l.arn == unmanaged_lc)
        .collect();

    env.emu.clear_requests();
    let (code, out, err) = env.run(&["destroy", "-f", &file, "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("0 to add, 0 to change, 5 to destroy"), "{out}");
    let calls = env.calls();
    let writes = write_ops_of(&calls);
    assert_unordered(
        writes
            .iter()
            .map(|c| (c.op.clone(), c.input.clone()))
            .collect(),
        owned
            .iter()
            .map(|(address, arn)| {
                let op = if address.starts_with("rooms.") {
                    "DeleteRoom"
                } else {
                    "DeleteLoggingConfiguration"
                };
                (op.to_string(), json!({"identifier": arn}))
            })
            .collect(),
    );
    let last_room = writes.iter().rposition(|c| c.op == "DeleteRoom").unwrap();
    let first_lc = writes
        .iter()
        .position(|c| c.op == "DeleteLoggingConfiguration")
        .unwrap();
    assert!(last_room < first_lc, "rooms first: {writes:#?}");
    assert!(calls.iter().all(|c| c.status < 300), "{calls:#?}");

    assert!(env.owned("doomed").is_empty());
    assert_eq!(env.rooms(), neighbours_rooms);
    assert_eq!(env.logging_configurations(), neighbours_lcs);

    // Destroying again: nothing to do.
    env.emu.clear_requests();
    let (code, out, err) = env.run(&["destroy", "-f", &file, "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No changes."), "{out}");
    env.assert_no_writes("second destroy");
}

#[test]
fn destroy_refuses_writing_nothing_when_a_resource_is_protected() {
    let env = Env::new();
    let file = env.file(
        "m.yaml",
        &DESTROY_MANIFEST.replace("  r3: {}\n", "  r3:\n    protect: true\n"),
    );
    env.apply_ok(&file);
    let owned = env.owned("doomed");
    env.emu.clear_requests();
    let (code, out, err) = env.run(&["destroy", "-f", &file, "--auto-approve"]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        err.contains("rooms.r3") && err.contains("protected"),
        "{err}"
    );
    assert!(
        out.contains("BLOCKED"),
        "the plan shows the blocked delete: {out}"
    );
    env.assert_no_writes("destroy with a protected resource");
    assert_eq!(env.owned("doomed"), owned);
}

#[test]
fn destroy_refuses_writing_nothing_when_a_room_outside_the_stack_uses_its_configuration() {
    let env = Env::new();
    let file = env.file("m.yaml", DESTROY_MANIFEST);
    env.apply_ok(&file);
    let owned = env.owned("doomed");
    let outsider = env.sdk_room("outsider", &[]);
    env.emu
        .block_on(
            env.sdk
                .update_room()
                .identifier(&outsider)
                .logging_configuration_identifiers(&owned["loggingConfigurations.l2"])
                .send(),
        )
        .unwrap();
    env.emu.clear_requests();
    let (code, out, err) = env.run(&["destroy", "-f", &file, "--auto-approve"]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("loggingConfigurations.l2"), "{err}");
    env.assert_no_writes("destroy of a configuration used outside the stack");
    assert_eq!(env.owned("doomed"), owned);
}

#[test]
fn destroy_honours_max_deletes() {
    let env = Env::new();
    let file = env.file("m.yaml", DESTROY_MANIFEST);
    env.apply_ok(&file);
    env.emu.clear_requests();
    let (code, out, err) = env.run(&[
        "destroy",
        "-f",
        &file,
        "--auto-approve",
        "--max-deletes",
        "4",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("--max-deletes"), "{err}");
    env.assert_no_writes("destroy over --max-deletes");
    let (code, out, err) = env.run(&[
        "destroy",
        "-f",
        &file,
        "--auto-approve",
        "--max-deletes",
        "5",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(env.owned("doomed").is_empty());
}

// ---------------------------------------------------------------------------
// import
// ---------------------------------------------------------------------------

const IMPORT_MANIFEST: &str = r#"version: 1
stack: imp
tags:
  team: video
loggingConfigurations:
  logs:
    name: legacy-logs
    destination:
      s3:
        bucketName: unmanaged-bucket
rooms:
  legacy:
    name: legacy
    maximumMessageLength: 300
    maximumMessageRatePerSecond: 20
    tags:
      env: new
    protect: true
  other:
    name: other
"#;

#[test]
fn import_writes_only_the_ownership_tags_and_the_next_plan_shows_the_real_differences() {
    let env = Env::new();
    let file = env.file("m.yaml", IMPORT_MANIFEST);
    let room = {
        let out = env
            .emu
            .block_on(
                env.sdk
                    .create_room()
                    .name("legacy")
                    .maximum_message_length(300)
                    .tags("env", "old")
                    .tags("team", "video")
                    .send(),
            )
            .unwrap();
        out.arn().unwrap().to_string()
    };
    let lc = env.sdk_lc("legacy-logs", &[("team", "video")]);

    env.emu.clear_requests();
    let (code, out, err) = env.run(&["import", "-f", &file, "rooms.legacy", &room]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("rooms.legacy"), "{out}");
    assert_eq!(
        env.write_bodies(),
        vec![(
            "TagResource".to_string(),
            json!({"resourceArn": room, "tags": {"ivsctl:stack": "imp", "ivsctl:key": "legacy", "ivsctl:protect": "true"}}),
        )]
    );

    env.emu.clear_requests();
    let (code, out, err) = env.run(&["import", "-f", &file, "loggingConfigurations.logs", &lc]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert_eq!(
        env.write_bodies(),
        vec![(
            "TagResource".to_string(),
            json!({"resourceArn": lc, "tags": owner_tags("imp", "logs")}),
        )]
    );

    // The plan: the imported configuration matches; the room differs only in
    // its rate and one tag; rooms.other is still to create.
    let doc = env.plan_json(&file);
    let changes = doc["resource_changes"].as_array().unwrap();
    let by_address = |a: &str| changes.iter().find(|c| c["address"] == a).unwrap().clone();
    let logs = by_address("loggingConfigurations.logs");
    assert_eq!(logs["action"], "no-op", "{logs}");
    assert_eq!(logs["arn"], json!(lc));
    let legacy = by_address("rooms.legacy");
    assert_eq!(legacy["action"], "update", "{legacy}");
    assert_eq!(legacy["arn"], json!(room));
    assert_eq!(
        legacy["changes"],
        json!([
            {"field": "maximumMessageRatePerSecond", "before": 10, "after": 20},
            {"field": "tags.env", "before": "old", "after": "new"},
        ])
    );
    assert_eq!(by_address("rooms.other")["action"], "create");
    assert_eq!(doc["summary"], json!({"add": 1, "change": 1, "destroy": 0}));

    // Applying it converges, on the imported resources (no new ones).
    env.apply_ok(&file);
    let owned = env.owned("imp");
    assert_eq!(owned["rooms.legacy"], room);
    assert_eq!(owned["loggingConfigurations.logs"], lc);
    env.assert_no_changes(&file);
}

#[test]
fn import_refuses_writing_nothing_what_it_must_not_take() {
    let env = Env::new();
    let file = env.file("m.yaml", IMPORT_MANIFEST);
    let free_room = env.sdk_room("free", &[]);
    let free_lc = env.sdk_lc("free-lc", &[]);
    let foreign = env.sdk_room(
        "foreign",
        &[("ivsctl:stack", "another"), ("ivsctl:key", "legacy")],
    );
    let own_other_key = env.sdk_room("mine", &[("ivsctl:stack", "imp"), ("ivsctl:key", "gone")]);
    let claimed_by = env.sdk_room(
        "claimant",
        &[("ivsctl:stack", "imp"), ("ivsctl:key", "other")],
    );
    let claimed_words = ["claimed", claimed_by.as_str()];
    let cases: Vec<(&str, &str, &str, &[&str])> = vec![
        (
            "owned by another stack",
            "rooms.legacy",
            &foreign,
            &["another"],
        ),
        (
            "owned by this stack under another key",
            "rooms.legacy",
            &own_other_key,
            &["imp"],
        ),
        (
            "address already claimed",
            "rooms.other",
            &free_room,
            &claimed_words,
        ),
        (
            "address not in the manifest",
            "rooms.nope",
            &free_room,
            &["not in the manifest"],
        ),
        (
            "a logging-configuration ARN for a room",
            "rooms.legacy",
            &free_lc,
            &["not the ARN of a room"],
        ),
        (
            "a room ARN for a logging configuration",
            "loggingConfigurations.logs",
            &free_room,
            &["logging"],
        ),
        ("not an address", "legacy", &free_room, &["address"]),
        (
            "a room that does not exist",
            "rooms.legacy",
            "arn:aws:ivschat:us-east-1:123456789012:room/AAAAAAAAAAAA",
            &["AAAAAAAAAAAA"],
        ),
    ];
    for (what, address, arn, words) in cases {
        env.emu.clear_requests();
        let (code, out, err) = env.run(&["import", "-f", &file, address, arn]);
        assert_eq!(code, 1, "{what}: stdout:\n{out}\nstderr:\n{err}");
        for w in words {
            assert!(err.contains(w), "{what}: `{w}` not in\n{err}");
        }
        env.assert_no_writes(what);
    }
    // The free room is importable (the refusals were about the cases).
    env.emu.clear_requests();
    let (code, out, err) = env.run(&["import", "-f", &file, "rooms.legacy", &free_room]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(env.writes().len(), 1);
    // And now the address is claimed.
    env.emu.clear_requests();
    let second = env.sdk_room("second", &[]);
    env.emu.clear_requests();
    let (code, _, err) = env.run(&["import", "-f", &file, "rooms.legacy", &second]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&free_room), "names the claimant: {err}");
    env.assert_no_writes("importing over an imported address");
}

// ---------------------------------------------------------------------------
// --local
// ---------------------------------------------------------------------------

fn quickstart() -> String {
    examples_dir()
        .join("quickstart.yaml")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn local_applies_to_a_state_file_in_the_working_directory_and_plans_no_changes() {
    let dir = tempfile::tempdir().unwrap();
    let q = quickstart();
    // No endpoint: --local needs no AWS_ENDPOINT_URL and no account.
    let (code, out, err) = common::ivsctl_in(
        Some(dir.path()),
        "",
        &["--local", "apply", "-f", &q, "--auto-approve"],
        None,
    );
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("3 to add"), "{out}");
    let state = dir.path().join(".ivsctl/local-state.json");
    assert!(state.is_file(), "{} missing", state.display());
    let text = std::fs::read_to_string(&state).unwrap();
    assert!(
        text.contains("quickstart"),
        "the state holds the stack: {text}"
    );

    let (code, out, err) = common::ivsctl_in(
        Some(dir.path()),
        "",
        &["--local", "plan", "-f", &q, "--detailed-exitcode"],
        None,
    );
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("No changes."), "{out}");
}

#[test]
fn local_state_uses_the_given_file() {
    let dir = tempfile::tempdir().unwrap();
    let q = quickstart();
    let (code, out, err) = common::ivsctl_in(
        Some(dir.path()),
        "",
        &[
            "--local-state",
            "sub/mine.json",
            "apply",
            "-f",
            &q,
            "--auto-approve",
        ],
        None,
    );
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(dir.path().join("sub/mine.json").is_file());
    assert!(
        !dir.path().join(".ivsctl").exists(),
        "--local-state must not touch the default file"
    );
    let (code, out, err) = common::ivsctl_in(
        Some(dir.path()),
        "",
        &[
            "--local-state",
            "sub/mine.json",
            "plan",
            "-f",
            &q,
            "--detailed-exitcode",
        ],
        None,
    );
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    // The default state is another, empty, account.
    let (code, out, err) = common::ivsctl_in(
        Some(dir.path()),
        "",
        &["--local", "plan", "-f", &q, "--detailed-exitcode"],
        None,
    );
    assert_eq!(code, 2, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("3 to add"), "{out}");
}

// ---------------------------------------------------------------------------
// examples/
// ---------------------------------------------------------------------------

/// Validates, applies to an emulator in the manifest's region, then plans no
/// changes.
fn example_round_trip(name: &str, region: &str, resources: usize) {
    let env = Env::with(EmulatorConfig {
        region: region.to_string(),
        ..EmulatorConfig::default()
    });
    let file = examples_dir().join(name).to_string_lossy().into_owned();
    let (code, out, err) = env.run(&["validate", "-f", &file]);
    assert_eq!(code, 0, "{name}: {out}{err}");
    let out = env.apply_ok(&file);
    assert!(out.contains(&format!("in {region}")), "{name}: {out}");
    let (code, out, err) = env.plan_code(&file);
    assert_eq!(code, 0, "{name}: stdout:\n{out}\nstderr:\n{err}");
    let creates = env.count("CreateRoom") + env.count("CreateLoggingConfiguration");
    assert_eq!(creates, resources, "{name}");
    assert!(env
        .rooms()
        .iter()
        .all(|r| r.arn.starts_with(&format!("arn:aws:ivschat:{region}:"))));
}

#[test]
fn the_quickstart_example_applies_and_then_plans_no_changes() {
    example_round_trip("quickstart.yaml", "us-east-1", 3);
}

#[test]
fn the_production_example_applies_and_then_plans_no_changes() {
    example_round_trip("production.yaml", "us-west-2", 7);
}

#[test]
fn the_github_actions_example_runs_plan_and_apply_as_documented() {
    let text = std::fs::read_to_string(examples_dir().join("github-actions.yml")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
    let jobs = doc["jobs"].as_mapping().expect("jobs");
    let runs: Vec<String> = jobs
        .values()
        .flat_map(|job| job["steps"].as_sequence().cloned().unwrap_or_default())
        .filter_map(|step| step["run"].as_str().map(String::from))
        .collect();
    let command = |verb: &str| -> Vec<String> {
        let line = runs
            .iter()
            .flat_map(|r| r.lines())
            .map(str::trim)
            .find(|l| l.starts_with(&format!("ivsctl {verb} ")))
            .unwrap_or_else(|| panic!("no `ivsctl {verb}` step in {runs:#?}"));
        // The command itself, without the shell redirection.
        line.split('>')
            .next()
            .unwrap()
            .split_whitespace()
            .skip(1)
            .map(String::from)
            .collect()
    };
    let plan = command("plan");
    for flag in ["--format", "markdown", "--detailed-exitcode"] {
        assert!(plan.contains(&flag.to_string()), "{plan:?}");
    }
    let apply = command("apply");
    assert!(apply.contains(&"--auto-approve".to_string()), "{apply:?}");

    // The commands work as written, against a `chat/` directory holding the
    // production example, in the workflow's region.
    let region = doc["env"]["AWS_REGION"].as_str().expect("env.AWS_REGION");
    let env = Env::with(EmulatorConfig {
        region: region.to_string(),
        ..EmulatorConfig::default()
    });
    std::fs::create_dir(env.path("chat")).unwrap();
    std::fs::copy(
        examples_dir().join("production.yaml"),
        env.path("chat/production.yaml"),
    )
    .unwrap();
    let args = |v: &[String]| v.to_vec();
    let plan_args = args(&plan);
    let (code, out, err) = env.run(&plan_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 2, "a PR with changes: stdout:\n{out}\nstderr:\n{err}");
    assert!(out.starts_with("### ivsctl plan"), "markdown: {out}");
    let apply_args = args(&apply);
    let (code, out, err) = env.run(&apply_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let (code, out, err) = env.run(&plan_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "after the apply: stdout:\n{out}\nstderr:\n{err}");
}

// ---------------------------------------------------------------------------
// apply --format json
// ---------------------------------------------------------------------------

fn parse_whole(out: &str) -> Value {
    serde_json::from_str(out)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document: {e}\n{out}"))
}

#[test]
fn apply_format_json_prints_one_document_with_summary_and_results() {
    let env = Env::new();
    let file = env.file(
        "m.yaml",
        "version: 1\nstack: js\nrooms:\n  a: {}\n  b: {}\n",
    );
    let (code, out, err) = env.apply(&file, &["--format", "json"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let doc = parse_whole(&out);
    assert_eq!(
        doc["summary"],
        json!({"done": 2, "failed": 0, "skipped": 0})
    );
    let results = doc["results"].as_array().unwrap();
    let arns = env.owned("js");
    assert_eq!(results.len(), 2);
    for r in results {
        let address = r["address"].as_str().unwrap();
        assert_eq!(r["status"], "done", "{r}");
        assert_eq!(r["action"], "create", "{r}");
        assert_eq!(r["arn"], json!(arns[address]), "the new ARN: {r}");
    }

    // Nothing to do: still one document, with an empty report.
    let (code, out, err) = env.apply(&file, &["--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let doc = parse_whole(&out);
    assert_eq!(
        doc["summary"],
        json!({"done": 0, "failed": 0, "skipped": 0})
    );
    assert_eq!(doc["results"], json!([]));

    // A refusal prints no half document: stdout is empty or one document.
    env.file("m.yaml", "version: 1\nstack: js\nrooms:\n  a: {}\n");
    let (code, out, err) = env.apply(&file, &["--format", "json", "--max-deletes", "0"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.trim().is_empty() || serde_json::from_str::<Value>(&out).is_ok(),
        "{out}"
    );
}

#[test]
fn apply_format_json_reports_failed_and_skipped_actions_and_exits_1() {
    let env = long_delay_env();
    let file = env.file("m.yaml", WAIT_MANIFEST);
    let (code, out, err) = apply_with_failed_logging_configuration(&env, &file, "json");
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    let doc = parse_whole(&out);
    assert_eq!(
        doc["summary"],
        json!({"done": 1, "failed": 1, "skipped": 1})
    );
    let results = doc["results"].as_array().unwrap();
    let by_address = |a: &str| results.iter().find(|r| r["address"] == a).unwrap();
    let slow = by_address("loggingConfigurations.slow");
    assert_eq!(slow["status"], "failed");
    assert!(
        slow["error"].as_str().unwrap().contains("CREATE_FAILED"),
        "{slow}"
    );
    let needs = by_address("rooms.needs");
    assert_eq!(needs["status"], "skipped");
    assert_eq!(needs["arn"], Value::Null);
    assert!(
        needs["reason"]
            .as_str()
            .unwrap()
            .contains("loggingConfigurations.slow"),
        "{needs}"
    );
    assert_eq!(by_address("rooms.free")["status"], "done");
}

// ---------------------------------------------------------------------------
// More order, saved-plan and refusal cases
// ---------------------------------------------------------------------------

#[test]
fn swapping_a_rooms_logging_configuration_creates_waits_updates_then_deletes() {
    let env = Env::new();
    let manifest = |lc: &str, bucket: &str| {
        format!("version: 1\nstack: swap\nloggingConfigurations:\n  {lc}:\n    destination:\n      s3:\n        bucketName: {bucket}\nrooms:\n  r:\n    loggingConfigurations: [{lc}]\n")
    };
    let file = env.file("m.yaml", &manifest("old", "old-logs"));
    env.apply_ok(&file);
    let before = env.owned("swap");
    env.file("m.yaml", &manifest("new", "new-logs"));
    env.emu.clear_requests();
    env.apply_ok(&file);
    let after = env.owned("swap");
    let new_lc = &after["loggingConfigurations.new"];
    let calls = env.calls();
    assert_eq!(
        write_ops_of(&calls)
            .into_iter()
            .map(|c| (c.op.clone(), c.input.clone()))
            .collect::<Vec<_>>(),
        vec![
            (
                "CreateLoggingConfiguration".to_string(),
                json!({"name": "new", "destinationConfiguration": {"s3": {"bucketName": "new-logs"}}, "tags": owner_tags("swap", "new")}),
            ),
            (
                "UpdateRoom".to_string(),
                json!({"identifier": before["rooms.r"], "loggingConfigurationIdentifiers": [new_lc]}),
            ),
            (
                "DeleteLoggingConfiguration".to_string(),
                json!({"identifier": before["loggingConfigurations.old"]}),
            ),
        ],
        "create, update, delete, in this order"
    );
    let create = position(&calls, "CreateLoggingConfiguration", |c| {
        c.op == "CreateLoggingConfiguration"
    });
    let poll = position(&calls, "GetLoggingConfiguration", |c| {
        c.op == "GetLoggingConfiguration"
    });
    let update = position(&calls, "UpdateRoom", |c| c.op == "UpdateRoom");
    assert!(create < poll && poll < update, "{calls:#?}");
    assert!(calls.iter().all(|c| c.status < 300), "{calls:#?}");
    env.assert_no_changes(&file);
}

#[test]
fn a_new_logging_configuration_that_no_room_needs_is_not_polled() {
    let env = Env::new();
    let file = env.file(
        "m.yaml",
        "version: 1\nstack: nopoll\nloggingConfigurations:\n  alone:\n    destination:\n      s3:\n        bucketName: alone-logs\nrooms:\n  r: {}\n",
    );
    env.apply_ok(&file);
    assert_eq!(env.count("CreateLoggingConfiguration"), 1);
    assert_eq!(env.count("CreateRoom"), 1);
    assert_eq!(env.count("GetLoggingConfiguration"), 0);
    assert_eq!(env.writes().len(), 2);
}

#[test]
fn a_saved_plan_applies_once_then_is_stale() {
    let env = Env::new();
    let (_, plan, _) = saved_plan_env(&env);
    let (code, out, err) = env.run(&["apply", &plan]);
    assert_eq!(code, 0, "{out}{err}");
    env.emu.clear_requests();
    let (code, out, err) = env.run(&["apply", &plan]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("stale"), "{err}");
    env.assert_no_writes("a saved plan applied twice");
}

#[test]
fn a_saved_plan_obeys_max_deletes_and_allow_empty() {
    let env = Env::new();
    let (_, plan, _) = saved_plan_env(&env);
    // The plan deletes one room.
    env.emu.clear_requests();
    let (code, out, err) = env.run(&["apply", &plan, "--max-deletes", "0"]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("--max-deletes"), "{err}");
    env.assert_no_writes("saved plan over --max-deletes");

    // An empty manifest's saved plan applies with --allow-empty.
    let file = env.file("empty.yaml", "version: 1\nstack: saved\n");
    let empty_plan = env.path("empty.json").to_string_lossy().into_owned();
    let (code, _, err) = env.run(&["plan", "-f", &file, "--out", &empty_plan]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = env.run(&["apply", &empty_plan, "--allow-empty"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(env.owned("saved").is_empty());
}

#[test]
fn two_live_resources_claiming_one_key_stop_apply_before_any_write() {
    let env = Env::new();
    let file = env.file(
        "m.yaml",
        "version: 1\nstack: dup\nrooms:\n  a: {}\n  b:\n    maximumMessageLength: 5\n",
    );
    let first = env.sdk_room("a1", &[("ivsctl:stack", "dup"), ("ivsctl:key", "a")]);
    let second = env.sdk_room("a2", &[("ivsctl:stack", "dup"), ("ivsctl:key", "a")]);
    env.emu.clear_requests();
    let (code, out, err) = env.apply(&file, &[]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        err.contains(&first) && err.contains(&second),
        "both ARNs: {err}"
    );
    env.assert_no_writes("duplicate claim");
    let (code, _, err) = env.run(&["destroy", "-f", &file, "--auto-approve"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&first) && err.contains(&second),
        "both ARNs: {err}"
    );
    env.assert_no_writes("duplicate claim, destroy");
}

#[test]
fn a_manifest_error_stops_apply_destroy_and_import_before_any_api_call() {
    let env = Env::new();
    let file = env.file(
        "m.yaml",
        "version: 1\nstack: bad\nrooms:\n  a:\n    maximumMessageLength: 501\n",
    );
    let room = env.sdk_room("x", &[]);
    env.emu.clear_requests();
    for args in [
        vec!["apply", "-f", &file, "--auto-approve"],
        vec!["destroy", "-f", &file, "--auto-approve"],
        vec!["import", "-f", &file, "rooms.a", &room],
    ] {
        let (code, out, err) = env.run(&args);
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        assert!(err.contains("m.yaml"), "{args:?}: names the file: {err}");
        assert!(env.calls().is_empty(), "{args:?}: {:#?}", env.calls());
    }
}

#[test]
fn untagging_comes_before_tagging_so_the_50_tag_limit_holds_throughout() {
    let env = Env::new();
    let manifest = |range: std::ops::Range<usize>| {
        let tags: String = range.map(|i| format!("      t{i}: v{i}\n")).collect();
        format!("version: 1\nstack: many\nrooms:\n  r:\n    tags:\n{tags}")
    };
    // 48 tags + ivsctl:stack + ivsctl:key = 50, the limit.
    let file = env.file("m.yaml", &manifest(0..48));
    env.apply_ok(&file);
    let room = env.owned("many")["rooms.r"].clone();
    // Ten go, ten others come: tagging first would need 60.
    env.file("m.yaml", &manifest(10..58));
    env.emu.clear_requests();
    env.apply_ok(&file);
    let removed: Vec<String> = (0..10).map(|i| format!("t{i}")).collect();
    let added: serde_json::Map<String, Value> = (48..58)
        .map(|i| (format!("t{i}"), json!(format!("v{i}"))))
        .collect();
    assert_eq!(
        env.write_bodies(),
        vec![
            (
                "UntagResource".to_string(),
                normalized(json!({"resourceArn": room, "tagKeys": removed})),
            ),
            (
                "TagResource".to_string(),
                json!({"resourceArn": room, "tags": added}),
            ),
        ]
    );
    env.assert_no_changes(&file);
}

#[test]
fn with_aws_rate_quotas_a_large_apply_succeeds() {
    let env = Env::with(EmulatorConfig {
        quotas: ivsctl::emulator::Quotas::Aws,
        ..EmulatorConfig::default()
    });
    let mut m = String::from("version: 1\nstack: big\nloggingConfigurations:\n");
    for i in 0..3 {
        m.push_str(&format!(
            "  l{i}:\n    destination:\n      s3:\n        bucketName: big-{i}\n"
        ));
    }
    m.push_str("rooms:\n");
    for i in 0..12 {
        m.push_str(&format!(
            "  r{i}:\n    loggingConfigurations: [l{}]\n    tags: {{n: \"{i}\"}}\n",
            i % 3
        ));
    }
    let file = env.file("m.yaml", &m);
    env.apply_ok(&file);
    let throttled = env.calls().iter().filter(|c| c.status == 429).count();
    eprintln!("429 answers: {throttled} of {}", env.calls().len());
    assert_eq!(env.owned("big").len(), 15);
    env.assert_no_changes(&file);
    // Every room's tag changes: 12 TagResource calls, paced.
    env.file("m.yaml", &m.replace("{n: \"", "{n: \"x"));
    env.emu.clear_requests();
    env.apply_ok(&file);
    let tags = env.writes();
    assert!(tags.iter().all(|c| c.op == "TagResource"), "{tags:#?}");
    // Throttled attempts are retried: 12 succeed, one per room.
    let ok: BTreeSet<String> = tags
        .iter()
        .filter(|c| c.status == 200)
        .map(|c| c.input["resourceArn"].to_string())
        .collect();
    assert_eq!(
        (ok.len(), tags.iter().filter(|c| c.status == 200).count()),
        (12, 12)
    );
    env.assert_no_changes(&file);
}

/// Runs `apply` in a thread; once it polls GetLoggingConfiguration, forces
/// `arn` to `state`. Returns apply's result and whether a poll was seen.
fn apply_forcing_state_on_poll(
    env: &Env,
    file: &str,
    arn: &str,
    state: &str,
) -> ((i32, String, String), bool) {
    std::thread::scope(|scope| {
        let apply = scope.spawn(|| env.apply(file, &[]));
        let deadline = Instant::now() + Duration::from_secs(60);
        let polled = loop {
            let seen = env
                .calls()
                .into_iter()
                .any(|c| c.op == "GetLoggingConfiguration" && c.input["identifier"] == arn);
            if seen {
                break true;
            }
            if apply.is_finished() || Instant::now() > deadline {
                break false;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if polled {
            env.emu
                .set_logging_configuration_state(arn, state)
                .expect("force the state");
        }
        (apply.join().expect("apply thread"), polled)
    })
}

#[test]
fn a_room_waits_for_an_existing_logging_configuration_that_is_not_active_yet() {
    let env = long_delay_env();
    // An earlier apply created the configuration; nothing needed it then, so
    // nobody waited: it is still CREATING.
    let lc_only = "version: 1\nstack: late\nloggingConfigurations:\n  slow:\n    destination:\n      s3:\n        bucketName: slow-logs\n";
    let file = env.file("m.yaml", lc_only);
    env.apply_ok(&file);
    let lc = env.owned("late")["loggingConfigurations.slow"].clone();
    assert_eq!(env.logging_configurations()[0].state, "CREATING");

    // Now a room uses it.
    env.file(
        "m.yaml",
        &format!("{lc_only}rooms:\n  r:\n    loggingConfigurations: [slow]\n"),
    );
    env.emu.clear_requests();
    let ((code, out, err), polled) = apply_forcing_state_on_poll(&env, &file, &lc, "ACTIVE");
    let calls = env.calls();
    assert!(
        calls.iter().all(|c| c.status != 409),
        "the room was created before its configuration was ACTIVE: {calls:#?}\n{out}{err}"
    );
    assert!(
        polled,
        "apply did not wait for the configuration: {calls:#?}"
    );
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    env.assert_no_changes(&file);
}

#[test]
fn after_a_logging_configuration_failed_the_plan_says_so() {
    let env = long_delay_env();
    let file = env.file("m.yaml", WAIT_MANIFEST);
    let (code, _, _) = apply_with_failed_logging_configuration(&env, &file, "human");
    assert_eq!(code, 1);
    // The configuration exists but is unusable: the plan must not present it
    // as matching the manifest.
    let (code, out, err) = env.run(&["plan", "-f", &file, "--format", "json"]);
    let text = format!("{out}{err}");
    assert!(
        text.contains("CREATE_FAILED"),
        "the plan does not mention the failed configuration (exit {code}):\n{text}"
    );
    if code == 0 {
        let doc = parse_whole(&out);
        let slow = doc["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == "loggingConfigurations.slow")
            .cloned()
            .unwrap();
        assert_ne!(slow["action"], "no-op", "{slow}");
    }
}

#[test]
fn tags_starting_with_aws_are_never_touched() {
    // The API refuses `aws:` tags from clients, so the account is prepared
    // through the emulator's state file, as AWS services would tag it.
    let state_dir = tempfile::tempdir().unwrap();
    let state = state_dir.path().join("state.json");
    let config = || EmulatorConfig {
        state_file: Some(state.clone()),
        ..EmulatorConfig::default()
    };
    let manifest = "version: 1\nstack: awstags\nrooms:\n  r:\n    tags: {env: dev, stray: x}\n";
    let arn = {
        let env = Env::with(config());
        let file = env.file("m.yaml", manifest);
        env.apply_ok(&file);
        env.owned("awstags")["rooms.r"].clone()
    };
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let room = doc["rooms"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["arn"] == arn.as_str())
        .unwrap();
    room["tags"]["aws:cloudformation:stack-name"] = json!("cfn-stack");
    std::fs::write(&state, doc.to_string()).unwrap();

    let env = Env::with(config());
    let file = env.file("m.yaml", manifest);
    env.assert_no_changes(&file);
    // Remove a tag and change one: the aws: tag is neither removed nor shown.
    env.file(
        "m.yaml",
        "version: 1\nstack: awstags\nrooms:\n  r:\n    tags: {env: prod}\n",
    );
    let (code, out, _) = env.plan_code(&file);
    assert_eq!(code, 2);
    assert!(!out.contains("aws:cloudformation"), "{out}");
    env.emu.clear_requests();
    env.apply_ok(&file);
    assert_eq!(
        env.write_bodies(),
        vec![
            (
                "UntagResource".to_string(),
                json!({"resourceArn": arn, "tagKeys": ["stray"]}),
            ),
            (
                "TagResource".to_string(),
                json!({"resourceArn": arn, "tags": {"env": "prod"}}),
            ),
        ]
    );
    assert_eq!(
        env.rooms()[0].tags["aws:cloudformation:stack-name"],
        "cfn-stack"
    );
    env.assert_no_changes(&file);
}

#[test]
fn an_ownership_tag_the_manifest_does_not_ask_for_is_removed_and_does_not_protect() {
    let env = Env::new();
    let file = env.file(
        "m.yaml",
        "version: 1\nstack: prot\nrooms:\n  a: {}\n  b: {}\n",
    );
    env.apply_ok(&file);
    let arns = env.owned("prot");
    // Someone writes ivsctl:protect=false on `a`: not the manifest's tags.
    env.sdk_tag(&arns["rooms.a"], &[("ivsctl:protect", "false")]);
    env.emu.clear_requests();
    env.apply_ok(&file);
    assert_eq!(
        env.write_bodies(),
        vec![(
            "UntagResource".to_string(),
            json!({"resourceArn": arns["rooms.a"], "tagKeys": ["ivsctl:protect"]}),
        )]
    );
    // `ivsctl:protect=false` on `b` does not block its delete.
    env.sdk_tag(&arns["rooms.b"], &[("ivsctl:protect", "false")]);
    env.file("m.yaml", "version: 1\nstack: prot\nrooms:\n  a: {}\n");
    env.emu.clear_requests();
    env.apply_ok(&file);
    assert_eq!(
        env.write_bodies(),
        vec![(
            "DeleteRoom".to_string(),
            json!({"identifier": arns["rooms.b"]}),
        )]
    );
}

/// Runs ivsctl with a terminal as stdin/stdout (util-linux `script`), typing
/// `input`. None when `script` is not available.
fn ivsctl_on_terminal(env: &Env, args: &[&str], input: &str) -> Option<(i32, String)> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let line: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_ivsctl"))
        .chain(args.iter().copied())
        .map(quote)
        .collect();
    let mut cmd = Command::new(script);
    cmd.args(["-qec", &line.join(" "), "/dev/null"])
        .current_dir(env.dir.path());
    common::isolated_env(&mut cmd, &env.emu.endpoint());
    let mut child = cmd
        .env("TERM", "dumb")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let out = child.wait_with_output().ok()?;
    Some((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

#[test]
fn on_a_terminal_apply_and_destroy_ask_and_only_yes_proceeds() {
    let env = Env::new();
    let file = env.file("m.yaml", "version: 1\nstack: ask\nrooms:\n  a: {}\n");
    env.emu.clear_requests();
    let Some((code, out)) = ivsctl_on_terminal(&env, &["apply", "-f", &file], "no\n") else {
        eprintln!("skipped: util-linux `script` is not available");
        return;
    };
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Only 'yes' will be accepted"), "{out}");
    assert!(out.contains("cancelled"), "{out}");
    env.assert_no_writes("apply answered no");

    let (code, out) = ivsctl_on_terminal(&env, &["apply", "-f", &file], "yes\n").unwrap();
    assert_eq!(code, 0, "{out}");
    assert_eq!(env.write_counts()["CreateRoom"], 1);

    env.emu.clear_requests();
    let (code, out) = ivsctl_on_terminal(&env, &["destroy", "-f", &file], "y\n").unwrap();
    assert_eq!(code, 1, "{out}");
    env.assert_no_writes("destroy answered y");
    let (code, out) = ivsctl_on_terminal(&env, &["destroy", "-f", &file], "yes\n").unwrap();
    assert_eq!(code, 0, "{out}");
    assert_eq!(env.write_counts()["DeleteRoom"], 1);
    assert!(env.owned("ask").is_empty());
}
