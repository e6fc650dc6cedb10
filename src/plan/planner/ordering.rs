//! Phase 5: the order of apply, as typed data on each change.
//!
//! - A room write that references a logging configuration this plan creates
//!   or updates (its fields) depends on that change, and apply polls the
//!   configuration until it is ACTIVE before the room write (`await_active`).
//! - A room write that references an existing configuration still CREATING
//!   or UPDATING (which this plan does not touch) waits for it to become
//!   ACTIVE (`wait_for_active`).
//! - A logging-configuration delete depends on every room delete of the plan
//!   (for `destroy`: rooms first) and on every room update that detaches it.
//! - Everything else is independent and runs concurrently.

use super::transitioning;
use crate::model::{Address, LiveState, LoggingConfigurationRef, ResourceType, StackAddress};
use crate::plan::{Op, ResourceChange};
use crate::schema::{Field, Value};

/// The references a room write sets: all of a create's, an update's new list
/// (none when the list does not change).
fn written_refs(c: &ResourceChange) -> &[LoggingConfigurationRef] {
    let values = match &c.op {
        Op::Create(create) => &create.values,
        Op::Update(update) => &update.values,
        _ => return &[],
    };
    match values.get(&Field::LoggingConfigurations) {
        Some(Value::Refs(refs)) => refs,
        _ => &[],
    }
}

