//! The logging-configuration operations, and the rule rooms follow when they
//! reference configurations.
//!
//! Invariants: a configuration is CREATING or UPDATING for the configured
//! delay after a write (Get and List show it; the write's own answer says
//! ACTIVE, the model's only value there), and cannot be updated, deleted or
//! referenced meanwhile; a configuration a room references cannot be deleted.

use super::pagination::{make_token, max_results, parse_token};
use super::tags::check_tag_keys;
use super::{find_lc, new_id, str_of, string_map, Ctx, Reply};
use crate::emulator::store::{LoggingConfiguration, Store, Transition};
use crate::emulator::wire::{timestamp, ApiError};
use serde_json::{json, Value};

/// Checks a room's logging-configuration list: no duplicates, each exists
/// (404), each ACTIVE (409; the emulator's strict, documented rule).
pub(super) fn check_logging_references(
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
pub(super) fn lc_json(lc: &LoggingConfiguration, state: &str) -> Value {
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

pub(super) fn create_logging_configuration(
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

pub(super) fn list_logging_configurations(
    store: &Store,
    ctx: &Ctx,
    input: &Value,
) -> Result<Reply, ApiError> {
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

pub(super) fn update_logging_configuration(
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

pub(super) fn delete_logging_configuration(
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
