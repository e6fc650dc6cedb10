//! `apply --format markdown`: the report for a CI job summary or a
//! pull-request comment, after the markdown plan.
//!
//! A heading, the headline in bold, then (when apply ran anything) a table
//! with one row per entry. Errors and reasons are code spans, so markdown in
//! an error message stays text, with control characters spelled out and
//! `|` escaped for the table. Never coloured.

use super::markdown::{cell, code};
use super::report::{duration, headline, Row};
use super::value::bare;
use super::RenderOptions;
use crate::apply::{ApplyReport, Outcome};
use crate::plan::Plan;
use std::io::{self, Write};

pub(super) fn render(
    plans: &[Plan],
    rows: &[Row<'_>],
    report: &ApplyReport,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let command = if opts.destroy { "destroy" } else { "apply" };
    match plans {
        [plan] => writeln!(
            out,
            "### ivsctl {command} — stack {} ({})",
            code(&bare(&plan.stack)),
            bare(&plan.region)
        )?,
        _ => writeln!(out, "### ivsctl {command} — {} stacks", plans.len())?,
    }
    writeln!(out)?;
    writeln!(out, "**{}**", headline(rows, report, opts))?;
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "| | Resource | Action | Result | Time |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for r in rows {
        writeln!(out, "{}", row(r))?;
    }
    Ok(())
}

fn row(r: &Row<'_>) -> String {
    let e = r.entry;
    let (symbol, result, time) = match &e.outcome {
        Outcome::Done => ("✅", r.past().to_string(), duration(e.duration_ms)),
        Outcome::Failed { error } => (
            "❌",
            format!("**failed**: {}", code(&bare(error))),
            duration(e.duration_ms),
        ),
        Outcome::Skipped { reason } => (
            "⏭️",
            format!("skipped: {}", code(&bare(reason))),
            "—".to_string(),
        ),
    };
    format!(
        "| {symbol} | {} | {} | {} | {time} |",
        cell(&code(&bare(&r.label))),
        e.action.as_str(),
        cell(&result)
    )
}
