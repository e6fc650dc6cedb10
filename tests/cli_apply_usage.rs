//! `apply` and `destroy` as people run them, through the real `ivsctl`
//! binary: without a terminal (they refuse unless `--auto-approve`) and on
//! one (they ask; only `yes` proceeds), against a local state file
//! (`--local`), and the example manifests in `examples/` exactly as
//! documented (the contract: docs/usage.md; the example workflow:
//! examples_workflow.rs).

mod common;

use common::{repo, Output, TestContext};
use std::path::Path;

// ---------------------------------------------------------------------------
// Terminals
// ---------------------------------------------------------------------------

#[test]
fn without_a_terminal_apply_and_destroy_refuse_unless_auto_approve() {
    let ctx = TestContext::new();
    let file = ctx.file("m.yaml", "version: 1\nstack: tty\nrooms:\n  a: {}\n");
    // stdin is /dev/null, or a piped "yes", which is not a terminal either.
    let refused = |verb: &str| {
        ctx.reset_log();
        let cmd = ctx.cmd(&[verb, "-f", &file]);
        for out in [cmd.clone().run(), cmd.stdin("yes\n").run()] {
            out.failure()
                .stderr_contains("--auto-approve")
                .stderr_contains(&format!("refusing to {verb} without approval"));
            ctx.assert_no_writes(&format!("{verb} without a terminal"));
        }
    };
    refused("apply");
    assert!(ctx.rooms().is_empty());
    ctx.apply_ok(&file);
    refused("destroy");
    assert_eq!(ctx.rooms().len(), 1);
}

/// Runs ivsctl with a terminal as stdin/stdout (util-linux `script`), typing
/// `input`. None when `script` is not available.
fn ivsctl_on_terminal(ctx: &TestContext, args: &[&str], input: &str) -> Option<(i32, String)> {
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
        .current_dir(ctx.dir());
    common::isolated_env(&mut cmd, &ctx.endpoint());
    cmd.env("TERM", "dumb")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().ok()?;
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let out = child.wait_with_output().ok()?;
    Some((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

#[test]
fn on_a_terminal_apply_and_destroy_ask_and_only_yes_proceeds() {
    let ctx = TestContext::new();
    let file = ctx.file("m.yaml", "version: 1\nstack: ask\nrooms:\n  a: {}\n");
    ctx.reset_log();
    let Some((code, out)) = ivsctl_on_terminal(&ctx, &["apply", "-f", &file], "no\n") else {
        eprintln!("skipped: util-linux `script` is not available");
        return;
    };
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Only 'yes' will be accepted") && out.contains("cancelled"),
        "{out}"
    );
    ctx.assert_no_writes("apply answered no");
    // Destroy speaks of destroying: the question, the cancel, the result.
    let question = "Destroy all 1 resource of stack ask (us-east-1)? They are deleted for good";
    for (verb, answer, code, op, says) in [
        (
            "apply",
            "yes\n",
            0,
            Some("CreateRoom"),
            vec!["Apply complete!"],
        ),
        (
            "destroy",
            "y\n",
            1,
            None,
            vec![question, "destroy cancelled; nothing was destroyed"],
        ),
        (
            "destroy",
            "yes\n",
            0,
            Some("DeleteRoom"),
            vec![question, "Destroy complete! Resources: 1 destroyed."],
        ),
    ] {
        ctx.reset_log();
        let (got, out) = ivsctl_on_terminal(&ctx, &[verb, "-f", &file], answer).unwrap();
        assert_eq!(got, code, "{verb} answered {answer:?}: {out}");
        let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
        for text in says {
            assert!(
                out.contains(text),
                "{verb} answered {answer:?}: no {text:?} in {out}"
            );
        }
        let writes: Vec<String> = ctx.writes().into_iter().map(|w| w.operation).collect();
        assert_eq!(
            writes,
            Vec::from_iter(op.map(String::from)),
            "{verb} answered {answer:?}"
        );
    }
    assert!(ctx.owned("ask").is_empty());
}

// ---------------------------------------------------------------------------
// What apply prints
// ---------------------------------------------------------------------------

/// The headings of `markdown` as a CommonMark (GFM tables) reader sees
/// them, each as its text (code spans included); and the raw HTML blocks.
fn markdown_blocks(markdown: &str) -> (Vec<String>, Vec<String>) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let (mut headings, mut html) = (Vec::new(), Vec::new());
    let mut heading: Option<String> = None;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => headings.extend(heading.take()),
            Event::Text(t) | Event::Code(t) if heading.is_some() => {
                heading.as_mut().unwrap().push_str(&t)
            }
            Event::Html(h) => html.push(h.to_string()),
            _ => {}
        }
    }
    (headings, html)
}

/// `apply --format markdown` writes the plan, whose details are a
/// `<details>` HTML block, then the report: the report's heading must be a
/// heading, not text inside the HTML block, for one stack and for several.
#[test]
fn the_markdown_apply_report_heading_is_a_heading_after_the_plan_details() {
    let ctx = TestContext::new();
    let one = ctx.file("one/m.yaml", "version: 1\nstack: md\nrooms:\n  a: {}\n");
    let out = ctx.apply(&one, &["--format", "markdown"]);
    out.success().stdout_contains("</details>");
    let (headings, html) = markdown_blocks(&out.stdout);
    assert_eq!(
        headings,
        [
            "ivsctl plan — stack md (us-east-1)",
            "ivsctl apply — stack md (us-east-1)"
        ],
        "{out}"
    );
    assert!(html.iter().all(|h| !h.contains('#')), "{html:?}\n{out}");
    // Two stacks, one of them with changes (an update of `md`, a create in
    // `md2`): every section and the report are headings.
    ctx.file(
        "one/m.yaml",
        "version: 1\nstack: md\nrooms:\n  a: {maximumMessageLength: 9}\n",
    );
    ctx.file("one/n.yaml", "version: 1\nstack: md2\nrooms:\n  b: {}\n");
    let out = ctx.run(&[
        "apply",
        "-f",
        &ctx.path("one"),
        "--auto-approve",
        "--format",
        "markdown",
    ]);
    let (headings, html) = markdown_blocks(&out.success().stdout);
    assert_eq!(
        headings,
        [
            "ivsctl plan — 2 stacks",
            "ivsctl plan — stack md (us-east-1)",
            "ivsctl plan — stack md2 (us-east-1)",
            "ivsctl apply — 2 stacks"
        ],
        "{out}"
    );
    assert!(html.iter().all(|h| !h.contains('#')), "{html:?}\n{out}");
}

