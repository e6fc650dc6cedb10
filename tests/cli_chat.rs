//! `ivsctl chat token | send-event | delete-message | disconnect-user`
//! through the real binary against an in-process emulator.
//!
//! Every test starts its own emulator on 127.0.0.1:0, seeds it with the SDK,
//! runs `ivsctl` as a user would (dummy credentials, no AWS config) and checks
//! what a user or a script notices: the exit code, stdout, stderr, and what
//! reached the API (the emulator's request log).
//!
//! The contract: /work/shared/design/product.md (Commands), docs/emulator.md
//! (CreateChatToken etc.) and the issue: arguments are checked before any
//! call against the API's rules, with errors that name the flag; ROOM is an
//! ARN or a logical key resolved through `-f FILE` (ownership tags); a chat
//! token is printed on stdout only, never in `-v` output or errors.

mod common;

use aws_sdk_ivschat::Client;
use ivsctl::emulator::BackgroundEmulator;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

/// The stack of the test manifests.
const STACK: &str = "chat-cli";
/// The logical key of the seeded room.
const KEY: &str = "lobby";
/// A well-formed room ARN of a room that does not exist.
const MISSING_ROOM: &str = "arn:aws:ivschat:us-east-1:123456789012:room/AAAAAAAAAAAA";
/// What every chat token (AWS's and the emulator's) starts with.
const TOKEN_PREFIX: &str = "AQICAH";
/// A valid message id.
const MESSAGE_ID: &str = "AbCdEfGhIjK1";
/// Window for comparing the emulator's timestamps with the test's clock.
const CLOCK_SLACK: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------
// Fixture

/// The outcome of one `ivsctl` run.
#[derive(Debug)]
struct Run {
    code: i32,
    out: String,
    err: String,
}

/// How a test names the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    Arn,
    Key,
}

/// An emulator holding the stack's room `lobby` (tagged `ivsctl:stack` /
/// `ivsctl:key`), two rooms that must never be picked for it (another
/// stack's `lobby`, an untagged room), and a manifest declaring `lobby`.
struct Fixture {
    emu: BackgroundEmulator,
    client: Client,
    dir: tempfile::TempDir,
    manifest: String,
    /// The ARN of the stack's `lobby`.
    arn: String,
}

impl Fixture {
    fn new() -> Self {
        Self::with_rooms(&[KEY])
    }

    /// The manifest declares `keys`; only `lobby` is live.
    fn with_rooms(keys: &[&str]) -> Self {
        let emu = common::default_emulator();
        let client = common::sdk(&emu.endpoint());
        create_room(
            &emu,
            &client,
            &[("ivsctl:stack", "other-stack"), ("ivsctl:key", KEY)],
        );
        let arn = create_room(
            &emu,
            &client,
            &[("ivsctl:stack", STACK), ("ivsctl:key", KEY)],
        );
        create_room(&emu, &client, &[("team", "video")]);
        let dir = tempfile::tempdir().expect("temp dir");
        let rooms: String = keys.iter().map(|k| format!("  {k}: {{}}\n")).collect();
        let manifest = common::write_file(
            dir.path(),
            "chat.yaml",
            &format!("version: 1\nstack: {STACK}\nrooms:\n{rooms}"),
        );
        emu.clear_requests();
        Fixture {
            emu,
            client,
            dir,
            manifest,
            arn,
        }
    }

    /// `--room ARN` or `--room lobby -f MANIFEST`.
    fn room(&self, by: By) -> Vec<String> {
        match by {
            By::Arn => strings(&["--room", &self.arn]),
            By::Key => strings(&["--room", KEY, "-f", &self.manifest]),
        }
    }

    /// Runs `ivsctl` against the emulator, with a clean request log.
    fn run<S: AsRef<str>>(&self, args: &[S]) -> Run {
        self.emu.clear_requests();
        let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
        let (code, out, err) = common::ivsctl(&self.emu.endpoint(), &args);
        Run { code, out, err }
    }

    /// The operations the emulator received, in order.
    fn ops(&self) -> Vec<String> {
        self.emu
            .requests()
            .into_iter()
            .map(|r| r.operation)
            .collect()
    }

    /// Asserts that the run made exactly the calls of resolving the room
    /// (one ListRooms page when by key, nothing when by ARN) and one `op`,
    /// answered 200; returns `op`'s input.
    fn only_call(&self, by: By, op: &str, run: &Run) -> Value {
        let expected: Vec<&str> = match by {
            By::Arn => vec![op],
            By::Key => vec!["ListRooms", op],
        };
        assert_eq!(self.ops(), expected, "calls made by {run:?}");
        let records = self.emu.requests();
        let call = records.last().expect("a call");
        assert_eq!(call.status, 200, "{op} answered {call:?}");
        call.input.clone()
    }

