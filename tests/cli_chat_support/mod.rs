//! The fixture and output checks of cli_chat.rs (only that file includes
//! this module): a [`Fixture`] holding the stack's room `lobby` beside two
//! rooms that must never be picked for it, the ways to name the room
//! ([`By`], [`EACH_WAY`]), and the checks of printed tokens, ids and times.

use crate::common::{self, Output, TestContext};
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

/// The stack of the test manifests.
pub const STACK: &str = "chat-cli";
/// The logical key of the seeded room.
pub const KEY: &str = "lobby";
/// A well-formed room ARN of a room that does not exist.
pub const MISSING_ROOM: &str = "arn:aws:ivschat:us-east-1:123456789012:room/AAAAAAAAAAAA";
/// What every chat token (AWS's and the emulator's) starts with.
pub const TOKEN_PREFIX: &str = "AQICAH";
/// A valid message id.
pub const MESSAGE_ID: &str = "AbCdEfGhIjK1";
/// Window for comparing the emulator's timestamps with the test's clock.
pub const CLOCK_SLACK: Duration = Duration::from_secs(5);

/// How a test names the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Arn,
    Key,
}

/// Every way to name the room, with plain and JSON output.
pub const EACH_WAY: [(By, bool); 4] = [
    (By::Arn, false),
    (By::Arn, true),
    (By::Key, false),
    (By::Key, true),
];

/// An emulator holding the stack's room `lobby` (tagged `ivsctl:stack` /
/// `ivsctl:key`), two rooms that must never be picked for it (another
/// stack's `lobby`, an untagged room), and a manifest declaring `lobby`.
pub struct Fixture {
    pub ctx: TestContext,
    pub manifest: String,
    /// The ARN of the stack's `lobby`.
    pub arn: String,
}

impl Fixture {
    pub fn new() -> Self {
        Self::with_rooms(&[KEY])
    }

    /// The manifest declares `keys`; only `lobby` is live.
    pub fn with_rooms(keys: &[&str]) -> Self {
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
    pub fn twin(&self) -> String {
        let tags = json!({"ivsctl:stack": STACK, "ivsctl:key": KEY});
        self.ctx.room(json!({ "tags": tags }))
    }

    /// `ROOM` (`--room lobby -f MANIFEST`) or `ARN` (`--room ARN`).
    pub fn room(by: By) -> &'static str {
        match by {
            By::Arn => "ARN",
            By::Key => "ROOM",
        }
    }

    /// Runs `ivsctl SPEC` with a clean request log (SPEC as `words` takes it).
    pub fn run(&self, spec: &str) -> Output {
        self.ctx.reset_log();
        self.ctx.run(&self.words(spec))
    }

    /// SPEC split on white space, where ROOM stands for `--room lobby -f
    /// MANIFEST`, ARN for `--room ARN`, MISSING for `--room MISSING_ROOM`,
    /// JSON for `--format json`, `''` for an empty argument, `'a b'` for one
    /// argument with a space, and `{c*N}` in a word for c N times.
    pub fn words(&self, spec: &str) -> Vec<String> {
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
    pub fn only_call(&self, by: By, op: &str, out: &Output) -> Value {
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
    pub fn each_way(&self, sub: &str, rest: &str, op: &str, input: Value) -> Vec<Run> {
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
pub type Run = (bool, Output, (SystemTime, SystemTime));

/// `k={v*3}` -> `k=vvv`.
pub fn repeat(word: &str) -> String {
    let Some((head, rest)) = word.split_once('{') else {
        return word.to_string();
    };
    let (spec, tail) = rest.split_once('}').expect("{c*N}");
    let (c, n) = spec.split_once('*').expect("{c*N}");
    format!("{head}{}{tail}", c.repeat(n.parse().expect("N")))
}

/// stderr without whitespace and miette's `|` gutter: long messages are
/// wrapped at 80 columns, which must not hide what they name.
pub fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '|')
        .collect()
}

/// Parses an ISO-8601 time and checks it lies `offset` after the run
/// (between `before` and `after`, give or take `CLOCK_SLACK`).
pub fn assert_time(
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
pub fn assert_id(out: &Output, json: bool) {
    let id = match json {
        true => out.json()["id"].as_str().unwrap_or_default().to_string(),
        false => out.stdout.trim_end().to_string(),
    };
    let ok = id.len() == 12 && id.chars().all(|c| c.is_ascii_alphanumeric());
    assert!(ok, "`{id}` is not a 12-character id\n{out}");
}

/// A token and its two expiration times, as printed in either format.
pub struct PrintedToken {
    pub token: String,
    pub token_expiration: String,
    pub session_expiration: String,
}

pub fn printed_token(out: &Output, json: bool) -> PrintedToken {
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
        // stdout is the token and nothing else (`TOKEN=$(ivsctl chat token ...)`);
        // the details are on stderr.
        let token = out.stdout.strip_suffix('\n').unwrap_or_default();
        assert!(
            !token.is_empty() && !token.contains('\n'),
            "stdout is not exactly one line, the token: {out}"
        );
        let time = |label: &str| {
            let line = out
                .stderr
                .lines()
                .find_map(|l| l.strip_prefix(label)?.strip_prefix(':'));
            line.unwrap_or_else(|| panic!("no `{label}:` line on stderr: {out}"))
                .trim()
                .to_string()
        };
        PrintedToken {
            token: token.to_string(),
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
