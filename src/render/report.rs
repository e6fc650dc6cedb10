//! Apply report -> text: what apply did, change by change (docs/usage.md,
//! "Apply"; docs/plan-format.md, "Apply report").
//!
//! The caller's contract, per format:
//! - `human` and `markdown`: the plan was rendered (`render_plan`) before
//!   applying, so the report follows it and does not repeat it;
//! - `json`: nothing else is printed on stdout, so the report is one complete
//!   document that embeds the plan document as `plan`.
//!
//! Invariants (as for the plan renderers):
//! - rows come in plan order, whatever order the report has;
//! - the human output always ends with exactly one headline, never coloured:
//!   `Apply complete! ...` when every entry is done, `Apply failed: ...`
//!   otherwise (which is when apply exits 1);
//! - errors and reasons (which quote the API, and so text from the account)
//!   are shown with control characters spelled out, on one line.

use super::{report_human, report_json, report_markdown, Format, RenderOptions};
use crate::apply::{ApplyReport, Outcome, ReportEntry};
use crate::plan::{Action, Plan};
use std::io::{self, Write};

pub(super) fn render(
    plans: &[Plan],
    report: &ApplyReport,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rows = rows(plans, report);
    match format {
        Format::Human => report_human::render(&rows, report, opts, out),
        Format::Json => report_json::render(plans, &rows, out),
        Format::Markdown => report_markdown::render(plans, &rows, report, opts, out),
    }
}

/// One report entry, with what the plan knows of its resource.
pub(super) struct Row<'a> {
    pub entry: &'a ReportEntry,
    /// `room` or `loggingConfiguration`.
    pub resource_type: &'static str,
    /// How the entry is named: its address, or `STACK/ADDRESS` when the run
    /// has several stacks.
    pub label: String,
}

impl Row<'_> {
    /// `created`, `updated` or `destroyed`: what a done entry did.
    pub fn past(&self) -> &'static str {
        match self.entry.action {
            Action::Create => "created",
            Action::Update => "updated",
            Action::Delete => "destroyed",
            Action::NoOp => "unchanged",
        }
    }
}

/// The entries in plan order, stack by stack (an entry no plan knows, which
/// apply never makes, goes last, in report order).
fn rows<'a>(plans: &'a [Plan], report: &'a ApplyReport) -> Vec<Row<'a>> {
    let several = plans.len() > 1;
    let mut rows: Vec<((usize, usize), Row<'a>)> = report
        .entries
        .iter()
        .map(|entry| {
            let label = if several {
                format!("{}/{}", entry.stack, entry.address)
            } else {
                entry.address.to_string()
            };
            let change = plans.iter().enumerate().find_map(|(p, plan)| {
                (plan.stack == entry.stack)
                    .then(|| {
                        plan.resource_changes
                            .iter()
                            .enumerate()
                            .find(|(_, c)| c.address == entry.address)
                            .map(|(i, c)| ((p, i), c))
                    })
                    .flatten()
            });
            match change {
                Some((at, c)) => (
                    at,
                    Row {
                        entry,
                        resource_type: c.resource_type().as_str(),
                        label,
                    },
                ),
                None => (
                    (usize::MAX, usize::MAX),
                    Row {
                        entry,
                        resource_type: entry.address.resource_type.as_str(),
                        label,
                    },
                ),
            }
        })
        .collect();
    rows.sort_by_key(|(i, _)| *i);
    rows.into_iter().map(|(_, r)| r).collect()
}

/// The report's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Totals {
    pub done: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Done entries, by action.
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
}

pub(super) fn totals(rows: &[Row<'_>]) -> Totals {
    let mut t = Totals::default();
    for r in rows {
        match &r.entry.outcome {
            Outcome::Done => {
                t.done += 1;
                match r.entry.action {
                    Action::Create => t.added += 1,
                    Action::Update => t.changed += 1,
                    Action::Delete => t.destroyed += 1,
                    Action::NoOp => {}
                }
            }
            Outcome::Failed { .. } => t.failed += 1,
            Outcome::Skipped { .. } => t.skipped += 1,
        }
    }
    t
}

/// The last line of the human report (and the bold line of the markdown
/// one). Success is `ApplyReport::succeeded`, the caller's exit status.
pub(super) fn headline(rows: &[Row<'_>], report: &ApplyReport, opts: &RenderOptions) -> String {
    let t = totals(rows);
    if opts.destroy {
        return if report.succeeded() {
            format!("Destroy complete! Resources: {} destroyed.", t.destroyed)
        } else {
            format!(
                "Destroy failed: {} destroyed, {} failed, {} skipped. \
                 Run destroy again to retry: it re-reads the account.",
                t.done, t.failed, t.skipped
            )
        };
    }
    if report.succeeded() {
        format!(
            "Apply complete! Resources: {} added, {} changed, {} destroyed.",
            t.added, t.changed, t.destroyed
        )
    } else {
        format!(
            "Apply failed: {} done, {} failed, {} skipped. \
             Run apply again to retry: it re-reads the account and converges.",
            t.done, t.failed, t.skipped
        )
    }
}

/// `0.41 s` (hundredths, rounded half up); from one minute on, `1 m 05 s`
/// (seconds, rounded half up).
pub(super) fn duration(ms: u64) -> String {
    let centis = ms / 10 + u64::from(ms % 10 >= 5);
    if centis < 6000 {
        format!("{}.{:02} s", centis / 100, centis % 100)
    } else {
        let secs = ms / 1000 + u64::from(ms % 1000 >= 500);
        format!("{} m {:02} s", secs / 60, secs % 60)
    }
}
