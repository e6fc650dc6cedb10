//! Phase 1: the live resources this stack owns, by key.

use super::PlanError;
use crate::model::{LiveLoggingConfiguration, LiveRoom, LiveState, OwnershipIndex};
use std::collections::BTreeMap;

/// The stack's live resources, by key.
#[derive(Debug, Default)]
pub struct Owned<'a> {
    pub logging_configurations: BTreeMap<&'a str, &'a LiveLoggingConfiguration>,
    pub rooms: BTreeMap<&'a str, &'a LiveRoom>,
}

/// What `stack` owns; two live resources claiming one key stop the plan
/// (logging configurations are checked first).
pub fn owned<'a>(stack: &str, live: &'a LiveState) -> Result<Owned<'a>, PlanError> {
    let index = OwnershipIndex::new(live);
    Ok(Owned {
        logging_configurations: index.logging_configurations.of_stack(stack)?,
        rooms: index.rooms.of_stack(stack)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{l_lc, l_room, owned as owned_tags};
    use crate::model::Address;

    #[test]
    fn only_this_stacks_resources_by_key() {
        let mut other = l_room("OTHEROTHEROT", "lobby");
        other.tags = crate::fixtures::tags(&[("ivsctl:stack", "other"), ("ivsctl:key", "lobby")]);
        let mut unowned = l_room("UNOWNEDUNOWN", "x");
        unowned.tags.clear();
        let live = LiveState {
            logging_configurations: vec![l_lc("LCLCLCLCLCLC", "archive", "b")],
            rooms: vec![l_room("AAAAAAAAAAAA", "lobby"), other, unowned],
        };
        let o = owned(crate::fixtures::STACK, &live).unwrap();
        assert_eq!(o.rooms.keys().copied().collect::<Vec<_>>(), ["lobby"]);
        assert_eq!(o.rooms["lobby"].id, "AAAAAAAAAAAA");
        assert_eq!(o.logging_configurations.len(), 1);
    }

    #[test]
    fn two_claims_of_one_key_are_an_error_naming_both() {
        let mut twin = l_room("BBBBBBBBBBBB", "lobby");
        twin.tags = owned_tags("lobby");
        let live = LiveState {
            logging_configurations: vec![],
            rooms: vec![l_room("AAAAAAAAAAAA", "lobby"), twin],
        };
        let Err(PlanError::DuplicateClaim { address, arns, .. }) =
            owned(crate::fixtures::STACK, &live)
        else {
            panic!("a duplicate claim")
        };
        assert_eq!(address, Address::room("lobby"));
        assert!(arns[0].ends_with("AAAAAAAAAAAA") && arns[1].ends_with("BBBBBBBBBBBB"));
    }
}
