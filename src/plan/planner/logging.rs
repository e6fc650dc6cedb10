//! Phase 2: each logging configuration the manifest declares or the stack
//! owns: create, update (changed fields and tags), no-op, or delete.

use super::change::{self, Live};
use super::claims::Owned;
use super::tags::desired_tags;
use super::{unusable, PlanError};
use crate::model::{Address, DesiredLoggingConfiguration, DesiredStack, LiveLoggingConfiguration};
use crate::plan::ResourceChange;
use crate::schema::logging::LOGGING;
use crate::schema::Row;
use std::collections::BTreeSet;

/// A configuration the manifest keeps but that failed cannot be fixed by any
/// call ivsctl would make: stop, saying how to fix it.
pub fn check_usable(desired: &DesiredStack, owned: &Owned<'_>) -> Result<(), PlanError> {
    for (key, l) in &owned.logging_configurations {
        if desired.logging_configurations.contains_key(key) && unusable(&l.state) {
            return Err(PlanError::UnusableLoggingConfiguration {
                subject: Address::logging_configuration(key.as_str()).to_string(),
                arn: l.arn.clone(),
                state: l.state.as_str().to_string(),
            });
        }
    }
    Ok(())
}

/// One change per key, in key order.
pub fn plan(desired: &DesiredStack, owned: &Owned<'_>) -> Vec<ResourceChange> {
    let keys: BTreeSet<&str> = desired
        .logging_configurations
        .keys()
        .map(String::as_str)
        .chain(owned.logging_configurations.keys().map(String::as_str))
        .collect();
    keys.into_iter()
        .filter_map(|key| {
            let d = desired.logging_configurations.get(key);
            let l = owned.logging_configurations.get(key).copied();
            match (d, l) {
                (Some(d), Some(l)) => Some(update(desired, key, d, l, owned)),
                (Some(d), None) => Some(create(desired, key, d)),
                (None, Some(l)) => Some(delete(key, l)),
                (None, None) => None,
            }
        })
        .collect()
}

fn live(l: &LiveLoggingConfiguration) -> Live<'_> {
    Live {
        arn: &l.arn,
        tags: &l.tags,
        create_time: &l.create_time,
        update_time: &l.update_time,
    }
}

fn create(stack: &DesiredStack, key: &str, d: &DesiredLoggingConfiguration) -> ResourceChange {
    change::create(
        &stack.stack,
        Address::logging_configuration(key),
        Row::desired_values(&LOGGING, d, &[]),
        desired_tags(stack, key, &d.tags, d.protect),
    )
}

fn update(
    stack: &DesiredStack,
    key: &str,
    d: &DesiredLoggingConfiguration,
    l: &LiveLoggingConfiguration,
    owned: &Owned<'_>,
) -> ResourceChange {
    let address = Address::logging_configuration(key);
    let adoption = owned.adopted.get(&address).cloned();
    change::update(
        &stack.stack,
        address,
        adoption,
        Row::desired_values(&LOGGING, d, &[]),
        &Row::live_values(&LOGGING, l),
        desired_tags(stack, key, &d.tags, d.protect),
        live(l),
    )
}

fn delete(key: &str, l: &LiveLoggingConfiguration) -> ResourceChange {
    change::delete(
        Address::logging_configuration(key),
        Row::live_values(&LOGGING, l),
        Vec::new(),
        live(l),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{d_lc, desired, l_lc, T1};
    use crate::model::{Destination, LiveState, LoggingConfigurationState};
    use crate::plan::{Action, Op};
    use serde_json::json;

    fn run(d: &DesiredStack, live: &[LiveLoggingConfiguration]) -> Vec<ResourceChange> {
        let live = LiveState {
            logging_configurations: live.to_vec(),
            rooms: vec![],
        };
        let owned = super::super::claims::owned(&d.stack, &live).unwrap();
        plan(d, &owned)
    }

    #[test]
    fn create_update_delete_and_no_op() {
        let mut d = desired();
        d.logging_configurations
            .insert("new".into(), d_lc("new", "b"));
        d.logging_configurations
            .insert("same".into(), d_lc("same", "b"));
        d.logging_configurations
            .insert("moved".into(), d_lc("moved", "b2"));
        let mut moved = l_lc("MOVEDMOVEDMO", "moved", "b");
        moved.update_time = T1.into();
        let live = [
            l_lc("SAMESAMESAME", "same", "b"),
            moved,
            l_lc("GONEGONEGONE", "gone", "b"),
        ];
        let changes = run(&d, &live);
        let by: Vec<(String, Action)> = changes
            .iter()
            .map(|c| (c.address.key.clone(), c.action()))
            .collect();
        assert_eq!(
            by,
            [
                ("gone".to_string(), Action::Delete),
                ("moved".to_string(), Action::Update),
                ("new".to_string(), Action::Create),
                ("same".to_string(), Action::NoOp),
            ]
        );
        let Op::Update(u) = &changes[1].op else {
            panic!()
        };
        assert_eq!(u.values.len(), 1, "only the destination is sent");
        assert_eq!(
            changes[1].changes[0].after,
            json!({"s3": {"bucketName": "b2"}})
        );
        assert!(!changes[1].drift, "no record: drift is unknown");
        assert_eq!(
            changes[0]
                .changes
                .iter()
                .map(|f| f.field.as_str())
                .collect::<Vec<_>>(),
            ["destination", "name"]
        );
        let Op::Create(c) = &changes[2].op else {
            panic!()
        };
        assert_eq!(
            c.values.get(&crate::schema::Field::Destination),
            Some(&crate::schema::Value::Destination(Destination::S3 {
                bucket_name: "b".into()
            }))
        );
    }

    #[test]
    fn a_kept_configuration_that_failed_stops_the_plan() {
        let mut d = desired();
        d.logging_configurations.insert("a".into(), d_lc("a", "b"));
        let mut l = l_lc("FAILEDFAILED", "a", "b");
        l.state = LoggingConfigurationState::CreateFailed;
        let live = LiveState {
            logging_configurations: vec![l],
            rooms: vec![],
        };
        let owned = super::super::claims::owned(&d.stack, &live).unwrap();
        let err = check_usable(&d, &owned).unwrap_err();
        assert!(err.to_string().contains("CREATE_FAILED"), "{err}");
    }
}
