//! Apply scenarios as data: each directory of `tests/cases/` is one case.
//!
//! - `before.yaml` (optional): applied first (`apply --auto-approve`, which
//!   must succeed).
//! - `case.yaml` (optional):
//!   - `about`: what the case shows (else the leading comment of
//!     `after.yaml`);
//!   - `emulator`: `logging_config_delay_ms`, `region`;
//!   - `seed`: made through the SDK after `before.yaml`, as
//!     [`TestContext::seed`] takes it;
//!   - `commands`: the commands under test, `ivsctl` arguments split on
//!     white space (default: `apply -f after.yaml --auto-approve`); `cp A B`
//!     copies a file.
//! - Every other file (`after.yaml`, ...) is copied to the working directory
//!   after the seed. In the files, the seed and the commands, `{label}`
//!   stands for the ARN of the resource with that label (see redact.rs).
//! - `case.snap`: per command, the exit code, the write log (writes.rs:
//!   writes and GetLoggingConfiguration polls), the other reads (counted),
//!   stdout and stderr (redacted; stderr's progress lines sorted: they
//!   come in completion order); then the account in full after the last.
//!
//! When the last command is `apply -f FILE ...` and succeeds, the case also
//! checks the steady state: FILE validates, the same apply again writes
//! nothing and says "No changes.", and `plan --detailed-exitcode` exits 0.
//!
//! `IVSCTL_CASE=part` runs only the cases whose name contains `part`.

use super::context::{stack_of, TestContext};
use super::output::Output;
use ivsctl::emulator::EmulatorConfig;
use regex::Regex;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

const DEFAULT_COMMAND: &str = "apply -f after.yaml --auto-approve";

/// Runs every case under `root` (on as many threads as there are cores) and
/// reports all failures at once.
pub fn run_all(root: &Path) {
    let filter = std::env::var("IVSCTL_CASE").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && name(p).contains(&filter))
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no case in {} ({filter})", root.display());
    let queue = Mutex::new(dirs);
    let failed = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let Some(dir) = queue.lock().unwrap().pop() else {
                    return;
                };
                let run = std::panic::catch_unwind(|| run_case(&dir));
                if run.is_err() {
                    failed.lock().unwrap().push(name(&dir));
                }
            });
        }
    });
    let failed = failed.into_inner().unwrap();
    assert!(failed.is_empty(), "failed cases (see above): {failed:?}");
}

fn name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

fn read(dir: &Path, file: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(file)).ok()
}

/// Runs one case; panics (with the case's name) when it fails.
pub fn run_case(dir: &Path) {
    let case = name(dir);
    let spec: Value = read(dir, "case.yaml")
        .map(|t| serde_yaml::from_str(&t).unwrap_or_else(|e| panic!("{case}/case.yaml: {e}")))
        .unwrap_or(Value::Null);
    let after = read(dir, "after.yaml");
    let about = spec["about"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| leading_comment(after.as_deref().unwrap_or_default()));
    let mut config = EmulatorConfig::default();
    if let Some(ms) = spec["emulator"]["logging_config_delay_ms"].as_u64() {
        config.logging_config_delay = Duration::from_millis(ms);
    }
    if let Some(region) = spec["emulator"]["region"].as_str() {
        config.region = region.to_string();
    }
    let ctx = TestContext::with_config(config);
    let before = read(dir, "before.yaml");
    if let Some(stack) = before.as_deref().or(after.as_deref()).and_then(stack_of) {
        ctx.set_stack(&stack);
    }
    if let Some(text) = &before {
        let file = ctx.file("before.yaml", text);
        ctx.apply(&file, &[]).success();
    }
    ctx.scan();
    if !spec["seed"].is_null() {
        ctx.seed(&spec["seed"]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let file = name(&f);
        if !["case.yaml", "before.yaml", "case.snap"].contains(&file.as_str()) {
            let text = std::fs::read_to_string(&f).unwrap();
            ctx.file(&file, &ctx.resolve(&text));
        }
    }

    let commands: Vec<String> = match spec["commands"].as_array() {
        Some(list) => list
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect(),
        None => vec![DEFAULT_COMMAND.to_string()],
    };
    let mut report = String::new();
    let mut last: Option<(Vec<String>, Output)> = None;
    for command in &commands {
        ctx.reset_log();
        let words: Vec<String> = ctx
            .resolve(command)
            .split_whitespace()
            .map(String::from)
            .collect();
        if words[0] == "cp" {
            std::fs::copy(ctx.path(&words[1]), ctx.path(&words[2])).unwrap();
            report.push_str(&format!("$ {command}\n\n"));
            continue;
        }
        let out = ctx.run(&words);
        report.push_str(&section(&ctx, command, &out));
        last = Some((words, out));
    }
    report.push_str(&format!("live:{}\n", block(&ctx.live())));

    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(about);
    settings.bind(|| insta::assert_snapshot!("case", report));

    if let Some((args, out)) = last {
        if args.len() > 2 && args[0] == "apply" && args[1] == "-f" && out.code == 0 {
            assert_steady(&ctx, &args, &case);
        }
    }
}

/// FILE validates; the apply again writes nothing; the plan is empty.
fn assert_steady(ctx: &TestContext, args: &[String], case: &str) {
    let file = &args[2];
    ctx.run(&["validate", "-f", file]).success();
    ctx.reset_log();
    let again = ctx.run(args);
    again.success().stdout_contains("No changes.");
    ctx.assert_no_writes(&format!("{case}: the same apply again"));
    ctx.assert_no_changes(file);
}

/// One command's part of the snapshot.
fn section(ctx: &TestContext, command: &str, out: &Output) -> String {
    let stream = |text: &str| block(&sort_progress(&ctx.redact(text)));
    format!(
        "$ ivsctl {command}\nexit: {}\nwrites and polls:\n{}\nother reads: {}\nstdout:{}\nstderr:{}\n\n",
        out.code,
        indent(&ctx.write_log()),
        ctx.read_counts(),
        stream(&out.stdout),
        stream(&out.stderr),
    )
}

/// ` (empty)`, or the text on the next lines, indented.
fn block(text: &str) -> String {
    match text.trim_end() {
        "" => " (empty)".to_string(),
        t => format!("\n{}", indent(t)),
    }
}

fn indent(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("  {l}")
            }
        })
        .collect();
    lines.join("\n")
}

/// Sorts each run of progress lines (`rooms.lobby: create done ...`).
fn sort_progress(text: &str) -> String {
    static PROGRESS: OnceLock<Regex> = OnceLock::new();
    let re = PROGRESS
        .get_or_init(|| Regex::new(r"^(rooms|loggingConfigurations)\.[^:\s]+: \w+ ").unwrap());
    let mut out: Vec<&str> = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    for line in text.lines() {
        if re.is_match(line) {
            run.push(line);
            continue;
        }
        run.sort();
        out.append(&mut run);
        out.push(line);
    }
    run.sort();
    out.append(&mut run);
    out.join("\n")
}

fn leading_comment(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map_while(|l| l.strip_prefix('#'))
        .map(str::trim)
        .collect();
    lines.join(" ")
}
