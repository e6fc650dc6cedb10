//! The commands around plan and apply, through the real `ivsctl` binary
//! against an in-process emulator (the contract: docs/usage.md):
//! `show PLANFILE` prints a saved plan exactly as `plan` printed it;
//! `output` prints each resource's key, ARN and id from the List pages;
//! `completions SHELL` and `man` are generated from the command line's own
//! definitions.

mod common;

use common::TestContext;
use serde_json::Value;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------
// show
// ---------------------------------------------------------------------------

const BEFORE: &str = "version: 1
stack: shown
loggingConfigurations:
  archive:
    destination: {s3: {bucketName: shown-logs}}
rooms:
  lobby: {maximumMessageLength: 100}
  old: {}
";

/// BEFORE, then: a room updated (a field and a tag), a room and a logging
/// configuration created, a room deleted.
const AFTER: &str = "version: 1
stack: shown
loggingConfigurations:
  archive:
    destination: {s3: {bucketName: shown-logs}}
  extra:
    destination: {cloudWatchLogs: {logGroupName: shown-group}}
rooms:
  lobby:
    maximumMessageLength: 200
    loggingConfigurations: [archive]
    tags: {team: video}
  hall: {loggingConfigurations: [extra]}
";

#[test]
fn show_prints_a_saved_plan_exactly_as_plan_printed_it_in_every_format() {
    let ctx = TestContext::new();
    let before = ctx.file("m.yaml", BEFORE);
    ctx.apply_ok(&before);
    let after = ctx.file("m.yaml", AFTER);
    // A second stack in the same directory: a run of two stacks.
    ctx.file(
        "n.yaml",
        "version: 1\nstack: shown-too\nrooms:\n  solo: {}\n",
    );
    for (files, what) in [
        (vec![after.clone()], "one stack"),
        (vec![ctx.path(".")], "two stacks"),
    ] {
        for format in ["human", "json", "markdown"] {
            let saved = ctx.path(&format!("plan-{format}.json"));
            let mut args = vec!["plan".to_string()];
            for f in &files {
                args.extend(["-f".to_string(), f.clone()]);
            }
            args.extend(["--format", format, "--out", &saved].map(String::from));
            let plan = ctx.run(&args);
            plan.success();
            // Creates, an update and a delete, so the renderers have work.
            for needle in ["rooms.hall", "rooms.lobby", "rooms.old", "extra"] {
                plan.stdout_contains(needle);
            }
            ctx.reset_log();
            let show = ctx.run(&["show", &saved, "--format", format]);
            show.success();
            assert_eq!(
                show.stdout, plan.stdout,
                "{what}, {format}:\n{plan}\n{show}"
            );
            ctx.assert_no_calls("show reads no account");
        }
    }
    // The default format is human.
    let saved = ctx.path("plan-human.json");
    let shown = ctx.run(&["show", &saved]);
    shown.success().stdout_contains("Plan: ");
}

#[test]
fn show_of_a_file_that_is_not_a_saved_plan_says_so_and_exits_1() {
    let ctx = TestContext::new();
    let manifest = ctx.file("m.yaml", BEFORE);
    let other = ctx.file("other.json", "{\"kind\": \"something-else\"}\n");
    let text = ctx.file("notes.txt", "hello\n");
    ctx.reset_log();
    let cases = [
        (manifest.as_str(), "is a manifest, not a saved plan"),
        (other.as_str(), "not a saved plan"),
        (text.as_str(), "not a saved plan (invalid JSON"),
    ];
    for (file, says) in cases {
        let out = ctx.run(&["show", file]);
        out.failure().stdout_empty().stderr_contains(says);
    }
    ctx.run(&["show", &ctx.path("missing.json")])
        .failure()
        .stderr_contains("cannot read the saved plan");
    ctx.assert_no_calls("show of files that are not plans");
}

// ---------------------------------------------------------------------------
// output
// ---------------------------------------------------------------------------

