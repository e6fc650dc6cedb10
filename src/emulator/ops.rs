//! The 17 operations' business rules, over an input the router has already
//! checked against the service model (types, lengths, patterns, ranges, enums,
//! sizes, required members). What remains here is what the model cannot say:
//! existence, references, conflicts, quotas, defaults, update semantics.
//!
//! Every operation validates everything before it changes anything, so an
//! error never leaves a half-applied change.

use super::knobs::Rng;
use super::store::{Handler, LoggingConfiguration, Room, Store, Transition};
use super::wire::{timestamp, ApiError};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

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

const CHAT_ATTRIBUTES_MAX_BYTES: usize = 1024;
const MAX_TAGS: usize = 50;
const DEFAULT_MAX_RESULTS: usize = 50;

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

/// Keys starting with `aws:` are reserved for AWS.
fn check_tag_keys<'a>(
    field: &str,
    keys: impl IntoIterator<Item = &'a String>,
) -> Result<(), ApiError> {
    for k in keys {
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(ApiError::field(
                field,
                format!(
                    "tag key '{k}' is invalid: keys starting with 'aws:' are reserved for AWS use"
                ),
            ));
        }
    }
    Ok(())
}

fn check_attributes(input: &Value) -> Result<(), ApiError> {
    let attrs = string_map(input.get("attributes"));
    let total: usize = attrs.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > CHAT_ATTRIBUTES_MAX_BYTES {
        return Err(ApiError::field(
            "attributes",
            format!("attributes are {total} bytes in total; the maximum is 1 KB ({CHAT_ATTRIBUTES_MAX_BYTES} bytes)"),
        ));
    }
    Ok(())
}

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

/// Checks a room's logging-configuration list: no duplicates, each exists
/// (404), each ACTIVE (409; the emulator's strict, documented rule).
fn check_logging_references(
    store: &Store,
    now: i64,
    list: &Value,
) -> Result<Vec<String>, ApiError> {
    let arns: Vec<String> = list
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    for (i, arn) in arns.iter().enumerate() {
        if arns[..i].contains(arn) {
            return Err(ApiError::field(
                "loggingConfigurationIdentifiers",
                format!("'{arn}' appears more than once"),
            ));
        }
    }
    for arn in &arns {
        let lc = find_lc(store, arn)?;
        let state = lc.state_at(now);
        if state != "ACTIVE" {
            return Err(ApiError::conflict(
                arn,
                format!("Logging configuration {arn} is {state}; a room can reference it only when it is ACTIVE"),
            ));
        }
    }
    Ok(arns)
}

