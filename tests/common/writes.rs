//! The write log of one command: its write calls (and the
//! GetLoggingConfiguration polls that wait for ACTIVE), redacted, one line
//! each, in a canonical order.
//!
//! Apply runs each resource change as one task (its calls in a fixed order:
//! the write, the wait for ACTIVE, UntagResource, TagResource) and
//! independent tasks concurrently. The contract fixes only some orders
//! between tasks (docs/usage.md, apply):
//!
//! - A. a room write that references a logging configuration created or
//!   updated by the same apply comes after that configuration's calls, which
//!   include a wait for ACTIVE (a GetLoggingConfiguration);
//! - B. a logging-configuration delete comes after every room delete and
//!   after every room update that detaches it.
//!
//! [`render`] checks both on the real order (panicking with the log when one
//! is broken), then prints the calls resource by resource (by label) in an
//! order that keeps each resource's own order and A and B, so that a
//! snapshot is the same on every run and still shows every contracted order.
//! Consecutive polls of one configuration print as one line (their number
//! depends on timing). A call answered with an error ends with `-> STATUS
//! CODE` (answers 2xx are not marked).

use super::context::WRITE_OPS;
use super::redact::{Labels, Redactor};
use ivsctl::emulator::log::RequestRecord;
use serde_json::{Map, Value};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// What the write log shows: the writes and the wait for ACTIVE.
pub const LOGGED_OPS: [&str; 9] = [
    WRITE_OPS[0],
    WRITE_OPS[1],
    WRITE_OPS[2],
    WRITE_OPS[3],
    WRITE_OPS[4],
    WRITE_OPS[5],
    WRITE_OPS[6],
    WRITE_OPS[7],
    "GetLoggingConfiguration",
];

/// One logged call, with its resource's label and its input without the
/// member naming the resource.
#[derive(Debug)]
struct Call {
    seq: u64,
    op: String,
    label: String,
    body: Map<String, Value>,
    outcome: String,
}

impl Call {
    fn line(&self) -> String {
        let body = if self.body.is_empty() {
            String::new()
        } else {
            format!(" {}", Value::Object(self.body.clone()))
        };
        format!("{} {}{body}{}", self.op, self.label, self.outcome)
    }

    /// The labels of the logging configurations a room write references.
    fn references(&self) -> Vec<String> {
        let list = self.body.get("loggingConfigurationIdentifiers");
        let list = list.and_then(Value::as_array).into_iter().flatten();
        list.filter_map(Value::as_str)
            .map(|s| s.trim_start_matches('[').trim_end_matches(']').to_string())
            .collect()
    }
}

