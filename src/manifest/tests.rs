//! One test (or a few) per manifest rule, on small inline manifests.

use crate::model::{
    Destination, FallbackResult, LoggingConfigurationRef, MessageReviewHandler,
    DEFAULT_MAXIMUM_MESSAGE_LENGTH,
};

use super::{load_str, load_strs, Issue, Manifest};

const HEAD: &str = "version: 1\nstack: s\n";

fn ok(text: &str) -> Manifest {
    match load_str("m.yaml", text) {
        Ok(m) => m,
        Err(e) => panic!(
            "expected a valid manifest, got:\n{}",
            super::render_plain(&e)
        ),
    }
}

/// (message, help, line, column) of every error.
fn errors_of(
    result: Result<Manifest, super::ManifestError>,
) -> Vec<(String, String, usize, usize)> {
    match result {
        Ok(m) => panic!("expected errors, got {m:#?}"),
        Err(e) => e.errors().iter().map(summary).collect(),
    }
}

fn summary(issue: &Issue) -> (String, String, usize, usize) {
    let (line, col) = issue.line_col().unwrap_or((0, 0));
    (
        issue.message().to_string(),
        issue.help_text().unwrap_or("").to_string(),
        line,
        col,
    )
}

fn errors(text: &str) -> Vec<(String, String, usize, usize)> {
    errors_of(load_str("m.yaml", text))
}

/// The single error of `text`.
fn error(text: &str) -> (String, String, usize, usize) {
    let mut all = errors(text);
    assert_eq!(all.len(), 1, "expected one error, got {all:#?}");
    all.remove(0)
}

fn assert_error(text: &str, message: &str, help: &str, at: (usize, usize)) {
    let (m, h, line, col) = error(text);
    assert!(m.contains(message), "message {m:?} lacks {message:?}");
    assert!(h.contains(help), "help {h:?} lacks {help:?}");
    assert_eq!((line, col), at, "position of {m:?}");
}

fn with(body: &str) -> String {
    format!("{HEAD}{body}")
}

#[test]
fn minimal_manifest_gets_defaults() {
    let m = ok(&with("rooms:\n  lobby: {}\nloggingConfigurations:\n  lobby:\n    destination: {firehose: {deliveryStreamName: s}}\n"));
    assert_eq!(m.desired.stack, "s");
    assert_eq!(m.desired.region, None);
    let room = &m.desired.rooms["lobby"];
    assert_eq!(room.name, "lobby");
    assert_eq!(room.maximum_message_length, DEFAULT_MAXIMUM_MESSAGE_LENGTH);
    assert_eq!(room.maximum_message_rate_per_second, 10);
    assert_eq!(room.message_review_handler, None);
    assert!(room.logging_configurations.is_empty() && room.tags.is_empty() && !room.protect);
    // Rooms and logging configurations are separate key spaces.
    let lc = &m.desired.logging_configurations["lobby"];
    assert_eq!(lc.name, "lobby");
    assert_eq!(
        lc.destination,
        Destination::Firehose {
            delivery_stream_name: "s".into()
        }
    );
    assert_eq!(m.files, vec!["m.yaml".to_string()]);
}

#[test]
fn every_field_is_read() {
    let m = ok(&with(concat!(
        "region: eu-central-1\n",
        "tags: {team: video, shared: stack}\n",
        "loggingConfigurations:\n",
        "  cw:\n    name: cw-name\n    destination: {cloudWatchLogs: {logGroupName: /aws/chat}}\n    protect: true\n",
        "rooms:\n  lobby:\n    name: Lobby_1\n    maximumMessageLength: 1\n    maximumMessageRatePerSecond: 100\n",
        "    messageReviewHandler: {uri: 'arn:aws:lambda:eu-central-1:123456789012:function:f', fallbackResult: DENY}\n",
        "    loggingConfigurations: [cw, 'arn:aws:ivschat:eu-central-1:123456789012:logging-configuration/abc']\n",
        "    tags: {shared: room}\n    protect: true\n",
    )));
    let d = &m.desired;
    assert_eq!(d.region.as_deref(), Some("eu-central-1"));
    assert_eq!(d.tags.len(), 2);
    assert!(d.logging_configurations["cw"].protect);
    let room = &d.rooms["lobby"];
    assert_eq!(
        (
            room.name.as_str(),
            room.maximum_message_length,
            room.maximum_message_rate_per_second
        ),
        ("Lobby_1", 1, 100)
    );
    assert_eq!(
        room.message_review_handler,
        Some(MessageReviewHandler {
            uri: "arn:aws:lambda:eu-central-1:123456789012:function:f".into(),
            fallback_result: FallbackResult::Deny
        })
    );
    assert_eq!(
        room.logging_configurations,
        vec![
            LoggingConfigurationRef::Key("cw".into()),
            LoggingConfigurationRef::Arn(
                "arn:aws:ivschat:eu-central-1:123456789012:logging-configuration/abc".into()
            )
        ]
    );
    assert_eq!(room.tags["shared"], "room");
    assert!(room.protect);
}

