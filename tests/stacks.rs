//! Runs of several stacks, through the real binary against the emulator:
//! the example repository (`examples/repo`: three stacks, two environments,
//! defaults, anchors, merge keys, `x-` keys, variables and `STACK/KEY`
//! references) planned and applied with one discovery; `--stack`; one
//! stack's failure leaving the others applied; cross-stack references
//! (created first, an error with a location when missing, blocking the
//! owner's delete); two stacks claiming one resource; a resource moved
//! between two stacks of one run.

mod common;

use common::context::TestContext;
use common::repo;
use ivsctl::emulator::EmulatorConfig;
use serde_json::Value;

const REGION: &str = "us-west-2";

fn example_stacks() -> String {
    repo("examples/repo/stacks")
}

/// The ARN of `address` (`rooms.lobby`) owned by `stack`.
#[track_caller]
fn owned(ctx: &TestContext, stack: &str, address: &str) -> String {
    ctx.quiet(|| ctx.owned(stack))
        .get(address)
        .unwrap_or_else(|| panic!("{stack} owns no {address}"))
        .clone()
}

/// The rooms in full (GetRoom), by name.
fn rooms_by_name(ctx: &TestContext) -> std::collections::BTreeMap<String, Value> {
    ctx.quiet(|| ctx.rooms())
        .into_iter()
        .map(|r| (r["name"].as_str().unwrap().to_string(), r))
        .collect()
}

