//! The desired model -> a minimal manifest v1 text (for `ivsctl export`),
//! field by field through the field tables (`schema/`).
//!
//! Fields equal to their defaults are left out, so that the output reads like
//! a hand-written manifest. Every string goes through `scalar::yaml_string`
//! (values after `value_text`, which writes `${` as `$${` so that no text is
//! read back as a variable),
//! which quotes whatever YAML would read as something else (`"true"`, `"042"`,
//! `""`), so that loading the output gives back the same model.

use std::fmt::Write;

use crate::model::{
    DesiredLoggingConfiguration, DesiredRoom, DesiredStack, Destination, FallbackResult,
    LoggingConfigurationRef, Move, Tags,
};
use crate::schema::logging::LOGGING;
use crate::schema::room::ROOM;
use crate::schema::{Row, Value};

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
            resource(&mut out, key, &logging_body(key, lc));
        }
    }
    if !desired.rooms.is_empty() {
        out.line(0, "rooms:");
        for (key, room) in &desired.rooms {
            resource(&mut out, key, &room_body(key, room));
        }
    }
    if !desired.moved.is_empty() {
        out.line(0, "moved:");
        for entry in &desired.moved {
            match entry {
                Move::Address { from, to } => {
                    out.line(1, &format!("- from: {}", value_text(&from.to_string())));
                    out.field(2, "to", &to.to_string());
                }
                Move::Stack { from_stack } => {
                    out.line(1, &format!("- fromStack: {}", value_text(from_stack)));
                }
            }
        }
    }
    out.0
}

fn logging_body(key: &str, lc: &DesiredLoggingConfiguration) -> Out {
    let mut body = Out::default();
    for (field, value) in Row::desired_values(&LOGGING, lc, &[]) {
        let row = Row::find(&LOGGING, field).expect("a row per value");
        if !(row.is_default)(&value, key) {
            body.value(2, field.name(), &value);
        }
    }
    body.tags(2, &lc.tags);
    if lc.protect {
        body.line(2, "protect: true");
    }
    if let Some(arn) = &lc.import {
        body.field(2, "import", arn);
    }
    body
}

fn room_body(key: &str, room: &DesiredRoom) -> Out {
    let mut body = Out::default();
    for (field, value) in Row::desired_values(&ROOM, room, &room.logging_configurations) {
        let row = Row::find(&ROOM, field).expect("a row per value");
        if !(row.is_default)(&value, key) {
            body.value(2, field.name(), &value);
        }
    }
    body.tags(2, &room.tags);
    if room.protect {
        body.line(2, "protect: true");
    }
    if let Some(arn) = &room.import {
        body.field(2, "import", arn);
    }
    body
}

/// `key:` and its body, or `key: {}` for a resource with every default.
fn resource(out: &mut Out, key: &str, body: &Out) {
    if body.0.is_empty() {
        out.line(1, &format!("{}: {{}}", yaml_string(key)));
    } else {
        out.key(1, key);
        out.0.push_str(&body.0);
    }
}

/// A value as YAML that loads back as this very text: `${` (which would
/// be a variable) is escaped as `$${`.
fn value_text(value: &str) -> String {
    yaml_string(&value.replace("${", "$${"))
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
        self.line(indent, &format!("{name}: {}", value_text(value)));
    }

    /// One field's value, as the manifest writes its kind.
    fn value(&mut self, indent: usize, name: &str, value: &Value) {
        match value {
            Value::Text(s) => self.field(indent, name, s),
            Value::Int(n) => self.line(indent, &format!("{name}: {n}")),
            Value::Handler(None) => {}
            Value::Handler(Some(h)) => {
                self.line(indent, &format!("{name}:"));
                self.field(indent + 1, "uri", &h.uri);
                if h.fallback_result != FallbackResult::default() {
                    self.field(indent + 1, "fallbackResult", h.fallback_result.as_str());
                }
            }
            Value::Destination(d) => {
                self.line(indent, &format!("{name}:"));
                let (kind, member, text) = match d {
                    Destination::S3 { bucket_name } => ("s3", "bucketName", bucket_name),
                    Destination::CloudWatchLogs { log_group_name } => {
                        ("cloudWatchLogs", "logGroupName", log_group_name)
                    }
                    Destination::Firehose {
                        delivery_stream_name,
                    } => ("firehose", "deliveryStreamName", delivery_stream_name),
                };
                self.line(indent + 1, &format!("{kind}:"));
                self.field(indent + 2, member, text);
            }
            Value::Refs(refs) => {
                if refs.is_empty() {
                    return;
                }
                self.line(indent, &format!("{name}:"));
                for r in refs {
                    let text = match r {
                        LoggingConfigurationRef::Key(k) | LoggingConfigurationRef::Arn(k) => {
                            k.clone()
                        }
                        LoggingConfigurationRef::Stack { stack, key } => format!("{stack}/{key}"),
                    };
                    self.line(indent + 1, &format!("- {}", value_text(&text)));
                }
            }
        }
    }

    fn tags(&mut self, indent: usize, tags: &Tags) {
        if tags.is_empty() {
            return;
        }
        self.line(indent, "tags:");
        for (k, v) in tags {
            self.line(
                indent + 1,
                &format!("{}: {}", yaml_string(k), value_text(v)),
            );
        }
    }
}