/// Every resource through the SDK's List calls: tag `ivsctl:key` -> (ARN,
/// id), for the resources of `stack`.
fn listed(ctx: &TestContext, stack: &str) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    let rooms = ctx.retry(|| ctx.sdk.list_rooms().max_results(50).send());
    let lcs = ctx.retry(|| ctx.sdk.list_logging_configurations().max_results(50).send());
    let rooms = rooms
        .rooms()
        .iter()
        .map(|r| ("rooms", r.tags(), r.arn(), r.id()));
    let lcs = lcs.logging_configurations().iter();
    let lcs = lcs.map(|l| ("loggingConfigurations", l.tags(), l.arn(), l.id()));
    for (kind, tags, arn, id) in rooms.chain(lcs) {
        let tags = tags.cloned().unwrap_or_default();
        if tags.get("ivsctl:stack").map(String::as_str) == Some(stack) {
            let key = format!("{kind}.{}", tags["ivsctl:key"]);
            out.insert(key, (arn.unwrap().to_string(), id.unwrap().to_string()));
        }
    }
    out
}

#[test]
fn output_prints_the_arns_and_ids_the_api_lists_reading_list_pages_only() {
    let ctx = TestContext::new();
    let file = ctx.file("m.yaml", BEFORE);
    ctx.apply_ok(&file);
    // Another stack's room and an unmanaged room are never listed.
    ctx.room(serde_json::json!({"tags": {"ivsctl:stack": "elsewhere", "ivsctl:key": "lobby"}}));
    ctx.room(serde_json::json!({"name": "unmanaged"}));
    // The manifest now declares a room not created yet, and no longer `old`,
    // which the stack still owns.
    let file = ctx.file("m.yaml", &BEFORE.replace("  old: {}\n", "  later: {}\n"));
    let live = listed(&ctx, "shown");
    assert_eq!(live.len(), 3, "{live:?}");
    ctx.reset_log();
    let doc = ctx
        .run(&["output", "-f", &file, "--format", "json"])
        .success()
        .json();
    assert_eq!(doc["format_version"], "1", "{doc:#}");
    let stacks = doc["stacks"].as_array().unwrap();
    assert_eq!(stacks.len(), 1, "{doc:#}");
    let stack = &stacks[0];
    assert_eq!(
        (&stack["stack"], &stack["region"]),
        (&Value::from("shown"), &Value::from("us-east-1"))
    );
    let mut printed = BTreeMap::new();
    for kind in ["rooms", "loggingConfigurations"] {
        for (key, ids) in stack[kind].as_object().unwrap() {
            printed.insert(format!("{kind}.{key}"), ids.clone());
        }
    }
    assert_eq!(
        printed.keys().collect::<Vec<_>>(),
        [
            "loggingConfigurations.archive",
            "rooms.later",
            "rooms.lobby",
            "rooms.old"
        ],
        "{doc:#}"
    );
    for (address, (arn, id)) in &live {
        assert_eq!(printed[address]["arn"], arn.as_str(), "{address}: {doc:#}");
        assert_eq!(printed[address]["id"], id.as_str(), "{address}: {doc:#}");
    }
    assert_eq!(
        printed["rooms.later"],
        serde_json::json!({"arn": null, "id": null})
    );
    // Ownership is in the List summaries: no GetRoom, no other call.
    let ops: Vec<String> = ctx.counts().into_keys().collect();
    assert_eq!(ops, ["ListLoggingConfigurations", "ListRooms"]);

    // The table: a header, then one line per resource with its key, ARN and
    // id, in columns at least two spaces apart.
    ctx.reset_log();
    let out = ctx.run(&["output", "-f", &file]);
    out.success().stdout_contains("stack shown in us-east-1");
    let cells = |line: &str| -> Vec<String> {
        let cells = line.split("  ").map(str::trim).filter(|c| !c.is_empty());
        cells.map(String::from).collect()
    };
    let header = cells(out.line("TYPE"));
    assert_eq!(header, ["TYPE", "KEY", "ARN", "ID"], "{out}");
    for (address, (arn, id)) in &live {
        let (kind, key) = address.split_once('.').unwrap();
        let kind = if kind == "rooms" {
            "room"
        } else {
            "loggingConfiguration"
        };
        let line = cells(out.line(arn));
        assert_eq!(line, [kind, key, &**arn, &**id], "{out}");
    }
    let later = cells(out.line(" later "));
    assert_eq!(later, ["room", "later", "(not created)", "-"], "{out}");
    out.stdout_lacks("elsewhere").stdout_lacks("unmanaged");
    assert_eq!(ctx.count("GetRoom"), 0);
}