#[test]
fn null_optional_fields_read_as_absent() {
    let m = ok(&with("region:\ntags: ~\nloggingConfigurations:\nrooms:\n  a:\n    name:\n    maximumMessageLength: ~\n    messageReviewHandler:\n    loggingConfigurations:\n    tags:\n    protect:\n"));
    assert_eq!(m.desired.rooms["a"].name, "a");
    assert_eq!(m.desired.rooms["a"].maximum_message_length, 500);
}

#[test]
fn yaml_syntax_errors_have_positions() {
    let (m, h, line, col) = error("version: 1\nstack: s\nrooms: {a: [1, 2}\n");
    assert!(m.starts_with("invalid YAML"), "{m}");
    assert!(h.contains("unclosed"), "{h}");
    assert_eq!((line, col), (3, 17));
    assert_error(
        "version: 1\nrooms:\n\tlobby: {}\n",
        "invalid YAML",
        "tabs",
        (3, 2),
    );
    assert_error(
        "version: 1\n---\nstack: s\n",
        "single YAML document",
        "---",
        (2, 1),
    );
}

#[test]
fn top_level_must_be_a_mapping() {
    assert_error(
        "- a\n",
        "top level must be a mapping, found a list",
        "version",
        (1, 1),
    );
    assert_error(
        "just text\n",
        "found a string `just text`",
        "version",
        (1, 1),
    );
    assert_error("", "empty", "version: 1", (1, 1));
    assert_error("# only a comment\n", "empty", "version: 1", (1, 1));
}

#[test]
fn unknown_fields_suggest_near_misses_at_every_level() {
    assert_error(
        &with("room: {}\n"),
        "unknown top-level field: `room`",
        "did you mean `rooms`?",
        (3, 1),
    );
    assert_error(
        &with("rooms:\n  a:\n    maximumMessageLenght: 5\n"),
        "unknown field in rooms.a: `maximumMessageLenght`",
        "did you mean `maximumMessageLength`?",
        (5, 5),
    );
    assert_error(
        &with("rooms:\n  a:\n    messageReviewHandler: {url: x}\n"),
        "unknown field in rooms.a.messageReviewHandler: `url`",
        "did you mean `uri`?",
        (5, 28),
    );
    assert_error(
        &with(
            "loggingConfigurations:\n  a:\n    destinationConfiguration: {s3: {bucketName: abc}}\n",
        ),
        "unknown field",
        "did you mean `destination`?",
        (5, 5),
    );
    let all = errors(&with(
        "loggingConfigurations:\n  a:\n    destination: {s4: {bucketName: abc}}\n",
    ));
    assert!(all[0].1.contains("did you mean `s3`?"), "{all:?}");
    assert_error(
        &with("loggingConfigurations:\n  a:\n    destination: {s3: {bucket: abc}}\n"),
        "unknown field in loggingConfigurations.a.destination.s3: `bucket`",
        "did you mean `bucketName`?",
        (5, 24),
    );
    // No near miss: list the valid fields.
    assert_error(
        &with("rooms:\n  a:\n    colour: red\n"),
        "unknown field",
        "valid fields here: name, maximumMessageLength",
        (5, 5),
    );
    assert_error(
        &with("<<: {x: 1}\n"),
        "unknown top-level field: `<<`",
        "merge keys",
        (3, 1),
    );
}

