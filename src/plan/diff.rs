//! `plan(desired, live)`: matches live resources to manifest keys through the
//! ownership tags, then compares field by field.
//!
//! Rules (product.md): an omitted field is its default and a live difference
//! is corrected; tags are exactly stack + resource + ownership tags, `aws:`
//! keys untouched; a room's logging configurations are a set; owned resources
//! missing from the manifest are deleted unless protected; resources of no
//! stack or of another stack are never planned.

use super::drift::updated_since_create;
use super::*;
use crate::model::{
    ownership, DesiredLoggingConfiguration, DesiredRoom, DesiredStack, LiveLoggingConfiguration,
    LiveRoom, LiveState, LoggingConfigurationRef, LoggingConfigurationState, AWS_TAG_PREFIX,
    TAG_KEY, TAG_PROTECT, TAG_STACK,
};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Why there can be no plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{address} is claimed by more than one live resource of stack `{stack}`: {}", arns.join(" and "))]
    DuplicateClaim {
        stack: String,
        address: String,
        arns: Vec<String>,
    },
    #[error("{address} references logging configuration {arn}, which does not exist in this account and region")]
    UnknownLoggingConfiguration { address: String, arn: String },
    #[error("internal error: room {arn} ({address}) was not read in full before planning")]
    RoomNotRead { address: String, arn: String },
    #[error("{address} ({arn}) is {state}: it cannot be used, and ivsctl never replaces a resource; \
             delete it (aws ivschat delete-logging-configuration --identifier {arn}), then apply again to create it anew")]
    UnusableLoggingConfiguration {
        address: String,
        arn: String,
        state: String,
    },
}

/// A logging configuration no room can use and no update can repair.
fn unusable(state: &LoggingConfigurationState) -> bool {
    state.is_failed() || *state == LoggingConfigurationState::Deleting
}

/// Not yet usable, but will be: a room write waits for it.
fn transitioning(state: &LoggingConfigurationState) -> bool {
    matches!(
        state,
        LoggingConfigurationState::Creating | LoggingConfigurationState::Updating
    )
}

/// Plans `desired` against `live`, for `region`. Pure and deterministic.
pub fn plan(desired: &DesiredStack, live: &LiveState, region: &str) -> Result<Plan, PlanError> {
    let stack = desired.stack.as_str();
    let owned_lcs = claims(
        stack,
        "loggingConfigurations",
        live.logging_configurations
            .iter()
            .map(|l| (&l.tags, &l.arn, l)),
    )?;
    let owned_rooms = claims(
        stack,
        "rooms",
        live.rooms.iter().map(|r| (&r.tags, &r.arn, r)),
    )?;

    // A configuration the manifest keeps but that failed cannot be fixed by
    // any call ivsctl would make: stop, saying how to fix it.
    for (key, l) in &owned_lcs {
        if desired.logging_configurations.contains_key(*key) && unusable(&l.state) {
            return Err(PlanError::UnusableLoggingConfiguration {
                address: format!("loggingConfigurations.{key}"),
                arn: l.arn.clone(),
                state: l.state.as_str().to_string(),
            });
        }
    }

    // Logging-configuration ARNs that rooms will reference once the plan is
    // applied: rooms of other owners keep theirs; our rooms get the manifest's.
    let mut referenced_after: BTreeMap<String, String> = BTreeMap::new();
    for room in &live.rooms {
        let ours = ownership(&room.tags).is_some_and(|o| o.stack == stack);
        if !ours {
            for arn in &room.logging_configuration_arns {
                referenced_after
                    .entry(arn.clone())
                    .or_insert_with(|| room.arn.clone());
            }
        }
    }

    let mut changes = Vec::new();
    let lc_keys: BTreeSet<&str> = desired
        .logging_configurations
        .keys()
        .map(String::as_str)
        .chain(owned_lcs.keys().copied())
        .collect();
    let room_keys: BTreeSet<&str> = desired
        .rooms
        .keys()
        .map(String::as_str)
        .chain(owned_rooms.keys().copied())
        .collect();

    let mut room_changes = Vec::new();
    for key in room_keys {
        let address = format!("rooms.{key}");
        match (desired.rooms.get(key), owned_rooms.get(key)) {
            (Some(d), live_room) => {
                let targets = resolve_targets(&address, d, &owned_lcs, live)?;
                for t in &targets {
                    if let LoggingTarget::Arn(arn) = t {
                        referenced_after
                            .entry(arn.clone())
                            .or_insert_with(|| address.clone());
                    }
                }
                room_changes.push(match live_room {
                    Some(l) => update_room(desired, key, d, targets, l)?,
                    None => create_room(desired, key, d, targets),
                });
            }
            (None, Some(l)) => room_changes.push(delete_room(key, l)),
            (None, None) => {}
        }
    }

    for key in lc_keys {
        match (desired.logging_configurations.get(key), owned_lcs.get(key)) {
            (Some(d), Some(l)) => changes.push(update_lc(desired, key, d, l)),
            (Some(d), None) => changes.push(create_lc(desired, key, d)),
            (None, Some(l)) => changes.push(delete_lc(key, l, referenced_after.get(&l.arn))),
            (None, None) => {}
        }
    }
    // Room writes that reference an existing configuration still CREATING /
    // UPDATING wait for it (those this plan updates are waited for anyway).
    let updated: BTreeSet<&str> = changes
        .iter()
        .filter(|c| matches!(c.write, Write::UpdateLoggingConfiguration { .. }))
        .filter_map(|c| c.arn.as_deref())
        .collect();
    for c in &mut room_changes {
        c.wait_for_active = c
            .write
            .logging_targets()
            .iter()
            .filter_map(|t| match t {
                LoggingTarget::Arn(a) => Some(a),
                LoggingTarget::Planned(_) => None,
            })
            .filter(|a| !updated.contains(a.as_str()))
            .filter(|a| {
                live.logging_configurations
                    .iter()
                    .any(|l| &&l.arn == a && transitioning(&l.state))
            })
            .cloned()
            .collect();
    }
    changes.extend(room_changes);
    Ok(Plan {
        format_version: FORMAT_VERSION.to_string(),
        stack: stack.to_string(),
        region: region.to_string(),
        resource_changes: changes,
    })
}

