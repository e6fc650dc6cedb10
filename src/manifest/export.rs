//! The desired model -> a minimal manifest v1 text (for `ivsctl export`).
//!
//! Fields equal to their defaults are left out, so that the output reads like
//! a hand-written manifest. Every string goes through `scalar::yaml_string`,
//! which quotes whatever YAML would read as something else (`"true"`, `"042"`,
//! `""`), so that loading the output gives back the same model.

use std::fmt::Write;

use crate::model::{
    DesiredLoggingConfiguration, DesiredRoom, DesiredStack, Destination, FallbackResult,
    LoggingConfigurationRef, Tags, DEFAULT_MAXIMUM_MESSAGE_LENGTH,
    DEFAULT_MAXIMUM_MESSAGE_RATE_PER_SECOND,
};

use super::scalar::yaml_string;

/// Renders `desired` as a manifest. With `schema_ref`, line 1 is a
/// `# yaml-language-server: $schema=<ref>` comment for editors.
pub fn to_yaml(desired: &DesiredStack, schema_ref: Option<&str>) -> String {
    let mut out = Out::default();
    if let Some(schema) = schema_ref {
        out.line(0, &format!("# yaml-language-server: $schema={schema}"));
    }
    out.line(0, "version: 1");
    out.field(0, "stack", &desired.stack);
    if let Some(region) = &desired.region {
        out.field(0, "region", region);
    }
    out.tags(0, &desired.tags);
    if !desired.logging_configurations.is_empty() {
        out.line(0, "loggingConfigurations:");
        for (key, lc) in &desired.logging_configurations {
            out.key(1, key);
            logging_configuration(&mut out, key, lc);
        }
    }
    if !desired.rooms.is_empty() {
        out.line(0, "rooms:");
        for (key, room) in &desired.rooms {
            room_spec(&mut out, key, room);
        }
    }
    out.0
}

fn logging_configuration(out: &mut Out, key: &str, lc: &DesiredLoggingConfiguration) {
    if lc.name != key {
        out.field(2, "name", &lc.name);
    }
    out.line(2, "destination:");
    let (kind, field, value) = match &lc.destination {
        Destination::S3 { bucket_name } => ("s3", "bucketName", bucket_name),
        Destination::CloudWatchLogs { log_group_name } => {
            ("cloudWatchLogs", "logGroupName", log_group_name)
        }
        Destination::Firehose {
            delivery_stream_name,
        } => ("firehose", "deliveryStreamName", delivery_stream_name),
    };
    out.line(3, &format!("{kind}:"));
    out.field(4, field, value);
    out.tags(2, &lc.tags);
    if lc.protect {
        out.line(2, "protect: true");
    }
}

fn room_spec(out: &mut Out, key: &str, room: &DesiredRoom) {
    let mut body = Out::default();
    if room.name != key {
        body.field(2, "name", &room.name);
    }
    if room.maximum_message_length != DEFAULT_MAXIMUM_MESSAGE_LENGTH {
        body.line(
            2,
            &format!("maximumMessageLength: {}", room.maximum_message_length),
        );
    }
    if room.maximum_message_rate_per_second != DEFAULT_MAXIMUM_MESSAGE_RATE_PER_SECOND {
        body.line(
            2,
            &format!(
                "maximumMessageRatePerSecond: {}",
                room.maximum_message_rate_per_second
            ),
        );
    }
    if let Some(handler) = &room.message_review_handler {
        body.line(2, "messageReviewHandler:");
        body.field(3, "uri", &handler.uri);
        if handler.fallback_result != FallbackResult::default() {
            body.field(3, "fallbackResult", handler.fallback_result.as_str());
        }
    }
    if !room.logging_configurations.is_empty() {
        body.line(2, "loggingConfigurations:");
        for entry in &room.logging_configurations {
            let text = match entry {
                LoggingConfigurationRef::Key(k) | LoggingConfigurationRef::Arn(k) => k,
            };
            body.line(3, &format!("- {}", yaml_string(text)));
        }
    }
    body.tags(2, &room.tags);
    if room.protect {
        body.line(2, "protect: true");
    }
    if body.0.is_empty() {
        // A room with every field at its default.
        out.line(1, &format!("{}: {{}}", yaml_string(key)));
    } else {
        out.key(1, key);
        out.0.push_str(&body.0);
    }
}

#[derive(Default)]
struct Out(String);

impl Out {
    fn line(&mut self, indent: usize, text: &str) {
        let _ = writeln!(self.0, "{}{text}", "  ".repeat(indent));
    }

    fn key(&mut self, indent: usize, key: &str) {
        self.line(indent, &format!("{}:", yaml_string(key)));
    }

    fn field(&mut self, indent: usize, name: &str, value: &str) {
        self.line(indent, &format!("{name}: {}", yaml_string(value)));
    }

    fn tags(&mut self, indent: usize, tags: &Tags) {
        if tags.is_empty() {
            return;
        }
        self.line(indent, "tags:");
        for (k, v) in tags {
            self.line(
                indent + 1,
                &format!("{}: {}", yaml_string(k), yaml_string(v)),
            );
        }
    }
}
