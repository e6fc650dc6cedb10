//! Phase 1: the live resources this stack owns, by key: those its ownership
//! tags give it, plus those the manifest adopts (`import: ARN` on a
//! resource) or carries over (`moved` entries). Two live resources claiming
//! one key stop the plan, as do imports and moves that cannot be done.

use super::PlanError;
use crate::model::{
    ownership, Address, DesiredStack, LiveLoggingConfiguration, LiveResource, LiveRoom, LiveState,
    Move, Owners, OwnershipIndex, ResourceType, StackAddress,
};
use std::collections::BTreeMap;

/// How a resource the plan keeps comes to be this stack's in this plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adoption {
    /// `import: ARN`: an unowned resource, adopted.
    Import { arn: String },
    /// A `moved` entry: the resource was owned at `from` (another key of this
    /// stack, or the same key of another stack).
    Move { from: StackAddress },
}

/// The stack's live resources, by key.
#[derive(Debug, Default)]
pub struct Owned<'a> {
    pub logging_configurations: BTreeMap<String, &'a LiveLoggingConfiguration>,
    pub rooms: BTreeMap<String, &'a LiveRoom>,
    /// The kept resources adopted by this plan.
    pub adopted: BTreeMap<Address, Adoption>,
}

/// What `stack` owns; two live resources claiming one key stop the plan
/// (logging configurations are checked first).
pub fn owned<'a>(stack: &str, live: &'a LiveState) -> Result<Owned<'a>, PlanError> {
    let index = OwnershipIndex::new(live);
    Ok(Owned {
        logging_configurations: keyed(index.logging_configurations.of_stack(stack)?),
        rooms: keyed(index.rooms.of_stack(stack)?),
        adopted: BTreeMap::new(),
    })
}

/// What `desired`'s stack owns once its imports and moves are taken into
/// account.
pub fn adopted<'a>(desired: &DesiredStack, live: &'a LiveState) -> Result<Owned<'a>, PlanError> {
    let index = OwnershipIndex::new(live);
    let mut owned = owned(&desired.stack, live)?;
    let stack = desired.stack.as_str();
    // Moves first: an import names an unowned resource, a move an owned one.
    for m in &desired.moved {
        match m {
            Move::Address { from, to } => match from.resource_type {
                ResourceType::Room => {
                    move_key(stack, &mut owned.rooms, &mut owned.adopted, from, to)?
                }
                ResourceType::LoggingConfiguration => move_key(
                    stack,
                    &mut owned.logging_configurations,
                    &mut owned.adopted,
                    from,
                    to,
                )?,
            },
            Move::Stack { from_stack } => {
                let rooms = desired.rooms.keys().map(|k| Address::room(k.as_str()));
                let lcs = desired
                    .logging_configurations
                    .keys()
                    .map(|k| Address::logging_configuration(k.as_str()));
                for address in lcs.chain(rooms) {
                    match address.resource_type {
                        ResourceType::Room => from_stack_key(
                            &index.rooms,
                            from_stack,
                            &mut owned.rooms,
                            &mut owned.adopted,
                            &address,
                        )?,
                        ResourceType::LoggingConfiguration => from_stack_key(
                            &index.logging_configurations,
                            from_stack,
                            &mut owned.logging_configurations,
                            &mut owned.adopted,
                            &address,
                        )?,
                    }
                }
            }
        }
    }
    for (key, room) in &desired.rooms {
        if let Some(arn) = &room.import {
            import(
                &live.rooms,
                &mut owned.rooms,
                &mut owned.adopted,
                Address::room(key.as_str()),
                arn,
            )?;
        }
    }
    for (key, lc) in &desired.logging_configurations {
        if let Some(arn) = &lc.import {
            import(
                &live.logging_configurations,
                &mut owned.logging_configurations,
                &mut owned.adopted,
                Address::logging_configuration(key.as_str()),
                arn,
            )?;
        }
    }
    Ok(owned)
}

fn keyed<T>(m: BTreeMap<&str, T>) -> BTreeMap<String, T> {
    m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn move_key<T>(
    stack: &str,
    by_key: &mut BTreeMap<String, &T>,
    adopted: &mut BTreeMap<Address, Adoption>,
    from: &Address,
    to: &Address,
) -> Result<(), PlanError> {
    match (
        by_key.contains_key(from.key.as_str()),
        by_key.contains_key(to.key.as_str()),
    ) {
        (true, true) => Err(PlanError::MoveConflict {
            from: from.clone(),
            to: to.clone(),
        }),
        (true, false) => {
            let r = by_key.remove(from.key.as_str()).expect("checked above");
            by_key.insert(to.key.clone(), r);
            adopted.insert(
                to.clone(),
                Adoption::Move {
                    from: StackAddress::new(stack, from.clone()),
                },
            );
            Ok(())
        }
        // Already moved, or nothing to move (then `to` is created).
        (false, _) => Ok(()),
    }
}

fn from_stack_key<'a, T: LiveResource>(
    owners: &Owners<'a, T>,
    from_stack: &str,
    by_key: &mut BTreeMap<String, &'a T>,
    adopted: &mut BTreeMap<Address, Adoption>,
    address: &Address,
) -> Result<(), PlanError> {
    if by_key.contains_key(address.key.as_str()) {
        return Ok(());
    }
    if let Some(r) = owners.get(from_stack, &address.key)? {
        by_key.insert(address.key.clone(), r);
        adopted.insert(
            address.clone(),
            Adoption::Move {
                from: StackAddress::new(from_stack, address.clone()),
            },
        );
    }
    Ok(())
}

fn import<'a, T: LiveResource>(
    items: &'a [T],
    by_key: &mut BTreeMap<String, &'a T>,
    adopted: &mut BTreeMap<Address, Adoption>,
    address: Address,
    arn: &str,
) -> Result<(), PlanError> {
    if let Some(existing) = by_key.get(address.key.as_str()) {
        if existing.arn() == arn {
            return Ok(()); // imported already: `import:` is a no-op now
        }
        return Err(PlanError::ImportConflict {
            address,
            arn: arn.to_string(),
            existing: existing.arn().to_string(),
        });
    }
    let Some(r) = items.iter().find(|r| r.arn() == arn) else {
        return Err(PlanError::ImportNotFound {
            address,
            arn: arn.to_string(),
        });
    };
    if let Some(o) = ownership(r.tags()) {
        return Err(PlanError::ImportOwned {
            address,
            arn: arn.to_string(),
            stack: o.stack.to_string(),
            key: o.key.to_string(),
        });
    }
    by_key.insert(address.key.clone(), r);
    adopted.insert(
        address,
        Adoption::Import {
            arn: arn.to_string(),
        },
    );
    Ok(())
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
        assert_eq!(
            o.rooms.keys().map(String::as_str).collect::<Vec<_>>(),
            ["lobby"]
        );
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
