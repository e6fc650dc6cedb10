//! `ivsctl chat token | send-event | delete-message | disconnect-user`
//! through the real binary against an in-process emulator: the exit code,
//! stdout, stderr, and what reached the API (the emulator's request log).
//!
//! The contract (docs/usage.md, chat; docs/emulator.md for the calls):
//! arguments are checked before any call against the API's rules, with
//! errors that name the flag (the cases: tests/chat/arguments.yaml); ROOM is
//! an ARN or a logical key resolved through `-f FILE` (ownership tags); a
//! chat token is printed on stdout only, never in `-v` output or errors.

mod common;

use common::{Output, TestContext};
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

/// How a test names the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    Arn,
    Key,
}

/// Every way to name the room, with plain and JSON output.
const EACH_WAY: [(By, bool); 4] = [
    (By::Arn, false),
    (By::Arn, true),
    (By::Key, false),
    (By::Key, true),
];

/// An emulator holding the stack's room `lobby` (tagged `ivsctl:stack` /
/// `ivsctl:key`), two rooms that must never be picked for it (another
/// stack's `lobby`, an untagged room), and a manifest declaring `lobby`.
struct Fixture {
    ctx: TestContext,
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
        let ctx = TestContext::new();
        let rooms: String = keys.iter().map(|k| format!("  {k}: {{}}\n")).collect();
        let manifest = format!("version: 1\nstack: {STACK}\nrooms:\n{rooms}");
        let manifest = ctx.file("chat.yaml", &manifest);
        ctx.room(json!({"tags": {"ivsctl:stack": "other-stack", "ivsctl:key": KEY}}));
        let arn = ctx.room(json!({"tags": {"ivsctl:stack": STACK, "ivsctl:key": KEY}}));
        ctx.room(json!({"tags": {"team": "video"}}));
        Fixture { ctx, manifest, arn }
    }

    /// Another room claiming `lobby` in the stack.
    fn twin(&self) -> String {
        let tags = json!({"ivsctl:stack": STACK, "ivsctl:key": KEY});
        self.ctx.room(json!({ "tags": tags }))
    }

    /// `ROOM` (`--room lobby -f MANIFEST`) or `ARN` (`--room ARN`).
    fn room(by: By) -> &'static str {
        match by {
            By::Arn => "ARN",
            By::Key => "ROOM",
        }
    }

    /// Runs `ivsctl SPEC` with a clean request log (SPEC as `words` takes it).
    fn run(&self, spec: &str) -> Output {
        self.ctx.reset_log();
        self.ctx.run(&self.words(spec))
    }

    /// SPEC split on white space, where ROOM stands for `--room lobby -f
    /// MANIFEST`, ARN for `--room ARN`, MISSING for `--room MISSING_ROOM`,
    /// JSON for `--format json`, `''` for an empty argument, `'a b'` for one
    /// argument with a space, and `{c*N}` in a word for c N times.
    fn words(&self, spec: &str) -> Vec<String> {
        let mut args = Vec::new();
        for word in common::words(spec) {
            match word.as_str() {
                "ROOM" => args.extend(["--room", KEY, "-f", &self.manifest].map(String::from)),
                "ARN" => args.extend(["--room".to_string(), self.arn.clone()]),
                "MISSING" => args.extend(["--room", MISSING_ROOM].map(String::from)),
                "JSON" => args.extend(["--format", "json"].map(String::from)),
                _ => args.push(repeat(&word)),
            }
        }
        args
    }

    /// Asserts that the run made exactly the calls of resolving the room
    /// (one ListRooms page when by key, nothing when by ARN) and one `op`,
    /// answered 200; returns `op`'s input.
    #[track_caller]
    fn only_call(&self, by: By, op: &str, out: &Output) -> Value {
        let expected = match by {
            By::Arn => vec![op],
            By::Key => vec!["ListRooms", op],
        };
        assert_eq!(self.ctx.ops(), expected, "calls made by {out}");
        let call = self.ctx.log().pop().expect("a call");
        assert_eq!(call.status, 200, "{op} answered {call:?}");
        call.input
    }

    /// Runs `chat SUB <room> REST` each way (by ARN and by key, plain and
    /// JSON): each must succeed with only the lookup and one `op` with
    /// `input` (plus the room's ARN). Returns each way's output, and the
    /// time just before and just after it ran.
    fn each_way(&self, sub: &str, rest: &str, op: &str, input: Value) -> Vec<Run> {
        let mut input = input;
        input["roomIdentifier"] = json!(self.arn);
        let mut runs = Vec::new();
        for (by, json) in EACH_WAY {
            let format = if json { "JSON" } else { "" };
            let before = SystemTime::now();
            let out = self.run(&format!("chat {sub} {} {rest} {format}", Self::room(by)));
            let window = (before, SystemTime::now());
            out.success();
            assert_eq!(self.only_call(by, op, &out), input, "{by:?}, json={json}");
            runs.push((json, out, window));
        }
        runs
    }
}

