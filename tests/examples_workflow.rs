//! examples/github-actions.yml, read as data (serde_yaml) and checked for
//! what makes it work: the triggers; concurrency per job only (a pull
//! request's run never cancels an apply); apply only on a push to main, with
//! OIDC; ivsctl built once per run, pinned and cached; every ivsctl flag one
//! the real binary's `--help` lists; and its ivsctl steps run as GitHub runs
//! them (bash -eo pipefail, the workflow's env, GITHUB_OUTPUT and
//! GITHUB_STEP_SUMMARY files) with the real binary against the emulator,
//! exit code 2 of the plan included.

mod common;

use common::{repo, Cmd, TestContext};
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn workflow() -> Value {
    let text = std::fs::read_to_string(repo("examples/github-actions.yml")).unwrap();
    serde_yaml::from_str(&text).expect("valid YAML")
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn steps(job: &Value) -> Vec<&Value> {
    job["steps"]
        .as_sequence()
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

/// The `run:` scripts of a job.
fn runs(job: &Value) -> Vec<&str> {
    steps(job)
        .into_iter()
        .filter_map(|s| s["run"].as_str())
        .collect()
}

/// The step of `job` whose script runs `ivsctl VERB`.
fn step_running<'a>(job: &'a Value, verb: &str) -> &'a Value {
    let needle = format!("ivsctl {verb} ");
    let found = steps(job)
        .into_iter()
        .find(|s| text(&s["run"]).contains(&needle));
    found.unwrap_or_else(|| panic!("no step runs `ivsctl {verb}` in {job:?}"))
}

/// (name, job) of the job whose steps run `ivsctl VERB`.
fn job_running<'a>(doc: &'a Value, verb: &str) -> (&'a str, &'a Value) {
    let jobs = doc["jobs"].as_mapping().expect("jobs");
    let needle = format!("ivsctl {verb} ");
    let found = jobs
        .iter()
        .find(|(_, job)| runs(job).iter().any(|r| r.contains(&needle)));
    let (name, job) = found.unwrap_or_else(|| panic!("no job runs `ivsctl {verb}`"));
    (text(name), job)
}

/// A `uses:` step of `job` whose action starts with `action`.
fn uses<'a>(job: &'a Value, action: &str) -> Vec<&'a Value> {
    let prefix = format!("{action}@");
    steps(job)
        .into_iter()
        .filter(|s| text(&s["uses"]).starts_with(&prefix))
        .collect()
}

#[test]
fn it_runs_on_pull_requests_and_on_pushes_to_main() {
    let doc = workflow();
    let on = &doc["on"];
    assert!(
        on.as_mapping()
            .is_some_and(|m| m.contains_key("pull_request")),
        "{on:?}"
    );
    let branches = on["push"]["branches"].as_sequence().expect("push.branches");
    assert_eq!(branches, &[Value::from("main")]);
}

#[test]
fn concurrency_is_per_job_so_a_pull_request_never_cancels_an_apply() {
    let doc = workflow();
    assert!(
        doc.get("concurrency").is_none(),
        "a workflow-level concurrency group lets a pull request's run cancel or block an apply"
    );
    let (_, plan) = job_running(&doc, "plan");
    let (_, apply) = job_running(&doc, "apply");
    let group = |job: &Value| text(&job["concurrency"]["group"]).to_string();
    let (plan_group, apply_group) = (group(plan), group(apply));
    assert!(
        plan_group.contains("github.event.pull_request.number"),
        "one group per pull request: {plan_group}"
    );
    assert_eq!(plan["concurrency"]["cancel-in-progress"], Value::Bool(true));
    assert!(
        apply_group.contains("github.ref") && !apply_group.contains("pull_request"),
        "one group per branch: {apply_group}"
    );
    assert_eq!(
        apply["concurrency"]["cancel-in-progress"],
        Value::Bool(false)
    );
    // The groups' fixed parts differ, so no plan group can ever be an
    // apply group.
    let fixed = |g: &str| g.split("${{").next().unwrap().to_string();
    let (p, a) = (fixed(&plan_group), fixed(&apply_group));
    assert!(
        !p.is_empty() && !a.is_empty() && !p.starts_with(&a) && !a.starts_with(&p),
        "{plan_group} / {apply_group}"
    );
}

