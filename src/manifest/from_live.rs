//! Live resources -> the desired model of one stack (for `ivsctl export`),
//! or of the resources no stack owns, to adopt (`export --unmanaged`):
//! the inverse of planning, through the same field tables, so that planning
//! the result against the same account shows no changes. `export` turns the
//! result into manifest text.

use crate::model::{
    Address, DesiredLoggingConfiguration, DesiredRoom, DesiredStack, Destination, DuplicateClaim,
    LiveState, LoggingConfigurationRef, OwnershipIndex, Tags, AWS_TAG_PREFIX, RESERVED_TAG_PREFIX,
};
use crate::schema::logging::LOGGING;
use crate::schema::room::ROOM;
use crate::schema::{Field, Row, Value};
use std::collections::BTreeMap;

/// Why a stack cannot be described.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum FromLiveError {
    #[error("{} is claimed by more than one live resource of stack {}", .0.address, .0.stack)]
    #[diagnostic(
        code(ivsctl::export::duplicate_claim),
        help("remove the ivsctl tags from one of them (ivsctl plan names both ARNs)")
    )]
    Duplicate(DuplicateClaim),
    #[error("internal error: room {arn} ({address}) was not read in full")]
    #[diagnostic(help("please report this as an ivsctl bug"))]
    NotRead { address: Address, arn: String },
}

