//! ivsctl in CI and on a new user's machine, through the real binary:
//! errors for programs (`--format json`, `--format github`) over the whole
//! corpus of invalid manifests, API errors as one JSON object, endpoints
//! that are not IVS Chat (a stub server answering HTML or JSON of another
//! shape), a refused connection, missing credentials, heartbeat lines while
//! a logging configuration becomes ACTIVE, `-f`'s default, and the small
//! wording fixes (a manifest given as PLANFILE, `validate --region`).

mod common;

use common::{repo, Cmd, TestContext};
use ivsctl::emulator::EmulatorConfig;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

// ---------------------------------------------------------------------------
// Diagnostics for programs
// ---------------------------------------------------------------------------

/// Every invalid manifest of the corpus: a file, or a directory of files.
fn invalid_corpus() -> Vec<PathBuf> {
    let dir = Path::new(&repo("tests/manifests/invalid")).to_path_buf();
    let mut all: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    all.sort();
    assert!(all.len() > 50, "the corpus is there: {}", all.len());
    all
}

/// The number of lines of `file` (1 for an empty file).
fn line_count(file: &str) -> usize {
    std::fs::read_to_string(file)
        .map(|t| t.lines().count().max(1))
        .unwrap_or_else(|e| panic!("diagnostic names {file}, which cannot be read: {e}"))
}

/// Checks one `validate --format json` document of an invalid manifest;
/// returns its diagnostics' (file, line, column).
fn check_document(doc: &Value, what: &str) -> Vec<(String, usize, usize)> {
    assert_eq!(doc["format_version"], "1", "{what}: {doc:#}");
    assert_eq!(doc["valid"], false, "{what}: {doc:#}");
    let diagnostics = doc["diagnostics"].as_array().expect("diagnostics");
    assert!(!diagnostics.is_empty(), "{what}: no diagnostic");
    let mut at = Vec::new();
    for d in diagnostics {
        assert_eq!(d["severity"], "error", "{what}: {d}");
        for key in ["code", "message", "file"] {
            let value = d[key].as_str().unwrap_or_default();
            assert!(!value.is_empty(), "{what}: no {key} in {d}");
        }
        assert!(d["help"].is_string() || d["help"].is_null(), "{what}: {d}");
        let file = d["file"].as_str().unwrap().to_string();
        let (line, column) = (
            d["line"].as_u64().unwrap() as usize,
            d["column"].as_u64().unwrap() as usize,
        );
        // Located: a line and column inside the file named.
        assert!(line >= 1 && column >= 1, "{what}: {d}");
        if file != "<no file>" {
            assert!(
                line <= line_count(&file) + 1,
                "{what}: line {line} of {file}: {d}"
            );
        }
        at.push((file, line, column));
    }
    at
}

/// Splits `::error file=F,line=L,col=C,...::MESSAGE` into (F, L, C, MESSAGE).
fn parse_github(line: &str) -> (String, usize, usize, String) {
    let rest = line
        .strip_prefix("::error ")
        .unwrap_or_else(|| panic!("not a workflow command: {line}"));
    let (props, message) = rest.split_once("::").expect("::MESSAGE");
    let prop = |name: &str| {
        props
            .split(',')
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name} in {line}"))
            .to_string()
    };
    let unescape = |s: String| {
        s.replace("%2C", ",")
            .replace("%3A", ":")
            .replace("%0A", "\n")
            .replace("%0D", "\r")
            .replace("%25", "%")
    };
    (
        unescape(prop("file")),
        prop("line").parse().unwrap(),
        prop("col").parse().unwrap(),
        unescape(message.to_string()),
    )
}

