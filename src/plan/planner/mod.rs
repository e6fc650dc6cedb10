//! `plan(desired, live, region)`, in named phases, each a module with its own
//! unit tests on plain data:
//!
//! 1. `claims`: which live resources this stack owns, by key; two claiming
//!    one key stop the plan.
//! 2. `logging`: each logging configuration: create, update, no-op or delete;
//!    a kept configuration that failed stops the plan.
//! 3. `rooms`: each room's references resolved (keys to ARNs, or to the
//!    configurations this plan creates), then create, update, no-op or delete.
//! 4. `deletes`: deletes that may not run: protected resources, and logging
//!    configurations that a room still references after the plan.
//! 5. `ordering`: what each change waits for (its `depends_on`), and which
//!    logging configurations apply must see ACTIVE first.
//!
//! Rules: an omitted field is its default and a live difference is
//! corrected; tags are exactly stack + resource + ownership tags, `aws:` keys
//! untouched (`tags`); a room's logging configurations are a set; owned
//! resources missing from the manifest are deleted unless protected;
//! resources of no stack or of another stack are never planned.

mod change;
mod claims;

pub use claims::Adoption;
mod deletes;
mod logging;
mod ordering;
mod rooms;
pub(crate) mod tags;
#[cfg(test)]
mod tests;

use super::Plan;
use crate::model::{Address, DesiredStack, LiveState, LoggingConfigurationState};

/// Why there can be no plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum PlanError {
    #[error("{address} is claimed by more than one live resource of stack `{stack}`: {}", arns.join(" and "))]
    #[diagnostic(
        code(ivsctl::plan::duplicate_claim),
        help("an address names one resource: remove the ivsctl: tags from the one that should not have them (aws ivschat untag-resource --resource-arn ARN --tag-keys ivsctl:stack ivsctl:key)")
    )]
    DuplicateClaim {
        stack: String,
        address: Address,
        arns: Vec<String>,
    },
    #[error("{address} references logging configuration {arn}, which does not exist in this account and region")]
    #[diagnostic(
        code(ivsctl::plan::unknown_logging_configuration),
        help("check the ARN (and the region), or refer to a logging configuration of this manifest by its key")
    )]
    UnknownLoggingConfiguration { address: Address, arn: String },
    #[error("{address} references loggingConfigurations.{key} of stack {stack}, which does not exist in this account and region")]
    #[diagnostic(
        code(ivsctl::plan::unknown_stack_reference),
        help("apply stack {stack} first, or plan both stacks in one run (-f DIR with both manifests); check the stack name and key")
    )]
    UnknownStackReference {
        address: Address,
        stack: String,
        key: String,
    },
    #[error("{address} says `import: {arn}`, but it already is {existing}")]
    #[diagnostic(
        code(ivsctl::plan::import_conflict),
        help("an address names one resource: remove `import:` (the resource at this address stays), or forget the other one first (ivsctl forget)")
    )]
    ImportConflict {
        address: Address,
        arn: String,
        existing: String,
    },
    #[error("{address} imports {arn}, which does not exist in this account and region")]
    #[diagnostic(
        code(ivsctl::plan::import_not_found),
        help(
            "check the ARN and the region; `ivsctl export --unmanaged` lists what can be imported"
        )
    )]
    ImportNotFound { address: Address, arn: String },
    #[error("{address} imports {arn}, which stack {stack} already owns (as {key})")]
    #[diagnostic(
        code(ivsctl::plan::import_owned),
        help("a resource belongs to one stack: to take it over, use `moved: [{{fromStack: {stack}}}]` with the same key, or `ivsctl forget` it in stack {stack} first")
    )]
    ImportOwned {
        address: Address,
        arn: String,
        stack: String,
        key: String,
    },
    #[error("cannot move {from} to {to}: the stack owns both")]
    #[diagnostic(
        code(ivsctl::plan::move_conflict),
        help("remove the `moved` entry, or forget one of the two (ivsctl forget)")
    )]
    MoveConflict { from: Address, to: Address },
    #[error("{arn} is claimed by two stacks of this run: {first} and {second}")]
    #[diagnostic(
        code(ivsctl::plan::claimed_by_two_stacks),
        help("a resource belongs to one stack: keep it in one of the two (remove the other's `moved` or `import` of it, or its key)")
    )]
    ClaimedByTwoStacks {
        arn: String,
        first: Box<crate::model::StackAddress>,
        second: Box<crate::model::StackAddress>,
    },
    #[error("internal error: room {arn} ({address}) was not read in full before planning")]
    #[diagnostic(
        code(ivsctl::plan::room_not_read),
        help("please report this as an ivsctl bug")
    )]
    RoomNotRead { address: Address, arn: String },
    #[error(
        "{subject} ({arn}) is {state}: it cannot be used, and ivsctl never replaces a resource"
    )]
    #[diagnostic(
        code(ivsctl::plan::unusable_logging_configuration),
        help("delete it (aws ivschat delete-logging-configuration --identifier {arn}), then apply again to create it anew")
    )]
    UnusableLoggingConfiguration {
        /// `loggingConfigurations.KEY`, or `rooms.KEY references a logging
        /// configuration that`.
        subject: String,
        arn: String,
        state: String,
    },
}

