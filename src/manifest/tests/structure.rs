//! YAML syntax, the top-level shape, unknown and duplicate keys, wrong types.

use super::{assert_error, error, errors, with};

#[test]
fn yaml_syntax_errors_have_positions() {
    let (m, h, line, col) = error("version: 1\nstack: s\nrooms: {a: [1, 2}\n");
    assert!(m.starts_with("invalid YAML"), "{m}");
    assert!(h.contains("unclosed"), "{h}");
    assert_eq!((line, col), (3, 17));
    assert_error(
        "version: 1\nrooms:\n\tlobby: {}\n",
        "invalid YAML: a tab is used for indentation",
        "tabs",
        (3, 1),
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
    // A merge key merges: the merged field is what is unknown.
    assert_error(
        &with("<<: {x: 1}\n"),
        "unknown top-level field: `x`",
        "valid fields here",
        (3, 6),
    );
    // A quoted "<<" is an ordinary key.
    assert_error(
        &with("\"<<\": {x: 1}\n"),
        "unknown top-level field: `<<`",
        "write the merge key plain",
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
fn every_error_of_a_file_is_reported_in_order() {
    let all = errors(&with("bogus: 1\nrooms:\n  a: {maximumMessageLength: 0, name: 'x y'}\n  b: {protect: maybe}\ntags: {n: 1}\n"));
    let positions: Vec<(usize, usize)> = all.iter().map(|e| (e.2, e.3)).collect();
    assert_eq!(
        positions,
        vec![(3, 1), (5, 29), (5, 38), (6, 16), (7, 11)],
        "{all:#?}"
    );
}