/// Whether the output is JSON, the output, and when it ran.
type Run = (bool, Output, (SystemTime, SystemTime));

/// `k={v*3}` -> `k=vvv`.
fn repeat(word: &str) -> String {
    let Some((head, rest)) = word.split_once('{') else {
        return word.to_string();
    };
    let (spec, tail) = rest.split_once('}').expect("{c*N}");
    let (c, n) = spec.split_once('*').expect("{c*N}");
    format!("{head}{}{tail}", c.repeat(n.parse().expect("N")))
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
fn assert_time(
    what: &str,
    text: &str,
    (before, after): (SystemTime, SystemTime),
    offset: Duration,
) {
    let t = humantime::parse_rfc3339(text).unwrap_or_else(|e| panic!("{what} `{text}`: {e}"));
    let (earliest, latest) = (before + offset - CLOCK_SLACK, after + offset + CLOCK_SLACK);
    assert!(
        t >= earliest && t <= latest,
        "{what} {text} should be {offset:?} after the call"
    );
}

/// A printed id (an event's, an operation's): 12 letters and digits.
fn assert_id(out: &Output, json: bool) {
    let id = match json {
        true => out.json()["id"].as_str().unwrap_or_default().to_string(),
        false => out.stdout.trim_end().to_string(),
    };
    let ok = id.len() == 12 && id.chars().all(|c| c.is_ascii_alphanumeric());
    assert!(ok, "`{id}` is not a 12-character id\n{out}");
}

/// A token and its two expiration times, as printed in either format.
struct PrintedToken {
    token: String,
    token_expiration: String,
    session_expiration: String,
}

fn printed_token(out: &Output, json: bool) -> PrintedToken {
    let t = if json {
        let v = out.json();
        let field = |k: &str| {
            v[k].as_str()
                .unwrap_or_else(|| panic!("no `{k}`: {out}"))
                .to_string()
        };
        PrintedToken {
            token: field("token"),
            token_expiration: field("tokenExpirationTime"),
            session_expiration: field("sessionExpirationTime"),
        }
    } else {
        let lines: Vec<&str> = out.stdout.lines().collect();
        let time = |label: &str| {
            let line = lines
                .iter()
                .find_map(|l| l.strip_prefix(label)?.strip_prefix(':'));
            line.unwrap_or_else(|| panic!("no `{label}:` line: {out}"))
                .trim()
                .to_string()
        };
        PrintedToken {
            // The token comes first, alone on its line (`| head -1`).
            token: lines.first().copied().unwrap_or_default().to_string(),
            token_expiration: time("tokenExpirationTime"),
            session_expiration: time("sessionExpirationTime"),
        }
    };
    let ok = t.token.starts_with(TOKEN_PREFIX) && t.token.len() > 20;
    assert!(
        ok && !t.token.contains(char::is_whitespace),
        "no token printed: {out}"
    );
    // The token is a credential: stdout only.
    out.stderr_lacks(&t.token).stderr_lacks(TOKEN_PREFIX);
    t
}

// ---------------------------------------------------------------------------
// The four commands, by ARN and by key, plain and JSON

#[test]
fn token_prints_the_token_and_both_expiration_times() {
    let fx = Fixture::new();
    let rest = "--user-id viewer-1 --capability SEND_MESSAGE --capability DELETE_MESSAGE --session-minutes 15 --attribute displayName=Ada --attribute query=a=b";
    let input = json!({
        "userId": "viewer-1",
        "capabilities": ["SEND_MESSAGE", "DELETE_MESSAGE"],
        "sessionDurationInMinutes": 15,
        "attributes": {"displayName": "Ada", "query": "a=b"},
    });
    for (json, out, window) in fx.each_way("token", rest, "CreateChatToken", input) {
        let t = printed_token(&out, json);
        let (token, session) = (&t.token_expiration, &t.session_expiration);
        assert_time(
            "tokenExpirationTime",
            token,
            window,
            Duration::from_secs(60),
        );
        assert_time(
            "sessionExpirationTime",
            session,
            window,
            Duration::from_secs(15 * 60),
        );
    }
}

#[test]
fn token_with_only_a_user_id_sends_no_optional_member_and_lasts_an_hour() {
    let fx = Fixture::new();
    for (json, spec) in [
        (false, "chat token ARN --user-id u"),
        (true, "chat token ARN --user-id u JSON"),
    ] {
        let before = SystemTime::now();
        let out = fx.run(spec);
        let window = (before, SystemTime::now());
        let input = fx.only_call(By::Arn, "CreateChatToken", out.success());
        assert_eq!(input, json!({"roomIdentifier": fx.arn, "userId": "u"}));
        let session = printed_token(&out, json).session_expiration;
        assert_time(
            "sessionExpirationTime",
            &session,
            window,
            Duration::from_secs(3600),
        );
    }
}

#[test]
fn send_event_prints_the_event_id() {
    let fx = Fixture::new();
    let rest = "--event-name app:poll --attribute question=Pizza? --attribute 'choices=yes no'";
    let input =
        json!({"eventName": "app:poll", "attributes": {"question": "Pizza?", "choices": "yes no"}});
    for (json, out, _) in fx.each_way("send-event", rest, "SendEvent", input) {
        assert_id(&out, json);
    }
    // Without attributes, none are sent.
    let out = fx.run("chat send-event ROOM --event-name ping");
    let input = fx.only_call(By::Key, "SendEvent", out.success());
    assert_eq!(
        input,
        json!({"roomIdentifier": fx.arn, "eventName": "ping"})
    );
    assert_id(&out, false);
}

#[test]
fn delete_message_prints_the_operation_id() {
    let fx = Fixture::new();
    let rest = format!("--message-id {MESSAGE_ID} --reason 'spam, twice'");
    let input = json!({"id": MESSAGE_ID, "reason": "spam, twice"});
    for (json, out, _) in fx.each_way("delete-message", &rest, "DeleteMessage", input) {
        assert_id(&out, json);
    }
    // Without --reason, no reason is sent.
    let out = fx.run(&format!(
        "chat delete-message ARN --message-id {MESSAGE_ID} JSON"
    ));
    let input = fx.only_call(By::Arn, "DeleteMessage", out.success());
    assert_eq!(input, json!({"roomIdentifier": fx.arn, "id": MESSAGE_ID}));
    assert_id(&out, true);
}

#[test]
fn disconnect_user_disconnects_and_says_so() {
    let fx = Fixture::new();
    let input = json!({"userId": "troll-7", "reason": "Be nice."});
    let rest = "--user-id troll-7 --reason 'Be nice.'";
    for (json, out, _) in fx.each_way("disconnect-user", rest, "DisconnectUser", input) {
        match json {
            true => assert_eq!(out.json()["userId"], "troll-7", "{out}"),
            false => drop(out.stdout_contains("troll-7")),
        }
    }
    // Without --reason, no reason is sent.
    let out = fx.run("chat disconnect-user ARN --user-id troll-7");
    let input = fx.only_call(By::Arn, "DisconnectUser", out.success());
    assert_eq!(
        input,
        json!({"roomIdentifier": fx.arn, "userId": "troll-7"})
    );
}

#[test]
fn an_arn_with_a_manifest_is_used_as_given() {
    // -f with an ARN: the manifest is read (its region), the room is not looked up.
    let fx = Fixture::new();
    let out = fx.run(&format!(
        "chat send-event ARN --event-name e -f {}",
        fx.manifest
    ));
    let input = fx.only_call(By::Arn, "SendEvent", out.success());
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
        fx.ctx.room(json!({"tags": {"n": i.to_string()}}));
    }
    let page = fx
        .ctx
        .emu
        .block_on(fx.ctx.sdk.list_rooms().max_results(50).send())
        .unwrap();
    let on_first = page.rooms().iter().any(|r| r.arn() == Some(&fx.arn));
    assert!(
        page.next_token().is_some() && !on_first,
        "the room is on the second page"
    );
    // Two pages (the minimum at the API's largest page size), nothing else.
    fx.run("chat token ROOM --user-id u").success();
    assert_eq!(fx.ctx.ops(), ["ListRooms", "ListRooms", "CreateChatToken"]);
    assert_eq!(
        fx.ctx.inputs("CreateChatToken")[0]["roomIdentifier"],
        fx.arn.as_str()
    );
}