#[test]
fn duplicate_keys_at_every_level() {
    assert_error(
        &with("stack: t\n"),
        "duplicate key `stack` at the top level",
        "first defined on line 2",
        (3, 1),
    );
    assert_error(
        &with("rooms:\n  a: {}\n  a: {}\n"),
        "duplicate key `a` in rooms",
        "line 4",
        (5, 3),
    );
    assert_error(
        &with("rooms:\n  a: {name: x, name: y}\n"),
        "duplicate key `name` in rooms.a",
        "line 4",
        (4, 16),
    );
    assert_error(
        &with("tags:\n  k: v\n  'k': w\n"),
        "duplicate key `k` in tags",
        "line 4",
        (5, 3),
    );
}

#[test]
fn wrong_types_are_named() {
    assert_error(
        &with("rooms:\n  a: {maximumMessageLength: '500'}\n"),
        "must be an integer, found a string `'500'`",
        "remove the quotes",
        (4, 29),
    );
    assert_error(
        &with("rooms:\n  a: {maximumMessageLength: 12.5}\n"),
        "must be an integer, found a decimal number",
        "between 1 and 500",
        (4, 29),
    );
    assert_error(
        &with("rooms:\n  a: {maximumMessageLength: [1]}\n"),
        "found a list",
        "between 1 and 500",
        (4, 29),
    );
    assert_error(
        &with("rooms: [a]\n"),
        "rooms must be a mapping, found a list",
        "logical keys",
        (3, 8),
    );
    assert_error(
        &with("rooms:\n  a: {name: {x: 1}}\n"),
        "rooms.a.name must be a string, found a mapping",
        "room name",
        (4, 13),
    );
    assert_error(
        &with("rooms:\n  a: {name: 123}\n"),
        "found an integer `123`",
        "quote it: `\"123\"`",
        (4, 13),
    );
    assert_error(
        &with("rooms:\n  a: {protect: 'true'}\n"),
        "must be a boolean, found a string `'true'`",
        "remove the quotes",
        (4, 16),
    );
    assert_error(
        &with("rooms:\n  a: {protect: yes}\n"),
        "must be a boolean",
        "`protect: true` or `protect: false`",
        (4, 16),
    );
    assert_error(
        &with("rooms:\n  a: {loggingConfigurations: x}\n"),
        "must be a list",
        "[archive]",
        (4, 30),
    );
    assert_error(
        &with("rooms:\n  a: {maximumMessageLength: !!int 5}\n"),
        "unsupported YAML tag `!!int`",
        "remove `!!int`",
        (4, 29),
    );
    assert_error(
        &with("rooms:\n  a: {maximumMessageLength: 0500}\n"),
        "leading zero",
        "write `500`",
        (4, 29),
    );
}

#[test]
fn version_rules() {
    assert_error(
        "stack: s\n",
        "missing field `version`",
        "version: 1",
        (1, 1),
    );
    assert_error(
        "version: 2\nstack: s\n",
        "unsupported manifest version 2",
        "version: 1",
        (1, 10),
    );
    assert_error(
        "version: '1'\nstack: s\n",
        "must be an integer",
        "remove the quotes",
        (1, 10),
    );
    assert_error(
        "version:\nstack: s\n",
        "`version` has no value",
        "version: 1",
        (1, 1),
    );
}

#[test]
fn stack_and_region_rules() {
    assert_error("version: 1\n", "missing field `stack`", "1 to 64", (1, 1));
    assert_error(
        "version: 1\nstack: a b\n",
        "invalid stack: `a b`",
        "1 to 64",
        (2, 8),
    );
    assert_error(
        &format!("version: 1\nstack: {}\n", "x".repeat(65)),
        "invalid stack",
        "1 to 64",
        (2, 8),
    );
    assert_error(
        "version: 1\nstack: ''\n",
        "invalid stack",
        "1 to 64",
        (2, 8),
    );
    assert_error(
        &with("region: us_west_2\n"),
        "invalid region",
        "us-west-2",
        (3, 9),
    );
    assert_error(
        &with("region: US-WEST-2\n"),
        "invalid region",
        "us-west-2",
        (3, 9),
    );
    ok(&with("region: us-gov-west-1\n"));
}

