//! The fields of each resource type, as data: one table per type (`room`,
//! `logging`), one row per field. A row says everything ivsctl does with its
//! field: the manifest's value, the live value (and whether a List summary
//! carries it), how it is sent in a Create and an Update call, and how export
//! writes it back into a manifest. The planner (diff, create and update
//! inputs, before/after output), apply and export all walk these tables, so
//! adding a field is one row here plus its model field (model.rs, read in
//! live.rs) and its manifest validation (ARCHITECTURE.md, "Adding a field").

pub mod logging;
pub mod room;

use crate::model::{Destination, LoggingConfigurationRef, MessageReviewHandler};
use serde_json::json;
use std::collections::BTreeMap;

/// Every field ivsctl manages, of either type. The name is the manifest's,
/// the plan's and the API's member name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Name,
    MaximumMessageLength,
    MaximumMessageRatePerSecond,
    MessageReviewHandler,
    LoggingConfigurations,
    Destination,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::MaximumMessageLength => "maximumMessageLength",
            Field::MaximumMessageRatePerSecond => "maximumMessageRatePerSecond",
            Field::MessageReviewHandler => "messageReviewHandler",
            Field::LoggingConfigurations => "loggingConfigurations",
            Field::Destination => "destination",
        }
    }

    pub fn parse(s: &str) -> Option<Field> {
        [
            Field::Name,
            Field::MaximumMessageLength,
            Field::MaximumMessageRatePerSecond,
            Field::MessageReviewHandler,
            Field::LoggingConfigurations,
            Field::Destination,
        ]
        .into_iter()
        .find(|f| f.name() == s)
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One field's value, typed. Values compare as the API means them: a
/// handler with an empty uri is `Handler(None)` (live.rs normalises it), and
/// reference lists compare as sets (the API's order is kept for export).
#[derive(Debug, Clone, Eq)]
pub enum Value {
    Text(String),
    Int(i32),
    Handler(Option<MessageReviewHandler>),
    Destination(Destination),
    Refs(Vec<LoggingConfigurationRef>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use std::collections::BTreeSet;
        match (self, other) {
            (Value::Refs(a), Value::Refs(b)) => {
                a.iter().collect::<BTreeSet<_>>() == b.iter().collect::<BTreeSet<_>>()
            }
            (Value::Text(a), Value::Text(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Handler(a), Value::Handler(b)) => a == b,
            (Value::Destination(a), Value::Destination(b)) => a == b,
            _ => false,
        }
    }
}

impl Value {
    /// A reference list in its canonical (sorted, deduplicated) form.
    pub fn refs(mut refs: Vec<LoggingConfigurationRef>) -> Value {
        refs.sort();
        refs.dedup();
        Value::Refs(refs)
    }

    /// The value as shown in plans (JSON `before` / `after`): `null` for no
    /// handler; references as ARNs, or `loggingConfigurations.KEY` for a
    /// configuration this plan creates.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Text(s) => json!(s),
            Value::Int(n) => json!(n),
            Value::Handler(None) => serde_json::Value::Null,
            Value::Handler(Some(h)) => {
                json!({"uri": h.uri, "fallbackResult": h.fallback_result.as_str()})
            }
            Value::Destination(d) => destination_json(d),
            Value::Refs(refs) => {
                let mut shown: Vec<String> = refs.iter().map(ref_json).collect();
                shown.sort();
                json!(shown)
            }
        }
    }

    /// Says something when created or deleted: not an absent handler, not an
    /// empty list.
    pub fn is_set(&self) -> bool {
        !matches!(self, Value::Handler(None)) && !matches!(self, Value::Refs(r) if r.is_empty())
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i32> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }
}

fn ref_json(r: &LoggingConfigurationRef) -> String {
    match r {
        LoggingConfigurationRef::Arn(a) => a.clone(),
        LoggingConfigurationRef::Key(k) => format!("loggingConfigurations.{k}"),
        LoggingConfigurationRef::Stack { stack, key } => {
            format!("{stack}/loggingConfigurations.{key}")
        }
    }
}