/// With nothing to do, apply prints the plan (`No changes.`) and then the
/// empty report, in every format (JSON always did), and writes nothing.
#[test]
fn apply_with_nothing_to_do_prints_no_changes_and_the_empty_report() {
    let ctx = TestContext::new();
    let file = ctx.file("m.yaml", "version: 1\nstack: calm\nrooms:\n  a: {}\n");
    ctx.apply_ok(&file);
    ctx.reset_log();
    ctx.apply(&file, &[])
        .success()
        .stdout_contains("No changes.")
        .last_line("Apply complete! Resources: 0 added, 0 changed, 0 destroyed.");
    let out = ctx.apply(&file, &["--format", "markdown"]);
    out.success()
        .stdout_contains("No changes.")
        .last_line("**Apply complete! Resources: 0 added, 0 changed, 0 destroyed.**");
    let (headings, _) = markdown_blocks(&out.stdout);
    assert_eq!(
        headings,
        [
            "ivsctl plan — stack calm (us-east-1)",
            "ivsctl apply — stack calm (us-east-1)"
        ],
        "{out}"
    );
    let doc = ctx.apply(&file, &["--format", "json"]).success().json();
    assert_eq!(doc["summary"]["done"], 0, "{doc:#}");
    // destroy of a stack that owns nothing: the same, in its own words.
    let empty = ctx.file("e.yaml", "version: 1\nstack: nothing-here\n");
    ctx.run(&["destroy", "-f", &empty, "--auto-approve"])
        .success()
        .stdout_contains("Nothing to destroy")
        .last_line("Destroy complete! Resources: 0 destroyed.");
    ctx.assert_no_writes("apply and destroy with nothing to do");
}

// ---------------------------------------------------------------------------
// --local
// ---------------------------------------------------------------------------

/// `ivsctl ARGS` in the context's directory with no endpoint: --local needs
/// no AWS_ENDPOINT_URL and no account.
fn local(ctx: &TestContext, args: &[&str]) -> Output {
    ctx.cmd(args).endpoint("").run()
}

#[test]
fn local_applies_to_a_state_file_in_the_working_directory_and_plans_no_changes() {
    let ctx = TestContext::new();
    let q = repo("examples/quickstart.yaml");
    local(&ctx, &["--local", "apply", "-f", &q, "--auto-approve"])
        .success()
        .stdout_contains("3 to add");
    let state = std::fs::read_to_string(ctx.dir().join(".ivsctl/local-state.json")).unwrap();
    assert!(
        state.contains("quickstart"),
        "the state holds the stack: {state}"
    );
    local(&ctx, &["--local", "plan", "-f", &q, "--detailed-exitcode"])
        .success()
        .stdout_contains("No changes.");
}

#[test]
fn local_state_uses_the_given_file() {
    let ctx = TestContext::new();
    let q = repo("examples/quickstart.yaml");
    let mine = |args: &[&str]| local(&ctx, &[&["--local-state", "sub/mine.json"], args].concat());
    mine(&["apply", "-f", &q, "--auto-approve"]).success();
    assert!(ctx.dir().join("sub/mine.json").is_file());
    assert!(
        !ctx.dir().join(".ivsctl").exists(),
        "--local-state must not touch the default file"
    );
    mine(&["plan", "-f", &q, "--detailed-exitcode"]).success();
    // The default state is another, empty, account.
    local(&ctx, &["--local", "plan", "-f", &q, "--detailed-exitcode"])
        .code(2)
        .stdout_contains("3 to add");
}

// ---------------------------------------------------------------------------
// examples/
// ---------------------------------------------------------------------------

/// Validates, applies to an emulator in the manifest's region, then plans no
/// changes.
fn example_round_trip(name: &str, region: &str, resources: usize) {
    let ctx = TestContext::in_region(region);
    let file = repo(&format!("examples/{name}"));
    ctx.ivsctl(&format!("validate -f {file}")).success();
    ctx.apply_ok(&file).stdout_contains(&format!("in {region}"));
    ctx.ivsctl(&format!("plan -f {file} --detailed-exitcode"))
        .success();
    assert_eq!(
        ctx.count("CreateRoom") + ctx.count("CreateLoggingConfiguration"),
        resources
    );
    let arn_prefix = format!("arn:aws:ivschat:{region}:");
    assert!(ctx
        .rooms()
        .iter()
        .all(|r| r["arn"].as_str().unwrap().starts_with(&arn_prefix)));
}

#[test]
fn the_quickstart_example_applies_and_then_plans_no_changes() {
    example_round_trip("quickstart.yaml", "us-east-1", 3);
}

#[test]
fn the_production_example_applies_and_then_plans_no_changes() {
    example_round_trip("production.yaml", "us-west-2", 7);
}