#[test]
fn logical_keys_are_checked() {
    assert_error(
        &with("rooms:\n  a.b: {}\n"),
        "invalid logical key in rooms: `a.b`",
        "logical key",
        (4, 3),
    );
    assert_error(
        &with(&format!("rooms:\n  {}: {{}}\n", "k".repeat(129))),
        "invalid logical key in rooms",
        "1 to 128",
        (4, 3),
    );
    assert_error(
        &with("rooms:\n  42: {}\n"),
        "must be a string, found an integer `42`",
        "quote it",
        (4, 3),
    );
    assert_error(
        &with("rooms:\n  a:\n"),
        "rooms.a has no spec",
        "a: {}",
        (4, 3),
    );
    ok(&with(&format!(
        "rooms:\n  {}: {{}}\n  '42': {{}}\n",
        "k".repeat(128)
    )));
}

#[test]
fn name_rules() {
    assert_error(
        &with("rooms:\n  a: {name: 'a/b'}\n"),
        "invalid rooms.a.name",
        "room name",
        (4, 13),
    );
    assert_error(
        &with(&format!("rooms:\n  a: {{name: {}}}\n", "n".repeat(129))),
        "invalid rooms.a.name",
        "at most 128",
        (4, 13),
    );
    assert_eq!(
        ok(&with("rooms:\n  a: {name: ''}\n")).desired.rooms["a"].name,
        ""
    );
    assert_error(
        &with("loggingConfigurations:\n  a: {name: 'x y', destination: {s3: {bucketName: abc}}}\n"),
        "invalid loggingConfigurations.a.name",
        "logging-configuration name",
        (4, 13),
    );
}

#[test]
fn room_ranges() {
    assert_error(
        &with("rooms:\n  a: {maximumMessageLength: 0}\n"),
        "out of range: 0",
        "between 1 and 500",
        (4, 29),
    );
    assert_error(
        &with("rooms:\n  a: {maximumMessageLength: 501}\n"),
        "out of range: 501",
        "between 1 and 500",
        (4, 29),
    );
    assert_error(
        &with("rooms:\n  a: {maximumMessageRatePerSecond: 101}\n"),
        "out of range: 101",
        "between 1 and 100",
        (4, 36),
    );
    assert_error(
        &with("rooms:\n  a: {maximumMessageRatePerSecond: -1}\n"),
        "out of range: -1",
        "between 1 and 100",
        (4, 36),
    );
    let m = ok(&with(
        "rooms:\n  a: {maximumMessageLength: 500, maximumMessageRatePerSecond: 1}\n",
    ));
    assert_eq!(m.desired.rooms["a"].maximum_message_rate_per_second, 1);
}

#[test]
fn handler_rules() {
    let room = |h: &str| with(&format!("rooms:\n  a:\n    messageReviewHandler: {h}\n"));
    assert_error(
        &room("{}"),
        "has no `uri`",
        "omit messageReviewHandler",
        (5, 5),
    );
    assert_error(
        &room("{uri: ''}"),
        "uri is empty",
        "omit messageReviewHandler for no handler",
        (5, 33),
    );
    assert_error(
        &room("{uri: 'arn:aws:lambda:us-west-2:12345:function:f'}"),
        "invalid rooms.a.messageReviewHandler.uri",
        "Lambda function ARN",
        (5, 33),
    );
    let long = format!(
        "arn:aws:lambda:us-west-2:123456789012:function:{}",
        "f".repeat(130)
    );
    assert_error(
        &room(&format!("{{uri: {long}}}")),
        "invalid",
        "at most 170",
        (5, 33),
    );
    let arn = "arn:aws:lambda:us-west-2:123456789012:function:f";
    assert_error(
        &room(&format!("{{uri: {arn}, fallbackResult: allow}}")),
        "invalid rooms.a.messageReviewHandler.fallbackResult: `allow`",
        "did you mean `ALLOW`?",
        (5, 99),
    );
    assert_error(
        &room(&format!("{{uri: {arn}, fallbackResult: MAYBE}}")),
        "fallbackResult",
        "`ALLOW` or `DENY`",
        (5, 99),
    );
    assert_eq!(
        ok(&room(&format!("{{uri: {arn}}}"))).desired.rooms["a"]
            .message_review_handler
            .as_ref()
            .map(|h| h.fallback_result),
        Some(FallbackResult::Allow)
    );
    assert_error(
        &room("[x]"),
        "must be a mapping, found a list",
        "omit messageReviewHandler",
        (5, 27),
    );
}

