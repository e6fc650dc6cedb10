//! Which change runs when: a change starts once every change it depends on
//! (`depends_on`, decided by the planner) is done; a change whose dependency
//! failed or was skipped is skipped, with the reason; independent changes run
//! concurrently, at most `max_in_flight` at a time; after `Cancel::cancel`
//! nothing new starts, running changes finish, and the rest are reported as
//! skipped. Generic over the `Executor`, so all of this is tested with a fake.

use super::{ApplyError, ApplyReport, Created, Executor, Outcome, Progress, ReportEntry};
use crate::model::StackAddress;
use crate::plan::{Action, Plan, ResourceChange};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How the scheduler runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The most changes running at once.
    pub max_in_flight: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { max_in_flight: 64 }
    }
}

/// Stops an apply between changes (Ctrl-C): no new change starts.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<CancelInner>);

#[derive(Debug, Default)]
struct CancelInner {
    flag: AtomicBool,
    notify: Notify,
}

impl Cancel {
    pub fn cancel(&self) {
        self.0.flag.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.flag.load(Ordering::SeqCst)
    }

    pub async fn cancelled(&self) {
        loop {
            let notified = self.0.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Pending,
    Running,
    /// Finished; `true` when done.
    Finished(bool),
}

/// Runs every change of `plans` that is not a no-op (several stacks run as
/// one graph: a change may depend on another stack's); returns the report
/// in plan order, stack by stack.
pub async fn run<E: Executor>(
    plans: &[Plan],
    executor: &E,
    progress: Arc<dyn Progress>,
    cancel: Cancel,
    options: Options,
) -> ApplyReport {
    let changes: Arc<Vec<(String, ResourceChange)>> = Arc::new(
        plans
            .iter()
            .flat_map(|p| {
                p.resource_changes
                    .iter()
                    .map(move |c| (p.stack.clone(), c.clone()))
            })
            .collect(),
    );
    let position: HashMap<StackAddress, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, (s, c))| (StackAddress::new(s.clone(), c.address.clone()), i))
        .collect();
    // A dependency outside the plan, or on a no-op, is already satisfied.
    let deps: Vec<Vec<usize>> = changes
        .iter()
        .map(|(_, c)| {
            c.depends_on
                .iter()
                .filter_map(|a| position.get(a).copied())
                .collect()
        })
        .collect();
    let mut state: Vec<State> = changes
        .iter()
        .map(|(_, c)| match c.action() {
            Action::NoOp => State::Finished(true),
            _ => State::Pending,
        })
        .collect();
    let mut entries: Vec<Option<ReportEntry>> = vec![None; changes.len()];
    let mut created = Created::new();
    let mut tasks = tokio::task::JoinSet::new();
    let mut task_index: HashMap<tokio::task::Id, usize> = HashMap::new();
    let max_in_flight = options.max_in_flight.max(1);