/// User tags: ivsctl's and AWS's own removed.
fn user_tags(tags: &Tags) -> Tags {
    tags.iter()
        .filter(|(k, _)| {
            !k.starts_with(RESERVED_TAG_PREFIX)
                && !k.to_ascii_lowercase().starts_with(AWS_TAG_PREFIX)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The desired stack that describes `stack`'s live resources exactly. Rooms
/// must have been read in full (GetRoom).
pub fn stack_from_live(
    stack: &str,
    live: &LiveState,
    region: &str,
) -> Result<DesiredStack, FromLiveError> {
    let index = OwnershipIndex::new(live);
    let mut d = DesiredStack {
        stack: stack.to_string(),
        region: Some(region.to_string()),
        ..Default::default()
    };
    let lcs = index
        .logging_configurations
        .of_stack(stack)
        .map_err(FromLiveError::Duplicate)?;
    let mut keys_by_arn: BTreeMap<&str, &str> = BTreeMap::new();
    for (key, lc) in &lcs {
        keys_by_arn.insert(&lc.arn, key);
        d.logging_configurations
            .insert(key.to_string(), lc_spec(lc));
    }
    let rooms = index
        .rooms
        .of_stack(stack)
        .map_err(FromLiveError::Duplicate)?;
    for (key, room) in &rooms {
        // References to this stack's configurations become keys.
        let spec = room_spec(key, room, |arn| match keys_by_arn.get(arn) {
            Some(k) => LoggingConfigurationRef::Key(k.to_string()),
            None => LoggingConfigurationRef::Arn(arn.to_string()),
        })?;
        d.rooms.insert(key.to_string(), spec);
    }
    factor_stack_tags(&mut d);
    Ok(d)
}

/// A manifest of stack `stack` that adopts every resource no stack owns:
/// each with `import: ARN` and its live values, under a key made from its
/// name (or its id when it has none). A room's references become keys
/// (configurations adopted with it), `STACK/KEY` (configurations another
/// stack owns) or ARNs. Rooms must have been read in full (GetRoom).
pub fn unmanaged_from_live(
    stack: &str,
    live: &LiveState,
    region: &str,
) -> Result<DesiredStack, FromLiveError> {
    let index = OwnershipIndex::new(live);
    let mut d = DesiredStack {
        stack: stack.to_string(),
        region: Some(region.to_string()),
        ..Default::default()
    };
    let mut refs: BTreeMap<&str, LoggingConfigurationRef> = BTreeMap::new();
    for lc in &live.logging_configurations {
        if let Some(o) = crate::model::ownership(&lc.tags) {
            refs.insert(
                &lc.arn,
                LoggingConfigurationRef::Stack {
                    stack: o.stack.to_string(),
                    key: o.key.to_string(),
                },
            );
        }
    }
    let mut lcs: Vec<_> = index.logging_configurations.unowned().to_vec();
    lcs.sort_by(|a, b| (&a.name, &a.arn).cmp(&(&b.name, &b.arn)));
    for lc in lcs {
        let key = free_key(&lc.name, &lc.arn, &d.logging_configurations);
        refs.insert(&lc.arn, LoggingConfigurationRef::Key(key.clone()));
        let mut spec = lc_spec(lc);
        spec.import = Some(lc.arn.clone());
        d.logging_configurations.insert(key, spec);
    }
    let mut rooms: Vec<_> = index.rooms.unowned().to_vec();
    rooms.sort_by(|a, b| (&a.name, &a.arn).cmp(&(&b.name, &b.arn)));
    for room in rooms {
        let key = free_key(&room.name, &room.arn, &d.rooms);
        let mut spec = room_spec(&key, room, |arn| {
            refs.get(arn)
                .cloned()
                .unwrap_or_else(|| LoggingConfigurationRef::Arn(arn.to_string()))
        })?;
        spec.import = Some(room.arn.clone());
        d.rooms.insert(key, spec);
    }
    factor_stack_tags(&mut d);
    Ok(d)
}

/// A logical key for a resource named `name`: the name with every
/// character a key may not hold as `-` (the ARN's id when there is no name),
/// with `-2`, `-3`... when `taken` has it already.
fn free_key<T>(name: &str, arn: &str, taken: &BTreeMap<String, T>) -> String {
    let base: String = if name.is_empty() {
        arn.rsplit('/').next().unwrap_or(arn).to_string()
    } else {
        name.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    let base: String = base.chars().take(120).collect();
    let base = if base.is_empty() {
        "resource".to_string()
    } else {
        base
    };
    let mut key = base.clone();
    let mut n = 1;
    while taken.contains_key(&key) {
        n += 1;
        key = format!("{base}-{n}");
    }
    key
}

/// A live logging configuration as desired (no import).
fn lc_spec(lc: &crate::model::LiveLoggingConfiguration) -> DesiredLoggingConfiguration {
    let mut spec = DesiredLoggingConfiguration {
        name: String::new(),
        destination: Destination::S3 {
            bucket_name: String::new(),
        },
        tags: user_tags(&lc.tags),
        protect: crate::model::ownership(&lc.tags).is_some_and(|o| o.protected),
        import: None,
    };
    for (field, value) in Row::live_values(&LOGGING, lc) {
        if let Some(row) = Row::find(&LOGGING, field) {
            (row.export)(&mut spec, value);
        }
    }
    spec
}

/// A live room (read in full) as desired (no import); `reference` says how
/// a logging-configuration ARN it uses is written.
fn room_spec(
    key: &str,
    room: &crate::model::LiveRoom,
    reference: impl Fn(&str) -> LoggingConfigurationRef,
) -> Result<DesiredRoom, FromLiveError> {
    let values = Row::live_values(&ROOM, room);
    if values.len() < ROOM.len() {
        return Err(FromLiveError::NotRead {
            address: Address::room(key),
            arn: room.arn.clone(),
        });
    }
    let mut spec = DesiredRoom {
        name: String::new(),
        maximum_message_length: 0,
        maximum_message_rate_per_second: 0,
        message_review_handler: None,
        logging_configurations: Vec::new(),
        tags: user_tags(&room.tags),
        protect: crate::model::ownership(&room.tags).is_some_and(|o| o.protected),
        import: None,
    };
    for (field, value) in values {
        let value = match (field, value) {
            (Field::LoggingConfigurations, Value::Refs(refs)) => Value::Refs(
                refs.into_iter()
                    .map(|r| match r {
                        LoggingConfigurationRef::Arn(a) => reference(&a),
                        other => other,
                    })
                    .collect(),
            ),
            (_, v) => v,
        };
        if let Some(row) = Row::find(&ROOM, field) {
            (row.export)(&mut spec, value);
        }
    }
    Ok(spec)
}

/// Tags every resource of the stack carries with one value become stack
/// tags (only with two resources or more, where that reads better).
fn factor_stack_tags(d: &mut DesiredStack) {
    let all: Vec<&Tags> = d
        .logging_configurations
        .values()
        .map(|l| &l.tags)
        .chain(d.rooms.values().map(|r| &r.tags))
        .collect();
    if all.len() < 2 {
        return;
    }
    let common: Tags = all[0]
        .iter()
        .filter(|(k, v)| all[1..].iter().all(|t| t.get(*k) == Some(*v)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for k in common.keys() {
        for l in d.logging_configurations.values_mut() {
            l.tags.remove(k);
        }
        for r in d.rooms.values_mut() {
            r.tags.remove(k);
        }
    }
    d.tags = common;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{l_lc, l_room, lc_arn, tags, STACK};
    use crate::model::{FallbackResult, MessageReviewHandler, TAG_PROTECT};

    #[test]
    fn live_resources_become_a_manifest_that_plans_as_no_changes() {
        let mut lc = l_lc("LCLCLCLCLCLC", "archive", "logs");
        lc.tags.extend(tags(&[("team", "video"), ("aws:x", "y")]));
        let mut room = l_room("AAAAAAAAAAAA", "lobby");
        room.maximum_message_length = Some(200);
        room.message_review_handler = Some(MessageReviewHandler {
            uri: "arn:aws:lambda:us-west-2:1:function:f".into(),
            fallback_result: FallbackResult::Deny,
        });
        room.logging_configuration_arns = vec![lc_arn("LCLCLCLCLCLC"), lc_arn("FOREIGNFOREI")];
        room.tags
            .extend(tags(&[("team", "video"), (TAG_PROTECT, "true")]));
        let mut foreign = l_lc("FOREIGNFOREI", "x", "other");
        foreign.tags.clear();
        // As ivsctl applied them.
        let live = LiveState {
            logging_configurations: vec![crate::fixtures::recorded_lc(lc), foreign],
            rooms: vec![crate::fixtures::recorded(room)],
        };
        let d = stack_from_live(STACK, &live, "us-west-2").unwrap();
        assert_eq!(
            d.tags,
            tags(&[("team", "video")]),
            "a common tag is a stack tag"
        );
        let r = &d.rooms["lobby"];
        assert_eq!(r.maximum_message_length, 200);
        assert!(r.protect);
        assert_eq!(
            r.logging_configurations,
            [
                LoggingConfigurationRef::Key("archive".into()),
                LoggingConfigurationRef::Arn(lc_arn("FOREIGNFOREI"))
            ],
            "the API's order, this stack's configurations by key"
        );
        assert!(d.logging_configurations["archive"].tags.is_empty());
        let plan = crate::plan::plan(&d, &live, "us-west-2").unwrap();
        assert!(!plan.has_changes(), "{plan:#?}");
    }
}
