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

/// The kept resources whose applied record is missing or invalid.
fn without_record(desired: &DesiredStack, owned: &claims::Owned<'_>) -> Vec<Address> {
    let missing = |tags: &crate::model::Tags, address: Address| {
        (!matches!(
            crate::record::read(tags, &desired.stack, &address),
            crate::record::Reading::Valid(_)
        ))
        .then_some(address)
    };
    let lcs = owned
        .logging_configurations
        .iter()
        .filter(|(k, _)| desired.logging_configurations.contains_key(**k))
        .filter_map(|(k, l)| missing(&l.tags, Address::logging_configuration(*k)));
    let rooms = owned
        .rooms
        .iter()
        .filter(|(k, _)| desired.rooms.contains_key(**k))
        .filter_map(|(k, r)| missing(&r.tags, Address::room(*k)));
    lcs.chain(rooms).collect()
}

/// What the other stacks planned in the same run do, as far as this stack's
/// plan depends on it.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// Logging configurations other stacks of the run create.
    pub creates: std::collections::BTreeSet<crate::model::StackAddress>,
}

impl Run {
    pub fn creates(&self, stack: &str, key: &str) -> bool {
        self.creates.contains(&crate::model::StackAddress::new(
            stack,
            Address::logging_configuration(key),
        ))
    }
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
    let owned = claims::owned(&desired.stack, live)?;
    logging::check_usable(desired, &owned)?;
    let mut changes = logging::plan(desired, &owned);
    let rooms = rooms::plan(desired, &owned, live, run)?;
    deletes::block(&desired.stack, &mut changes, &rooms, live);
    changes.extend(rooms.changes);
    deletes::protect(&mut changes, &owned);
    ordering::order(&desired.stack, &mut changes, live);
    Ok(Plan {
        stack: desired.stack.clone(),
        region: region.to_string(),
        resource_changes: changes,
        without_record: without_record(desired, &owned),
    })
}
