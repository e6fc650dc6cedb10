//! Phase 3: each room the manifest declares or the stack owns. Its
//! references are resolved first (a key to the ARN of the stack's live
//! configuration, or kept as a key when this plan creates it; an ARN must
//! exist and be usable), then it is created, updated, left alone or deleted.

use super::claims::Owned;
use super::drift::updated_since_create;
use super::logging::{change, observed, removed_fields};
use super::tags::{desired_tags, tag_changes};
use super::{unusable, PlanError};
use crate::model::{
    Address, DesiredRoom, DesiredStack, LiveRoom, LiveState, LoggingConfigurationRef, Tags,
};
use crate::plan::{Create, Delete, FieldChange, Op, ResourceChange, Update};
use crate::schema::room::ROOM;
use crate::schema::{Field, Row, Value, Values};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// The room changes, and each kept room's resolved references.
#[derive(Debug)]
pub struct Rooms {
    pub changes: Vec<ResourceChange>,
    /// key -> the references the room has once the plan is applied.
    pub references: BTreeMap<String, Vec<LoggingConfigurationRef>>,
}

pub fn plan(
    desired: &DesiredStack,
    owned: &Owned<'_>,
    live: &LiveState,
) -> Result<Rooms, PlanError> {
    let keys: BTreeSet<&str> = desired
        .rooms
        .keys()
        .map(String::as_str)
        .chain(owned.rooms.keys().copied())
        .collect();
    let mut out = Rooms {
        changes: Vec::new(),
        references: BTreeMap::new(),
    };
    for key in keys {
        match (desired.rooms.get(key), owned.rooms.get(key).copied()) {
            (Some(d), l) => {
                let refs = resolve(&Address::room(key), d, owned, live)?;
                out.changes.push(match l {
                    Some(l) => update(desired, key, d, &refs, l)?,
                    None => create(desired, key, d, &refs),
                });
                out.references.insert(key.to_string(), refs);
            }
            (None, Some(l)) => out.changes.push(delete(key, l)),
            (None, None) => {}
        }
    }
    Ok(out)
}

/// A room's references: keys to the ARN of the stack's live configuration,
/// or kept as keys when this plan creates it; ARNs must exist and be usable.
/// A key and the ARN of the same configuration are one reference.
fn resolve(
    address: &Address,
    room: &DesiredRoom,
    owned: &Owned<'_>,
    live: &LiveState,
) -> Result<Vec<LoggingConfigurationRef>, PlanError> {
    let mut out = Vec::new();
    for r in &room.logging_configurations {
        let resolved = match r {
            LoggingConfigurationRef::Key(k) => match owned.logging_configurations.get(k.as_str()) {
                Some(l) => LoggingConfigurationRef::Arn(l.arn.clone()),
                None => LoggingConfigurationRef::Key(k.clone()),
            },
            LoggingConfigurationRef::Arn(a) => {
                let Some(l) = live.logging_configurations.iter().find(|l| &l.arn == a) else {
                    return Err(PlanError::UnknownLoggingConfiguration {
                        address: address.clone(),
                        arn: a.clone(),
                    });
                };
                if unusable(&l.state) {
                    return Err(PlanError::UnusableLoggingConfiguration {
                        subject: format!("{address} references a logging configuration that"),
                        arn: a.clone(),
                        state: l.state.as_str().to_string(),
                    });
                }
                LoggingConfigurationRef::Arn(a.clone())
            }
        };
        if !out.contains(&resolved) {
            out.push(resolved);
        }
    }
    // Live ARNs first, then planned keys: the order Create and Update send.
    out.sort_by(|a, b| {
        let rank = |r: &LoggingConfigurationRef| match r {
            LoggingConfigurationRef::Arn(a) => (0, a.clone()),
            LoggingConfigurationRef::Key(k) => (1, k.clone()),
        };
        rank(a).cmp(&rank(b))
    });
    Ok(out)
}

fn create(
    stack: &DesiredStack,
    key: &str,
    d: &DesiredRoom,
    refs: &[LoggingConfigurationRef],
) -> ResourceChange {
    let values = Row::desired_values(&ROOM, d, refs);
    let tags = desired_tags(stack, key, &d.tags, d.protect);
    let mut c = change(Address::room(key), Op::None { arn: String::new() });
    // Every field, except those that say nothing (no handler, no list).
    c.changes = values
        .iter()
        .filter(|(_, v)| v.is_set())
        .map(|(f, v)| FieldChange {
            field: f.name().to_string(),
            before: Json::Null,
            after: v.to_json(),
        })
        .collect();
    let (set, _, tag_fields) = tag_changes(&Tags::new(), &tags);
    c.changes.extend(tag_fields);
    c.op = Op::Create(Create {
        values,
        tags: set,
        await_active: false,
    });
    c
}

