//! Planner unit tests on plain data, across phases: every field and
//! transition (`fields`), and the lifecycle of resources (`lifecycle`).

use super::*;

mod adoption;
mod fields;
mod lifecycle;

use crate::model::*;
use crate::plan::{Action, Op, Plan, ResourceChange};

pub(super) fn d_lc(name: &str) -> DesiredLoggingConfiguration {
    crate::fixtures::d_lc(name, "chat-logs")
}

pub(super) fn l_lc(id: &str, key: &str) -> LiveLoggingConfiguration {
    crate::fixtures::l_lc(id, key, "chat-logs")
}

pub(super) fn run(d: &DesiredStack, l: &LiveState) -> Plan {
    plan(d, l, "us-west-2").expect("plan")
}

pub(super) fn only(p: &Plan) -> &ResourceChange {
    let changed: Vec<&ResourceChange> = p
        .resource_changes
        .iter()
        .filter(|c| c.action() != Action::NoOp)
        .collect();
    assert_eq!(changed.len(), 1, "{:#?}", p.resource_changes);
    changed[0]
}

pub(super) fn fields(c: &ResourceChange) -> Vec<&str> {
    c.changes.iter().map(|f| f.field.as_str()).collect()
}

/// The tags a change sets (all of a create's), but the applied record.
pub(super) fn set_tags(c: &ResourceChange) -> Tags {
    let mut tags = match &c.op {
        Op::Create(create) => create.tags.clone(),
        Op::Update(u) => u.tag.clone(),
        _ => Tags::new(),
    };
    tags.remove(crate::record::TAG_APPLIED);
    tags
}

pub(super) fn removed_tags(c: &ResourceChange) -> Vec<String> {
    match &c.op {
        Op::Update(u) => u.untag.clone(),
        _ => vec![],
    }
}

/// The fields an update sends.
pub(super) fn sent(c: &ResourceChange) -> &crate::schema::Values {
    let Op::Update(u) = &c.op else {
        panic!("an update: {:?}", c.op)
    };
    &u.values
}