#[test]
fn destination_rules() {
    let lc = |d: &str| {
        with(&format!(
            "loggingConfigurations:\n  a:\n    destination: {d}\n"
        ))
    };
    assert_error(
        &with("loggingConfigurations:\n  a: {protect: true}\n"),
        "has no `destination`",
        "exactly one of",
        (4, 3),
    );
    assert_error(&lc("{}"), "names no destination", "exactly one of", (5, 5));
    assert_error(
        &lc("{s3: {bucketName: abc}, firehose: {deliveryStreamName: d}}"),
        "more than one destination: `s3` and `firehose`",
        "exactly one",
        (5, 42),
    );
    assert_error(
        &lc("{s3: }"),
        "destination.s3 is empty",
        "bucketName",
        (5, 19),
    );
    assert_error(&lc("{s3: {}}"), "has no `bucketName`", "3 to 63", (5, 19));
    assert_error(
        &lc("{s3: {bucketName: ab}}"),
        "invalid loggingConfigurations.a.destination.s3.bucketName",
        "3 to 63",
        (5, 36),
    );
    assert_error(
        &lc("{s3: {bucketName: Abc}}"),
        "bucketName",
        "lowercase",
        (5, 36),
    );
    assert_error(
        &lc("{cloudWatchLogs: {logGroupName: 'a b'}}"),
        "logGroupName",
        "log group name",
        (5, 50),
    );
    assert_error(
        &lc(&format!(
            "{{cloudWatchLogs: {{logGroupName: {}}}}}",
            "g".repeat(513)
        )),
        "logGroupName",
        "1 to 512",
        (5, 50),
    );
    assert_error(
        &lc("{firehose: {deliveryStreamName: 'a/b'}}"),
        "deliveryStreamName",
        "delivery stream name",
        (5, 50),
    );
    assert_error(
        &lc(&format!(
            "{{firehose: {{deliveryStreamName: {}}}}}",
            "d".repeat(65)
        )),
        "deliveryStreamName",
        "1 to 64",
        (5, 50),
    );
    assert_error(
        &lc("s3"),
        "must be a mapping, found a string `s3`",
        "exactly one of",
        (5, 18),
    );
}

#[test]
fn tag_rules() {
    assert_error(
        &with("tags: {count: 42}\n"),
        "tags.count must be a string, found an integer `42`",
        "quote it: `\"42\"`",
        (3, 15),
    );
    assert_error(
        &with("tags: {flag: true}\n"),
        "found a boolean",
        "quote it",
        (3, 14),
    );
    assert_error(
        &with("tags: {zip: 0042}\n"),
        "found a number with a leading zero",
        "quote it",
        (3, 13),
    );
    assert_error(
        &with("tags: {empty: }\n"),
        "found nothing (null)",
        "`\"\"`",
        (3, 8),
    );
    assert_error(
        &with("tags: {'aws:x': y}\n"),
        "reserved tag key `aws:x`",
        "reserved for AWS",
        (3, 8),
    );
    assert_error(
        &with("tags: {'AWS:x': y}\n"),
        "reserved tag key",
        "reserved for AWS",
        (3, 8),
    );
    assert_error(
        &with("tags: {'ivsctl:stack': y}\n"),
        "reserved tag key",
        "ownership",
        (3, 8),
    );
    assert_error(
        &with("tags: {'': y}\n"),
        "invalid tag key in tags",
        "1 to 128",
        (3, 8),
    );
    assert_error(
        &with(&format!("tags: {{{}: y}}\n", "k".repeat(129))),
        "invalid tag key in tags",
        "1 to 128",
        (3, 8),
    );
    assert_error(
        &with(&format!("tags: {{k: {}}}\n", "v".repeat(257))),
        "invalid tags.k",
        "at most 256",
        (3, 11),
    );
    assert_error(
        &with("tags: [a]\n"),
        "tags must be a mapping",
        "team: video",
        (3, 7),
    );
    assert_error(
        &with("rooms:\n  a: {tags: {n: 1.5}}\n"),
        "rooms.a.tags.n must be a string, found a decimal number",
        "quote it",
        (4, 17),
    );
    let m = ok(&with(
        "tags: {'my key': '', 'a/b:c': 'true', e: \"042\", n: !!str 7}\n",
    ));
    assert_eq!(m.desired.tags["my key"], "");
    assert_eq!(m.desired.tags["a/b:c"], "true");
    assert_eq!(m.desired.tags["n"], "7");
}

