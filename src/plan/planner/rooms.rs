//! Phase 3: each room the manifest declares or the stack owns. Its
//! references are resolved first (a key to the ARN of the stack's live
//! configuration, or kept as a key when this plan creates it; an ARN must
//! exist and be usable), then it is created, updated, left alone or deleted.

use super::change::{self, Live};
use super::claims::Owned;
use super::tags::desired_tags;
use super::{unusable, PlanError, Run};
use crate::model::{
    Address, DesiredRoom, DesiredStack, LiveLoggingConfiguration, LiveRoom, LiveState,
    LoggingConfigurationRef, OwnershipIndex,
};
use crate::plan::{Op, ResourceChange};
use crate::schema::room::ROOM;
use crate::schema::{Field, Row, Value};
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
    run: &Run,
) -> Result<Rooms, PlanError> {
    let keys: BTreeSet<&str> = desired
        .rooms
        .keys()
        .map(String::as_str)
        .chain(owned.rooms.keys().map(String::as_str))
        .collect();
    let mut out = Rooms {
        changes: Vec::new(),
        references: BTreeMap::new(),
    };
    for key in keys {
        match (desired.rooms.get(key), owned.rooms.get(key).copied()) {
            (Some(d), l) => {
                let refs = resolve(&Address::room(key), d, owned, live, run)?;
                out.changes.push(match l {
                    Some(l) => update(desired, key, d, &refs, l, owned)?,
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
    run: &Run,
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
                usable(address, l)?;
                LoggingConfigurationRef::Arn(a.clone())
            }
            LoggingConfigurationRef::Stack { stack, key } => {
                let found = OwnershipIndex::new(live)
                    .logging_configurations
                    .get(stack, key)
                    .map_err(PlanError::from)?;
                match found {
                    Some(l) => {
                        usable(address, l)?;
                        LoggingConfigurationRef::Arn(l.arn.clone())
                    }
                    // Created by that stack in this same run: resolved by
                    // apply once it exists.
                    None if run.creates(stack, key) => r.clone(),
                    None => {
                        return Err(PlanError::UnknownStackReference {
                            address: address.clone(),
                            stack: stack.clone(),
                            key: key.clone(),
                        })
                    }
                }
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
            LoggingConfigurationRef::Stack { stack, key } => (2, format!("{stack}/{key}")),
        };
        rank(a).cmp(&rank(b))
    });
    Ok(out)
}

/// A logging configuration a room may reference: not failed, not deleting.
fn usable(address: &Address, l: &LiveLoggingConfiguration) -> Result<(), PlanError> {
    if unusable(&l.state) {
        return Err(PlanError::UnusableLoggingConfiguration {
            subject: format!("{address} references a logging configuration that"),
            arn: l.arn.clone(),
            state: l.state.as_str().to_string(),
        });
    }
    Ok(())
}

fn live(l: &LiveRoom) -> Live<'_> {
    Live {
        arn: &l.arn,
        tags: &l.tags,
        create_time: &l.create_time,
        update_time: &l.update_time,
    }
}

fn create(
    stack: &DesiredStack,
    key: &str,
    d: &DesiredRoom,
    refs: &[LoggingConfigurationRef],
) -> ResourceChange {
    change::create(
        &stack.stack,
        Address::room(key),
        Row::desired_values(&ROOM, d, refs),
        desired_tags(stack, key, &d.tags, d.protect),
    )
}

fn update(
    stack: &DesiredStack,
    key: &str,
    d: &DesiredRoom,
    refs: &[LoggingConfigurationRef],
    l: &LiveRoom,
    owned: &Owned<'_>,
) -> Result<ResourceChange, PlanError> {
    let address = Address::room(key);
    let have = Row::live_values(&ROOM, l);
    if have.len() < ROOM.len() {
        return Err(PlanError::RoomNotRead {
            address,
            arn: l.arn.clone(),
        });
    }
    let adoption = owned.adopted.get(&address).cloned();
    let mut c = change::update(
        &stack.stack,
        address,
        adoption,
        Row::desired_values(&ROOM, d, refs),
        &have,
        desired_tags(stack, key, &d.tags, d.protect),
        live(l),
    );
    if let Op::Update(u) = &mut c.op {
        // The configurations the room stops referencing.
        if let Some(Value::Refs(after)) = u.values.get(&Field::LoggingConfigurations) {
            u.detaches = l
                .logging_configuration_arns
                .iter()
                .filter(|a| !after.contains(&LoggingConfigurationRef::Arn((*a).clone())))
                .cloned()
                .collect();
        }
    }
    Ok(c)
}

fn delete(key: &str, l: &LiveRoom) -> ResourceChange {
    change::delete(
        Address::room(key),
        Row::live_values(&ROOM, l),
        l.logging_configuration_arns.clone(),
        live(l),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{d_lc, d_room, desired, l_lc, l_room, lc_arn, T1};
    use crate::plan::Action;

    fn run(d: &DesiredStack, live: &LiveState) -> Result<Rooms, PlanError> {
        let owned = super::super::claims::owned(&d.stack, live)?;
        plan(d, &owned, live, &Run::default())
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
        assert!(c.drift, "the list is not the one ivsctl applied");
        assert!(!c.changes[0].drift, "the rate is as ivsctl applied it");
        assert!(c.changes[1].drift);
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