/// `{"s3": {"bucketName": ...}}` and siblings: the API's own shape.
pub fn destination_json(d: &Destination) -> serde_json::Value {
    match d {
        Destination::S3 { bucket_name } => json!({"s3": {"bucketName": bucket_name}}),
        Destination::CloudWatchLogs { log_group_name } => {
            json!({"cloudWatchLogs": {"logGroupName": log_group_name}})
        }
        Destination::Firehose {
            delivery_stream_name,
        } => json!({"firehose": {"deliveryStreamName": delivery_stream_name}}),
    }
}

/// Field values of one resource, in table order (for a Create: every field;
/// for an Update: the changed ones).
pub type Values = BTreeMap<Field, Value>;

/// One row of a resource type's table. `D` and `L` are the desired and live
/// model types, `C` and `U` the SDK's Create and Update request builders.
pub struct Row<D, L, C, U> {
    pub field: Field,
    /// The manifest's value; `refs` are the resource's references, resolved
    /// by the planner (ARNs where they exist, keys for planned creates).
    pub desired: fn(&D, &[LoggingConfigurationRef]) -> Value,
    /// The live value; `None` when the read that produced it does not carry
    /// the field (ListRooms has no maxima).
    pub live: fn(&L) -> Option<Value>,
    /// Whether the List summaries carry the field. Those that do not are kept
    /// in clear in the applied record (`record.rs`), which proves them.
    pub in_summary: bool,
    /// Sets a live value proven by the applied record (fields not in summaries).
    pub set_live: fn(&mut L, Value),
    /// Sets the field in a Create call (absent values are not sent).
    pub create: fn(C, &Value) -> C,
    /// Sets the field in an Update call (sent only when it changes; a
    /// removal is sent as the API's clearing value).
    pub update: fn(U, &Value) -> U,
    /// Writes a live value into a manifest resource (export). References
    /// arrive as keys where the stack owns the configuration.
    pub export: fn(&mut D, Value),
    /// Whether a manifest may leave the value out (it is the field's default;
    /// for a name, the resource's key).
    pub is_default: fn(&Value, &str) -> bool,
}

impl<D, L, C, U> Row<D, L, C, U> {
    /// The desired values of every row.
    pub fn desired_values(rows: &[Self], d: &D, refs: &[LoggingConfigurationRef]) -> Values {
        rows.iter()
            .map(|r| (r.field, (r.desired)(d, refs)))
            .collect()
    }

    /// The live values of every row; fields the read did not carry are absent.
    pub fn live_values(rows: &[Self], l: &L) -> Values {
        rows.iter()
            .filter_map(|r| Some((r.field, (r.live)(l)?)))
            .collect()
    }

    pub fn find(rows: &[Self], field: Field) -> Option<&Self> {
        rows.iter().find(|r| r.field == field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FallbackResult;

    #[test]
    fn field_names_round_trip() {
        for f in [
            Field::Name,
            Field::MaximumMessageLength,
            Field::MaximumMessageRatePerSecond,
            Field::MessageReviewHandler,
            Field::LoggingConfigurations,
            Field::Destination,
        ] {
            assert_eq!(Field::parse(f.name()), Some(f));
        }
        assert_eq!(Field::parse("tags"), None);
    }

    #[test]
    fn values_show_as_the_api_writes_them() {
        assert_eq!(Value::Handler(None).to_json(), serde_json::Value::Null);
        let h = MessageReviewHandler {
            uri: "arn:aws:lambda:us-east-1:1:function:f".into(),
            fallback_result: FallbackResult::Deny,
        };
        assert_eq!(
            Value::Handler(Some(h)).to_json(),
            json!({"uri": "arn:aws:lambda:us-east-1:1:function:f", "fallbackResult": "DENY"})
        );
        let refs = Value::refs(vec![
            LoggingConfigurationRef::Key("b".into()),
            LoggingConfigurationRef::Arn("arn:z".into()),
            LoggingConfigurationRef::Key("b".into()),
        ]);
        assert_eq!(refs.to_json(), json!(["arn:z", "loggingConfigurations.b"]));
        assert!(!Value::Refs(vec![]).is_set());
        assert!(Value::Int(0).is_set());
    }
}
