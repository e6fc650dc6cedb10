//! `apply`, `destroy`, `import`, saved plans and the safety rules, through
//! the real `ivsctl` binary against an in-process emulator (the contract:
//! docs/usage.md).
//!
//! Most scenarios are data: `tests/cases/<name>/` (see tests/common/cases.rs)
//! holds the manifest applied first, the manifest and commands under test,
//! and a snapshot of each command's exact write calls (read from the
//! emulator's request log, in a canonical order once apply's order contracts
//! were checked on the real one), its output and the account afterwards.
//! The tests below do not fit that shape: injected faults and quotas, states
//! forced while apply runs, out-of-band edits between commands. Terminals,
//! `--local` and the examples: cli_apply_usage.rs.

mod common;

use common::{repo, Output, TestContext};
use ivsctl::emulator::{EmulatorConfig, Quotas};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn cases() {
    common::cases::run_all(Path::new(&repo("tests/cases")));
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

const FAULT_MANIFEST: &str = r#"
version: 1
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
fn assert_no_duplicates(ctx: &TestContext, attempt: usize) {
    let mut seen = BTreeSet::new();
    let (rooms, lcs) = (ctx.rooms_brief(), ctx.logging_configurations());
    for (kind, r) in rooms
        .iter()
        .map(|r| ("room", r))
        .chain(lcs.iter().map(|l| ("lc", l)))
    {
        let (stack, key) = (&r["tags"]["ivsctl:stack"], &r["tags"]["ivsctl:key"]);
        if stack.is_string() && key.is_string() {
            let owner = format!("{kind} {stack}/{key}");
            assert!(
                seen.insert(owner.clone()),
                "attempt {attempt}: duplicate {owner}"
            );
        }
    }
}

/// The report of a failed apply: one JSON document listing every failed and
/// skipped action; whatever depends on a failed logging-configuration create
/// is skipped.
fn check_failed_report(doc: &Value, attempt: usize) -> usize {
    let results = doc["results"].as_array().expect("results");
    let status = |s: &str| results.iter().filter(|r| r["status"] == s).count();
    for s in ["done", "failed", "skipped"] {
        assert_eq!(doc["summary"][s], status(s), "attempt {attempt}: {doc:#}");
    }
    assert!(
        status("failed") + status("skipped") > 0,
        "exit 1 without a failed or skipped action: {doc:#}"
    );
    for r in results {
        let why = match r["status"].as_str() {
            Some("failed") => &r["error"],
            Some("skipped") => &r["reason"],
            Some("done") => continue,
            other => panic!("status {other:?} in {doc:#}"),
        };
        assert!(why.as_str().is_some_and(|e| !e.is_empty()), "{r}");
    }
    let changes = doc["plan"]["resource_changes"].as_array().unwrap();
    for failed in results.iter().filter(|r| {
        r["status"] == "failed" && r["action"] == "create" && r["type"] == "loggingConfiguration"
    }) {
        let address = failed["address"].as_str().unwrap();
        for change in changes.iter().filter(|c| c["type"] == "room") {
            let refs = change["changes"].as_array().unwrap().iter();
            let refs = refs.filter(|c| c["field"] == "loggingConfigurations");
            if refs
                .map(|c| c["after"].to_string())
                .any(|a| a.contains(address))
            {
                let entry = results
                    .iter()
                    .find(|r| r["address"] == change["address"])
                    .unwrap();
                assert_eq!(entry["status"], "skipped", "{doc:#}");
                assert!(
                    entry["reason"].as_str().unwrap().contains(address),
                    "{doc:#}"
                );
            }
        }
    }
    status("failed")
}

#[test]
fn with_injected_faults_apply_reports_failures_and_repeated_applies_converge_without_duplicates() {
    let ctx = TestContext::with_config(EmulatorConfig {
        fault_rate: FAULT_RATE,
        seed: Some(7),
        ..EmulatorConfig::default()
    });
    let file = ctx.file("m.yaml", FAULT_MANIFEST);
    let mut reports_with_failures = 0;
    let mut converged = false;
    for attempt in 1..=MAX_ATTEMPTS {
        let started = Instant::now();
        let out = ctx.apply(&file, &["--format", "json"]);
        eprintln!(
            "attempt {attempt}: exit {} after {:?}; stderr:\n{}",
            out.code,
            started.elapsed(),
            out.stderr
        );
        assert_no_duplicates(&ctx, attempt);
        if out.code == 0 {
            let doc = out.json();
            assert_eq!(
                (&doc["summary"]["failed"], &doc["summary"]["skipped"]),
                (&json!(0), &json!(0)),
                "{out}"
            );
            converged = true;
            break;
        }
        out.failure();
        let doc = out.json();
        if let Some(error) = doc.get("error") {
            // Discovery itself gave up (the retries ran out): the error
            // document instead of a report, naming the call that failed.
            assert_eq!(error["code"], "ivsctl::api::service", "{out}");
            assert!(error["operation"].as_str().is_some(), "{out}");
            assert!(
                error["message"].as_str().unwrap().contains("failed"),
                "{out}"
            );
            continue;
        }
        if check_failed_report(&doc, attempt) > 0 {
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
    insta::assert_snapshot!(ctx.live(), @r#"
    loggingConfigurations.one: {"destination":{"s3":{"bucketName":"flaky-one"}},"name":"one","state":"ACTIVE","tags":{"ivsctl:applied":"[RECORD t=c]","ivsctl:key":"one","ivsctl:stack":"flaky","team":"video"}}
    loggingConfigurations.three: {"destination":{"firehose":{"deliveryStreamName":"flaky-three"}},"name":"three","state":"ACTIVE","tags":{"ivsctl:applied":"[RECORD t=c]","ivsctl:key":"three","ivsctl:stack":"flaky","team":"video"}}
    loggingConfigurations.two: {"destination":{"cloudWatchLogs":{"logGroupName":"flaky-two"}},"name":"two","state":"ACTIVE","tags":{"ivsctl:applied":"[RECORD t=c]","ivsctl:key":"two","ivsctl:stack":"flaky","team":"video"}}
    rooms.a: {"loggingConfigurations":["[loggingConfigurations.one]"],"maximumMessageLength":100,"maximumMessageRatePerSecond":10,"name":"a","tags":{"ivsctl:applied":"[RECORD t=c m=100,10]","ivsctl:key":"a","ivsctl:stack":"flaky","team":"video"}}
    rooms.b: {"loggingConfigurations":["[loggingConfigurations.one]","[loggingConfigurations.two]"],"maximumMessageLength":500,"maximumMessageRatePerSecond":10,"messageReviewHandler":{"fallbackResult":"DENY","uri":"arn:aws:lambda:us-east-1:123456789012:function:review"},"name":"b","tags":{"ivsctl:applied":"[RECORD t=c m=500,10]","ivsctl:key":"b","ivsctl:stack":"flaky","team":"video"}}
    rooms.c: {"loggingConfigurations":[],"maximumMessageLength":500,"maximumMessageRatePerSecond":3,"name":"c","tags":{"env":"prod","ivsctl:applied":"[RECORD t=c m=500,3]","ivsctl:key":"c","ivsctl:stack":"flaky","team":"video"}}
    rooms.d: {"loggingConfigurations":[],"maximumMessageLength":500,"maximumMessageRatePerSecond":10,"name":"d","tags":{"ivsctl:applied":"[RECORD t=c m=500,10]","ivsctl:key":"d","ivsctl:stack":"flaky","team":"video"}}
    rooms.e: {"loggingConfigurations":["[loggingConfigurations.three]"],"maximumMessageLength":500,"maximumMessageRatePerSecond":10,"name":"e","tags":{"ivsctl:applied":"[RECORD t=c m=500,10]","ivsctl:key":"e","ivsctl:stack":"flaky","team":"video"}}
    rooms.f: {"loggingConfigurations":[],"maximumMessageLength":500,"maximumMessageRatePerSecond":99,"name":"f","tags":{"ivsctl:applied":"[RECORD t=c m=500,99]","ivsctl:key":"f","ivsctl:stack":"flaky","team":"video"}}
    rooms.g: {"loggingConfigurations":[],"maximumMessageLength":7,"maximumMessageRatePerSecond":10,"name":"g","tags":{"ivsctl:applied":"[RECORD t=c m=7,10]","ivsctl:key":"g","ivsctl:stack":"flaky","team":"video"}}
    "#);

    // And a plan (retried past injected faults) shows no changes.
    let plans = (0..15).map(|_| ctx.ivsctl(&format!("plan -f {file} --detailed-exitcode")));
    let plan = plans
        .into_iter()
        .find(|o| o.code != 1)
        .expect("plan kept failing");
    plan.success();
}

/// An emulator whose logging configurations stay CREATING for 10 minutes.
fn slow_logging() -> TestContext {
    TestContext::with_config(EmulatorConfig {
        logging_config_delay: Duration::from_secs(600),
        ..EmulatorConfig::default()
    })
}

/// Runs `apply` (with `extra`) in a thread; once `seen` matches a request of
/// the log, runs `then`. Returns apply's output; panics when `seen` never
/// matched.
fn apply_and_meanwhile(
    ctx: &TestContext,
    file: &str,
    extra: &[&str],
    seen: impl Fn(&ivsctl::emulator::log::RequestRecord) -> bool,
    then: impl FnOnce(),
) -> Output {
    std::thread::scope(|scope| {
        let apply = scope.spawn(|| ctx.apply(file, extra));
        let deadline = Instant::now() + Duration::from_secs(60);
        while !ctx.log().iter().any(&seen) {
            if apply.is_finished() || Instant::now() > deadline {
                panic!("apply never got there: {}", apply.join().unwrap());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        then();
        apply.join().expect("apply thread")
    })
}

/// Applies the case `new-lc-waits-until-active` while the new logging
/// configuration is held in CREATING, then forces it to CREATE_FAILED once
/// ivsctl created it and waits. Deterministic: it cannot become ACTIVE first.
fn apply_with_failed_logging_configuration(ctx: &TestContext, format: &str) -> Output {
    let file = ctx.file(
        "m.yaml",
        include_str!("cases/new-lc-waits-until-active/after.yaml"),
    );
    ctx.reset_log();
    let created = |r: &ivsctl::emulator::log::RequestRecord| {
        r.operation == "CreateLoggingConfiguration" && r.status == 200
    };
    apply_and_meanwhile(ctx, &file, &["--format", format], created, || {
        let lc = ctx
            .logging_configurations()
            .pop()
            .expect("the configuration");
        assert_eq!(lc["state"], "CREATING");
        let arn = lc["arn"].as_str().unwrap();
        ctx.emu
            .set_logging_configuration_state(arn, "CREATE_FAILED")
            .unwrap();
    })
}

#[test]
fn a_logging_configuration_that_fails_skips_the_rooms_that_need_it_and_apply_exits_1() {
    let ctx = slow_logging();
    let out = apply_with_failed_logging_configuration(&ctx, "human");
    out.failure();
    // The report (stdout) names what was done, what failed and why, and what
    // was skipped and why; independent work was not stopped; the dependent
    // room was never attempted.
    let report = ctx.redact(&out.stdout);
    let (writes, live) = (ctx.write_log(), ctx.live());
    insta::assert_snapshot!(format!(
        "{report}\n--- writes ---\n{writes}\n--- live ---\n{live}"
    ));
}

#[test]
fn apply_format_json_reports_failed_and_skipped_actions_and_exits_1() {
    let ctx = slow_logging();
    let out = apply_with_failed_logging_configuration(&ctx, "json");
    out.failure();
    let mut doc = out.json();
    doc["plan"] = json!("(the plan)");
    insta::assert_snapshot!(ctx.redact(&format!("{doc:#}")), @r#"
    {
      "format_version": "1",
      "plan": "(the plan)",
      "region": "us-east-1",
      "results": [
        {
          "action": "create",
          "address": "loggingConfigurations.slow",
          "arn": null,
          "duration_ms": "[MS]",
          "error": "GetLoggingConfiguration failed: logging configuration [loggingConfigurations.slow] is CREATE_FAILED",
          "status": "failed",
          "type": "loggingConfiguration"
        },
        {
          "action": "create",
          "address": "rooms.free",
          "arn": "[rooms.free]",
          "duration_ms": "[MS]",
          "status": "done",
          "type": "room"
        },
        {
          "action": "create",
          "address": "rooms.needs",
          "arn": null,
          "duration_ms": "[MS]",
          "reason": "depends on loggingConfigurations.slow, which did not complete",
          "status": "skipped",
          "type": "room"
        }
      ],
      "stack": "wait",
      "summary": {
        "done": 1,
        "failed": 1,
        "skipped": 1
      }
    }
    "#);
}

#[test]
fn after_a_logging_configuration_failed_the_plan_says_so() {
    let ctx = slow_logging();
    apply_with_failed_logging_configuration(&ctx, "human").failure();
    // The configuration exists but is unusable: the plan must not present it
    // as matching the manifest.
    let out = ctx.ivsctl("plan -f m.yaml --format json");
    insta::assert_snapshot!(ctx.redact(&format!("exit {}\n{}{}", out.code, out.stdout, out.stderr)), @r#"
    exit 1
    {
      "format_version": "1",
      "error": {
        "code": "ivsctl::plan::unusable_logging_configuration",
        "message": "loggingConfigurations.slow ([loggingConfigurations.slow]) is CREATE_FAILED: it cannot be used, and ivsctl never replaces a resource",
        "help": "delete it (aws ivschat delete-logging-configuration --identifier [loggingConfigurations.slow]), then apply again to create it anew"
      }
    }
    "#);
}

#[test]
fn a_room_waits_for_an_existing_logging_configuration_that_is_not_active_yet() {
    let ctx = slow_logging();
    // An earlier apply created the configuration; nothing needed it then, so
    // nobody waited: it is still CREATING.
    let lc_only = "version: 1\nstack: late\nloggingConfigurations:\n  slow:\n    destination:\n      s3:\n        bucketName: slow-logs\n";
    let file = ctx.file("m.yaml", lc_only);
    ctx.apply_ok(&file);
    let lc = ctx.owned("late")["loggingConfigurations.slow"].clone();
    assert_eq!(ctx.logging_configurations()[0]["state"], "CREATING");

    // Now a room uses it: apply polls it, and creates the room once ACTIVE.
    ctx.file(
        "m.yaml",
        &format!("{lc_only}rooms:\n  r:\n    loggingConfigurations: [slow]\n"),
    );
    ctx.reset_log();
    let polled = |r: &ivsctl::emulator::log::RequestRecord| {
        r.operation == "GetLoggingConfiguration" && r.input["identifier"] == lc.as_str()
    };
    let activate = || {
        ctx.emu
            .set_logging_configuration_state(&lc, "ACTIVE")
            .unwrap()
    };
    apply_and_meanwhile(&ctx, &file, &[], polled, activate).success();
    insta::assert_snapshot!(ctx.write_log(), @r#"
    GetLoggingConfiguration loggingConfigurations.slow
    CreateRoom rooms.r {"loggingConfigurationIdentifiers":["[loggingConfigurations.slow]"],"maximumMessageLength":500,"maximumMessageRatePerSecond":10,"name":"r","tags":{"ivsctl:applied":"[RECORD t=c m=500,10]","ivsctl:key":"r","ivsctl:stack":"late"}}
    "#);
    ctx.assert_no_changes(&file);
}

// ---------------------------------------------------------------------------
// Saved plans and out-of-band changes
// ---------------------------------------------------------------------------

/// Applies the case `saved-plan-applies-once`'s before.yaml, then saves the
/// plan to its after.yaml as `p.json`. Returns the owned ARNs after seeding.
fn saved_plan(ctx: &TestContext) -> std::collections::BTreeMap<String, String> {
    let base = ctx.file(
        "base.yaml",
        include_str!("cases/saved-plan-applies-once/before.yaml"),
    );
    ctx.apply_ok(&base);
    let next = ctx.file(
        "m.yaml",
        include_str!("cases/saved-plan-applies-once/after.yaml"),
    );
    ctx.ivsctl(&format!("plan -f {next} --out p.json --detailed-exitcode"))
        .code(2);
    ctx.owned("saved")
}

/// `apply p.json` refuses the stale plan naming `address`, writing nothing.
fn assert_stale(ctx: &TestContext, address: &str) {
    ctx.reset_log();
    ctx.ivsctl("apply p.json")
        .failure()
        .stderr_names(&["stale", address]);
    ctx.assert_no_writes("stale saved plan");
}

#[test]
fn a_saved_plan_is_refused_writing_nothing_after_an_out_of_band_update() {
    let ctx = TestContext::new();
    let arns = saved_plan(&ctx);
    // Someone changes a room the plan updates.
    ctx.update_room(&arns["rooms.changes"], json!({"maximumMessageLength": 77}));
    assert_stale(&ctx, "rooms.changes");
}

#[test]
fn a_saved_plan_is_refused_writing_nothing_after_an_out_of_band_tag_change() {
    let ctx = TestContext::new();
    let arns = saved_plan(&ctx);
    // Tagging does not move updateTime; the plan deletes `goes`.
    ctx.tag(&arns["rooms.goes"], json!({"owner": "someone"}));
    assert_stale(&ctx, "rooms.goes");
}

#[test]
fn a_saved_plan_is_refused_writing_nothing_when_a_planned_create_already_exists() {
    let ctx = TestContext::new();
    saved_plan(&ctx);
    // Another apply got there first: rooms.added exists now.
    ctx.room(json!({"name": "added", "tags": {"ivsctl:stack": "saved", "ivsctl:key": "added"}}));
    assert_stale(&ctx, "rooms.added");
}

#[test]
fn an_unchanged_account_keeps_a_saved_plan_valid_after_reads_and_unrelated_writes() {
    let ctx = TestContext::new();
    let arns = saved_plan(&ctx);
    // Unrelated activity: an unmanaged room appears, and a room the plan
    // leaves alone (a no-op) gets a tag.
    ctx.room(json!({"name": "unrelated"}));
    ctx.tag(&arns["rooms.stays"], json!({"note": "hi"}));
    ctx.reset_log();
    ctx.ivsctl("apply p.json").success();
    assert!(!ctx.writes().is_empty());
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
        let ctx = TestContext::with_config(config());
        ctx.apply_ok(&ctx.file("m.yaml", manifest));
        ctx.owned("awstags")["rooms.r"].clone()
    };
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let rooms = doc["rooms"].as_array_mut().unwrap();
    let room = rooms.iter_mut().find(|r| r["arn"] == arn.as_str()).unwrap();
    room["tags"]["aws:cloudformation:stack-name"] = json!("cfn-stack");
    std::fs::write(&state, doc.to_string()).unwrap();

    let ctx = TestContext::with_config(config());
    let file = ctx.file("m.yaml", manifest);
    ctx.assert_no_changes(&file);
    // Remove a tag and change one: the aws: tag is neither removed nor shown.
    ctx.file(
        "m.yaml",
        "version: 1\nstack: awstags\nrooms:\n  r:\n    tags: {env: prod}\n",
    );
    ctx.ivsctl(&format!("plan -f {file} --detailed-exitcode"))
        .code(2)
        .stdout_lacks("aws:cloudformation");
    ctx.reset_log();
    ctx.apply_ok(&file);
    insta::assert_snapshot!(ctx.write_log(), @r#"
    UntagResource rooms.r {"tagKeys":["stray"]}
    TagResource rooms.r {"tags":{"env":"prod","ivsctl:applied":"[RECORD t=c m=500,10]"}}
    "#);
    assert_eq!(
        ctx.rooms()[0]["tags"]["aws:cloudformation:stack-name"],
        "cfn-stack"
    );
    ctx.assert_no_changes(&file);
}

#[test]
fn with_aws_rate_quotas_a_large_apply_succeeds() {
    let ctx = TestContext::with_config(EmulatorConfig {
        quotas: Quotas::Aws,
        ..EmulatorConfig::default()
    });
    let mut m = String::from("version: 1\nstack: big\nloggingConfigurations:\n");
    for i in 0..3 {
        m += &format!("  l{i}:\n    destination:\n      s3:\n        bucketName: big-{i}\n");
    }
    m += "rooms:\n";
    for i in 0..12 {
        m += &format!(
            "  r{i}:\n    loggingConfigurations: [l{}]\n    tags: {{n: \"{i}\"}}\n",
            i % 3
        );
    }
    let file = ctx.file("m.yaml", &m);
    ctx.apply_ok(&file);
    let throttled = ctx.log().iter().filter(|r| r.status == 429).count();
    eprintln!("429 answers: {throttled} of {}", ctx.log().len());
    assert_eq!(ctx.owned("big").len(), 15);
    ctx.assert_no_changes(&file);
    // Every room's tag changes: 12 TagResource calls, paced; throttled
    // attempts are retried: 12 succeed, one per room.
    ctx.file("m.yaml", &m.replace("{n: \"", "{n: \"x"));
    ctx.reset_log();
    ctx.apply_ok(&file);
    let tags = ctx.writes();
    assert!(
        tags.iter().all(|c| c.operation == "TagResource"),
        "{tags:#?}"
    );
    let ok: Vec<String> = tags
        .iter()
        .filter(|c| c.status == 200)
        .map(|c| c.input["resourceArn"].to_string())
        .collect();
    assert_eq!(
        (ok.iter().collect::<BTreeSet<_>>().len(), ok.len()),
        (12, 12)
    );
    ctx.assert_no_changes(&file);
}