#[test]
fn apply_runs_only_on_a_push_to_main_with_oidc_credentials() {
    let doc = workflow();
    let (_, apply) = job_running(&doc, "apply");
    let condition = text(&apply["if"]);
    for part in [
        "github.event_name == 'push'",
        "github.ref == 'refs/heads/main'",
    ] {
        assert!(condition.contains(part), "apply's if: {condition}");
    }
    let (_, plan) = job_running(&doc, "plan");
    assert_eq!(text(&plan["if"]), "github.event_name == 'pull_request'");
    for (job, what) in [(apply, "apply"), (plan, "plan")] {
        assert_eq!(text(&job["permissions"]["id-token"]), "write", "{what}");
        let creds = uses(job, "aws-actions/configure-aws-credentials");
        assert_eq!(creds.len(), 1, "{what}");
        let role = text(&creds[0]["with"]["role-to-assume"]);
        assert!(role.starts_with("arn:aws:iam::"), "{what}: {role}");
    }
    // Only the plan job may comment, and only it runs on pull requests.
    assert_eq!(text(&plan["permissions"]["pull-requests"]), "write");
    assert!(apply["permissions"].get("pull-requests").is_none());
}

#[test]
fn ivsctl_is_built_once_per_run_pinned_and_cached() {
    let doc = workflow();
    let version = text(&doc["env"]["IVSCTL_VERSION"]);
    let parts: Vec<&str> = version.split('.').collect();
    assert!(
        parts.len() == 3 && parts.iter().all(|p| p.parse::<u32>().is_ok()),
        "IVSCTL_VERSION pins a release: {version:?}"
    );
    let jobs = doc["jobs"].as_mapping().unwrap();
    let installs: Vec<(&str, &Value)> = jobs
        .iter()
        .filter(|(_, job)| runs(job).iter().any(|r| r.contains("cargo install")))
        .map(|(name, job)| (text(name), job))
        .collect();
    assert_eq!(installs.len(), 1, "one job builds ivsctl");
    let (install_name, install) = installs[0];
    let build = runs(install)
        .into_iter()
        .find(|r| r.contains("cargo install"))
        .unwrap();
    assert!(build.contains("--locked"), "{build}");
    assert!(
        ["--tag", "--rev", "--version"]
            .iter()
            .any(|f| build.contains(f))
            && build.contains("IVSCTL_VERSION"),
        "the build pins the version: {build}"
    );
    let cache = uses(install, "actions/cache");
    assert_eq!(cache.len(), 1, "the build is cached");
    let key = text(&cache[0]["with"]["key"]);
    assert!(
        key.contains("IVSCTL_VERSION"),
        "keyed on the version: {key}"
    );
    // The build step runs only when the cache missed.
    let build_step = steps(install)
        .into_iter()
        .find(|s| text(&s["run"]).contains("cargo install"))
        .unwrap();
    assert!(
        text(&build_step["if"]).contains("cache-hit"),
        "{build_step:?}"
    );
    // The other jobs take the binary from this job, by artifact.
    let uploaded = uses(install, "actions/upload-artifact");
    let artifact = text(&uploaded[0]["with"]["name"]);
    for verb in ["plan", "apply"] {
        let (_, job) = job_running(&doc, verb);
        let needs = &job["needs"];
        assert!(
            text(needs) == install_name
                || needs
                    .as_sequence()
                    .is_some_and(|n| n.contains(&Value::from(install_name))),
            "{verb} needs {install_name}: {needs:?}"
        );
        let download = uses(job, "actions/download-artifact");
        assert_eq!(text(&download[0]["with"]["name"]), artifact, "{verb}");
        assert!(
            runs(job).iter().all(|r| !r.contains("cargo ")),
            "{verb} builds nothing"
        );
    }
}

/// Each `ivsctl` command line of the scripts: the words after `ivsctl` up
/// to a shell operator.
fn invocations(doc: &Value) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for job in doc["jobs"].as_mapping().unwrap().values() {
        for script in runs(job) {
            for line in script.lines() {
                let line = line.trim();
                if line.starts_with('#') {
                    continue;
                }
                for (i, _) in line.match_indices("ivsctl ") {
                    let before = &line[..i];
                    if !(before.is_empty() || before.ends_with("; ") || before.ends_with("$(")) {
                        continue;
                    }
                    let mut words = Vec::new();
                    for w in line[i..].split_whitespace().skip(1) {
                        if [">", ">>", "|", "&&", "||", "}", ")"].contains(&w) {
                            break;
                        }
                        match w.strip_suffix(';') {
                            Some(last) => {
                                words.extend((!last.is_empty()).then(|| last.to_string()));
                                break;
                            }
                            None => words.push(w.to_string()),
                        }
                    }
                    out.push(words);
                }
            }
        }
    }
    out
}