// ---------------------------------------------------------------------------
// Argument errors (exit 1, the flag named, no call at all) and the limits

/// The cases of `table` in tests/chat/arguments.yaml: (what, spec, expected).
fn argument_cases(table: &str) -> Vec<(String, String, String)> {
    let doc: Value = serde_yaml::from_str(include_str!("chat/arguments.yaml")).unwrap();
    let cases = doc[table].as_array().expect("the table");
    let split =
        |c: &Value| -> Vec<String> { c.as_str().unwrap().split(" | ").map(String::from).collect() };
    let case = |c: &Value| match &split(c)[..] {
        [what, args, expected] => (what.clone(), format!("chat {args}"), expected.clone()),
        other => panic!("not `what | args | expected`: {other:?}"),
    };
    cases.iter().map(case).collect()
}

/// Runs every case of `table`; `wrong` says what is wrong with a run, if
/// anything. Reports every failing case at once.
fn each_case(table: &str, wrong: impl Fn(&Fixture, &Output, &str) -> Option<String>) {
    let fx = Fixture::new();
    let mut failures = Vec::new();
    for (what, spec, expected) in argument_cases(table) {
        let out = fx.run(&spec);
        if let Some(why) = wrong(&fx, &out, &expected) {
            failures.push(format!("{what}: {why}\n{out}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn argument_errors_name_the_flag_and_call_nothing() {
    each_case("refused", |fx, out, flag| {
        let (ops, err) = (fx.ctx.ops(), &out.stderr);
        let ok = out.code == 1 && err.contains(flag) && out.stdout.is_empty() && ops.is_empty();
        let ok = ok && !err.contains(TOKEN_PREFIX);
        (!ok).then(|| {
            format!("want exit 1, `{flag}` on stderr, no stdout, no call, no token; calls {ops:?}")
        })
    });
}

#[test]
fn values_at_the_limits_are_accepted() {
    each_case("accepted", |fx, out, op| {
        let calls: Vec<(String, u16)> = fx
            .ctx
            .log()
            .into_iter()
            .map(|r| (r.operation, r.status))
            .collect();
        let ok = out.code == 0 && calls == [(op.to_string(), 200)];
        (!ok).then(|| format!("want exit 0 and one {op} answered 200; calls {calls:?}"))
    });
}

// ---------------------------------------------------------------------------
// Unknown rooms

#[test]
fn a_key_not_in_the_manifest_names_it_and_lists_the_rooms_without_a_call() {
    let fx = Fixture::with_rooms(&[KEY, "stage"]);
    fx.run(&format!(
        "chat token --room backstage -f {} --user-id u",
        fx.manifest
    ))
    .failure()
    .stdout_empty()
    .stderr_names(&["backstage", KEY, "stage"]); // the key, the manifest's rooms
    fx.ctx.assert_no_calls("key not in the manifest");
}

#[test]
fn a_key_not_in_a_manifest_without_rooms_says_so() {
    let fx = Fixture::new();
    let empty = fx
        .ctx
        .file("empty.yaml", &format!("version: 1\nstack: {STACK}\n"));
    fx.run(&format!(
        "chat send-event --room {KEY} -f {empty} --event-name e"
    ))
    .failure()
    .stderr_contains(KEY);
    fx.ctx.assert_no_calls("manifest without rooms");
}

#[test]
fn a_key_in_the_manifest_but_not_live_hints_at_apply_and_import() {
    let fx = Fixture::with_rooms(&[KEY, "stage"]);
    for sub in ["token", "disconnect-user"] {
        fx.run(&format!(
            "chat {sub} --room stage -f {} --user-id u",
            fx.manifest
        ))
        .failure()
        .stdout_empty()
        .stderr_names(&["stage", "apply", "import"]);
        // Looked up, not guessed: only the list, never the chat call.
        assert!(
            fx.ctx.ops().iter().all(|op| op == "ListRooms"),
            "{sub}: {:?}",
            fx.ctx.ops()
        );
    }
}

#[test]
fn a_room_arn_that_does_not_exist_surfaces_the_404() {
    let fx = Fixture::new();
    for (spec, op) in [
        ("token MISSING --user-id u", "CreateChatToken"),
        ("send-event MISSING --event-name e JSON", "SendEvent"),
        (
            "delete-message MISSING --message-id AbCdEfGhIjK1",
            "DeleteMessage",
        ),
        ("disconnect-user MISSING --user-id u JSON", "DisconnectUser"),
    ] {
        // Nothing on stdout; the error names the exception, the room and
        // the operation.
        let out = fx.run(&format!("chat {spec}"));
        out.failure()
            .stdout_empty()
            .stderr_names(&["ResourceNotFoundException", op]);
        assert!(squash(&out.stderr).contains(MISSING_ROOM), "{out}");
        // One call, answered 404, not retried.
        let call = &fx.ctx.log()[..];
        assert_eq!(fx.ctx.ops(), [op], "{spec}");
        assert_eq!(
            (call[0].status, &call[0].input["roomIdentifier"]),
            (404, &json!(MISSING_ROOM))
        );
    }
}

#[test]
fn a_key_claimed_by_two_rooms_names_both_arns_and_calls_nothing_else() {
    let fx = Fixture::new();
    let twin = fx.twin();
    let out = fx.run(&format!(
        "chat delete-message ROOM --message-id {MESSAGE_ID}"
    ));
    out.failure().stdout_empty();
    let err = squash(&out.stderr);
    assert!(
        err.contains(&fx.arn) && err.contains(&twin),
        "names both ARNs: {out}"
    );
    assert_eq!(fx.ctx.ops(), ["ListRooms"]);
}

#[test]
fn error_messages_keep_arns_whole() {
    // A user copies the ARN out of the message, a script greps for it: the
    // ARN must appear unbroken on stderr.
    let fx = Fixture::new();
    let out = fx.run("chat disconnect-user MISSING --user-id u");
    out.failure().stderr_contains(MISSING_ROOM);
    let twin = fx.twin();
    let out = fx.run("chat token ROOM --user-id u");
    out.failure().stderr_names(&[&fx.arn, &twin]);
}

// ---------------------------------------------------------------------------
// The token is a credential: stdout only

#[test]
fn the_token_is_on_stdout_only() {
    let fx = Fixture::new();
    for (by, json) in EACH_WAY {
        let format = if json { "JSON" } else { "" };
        let out = fx.run(&format!(
            "chat token {} --user-id u {format}",
            Fixture::room(by)
        ));
        printed_token(out.success(), json); // checks stderr
    }
}

#[test]
fn verbose_output_shows_the_calls_but_not_the_token() {
    let fx = Fixture::new();
    for verbose in ["-v", "-vv"] {
        for (by, json) in EACH_WAY {
            // -v shows the call, and the lookup when by key; never the token.
            let format = if json { "JSON" } else { "" };
            let rest = "--user-id u --capability SEND_MESSAGE --attribute a=b";
            let out = fx.run(&format!(
                "{verbose} chat token {} {rest} {format}",
                Fixture::room(by)
            ));
            out.success().stderr_contains("CreateChatToken");
            if by == By::Key {
                out.stderr_contains("ListRooms");
            }
            printed_token(&out, json);
        }
    }
}

#[test]
fn verbose_output_of_failures_has_no_token() {
    let fx = Fixture::new();
    // A failed call: the 404 is shown, no token anywhere.
    fx.run("-v chat token MISSING --user-id u JSON")
        .failure()
        .stderr_names(&["CreateChatToken", "ResourceNotFoundException"])
        .stderr_lacks(TOKEN_PREFIX)
        .stdout_lacks(TOKEN_PREFIX);
    // An argument error under -v: no call is even attempted (or shown).
    fx.run("-v chat token ROOM --user-id u --session-minutes 181")
        .failure()
        .stderr_contains("--session-minutes")
        .stderr_lacks("CreateChatToken")
        .stderr_lacks("ListRooms");
    fx.ctx.assert_no_calls("argument error under -v");
}