    loop {
        let cancelled = cancel.is_cancelled();
        // Skip what can no longer run, until nothing more changes (a skip
        // can make a change earlier in the plan skippable).
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..changes.len() {
                if state[i] != State::Pending {
                    continue;
                }
                let reason = if cancelled {
                    Some("apply was interrupted before it started".to_string())
                } else {
                    deps[i]
                        .iter()
                        .find(|&&d| state[d] == State::Finished(false))
                        .map(|&d| {
                            let (stack, dep) = &changes[d];
                            let name = if stack == &changes[i].0 {
                                dep.address.to_string()
                            } else {
                                format!("{stack}/{}", dep.address)
                            };
                            format!("depends on {name}, which did not complete")
                        })
                };
                if let Some(reason) = reason {
                    let (stack, c) = &changes[i];
                    let entry = ReportEntry {
                        stack: stack.clone(),
                        address: c.address.clone(),
                        action: c.action(),
                        arn: c.arn().map(String::from),
                        outcome: Outcome::Skipped { reason },
                        duration_ms: 0,
                    };
                    progress.finished(&entry);
                    entries[i] = Some(entry);
                    state[i] = State::Finished(false);
                    changed = true;
                }
            }
        }
        // Start what is ready, in plan order, within the bound.
        for i in 0..changes.len() {
            if cancelled || tasks.len() >= max_in_flight {
                break;
            }
            if state[i] != State::Pending
                || !deps[i].iter().all(|&d| state[d] == State::Finished(true))
            {
                continue;
            }
            state[i] = State::Running;
            progress.started(&changes[i].0, &changes[i].1);
            let (executor, changes, created) =
                (executor.clone(), Arc::clone(&changes), created.clone());
            let handle = tasks.spawn(async move {
                let started = Instant::now();
                let (stack, change) = &changes[i];
                let result = executor.execute(stack, change, &created).await;
                (i, result, started.elapsed())
            });
            task_index.insert(handle.id(), i);
        }
        if tasks.is_empty() {
            break;
        }
        let joined = tokio::select! {
            joined = tasks.join_next_with_id() => joined,
            _ = cancel.cancelled(), if !cancelled => continue,
        };
        let Some(joined) = joined else { break };
        let (i, result, elapsed) = match joined {
            Ok((_, r)) => r,
            Err(e) => {
                // A panicked task is a bug; the others go on, and the report says it.
                let i = task_index.get(&e.id()).copied().unwrap_or(0);
                (i, Err(ApplyError::Internal(e.to_string())), Duration::ZERO)
            }
        };
        let (stack, c) = &changes[i];
        if let Ok(Some(arn)) = &result {
            created.insert(
                StackAddress::new(stack.clone(), c.address.clone()),
                arn.clone(),
            );
        }
        let entry = ReportEntry {
            stack: stack.clone(),
            address: c.address.clone(),
            action: c.action(),
            arn: match &result {
                Ok(Some(arn)) => Some(arn.clone()),
                _ => c.arn().map(String::from),
            },
            outcome: match &result {
                Ok(_) => Outcome::Done,
                Err(e) => Outcome::Failed {
                    error: e.to_string(),
                },
            },
            duration_ms: elapsed.as_millis() as u64,
        };
        progress.finished(&entry);
        state[i] = State::Finished(result.is_ok());
        entries[i] = Some(entry);
    }
    ApplyReport {
        entries: entries.into_iter().flatten().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::Silent;
    use crate::fixtures::{d_lc, d_room, desired, l_lc, l_room, lc_arn};
    use crate::model::{Address, LiveState, LoggingConfigurationRef};
    use crate::plan::ResourceChange;
    use std::sync::Mutex;

    /// A fake executor: records start and end of each change, sleeps a
    /// little, fails the addresses it is told to, and can cancel the run
    /// when a given change starts.
    #[derive(Clone, Default)]
    struct Fake {
        log: Arc<Mutex<Vec<String>>>,
        fail: Vec<Address>,
        running: Arc<std::sync::atomic::AtomicUsize>,
        most_running: Arc<std::sync::atomic::AtomicUsize>,
        cancel_at: Option<(Address, Cancel)>,
    }

    impl Executor for Fake {
        async fn execute(
            &self,
            stack: &str,
            change: &ResourceChange,
            created: &Created,
        ) -> Result<Option<String>, ApplyError> {
            let _ = stack;
            let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_running.fetch_max(now, Ordering::SeqCst);
            self.log
                .lock()
                .unwrap()
                .push(format!("start {}", change.address));
            if let Some((at, cancel)) = &self.cancel_at {
                if at == &change.address {
                    cancel.cancel();
                }
            }
            // Every dependency that is a create has its ARN by now.
            for d in &change.depends_on {
                if let Some(c) = created.get(d) {
                    assert!(c.starts_with("arn:"), "{c}");
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            self.log
                .lock()
                .unwrap()
                .push(format!("end {}", change.address));
            self.running.fetch_sub(1, Ordering::SeqCst);
            if self.fail.contains(&change.address) {
                return Err(ApplyError::Internal("boom".into()));
            }
            Ok(match change.action() {
                Action::Create => Some(format!("arn:fake:{}", change.address)),
                _ => None,
            })
        }
    }

    impl Fake {
        fn log(&self) -> Vec<String> {
            self.log.lock().unwrap().clone()
        }

        fn position(&self, line: &str) -> usize {
            self.log()
                .iter()
                .position(|l| l == line)
                .unwrap_or_else(|| panic!("{line} in {:?}", self.log()))
        }
    }

    fn key(k: &str) -> LoggingConfigurationRef {
        LoggingConfigurationRef::Key(k.into())
    }

    /// A new configuration with two rooms on it, a room on nothing, and an
    /// old configuration that a deleted room referenced.
    fn plan() -> Plan {
        let mut d = desired();
        d.logging_configurations
            .insert("new".into(), d_lc("new", "b"));
        for (k, refs) in [
            ("a", vec![key("new")]),
            ("b", vec![key("new")]),
            ("c", vec![]),
        ] {
            let mut r = d_room(k);
            r.logging_configurations = refs;
            d.rooms.insert(k.into(), r);
        }
        let mut doomed = l_room("DOOMEDDOOMED", "doomed");
        doomed.logging_configuration_arns = vec![lc_arn("OLDOLDOLDOLD")];
        let live = LiveState {
            logging_configurations: vec![l_lc("OLDOLDOLDOLD", "old", "b")],
            rooms: vec![doomed],
        };
        crate::plan::plan(&d, &live, "us-west-2").unwrap()
    }

    async fn go(fake: &Fake, cancel: Cancel, max: usize) -> ApplyReport {
        run(
            &[plan()],
            fake,
            Arc::new(Silent),
            cancel,
            Options { max_in_flight: max },
        )
        .await
    }

    fn outcome(r: &ApplyReport, a: &str) -> Outcome {
        r.entries
            .iter()
            .find(|e| e.address.to_string() == a)
            .unwrap_or_else(|| panic!("{a} in {r:?}"))
            .outcome
            .clone()
    }

    #[tokio::test]
    async fn dependencies_finish_first_and_independent_work_overlaps() {
        let fake = Fake::default();
        let report = go(&fake, Cancel::default(), 64).await;
        assert!(report.succeeded(), "{report:?}");
        assert_eq!(report.entries.len(), 6);
        for room in ["rooms.a", "rooms.b"] {
            assert!(
                fake.position("end loggingConfigurations.new")
                    < fake.position(&format!("start {room}")),
                "{:?}",
                fake.log()
            );
        }
        assert!(
            fake.position("end rooms.doomed") < fake.position("start loggingConfigurations.old")
        );
        // rooms.c and rooms.doomed and the new configuration start together.
        assert!(fake.most_running.load(Ordering::SeqCst) >= 3);
        let created = report
            .entries
            .iter()
            .find(|e| e.address.to_string() == "loggingConfigurations.new")
            .unwrap();
        assert_eq!(
            created.arn.as_deref(),
            Some("arn:fake:loggingConfigurations.new")
        );
    }

    #[tokio::test]
    async fn a_failure_skips_its_dependants_only() {
        let fake = Fake {
            fail: vec![Address::logging_configuration("new")],
            ..Default::default()
        };
        let report = go(&fake, Cancel::default(), 64).await;
        assert!(!report.succeeded());
        assert_eq!(
            outcome(&report, "loggingConfigurations.new"),
            Outcome::Failed {
                error: "internal error: boom".into()
            }
        );
        for room in ["rooms.a", "rooms.b"] {
            assert_eq!(
                outcome(&report, room),
                Outcome::Skipped {
                    reason: "depends on loggingConfigurations.new, which did not complete".into()
                }
            );
        }
        assert_eq!(outcome(&report, "rooms.c"), Outcome::Done);
        assert_eq!(outcome(&report, "loggingConfigurations.old"), Outcome::Done);
        // Report in plan order.
        let order: Vec<String> = report
            .entries
            .iter()
            .map(|e| e.address.to_string())
            .collect();
        let mut sorted = order.clone();
        sorted.sort_by_key(|a| {
            plan()
                .resource_changes
                .iter()
                .position(|c| &c.address.to_string() == a)
        });
        assert_eq!(order, sorted);
    }

    #[tokio::test]
    async fn a_failed_room_delete_keeps_the_configuration() {
        let fake = Fake {
            fail: vec![Address::room("doomed")],
            ..Default::default()
        };
        let report = go(&fake, Cancel::default(), 64).await;
        assert!(matches!(
            outcome(&report, "loggingConfigurations.old"),
            Outcome::Skipped { .. }
        ));
        assert!(!fake
            .log()
            .contains(&"start loggingConfigurations.old".to_string()));
    }

    #[tokio::test]
    async fn concurrency_is_bounded() {
        let fake = Fake::default();
        let report = go(&fake, Cancel::default(), 1).await;
        assert!(report.succeeded());
        assert_eq!(fake.most_running.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn cancellation_lets_running_work_finish_and_starts_nothing_new() {
        let cancel = Cancel::default();
        let fake = Fake {
            cancel_at: Some((Address::logging_configuration("new"), cancel.clone())),
            ..Default::default()
        };
        let report = go(&fake, cancel, 1).await;
        assert_eq!(outcome(&report, "loggingConfigurations.new"), Outcome::Done);
        let skipped = report
            .count(|o| matches!(o, Outcome::Skipped { reason } if reason.contains("interrupted")));
        assert_eq!(skipped, 5, "{report:?}");
        assert_eq!(
            fake.log(),
            [
                "start loggingConfigurations.new",
                "end loggingConfigurations.new"
            ]
        );
    }

    #[tokio::test]
    async fn stacks_run_as_one_graph_and_a_failure_stops_only_its_dependants() {
        // Stack `prod` creates a configuration that stack `edge`'s room
        // references; `edge` also has an independent room.
        let mut a = desired();
        a.stack = "prod".into();
        a.logging_configurations
            .insert("shared".into(), d_lc("shared", "b"));
        let mut b = desired();
        b.stack = "edge".into();
        let mut r = d_room("uses");
        r.logging_configurations = vec![LoggingConfigurationRef::Stack {
            stack: "prod".into(),
            key: "shared".into(),
        }];
        b.rooms.insert("uses".into(), r);
        b.rooms.insert("alone".into(), d_room("alone"));
        let run_ctx = crate::plan::Run {
            creates: [StackAddress::new(
                "prod",
                Address::logging_configuration("shared"),
            )]
            .into(),
            ..Default::default()
        };
        let live = LiveState::default();
        let plans = [
            crate::plan::plan_in_run(&a, &live, "us-west-2", &run_ctx).unwrap(),
            crate::plan::plan_in_run(&b, &live, "us-west-2", &run_ctx).unwrap(),
        ];
        let fake = Fake::default();
        let report = run(
            &plans,
            &fake,
            Arc::new(Silent),
            Cancel::default(),
            Options::default(),
        )
        .await;
        assert!(report.succeeded(), "{report:?}");
        assert!(
            fake.position("end loggingConfigurations.shared") < fake.position("start rooms.uses"),
            "{:?}",
            fake.log()
        );
        let stacks: Vec<&str> = report.entries.iter().map(|e| e.stack.as_str()).collect();
        assert_eq!(
            stacks,
            ["prod", "edge", "edge"],
            "plan order, stack by stack"
        );

        let fake = Fake {
            fail: vec![Address::logging_configuration("shared")],
            ..Default::default()
        };
        let report = run(
            &plans,
            &fake,
            Arc::new(Silent),
            Cancel::default(),
            Options::default(),
        )
        .await;
        let outcome = |stack: &str, a: &str| {
            report
                .entries
                .iter()
                .find(|e| e.stack == stack && e.address.to_string() == a)
                .unwrap()
                .outcome
                .clone()
        };
        assert_eq!(
            outcome("edge", "rooms.uses"),
            Outcome::Skipped {
                reason: "depends on prod/loggingConfigurations.shared, which did not complete"
                    .into()
            }
        );
        assert_eq!(outcome("edge", "rooms.alone"), Outcome::Done);
    }
}