impl From<crate::model::DuplicateClaim> for PlanError {
    fn from(d: crate::model::DuplicateClaim) -> Self {
        PlanError::DuplicateClaim {
            stack: d.stack,
            address: d.address,
            arns: d.arns,
        }
    }
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

/// A warning when the stack owns nothing yet, but another stack (not of this
/// run) owns resources under the keys this manifest declares, with the names
/// it declares: the stack was probably renamed, and applying would create new resources beside the old.
fn renamed(
    desired: &DesiredStack,
    live: &LiveState,
    owned: &claims::Owned<'_>,
    run: &Run,
) -> Option<String> {
    if !owned.rooms.is_empty() || !owned.logging_configurations.is_empty() || desired.is_empty() {
        return None;
    }
    let index = crate::model::OwnershipIndex::new(live);
    let mut best: Option<(usize, &str)> = None;
    for other in index.stacks() {
        if other == desired.stack || run.stacks.contains(other) {
            continue;
        }
        // A key counts when the other stack's resource there has the name this
        // manifest gives it: a renamed stack keeps its names, while another
        // environment of the same manifests (stack chat-${ENV}, name
        // lobby-${ENV}) in the same account names its resources apart.
        let rooms = desired
            .rooms
            .iter()
            .filter(|(k, d)| match index.rooms.get(other, k) {
                Ok(Some(r)) => r.name == d.name,
                Ok(None) => false,
                Err(_) => true,
            })
            .count();
        let lcs = desired
            .logging_configurations
            .iter()
            .filter(|(k, d)| match index.logging_configurations.get(other, k) {
                Ok(Some(l)) => l.name == d.name,
                Ok(None) => false,
                Err(_) => true,
            })
            .count();
        if rooms + lcs > 0 && best.is_none_or(|(n, _)| rooms + lcs > n) {
            best = Some((rooms + lcs, other));
        }
    }
    let (n, other) = best?;
    Some(format!(
        "stack {} owns nothing here, but stack {other} owns {n} resource{} under this manifest's keys: \
         if the stack was renamed, add `moved: [{{fromStack: {other}}}]` to carry them over \
         (otherwise apply creates new resources and leaves {other}'s in place)",
        desired.stack,
        if n == 1 { "" } else { "s" },
    ))
}

/// The kept resources whose applied record is missing or invalid (an
/// imported resource has none yet: the import writes it).
fn without_record(desired: &DesiredStack, owned: &claims::Owned<'_>) -> Vec<Address> {
    let missing = |tags: &crate::model::Tags, address: Address| {
        let at = match owned.adopted.get(&address) {
            Some(Adoption::Import { .. }) => return None,
            Some(Adoption::Move { from }) => from.clone(),
            None => crate::model::StackAddress::new(desired.stack.clone(), address.clone()),
        };
        (!matches!(
            crate::record::read(tags, &at.stack, &at.address),
            crate::record::Reading::Valid(_)
        ))
        .then_some(address)
    };
    let lcs = owned
        .logging_configurations
        .iter()
        .filter(|(k, _)| desired.logging_configurations.contains_key(k.as_str()))
        .filter_map(|(k, l)| missing(&l.tags, Address::logging_configuration(k.as_str())));
    let rooms = owned
        .rooms
        .iter()
        .filter(|(k, _)| desired.rooms.contains_key(k.as_str()))
        .filter_map(|(k, r)| missing(&r.tags, Address::room(k.as_str())));
    lcs.chain(rooms).collect()
}

/// What the other stacks planned in the same run do, as far as this stack's
/// plan depends on it.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// The stacks of the run.
    pub stacks: std::collections::BTreeSet<String>,
    /// Logging configurations the stacks of the run create.
    pub creates: std::collections::BTreeSet<crate::model::StackAddress>,
    /// Logging configurations that rooms of the run reference by `STACK/KEY`,
    /// with the first room that does.
    pub references:
        std::collections::BTreeMap<crate::model::StackAddress, crate::model::StackAddress>,
    /// Resources a stack of the run moves in from another stack of the run
    /// (`moved: [{fromStack: ...}]`), by ARN, with the address that takes
    /// them: the stack they leave does not delete them.
    pub moved_out: std::collections::BTreeMap<String, crate::model::StackAddress>,
}