    /// Asserts that the emulator received no request at all.
    fn assert_no_call(&self, what: &str, run: &Run) {
        assert_eq!(
            self.ops(),
            Vec::<String>::new(),
            "{what}: no API call may be made; run: {run:?}"
        );
    }
}

fn create_room(emu: &BackgroundEmulator, client: &Client, tags: &[(&str, &str)]) -> String {
    let mut req = client.create_room();
    for (k, v) in tags {
        req = req.tags(*k, *v);
    }
    emu.block_on(req.send())
        .expect("CreateRoom")
        .arn()
        .expect("arn")
        .to_string()
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// `chat SUBCOMMAND <room args> <rest> [--format json]`.
fn chat(sub: &str, room: Vec<String>, rest: &[&str], json: bool) -> Vec<String> {
    let mut args = strings(&["chat", sub]);
    args.extend(room);
    args.extend(strings(rest));
    if json {
        args.extend(strings(&["--format", "json"]));
    }
    args
}

/// stderr without whitespace and miette's `|` gutter: long messages are
/// wrapped at 80 columns, which must not hide what they name.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '|')
        .collect()
}

/// Parses an ISO-8601 time and checks it lies `offset` after the run
/// (between `before` and `after`, give or take `CLOCK_SLACK`).
fn assert_time(what: &str, text: &str, before: SystemTime, after: SystemTime, offset: Duration) {
    let t = humantime::parse_rfc3339(text)
        .unwrap_or_else(|e| panic!("{what} `{text}` is not an ISO-8601 time: {e}"));
    let earliest = before + offset - CLOCK_SLACK;
    let latest = after + offset + CLOCK_SLACK;
    assert!(
        t >= earliest && t <= latest,
        "{what} {text} should be {offset:?} after the call ({} .. {})",
        humantime::format_rfc3339_millis(earliest),
        humantime::format_rfc3339_millis(latest)
    );
}

/// The API's ids: 12 letters and digits.
fn assert_id(what: &str, id: &str) {
    assert!(
        id.len() == 12 && id.chars().all(|c| c.is_ascii_alphanumeric()),
        "{what}: `{id}` is not a 12-character id"
    );
}