#[test]
fn the_example_repository_plans_and_applies_three_stacks_with_one_discovery() {
    let ctx = TestContext::in_region(REGION);
    let stacks = example_stacks();
    ctx.ivsctl(&format!("validate -f {stacks}"))
        .success()
        .stdout_contains("The manifests are valid: 3 stacks.");

    // Plan: a section and a summary per stack, a total, one discovery.
    ctx.reset_log();
    let out = ctx.ivsctl(&format!("plan -f {stacks} --detailed-exitcode"));
    out.code(2)
        .stdout_contains("ivsctl plan for stack chat-staging in us-west-2")
        .stdout_contains("Stack chat-staging: 3 to add, 0 to change, 0 to destroy.")
        .stdout_contains("Stack events-staging: 2 to add, 0 to change, 0 to destroy.")
        .stdout_contains("Stack shared-staging: 2 to add, 0 to change, 0 to destroy.")
        .stdout_contains("Plan: 7 to add, 0 to change, 0 to destroy.")
        // Resolved values: variables, defaults, anchors, merge keys.
        .stdout_contains("\"support-staging\"")
        .stdout_contains("function:chat-review-staging")
        .stdout_lacks("${");
    assert_eq!(ctx.count("ListRooms"), 1, "{:?}", ctx.ops());
    assert_eq!(ctx.count("ListLoggingConfigurations"), 1, "{:?}", ctx.ops());
    ctx.assert_reads_only("a plan");

    let json = ctx
        .ivsctl(&format!("plan -f {stacks} --format json"))
        .success()
        .json();
    assert_eq!(json["summary"]["add"], 7);
    let per_stack: Vec<(String, i64)> = json["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stack"].as_str().unwrap().to_string(),
                s["summary"]["add"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        per_stack,
        [
            ("chat-staging".to_string(), 3),
            ("events-staging".to_string(), 2),
            ("shared-staging".to_string(), 2)
        ]
    );
    ctx.ivsctl(&format!("plan -f {stacks} --format markdown"))
        .success()
        .stdout_contains("## ivsctl plan — 3 stacks")
        .stdout_contains("**Plan:** 7 to add, 0 to change, 0 to destroy.")
        .stdout_contains("| `chat-staging` | us-west-2 | 3 | 0 | 0 |")
        .stdout_contains("| `shared-staging` | us-west-2 | 2 | 0 | 0 |")
        .stdout_contains("### ivsctl plan — stack `events-staging` (us-west-2)");

    // Apply: one discovery; the shared logging configurations are created
    // before any room that refers to them.
    ctx.reset_log();
    ctx.ivsctl(&format!("apply -f {stacks} --auto-approve"))
        .success()
        .stdout_contains("Apply complete! Resources: 7 added, 0 changed, 0 destroyed.");
    assert_eq!(ctx.count("ListRooms"), 1, "{:?}", ctx.ops());
    let log = ctx.log();
    let last_lc = log
        .iter()
        .filter(|r| r.operation == "CreateLoggingConfiguration")
        .map(|r| r.seq)
        .max()
        .expect("logging configurations created");
    let first_room = log
        .iter()
        .filter(|r| r.operation == "CreateRoom")
        .map(|r| r.seq)
        .min()
        .expect("rooms created");
    assert!(last_lc < first_room, "{:?}", ctx.ops());
    assert_eq!(ctx.count("CreateRoom"), 5);

    let archive = owned(&ctx, "shared-staging", "loggingConfigurations.archive");
    let moderation = owned(&ctx, "shared-staging", "loggingConfigurations.moderation");
    let rooms = rooms_by_name(&ctx);
    let lcs = |name: &str| -> Vec<String> {
        let mut v: Vec<String> = rooms[name]["loggingConfigurations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(lcs("lobby-staging"), std::slice::from_ref(&archive));
    assert_eq!(lcs("keynote-staging"), std::slice::from_ref(&archive));
    let mut both = vec![archive.clone(), moderation];
    both.sort();
    assert_eq!(lcs("support-staging"), both);
    assert_eq!(rooms["support-staging"]["maximumMessageLength"], 200);
    assert_eq!(rooms["support-staging"]["maximumMessageRatePerSecond"], 2);
    assert_eq!(rooms["lobby-staging"]["maximumMessageRatePerSecond"], 10);
    assert_eq!(
        rooms["lobby-staging"]["messageReviewHandler"]["fallbackResult"],
        "ALLOW"
    );
    assert!(rooms["backstage-staging"]["messageReviewHandler"].is_null());
    assert_eq!(rooms["qa-staging"]["maximumMessageLength"], 300);

    // Steady state: no changes, from the list pages alone.
    ctx.reset_log();
    ctx.ivsctl(&format!("plan -f {stacks} --detailed-exitcode"))
        .success();
    assert_eq!(ctx.count("GetRoom"), 0, "{:?}", ctx.ops());

    // The same files are prod with variables, in the same account: new
    // resources, no warning about a renamed stack, and staging untouched.
    let prod = format!("-f {stacks} --var ENV=prod --var REVIEW_FALLBACK=DENY");
    ctx.ivsctl(&format!("plan {prod} --detailed-exitcode"))
        .code(2)
        .stdout_contains("Plan: 7 to add, 0 to change, 0 to destroy.")
        .stdout_contains("Stack chat-prod: 3 to add")
        .stdout_lacks("Warning")
        .stderr_lacks("Warning");
    ctx.ivsctl(&format!("apply {prod} --auto-approve"))
        .success();
    let rooms = rooms_by_name(&ctx);
    assert_eq!(
        rooms["lobby-prod"]["messageReviewHandler"]["fallbackResult"],
        "DENY"
    );
    assert_eq!(
        rooms["lobby-prod"]["loggingConfigurations"],
        serde_json::json!([owned(&ctx, "shared-prod", "loggingConfigurations.archive")])
    );
    ctx.ivsctl(&format!("plan {prod} --detailed-exitcode"))
        .success();
    ctx.ivsctl(&format!("plan -f {stacks} --detailed-exitcode"))
        .success();
}

#[test]
fn stack_selects_stacks_and_names_the_ones_there_are() {
    let ctx = TestContext::in_region(REGION);
    let stacks = example_stacks();
    ctx.ivsctl(&format!(
        "plan -f {stacks} --stack events-staging --stack shared-staging"
    ))
    .success()
    .stdout_contains("Stack events-staging: 2 to add")
    .stdout_contains("Stack shared-staging: 2 to add")
    .stdout_contains("Plan: 4 to add, 0 to change, 0 to destroy.")
    .stdout_lacks("chat-staging");
    ctx.ivsctl(&format!(
        "apply -f {stacks} --stack shared-staging --auto-approve"
    ))
    .success();
    assert_eq!(ctx.quiet(|| ctx.owned("shared-staging")).len(), 2);
    assert!(ctx.quiet(|| ctx.owned("chat-staging")).is_empty());
    ctx.reset_log();
    ctx.ivsctl(&format!("plan -f {stacks} --stack chat --auto-approve"))
        .failure();
    ctx.ivsctl(&format!("plan -f {stacks} --stack chat"))
        .failure()
        .stderr_contains("no stack chat in the manifests given")
        .stderr_contains("chat-staging, events-staging, shared-staging");
    ctx.assert_no_calls("an unknown --stack");
}

#[test]
fn one_stacks_failure_leaves_the_others_applied() {
    // Room for one logging configuration: stack beta's second fails.
    let ctx = TestContext::with_config(EmulatorConfig {
        logging_configuration_quota: 1,
        ..EmulatorConfig::default()
    });
    ctx.file(
        "repo/alpha.yaml",
        "version: 1\nstack: alpha\nrooms:\n  a1: {}\n  a2: {}\n",
    );
    let beta = "version: 1\nstack: beta\nloggingConfigurations:\n  x: {destination: {s3: {bucketName: logs-x}}}\n  y: {destination: {s3: {bucketName: logs-y}}}\n";
    ctx.file("repo/beta.yaml", beta);
    ctx.file(
        "repo/gamma.yaml",
        "version: 1\nstack: gamma\nrooms:\n  g1: {maximumMessageLength: 10}\n",
    );
    let out = ctx.ivsctl("apply -f repo --auto-approve --format json");
    out.failure();
    let report = out.json();
    assert_eq!(report["summary"]["done"], 4, "{report:#}");
    assert_eq!(report["summary"]["failed"], 1, "{report:#}");
    let failed: Vec<&Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["stack"], "beta");
    assert_eq!(ctx.quiet(|| ctx.owned("alpha")).len(), 2);
    assert_eq!(ctx.quiet(|| ctx.owned("gamma")).len(), 1);
    assert_eq!(ctx.quiet(|| ctx.owned("beta")).len(), 1);

    // Human: the failure is named, the rest reported done.
    let kept = ctx.quiet(|| ctx.owned("beta"));
    let missing = if kept.contains_key("loggingConfigurations.x") {
        "y"
    } else {
        "x"
    };
    ctx.ivsctl("apply -f repo --auto-approve")
        .failure()
        .stdout_contains(&format!("beta/loggingConfigurations.{missing}"))
        .stdout_contains("Apply failed");
    // Without the logging configuration that does not fit, the run converges.
    let fits = beta
        .lines()
        .filter(|l| !l.starts_with(&format!("  {missing}:")))
        .collect::<Vec<_>>()
        .join("\n");
    ctx.file("repo/beta.yaml", &format!("{fits}\n"));
    ctx.ivsctl("apply -f repo --auto-approve").success();
    ctx.ivsctl("plan -f repo --detailed-exitcode").success();
}

#[test]
fn a_cross_stack_reference_is_located_when_missing_created_first_and_blocks_the_owners_delete() {
    let ctx = TestContext::new();
    let shared = "version: 1\nstack: shared\nloggingConfigurations:\n  archive: {destination: {s3: {bucketName: chat-logs}}}\n";
    let chat =
        "version: 1\nstack: chat\nrooms:\n  lobby:\n    loggingConfigurations: [shared/archive]\n";
    let chat_file = ctx.file("repo/chat.yaml", chat);

    // Alone, before shared exists: an error at the reference, no write.
    ctx.reset_log();
    ctx.ivsctl(&format!("plan -f {chat_file}"))
        .failure()
        .stderr_contains("rooms.lobby references loggingConfigurations.archive of stack shared, which does not exist")
        .stderr_contains("chat.yaml:5:29");
    ctx.assert_no_writes("a plan with a missing reference");

    // Together: shared's logging configuration is created first.
    ctx.file("repo/shared.yaml", shared);
    ctx.reset_log();
    ctx.ivsctl("apply -f repo --auto-approve").success();
    let ops: Vec<String> = ctx
        .ops()
        .into_iter()
        .filter(|o| o.starts_with("Create"))
        .collect();
    assert_eq!(ops, ["CreateLoggingConfiguration", "CreateRoom"]);
    let archive = owned(&ctx, "shared", "loggingConfigurations.archive");
    assert_eq!(
        rooms_by_name(&ctx)["lobby"]["loggingConfigurations"],
        serde_json::json!([archive])
    );

    // The consuming stack never changes it; its owner cannot delete it
    // while chat's room uses it, neither alone nor with chat.
    let shared_file = ctx.file(
        "repo/shared.yaml",
        "version: 1\nstack: shared\nloggingConfigurations: {}\n",
    );
    ctx.reset_log();
    ctx.ivsctl(&format!(
        "plan -f {shared_file} --allow-empty --detailed-exitcode"
    ))
    .failure()
    .stdout_contains("BLOCKED")
    .stdout_contains("still referenced by chat/rooms.lobby (arn:aws:ivschat:");
    ctx.ivsctl(&format!(
        "apply -f {shared_file} --allow-empty --auto-approve"
    ))
    .failure();
    ctx.ivsctl("apply -f repo --allow-empty --auto-approve")
        .failure()
        .stderr_contains("refuses");
    ctx.assert_no_writes("a blocked delete");
    assert!(ctx
        .quiet(|| ctx.logging_configurations())
        .iter()
        .any(|l| l["arn"] == archive.as_str()));
}

#[test]
fn two_stacks_claiming_one_resource_stop_the_run_and_a_move_between_stacks_keeps_the_arn() {
    let ctx = TestContext::new();
    ctx.file(
        "repo/a.yaml",
        "version: 1\nstack: a\nrooms:\n  keep: {}\n  lobby: {}\n",
    );
    ctx.ivsctl("apply -f repo --auto-approve").success();
    let lobby = owned(&ctx, "a", "rooms.lobby");

    // b takes lobby over while a still declares it: an error at b's claim.
    ctx.file(
        "repo/b.yaml",
        "version: 1\nstack: b\nmoved:\n  - fromStack: a\nrooms:\n  lobby: {}\n",
    );
    ctx.reset_log();
    ctx.ivsctl("plan -f repo")
        .failure()
        .stderr_contains(&format!(
            "{lobby} is claimed by two stacks of this run: a/rooms.lobby and b/rooms.lobby"
        ))
        .stderr_contains("b.yaml:4:3");
    ctx.ivsctl("apply -f repo --auto-approve").failure();
    ctx.assert_no_writes("two claims");

    // a lets it go in the same change: moved, not deleted, ARN kept, one
    // tag write.
    ctx.file("repo/a.yaml", "version: 1\nstack: a\nrooms:\n  keep: {}\n");
    ctx.ivsctl("plan -f repo --detailed-exitcode")
        .code(2)
        .stdout_contains("# rooms.lobby has moved from a/rooms.lobby")
        .stdout_contains("Stack a: 0 to add, 0 to change, 0 to destroy.")
        .stdout_contains("Plan: 0 to add, 1 to change, 0 to destroy.");
    ctx.reset_log();
    ctx.ivsctl("apply -f repo --auto-approve").success();
    let writes: Vec<String> = ctx.writes().iter().map(|w| w.operation.clone()).collect();
    assert_eq!(writes, ["TagResource"]);
    let tagged = ctx.inputs("TagResource");
    assert_eq!(tagged[0]["resourceArn"], lobby.as_str());
    assert_eq!(tagged[0]["tags"]["ivsctl:stack"], "b");
    assert_eq!(owned(&ctx, "b", "rooms.lobby"), lobby);
    ctx.ivsctl("plan -f repo --detailed-exitcode").success();
}

#[test]
fn reuse_plans_exactly_as_the_written_out_manifest() {
    let ctx = TestContext::in_region(REGION);
    let stacks = example_stacks();
    ctx.ivsctl(&format!(
        "apply -f {stacks} --stack shared-staging --auto-approve"
    ))
    .success();
    // chat-staging written out: no vars, defaults, anchors or merge keys.
    let written = ctx.file(
        "chat.yaml",
        r#"version: 1
stack: chat-staging
region: us-west-2
tags: {team: video, env: staging}
rooms:
  lobby:
    name: lobby-staging
    maximumMessageRatePerSecond: 10
    messageReviewHandler:
      uri: arn:aws:lambda:us-west-2:123456789012:function:chat-review-staging
      fallbackResult: ALLOW
    loggingConfigurations: [shared-staging/archive]
  support:
    name: support-staging
    maximumMessageLength: 200
    maximumMessageRatePerSecond: 2
    messageReviewHandler:
      uri: arn:aws:lambda:us-west-2:123456789012:function:chat-review-staging
      fallbackResult: ALLOW
    loggingConfigurations: [shared-staging/archive, shared-staging/moderation]
  backstage:
    name: backstage-staging
    maximumMessageLength: 200
    maximumMessageRatePerSecond: 2
    loggingConfigurations: [shared-staging/archive]
    protect: true
"#,
    );
    let reused = ctx
        .ivsctl(&format!(
            "plan -f {stacks} --stack chat-staging --format json"
        ))
        .success()
        .json();
    let plain = ctx.plan_json(&written);
    assert_eq!(reused, plain);
    // The same with variables from the environment.
    let from_env = ctx
        .cmd(&[
            "plan",
            "-f",
            &stacks,
            "--stack",
            "chat-staging",
            "--format",
            "json",
        ])
        .env("IVSCTL_VAR_MAX_RATE", "10")
        .run();
    from_env.success();
    assert_eq!(from_env.json(), plain);
}