#[test]
fn every_ivsctl_flag_in_the_workflow_is_one_ivsctl_accepts() {
    let doc = workflow();
    let invocations = invocations(&doc);
    let mut seen = Vec::new();
    for words in &invocations {
        // The subcommand (and chat's subcommand): the first words that are
        // not flags.
        let mut command: Vec<&str> = Vec::new();
        for w in words.iter().take_while(|w| !w.starts_with('-')) {
            command.push(w);
            if command[0] != "chat" || command.len() == 2 {
                break;
            }
        }
        assert!(!command.is_empty(), "ivsctl {words:?} has no subcommand");
        let help = Cmd::new(&[command.clone(), vec!["--help"]].concat()).run();
        help.success();
        for flag in words.iter().filter(|w| w.starts_with('-')) {
            let flag = flag.split('=').next().unwrap();
            let listed = help.stdout.match_indices(flag).any(|(i, _)| {
                let next = help.stdout[i + flag.len()..].chars().next();
                !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
            });
            assert!(
                listed,
                "`ivsctl {}` does not accept {flag}:\n{help}",
                command.join(" ")
            );
        }
        seen.push(command.join(" "));
    }
    for verb in ["validate", "plan", "apply", "output"] {
        assert!(
            seen.iter().any(|s| s == verb),
            "no `ivsctl {verb}` in {seen:?}"
        );
    }
    // The plan is markdown for the summary and the comment, with the exit
    // code that tells changes from errors; validate annotates the lines.
    let plan = invocations.iter().find(|w| w[0] == "plan").unwrap();
    for words in [["--format", "markdown"], ["--detailed-exitcode", "-f"]] {
        for w in words {
            assert!(plan.iter().any(|p| p == w), "plan: {plan:?}");
        }
    }
    let validate = invocations.iter().find(|w| w[0] == "validate").unwrap();
    assert!(
        validate.windows(2).any(|w| w == ["--format", "github"]),
        "{validate:?}"
    );
}

/// The values of the guards apply refuses by (`--max-deletes N`,
/// `--allow-empty`) on an invocation.
fn guards(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if w == "--max-deletes" {
            out.push(format!("--max-deletes {}", words[i + 1]));
        } else if w.starts_with("--max-deletes=") || w == "--allow-empty" {
            out.push(w.replace('=', " "));
        }
    }
    out
}

#[test]
fn the_plan_checks_the_guards_the_apply_uses_so_a_green_plan_applies() {
    let doc = workflow();
    let invocations = invocations(&doc);
    let plan = invocations.iter().find(|w| w[0] == "plan").unwrap();
    let apply = invocations.iter().find(|w| w[0] == "apply").unwrap();
    assert_eq!(
        guards(plan),
        guards(apply),
        "plan {plan:?}, apply {apply:?}"
    );
}

#[test]
fn the_plan_is_one_sticky_comment_updated_on_each_push() {
    let doc = workflow();
    let (_, plan) = job_running(&doc, "plan");
    let comment = uses(plan, "marocchino/sticky-pull-request-comment");
    assert_eq!(comment.len(), 1, "one comment step");
    let comment = comment[0];
    assert!(!text(&comment["with"]["header"]).is_empty(), "the marker");
    // Posted even when the plan fails, once the plan ran.
    assert!(text(&comment["if"]).contains("always()"), "{comment:?}");
    let body = text(&comment["with"]["path"]);
    let script = text(&step_running(plan, "plan")["run"]);
    assert!(
        script.contains(&format!("> {body}")),
        "the plan step writes {body}"
    );
}

// ---------------------------------------------------------------------------
// The steps, run as GitHub runs them
// ---------------------------------------------------------------------------

/// A runner: the binary on the PATH as the install job leaves it, the
/// files GitHub gives a step, and the workflow's environment.
struct Runner<'a> {
    ctx: &'a TestContext,
    doc: Value,
    temp: tempfile::TempDir,
}

/// What a step did: its exit code, its outputs, stdout and stderr.
struct Step {
    code: i32,
    outputs: BTreeMap<String, String>,
    stdout: String,
    stderr: String,
}