#[test]
fn every_invalid_manifest_gives_located_diagnostics_as_json_and_as_github_commands() {
    let ctx = TestContext::new();
    for path in invalid_corpus() {
        let file = path.to_string_lossy().into_owned();
        let what = path.file_name().unwrap().to_string_lossy().into_owned();

        let out = ctx.run(&["validate", "-f", &file, "--format", "json"]);
        out.failure();
        assert!(
            out.stderr.is_empty(),
            "{what}: json keeps stderr empty\n{out}"
        );
        let doc = out.json();
        let located = check_document(&doc, &what);

        // GitHub: one workflow command per diagnostic, on the same place,
        // the message (then its help) in the text.
        let gh = ctx.run(&["validate", "-f", &file, "--format", "github"]);
        gh.failure();
        let commands: Vec<_> = gh.stdout.lines().map(parse_github).collect();
        let places: Vec<_> = commands
            .iter()
            .map(|(f, l, c, _)| (f.clone(), *l, *c))
            .collect();
        assert_eq!(places, located, "{what}\n{gh}");
        for ((_, _, _, text), d) in commands.iter().zip(doc["diagnostics"].as_array().unwrap()) {
            assert!(
                text.starts_with(d["message"].as_str().unwrap()),
                "{what}: {text}"
            );
        }
        assert!(
            gh.stderr.contains("invalid manifest"),
            "{what}: the report stays on stderr\n{gh}"
        );

        // plan --format json: the same document, and no API call at all.
        ctx.reset_log();
        let plan = ctx.run(&["plan", "-f", &file, "--format", "json"]);
        plan.failure();
        assert_eq!(plan.json(), doc, "{what}");
        ctx.assert_no_calls(&format!("plan of {what}"));
    }
}

#[test]
fn a_valid_manifest_gives_a_json_document_with_its_stacks() {
    let ctx = TestContext::new();
    let a = ctx.file(
        "m/a.yaml",
        "version: 1\nstack: a\nregion: us-east-1\nrooms:\n  r: {}\n",
    );
    ctx.file(
        "m/b.yaml",
        "version: 1\nstack: b\nrooms:\n  r: {}\n  s: {}\n",
    );
    let dir = ctx.path("m");
    let out = ctx.run(&["validate", "-f", &dir, "--format", "json"]);
    out.success();
    let doc = out.json();
    assert_eq!(doc["format_version"], "1");
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["diagnostics"], serde_json::json!([]));
    let stacks = doc["stacks"].as_array().unwrap();
    assert_eq!(stacks.len(), 2);
    assert_eq!(stacks[0]["stack"], "a");
    assert_eq!(stacks[0]["region"], "us-east-1");
    assert_eq!(stacks[0]["files"], serde_json::json!([a]));
    assert_eq!(
        (&stacks[1]["rooms"], &stacks[1]["region"]),
        (&serde_json::json!(2), &Value::Null)
    );
    // Human: one line per stack.
    ctx.run(&["validate", "-f", &dir])
        .success()
        .stdout_contains("The manifests are valid: 2 stacks.")
        .stdout_contains("stack b, 0 logging configurations, 2 rooms");
}

#[test]
fn a_plan_time_reference_error_is_located_in_the_manifest() {
    let ctx = TestContext::new();
    let m = ctx.file(
        "app.yaml",
        "version: 1\nstack: app\nrooms:\n  lobby:\n    loggingConfigurations:\n      - shared/archive\n",
    );
    let out = ctx.run(&["plan", "-f", &m]);
    out.failure()
        .stderr_contains("stack shared, which does not exist")
        .stderr_contains("app.yaml:6:9");
    let doc = ctx.run(&["plan", "-f", &m, "--format", "json"]).json();
    let d = &doc["diagnostics"][0];
    assert_eq!(
        (&d["code"], &d["line"], &d["column"]),
        (
            &serde_json::json!("ivsctl::plan::unknown_stack_reference"),
            &serde_json::json!(6),
            &serde_json::json!(9)
        ),
        "{doc:#}"
    );
}

// ---------------------------------------------------------------------------
// Endpoints that are not IVS Chat
// ---------------------------------------------------------------------------

