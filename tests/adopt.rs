//! Adoption, renames and forgetting through the real binary against the
//! emulator: `import:` and `moved:` in the manifest (tag writes only, the
//! ARN kept, then a no-op plan), `ivsctl forget`, and
//! `ivsctl export --unmanaged`.

mod common;

use common::TestContext;
use serde_json::json;

const STACK_ROOMS: &str =
    "version: 1\nstack: keep\nrooms:\n  lobby: {}\n  vip:\n    protect: true\n";

#[test]
fn forget_removes_only_ivsctls_tags_and_refuses_protected_ones_unless_forced() {
    let ctx = TestContext::new();
    let m = ctx.file("m.yaml", STACK_ROOMS);
    ctx.apply_ok(&m);
    let arns = ctx.owned("keep");
    let (lobby, vip) = (arns["rooms.lobby"].clone(), arns["rooms.vip"].clone());
    ctx.tag(&lobby, json!({"team": "video"}));

    // Protected: refused, nothing written.
    ctx.reset_log();
    ctx.ivsctl(&format!("forget -f {m} rooms.lobby rooms.vip"))
        .failure()
        .stderr_contains("rooms.vip is protected");
    ctx.assert_no_writes("forget refused");

    ctx.reset_log();
    let out = ctx.ivsctl(&format!("forget -f {m} rooms.lobby"));
    out.success()
        .stdout_contains(&format!("Forgot keep/rooms.lobby ({lobby})"))
        .stdout_contains("still in the manifest");
    // Both lists run concurrently (in either order), then one untag.
    let mut ops = ctx.ops();
    ops[..2].sort();
    assert_eq!(
        ops,
        ["ListLoggingConfigurations", "ListRooms", "UntagResource"]
    );
    let untag = &ctx.inputs("UntagResource")[0];
    let mut keys: Vec<&str> = untag["tagKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    keys.sort();
    assert_eq!(keys, ["ivsctl:applied", "ivsctl:key", "ivsctl:stack"]);
    let room = ctx
        .emu
        .block_on(ctx.sdk.get_room().identifier(&lobby).send())
        .expect("the room is still there");
    assert_eq!(
        room.tags().unwrap().keys().collect::<Vec<_>>(),
        ["team"],
        "the user's tags stay"
    );

    // Forced: the protected one goes too, ivsctl:protect included.
    ctx.reset_log();
    ctx.ivsctl(&format!("forget -f {m} rooms.vip --force"))
        .success();
    let untag = &ctx.inputs("UntagResource")[0];
    assert_eq!(untag["resourceArn"], json!(vip));
    assert!(untag["tagKeys"]
        .as_array()
        .unwrap()
        .contains(&json!("ivsctl:protect")));
    assert!(ctx.owned("keep").is_empty());

    // Unknown and malformed addresses.
    ctx.ivsctl(&format!("forget -f {m} rooms.lobby"))
        .failure()
        .stderr_contains("does not exist");
    ctx.ivsctl(&format!("forget -f {m} lobby"))
        .failure()
        .stderr_contains("not a resource address");
}

/// The operations of the writes made since the log was reset.
fn write_ops(ctx: &TestContext) -> Vec<String> {
    ctx.writes().into_iter().map(|w| w.operation).collect()
}

#[test]
fn import_in_the_manifest_adopts_with_tag_writes_and_then_plans_no_changes() {
    let ctx = TestContext::new();
    let lc = ctx.lc(json!({"name": "old-logs", "destination": {"s3": {"bucketName": "old-logs"}}, "tags": {"team": "video"}}));
    let room = ctx
        .room(json!({"name": "hall", "maximumMessageLength": 300, "loggingConfigurations": [lc]}));
    let m = ctx.file(
        "m.yaml",
        &format!(
            "version: 1\nstack: adopt\nloggingConfigurations:\n  logs:\n    name: old-logs\n    destination: {{s3: {{bucketName: old-logs}}}}\n    tags: {{team: video}}\n    import: {lc}\nrooms:\n  hall:\n    maximumMessageLength: 300\n    loggingConfigurations: [logs]\n    import: {room}\n"
        ),
    );
    // The plan shows two imports, no field change, and writes nothing.
    ctx.reset_log();
    let plan = ctx.plan_json(&m);
    ctx.assert_reads_only("plan of imports");
    assert_eq!(plan["summary"]["import"], 2, "{plan:#}");
    assert_eq!(plan["summary"]["add"], 0, "{plan:#}");
    ctx.run(&["plan", "-f", &m])
        .success()
        .stdout_contains("will be imported");

    // Apply: one TagResource each (ownership and record), nothing else.
    ctx.reset_log();
    ctx.apply_ok(&m);
    assert_eq!(write_ops(&ctx), ["TagResource", "TagResource"]);
    let owned = ctx.owned("adopt");
    assert_eq!(owned["rooms.hall"], room, "the ARN is kept");
    assert_eq!(owned["loggingConfigurations.logs"], lc, "the ARN is kept");
    // Once owned by this key, `import:` is a no-op (and may be removed).
    ctx.assert_no_changes(&m);
    let without = std::fs::read_to_string(&m)
        .unwrap()
        .lines()
        .filter(|l| !l.contains("import:"))
        .collect::<Vec<_>>()
        .join("\n");
    let m2 = ctx.file("m2.yaml", &without);
    ctx.assert_no_changes(&m2);
}

#[test]
fn import_refuses_an_owned_resource_one_of_the_other_type_and_a_missing_one() {
    let ctx = TestContext::new();
    let theirs = ctx.file(
        "theirs.yaml",
        "version: 1\nstack: theirs\nrooms:\n  r: {}\n",
    );
    ctx.apply_ok(&theirs);
    let owned = ctx.owned("theirs")["rooms.r"].clone();
    let lc = ctx.lc(json!({"name": "x", "destination": {"s3": {"bucketName": "x-logs"}}}));
    let missing = owned[..owned.len() - 12].to_string() + "AAAAAAAAAAAA";
    for (arn, says) in [
        (owned.as_str(), "which stack theirs already owns (as r)"),
        (missing.as_str(), "which does not exist"),
    ] {
        let m = ctx.file(
            "m.yaml",
            &format!("version: 1\nstack: mine\nrooms:\n  r:\n    import: {arn}\n"),
        );
        ctx.reset_log();
        ctx.run(&["plan", "-f", &m])
            .failure()
            .stderr_contains(says)
            .stderr_contains("m.yaml:5:13");
        ctx.run(&["apply", "-f", &m, "--auto-approve"]).failure();
        ctx.assert_no_writes("a refused import");
    }
    // Another type: refused offline (validate), located.
    let m = ctx.file(
        "m.yaml",
        &format!("version: 1\nstack: mine\nrooms:\n  r:\n    import: {lc}\n"),
    );
    ctx.run(&["validate", "-f", &m])
        .failure()
        .stderr_contains("a room can only import a room");
}

#[test]
fn moved_renames_a_key_keeping_the_arn_with_one_tag_write() {
    let ctx = TestContext::new();
    let before = ctx.file(
        "m.yaml",
        "version: 1\nstack: mv\nrooms:\n  old:\n    name: hall\n",
    );
    ctx.apply_ok(&before);
    let arn = ctx.owned("mv")["rooms.old"].clone();
    let after = ctx.file(
        "m.yaml",
        "version: 1\nstack: mv\nrooms:\n  new:\n    name: hall\nmoved:\n  - from: rooms.old\n    to: rooms.new\n",
    );
    ctx.reset_log();
    let plan = ctx.plan_json(&after);
    assert_eq!(
        (
            &plan["summary"]["move"],
            &plan["summary"]["add"],
            &plan["summary"]["destroy"]
        ),
        (&json!(1), &json!(0), &json!(0)),
        "{plan:#}"
    );
    ctx.run(&["plan", "-f", &after])
        .success()
        .stdout_contains("rooms.old")
        .stdout_contains("rooms.new");
    ctx.reset_log();
    ctx.apply_ok(&after);
    assert_eq!(write_ops(&ctx), ["TagResource"], "no delete, no create");
    assert_eq!(ctx.inputs("TagResource")[0]["tags"]["ivsctl:key"], "new");
    assert_eq!(ctx.owned("mv")["rooms.new"], arn, "the ARN is kept");
    ctx.assert_no_changes(&after);
}

#[test]
fn a_renamed_stack_is_a_warning_and_moved_from_stack_carries_its_resources_over() {
    let ctx = TestContext::new();
    let old = ctx.file(
        "m.yaml",
        "version: 1\nstack: chat-old\nrooms:\n  lobby: {}\n",
    );
    ctx.apply_ok(&old);
    let arn = ctx.owned("chat-old")["rooms.lobby"].clone();
    // Renamed: the plan warns, naming the old stack and the fix.
    let renamed = ctx.file("m.yaml", "version: 1\nstack: chat\nrooms:\n  lobby: {}\n");
    ctx.run(&["plan", "-f", &renamed])
        .success()
        .stdout_contains("chat-old")
        .stdout_contains("fromStack: chat-old");
    // With moved: fromStack, the resources move: one tag write, same ARN.
    let moved = ctx.file(
        "m.yaml",
        "version: 1\nstack: chat\nrooms:\n  lobby: {}\nmoved:\n  - fromStack: chat-old\n",
    );
    ctx.reset_log();
    ctx.apply_ok(&moved);
    assert_eq!(write_ops(&ctx), ["TagResource"]);
    assert_eq!(ctx.owned("chat")["rooms.lobby"], arn);
    assert!(ctx.owned("chat-old").is_empty());
    ctx.assert_no_changes(&moved);
}

#[test]
fn export_unmanaged_writes_a_manifest_that_adopts_everything_no_stack_owns() {
    let ctx = TestContext::new();
    // Nothing at all: not an error of "no stack", but nothing to adopt.
    ctx.run(&["export", "--unmanaged"])
        .failure()
        .stderr_contains("nothing to adopt");
    // Unmanaged resources, on an account where no stack exists yet.
    let logs = ctx.lc(json!({"name": "logs", "destination": {"s3": {"bucketName": "chat-logs"}}, "tags": {"team": "video"}}));
    let hall = ctx.room(json!({"name": "hall", "maximumMessageRatePerSecond": 3, "loggingConfigurations": [logs], "tags": {"team": "video"}}));
    let twin = ctx.room(json!({"name": "hall"}));
    let unnamed = ctx.room(json!({}));
    let out = ctx.run(&["export", "--unmanaged"]);
    out.success()
        .stdout_contains("stack: adopted")
        .stdout_contains(&format!("import: {hall}"))
        .stdout_contains(&format!("import: {twin}"))
        .stdout_contains(&format!("import: {unnamed}"))
        .stdout_contains(&format!("import: {logs}"))
        .stdout_contains("hall-2:")
        .stdout_contains("    loggingConfigurations:\n      - logs\n");
    let m = ctx.file("adopted.yaml", &out.stdout);

    // Its plan imports each resource and changes nothing else.
    let plan = ctx.plan_json(&m);
    assert_eq!(plan["summary"]["import"], 4, "{plan:#}");
    for c in plan["resource_changes"].as_array().unwrap() {
        for f in c["changes"].as_array().unwrap() {
            assert!(f["field"].as_str().unwrap().starts_with("tags."), "{c:#}");
        }
    }
    // Apply: tag writes only; the ARNs kept; then no changes, nothing left.
    ctx.reset_log();
    ctx.apply_ok(&m);
    assert_eq!(write_ops(&ctx), ["TagResource"; 4]);
    let owned = ctx.owned("adopted");
    let mut arns: Vec<&String> = owned.values().collect();
    arns.sort();
    let mut expected = vec![&logs, &hall, &twin, &unnamed];
    expected.sort();
    assert_eq!(arns, expected);
    ctx.assert_no_changes(&m);
    ctx.run(&["export", "--unmanaged"])
        .failure()
        .stderr_contains("nothing to adopt");

    // A name that is already a stack is refused (its manifest would delete
    // the stack's resources).
    ctx.room(json!({"name": "late"}));
    ctx.run(&["export", "--unmanaged", "--stack", "adopted"])
        .failure()
        .stderr_contains("stack adopted already owns 4 resources");
    ctx.run(&["export", "--unmanaged", "--stack", "late-ones"])
        .success()
        .stdout_contains("stack: late-ones")
        .stdout_contains("late:");
}