fn tags_yaml(prefix: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{prefix}{i}: v"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn tag_budget_counts_stack_resource_and_ownership_tags() {
    // 47 stack + 1 own + 2 ownership = 50: fine.
    ok(&with(&format!(
        "tags: {{{}}}\nrooms:\n  a: {{tags: {{own: v}}}}\n",
        tags_yaml("s", 47)
    )));
    // ... and protect adds ivsctl:protect: 51.
    let (m, h, line, col) = error(&with(&format!(
        "tags: {{{}}}\nrooms:\n  a: {{tags: {{own: v}}, protect: true}}\n",
        tags_yaml("s", 47)
    )));
    assert!(
        m.contains("rooms.a would carry 51 tags, more than 50"),
        "{m}"
    );
    assert!(
        h.contains("protect: true adds") && h.contains("remove 1"),
        "{h}"
    );
    assert_eq!((line, col), (5, 7));
    // A resource tag overriding a stack tag is counted once.
    ok(&with(&format!(
        "tags: {{{}}}\nrooms:\n  a: {{tags: {{s0: other}}}}\n",
        tags_yaml("s", 48)
    )));
    // Without tags of its own, the label goes on the resource key.
    ok(&with(&format!(
        "tags: {{{}}}\nrooms:\n  a: {{}}\n",
        tags_yaml("s", 48)
    )));
    assert_error(
        &with(&format!(
            "tags: {{{}}}\nrooms:\n  a: {{protect: true}}\n",
            tags_yaml("s", 48)
        )),
        "would carry 51 tags",
        "remove 1",
        (5, 3),
    );
    // Too many stack tags is said once, at the stack's tags.
    assert_error(
        &with(&format!(
            "tags: {{{}}}\nrooms:\n  a: {{}}\n  b: {{}}\n",
            tags_yaml("s", 49)
        )),
        "the stack has 49 tags",
        "at most 48 stack tags",
        (3, 1),
    );
    // Resource tags alone.
    assert_error(&with(&format!("loggingConfigurations:\n  a:\n    destination: {{s3: {{bucketName: abc}}}}\n    tags: {{{}}}\n", tags_yaml("t", 49))), "loggingConfigurations.a would carry 51 tags", "49 own tags", (6, 5));
}

#[test]
fn room_logging_configuration_rules() {
    let lcs = "loggingConfigurations:\n  archive: {destination: {s3: {bucketName: abc}}}\n  b: {destination: {s3: {bucketName: abc}}}\n  c: {destination: {s3: {bucketName: abc}}}\n  d: {destination: {s3: {bucketName: abc}}}\n";
    let room = |list: &str| {
        with(&format!(
            "{lcs}rooms:\n  r:\n    loggingConfigurations: {list}\n"
        ))
    };
    ok(&room("[archive, b, c]"));
    assert_error(
        &room("[archive, b, c, d]"),
        "has 4 entries",
        "at most 3",
        (10, 28),
    );
    assert_error(
        &room("[archive, b, archive]"),
        "lists `archive` twice",
        "already listed on line 10",
        (10, 41),
    );
    assert_error(
        &room("[archiv]"),
        "refers to `archiv`, which is not a logging configuration of this stack",
        "did you mean `archive`?",
        (10, 29),
    );
    assert_error(
        &room("[zzz]"),
        "refers to `zzz`",
        "`archive`, `b`, `c`, `d`",
        (10, 29),
    );
    assert_error(
        &room("['arn:aws:ivschat:us-west-2:1:room/x']"),
        "invalid rooms.r.loggingConfigurations[0]",
        "logging-configuration ARN",
        (10, 29),
    );
    assert_error(
        &room("['a b']"),
        "invalid rooms.r.loggingConfigurations[0]",
        "logical key",
        (10, 29),
    );
    assert_error(
        &room("[42]"),
        "must be a string, found an integer",
        "quote it",
        (10, 29),
    );
    assert_error(
        &with("rooms:\n  r: {loggingConfigurations: [x]}\n"),
        "refers to `x`",
        "declares no logging configuration",
        (4, 31),
    );
    ok(&room(
        "['arn:aws:ivschat:us-west-2:123456789012:logging-configuration/AbC1', archive]",
    ));
}