/// A one-answer-fits-all HTTP server: every request gets `status`,
/// `content_type` and `body`. Returns its URL.
fn stub(status: u16, content_type: &'static str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    // Headers, then the body (content-length).
                    let mut length = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let l = line.to_ascii_lowercase();
                        if let Some(v) = l.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body_in = vec![0; length];
                    if reader.read_exact(&mut body_in).is_err() {
                        return;
                    }
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

const MANIFEST: &str = "version: 1\nstack: app\nrooms:\n  lobby: {}\n";

#[test]
fn an_endpoint_that_is_not_ivs_chat_is_named_and_never_read_as_an_empty_account() {
    let ctx = TestContext::new();
    let m = ctx.file("m.yaml", MANIFEST);
    let cases = [
        (
            200,
            "text/html",
            "<!doctype html><html><body>Sign in</body></html>",
            "the body is not JSON",
        ),
        (
            200,
            "application/json",
            r#"{"items": [], "next": null}"#,
            "the JSON has no `",
        ),
        (
            200,
            "application/json",
            "[]",
            "the body is JSON but not an object",
        ),
        (
            502,
            "text/html",
            "<html>Bad gateway</html>",
            "the body is not JSON",
        ),
        (404, "text/plain", "", "HTTP 404 with an empty body"),
    ];
    for (status, content_type, body, why) in cases {
        let url = stub(status, content_type, body);
        for format in ["human", "json"] {
            let out = Cmd::new(&["plan", "-f", &m, "--format", format])
                .endpoint(&url)
                .timeout(Duration::from_secs(60))
                .run();
            out.failure()
                .stdout_lacks("Plan:")
                .stdout_lacks("resource_changes");
            let text = if format == "json" {
                let doc = out.json();
                let e = &doc["error"];
                assert_eq!(e["code"], "ivsctl::api::malformed", "{out}");
                assert_eq!(e["endpoint"], url.as_str(), "{out}");
                assert!(
                    e["operation"].as_str().unwrap().starts_with("List"),
                    "{out}"
                );
                e["message"].as_str().unwrap().to_string()
            } else {
                out.stderr.clone()
            };
            let case = format!("HTTP {status} {content_type} {body:?} ({format})");
            for needle in [
                &format!("the answer from {url} is not an IVS Chat response"),
                why,
            ] {
                assert!(text.contains(needle), "{case}: no {needle:?} in\n{out}");
            }
            assert!(
                text.contains("ListRooms failed")
                    || text.contains("ListLoggingConfigurations failed"),
                "{case}: the operation is named\n{out}"
            );
        }
    }
}

#[test]
fn a_refused_connection_fails_at_once_naming_the_endpoint() {
    let ctx = TestContext::new();
    let m = ctx.file("m.yaml", MANIFEST);
    // A port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    // The time limit only guards against a hang: a refused connection is
    // not retried (docs/usage.md), and connecting gives up after 3 s.
    let out = Cmd::new(&["plan", "-f", &m])
        .endpoint(&url)
        .timeout(Duration::from_secs(60))
        .run();
    out.failure()
        .stderr_contains(&format!("could not reach the IVS Chat endpoint {url}"))
        .stderr_contains("Connection refused")
        .stderr_contains("--endpoint-url");
}

#[test]
fn missing_credentials_say_so_and_how_to_provide_them() {
    let ctx = TestContext::new();
    let m = ctx.file("m.yaml", MANIFEST);
    let out = ctx
        .cmd(&["plan", "-f", &m])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .run();
    out.failure()
        .stderr_contains("no AWS credentials found")
        .stderr_contains("AWS_PROFILE")
        .stderr_contains("--local")
        // What the credential chain tried, without the SDK's wrapping layers.
        .stderr_contains("no credentials found in chain")
        .stderr_lacks("dispatch failure")
        .stderr_lacks("could not reach");
    ctx.assert_no_calls("without credentials");
    let doc = ctx
        .cmd(&["plan", "-f", &m, "--format", "json"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .run()
        .json();
    assert_eq!(
        doc["error"]["code"], "ivsctl::api::no_credentials",
        "{doc:#}"
    );
}

// ---------------------------------------------------------------------------
// Progress in logs
// ---------------------------------------------------------------------------

#[test]
fn in_a_log_apply_says_what_it_waits_for_while_a_logging_configuration_becomes_active() {
    let ctx = TestContext::with_config(EmulatorConfig {
        logging_config_delay: Duration::from_millis(1500),
        ..EmulatorConfig::default()
    });
    let m = ctx.file(
        "m.yaml",
        "version: 1\nstack: slow\nloggingConfigurations:\n  archive:\n    destination: {s3: {bucketName: slow-logs}}\nrooms:\n  lobby:\n    loggingConfigurations: [archive]\n",
    );
    // The interval is 15 s; the test shortens it.
    let out = ctx
        .cmd(&["apply", "-f", &m, "--auto-approve"])
        .env("IVSCTL_PROGRESS_INTERVAL_MS", "200")
        .run();
    out.success();
    let beats: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("still working after "))
        .collect();
    assert!(!beats.is_empty(), "no heartbeat line\n{out}");
    assert!(
        beats.iter().any(|l| l
            .contains("for slow/loggingConfigurations.archive to become ACTIVE (it is CREATING)")),
        "the line names what it waits for\n{out}"
    );
    // Without anything to wait for, no heartbeat.
    let quiet = ctx
        .cmd(&["plan", "-f", &m])
        .env("IVSCTL_PROGRESS_INTERVAL_MS", "200")
        .run();
    quiet.success().stderr_lacks("still working");
}

// ---------------------------------------------------------------------------
// -f's default, and small wording fixes
// ---------------------------------------------------------------------------

#[test]
fn without_f_ivsctl_reads_ivsctl_yaml_then_the_directorys_manifests() {
    let ctx = TestContext::new();
    let dir = tempfile::tempdir().unwrap();
    let at = |args: &[&str]| ctx.cmd(args).cwd(dir.path()).run();

    // Nothing: an error that says what to do.
    at(&["validate"])
        .failure()
        .stderr_contains("no manifest")
        .stderr_contains("-f FILE");

    // The directory's manifests (not other YAML, not subdirectories).
    common::write_file(
        dir.path(),
        "b.yaml",
        "version: 1\nstack: two\nrooms:\n  b: {}\n",
    );
    common::write_file(
        dir.path(),
        "a.yml",
        "version: 1\nstack: two\nrooms:\n  a: {}\n",
    );
    common::write_file(
        dir.path(),
        "docker-compose.yml",
        "services:\n  web: {image: nginx}\n",
    );
    common::write_file(
        dir.path(),
        "sub/c.yaml",
        "version: 1\nstack: other\nrooms:\n  c: {}\n",
    );
    at(&["validate"])
        .success()
        .stdout_contains("stack two, 0 logging configurations, 2 rooms (a.yml, b.yaml)");

    // ivsctl.yaml wins.
    common::write_file(
        dir.path(),
        "ivsctl.yaml",
        "version: 1\nstack: one\nrooms:\n  lobby: {}\n",
    );
    at(&["validate"])
        .success()
        .stdout_contains("stack one, 0 logging configurations, 1 room (ivsctl.yaml)");
    at(&["apply", "--auto-approve"]).success();
    assert!(ctx.owned("one").contains_key("rooms.lobby"));
    at(&["plan", "--detailed-exitcode"]).success();

    // A chat command finds the room's key the same way.
    at(&["chat", "token", "--room", "lobby", "--user-id", "u"]).success();
    let empty = tempfile::tempdir().unwrap();
    ctx.cmd(&["chat", "token", "--room", "lobby", "--user-id", "u"])
        .cwd(empty.path())
        .run()
        .failure()
        .stderr_contains("--room");
}

#[test]
fn a_manifest_given_as_planfile_is_refused_with_a_hint() {
    let ctx = TestContext::new();
    let m = ctx.file("m.yaml", MANIFEST);
    ctx.reset_log();
    ctx.run(&["apply", &m, "--auto-approve"])
        .failure()
        .stderr_contains("is a manifest, not a saved plan")
        .stderr_contains(&format!("ivsctl apply -f {m}"));
    ctx.assert_no_calls("apply of a manifest as PLANFILE");
}

#[test]
fn validate_refuses_a_region_flag_that_contradicts_the_manifest() {
    let ctx = TestContext::new();
    let m = ctx.file(
        "m.yaml",
        "version: 1\nstack: app\nregion: us-west-2\nrooms:\n  lobby: {}\n",
    );
    for command in ["validate", "plan"] {
        ctx.run(&[command, "-f", &m, "--region", "eu-west-1"])
            .failure()
            .stderr_contains("stack app is in region us-west-2 but --region says eu-west-1")
            .stderr_contains("m.yaml:3:9");
    }
    ctx.run(&["validate", "-f", &m, "--region", "us-west-2"])
        .success();
}