/// See the module comment. `before`: each room's logging configurations
/// (labels) before the command.
pub fn render(
    records: &[RequestRecord],
    labels: &Labels,
    before: &BTreeMap<String, Vec<String>>,
) -> String {
    let redactor = Redactor::new(labels, &[]);
    let calls: Vec<Call> = records
        .iter()
        .filter(|r| LOGGED_OPS.contains(&r.operation.as_str()))
        .map(|r| call(r, labels, &redactor))
        .collect();
    if calls.is_empty() {
        return "none".to_string();
    }
    // Each resource's calls, in order.
    let mut chains: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in calls.iter().enumerate() {
        chains.entry(c.label.as_str()).or_default().push(i);
    }
    let has = |label: &str, ops: &[&str]| {
        chains
            .get(label)
            .is_some_and(|ch| ch.iter().any(|&i| ops.contains(&calls[i].op.as_str())))
    };
    let dump = || {
        let lines: Vec<String> = calls
            .iter()
            .map(|c| format!("{:>4} {}", c.seq, c.line()))
            .collect();
        lines.join("\n")
    };
    // (resource that must be finished, call that waits for it)
    let mut waits: Vec<(&str, usize)> = Vec::new();
    for (i, c) in calls.iter().enumerate() {
        if c.op == "CreateRoom" || c.op == "UpdateRoom" {
            for lc in c.references() {
                let lc_ops = ["CreateLoggingConfiguration", "UpdateLoggingConfiguration"];
                if has(&lc, &lc_ops) {
                    let polled = has(&lc, &["GetLoggingConfiguration"]);
                    assert!(polled, "A: no wait for {lc} to be ACTIVE\n{}", dump());
                    let lc = chains.get_key_value(lc.as_str()).unwrap().0;
                    waits.push((lc, i));
                }
            }
        }
        if c.op == "DeleteLoggingConfiguration" {
            for (room, chain) in &chains {
                let deleted = has(room, &["DeleteRoom"]);
                let detaches = chain.iter().any(|&j| {
                    calls[j].op == "UpdateRoom"
                        && calls[j]
                            .body
                            .contains_key("loggingConfigurationIdentifiers")
                        && before.get(*room).is_some_and(|l| l.contains(&c.label))
                });
                if deleted || detaches {
                    waits.push((room, i));
                }
            }
        }
    }
    for &(first, then) in &waits {
        let last = *chains[first].last().unwrap();
        assert!(
            calls[last].seq < calls[then].seq,
            "order: {} ran before {first} was finished\n{}",
            calls[then].line(),
            dump()
        );
    }
    // Nodes: the calls without repeated polls; edges: each resource's order,
    // then the waits.
    let mut node_of = vec![usize::MAX; calls.len()];
    let mut nodes: Vec<usize> = Vec::new();
    let mut rank: Vec<(String, usize)> = Vec::new();
    let mut edges: Vec<Vec<usize>> = Vec::new();
    let mut incoming: Vec<usize> = Vec::new();
    for (label, chain) in &chains {
        let mut prev: Option<usize> = None;
        for &i in chain {
            let repeat_poll = calls[i].op == "GetLoggingConfiguration"
                && prev.is_some_and(|p| calls[nodes[p]].op == "GetLoggingConfiguration");
            if repeat_poll {
                node_of[i] = prev.unwrap();
                continue;
            }
            let n = nodes.len();
            nodes.push(i);
            rank.push((label.to_string(), n));
            edges.push(Vec::new());
            incoming.push(0);
            if let Some(p) = prev {
                edges[p].push(n);
                incoming[n] += 1;
            }
            node_of[i] = n;
            prev = Some(n);
        }
    }
    for &(first, then) in &waits {
        let from = node_of[*chains[first].last().unwrap()];
        edges[from].push(node_of[then]);
        incoming[node_of[then]] += 1;
    }
    let mut ready: BinaryHeap<Reverse<(String, usize)>> = (0..nodes.len())
        .filter(|&n| incoming[n] == 0)
        .map(|n| Reverse(rank[n].clone()))
        .collect();
    let mut lines = Vec::new();
    while let Some(Reverse((_, n))) = ready.pop() {
        lines.push(calls[nodes[n]].line());
        for &m in &edges[n] {
            incoming[m] -= 1;
            if incoming[m] == 0 {
                ready.push(Reverse(rank[m].clone()));
            }
        }
    }
    assert_eq!(lines.len(), nodes.len(), "a cycle in\n{}", dump());
    lines.join("\n")
}

fn call(r: &RequestRecord, labels: &Labels, redactor: &Redactor) -> Call {
    let mut body = r.input.as_object().cloned().unwrap_or_default();
    let target = body
        .remove("identifier")
        .or_else(|| body.remove("resourceArn"));
    let label = match (target, r.operation.as_str()) {
        (Some(arn), _) => labels.bare(arn.as_str().unwrap_or_default()),
        (None, op) => {
            let tags = body.get("tags").cloned().unwrap_or(Value::Null);
            let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
            let kind = if op == "CreateRoom" { "room" } else { "lc" };
            labels.address(kind, &tags, name)
        }
    };
    let mut body = match redactor.redact_json(&Value::Object(body)) {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    for set in ["loggingConfigurationIdentifiers", "tagKeys"] {
        if let Some(Value::Array(a)) = body.get_mut(set) {
            a.sort_by_key(|v| v.to_string());
        }
    }
    let outcome = match (r.status, &r.error) {
        (200..=299, _) => String::new(),
        (s, e) => format!(" -> {s} {}", e.as_deref().unwrap_or("")),
    };
    Call {
        seq: r.seq,
        op: r.operation.clone(),
        label,
        body,
        outcome,
    }
}
