//! `apply --format json`: the only thing apply prints on stdout, so one
//! complete document holding the plan and what became of it:
//!
//! ```json
//! {"format_version": "1", "stack": ..., "region": ...,
//!  "plan": <the plan document, exactly as `plan --format json` prints it>,
//!  "summary": {"done": 1, "failed": 1, "skipped": 1},
//!  "results": [{"address", "type", "action", "arn", "status",
//!               "error" (failed only) | "reason" (skipped only), "duration_ms"}]}
//! ```
//!
//! Views again (see `json`): the keys are exactly the documented ones, in
//! this order, whatever `ApplyReport`'s own serialisation becomes.

use super::json::{document, run_document, write_document, JsonPlan, JsonRun};
use super::report::{totals, Row};
use crate::apply::Outcome;
use crate::plan::{Plan, FORMAT_VERSION};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct JsonReport<'a> {
    format_version: &'static str,
    stack: &'a str,
    region: &'a str,
    plan: JsonPlan<'a>,
    summary: JsonSummary,
    results: Vec<JsonResult<'a>>,
}

/// Several stacks: the plan is the multi-stack plan document; each result
/// names its stack.
#[derive(Serialize)]
struct JsonRunReport<'a> {
    format_version: &'static str,
    plan: JsonRun<'a>,
    summary: JsonSummary,
    results: Vec<JsonResult<'a>>,
}

#[derive(Serialize)]
struct JsonSummary {
    done: usize,
    failed: usize,
    skipped: usize,
}

#[derive(Serialize)]
struct JsonResult<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    stack: Option<&'a str>,
    address: String,
    #[serde(rename = "type")]
    resource_type: &'a str,
    action: &'static str,
    arn: Option<&'a str>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    duration_ms: u64,
}

pub(super) fn render(plans: &[Plan], rows: &[Row<'_>], out: &mut dyn Write) -> io::Result<()> {
    let t = totals(rows);
    let summary = JsonSummary {
        done: t.done,
        failed: t.failed,
        skipped: t.skipped,
    };
    match plans {
        [plan] => write_document(
            &JsonReport {
                format_version: FORMAT_VERSION,
                stack: &plan.stack,
                region: &plan.region,
                plan: document(plan),
                summary,
                results: rows.iter().map(|r| result(r, false)).collect(),
            },
            out,
        ),
        _ => write_document(
            &JsonRunReport {
                format_version: FORMAT_VERSION,
                plan: run_document(plans),
                summary,
                results: rows.iter().map(|r| result(r, true)).collect(),
            },
            out,
        ),
    }
}

fn result<'a>(r: &Row<'a>, several: bool) -> JsonResult<'a> {
    let e = r.entry;
    let (status, error, reason) = match &e.outcome {
        Outcome::Done => ("done", None, None),
        Outcome::Failed { error } => ("failed", Some(error.as_str()), None),
        Outcome::Skipped { reason } => ("skipped", None, Some(reason.as_str())),
    };
    JsonResult {
        stack: several.then_some(e.stack.as_str()),
        address: e.address.to_string(),
        resource_type: r.resource_type,
        action: e.action.as_str(),
        arn: e.arn.as_deref(),
        status,
        error,
        reason,
        duration_ms: e.duration_ms,
    }
}