/// Live resources of `stack`, by key; two claiming one key is an error.
fn claims<'a, T>(
    stack: &str,
    section: &str,
    items: impl Iterator<Item = (&'a Tags, &'a String, &'a T)>,
) -> Result<BTreeMap<&'a str, &'a T>, PlanError> {
    let mut by_key: BTreeMap<&'a str, (&'a String, &'a T)> = BTreeMap::new();
    for (tags, arn, item) in items {
        let Some(o) = ownership(tags) else { continue };
        if o.stack != stack {
            continue;
        }
        if let Some((first, _)) = by_key.get(o.key) {
            let mut arns = vec![(*first).clone(), arn.clone()];
            arns.sort();
            return Err(PlanError::DuplicateClaim {
                stack: stack.to_string(),
                address: format!("{section}.{}", o.key),
                arns,
            });
        }
        by_key.insert(o.key, (arn, item));
    }
    Ok(by_key.into_iter().map(|(k, (_, v))| (k, v)).collect())
}

/// The tags an owned resource must have: stack tags, then resource tags
/// (which win), then ivsctl's own.
pub(crate) fn desired_tags(
    stack: &DesiredStack,
    key: &str,
    resource_tags: &Tags,
    protect: bool,
) -> Tags {
    let mut tags = stack.tags.clone();
    tags.extend(resource_tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    tags.insert(TAG_STACK.to_string(), stack.stack.clone());
    tags.insert(TAG_KEY.to_string(), key.to_string());
    if protect {
        tags.insert(TAG_PROTECT.to_string(), "true".to_string());
    }
    tags
}

/// The tag calls that turn `live` into `desired`, leaving `aws:` keys alone,
/// and their field changes (`tags.KEY`).
fn tag_diff(live: &Tags, desired: &Tags) -> (TagChanges, Vec<FieldChange>) {
    let mut tc = TagChanges::default();
    let mut fields = Vec::new();
    let keys: BTreeSet<&String> = live.keys().chain(desired.keys()).collect();
    for k in keys {
        if k.to_ascii_lowercase().starts_with(AWS_TAG_PREFIX) {
            continue;
        }
        match (live.get(k), desired.get(k)) {
            (Some(a), Some(b)) if a == b => {}
            (before, Some(b)) => {
                tc.set.insert(k.clone(), b.clone());
                fields.push(FieldChange {
                    field: format!("tags.{k}"),
                    before: opt_json(before),
                    after: json!(b),
                });
            }
            (Some(a), None) => {
                tc.remove.push(k.clone());
                fields.push(FieldChange {
                    field: format!("tags.{k}"),
                    before: json!(a),
                    after: Value::Null,
                });
            }
            (None, None) => {}
        }
    }
    (tc, fields)
}

fn opt_json(v: Option<&String>) -> Value {
    v.map(|s| json!(s)).unwrap_or(Value::Null)
}

fn handler_json(h: Option<&Handler>) -> Value {
    match h {
        Some(h) => json!({"uri": h.uri, "fallbackResult": h.fallback_result}),
        None => Value::Null,
    }
}

fn destination_json(d: &PlanDestination) -> Value {
    serde_json::to_value(d).unwrap_or(Value::Null)
}

fn targets_json(targets: &[LoggingTarget]) -> Value {
    let mut shown: Vec<String> = targets
        .iter()
        .map(|t| match t {
            LoggingTarget::Arn(a) => a.clone(),
            LoggingTarget::Planned(k) => format!("loggingConfigurations.{k}"),
        })
        .collect();
    shown.sort();
    json!(shown)
}

fn arns_json(arns: &[String]) -> Value {
    let mut sorted = arns.to_vec();
    sorted.sort();
    json!(sorted)
}

/// Resolves a room's references: keys to the ARN of the owned live logging
/// configuration, or to "planned" when this plan creates it; ARNs must exist.
fn resolve_targets(
    address: &str,
    room: &DesiredRoom,
    owned_lcs: &BTreeMap<&str, &LiveLoggingConfiguration>,
    live: &LiveState,
) -> Result<Vec<LoggingTarget>, PlanError> {
    let mut out: Vec<LoggingTarget> = Vec::new();
    for r in &room.logging_configurations {
        let t = match r {
            LoggingConfigurationRef::Key(k) => match owned_lcs.get(k.as_str()) {
                Some(l) => LoggingTarget::Arn(l.arn.clone()),
                None => LoggingTarget::Planned(k.clone()),
            },
            LoggingConfigurationRef::Arn(a) => {
                let Some(l) = live.logging_configurations.iter().find(|l| &l.arn == a) else {
                    return Err(PlanError::UnknownLoggingConfiguration {
                        address: address.to_string(),
                        arn: a.clone(),
                    });
                };
                if unusable(&l.state) {
                    return Err(PlanError::UnusableLoggingConfiguration {
                        address: format!("{address} references a logging configuration that"),
                        arn: a.clone(),
                        state: l.state.as_str().to_string(),
                    });
                }
                LoggingTarget::Arn(a.clone())
            }
        };
        // A key and the ARN of the same configuration are one reference.
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out.sort();
    Ok(out)
}

fn room_fields_observed(l: &LiveRoom) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("name".into(), json!(l.name));
    if let Some(n) = l.maximum_message_length {
        m.insert("maximumMessageLength".into(), json!(n));
    }
    if let Some(n) = l.maximum_message_rate_per_second {
        m.insert("maximumMessageRatePerSecond".into(), json!(n));
    }
    m.insert(
        "messageReviewHandler".into(),
        handler_json(
            l.message_review_handler
                .as_ref()
                .map(Handler::from)
                .as_ref(),
        ),
    );
    m.insert(
        "loggingConfigurations".into(),
        arns_json(&l.logging_configuration_arns),
    );
    m
}

fn observed_room(l: &LiveRoom) -> Observed {
    Observed {
        arn: l.arn.clone(),
        update_time: l.update_time.clone(),
        fields: room_fields_observed(l),
        tags: l.tags.clone(),
    }
}

fn lc_fields_observed(l: &LiveLoggingConfiguration) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("name".into(), json!(l.name));
    m.insert(
        "destination".into(),
        destination_json(&PlanDestination::from(&l.destination)),
    );
    m.insert("state".into(), json!(l.state.as_str()));
    m
}