fn parse_json(run: &Run) -> Value {
    serde_json::from_str(run.out.trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {run:?}"))
}

/// A token and its two expiration times, as printed in either format.
#[derive(Debug)]
struct PrintedToken {
    token: String,
    token_expiration: String,
    session_expiration: String,
}

fn printed_token(run: &Run, json: bool) -> PrintedToken {
    let t = if json {
        let v = parse_json(run);
        let field = |k: &str| {
            v[k].as_str()
                .unwrap_or_else(|| panic!("json output has no string `{k}`: {v}"))
                .to_string()
        };
        PrintedToken {
            token: field("token"),
            token_expiration: field("tokenExpirationTime"),
            session_expiration: field("sessionExpirationTime"),
        }
    } else {
        let lines: Vec<&str> = run.out.lines().collect();
        let time = |label: &str| {
            lines
                .iter()
                .find_map(|l| l.strip_prefix(label))
                .and_then(|rest| rest.strip_prefix(':'))
                .map(|t| t.trim().to_string())
                .unwrap_or_else(|| panic!("plain output has no `{label}:` line: {run:?}"))
        };
        PrintedToken {
            // The token comes first, alone on its line (`| head -1`).
            token: lines.first().copied().unwrap_or_default().to_string(),
            token_expiration: time("tokenExpirationTime"),
            session_expiration: time("sessionExpirationTime"),
        }
    };
    assert!(
        t.token.starts_with(TOKEN_PREFIX)
            && t.token.len() > 20
            && !t.token.chars().any(char::is_whitespace),
        "no token printed: {run:?}"
    );
    t
}

// ---------------------------------------------------------------------------
// The four commands, by ARN and by key, plain and JSON

const CASES: [(By, bool); 4] = [
    (By::Arn, false),
    (By::Arn, true),
    (By::Key, false),
    (By::Key, true),
];

#[test]
fn token_prints_the_token_and_both_expiration_times() {
    let fx = Fixture::new();
    for (by, json) in CASES {
        let args = chat(
            "token",
            fx.room(by),
            &[
                "--user-id",
                "viewer-1",
                "--capability",
                "SEND_MESSAGE",
                "--capability",
                "DELETE_MESSAGE",
                "--session-minutes",
                "15",
                "--attribute",
                "displayName=Ada",
                "--attribute",
                "query=a=b",
            ],
            json,
        );
        let before = SystemTime::now();
        let run = fx.run(&args);
        let after = SystemTime::now();
        let case = format!("{by:?}, json={json}");
        assert_eq!(run.code, 0, "{case}: {run:?}");
        let input = fx.only_call(by, "CreateChatToken", &run);
        assert_eq!(
            input,
            json!({
                "roomIdentifier": fx.arn,
                "userId": "viewer-1",
                "capabilities": ["SEND_MESSAGE", "DELETE_MESSAGE"],
                "sessionDurationInMinutes": 15,
                "attributes": {"displayName": "Ada", "query": "a=b"},
            }),
            "{case}"
        );
        let t = printed_token(&run, json);
        assert_time(
            "tokenExpirationTime",
            &t.token_expiration,
            before,
            after,
            Duration::from_secs(60),
        );
        assert_time(
            "sessionExpirationTime",
            &t.session_expiration,
            before,
            after,
            Duration::from_secs(15 * 60),
        );
        assert!(!run.err.contains(&t.token), "{case}: token on stderr");
    }
}

#[test]
fn token_with_only_a_user_id_sends_no_optional_member_and_lasts_an_hour() {
    let fx = Fixture::new();
    for json in [false, true] {
        let before = SystemTime::now();
        let run = fx.run(&chat("token", fx.room(By::Arn), &["--user-id", "u"], json));
        let after = SystemTime::now();
        assert_eq!(run.code, 0, "{run:?}");
        let input = fx.only_call(By::Arn, "CreateChatToken", &run);
        assert_eq!(input, json!({"roomIdentifier": fx.arn, "userId": "u"}));
        let t = printed_token(&run, json);
        assert_time(
            "sessionExpirationTime",
            &t.session_expiration,
            before,
            after,
            Duration::from_secs(60 * 60),
        );
    }
}

#[test]
fn send_event_prints_the_event_id() {
    let fx = Fixture::new();
    for (by, json) in CASES {
        let run = fx.run(&chat(
            "send-event",
            fx.room(by),
            &[
                "--event-name",
                "app:poll",
                "--attribute",
                "question=Pizza?",
                "--attribute",
                "choices=yes no",
            ],
            json,
        ));
        let case = format!("{by:?}, json={json}");
        assert_eq!(run.code, 0, "{case}: {run:?}");
        let input = fx.only_call(by, "SendEvent", &run);
        assert_eq!(
            input,
            json!({
                "roomIdentifier": fx.arn,
                "eventName": "app:poll",
                "attributes": {"question": "Pizza?", "choices": "yes no"},
            }),
            "{case}"
        );
        let id = if json {
            parse_json(&run)["id"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        } else {
            run.out.trim_end().to_string()
        };
        assert_id(&format!("{case}: event id"), &id);
    }
}

#[test]
fn send_event_without_attributes_sends_none() {
    let fx = Fixture::new();
    let run = fx.run(&chat(
        "send-event",
        fx.room(By::Key),
        &["--event-name", "ping"],
        false,
    ));
    assert_eq!(run.code, 0, "{run:?}");
    let input = fx.only_call(By::Key, "SendEvent", &run);
    assert_eq!(
        input,
        json!({"roomIdentifier": fx.arn, "eventName": "ping"})
    );
    assert_id("event id", run.out.trim_end());
}

#[test]
fn delete_message_prints_the_operation_id() {
    let fx = Fixture::new();
    for (by, json) in CASES {
        let run = fx.run(&chat(
            "delete-message",
            fx.room(by),
            &["--message-id", MESSAGE_ID, "--reason", "spam, twice"],
            json,
        ));
        let case = format!("{by:?}, json={json}");
        assert_eq!(run.code, 0, "{case}: {run:?}");
        let input = fx.only_call(by, "DeleteMessage", &run);
        assert_eq!(
            input,
            json!({"roomIdentifier": fx.arn, "id": MESSAGE_ID, "reason": "spam, twice"}),
            "{case}"
        );
        let id = if json {
            parse_json(&run)["id"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        } else {
            run.out.trim_end().to_string()
        };
        assert_id(&format!("{case}: operation id"), &id);
    }
}

#[test]
fn delete_message_without_reason_sends_none() {
    let fx = Fixture::new();
    let run = fx.run(&chat(
        "delete-message",
        fx.room(By::Arn),
        &["--message-id", MESSAGE_ID],
        true,
    ));
    assert_eq!(run.code, 0, "{run:?}");
    let input = fx.only_call(By::Arn, "DeleteMessage", &run);
    assert_eq!(input, json!({"roomIdentifier": fx.arn, "id": MESSAGE_ID}));
    assert_id(
        "operation id",
        parse_json(&run)["id"].as_str().unwrap_or(""),
    );
}

#[test]
fn disconnect_user_disconnects_and_says_so() {
    let fx = Fixture::new();
    for (by, json) in CASES {
        let run = fx.run(&chat(
            "disconnect-user",
            fx.room(by),
            &["--user-id", "troll-7", "--reason", "Be nice."],
            json,
        ));
        let case = format!("{by:?}, json={json}");
        assert_eq!(run.code, 0, "{case}: {run:?}");
        let input = fx.only_call(by, "DisconnectUser", &run);
        assert_eq!(
            input,
            json!({"roomIdentifier": fx.arn, "userId": "troll-7", "reason": "Be nice."}),
            "{case}"
        );
        if json {
            let v = parse_json(&run);
            assert_eq!(v["userId"], "troll-7", "{case}: {v}");
        } else {
            assert!(run.out.contains("troll-7"), "{case}: {run:?}");
        }
    }
    // Without --reason, no reason is sent.
    let run = fx.run(&chat(
        "disconnect-user",
        fx.room(By::Arn),
        &["--user-id", "troll-7"],
        false,
    ));
    assert_eq!(run.code, 0, "{run:?}");
    let input = fx.only_call(By::Arn, "DisconnectUser", &run);
    assert_eq!(
        input,
        json!({"roomIdentifier": fx.arn, "userId": "troll-7"})
    );
}

#[test]
fn an_arn_with_a_manifest_is_used_as_given() {
    // -f with an ARN: the manifest is read (its region), the room is not looked up.
    let fx = Fixture::new();
    let mut room = fx.room(By::Arn);
    room.extend(strings(&["-f", &fx.manifest]));
    let run = fx.run(&chat("send-event", room, &["--event-name", "e"], false));
    assert_eq!(run.code, 0, "{run:?}");
    let input = fx.only_call(By::Arn, "SendEvent", &run);
    assert_eq!(input["roomIdentifier"], fx.arn.as_str());
}

// ---------------------------------------------------------------------------
// Key resolution

#[test]
fn key_resolution_reads_only_list_rooms_pages() {
    // The stack's room is the oldest of 61: ListRooms (newest first, at most
    // 50 a page) shows it on the second page only.
    let fx = Fixture::new();
    for i in 0..58 {
        create_room(&fx.emu, &fx.client, &[("n", &i.to_string())]);
    }
    let first_page = fx
        .emu
        .block_on(fx.client.list_rooms().max_results(50).send())
        .expect("ListRooms");
    assert!(
        first_page.next_token().is_some()
            && !first_page.rooms().iter().any(|r| r.arn() == Some(&fx.arn)),
        "precondition: the room is not on the first page"
    );
    let run = fx.run(&chat("token", fx.room(By::Key), &["--user-id", "u"], false));
    assert_eq!(run.code, 0, "{run:?}");
    // Two pages (the minimum at the API's largest page size), nothing else.
    assert_eq!(
        fx.ops(),
        ["ListRooms", "ListRooms", "CreateChatToken"],
        "{run:?}"
    );
    let records = fx.emu.requests();
    assert_eq!(records[2].input["roomIdentifier"], fx.arn.as_str());
}

// ---------------------------------------------------------------------------
// Argument errors: exit 1, the flag named, no call at all

/// Runs each case; every one must exit 1 naming its flag, print nothing on
/// stdout and make no API call. Reports every failing case at once.
fn assert_refused(fx: &Fixture, cases: &[(&str, Vec<String>, &str)]) {
    let mut failures = Vec::new();
    for (what, args, flag) in cases {
        let run = fx.run(args);
        let ops = fx.ops();
        if run.code != 1 || !run.err.contains(flag) || !run.out.is_empty() || !ops.is_empty() {
            failures.push(format!(
                "{what}: want exit 1, `{flag}` on stderr, no stdout and no call; \
                 got exit {}, calls {ops:?}\n  stdout: {:?}\n  stderr: {}",
                run.code, run.out, run.err
            ));
        }
        assert!(!run.err.contains(TOKEN_PREFIX), "{what}: {run:?}");
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn token_args(fx: &Fixture, extra: &[&str]) -> Vec<String> {
    let mut rest = vec!["--user-id", "u"];
    rest.extend_from_slice(extra);
    chat("token", fx.room(By::Key), &rest, false)
}

fn kv(key: &str, value_len: usize, fill: char) -> String {
    format!("{key}={}", fill.to_string().repeat(value_len))
}

#[test]
fn token_argument_errors_name_the_flag_and_call_nothing() {
    let fx = Fixture::new();
    let over_ascii = kv("k", 1024, 'v'); // 1 + 1024 bytes
    let over_utf8 = kv("k", 512, 'é'); // 513 characters, 1 + 1024 bytes
    let (a, b) = (kv("a", 600, 'x'), kv("b", 423, 'y')); // 601 + 424 = 1025 bytes
    let user_129 = "u".repeat(129);
    let cases = vec![
        (
            "capability VIEW",
            token_args(&fx, &["--capability", "VIEW"]),
            "--capability",
        ),
        (
            "capability in lower case",
            token_args(&fx, &["--capability", "send_message"]),
            "--capability",
        ),
        (
            "one bad capability among good ones",
            token_args(
                &fx,
                &["--capability", "SEND_MESSAGE", "--capability", "BAN"],
            ),
            "--capability",
        ),
        (
            "session 0",
            token_args(&fx, &["--session-minutes", "0"]),
            "--session-minutes",
        ),
        (
            "session 181",
            token_args(&fx, &["--session-minutes", "181"]),
            "--session-minutes",
        ),
        (
            "session -1",
            token_args(&fx, &["--session-minutes", "-1"]),
            "--session-minutes",
        ),
        (
            "session abc",
            token_args(&fx, &["--session-minutes", "abc"]),
            "--session-minutes",
        ),
        (
            "session 1.5",
            token_args(&fx, &["--session-minutes", "1.5"]),
            "--session-minutes",
        ),
        (
            "session empty",
            token_args(&fx, &["--session-minutes", ""]),
            "--session-minutes",
        ),
        (
            "attributes 1025 bytes",
            token_args(&fx, &["--attribute", &over_ascii]),
            "--attribute",
        ),
        (
            "attributes 1025 bytes in 513 characters",
            token_args(&fx, &["--attribute", &over_utf8]),
            "--attribute",
        ),
        (
            "attributes 1025 bytes over two pairs",
            token_args(&fx, &["--attribute", &a, "--attribute", &b]),
            "--attribute",
        ),
        (
            "attribute without =",
            token_args(&fx, &["--attribute", "novalue"]),
            "--attribute",
        ),
        (
            "attribute with empty key",
            token_args(&fx, &["--attribute", "=v"]),
            "--attribute",
        ),
        (
            "attribute key twice",
            token_args(&fx, &["--attribute", "k=1", "--attribute", "k=2"]),
            "--attribute",
        ),
        (
            "user id empty",
            chat("token", fx.room(By::Key), &["--user-id", ""], false),
            "--user-id",
        ),
        (
            "user id 129 characters",
            chat("token", fx.room(By::Key), &["--user-id", &user_129], false),
            "--user-id",
        ),
        (
            "user id missing",
            chat("token", fx.room(By::Key), &[], false),
            "--user-id",
        ),
    ];
    assert_refused(&fx, &cases);
}

#[test]
fn send_event_argument_errors_name_the_flag_and_call_nothing() {
    let fx = Fixture::new();
    let over = kv("k", 1024, 'v');
    let name_101 = "e".repeat(101);
    let send = |rest: &[&str]| chat("send-event", fx.room(By::Key), rest, false);
    let cases = vec![
        (
            "event name empty",
            send(&["--event-name", ""]),
            "--event-name",
        ),
        (
            "event name 101 characters",
            send(&["--event-name", &name_101]),
            "--event-name",
        ),
        ("event name missing", send(&[]), "--event-name"),
        (
            "attributes 1025 bytes",
            send(&["--event-name", "e", "--attribute", &over]),
            "--attribute",
        ),
        (
            "attribute without =",
            send(&["--event-name", "e", "--attribute", "novalue"]),
            "--attribute",
        ),
        (
            "attribute key twice",
            send(&[
                "--event-name",
                "e",
                "--attribute",
                "k=1",
                "--attribute",
                "k=1",
            ]),
            "--attribute",
        ),
    ];
    assert_refused(&fx, &cases);
}

#[test]
fn delete_message_argument_errors_name_the_flag_and_call_nothing() {
    let fx = Fixture::new();
    let reason_257 = "r".repeat(257);
    let delete = |rest: &[&str]| chat("delete-message", fx.room(By::Key), rest, false);
    let cases = vec![
        (
            "message id 11 characters",
            delete(&["--message-id", "AbCdEfGhIjK"]),
            "--message-id",
        ),
        (
            "message id 13 characters",
            delete(&["--message-id", "AbCdEfGhIjK12"]),
            "--message-id",
        ),
        (
            "message id with -",
            delete(&["--message-id", "AbCdEfGhIj-1"]),
            "--message-id",
        ),
        (
            "message id empty",
            delete(&["--message-id", ""]),
            "--message-id",
        ),
        (
            "message id with a non-ASCII letter",
            delete(&["--message-id", "AbCdEfGhIjKé"]),
            "--message-id",
        ),
        ("message id missing", delete(&[]), "--message-id"),
        (
            "reason empty",
            delete(&["--message-id", MESSAGE_ID, "--reason", ""]),
            "--reason",
        ),
        (
            "reason 257 characters",
            delete(&["--message-id", MESSAGE_ID, "--reason", &reason_257]),
            "--reason",
        ),
    ];
    assert_refused(&fx, &cases);
}

#[test]
fn disconnect_user_argument_errors_name_the_flag_and_call_nothing() {
    let fx = Fixture::new();
    let user_129 = "u".repeat(129);
    let reason_257 = "r".repeat(257);
    let disconnect = |rest: &[&str]| chat("disconnect-user", fx.room(By::Key), rest, false);
    let cases = vec![
        ("user id empty", disconnect(&["--user-id", ""]), "--user-id"),
        (
            "user id 129 characters",
            disconnect(&["--user-id", &user_129]),
            "--user-id",
        ),
        ("user id missing", disconnect(&[]), "--user-id"),
        (
            "reason empty",
            disconnect(&["--user-id", "u", "--reason", ""]),
            "--reason",
        ),
        (
            "reason 257 characters",
            disconnect(&["--user-id", "u", "--reason", &reason_257]),
            "--reason",
        ),
    ];
    assert_refused(&fx, &cases);
}

#[test]
fn room_and_format_argument_errors_name_the_flag_and_call_nothing() {
    let fx = Fixture::new();
    let lc_arn = "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/x";
    let room = |room: &str| strings(&["--room", room]);
    let cases = vec![
        (
            "token: logging-configuration ARN",
            chat("token", room(lc_arn), &["--user-id", "u"], false),
            "--room",
        ),
        (
            "send-event: logging-configuration ARN",
            chat("send-event", room(lc_arn), &["--event-name", "e"], false),
            "--room",
        ),
        (
            "delete-message: ARN of another service",
            chat(
                "delete-message",
                room("arn:aws:ivs:us-east-1:123456789012:channel/AbCdEfGhIjKl"),
                &["--message-id", MESSAGE_ID],
                false,
            ),
            "--room",
        ),
        (
            "disconnect-user: room ARN without an id",
            chat(
                "disconnect-user",
                room("arn:aws:ivschat:us-east-1:123456789012:room/"),
                &["--user-id", "u"],
                false,
            ),
            "--room",
        ),
        (
            "token: key without -f",
            chat("token", room(KEY), &["--user-id", "u"], false),
            "--room",
        ),
        (
            "send-event: key without -f",
            chat("send-event", room(KEY), &["--event-name", "e"], false),
            "--room",
        ),
        (
            "room missing",
            strings(&["chat", "token", "--user-id", "u"]),
            "--room",
        ),
        (
            "unknown format",
            chat(
                "token",
                fx.room(By::Arn),
                &["--user-id", "u", "--format", "yaml"],
                false,
            ),
            "--format",
        ),
    ];
    assert_refused(&fx, &cases);
}

#[test]
fn values_at_the_limits_are_accepted() {
    let fx = Fixture::new();
    let ascii_1024 = kv("k", 1023, 'v'); // 1 + 1023 bytes
    let utf8_1024 = format!("k={}x", "é".repeat(511)); // 1 + 1022 + 1 bytes, 513 characters
    let (a, b) = (kv("a", 600, 'x'), kv("b", 421, 'y')); // 601 + 422 = 1023 bytes
    let (c, d) = (kv("a", 600, 'x'), kv("b", 422, 'y')); // 601 + 423 = 1024 bytes
    let user_128 = "u".repeat(128);
    let user_128_utf8 = "é".repeat(128);
    let name_100 = "e".repeat(100);
    let reason_256 = "r".repeat(256);
    let reason_256_utf8 = "ü".repeat(256);
    let token = |extra: &[&str]| {
        let mut rest = vec!["--user-id", "u"];
        rest.extend_from_slice(extra);
        chat("token", fx.room(By::Arn), &rest, false)
    };
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "session 1",
            token(&["--session-minutes", "1"]),
            "CreateChatToken",
        ),
        (
            "session 180",
            token(&["--session-minutes", "180"]),
            "CreateChatToken",
        ),
        (
            "attributes 1024 ASCII bytes",
            token(&["--attribute", &ascii_1024]),
            "CreateChatToken",
        ),
        (
            "attributes 1024 bytes with multi-byte characters",
            token(&["--attribute", &utf8_1024]),
            "CreateChatToken",
        ),
        (
            "attributes 1023 bytes over two pairs",
            token(&["--attribute", &a, "--attribute", &b]),
            "CreateChatToken",
        ),
        (
            "attributes 1024 bytes over two pairs",
            token(&["--attribute", &c, "--attribute", &d]),
            "CreateChatToken",
        ),
        (
            "all three capabilities",
            token(&[
                "--capability",
                "SEND_MESSAGE",
                "--capability",
                "DISCONNECT_USER",
                "--capability",
                "DELETE_MESSAGE",
            ]),
            "CreateChatToken",
        ),
        (
            "user id 128 characters",
            chat("token", fx.room(By::Arn), &["--user-id", &user_128], false),
            "CreateChatToken",
        ),
        (
            "user id 128 two-byte characters",
            chat(
                "token",
                fx.room(By::Arn),
                &["--user-id", &user_128_utf8],
                false,
            ),
            "CreateChatToken",
        ),
        (
            "event name 100 characters",
            chat(
                "send-event",
                fx.room(By::Arn),
                &["--event-name", &name_100],
                false,
            ),
            "SendEvent",
        ),
        (
            "event attributes 1024 bytes",
            chat(
                "send-event",
                fx.room(By::Arn),
                &["--event-name", "e", "--attribute", &utf8_1024],
                false,
            ),
            "SendEvent",
        ),
        (
            "delete reason 256 characters",
            chat(
                "delete-message",
                fx.room(By::Arn),
                &["--message-id", MESSAGE_ID, "--reason", &reason_256],
                false,
            ),
            "DeleteMessage",
        ),
        (
            "disconnect reason 256 two-byte characters",
            chat(
                "disconnect-user",
                fx.room(By::Arn),
                &["--user-id", &user_128_utf8, "--reason", &reason_256_utf8],
                false,
            ),
            "DisconnectUser",
        ),
    ];
    let mut failures = Vec::new();
    for (what, args, op) in &cases {
        let run = fx.run(args);
        let ops = fx.ops();
        let statuses: Vec<u16> = fx.emu.requests().iter().map(|r| r.status).collect();
        if run.code != 0 || ops != [*op] || statuses != [200] {
            failures.push(format!(
                "{what}: want exit 0 and one {op} answered 200; got exit {}, calls {ops:?} \
                 {statuses:?}\n  stderr: {}",
                run.code, run.err
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------
// Unknown rooms

#[test]
fn a_key_not_in_the_manifest_names_it_and_lists_the_rooms_without_a_call() {
    let fx = Fixture::with_rooms(&[KEY, "stage"]);
    let room = strings(&["--room", "backstage", "-f", &fx.manifest]);
    let run = fx.run(&chat("token", room, &["--user-id", "u"], false));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.out.is_empty(), "{run:?}");
    assert!(run.err.contains("backstage"), "names the key: {}", run.err);
    assert!(
        run.err.contains(KEY) && run.err.contains("stage"),
        "lists the manifest's rooms: {}",
        run.err
    );
    fx.assert_no_call("key not in the manifest", &run);
}

#[test]
fn a_key_not_in_a_manifest_without_rooms_says_so() {
    let fx = Fixture::new();
    let empty = common::write_file(
        fx.dir.path(),
        "empty.yaml",
        &format!("version: 1\nstack: {STACK}\n"),
    );
    let room = strings(&["--room", KEY, "-f", &empty]);
    let run = fx.run(&chat("send-event", room, &["--event-name", "e"], false));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.err.contains(KEY), "names the key: {}", run.err);
    fx.assert_no_call("manifest without rooms", &run);
}

#[test]
fn a_key_in_the_manifest_but_not_live_hints_at_apply_and_import() {
    let fx = Fixture::with_rooms(&[KEY, "stage"]);
    for sub in ["token", "disconnect-user"] {
        let room = strings(&["--room", "stage", "-f", &fx.manifest]);
        let run = fx.run(&chat(sub, room, &["--user-id", "u"], false));
        assert_eq!(run.code, 1, "{sub}: {run:?}");
        assert!(run.out.is_empty(), "{sub}: {run:?}");
        assert!(
            run.err.contains("stage"),
            "{sub}: names the key: {}",
            run.err
        );
        assert!(
            run.err.contains("apply") && run.err.contains("import"),
            "{sub}: hints at apply / import: {}",
            run.err
        );
        // Looked up, not guessed: only the list, never the chat call.
        assert!(
            fx.ops().iter().all(|op| op == "ListRooms"),
            "{sub}: {:?}",
            fx.ops()
        );
    }
}

#[test]
fn a_room_arn_that_does_not_exist_surfaces_the_404() {
    let fx = Fixture::new();
    let room = || strings(&["--room", MISSING_ROOM]);
    let cases = [
        (
            "token",
            chat("token", room(), &["--user-id", "u"], false),
            "CreateChatToken",
        ),
        (
            "send-event",
            chat("send-event", room(), &["--event-name", "e"], true),
            "SendEvent",
        ),
        (
            "delete-message",
            chat(
                "delete-message",
                room(),
                &["--message-id", MESSAGE_ID],
                false,
            ),
            "DeleteMessage",
        ),
        (
            "disconnect-user",
            chat("disconnect-user", room(), &["--user-id", "u"], true),
            "DisconnectUser",
        ),
    ];
    for (sub, args, op) in cases {
        let run = fx.run(&args);
        assert_eq!(run.code, 1, "{sub}: {run:?}");
        assert!(run.out.is_empty(), "{sub}: nothing on stdout: {run:?}");
        assert!(
            run.err.contains("ResourceNotFoundException"),
            "{sub}: {}",
            run.err
        );
        assert!(
            squash(&run.err).contains(MISSING_ROOM),
            "{sub}: names the room: {}",
            run.err
        );
        assert!(
            run.err.contains(op),
            "{sub}: names the operation: {}",
            run.err
        );
        // One call, answered 404, not retried.
        let records = fx.emu.requests();
        assert_eq!(fx.ops(), [op], "{sub}");
        assert_eq!(records[0].status, 404, "{sub}");
        assert_eq!(records[0].input["roomIdentifier"], MISSING_ROOM, "{sub}");
    }
}

#[test]
fn a_key_claimed_by_two_rooms_names_both_arns_and_calls_nothing_else() {
    let fx = Fixture::new();
    let twin = create_room(
        &fx.emu,
        &fx.client,
        &[("ivsctl:stack", STACK), ("ivsctl:key", KEY)],
    );
    let run = fx.run(&chat(
        "delete-message",
        fx.room(By::Key),
        &["--message-id", MESSAGE_ID],
        false,
    ));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.out.is_empty(), "{run:?}");
    let err = squash(&run.err);
    assert!(
        err.contains(&fx.arn) && err.contains(&twin),
        "names both ARNs ({} and {twin}): {}",
        fx.arn,
        run.err
    );
    assert_eq!(fx.ops(), ["ListRooms"], "{run:?}");
}

#[test]
fn error_messages_keep_arns_whole() {
    // A user copies the ARN out of the message, a script greps for it: the
    // ARN must appear unbroken on stderr.
    let fx = Fixture::new();
    let run = fx.run(&chat(
        "disconnect-user",
        strings(&["--room", MISSING_ROOM]),
        &["--user-id", "u"],
        false,
    ));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.err.contains(MISSING_ROOM), "{}", run.err);

    let twin = create_room(
        &fx.emu,
        &fx.client,
        &[("ivsctl:stack", STACK), ("ivsctl:key", KEY)],
    );
    let run = fx.run(&chat("token", fx.room(By::Key), &["--user-id", "u"], false));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.err.contains(&fx.arn) && run.err.contains(&twin),
        "{}",
        run.err
    );
}

// ---------------------------------------------------------------------------
// The token is a credential: stdout only

#[test]
fn the_token_is_on_stdout_only() {
    let fx = Fixture::new();
    for (by, json) in CASES {
        let run = fx.run(&chat("token", fx.room(by), &["--user-id", "u"], json));
        assert_eq!(run.code, 0, "{run:?}");
        let t = printed_token(&run, json);
        assert!(
            !run.err.contains(&t.token) && !run.err.contains(TOKEN_PREFIX),
            "{by:?}, json={json}: token on stderr: {}",
            run.err
        );
    }
}

#[test]
fn verbose_output_shows_the_calls_but_not_the_token() {
    let fx = Fixture::new();
    for verbose in ["-v", "-vv"] {
        for (by, json) in CASES {
            let mut args = strings(&[verbose]);
            args.extend(chat(
                "token",
                fx.room(by),
                &[
                    "--user-id",
                    "u",
                    "--capability",
                    "SEND_MESSAGE",
                    "--attribute",
                    "a=b",
                ],
                json,
            ));
            let run = fx.run(&args);
            let case = format!("{verbose} {by:?}, json={json}");
            assert_eq!(run.code, 0, "{case}: {run:?}");
            assert!(
                run.err.contains("CreateChatToken"),
                "{case}: -v shows the call: {}",
                run.err
            );
            if by == By::Key {
                assert!(
                    run.err.contains("ListRooms"),
                    "{case}: -v shows the lookup: {}",
                    run.err
                );
            }
            let t = printed_token(&run, json);
            assert!(
                !run.err.contains(&t.token) && !run.err.contains(TOKEN_PREFIX),
                "{case}: token in -v output: {}",
                run.err
            );
        }
    }
}

#[test]
fn verbose_output_of_failures_has_no_token() {
    let fx = Fixture::new();
    // A failed call: the 404 is shown, no token anywhere.
    let mut args = strings(&["-v"]);
    args.extend(chat(
        "token",
        strings(&["--room", MISSING_ROOM]),
        &["--user-id", "u"],
        true,
    ));
    let run = fx.run(&args);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.err.contains("CreateChatToken"), "{}", run.err);
    assert!(run.err.contains("ResourceNotFoundException"), "{}", run.err);
    assert!(!run.err.contains(TOKEN_PREFIX), "{}", run.err);
    assert!(!run.out.contains(TOKEN_PREFIX), "{run:?}");

    // An argument error under -v: no call is even attempted.
    let mut args = strings(&["-v"]);
    args.extend(chat(
        "token",
        fx.room(By::Key),
        &["--user-id", "u", "--session-minutes", "181"],
        false,
    ));
    let run = fx.run(&args);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.err.contains("--session-minutes"), "{}", run.err);
    assert!(
        !run.err.contains("CreateChatToken") && !run.err.contains("ListRooms"),
        "-v shows no call: {}",
        run.err
    );
    fx.assert_no_call("argument error under -v", &run);
}