fn update(
    stack: &DesiredStack,
    key: &str,
    d: &DesiredRoom,
    refs: &[LoggingConfigurationRef],
    l: &LiveRoom,
) -> Result<ResourceChange, PlanError> {
    let address = Address::room(key);
    let have = Row::live_values(&ROOM, l);
    if have.len() < ROOM.len() {
        return Err(PlanError::RoomNotRead {
            address,
            arn: l.arn.clone(),
        });
    }
    let want = Row::desired_values(&ROOM, d, refs);
    let mut c = change(address, Op::None { arn: l.arn.clone() });
    let mut values = Values::new();
    for (field, w) in want {
        let h = &have[&field];
        if h != &w {
            c.changes.push(FieldChange {
                field: field.name().to_string(),
                before: h.to_json(),
                after: w.to_json(),
            });
            values.insert(field, w);
        }
    }
    let detaches = match values.get(&Field::LoggingConfigurations) {
        Some(Value::Refs(after)) => l
            .logging_configuration_arns
            .iter()
            .filter(|a| !after.contains(&LoggingConfigurationRef::Arn((*a).clone())))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let (tag, untag, tag_fields) =
        tag_changes(&l.tags, &desired_tags(stack, key, &d.tags, d.protect));
    let has_field_changes = !values.is_empty();
    c.changes.extend(tag_fields);
    if !c.changes.is_empty() {
        c.drift = has_field_changes && updated_since_create(&l.create_time, &l.update_time);
        c.observed = Some(observed(&l.arn, &l.update_time, &l.tags));
        c.op = Op::Update(Update {
            arn: l.arn.clone(),
            values,
            untag,
            tag,
            await_active: false,
            detaches,
        });
    }
    Ok(c)
}

fn delete(key: &str, l: &LiveRoom) -> ResourceChange {
    let mut c = change(
        Address::room(key),
        Op::Delete(Delete {
            arn: l.arn.clone(),
            detaches: l.logging_configuration_arns.clone(),
        }),
    );
    c.changes = removed_fields(Row::live_values(&ROOM, l));
    c.observed = Some(observed(&l.arn, &l.update_time, &l.tags));
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{d_lc, d_room, desired, l_lc, l_room, lc_arn, T1};
    use crate::plan::Action;

    fn run(d: &DesiredStack, live: &LiveState) -> Result<Rooms, PlanError> {
        let owned = super::super::claims::owned(&d.stack, live)?;
        plan(d, &owned, live)
    }

    #[test]
    fn references_resolve_to_live_arns_or_stay_keys_for_planned_creates() {
        let mut d = desired();
        d.logging_configurations
            .insert("old".into(), d_lc("old", "b"));
        d.logging_configurations
            .insert("new".into(), d_lc("new", "b"));
        let mut r = d_room("lobby");
        r.logging_configurations = vec![
            LoggingConfigurationRef::Key("new".into()),
            LoggingConfigurationRef::Key("old".into()),
            LoggingConfigurationRef::Arn(lc_arn("OLDOLDOLDOLD")),
        ];
        d.rooms.insert("lobby".into(), r);
        let live = LiveState {
            logging_configurations: vec![l_lc("OLDOLDOLDOLD", "old", "b")],
            rooms: vec![],
        };
        let rooms = run(&d, &live).unwrap();
        assert_eq!(
            rooms.references["lobby"],
            [
                LoggingConfigurationRef::Arn(lc_arn("OLDOLDOLDOLD")),
                LoggingConfigurationRef::Key("new".into()),
            ],
            "the key and the ARN of one configuration are one reference"
        );
    }

    #[test]
    fn an_unknown_arn_is_an_error() {
        let mut d = desired();
        let mut r = d_room("lobby");
        r.logging_configurations = vec![LoggingConfigurationRef::Arn(lc_arn("NOPENOPENOPE"))];
        d.rooms.insert("lobby".into(), r);
        let err = run(&d, &LiveState::default()).unwrap_err();
        assert!(matches!(err, PlanError::UnknownLoggingConfiguration { .. }));
    }

    #[test]
    fn an_update_sends_only_changed_fields_and_says_what_it_detaches() {
        let mut d = desired();
        let mut r = d_room("lobby");
        r.maximum_message_rate_per_second = 20;
        d.rooms.insert("lobby".into(), r);
        let mut l = l_room("AAAAAAAAAAAA", "lobby");
        l.logging_configuration_arns = vec![lc_arn("GONEGONEGONE")];
        l.update_time = T1.into();
        let live = LiveState {
            logging_configurations: vec![l_lc("GONEGONEGONE", "gone", "b")],
            rooms: vec![l],
        };
        let rooms = run(&d, &live).unwrap();
        let c = &rooms.changes[0];
        assert_eq!(c.action(), Action::Update);
        let Op::Update(u) = &c.op else { panic!() };
        assert_eq!(
            u.values.keys().copied().collect::<Vec<_>>(),
            [
                Field::MaximumMessageRatePerSecond,
                Field::LoggingConfigurations
            ]
        );
        assert_eq!(u.detaches, [lc_arn("GONEGONEGONE")]);
        assert!(c.drift);
    }

    #[test]
    fn a_room_read_from_a_summary_only_cannot_be_planned() {
        let mut d = desired();
        d.rooms.insert("lobby".into(), d_room("lobby"));
        let mut l = l_room("AAAAAAAAAAAA", "lobby");
        l.maximum_message_length = None;
        let live = LiveState {
            logging_configurations: vec![],
            rooms: vec![l],
        };
        assert!(matches!(
            run(&d, &live).unwrap_err(),
            PlanError::RoomNotRead { .. }
        ));
    }

    #[test]
    fn a_delete_lists_what_it_removes_and_detaches_every_reference() {
        let mut l = l_room("AAAAAAAAAAAA", "old");
        l.logging_configuration_arns = vec![lc_arn("LCLCLCLCLCLC")];
        l.maximum_message_length = None;
        l.maximum_message_rate_per_second = None;
        let live = LiveState {
            logging_configurations: vec![],
            rooms: vec![l],
        };
        let rooms = run(&desired(), &live).unwrap();
        let c = &rooms.changes[0];
        assert_eq!(
            c.changes
                .iter()
                .map(|f| f.field.as_str())
                .collect::<Vec<_>>(),
            ["loggingConfigurations", "name"]
        );
        let Op::Delete(del) = &c.op else { panic!() };
        assert_eq!(del.detaches, [lc_arn("LCLCLCLCLCLC")]);
    }
}
