//! Phase 4: deletes that may not run, each with how to unblock it:
//! - a protected resource (live tag `ivsctl:protect=true`);
//! - a logging configuration that some room still references once the plan
//!   is applied: a room of another owner (which ivsctl never changes), or a
//!   room of this stack that names it by ARN.

use super::claims::Owned;
use super::rooms::Rooms;
use super::Run;
use crate::model::{
    ownership, Address, LiveState, LoggingConfigurationRef, StackAddress, TAG_PROTECT,
};
use crate::plan::{Action, Blocked, ResourceChange};
use std::collections::BTreeMap;

/// Blocks the deletes of logging configurations still referenced after the
/// plan (by rooms of other owners, by this stack's rooms by ARN, or by rooms
/// of other stacks of the run by `STACK/KEY`). `lcs` are the
/// logging-configuration changes.
pub fn block(stack: &str, lcs: &mut [ResourceChange], rooms: &Rooms, live: &LiveState, run: &Run) {
    // ARN -> the first referrer: rooms of other owners keep theirs; this
    // stack's rooms get the manifest's.
    let mut referenced_after: BTreeMap<&str, String> = BTreeMap::new();
    for room in &live.rooms {
        let owner = ownership(&room.tags);
        if owner.as_ref().is_some_and(|o| o.stack == stack) {
            continue;
        }
        // Another stack's room by its address (and ARN), an unowned one by ARN.
        let by = match &owner {
            Some(o) => format!("{}/rooms.{} ({})", o.stack, o.key, room.arn),
            None => room.arn.clone(),
        };
        for arn in &room.logging_configuration_arns {
            referenced_after.entry(arn).or_insert_with(|| by.clone());
        }
    }
    for (key, refs) in &rooms.references {
        for r in refs {
            if let LoggingConfigurationRef::Arn(arn) = r {
                referenced_after
                    .entry(arn)
                    .or_insert_with(|| Address::room(key.as_str()).to_string());
            }
        }
    }
    for c in lcs.iter_mut().filter(|c| c.action() == Action::Delete) {
        let by_run = run
            .references
            .get(&StackAddress::new(stack, c.address.clone()))
            .map(|r| r.to_string());
        let Some(by) =
            by_run.or_else(|| c.arn().and_then(|arn| referenced_after.get(arn)).cloned())
        else {
            continue;
        };
        c.blocked = Some(Blocked {
            reason: format!(
                "{} is still referenced by {by}, which this plan does not detach",
                c.address
            ),
            unblock: format!("detach it from {by} first"),
        });
    }
}

/// Blocks the deletes of protected resources (this reason comes first).
pub fn protect(changes: &mut [ResourceChange], owned: &Owned<'_>) {
    for c in changes.iter_mut().filter(|c| c.action() == Action::Delete) {
        let tags = match c.address.resource_type {
            crate::model::ResourceType::Room => {
                owned.rooms.get(c.address.key.as_str()).map(|r| &r.tags)
            }
            crate::model::ResourceType::LoggingConfiguration => owned
                .logging_configurations
                .get(c.address.key.as_str())
                .map(|l| &l.tags),
        };
        let (Some(tags), Some(arn)) = (tags, c.arn()) else {
            continue;
        };
        if ownership(tags).is_some_and(|o| o.protected) {
            c.blocked = Some(Blocked {
                reason: format!("{} is protected (live tag {TAG_PROTECT}=true)", c.address),
                unblock: format!(
                    "put {} back in the manifest with `protect: false` and apply, then remove it; \
                     or remove the tag: aws ivschat untag-resource --resource-arn {arn} --tag-keys {TAG_PROTECT}",
                    c.address
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{d_room, desired, l_lc, l_room, lc_arn, tags};
    use crate::model::{DesiredStack, TAG_KEY, TAG_STACK};

    fn run(d: &DesiredStack, live: &LiveState) -> Vec<ResourceChange> {
        crate::plan::plan(d, live, "us-west-2")
            .unwrap()
            .resource_changes
    }

    #[test]
    fn a_configuration_another_owner_uses_cannot_be_deleted() {
        let mut foreign = l_room("FOREIGNFOREI", "x");
        foreign.tags = tags(&[(TAG_STACK, "other"), (TAG_KEY, "x")]);
        foreign.logging_configuration_arns = vec![lc_arn("LCLCLCLCLCLC")];
        let live = LiveState {
            logging_configurations: vec![l_lc("LCLCLCLCLCLC", "gone", "b")],
            rooms: vec![foreign],
        };
        let changes = run(&desired(), &live);
        let b = changes[0].blocked.as_ref().expect("blocked");
        assert!(
            b.reason
                .contains("still referenced by other/rooms.x (arn:aws:ivschat"),
            "{b:?}"
        );
    }

    #[test]
    fn a_configuration_this_stack_keeps_naming_by_arn_cannot_be_deleted() {
        let mut d = desired();
        let mut r = d_room("lobby");
        r.logging_configurations = vec![LoggingConfigurationRef::Arn(lc_arn("LCLCLCLCLCLC"))];
        d.rooms.insert("lobby".into(), r);
        let live = LiveState {
            logging_configurations: vec![l_lc("LCLCLCLCLCLC", "gone", "b")],
            rooms: vec![],
        };
        let changes = run(&d, &live);
        let b = changes[0].blocked.as_ref().expect("blocked");
        assert!(b.reason.contains("rooms.lobby"), "{b:?}");
    }

    #[test]
    fn protection_blocks_and_comes_first() {
        let mut vip = l_room("VIPVIPVIPVIP", "vip");
        vip.tags.insert(TAG_PROTECT.into(), "true".into());
        let live = LiveState {
            logging_configurations: vec![],
            rooms: vec![vip, l_room("OLDOLDOLDOLD", "old")],
        };
        let changes = run(&desired(), &live);
        assert!(changes[0].blocked.is_none(), "rooms.old is not protected");
        assert!(changes[1]
            .blocked
            .as_ref()
            .unwrap()
            .reason
            .contains("protected"));
    }
}
