//! Unit tests of the manifest module, one test (or a few) per rule, on small
//! inline manifests: `structure` (YAML, fields, keys, types), `values` (every
//! value rule), `stack` (tag budget and multi-file stacks), `fuzz` (mutated
//! manifests never panic), `reuse` (defaults, merges, variables, import,
//! moved, references to other stacks). Shared helpers and end-to-end cases
//! are here.

mod fuzz;
mod reuse;
mod stack;
mod structure;
mod values;

use crate::model::{
    Destination, FallbackResult, LoggingConfigurationRef, MessageReviewHandler,
    DEFAULT_MAXIMUM_MESSAGE_LENGTH,
};

use super::{load_str, Issue, Manifest};

pub(super) const HEAD: &str = "version: 1\nstack: s\n";

pub(super) fn ok(text: &str) -> Manifest {
    match load_str("m.yaml", text) {
        Ok(m) => m,
        Err(e) => panic!(
            "expected a valid manifest, got:\n{}",
            super::render_plain(&e)
        ),
    }
}

/// (message, help, line, column) of every error.
pub(super) fn errors_of(
    result: Result<Manifest, super::ManifestError>,
) -> Vec<(String, String, usize, usize)> {
    match result {
        Ok(m) => panic!("expected errors, got {m:#?}"),
        Err(e) => e.errors().iter().map(summary).collect(),
    }
}

pub(super) fn summary(issue: &Issue) -> (String, String, usize, usize) {
    let (line, col) = issue.line_col().unwrap_or((0, 0));
    (
        issue.message().to_string(),
        issue.help_text().unwrap_or("").to_string(),
        line,
        col,
    )
}

pub(super) fn errors(text: &str) -> Vec<(String, String, usize, usize)> {
    errors_of(load_str("m.yaml", text))
}

/// The single error of `text`.
pub(super) fn error(text: &str) -> (String, String, usize, usize) {
    let mut all = errors(text);
    assert_eq!(all.len(), 1, "expected one error, got {all:#?}");
    all.remove(0)
}

pub(super) fn assert_error(text: &str, message: &str, help: &str, at: (usize, usize)) {
    let (m, h, line, col) = error(text);
    assert!(m.contains(message), "message {m:?} lacks {message:?}");
    assert!(h.contains(help), "help {h:?} lacks {help:?}");
    assert_eq!((line, col), at, "position of {m:?}");
}

pub(super) fn with(body: &str) -> String {
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