pub fn order(stack: &str, changes: &mut [ResourceChange], live: &LiveState) {
    let here = |a: &Address| StackAddress::new(stack, a.clone());
    let mut await_active: Vec<Address> = Vec::new();
    for i in 0..changes.len() {
        if !changes[i].is_room() {
            if let Op::Delete(d) = &changes[i].op {
                let arn = d.arn.clone();
                let deps: Vec<StackAddress> = changes
                    .iter()
                    .filter(|r| r.is_room())
                    .filter(|r| match &r.op {
                        Op::Delete(_) => true,
                        Op::Update(u) => u.detaches.contains(&arn),
                        _ => false,
                    })
                    .map(|r| here(&r.address))
                    .collect();
                changes[i].depends_on = deps;
            }
            continue;
        }
        let mut deps = Vec::new();
        let mut deps_elsewhere = Vec::new();
        let mut waits = Vec::new();
        for r in written_refs(&changes[i]) {
            let provider = changes.iter().find(|p| {
                p.address.resource_type == ResourceType::LoggingConfiguration
                    && match r {
                        LoggingConfigurationRef::Key(key) => {
                            matches!(p.op, Op::Create(_)) && &p.address.key == key
                        }
                        LoggingConfigurationRef::Arn(arn) => {
                            matches!(&p.op, Op::Update(u) if &u.arn == arn && !u.values.is_empty())
                        }
                        // Another stack's planned create: ordered across
                        // stacks by the multi-stack planner.
                        LoggingConfigurationRef::Stack { .. } => false,
                    }
            });
            match (provider, r) {
                (Some(p), _) => deps.push(p.address.clone()),
                (None, LoggingConfigurationRef::Stack { stack, key }) => {
                    deps_elsewhere.push(StackAddress::new(
                        stack.clone(),
                        Address::logging_configuration(key.as_str()),
                    ));
                }
                (None, LoggingConfigurationRef::Arn(arn)) => {
                    if live
                        .logging_configurations
                        .iter()
                        .any(|l| &l.arn == arn && transitioning(&l.state))
                    {
                        waits.push(arn.clone());
                    }
                }
                (None, LoggingConfigurationRef::Key(_)) => {}
            }
        }
        deps.sort();
        deps.dedup();
        await_active.extend(deps.iter().cloned());
        let mut all: Vec<StackAddress> = deps.iter().map(here).collect();
        all.extend(deps_elsewhere);
        changes[i].depends_on = all;
        changes[i].wait_for_active = waits;
    }
    for c in changes.iter_mut() {
        if await_active.contains(&c.address) {
            match &mut c.op {
                Op::Create(create) => create.await_active = true,
                Op::Update(update) => update.await_active = true,
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures::{d_lc, d_room, desired, l_lc, l_room, lc_arn, STACK};
    use crate::model::{
        Address, LiveState, LoggingConfigurationRef, LoggingConfigurationState, StackAddress,
    };
    use crate::plan::Plan;

    fn key(k: &str) -> LoggingConfigurationRef {
        LoggingConfigurationRef::Key(k.into())
    }

    fn change<'a>(p: &'a Plan, a: &Address) -> &'a crate::plan::ResourceChange {
        p.change(a).unwrap()
    }

    #[test]
    fn rooms_wait_for_new_and_updated_configurations() {
        let mut d = desired();
        d.logging_configurations
            .insert("new".into(), d_lc("new", "b"));
        d.logging_configurations
            .insert("old".into(), d_lc("old", "changed-bucket"));
        d.logging_configurations
            .insert("quiet".into(), d_lc("quiet", "b"));
        for (k, refs) in [
            ("a", vec![key("new")]),
            ("b", vec![key("old")]),
            ("c", vec![]),
        ] {
            let mut r = d_room(k);
            r.logging_configurations = refs;
            d.rooms.insert(k.into(), r);
        }
        let live = LiveState {
            logging_configurations: vec![l_lc("OLDOLDOLDOLD", "old", "b")],
            rooms: vec![],
        };
        let p = crate::plan::plan(&d, &live, "us-west-2").unwrap();
        let lc = |k: &str| StackAddress::new(STACK, Address::logging_configuration(k));
        let lca = Address::logging_configuration;
        assert_eq!(change(&p, &Address::room("a")).depends_on, [lc("new")]);
        assert_eq!(change(&p, &Address::room("b")).depends_on, [lc("old")]);
        assert!(change(&p, &Address::room("c")).depends_on.is_empty());
        assert!(change(&p, &lca("new")).await_active());
        assert!(change(&p, &lca("old")).await_active());
        assert!(
            !change(&p, &lca("quiet")).await_active(),
            "no room needs it"
        );
    }

    #[test]
    fn configuration_deletes_wait_for_rooms_that_stop_referencing_them() {
        let mut keep = l_room("AAAAAAAAAAAA", "keep");
        keep.logging_configuration_arns = vec![lc_arn("GONEGONEGONE")];
        let live = LiveState {
            logging_configurations: vec![l_lc("GONEGONEGONE", "gone", "b")],
            rooms: vec![keep, l_room("BBBBBBBBBBBB", "doomed")],
        };
        let mut d = desired();
        d.rooms.insert("keep".into(), d_room("keep"));
        let p = crate::plan::plan(&d, &live, "us-west-2").unwrap();
        assert_eq!(
            change(&p, &Address::logging_configuration("gone")).depends_on,
            [
                StackAddress::new(STACK, Address::room("doomed")),
                StackAddress::new(STACK, Address::room("keep"))
            ]
        );
        assert!(change(&p, &Address::room("keep")).depends_on.is_empty());
    }

    #[test]
    fn a_room_waits_for_an_existing_configuration_still_creating() {
        let mut lc = l_lc("SLOWSLOWSLOW", "slow", "b");
        lc.state = LoggingConfigurationState::Creating;
        let mut d = desired();
        d.logging_configurations
            .insert("slow".into(), d_lc("slow", "b"));
        let mut r = d_room("lobby");
        r.logging_configurations = vec![key("slow")];
        d.rooms.insert("lobby".into(), r);
        let live = LiveState {
            logging_configurations: vec![lc],
            rooms: vec![],
        };
        let p = crate::plan::plan(&d, &live, "us-west-2").unwrap();
        let room = change(&p, &Address::room("lobby"));
        assert_eq!(room.wait_for_active, [lc_arn("SLOWSLOWSLOW")]);
        assert!(room.depends_on.is_empty());
    }
}