fn observed_lc(l: &LiveLoggingConfiguration) -> Observed {
    Observed {
        arn: l.arn.clone(),
        update_time: l.update_time.clone(),
        fields: lc_fields_observed(l),
        tags: l.tags.clone(),
    }
}

fn change(address: Address, action: Action, arn: Option<String>) -> ResourceChange {
    ResourceChange {
        address: address.to_string(),
        resource_type: address.resource_type.as_str().to_string(),
        key: address.key.clone(),
        action,
        arn,
        changes: Vec::new(),
        drift: false,
        blocked: None,
        write: Write::None,
        tags: TagChanges::default(),
        observed: None,
        wait_for_active: Vec::new(),
    }
}

fn create_room(
    stack: &DesiredStack,
    key: &str,
    d: &DesiredRoom,
    targets: Vec<LoggingTarget>,
) -> ResourceChange {
    let mut c = change(Address::room(key), Action::Create, None);
    let handler = d.message_review_handler.as_ref().map(Handler::from);
    c.changes = vec![
        FieldChange {
            field: "name".into(),
            before: Value::Null,
            after: json!(d.name),
        },
        FieldChange {
            field: "maximumMessageLength".into(),
            before: Value::Null,
            after: json!(d.maximum_message_length),
        },
        FieldChange {
            field: "maximumMessageRatePerSecond".into(),
            before: Value::Null,
            after: json!(d.maximum_message_rate_per_second),
        },
    ];
    if handler.is_some() {
        c.changes.push(FieldChange {
            field: "messageReviewHandler".into(),
            before: Value::Null,
            after: handler_json(handler.as_ref()),
        });
    }
    if !targets.is_empty() {
        c.changes.push(FieldChange {
            field: "loggingConfigurations".into(),
            before: Value::Null,
            after: targets_json(&targets),
        });
    }
    let tags = desired_tags(stack, key, &d.tags, d.protect);
    let (tc, tag_fields) = tag_diff(&Tags::new(), &tags);
    c.changes.extend(tag_fields);
    c.tags = tc;
    c.write = Write::CreateRoom {
        spec: RoomSpec {
            name: d.name.clone(),
            maximum_message_length: d.maximum_message_length,
            maximum_message_rate_per_second: d.maximum_message_rate_per_second,
            message_review_handler: handler,
            logging_configurations: targets,
        },
    };
    c
}

