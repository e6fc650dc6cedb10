//! Apply: walks a plan and makes it real, with the fewest calls, in
//! dependency order, concurrently where independent, paced to the rate
//! quotas. A failure does not stop independent work; what depends on it is
//! skipped. The result is a report of what was done, failed and skipped.
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

mod calls;
pub mod order;

use crate::aws::{Api, ApiError};
use crate::plan::{Action, LoggingTarget, Plan, ResourceChange, Write};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a room write waits for a logging configuration to be ACTIVE.
pub const ACTIVE_TIMEOUT: Duration = Duration::from_secs(300);

/// The outcome of one resource change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    Done,
    Failed { error: String },
    Skipped { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportEntry {
    pub address: String,
    pub action: Action,
    /// The resource's ARN (for a create, the new one, once known).
    pub arn: Option<String>,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub duration_ms: u64,
}

/// What apply did, change by change, in plan order.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
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
    fn started(&self, change: &ResourceChange);
    fn finished(&self, entry: &ReportEntry);
}

/// A progress sink that shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn started(&self, _: &ResourceChange) {}
    fn finished(&self, _: &ReportEntry) {}
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Pending,
    Running,
    Finished,
}

/// Applies every change of `plan` that is not a no-op. The caller has
/// already checked the plan may run (no blocked delete, approval, limits).
pub async fn apply(api: &Api, plan: &Plan, progress: Arc<dyn Progress>) -> ApplyReport {
    let changes = Arc::new(plan.resource_changes.clone());
    let deps = order::dependencies(plan);
    let needs_active = order::needs_active(plan, &deps);
    let created: Arc<Mutex<HashMap<String, String>>> = Arc::new(Mutex::new(HashMap::new()));
    let mut state: Vec<State> = changes
        .iter()
        .map(|c| {
            if c.action == Action::NoOp {
                State::Finished
            } else {
                State::Pending
            }
        })
        .collect();
    let mut entries: Vec<Option<ReportEntry>> = vec![None; changes.len()];
    let mut tasks = tokio::task::JoinSet::new();
    let mut task_index: HashMap<tokio::task::Id, usize> = HashMap::new();

    loop {
        // Start everything whose dependencies are done; skip what depends on a failure.
        for i in 0..changes.len() {
            if state[i] != State::Pending {
                continue;
            }
            let failed_dep = deps[i].iter().find(|&&d| {
                state[d] == State::Finished
                    && entries[d]
                        .as_ref()
                        .is_some_and(|e| e.outcome != Outcome::Done)
            });
            if let Some(&d) = failed_dep {
                let entry = ReportEntry {
                    address: changes[i].address.clone(),
                    action: changes[i].action,
                    arn: changes[i].arn.clone(),
                    outcome: Outcome::Skipped {
                        reason: format!(
                            "depends on {}, which did not complete",
                            changes[d].address
                        ),
                    },
                    duration_ms: 0,
                };
                progress.finished(&entry);
                entries[i] = Some(entry);
                state[i] = State::Finished;
                continue;
            }
            if deps[i].iter().all(|&d| state[d] == State::Finished) {
                state[i] = State::Running;
                progress.started(&changes[i]);
                let (api, changes, created) =
                    (api.clone(), Arc::clone(&changes), Arc::clone(&created));
                let wait = needs_active[i];
                let handle = tasks.spawn(async move {
                    let started = Instant::now();
                    let result = execute(&api, &changes[i], wait, &created).await;
                    (i, result, started.elapsed())
                });
                task_index.insert(handle.id(), i);
            }
        }
        let Some(joined) = tasks.join_next_with_id().await else {
            break;
        };
        let (i, result, elapsed) = match joined {
            Ok((_, r)) => r,
            Err(e) => {
                // A panicked task is a bug; the others go on, and the report says it.
                let i = task_index.get(&e.id()).copied().unwrap_or(0);
                let error = ApiError {
                    operation: "apply".into(),
                    code: None,
                    status: None,
                    message: e.to_string(),
                };
                (i, Err(error), Duration::ZERO)
            }
        };
        let c = &changes[i];
        let entry = ReportEntry {
            address: c.address.clone(),
            action: c.action,
            arn: match &result {
                Ok(Some(arn)) => Some(arn.clone()),
                _ => c.arn.clone(),
            },
            outcome: match result {
                Ok(_) => Outcome::Done,
                Err(e) => Outcome::Failed {
                    error: e.to_string(),
                },
            },
            duration_ms: elapsed.as_millis() as u64,
        };
        progress.finished(&entry);
        entries[i] = Some(entry);
        state[i] = State::Finished;
    }
    ApplyReport {
        entries: entries.into_iter().flatten().collect(),
    }
}

