//! Apply: carries out a plan with the fewest calls, in dependency order,
//! concurrently where independent, paced to the rate quotas. A failure does
//! not stop independent work; what depends on it is skipped. The result is a
//! report of what was done, failed and skipped.
//!
//! Two parts:
//! - `scheduler`: which change runs when (the plan's `depends_on`),
//!   skip-on-failure, a bound on work in flight, and cancellation; generic
//!   over an `Executor`, so it is tested with a fake, without any API;
//! - `executor` (over `calls`): the real effects through aws-sdk-ivschat.
//!
//! Per resource change:
//! - create: one Create call carrying every tag;
//! - update: at most one Update call with the changed fields, then at most one
//!   UntagResource and one TagResource (untag first, so the 50-tag limit
//!   holds throughout);
//! - delete: one Delete call (already gone counts as done).
//!
//! Applying is idempotent: after a partial failure the next plan is computed
//! from the account again, and converges.

pub(crate) mod calls;
mod executor;
mod scheduler;

pub use executor::{Created, Executor, SdkExecutor, ACTIVE_TIMEOUT};
pub use scheduler::{run, Cancel, Options};

use crate::aws::ApiError;
use crate::model::{Address, StackAddress};
use crate::plan::{Action, ResourceChange};

/// Apply's own failures (the API's are `ApiError`).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("{address} has no ARN (its create did not complete)")]
    Unresolved { address: StackAddress },
    #[error("GetLoggingConfiguration failed: logging configuration {arn} is {state}")]
    NotUsable { arn: String, state: String },
    #[error("GetLoggingConfiguration failed: logging configuration {arn} disappeared while waiting for it to be ACTIVE")]
    Disappeared { arn: String },
    #[error(
        "GetLoggingConfiguration failed: logging configuration {arn} was not ACTIVE after {secs} s"
    )]
    NotActive { arn: String, secs: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

impl miette::Diagnostic for ApplyError {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            ApplyError::Api(e) => e.help(),
            ApplyError::NotUsable { .. } => Some(Box::new(
                "a failed logging configuration cannot be used: delete it, then apply again to create it anew",
            )),
            ApplyError::NotActive { .. } => Some(Box::new(
                "the logging configuration is still changing; apply again later",
            )),
            _ => None,
        }
    }
}

/// The outcome of one resource change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Failed { error: String },
    Skipped { reason: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportEntry {
    pub stack: String,
    pub address: Address,
    pub action: Action,
    /// The resource's ARN (for a create, the new one, once known).
    pub arn: Option<String>,
    pub outcome: Outcome,
    pub duration_ms: u64,
}

/// What apply did, change by change, in the order they finished.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApplyReport {
    pub entries: Vec<ReportEntry>,
}

impl ApplyReport {
    pub fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.entries.iter().filter(|e| f(&e.outcome)).count()
    }

    pub fn succeeded(&self) -> bool {
        self.entries.iter().all(|e| e.outcome == Outcome::Done)
    }
}

/// Receives apply's progress (a live display on a terminal, plain lines in CI).
pub trait Progress: Send + Sync {
    fn started(&self, stack: &str, change: &ResourceChange);
    fn finished(&self, entry: &ReportEntry);
}

/// A progress sink that shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn started(&self, _: &str, _: &ResourceChange) {}
    fn finished(&self, _: &ReportEntry) {}
}

/// Applies every change of `plans` (stacks of one region) that is not a
/// no-op through the API. The caller has already checked that the plans may
/// run (no blocked delete, approval, limits).
pub async fn apply(
    api: &crate::aws::Api,
    plans: &[crate::plan::Plan],
    progress: std::sync::Arc<dyn Progress>,
    cancel: Cancel,
) -> ApplyReport {
    run(
        plans,
        &SdkExecutor::new(api.clone()),
        progress,
        cancel,
        Options::default(),
    )
    .await
}