#[test]
fn protect_must_be_a_boolean() {
    assert_error(
        &with("loggingConfigurations:\n  a: {destination: {s3: {bucketName: abc}}, protect: 1}\n"),
        "protect must be a boolean, found an integer `1`",
        "protect: true",
        (4, 54),
    );
}

#[test]
fn every_error_of_a_file_is_reported_in_order() {
    let all = errors(&with("bogus: 1\nrooms:\n  a: {maximumMessageLength: 0, name: 'x y'}\n  b: {protect: maybe}\ntags: {n: 1}\n"));
    let positions: Vec<(usize, usize)> = all.iter().map(|e| (e.2, e.3)).collect();
    assert_eq!(
        positions,
        vec![(3, 1), (5, 29), (5, 38), (6, 16), (7, 11)],
        "{all:#?}"
    );
}

#[test]
fn several_files_form_one_stack() {
    let a = "version: 1\nstack: s\nregion: us-west-2\ntags: {team: video}\nloggingConfigurations:\n  archive: {destination: {s3: {bucketName: abc}}}\n";
    let b = "version: 1\nstack: s\ntags: {env: prod}\nrooms:\n  lobby: {loggingConfigurations: [archive]}\n";
    let m = load_strs(&[("a.yaml", a), ("b.yaml", b)]).unwrap();
    assert_eq!(m.desired.region.as_deref(), Some("us-west-2"));
    assert_eq!(m.desired.tags.len(), 2);
    assert_eq!(m.files, vec!["a.yaml", "b.yaml"]);
    assert_eq!(
        m.desired.rooms["lobby"].logging_configurations,
        vec![LoggingConfigurationRef::Key("archive".into())]
    );
}

#[test]
fn files_of_one_stack_must_agree() {
    let a = "version: 1\nstack: s\nregion: us-west-2\ntags: {team: video}\nrooms:\n  lobby: {}\n";
    let check = |b: &str, message: &str, help: &str| {
        let all = errors_of(load_strs(&[("a.yaml", a), ("b.yaml", b)]));
        assert_eq!(all.len(), 1, "{all:#?}");
        assert!(all[0].0.contains(message), "{all:#?}");
        assert!(all[0].1.contains(help), "{all:#?}");
    };
    check(
        "version: 1\nstack: t\n",
        "`stack` differs",
        "a.yaml says `s`",
    );
    check(
        "version: 1\nstack: s\nregion: eu-west-1\n",
        "`region` differs",
        "a.yaml says `us-west-2`",
    );
    check(
        "version: 1\nstack: s\ntags: {team: other}\n",
        "stack tag `team` is given in two files",
        "a.yaml",
    );
    check(
        "version: 1\nstack: s\nrooms:\n  lobby: {}\n",
        "rooms.lobby is declared in two files",
        "already declared in a.yaml",
    );
    check("stack: s\n", "missing field `version`", "version: 1");
    // Same key in the other key space is fine.
    load_strs(&[("a.yaml", a), ("b.yaml", "version: 1\nstack: s\nloggingConfigurations:\n  lobby: {destination: {s3: {bucketName: abc}}}\n")]).unwrap();
    // Errors are sorted by file, then position.
    let err = load_strs(&[
        ("a.yaml", "version: 1\nstack: s\nx: 1\ny: 2\n"),
        ("b.yaml", "z: 1\n"),
    ])
    .unwrap_err();
    let order: Vec<(String, (usize, usize))> = err
        .errors()
        .iter()
        .map(|e| (e.file_name().to_string(), e.line_col().unwrap_or_default()))
        .collect();
    assert_eq!(order[0], ("a.yaml".to_string(), (3, 1)));
    assert_eq!(order[1], ("a.yaml".to_string(), (4, 1)));
    assert!(order[2..].iter().all(|(f, _)| f == "b.yaml"), "{order:?}");
}

#[test]
fn a_dangling_reference_is_not_reported_when_another_file_is_unreadable() {
    let err = load_strs(&[
        (
            "a.yaml",
            "version: 1\nstack: s\nrooms:\n  r: {loggingConfigurations: [x]}\n",
        ),
        ("b.yaml", "version: 1\nstack: [\n"),
    ])
    .unwrap_err();
    assert_eq!(err.errors().len(), 1);
    assert_eq!(err.errors()[0].file_name(), "b.yaml");
}