impl Runner<'_> {
    fn new(ctx: &TestContext) -> Runner<'_> {
        let temp = tempfile::tempdir().unwrap();
        let bin = temp.path().join("ivsctl");
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ivsctl"), bin.join("ivsctl")).unwrap();
        Runner {
            ctx,
            doc: workflow(),
            temp,
        }
    }

    fn summary(&self) -> String {
        std::fs::read_to_string(self.temp.path().join("summary.md")).unwrap_or_default()
    }

    fn clear_summary(&self) {
        let _ = std::fs::remove_file(self.temp.path().join("summary.md"));
    }

    /// Runs the step of the job running `ivsctl VERB` that runs `ivsctl
    /// STEP_VERB` in the working directory.
    fn run(&self, job_verb: &str, step_verb: &str) -> Step {
        let (_, job) = job_running(&self.doc, job_verb);
        let step = step_running(job, step_verb);
        let script = text(&step["run"]);
        assert!(
            !script.contains("${{"),
            "a script reads expressions from the environment, not `${{{{ }}}}`: {script}"
        );
        let temp = self.temp.path();
        let file = temp.join("step.sh");
        std::fs::write(&file, script).unwrap();
        let output = temp.join("output");
        std::fs::write(&output, "").unwrap();
        let mut cmd = std::process::Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file)
            .current_dir(self.ctx.dir());
        common::isolated_env(&mut cmd, &self.ctx.endpoint());
        let path = std::env::var("PATH").unwrap_or_default();
        cmd.env("PATH", format!("{}:{path}", temp.join("ivsctl").display()))
            .env("RUNNER_TEMP", temp)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", temp.join("summary.md"))
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", "example/chat")
            .env("GITHUB_RUN_ID", "1");
        for env in [&self.doc["env"], &job["env"], &step["env"]] {
            for (k, v) in env.as_mapping().into_iter().flatten() {
                cmd.env(text(k), text(v));
            }
        }
        let out = cmd.output().expect("bash runs");
        let outputs = std::fs::read_to_string(&output)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Step {
            code: out.status.code().unwrap_or(-1),
            outputs,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {} outputs {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.outputs, self.stdout, self.stderr
        )
    }
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn the_steps_run_as_written_and_a_plan_with_changes_passes() {
    let doc = workflow();
    let region = text(&doc["env"]["AWS_REGION"]).to_string();
    let ctx = TestContext::in_region(&region);
    // stacks/: two stacks, one naming its region and one taking AWS_REGION.
    ctx.file(
        "stacks/production.yaml",
        include_str!("../examples/production.yaml"),
    );
    ctx.file(
        "stacks/team/quickstart.yaml",
        include_str!("../examples/quickstart.yaml"),
    );
    let runner = Runner::new(&ctx);
    let dir = ctx.dir();

    // A pull request with changes: validate passes, the plan exits 2, the
    // step passes; the summary and the comment hold the plan.
    let validate = runner.run("plan", "validate");
    assert_eq!(validate.code, 0, "{validate:?}");
    let plan = runner.run("plan", "plan");
    assert_eq!(plan.code, 0, "exit 2 (changes) passes the check: {plan:?}");
    assert_eq!(plan.outputs["exitcode"], "2", "{plan:?}");
    let markdown = read(dir, "plan.md");
    assert!(
        markdown.starts_with("## ivsctl plan — 2 stacks"),
        "{markdown}"
    );
    assert_eq!(read(dir, "comment.md"), markdown);
    assert!(runner.summary().contains(&markdown));
    assert!(read(dir, "plan.json").contains("ivsctl-saved-plan"));
    ctx.assert_no_writes("validate and plan");

    // The push to main: apply, then the outputs.
    runner.clear_summary();
    let apply = runner.run("apply", "apply");
    assert_eq!(apply.code, 0, "{apply:?}");
    assert!(
        runner.summary().contains("### ivsctl apply — 2 stacks"),
        "{}",
        runner.summary()
    );
    let outputs = runner.run("apply", "output");
    assert_eq!(outputs.code, 0, "{outputs:?}");
    let doc: serde_json::Value = serde_json::from_str(&read(dir, "outputs.json")).unwrap();
    let stacks: Vec<&str> = doc["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stack"].as_str().unwrap())
        .collect();
    assert_eq!(stacks.len(), 2, "{doc:#}");
    let lobby = doc["stacks"][stacks.iter().position(|s| *s == "quickstart").unwrap()]["rooms"]
        ["lobby"]["arn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        lobby.starts_with(&format!("arn:aws:ivschat:{region}:")),
        "{lobby}"
    );
    assert!(runner.summary().contains(&lobby));

    // The next pull request without changes: exit 0, passes.
    let plan = runner.run("plan", "plan");
    assert_eq!(
        (plan.code, plan.outputs["exitcode"].as_str()),
        (0, "0"),
        "{plan:?}"
    );
    assert!(read(dir, "comment.md").contains("No changes."));
}

#[test]
fn a_broken_manifest_fails_validate_and_plan_and_the_comment_says_so() {
    let doc = workflow();
    let ctx = TestContext::in_region(text(&doc["env"]["AWS_REGION"]));
    ctx.file(
        "stacks/broken.yaml",
        "version: 1\nstack: broken\nrooms:\n  lobby:\n    maximumMessageLength: 0\n",
    );
    let runner = Runner::new(&ctx);
    let validate = runner.run("plan", "validate");
    assert_eq!(validate.code, 1, "{validate:?}");
    assert!(
        validate
            .stdout
            .contains("::error file=stacks/broken.yaml,line=5"),
        "an annotation on the line: {validate:?}"
    );
    let plan = runner.run("plan", "plan");
    assert_eq!(plan.code, 1, "exit 1 fails the check: {plan:?}");
    assert_eq!(plan.outputs["exitcode"], "1");
    let comment = read(ctx.dir(), "comment.md");
    assert!(
        comment.starts_with("**ivsctl plan failed (exit 1)**"),
        "{comment}"
    );
    ctx.assert_no_calls("an invalid manifest");
}
