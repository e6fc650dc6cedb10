//! Raw manifest types (already validated) -> the desired model: API
//! defaults applied, files merged into one stack, references classified,
//! `moved` entries read. (The stack's `defaults` were applied to the tree
//! before the typed read: see `workspace.rs`.)

use crate::model::{
    Address, DesiredLoggingConfiguration, DesiredRoom, DesiredStack, Destination, FallbackResult,
    LoggingConfigurationRef, MessageReviewHandler, Move, DEFAULT_MAXIMUM_MESSAGE_LENGTH,
    DEFAULT_MAXIMUM_MESSAGE_RATE_PER_SECOND,
};

use super::raw::{
    RawDestination, RawFallbackResult, RawLoggingConfiguration, RawManifest, RawMove, RawRoom,
};

/// Merges validated files into one stack. Validation has ruled out every
/// conflict (different stacks or regions, a key or stack tag given twice), so
/// merging is a plain union here.
pub fn merge(files: Vec<RawManifest>) -> DesiredStack {
    let mut desired = DesiredStack::default();
    for file in files {
        if desired.stack.is_empty() {
            desired.stack = file.stack;
        }
        if desired.region.is_none() {
            desired.region = file.region;
        }
        desired.tags.extend(file.tags.unwrap_or_default());
        for (key, raw) in file.logging_configurations.unwrap_or_default() {
            let lc = logging_configuration(&key, raw);
            desired.logging_configurations.insert(key, lc);
        }
        for (key, raw) in file.rooms.unwrap_or_default() {
            let room = room(&key, raw);
            desired.rooms.insert(key, room);
        }
        desired
            .moved
            .extend(file.moved.unwrap_or_default().into_iter().filter_map(moved));
    }
    desired
}

/// Validation has checked the form of every entry.
fn moved(raw: RawMove) -> Option<Move> {
    match (raw.from, raw.to, raw.from_stack) {
        (Some(from), Some(to), None) => Some(Move::Address {
            from: Address::parse(&from)?,
            to: Address::parse(&to)?,
        }),
        (None, None, Some(from_stack)) => Some(Move::Stack { from_stack }),
        _ => None,
    }
}

fn logging_configuration(key: &str, raw: RawLoggingConfiguration) -> DesiredLoggingConfiguration {
    DesiredLoggingConfiguration {
        name: raw.name.unwrap_or_else(|| key.to_string()),
        // Validation has made sure of one (the resource's or the defaults').
        destination: raw.destination.map_or(
            Destination::S3 {
                bucket_name: String::new(),
            },
            destination,
        ),
        tags: raw.tags.unwrap_or_default(),
        protect: raw.protect.unwrap_or(false),
        import: raw.import,
    }
}

fn destination(raw: RawDestination) -> Destination {
    // Validation guarantees exactly one kind; the order here is a formality.
    match (raw.s3, raw.cloud_watch_logs, raw.firehose) {
        (Some(s3), _, _) => Destination::S3 {
            bucket_name: s3.bucket_name,
        },
        (None, Some(cw), _) => Destination::CloudWatchLogs {
            log_group_name: cw.log_group_name,
        },
        (None, None, Some(fh)) => Destination::Firehose {
            delivery_stream_name: fh.delivery_stream_name,
        },
        (None, None, None) => Destination::S3 {
            bucket_name: String::new(),
        },
    }
}

fn room(key: &str, raw: RawRoom) -> DesiredRoom {
    DesiredRoom {
        name: raw.name.unwrap_or_else(|| key.to_string()),
        maximum_message_length: to_i32(raw.maximum_message_length, DEFAULT_MAXIMUM_MESSAGE_LENGTH),
        maximum_message_rate_per_second: to_i32(
            raw.maximum_message_rate_per_second,
            DEFAULT_MAXIMUM_MESSAGE_RATE_PER_SECOND,
        ),
        message_review_handler: raw.message_review_handler.map(|h| MessageReviewHandler {
            uri: h.uri,
            fallback_result: match h.fallback_result {
                Some(RawFallbackResult::Deny) => FallbackResult::Deny,
                Some(RawFallbackResult::Allow) | None => FallbackResult::Allow,
            },
        }),
        logging_configurations: raw
            .logging_configurations
            .unwrap_or_default()
            .into_iter()
            .map(|entry| {
                if entry.starts_with("arn:") {
                    LoggingConfigurationRef::Arn(entry)
                } else if let Some((stack, key)) = entry.split_once('/') {
                    LoggingConfigurationRef::Stack {
                        stack: stack.to_string(),
                        key: key.to_string(),
                    }
                } else {
                    LoggingConfigurationRef::Key(entry)
                }
            })
            .collect(),
        tags: raw.tags.unwrap_or_default(),
        protect: raw.protect.unwrap_or(false),
        import: raw.import,
    }
}

/// Validation has checked the ranges (1..=500, 1..=100), so the value fits.
fn to_i32(value: Option<i64>, default: i32) -> i32 {
    value.and_then(|v| i32::try_from(v).ok()).unwrap_or(default)
}
