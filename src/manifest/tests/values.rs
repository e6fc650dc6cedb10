//! The value rules: version, stack, region, keys, names, ranges, handler,
//! destination, tags, protect, a room's logging configurations.

use crate::model::FallbackResult;

use super::{assert_error, ok, with};

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