impl Run {
    /// The run of `stacks` against `live`.
    pub fn of(stacks: &[&DesiredStack], live: &LiveState) -> Run {
        use crate::model::{LoggingConfigurationRef, StackAddress};
        let mut run = Run::default();
        for d in stacks {
            run.stacks.insert(d.stack.clone());
            // What the stack will own: a desired key it does not own (nor
            // adopts) is created. An error here is the stack's plan's to report.
            let owned = claims::adopted(d, live).ok();
            if let Some(o) = &owned {
                for (address, adoption) in &o.adopted {
                    let Adoption::Move { from } = adoption else {
                        continue;
                    };
                    if from.stack == d.stack {
                        continue;
                    }
                    let arn = match address.resource_type {
                        crate::model::ResourceType::Room => {
                            o.rooms.get(&address.key).map(|r| r.arn.clone())
                        }
                        crate::model::ResourceType::LoggingConfiguration => o
                            .logging_configurations
                            .get(&address.key)
                            .map(|l| l.arn.clone()),
                    };
                    if let Some(arn) = arn {
                        run.moved_out
                            .insert(arn, StackAddress::new(d.stack.clone(), address.clone()));
                    }
                }
            }
            for key in d.logging_configurations.keys() {
                if !owned
                    .as_ref()
                    .is_some_and(|o| o.logging_configurations.contains_key(key))
                {
                    run.creates.insert(StackAddress::new(
                        d.stack.clone(),
                        Address::logging_configuration(key.as_str()),
                    ));
                }
            }
            for (key, room) in &d.rooms {
                for r in &room.logging_configurations {
                    if let LoggingConfigurationRef::Stack { stack, key: lc } = r {
                        run.references
                            .entry(StackAddress::new(
                                stack.clone(),
                                Address::logging_configuration(lc.as_str()),
                            ))
                            .or_insert_with(|| {
                                StackAddress::new(d.stack.clone(), Address::room(key.as_str()))
                            });
                    }
                }
            }
        }
        run
    }

    pub fn creates(&self, stack: &str, key: &str) -> bool {
        self.creates.contains(&crate::model::StackAddress::new(
            stack,
            Address::logging_configuration(key),
        ))
    }
}

fn moved_away(run: &Run, stack: &str, arn: &str) -> bool {
    run.moved_out.get(arn).is_some_and(|to| to.stack != stack)
}

/// The plans of one region's stacks claim each live resource at most once:
/// no two stacks keep, update, adopt or delete the same ARN (one moving in
/// what another keeps, two moving in the same resource). The error names
/// the later stack's claim as `second`.
pub fn check_claims<'a>(plans: impl IntoIterator<Item = &'a Plan>) -> Result<(), PlanError> {
    let mut seen: std::collections::BTreeMap<&str, crate::model::StackAddress> =
        std::collections::BTreeMap::new();
    for plan in plans {
        for change in &plan.resource_changes {
            let Some(arn) = change.arn() else { continue };
            let here = crate::model::StackAddress::new(&plan.stack, change.address.clone());
            if let Some(first) = seen.get(arn) {
                if first.stack != plan.stack {
                    return Err(PlanError::ClaimedByTwoStacks {
                        arn: arn.to_string(),
                        first: Box::new(first.clone()),
                        second: Box::new(here),
                    });
                }
            } else {
                seen.insert(arn, here);
            }
        }
    }
    Ok(())
}

/// Plans `desired` against `live`, for `region`. Pure and deterministic.
pub fn plan(desired: &DesiredStack, live: &LiveState, region: &str) -> Result<Plan, PlanError> {
    plan_in_run(desired, live, region, &Run::default())
}

/// Like `plan`, for one stack of a run of several.
pub fn plan_in_run(
    desired: &DesiredStack,
    live: &LiveState,
    region: &str,
    run: &Run,
) -> Result<Plan, PlanError> {
    let mut owned = claims::adopted(desired, live)?;
    // What another stack of the run moves in, and this one no longer
    // declares, is that stack's now: this one neither deletes nor blocks on
    // it. (Declared by both, it is claimed twice: `check_claims` says so.)
    owned
        .rooms
        .retain(|k, r| desired.rooms.contains_key(k) || !moved_away(run, &desired.stack, &r.arn));
    owned.logging_configurations.retain(|k, l| {
        desired.logging_configurations.contains_key(k) || !moved_away(run, &desired.stack, &l.arn)
    });
    logging::check_usable(desired, &owned)?;
    let mut changes = logging::plan(desired, &owned);
    let rooms = rooms::plan(desired, &owned, live, run)?;
    deletes::block(&desired.stack, &mut changes, &rooms, live, run);
    changes.extend(rooms.changes);
    deletes::protect(&mut changes, &owned);
    ordering::order(&desired.stack, &mut changes, live);
    Ok(Plan {
        stack: desired.stack.clone(),
        region: region.to_string(),
        resource_changes: changes,
        without_record: without_record(desired, &owned),
        warnings: renamed(desired, live, &owned, run).into_iter().collect(),
    })
}