fn update_room(
    stack: &DesiredStack,
    key: &str,
    d: &DesiredRoom,
    targets: Vec<LoggingTarget>,
    l: &LiveRoom,
) -> Result<ResourceChange, PlanError> {
    let address = Address::room(key);
    let (Some(live_len), Some(live_rate)) =
        (l.maximum_message_length, l.maximum_message_rate_per_second)
    else {
        return Err(PlanError::RoomNotRead {
            address: address.to_string(),
            arn: l.arn.clone(),
        });
    };
    let mut c = change(address, Action::NoOp, Some(l.arn.clone()));
    let mut u = RoomUpdate::default();
    if l.name != d.name {
        u.name = Some(d.name.clone());
        c.changes.push(FieldChange {
            field: "name".into(),
            before: json!(l.name),
            after: json!(d.name),
        });
    }
    if live_len != d.maximum_message_length {
        u.maximum_message_length = Some(d.maximum_message_length);
        c.changes.push(FieldChange {
            field: "maximumMessageLength".into(),
            before: json!(live_len),
            after: json!(d.maximum_message_length),
        });
    }
    if live_rate != d.maximum_message_rate_per_second {
        u.maximum_message_rate_per_second = Some(d.maximum_message_rate_per_second);
        c.changes.push(FieldChange {
            field: "maximumMessageRatePerSecond".into(),
            before: json!(live_rate),
            after: json!(d.maximum_message_rate_per_second),
        });
    }
    let live_handler = l.message_review_handler.as_ref().map(Handler::from);
    let want_handler = d.message_review_handler.as_ref().map(Handler::from);
    if live_handler != want_handler {
        c.changes.push(FieldChange {
            field: "messageReviewHandler".into(),
            before: handler_json(live_handler.as_ref()),
            after: handler_json(want_handler.as_ref()),
        });
        u.message_review_handler = Some(want_handler);
    }
    let mut live_arns = l.logging_configuration_arns.clone();
    live_arns.sort();
    live_arns.dedup();
    let same_set = targets.len() == live_arns.len()
        && targets
            .iter()
            .all(|t| matches!(t, LoggingTarget::Arn(a) if live_arns.binary_search(a).is_ok()));
    if !same_set {
        c.changes.push(FieldChange {
            field: "loggingConfigurations".into(),
            before: arns_json(&live_arns),
            after: targets_json(&targets),
        });
        u.logging_configurations = Some(targets);
    }
    let has_field_changes = !u.is_empty();
    if has_field_changes {
        c.write = Write::UpdateRoom { update: u };
    }
    let (tc, tag_fields) = tag_diff(&l.tags, &desired_tags(stack, key, &d.tags, d.protect));
    c.changes.extend(tag_fields);
    c.tags = tc;
    if !c.changes.is_empty() {
        c.action = Action::Update;
        c.observed = Some(observed_room(l));
        c.drift = has_field_changes && updated_since_create(&l.create_time, &l.update_time);
    }
    Ok(c)
}

