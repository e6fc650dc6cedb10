//! The order of apply, decided from the plan alone (pure).
//!
//! - A room write that references a logging configuration this plan creates
//!   or updates waits for it (and for it to be ACTIVE).
//! - A logging-configuration delete waits for every room delete of the plan
//!   and every room update that detaches it (rooms before the logging
//!   configurations they stop referencing; for `destroy`, rooms first).
//! - Everything else is independent and runs concurrently.

use crate::plan::{Action, LoggingTarget, Plan, Write};

/// `deps[i]`: indices of the changes that must succeed before change `i`.
pub fn dependencies(plan: &Plan) -> Vec<Vec<usize>> {
    let changes = &plan.resource_changes;
    let mut deps = vec![Vec::new(); changes.len()];
    for (i, c) in changes.iter().enumerate() {
        if c.is_room() {
            for t in c.write.logging_targets() {
                let provider = changes.iter().position(|p| {
                    !p.is_room()
                        && match t {
                            LoggingTarget::Planned(key) => {
                                p.action == Action::Create && &p.key == key
                            }
                            LoggingTarget::Arn(arn) => {
                                p.arn.as_deref() == Some(arn.as_str())
                                    && matches!(p.write, Write::UpdateLoggingConfiguration { .. })
                            }
                        }
                });
                if let Some(p) = provider {
                    deps[i].push(p);
                }
            }
        } else if c.action == Action::Delete {
            let arn = c.arn.as_deref().unwrap_or("");
            for (j, r) in changes.iter().enumerate() {
                let detaches = r.action == Action::Update
                    && matches!(&r.write, Write::UpdateRoom { update } if update.logging_configurations.is_some())
                    && r.observed.as_ref().is_some_and(|o| {
                        o.fields
                            .get("loggingConfigurations")
                            .and_then(|v| v.as_array())
                            .is_some_and(|a| a.iter().any(|v| v == arn))
                    });
                if r.is_room() && (r.action == Action::Delete || detaches) {
                    deps[i].push(j);
                }
            }
        }
        deps[i].sort_unstable();
        deps[i].dedup();
    }
    deps
}

/// Changes that some room write waits on: they must reach ACTIVE before
/// their dependants run.
pub fn needs_active(plan: &Plan, deps: &[Vec<usize>]) -> Vec<bool> {
    let mut out = vec![false; plan.resource_changes.len()];
    for (i, d) in deps.iter().enumerate() {
        if plan.resource_changes[i].is_room() {
            for &j in d {
                out[j] = true;
            }
        }
    }
    out
}

/// Every change that (transitively) depends on `failed`.
pub fn dependants(deps: &[Vec<usize>], failed: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack = vec![failed];
    while let Some(f) = stack.pop() {
        for (i, d) in deps.iter().enumerate() {
            if d.contains(&f) && !out.contains(&i) {
                out.push(i);
                stack.push(i);
            }
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn live_lc(id: &str, key: &str) -> LiveLoggingConfiguration {
        LiveLoggingConfiguration {
            arn: format!("arn:aws:ivschat:us-east-1:123456789012:logging-configuration/{id}"),
            id: id.into(),
            name: key.into(),
            destination: Destination::S3 {
                bucket_name: "b".into(),
            },
            state: LoggingConfigurationState::Active,
            tags: [
                (TAG_STACK.to_string(), "s".to_string()),
                (TAG_KEY.to_string(), key.to_string()),
            ]
            .into(),
            create_time: "2026-01-01T00:00:00.000Z".into(),
            update_time: "2026-01-01T00:00:00.000Z".into(),
        }
    }

    fn live_room(id: &str, key: &str, lcs: Vec<String>) -> LiveRoom {
        LiveRoom {
            arn: format!("arn:aws:ivschat:us-east-1:123456789012:room/{id}"),
            id: id.into(),
            name: key.into(),
            maximum_message_length: Some(500),
            maximum_message_rate_per_second: Some(10),
            message_review_handler: None,
            logging_configuration_arns: lcs,
            tags: [
                (TAG_STACK.to_string(), "s".to_string()),
                (TAG_KEY.to_string(), key.to_string()),
            ]
            .into(),
            create_time: "2026-01-01T00:00:00.000Z".into(),
            update_time: "2026-01-01T00:00:00.000Z".into(),
        }
    }

    fn room(refs: &[&str]) -> DesiredRoom {
        DesiredRoom {
            name: "r".into(),
            maximum_message_length: 500,
            maximum_message_rate_per_second: 10,
            message_review_handler: None,
            logging_configurations: refs
                .iter()
                .map(|k| LoggingConfigurationRef::Key(k.to_string()))
                .collect(),
            tags: Tags::new(),
            protect: false,
        }
    }

    fn lc(bucket: &str) -> DesiredLoggingConfiguration {
        DesiredLoggingConfiguration {
            name: "new".into(),
            destination: Destination::S3 {
                bucket_name: bucket.into(),
            },
            tags: Tags::new(),
            protect: false,
        }
    }

    #[test]
    fn rooms_wait_for_new_and_updated_configurations() {
        let old = live_lc("LCOLDOLDOLDO", "old");
        let mut d = DesiredStack {
            stack: "s".into(),
            ..Default::default()
        };
        d.logging_configurations.insert("new".into(), lc("b"));
        d.logging_configurations
            .insert("old".into(), lc("changed-bucket"));
        d.rooms.insert("a".into(), room(&["new"]));
        d.rooms.insert("b".into(), room(&["old"]));
        d.rooms.insert("c".into(), room(&[]));
        let live = LiveState {
            logging_configurations: vec![old],
            rooms: vec![],
        };
        let plan = crate::plan::plan(&d, &live, "us-east-1").unwrap();
        let idx = |a: &str| {
            plan.resource_changes
                .iter()
                .position(|c| c.address == a)
                .unwrap()
        };
        let deps = dependencies(&plan);
        assert_eq!(deps[idx("rooms.a")], [idx("loggingConfigurations.new")]);
        assert_eq!(deps[idx("rooms.b")], [idx("loggingConfigurations.old")]);
        assert!(deps[idx("rooms.c")].is_empty());
        assert!(deps[idx("loggingConfigurations.new")].is_empty());
        let active = needs_active(&plan, &deps);
        assert!(
            active[idx("loggingConfigurations.new")] && active[idx("loggingConfigurations.old")]
        );
        assert_eq!(
            dependants(&deps, idx("loggingConfigurations.new")),
            [idx("rooms.a")]
        );
    }

    #[test]
    fn configuration_deletes_wait_for_rooms_that_stop_referencing_them() {
        let gone = live_lc("LCGONEGONEGO", "gone");
        let keep = live_room("AAAAAAAAAAAA", "keep", vec![gone.arn.clone()]);
        let doomed = live_room("BBBBBBBBBBBB", "doomed", vec![]);
        let mut d = DesiredStack {
            stack: "s".into(),
            ..Default::default()
        };
        d.rooms.insert("keep".into(), room(&[]));
        let live = LiveState {
            logging_configurations: vec![gone],
            rooms: vec![keep, doomed],
        };
        let plan = crate::plan::plan(&d, &live, "us-east-1").unwrap();
        let idx = |a: &str| {
            plan.resource_changes
                .iter()
                .position(|c| c.address == a)
                .unwrap()
        };
        let deps = dependencies(&plan);
        assert_eq!(
            deps[idx("loggingConfigurations.gone")],
            [idx("rooms.doomed"), idx("rooms.keep")]
        );
        assert!(deps[idx("rooms.keep")].is_empty());
    }
}