#[test]
fn output_of_several_stacks_and_of_one_chosen_with_stack() {
    let ctx = TestContext::new();
    ctx.file(
        "stacks/a.yaml",
        "version: 1\nstack: first\nrooms:\n  r: {}\n",
    );
    ctx.file(
        "stacks/b.yaml",
        "version: 1\nstack: second\nrooms:\n  s: {}\n",
    );
    let dir = ctx.path("stacks");
    ctx.run(&["apply", "-f", &dir, "--auto-approve"]).success();
    let doc = ctx
        .run(&["output", "-f", &dir, "--format", "json"])
        .success()
        .json();
    let names: Vec<&str> = doc["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stack"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["first", "second"], "{doc:#}");
    let second = listed(&ctx, "second");
    assert_eq!(
        doc["stacks"][1]["rooms"]["s"]["arn"],
        second["rooms.s"].0.as_str()
    );
    let out = ctx.run(&["output", "-f", &dir, "--stack", "second"]);
    out.success()
        .stdout_contains("stack second in us-east-1")
        .stdout_contains(&second["rooms.s"].0)
        .stdout_lacks("first");
    ctx.run(&["output", "-f", &dir, "--stack", "third"])
        .failure()
        .stderr_contains("no stack third");
}

// ---------------------------------------------------------------------------
// completions and man
// ---------------------------------------------------------------------------

#[test]
fn completions_cover_the_subcommands_and_their_flags_in_every_shell() {
    let ctx = TestContext::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = ctx.run(&["completions", shell]);
        out.success();
        for word in ["plan", "apply", "chat", "show", "output"] {
            out.stdout_contains(word);
        }
        // fish names a long flag with `-l NAME`; the others write `--NAME`.
        let flag = match shell {
            "fish" => "-l detailed-exitcode",
            _ => "--detailed-exitcode",
        };
        out.stdout_contains(flag);
    }
    // bash parses the script, and completing with it offers what ivsctl has.
    let script = ctx.run(&["completions", "bash"]).stdout;
    let path = ctx.file("ivsctl.bash", &script);
    let check = std::process::Command::new("bash")
        .args(["-n", &path])
        .output()
        .expect("bash runs");
    assert!(check.status.success(), "bash -n: {check:?}");
    let complete = |words: &str, cword: usize, cur: &str, prev: &str| -> String {
        let line = format!(
            "source '{path}'; COMP_WORDS=({words}); COMP_CWORD={cword}; \
             _ivsctl ivsctl '{cur}' '{prev}'; echo \"${{COMPREPLY[@]}}\""
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &line])
            .output()
            .expect("bash runs");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(complete("ivsctl pl", 1, "pl", "ivsctl").trim(), "plan");
    assert_eq!(
        complete("ivsctl plan --detailed", 2, "--detailed", "plan").trim(),
        "--detailed-exitcode"
    );
    let shells = complete("ivsctl completions ''", 2, "", "completions");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        assert!(shells.split_whitespace().any(|w| w == shell), "{shells}");
    }
    ctx.run(&["completions", "tcsh"])
        .failure()
        .stderr_contains("tcsh");
}

#[test]
fn man_prints_the_page_of_ivsctl_or_writes_one_per_command() {
    let ctx = TestContext::new();
    let out = ctx.run(&["man"]);
    out.success();
    assert!(out.stdout.starts_with(".TH ivsctl 1 "), "{out}");
    for word in [".SH NAME", "plan", "apply", "chat", "\\-\\-local"] {
        out.stdout_contains(word);
    }
    let written = ctx.run(&["man", "--out", "pages"]);
    written.success();
    let paths: Vec<&str> = written.stdout.lines().collect();
    for page in [
        "ivsctl.1",
        "ivsctl-plan.1",
        "ivsctl-show.1",
        "ivsctl-chat-token.1",
    ] {
        let path = ctx.dir().join("pages").join(page);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}\n{written}", path.display()));
        assert!(text.starts_with(".TH "), "{page}: {text}");
        assert!(paths.iter().any(|p| p.ends_with(page)), "{written}");
    }
    let plan = std::fs::read_to_string(ctx.dir().join("pages/ivsctl-plan.1")).unwrap();
    assert!(plan.contains("detailed\\-exitcode"), "{plan}");
    // The page of ivsctl is the one printed on stdout.
    let main = std::fs::read_to_string(ctx.dir().join("pages/ivsctl.1")).unwrap();
    assert_eq!(main, out.stdout);
}
