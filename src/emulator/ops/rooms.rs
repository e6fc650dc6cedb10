//! The room operations: CreateRoom, UpdateRoom, ListRooms (GetRoom and
//! DeleteRoom are a lookup each, in `execute`), and a room's JSON.
//!
//! Invariants: a room's references to logging configurations are checked
//! (each exists and is ACTIVE, none twice) before anything changes; the room
//! quota is checked before an id is drawn.

use super::logging::check_logging_references;
use super::pagination::{make_token, max_results, parse_token};
use super::tags::check_tag_keys;
use super::{find_lc, find_room, new_id, str_of, string_map, Ctx, Reply};
use crate::emulator::store::{Handler, Room, Store};
use crate::emulator::wire::{timestamp, ApiError};
use serde_json::{json, Map, Value};

/// A handler from the request: an empty or absent uri means "no handler".
fn handler_of(value: &Value) -> Option<Handler> {
    let uri = value.get("uri").and_then(Value::as_str).unwrap_or("");
    if uri.is_empty() {
        return None;
    }
    Some(Handler {
        uri: uri.to_string(),
        fallback_result: value
            .get("fallbackResult")
            .and_then(Value::as_str)
            .unwrap_or("ALLOW")
            .to_string(),
    })
}

pub(super) fn room_json(r: &Room, full: bool) -> Value {
    let mut m = Map::new();
    m.insert("arn".into(), json!(r.arn));
    m.insert("id".into(), json!(r.id));
    m.insert("name".into(), json!(r.name));
    m.insert("createTime".into(), json!(timestamp(r.create_time)));
    m.insert("updateTime".into(), json!(timestamp(r.update_time)));
    if full {
        m.insert(
            "maximumMessageLength".into(),
            json!(r.maximum_message_length),
        );
        m.insert(
            "maximumMessageRatePerSecond".into(),
            json!(r.maximum_message_rate_per_second),
        );
    }
    if let Some(h) = &r.message_review_handler {
        m.insert(
            "messageReviewHandler".into(),
            json!({"uri": h.uri, "fallbackResult": h.fallback_result}),
        );
    }
    if !r.logging_configuration_identifiers.is_empty() {
        m.insert(
            "loggingConfigurationIdentifiers".into(),
            json!(r.logging_configuration_identifiers),
        );
    }
    m.insert("tags".into(), json!(r.tags));
    Value::Object(m)
}

pub(super) fn create_room(
    store: &mut Store,
    ctx: &mut Ctx,
    input: &Value,
) -> Result<Reply, ApiError> {
    let tags = string_map(input.get("tags"));
    check_tag_keys("tags", tags.keys())?;
    let logging = match input.get("loggingConfigurationIdentifiers") {
        Some(list) => check_logging_references(store, ctx.now, list)?,
        None => vec![],
    };
    if store.rooms.len() >= ctx.limits.room_quota {
        return Err(ApiError::quota_exceeded(
            &ctx.limits.account_id,
            format!(
                "Quota of {} rooms per region exceeded",
                ctx.limits.room_quota
            ),
            ctx.limits.room_quota,
        ));
    }
    let (id, arn) = new_id(store, ctx, "room");
    let t = store.next_time(ctx.now);
    let room = Room {
        id,
        arn,
        name: str_of(input, "name").to_string(),
        create_time: t,
        update_time: t,
        maximum_message_length: input
            .get("maximumMessageLength")
            .and_then(Value::as_i64)
            .unwrap_or(500),
        maximum_message_rate_per_second: input
            .get("maximumMessageRatePerSecond")
            .and_then(Value::as_i64)
            .unwrap_or(10),
        message_review_handler: input.get("messageReviewHandler").and_then(handler_of),
        logging_configuration_identifiers: logging,
        tags,
    };
    let body = room_json(&room, true);
    store.insert_room(room);
    Ok(Reply::ok(body))
}

pub(super) fn update_room(
    store: &mut Store,
    ctx: &mut Ctx,
    input: &Value,
) -> Result<Reply, ApiError> {
    let mut room = find_room(store, str_of(input, "identifier"))?.clone();
    if let Some(list) = input.get("loggingConfigurationIdentifiers") {
        room.logging_configuration_identifiers = check_logging_references(store, ctx.now, list)?;
    }
    if let Some(name) = input.get("name").and_then(Value::as_str) {
        room.name = name.to_string();
    }
    if let Some(n) = input.get("maximumMessageLength").and_then(Value::as_i64) {
        room.maximum_message_length = n;
    }
    if let Some(n) = input
        .get("maximumMessageRatePerSecond")
        .and_then(Value::as_i64)
    {
        room.maximum_message_rate_per_second = n;
    }
    if let Some(h) = input.get("messageReviewHandler") {
        room.message_review_handler = handler_of(h);
    }
    room.update_time = store.next_time(ctx.now);
    let body = room_json(&room, true);
    store.insert_room(room);
    Ok(Reply::ok(body))
}
pub(super) fn list_rooms(store: &Store, input: &Value) -> Result<Reply, ApiError> {
    let name = input.get("name").and_then(Value::as_str);
    let handler = input
        .get("messageReviewHandlerUri")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let lc = input
        .get("loggingConfigurationIdentifier")
        .and_then(Value::as_str);
    if let Some(lc) = lc {
        find_lc(store, lc)?;
    }
    let filters = format!("{name:?}|{handler:?}|{lc:?}");
    let cursor = parse_token("rooms", &filters, input)?;
    let limit = max_results(input);
    let mut page = Vec::new();
    let mut next = None;
    let matching = store.rooms_newest_first(cursor).filter(|r| {
        name.is_none_or(|n| r.name == n)
            && handler.is_none_or(|h| {
                r.message_review_handler
                    .as_ref()
                    .is_some_and(|x| x.uri == h)
            })
            && lc.is_none_or(|l| r.logging_configuration_identifiers.iter().any(|x| x == l))
    });
    for room in matching {
        if page.len() == limit {
            // There is at least one more: the token resumes after the last one sent.
            let last: &Room = page.last().copied().unwrap_or(room);
            next = Some(make_token("rooms", &filters, last.update_time, &last.id));
            break;
        }
        page.push(room);
    }
    let mut body = json!({ "rooms": page.iter().map(|r| room_json(r, false)).collect::<Vec<_>>() });
    if let Some(token) = next {
        body["nextToken"] = json!(token);
    }
    Ok(Reply::ok(body))
}