fn protection_block(address: &str, arn: &str, tags: &Tags) -> Option<Blocked> {
    ownership(tags).filter(|o| o.protected).map(|_| Blocked {
        reason: format!("{address} is protected (live tag {TAG_PROTECT}=true)"),
        unblock: format!(
            "put {address} back in the manifest with `protect: false` and apply, then remove it; \
             or remove the tag: aws ivschat untag-resource --resource-arn {arn} --tag-keys {TAG_PROTECT}"
        ),
    })
}

fn delete_room(key: &str, l: &LiveRoom) -> ResourceChange {
    let address = Address::room(key);
    let mut c = change(address.clone(), Action::Delete, Some(l.arn.clone()));
    c.write = Write::DeleteRoom;
    c.changes = room_fields_observed(l)
        .into_iter()
        .filter(|(_, v)| !v.is_null() && v != &json!([]))
        .map(|(field, before)| FieldChange {
            field,
            before,
            after: Value::Null,
        })
        .collect();
    c.blocked = protection_block(&address.to_string(), &l.arn, &l.tags);
    c.observed = Some(observed_room(l));
    c
}

fn create_lc(stack: &DesiredStack, key: &str, d: &DesiredLoggingConfiguration) -> ResourceChange {
    let mut c = change(Address::logging_configuration(key), Action::Create, None);
    let destination = PlanDestination::from(&d.destination);
    c.changes = vec![
        FieldChange {
            field: "name".into(),
            before: Value::Null,
            after: json!(d.name),
        },
        FieldChange {
            field: "destination".into(),
            before: Value::Null,
            after: destination_json(&destination),
        },
    ];
    let (tc, tag_fields) = tag_diff(&Tags::new(), &desired_tags(stack, key, &d.tags, d.protect));
    c.changes.extend(tag_fields);
    c.tags = tc;
    c.write = Write::CreateLoggingConfiguration {
        name: d.name.clone(),
        destination,
    };
    c
}

fn update_lc(
    stack: &DesiredStack,
    key: &str,
    d: &DesiredLoggingConfiguration,
    l: &LiveLoggingConfiguration,
) -> ResourceChange {
    let mut c = change(
        Address::logging_configuration(key),
        Action::NoOp,
        Some(l.arn.clone()),
    );
    let (mut name, mut destination) = (None, None);
    if l.name != d.name {
        name = Some(d.name.clone());
        c.changes.push(FieldChange {
            field: "name".into(),
            before: json!(l.name),
            after: json!(d.name),
        });
    }
    if l.destination != d.destination {
        let want = PlanDestination::from(&d.destination);
        c.changes.push(FieldChange {
            field: "destination".into(),
            before: destination_json(&PlanDestination::from(&l.destination)),
            after: destination_json(&want),
        });
        destination = Some(want);
    }
    let has_field_changes = name.is_some() || destination.is_some();
    if has_field_changes {
        c.write = Write::UpdateLoggingConfiguration { name, destination };
    }
    let (tc, tag_fields) = tag_diff(&l.tags, &desired_tags(stack, key, &d.tags, d.protect));
    c.changes.extend(tag_fields);
    c.tags = tc;
    if !c.changes.is_empty() {
        c.action = Action::Update;
        c.observed = Some(observed_lc(l));
        c.drift = has_field_changes && updated_since_create(&l.create_time, &l.update_time);
    }
    c
}

fn delete_lc(
    key: &str,
    l: &LiveLoggingConfiguration,
    referenced_by: Option<&String>,
) -> ResourceChange {
    let address = Address::logging_configuration(key);
    let mut c = change(address.clone(), Action::Delete, Some(l.arn.clone()));
    c.write = Write::DeleteLoggingConfiguration;
    c.changes = lc_fields_observed(l)
        .into_iter()
        .filter(|(f, _)| f != "state")
        .map(|(field, before)| FieldChange {
            field,
            before,
            after: Value::Null,
        })
        .collect();
    c.blocked = protection_block(&address.to_string(), &l.arn, &l.tags).or_else(|| {
        referenced_by.map(|by| Blocked {
            reason: format!(
                "{address} is still referenced by {by}, which this plan does not detach"
            ),
            unblock: format!("detach it from {by} first"),
        })
    });
    c.observed = Some(observed_lc(l));
    c
}