/// One TagResource call (for `import`, which writes ownership tags only).
pub async fn tag_resource(api: &Api, arn: &str, tags: &crate::model::Tags) -> Result<(), ApiError> {
    calls::tag(api, arn, tags).await
}

/// Resolves a room's references: planned configurations through the ARNs
/// their creates returned.
fn resolve(
    targets: &[LoggingTarget],
    created: &Mutex<HashMap<String, String>>,
) -> Result<Vec<String>, ApiError> {
    let created = created.lock().unwrap_or_else(|p| p.into_inner());
    targets
        .iter()
        .map(|t| match t {
            LoggingTarget::Arn(a) => Ok(a.clone()),
            LoggingTarget::Planned(key) => created.get(key).cloned().ok_or_else(|| ApiError {
                operation: "apply".into(),
                code: None,
                status: None,
                message: format!(
                    "loggingConfigurations.{key} has no ARN (its create did not complete)"
                ),
            }),
        })
        .collect()
}

/// Runs one change; returns the new ARN for a create.
async fn execute(
    api: &Api,
    c: &ResourceChange,
    wait_active: bool,
    created: &Mutex<HashMap<String, String>>,
) -> Result<Option<String>, ApiError> {
    let arn = c.arn.clone().unwrap_or_default();
    for lc in &c.wait_for_active {
        calls::wait_active(api, lc, ACTIVE_TIMEOUT).await?;
    }
    match &c.write {
        Write::CreateRoom { spec } => {
            let logging = resolve(&spec.logging_configurations, created)?;
            let arn = calls::create_room(api, spec, logging, &c.tags.set).await?;
            return Ok(Some(arn));
        }
        Write::CreateLoggingConfiguration { name, destination } => {
            let arn =
                calls::create_logging_configuration(api, name, destination, &c.tags.set).await?;
            created
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(c.key.clone(), arn.clone());
            if wait_active {
                calls::wait_active(api, &arn, ACTIVE_TIMEOUT).await?;
            }
            return Ok(Some(arn));
        }
        Write::DeleteRoom => {
            calls::delete_room(api, &arn).await?;
            return Ok(None);
        }
        Write::DeleteLoggingConfiguration => {
            calls::delete_logging_configuration(api, &arn).await?;
            return Ok(None);
        }
        Write::UpdateRoom { update } => {
            let logging = update
                .logging_configurations
                .as_deref()
                .map(|t| resolve(t, created))
                .transpose()?;
            calls::update_room(api, &arn, update, logging).await?;
        }
        Write::UpdateLoggingConfiguration { name, destination } => {
            calls::update_logging_configuration(api, &arn, name.as_deref(), destination.as_ref())
                .await?;
            if wait_active {
                calls::wait_active(api, &arn, ACTIVE_TIMEOUT).await?;
            }
        }
        Write::None => {}
    }
    if !c.tags.remove.is_empty() {
        calls::untag(api, &arn, &c.tags.remove).await?;
    }
    if !c.tags.set.is_empty() {
        calls::tag(api, &arn, &c.tags.set).await?;
    }
    Ok(None)
}
