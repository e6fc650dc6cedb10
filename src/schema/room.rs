//! A room's fields.

use super::{Field, Row, Value};
use crate::model::{
    DesiredRoom, LiveRoom, LoggingConfigurationRef, DEFAULT_MAXIMUM_MESSAGE_LENGTH,
    DEFAULT_MAXIMUM_MESSAGE_RATE_PER_SECOND,
};
use aws_sdk_ivschat::operation::create_room::builders::CreateRoomFluentBuilder;
use aws_sdk_ivschat::operation::update_room::builders::UpdateRoomFluentBuilder;
use aws_sdk_ivschat::types::{FallbackResult, MessageReviewHandler};

pub type RoomRow = Row<DesiredRoom, LiveRoom, CreateRoomFluentBuilder, UpdateRoomFluentBuilder>;

/// Every field of a room, in the order plans show them.
pub static ROOM: [RoomRow; 5] = [
    Row {
        field: Field::Name,
        desired: |d, _| Value::Text(d.name.clone()),
        live: |l| Some(Value::Text(l.name.clone())),
        in_summary: true,
        set_live: |_, _| {},
        create: |b, v| b.name(v.as_text().unwrap_or_default()),
        update: |b, v| b.name(v.as_text().unwrap_or_default()),
        export: |d, v| {
            if let Value::Text(s) = v {
                d.name = s;
            }
        },
        is_default: |v, key| v.as_text() == Some(key),
    },
    Row {
        field: Field::MaximumMessageLength,
        desired: |d, _| Value::Int(d.maximum_message_length),
        live: |l| l.maximum_message_length.map(Value::Int),
        in_summary: false,
        set_live: |l, v| l.maximum_message_length = v.as_int(),
        create: |b, v| b.set_maximum_message_length(v.as_int()),
        update: |b, v| b.set_maximum_message_length(v.as_int()),
        export: |d, v| {
            if let Value::Int(n) = v {
                d.maximum_message_length = n;
            }
        },
        is_default: |v, _| v.as_int() == Some(DEFAULT_MAXIMUM_MESSAGE_LENGTH),
    },
    Row {
        field: Field::MaximumMessageRatePerSecond,
        desired: |d, _| Value::Int(d.maximum_message_rate_per_second),
        live: |l| l.maximum_message_rate_per_second.map(Value::Int),
        in_summary: false,
        set_live: |l, v| l.maximum_message_rate_per_second = v.as_int(),
        create: |b, v| b.set_maximum_message_rate_per_second(v.as_int()),
        update: |b, v| b.set_maximum_message_rate_per_second(v.as_int()),
        export: |d, v| {
            if let Value::Int(n) = v {
                d.maximum_message_rate_per_second = n;
            }
        },
        is_default: |v, _| v.as_int() == Some(DEFAULT_MAXIMUM_MESSAGE_RATE_PER_SECOND),
    },
    Row {
        field: Field::MessageReviewHandler,
        desired: |d, _| Value::Handler(d.message_review_handler.clone()),
        live: |l| Some(Value::Handler(l.message_review_handler.clone())),
        in_summary: true,
        set_live: |_, _| {},
        create: |b, v| match v {
            Value::Handler(Some(_)) => b.message_review_handler(sdk_handler(v)),
            _ => b,
        },
        // No handler is sent as an empty uri, which removes it.
        update: |b, v| b.message_review_handler(sdk_handler(v)),
        export: |d, v| {
            if let Value::Handler(h) = v {
                d.message_review_handler = h;
            }
        },
        is_default: |v, _| !v.is_set(),
    },
    Row {
        field: Field::LoggingConfigurations,
        desired: |_, refs| Value::Refs(refs.to_vec()),
        live: |l| {
            Some(Value::Refs(
                l.logging_configuration_arns
                    .iter()
                    .cloned()
                    .map(LoggingConfigurationRef::Arn)
                    .collect(),
            ))
        },
        in_summary: true,
        set_live: |_, _| {},
        create: |b, v| match arns(v) {
            Some(list) if !list.is_empty() => b.set_logging_configuration_identifiers(Some(list)),
            _ => b,
        },
        // An empty list is sent as [] and clears the room's list.
        update: |b, v| b.set_logging_configuration_identifiers(Some(arns(v).unwrap_or_default())),
        export: |d, v| {
            if let Value::Refs(refs) = v {
                d.logging_configurations = refs;
            }
        },
        is_default: |v, _| !v.is_set(),
    },
];

fn sdk_handler(v: &Value) -> MessageReviewHandler {
    match v {
        Value::Handler(Some(h)) => MessageReviewHandler::builder()
            .uri(&h.uri)
            .fallback_result(FallbackResult::from(h.fallback_result.as_str()))
            .build(),
        _ => MessageReviewHandler::builder().uri("").build(),
    }
}

/// The ARNs of a resolved reference list (apply resolves keys of planned
/// configurations before it builds a request).
fn arns(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Refs(refs) => Some(
            refs.iter()
                .filter_map(|r| match r {
                    LoggingConfigurationRef::Arn(a) => Some(a.clone()),
                    LoggingConfigurationRef::Key(_) | LoggingConfigurationRef::Stack { .. } => None,
                })
                .collect(),
        ),
        _ => None,
    }
}
