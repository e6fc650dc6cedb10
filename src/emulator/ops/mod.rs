//! The 17 operations' business rules, over an input the router has already
//! checked against the service model (types, lengths, patterns, ranges, enums,
//! sizes, required members). What remains here is what the model cannot say:
//! existence, references, conflicts, quotas, defaults, update semantics.
//!
//! Every operation validates everything before it changes anything, so an
//! error never leaves a half-applied change.
//!
//! The code, one job a file: this file dispatches (`execute`) and holds what
//! every operation uses (`Ctx`, `Reply`, lookups, input readers, new ids);
//! `rooms`, `logging`, `tags` and `chat` hold their operations' rules;
//! `pagination` the List operations' tokens.

mod chat;
mod logging;
mod pagination;
mod rooms;
mod tags;

use super::knobs::Rng;
use super::store::{LoggingConfiguration, Room, Store};
use super::wire::ApiError;
use chat::{check_attributes, create_chat_token};
use logging::{
    create_logging_configuration, delete_logging_configuration, lc_json,
    list_logging_configurations, update_logging_configuration,
};
use rooms::{create_room, list_rooms, room_json, update_room};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use tags::{tag_resource, tags_of, untag_resource};

/// Settings the operations need.
#[derive(Debug, Clone)]
pub struct Limits {
    pub account_id: String,
    pub room_quota: usize,
    pub logging_configuration_quota: usize,
    pub logging_config_delay_ms: i64,
    /// How long a chat token can be used to connect (AWS: one minute).
    pub chat_token_validity_ms: i64,
    /// The length of one minute of `sessionDurationInMinutes` (60,000; tests
    /// shorten it).
    pub chat_session_minute_ms: i64,
}

/// Per-request context: settings, the request's region, the current time
/// (ms), and the ID generator.
pub struct Ctx<'a> {
    pub limits: &'a Limits,
    pub region: &'a str,
    pub now: i64,
    pub rng: &'a mut Rng,
}

/// A successful answer: status and JSON body (`None` for 204).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Reply {
            status: 200,
            body: Some(body),
        }
    }

    fn no_content() -> Self {
        Reply {
            status: 204,
            body: None,
        }
    }
}

/// Operations that change the store (and are therefore persisted).
pub fn is_write(operation: &str) -> bool {
    matches!(
        operation,
        "CreateRoom"
            | "UpdateRoom"
            | "DeleteRoom"
            | "CreateLoggingConfiguration"
            | "UpdateLoggingConfiguration"
            | "DeleteLoggingConfiguration"
            | "TagResource"
            | "UntagResource"
    )
}

/// Runs `operation` on `store`.
pub fn execute(
    store: &mut Store,
    ctx: &mut Ctx,
    operation: &str,
    input: &Value,
) -> Result<Reply, ApiError> {
    match operation {
        "CreateRoom" => create_room(store, ctx, input),
        "GetRoom" => {
            let room = find_room(store, str_of(input, "identifier"))?;
            Ok(Reply::ok(room_json(room, true)))
        }
        "ListRooms" => list_rooms(store, input),
        "UpdateRoom" => update_room(store, ctx, input),
        "DeleteRoom" => {
            let arn = str_of(input, "identifier");
            find_room(store, arn)?;
            store.remove_room(arn);
            Ok(Reply::no_content())
        }
        "CreateLoggingConfiguration" => create_logging_configuration(store, ctx, input),
        "GetLoggingConfiguration" => {
            let lc = find_lc(store, str_of(input, "identifier"))?;
            Ok(Reply::ok(lc_json(lc, lc.state_at(ctx.now))))
        }
        "ListLoggingConfigurations" => list_logging_configurations(store, ctx, input),
        "UpdateLoggingConfiguration" => update_logging_configuration(store, ctx, input),
        "DeleteLoggingConfiguration" => delete_logging_configuration(store, ctx, input),
        "TagResource" => tag_resource(store, input),
        "UntagResource" => untag_resource(store, input),
        "ListTagsForResource" => {
            let tags = tags_of(store, str_of(input, "resourceArn"))?;
            Ok(Reply::ok(json!({ "tags": tags })))
        }
        "CreateChatToken" => create_chat_token(store, ctx, input),
        "SendEvent" => {
            find_room(store, str_of(input, "roomIdentifier"))?;
            check_attributes(input)?;
            Ok(Reply::ok(json!({ "id": ctx.rng.alphanumeric(12) })))
        }
        "DeleteMessage" => {
            find_room(store, str_of(input, "roomIdentifier"))?;
            Ok(Reply::ok(json!({ "id": ctx.rng.alphanumeric(12) })))
        }
        "DisconnectUser" => {
            find_room(store, str_of(input, "roomIdentifier"))?;
            Ok(Reply::ok(json!({})))
        }
        other => Err(ApiError::unknown_operation(format!(
            "Unknown operation {other}"
        ))),
    }
}

fn str_of<'a>(input: &'a Value, key: &str) -> &'a str {
    input.get(key).and_then(Value::as_str).unwrap_or("")
}

fn find_room<'a>(store: &'a Store, arn: &str) -> Result<&'a Room, ApiError> {
    store
        .rooms
        .get(arn)
        .ok_or_else(|| ApiError::not_found("Room", arn))
}

fn find_lc<'a>(store: &'a Store, arn: &str) -> Result<&'a LoggingConfiguration, ApiError> {
    store
        .logging_configurations
        .get(arn)
        .ok_or_else(|| ApiError::not_found("LoggingConfiguration", arn))
}

fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// A fresh id and its ARN in the request's region, unused by any resource.
fn new_id(store: &Store, ctx: &mut Ctx, kind: &str) -> (String, String) {
    loop {
        let id = ctx.rng.alphanumeric(12);
        let arn = format!(
            "arn:aws:ivschat:{}:{}:{kind}/{id}",
            ctx.region, ctx.limits.account_id
        );
        if !store.rooms.contains_key(&arn) && !store.logging_configurations.contains_key(&arn) {
            return (id, arn);
        }
    }
}
