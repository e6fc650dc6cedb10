//! `ivsctl validate`, and the manifest gate of `plan`, through the real
//! binary: no manifest of the invalid corpus reaches the API, every valid one
//! validates, and validate works offline while plan fails cleanly without an
//! endpoint.

mod common;

use common::plan::{owned_room, with_manifest};
use common::TestContext;
use std::time::Duration;

const FRESH: &str = include_str!("plan/fresh.yaml");

// ---------------------------------------------------------------------------
// 1. The manifest corpus
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
    let ctx = TestContext::new();
    // Something to discover, were anything to look.
    owned_room(&ctx, "prod-chat", "lobby");
    let files = yaml_files("tests/manifests/invalid");
    assert!(files.len() >= 45, "the corpus: {} files", files.len());
    for file in &files {
        for command in ["plan", "validate"] {
            ctx.reset_log();
            // The binary runs in the repository, where the paths hold.
            let out = common::context::Cmd::new(&[command, "-f", file])
                .endpoint(&ctx.endpoint())
                .run();
            out.failure()
                .stderr_contains(file)
                .stderr_lacks("panicked")
                .stdout_empty();
            ctx.assert_no_calls(&format!("{command} {file}"));
        }
    }
}

#[test]
fn valid_manifests_validate() {
    let mut inputs = yaml_files("tests/manifests/valid");
    assert!(inputs.len() >= 3, "{inputs:?}");
    // A directory is one stack split over its files.
    inputs.push("tests/manifests/valid/split".to_string());
    for input in &inputs {
        // No endpoint at all: validate is offline.
        let out = common::context::Cmd::new(&["validate", "-f", input]).run();
        assert!(
            out.success()
                .stdout
                .starts_with("The manifest is valid: stack "),
            "{out}"
        );
    }
    let full = "tests/manifests/valid/full.yaml";
    let out = common::context::Cmd::new(&["validate", "-f", full]).run();
    out.success();
    for part in [
        "stack prod-chat",
        "3 logging configurations",
        "2 rooms",
        full,
    ] {
        out.stdout_contains(part);
    }
}

// ---------------------------------------------------------------------------
// 2. No network
// ---------------------------------------------------------------------------

#[test]
fn validate_is_offline_and_plan_fails_cleanly_without_an_endpoint() {
    let (ctx, m) = with_manifest(FRESH);
    // An endpoint where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("http://127.0.0.1:{port}");
    let run = |args: &[&str]| ctx.cmd(args).endpoint(&dead);
    let out = run(&["validate", "-f", &m]).run();
    for part in ["stack fresh", "1 logging configuration,", "2 rooms", &m] {
        out.success().stdout_contains(part);
    }
    run(&["--endpoint-url", &dead, "validate", "-f", &m])
        .run()
        .success();
    // Plan gives up in time, with a clear error about the endpoint.
    let out = run(&["plan", "-f", &m])
        .timeout(Duration::from_secs(120))
        .run();
    out.failure().stdout_lacks("Plan:").stderr_lacks("panicked");
    assert!(
        out.stderr.contains("could not reach") || out.stderr.contains("connect"),
        "{out}"
    );
}