#[test]
fn rendering_names_file_line_and_column() {
    let err = load_str(
        "dir/m.yaml",
        &with("rooms:\n  a: {maximumMessageLength: 600}\n"),
    )
    .unwrap_err();
    let text = super::render_plain(&err);
    assert!(text.contains("dir/m.yaml:4:29"), "{text}");
    assert!(
        text.contains("help: maximumMessageLength must be an integer between 1 and 500"),
        "{text}"
    );
    assert!(
        text.contains("invalid manifest: 1 error in dir/m.yaml"),
        "{text}"
    );
}

/// A tiny deterministic generator (no extra dependency for the fuzz below).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Mutated manifests never panic, and whatever validation accepts, the typed
/// pass reads (its "please report" safety net never fires).
#[test]
fn mutations_never_panic_and_validation_covers_typing() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/manifests/valid/");
    let bases: Vec<String> = ["full.yaml", "product-example.yaml"]
        .iter()
        .map(|f| std::fs::read_to_string(format!("{dir}{f}")).expect("a valid fixture"))
        .collect();
    let tokens = [
        "~", "\"", "'", "[", "]", "{", "}", ": ", "- ", "42", "042", "&a ", "*a", "!!str ", "!x ",
        "\t", "\n", "\n  ", "é", "#", "true", "-1", "0x10", ",", "<<: ", "---\n", "? ", "|\n  x\n",
        "\u{feff}", "\r\n", "null", "''", "\"\"", "arn:", "aws:", "ivsctl:",
    ];
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut accepted = 0;
    for base in &bases {
        for _ in 0..3000 {
            let text = mutate(&mut rng, base, &tokens);
            let result = std::panic::catch_unwind(|| load_str("fuzz.yaml", &text));
            let Ok(result) = result else {
                panic!("panicked on:\n{text}")
            };
            match result {
                Ok(_) => accepted += 1,
                Err(err) => {
                    for issue in err.errors() {
                        let help = issue.help_text().unwrap_or("");
                        assert!(
                            !help.contains("please report"),
                            "validation missed what serde rejects:\n{text}\n{}",
                            super::render_plain(&err)
                        );
                    }
                    let _ = super::render_plain(&err);
                }
            }
        }
    }
    // Some mutations (in comments, duplicated values) keep the file valid:
    // those exercise the typed pass.
    assert!(accepted > 100, "only {accepted} mutants were valid");
}

fn mutate(rng: &mut Rng, base: &str, tokens: &[&str]) -> String {
    let mut text: Vec<char> = base.chars().collect();
    for _ in 0..=rng.below(3) {
        let at = rng.below(text.len() + 1);
        match rng.below(3) {
            0 => {
                let end = (at + rng.below(12)).min(text.len());
                text.drain(at..end);
            }
            1 => {
                let token = tokens[rng.below(tokens.len())];
                let at = if rng.below(20) == 0 { 0 } else { at };
                text.splice(at..at, token.chars());
            }
            _ => {
                let end = (at + rng.below(20)).min(text.len());
                let copy: Vec<char> = text[at..end].to_vec();
                text.splice(at..at, copy);
            }
        }
    }
    text.into_iter().collect()
}

#[test]
fn crlf_line_endings_and_a_byte_order_mark_are_fine() {
    let text =
        "\u{feff}version: 1\r\nstack: s\r\nrooms:\r\n  lobby: {maximumMessageLength: 600}\r\n";
    let (m, _, line, col) = error(text);
    assert!(m.contains("out of range: 600"), "{m}");
    assert_eq!((line, col), (4, 33));
    let ok = ok("\u{feff}version: 1\r\nstack: s\r\ntags:\r\n  team: \"video\"\r\n");
    assert_eq!(ok.desired.tags["team"], "video");
}

#[test]
fn non_ascii_text_keeps_positions_right() {
    let (m, _, line, col) = error(&with("tags: {équipe: vidéo, 'clé': 4}\n"));
    assert!(m.contains("tags[\"clé\"] must be a string"), "{m}");
    assert_eq!((line, col), (3, 30));
}