fn room_json(r: &Room, full: bool) -> Value {
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

fn lc_json(lc: &LoggingConfiguration, state: &str) -> Value {
    json!({
        "arn": lc.arn,
        "id": lc.id,
        "name": lc.name,
        "createTime": timestamp(lc.create_time),
        "updateTime": timestamp(lc.update_time),
        "destinationConfiguration": lc.destination_configuration,
        "state": state,
        "tags": lc.tags,
    })
}

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

fn create_room(store: &mut Store, ctx: &mut Ctx, input: &Value) -> Result<Reply, ApiError> {
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

fn update_room(store: &mut Store, ctx: &mut Ctx, input: &Value) -> Result<Reply, ApiError> {
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

/// Pagination tokens are opaque to clients but carry a cursor (updateTime, id)
/// and a check over the cursor and the request's filters, so a token the
/// emulator did not issue (or one reused with other filters) is refused.
fn make_token(kind: &str, filters: &str, t: i64, id: &str) -> String {
    format!("{t:x}.{id}.{:016x}", token_check(kind, filters, t, id))
}

fn token_check(kind: &str, filters: &str, t: i64, id: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ("ivsctl-emulator-pagination-v1", kind, filters, t, id).hash(&mut h);
    h.finish()
}

fn parse_token(
    kind: &str,
    filters: &str,
    input: &Value,
) -> Result<Option<(i64, String)>, ApiError> {
    let token = str_of(input, "nextToken");
    if token.is_empty() {
        return Ok(None);
    }
    let invalid = || ApiError::field("nextToken", "The pagination token is invalid or expired");
    let mut parts = token.split('.');
    let (Some(t), Some(id), Some(check), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let t = i64::from_str_radix(t, 16).map_err(|_| invalid())?;
    let check = u64::from_str_radix(check, 16).map_err(|_| invalid())?;
    if check != token_check(kind, filters, t, id) {
        return Err(invalid());
    }
    Ok(Some((t, id.to_string())))
}

fn max_results(input: &Value) -> usize {
    input
        .get("maxResults")
        .and_then(Value::as_u64)
        .map(|n| n as usize)
        .unwrap_or(DEFAULT_MAX_RESULTS)
}

fn list_rooms(store: &Store, input: &Value) -> Result<Reply, ApiError> {
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

fn create_logging_configuration(
    store: &mut Store,
    ctx: &mut Ctx,
    input: &Value,
) -> Result<Reply, ApiError> {
    let tags = string_map(input.get("tags"));
    check_tag_keys("tags", tags.keys())?;
    if store.logging_configurations.len() >= ctx.limits.logging_configuration_quota {
        return Err(ApiError::quota_exceeded(
            &ctx.limits.account_id,
            format!(
                "Quota of {} logging configurations per region exceeded",
                ctx.limits.logging_configuration_quota
            ),
            ctx.limits.logging_configuration_quota,
        ));
    }
    let (id, arn) = new_id(store, ctx, "logging-configuration");
    let t = store.next_time(ctx.now);
    let lc = LoggingConfiguration {
        id,
        arn,
        name: str_of(input, "name").to_string(),
        create_time: t,
        update_time: t,
        destination_configuration: input
            .get("destinationConfiguration")
            .cloned()
            .unwrap_or(json!({})),
        state: "ACTIVE".into(),
        transition: transition(ctx, "CREATING"),
        tags,
    };
    // The Create response says ACTIVE (the model's only value for it); Get and
    // List show CREATING until the configured delay is over.
    let body = lc_json(&lc, "ACTIVE");
    store.insert_logging_configuration(lc);
    Ok(Reply::ok(body))
}

fn transition(ctx: &Ctx, state: &str) -> Option<Transition> {
    (ctx.limits.logging_config_delay_ms > 0).then(|| Transition {
        state: state.to_string(),
        until: ctx.now + ctx.limits.logging_config_delay_ms,
    })
}

fn list_logging_configurations(store: &Store, ctx: &Ctx, input: &Value) -> Result<Reply, ApiError> {
    let cursor = parse_token("logging-configurations", "", input)?;
    let limit = max_results(input);
    let mut page: Vec<&LoggingConfiguration> = Vec::new();
    let mut next = None;
    for lc in store.logging_configurations_newest_first(cursor) {
        if page.len() == limit {
            let last = page.last().copied().unwrap_or(lc);
            next = Some(make_token(
                "logging-configurations",
                "",
                last.update_time,
                &last.id,
            ));
            break;
        }
        page.push(lc);
    }
    let list: Vec<Value> = page
        .iter()
        .map(|lc| lc_json(lc, lc.state_at(ctx.now)))
        .collect();
    let mut body = json!({ "loggingConfigurations": list });
    if let Some(token) = next {
        body["nextToken"] = json!(token);
    }
    Ok(Reply::ok(body))
}

fn update_logging_configuration(
    store: &mut Store,
    ctx: &mut Ctx,
    input: &Value,
) -> Result<Reply, ApiError> {
    let arn = str_of(input, "identifier");
    let mut lc = find_lc(store, arn)?.clone();
    if lc.is_transitioning(ctx.now) {
        return Err(ApiError::conflict(
            arn,
            format!(
                "Logging configuration {arn} is {}; retry when it is ACTIVE",
                lc.state_at(ctx.now)
            ),
        ));
    }
    if let Some(name) = input.get("name").and_then(Value::as_str) {
        lc.name = name.to_string();
    }
    if let Some(d) = input.get("destinationConfiguration") {
        lc.destination_configuration = d.clone();
    }
    lc.update_time = store.next_time(ctx.now);
    lc.state = "ACTIVE".into();
    lc.transition = transition(ctx, "UPDATING");
    let body = lc_json(&lc, "ACTIVE");
    store.insert_logging_configuration(lc);
    Ok(Reply::ok(body))
}

fn delete_logging_configuration(
    store: &mut Store,
    ctx: &mut Ctx,
    input: &Value,
) -> Result<Reply, ApiError> {
    let arn = str_of(input, "identifier");
    let lc = find_lc(store, arn)?;
    if lc.is_transitioning(ctx.now) {
        return Err(ApiError::conflict(
            arn,
            format!(
                "Logging configuration {arn} is {}; retry when it is ACTIVE",
                lc.state_at(ctx.now)
            ),
        ));
    }
    if let Some(room) = store.rooms_referencing(arn).next() {
        return Err(ApiError::conflict(
            arn,
            format!(
                "Logging configuration {arn} is still referenced by room {}",
                room.arn
            ),
        ));
    }
    store.remove_logging_configuration(arn);
    Ok(Reply::no_content())
}

fn tags_of<'a>(store: &'a Store, arn: &str) -> Result<&'a BTreeMap<String, String>, ApiError> {
    if let Some(r) = store.rooms.get(arn) {
        return Ok(&r.tags);
    }
    if let Some(lc) = store.logging_configurations.get(arn) {
        return Ok(&lc.tags);
    }
    Err(ApiError::not_found("Resource", arn))
}

/// Tagging replaces values of existing keys and adds new ones; it does not
/// move updateTime.
fn tag_resource(store: &mut Store, input: &Value) -> Result<Reply, ApiError> {
    let arn = str_of(input, "resourceArn");
    let new = string_map(input.get("tags"));
    check_tag_keys("tags", new.keys())?;
    let mut tags = tags_of(store, arn)?.clone();
    tags.extend(new);
    if tags.len() > MAX_TAGS {
        return Err(ApiError::field(
            "tags",
            format!(
                "a resource can have at most {MAX_TAGS} tags; this request would give it {}",
                tags.len()
            ),
        ));
    }
    store.set_tags(arn, tags);
    Ok(Reply::ok(json!({})))
}

fn untag_resource(store: &mut Store, input: &Value) -> Result<Reply, ApiError> {
    let arn = str_of(input, "resourceArn");
    let keys: Vec<String> = input
        .get("tagKeys")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    check_tag_keys("tagKeys", keys.iter())?;
    let mut tags = tags_of(store, arn)?.clone();
    for k in &keys {
        tags.remove(k);
    }
    store.set_tags(arn, tags);
    Ok(Reply::ok(json!({})))
}

fn create_chat_token(store: &Store, ctx: &mut Ctx, input: &Value) -> Result<Reply, ApiError> {
    find_room(store, str_of(input, "roomIdentifier"))?;
    check_attributes(input)?;
    let minutes = input
        .get("sessionDurationInMinutes")
        .and_then(Value::as_i64)
        .unwrap_or(60);
    let token = format!("AQICAHg{}", ctx.rng.alphanumeric(180));
    Ok(Reply::ok(json!({
        "token": token,
        "tokenExpirationTime": timestamp(ctx.now + ctx.limits.chat_token_validity_ms),
        "sessionExpirationTime": timestamp(ctx.now + minutes * ctx.limits.chat_session_minute_ms),
    })))
}
