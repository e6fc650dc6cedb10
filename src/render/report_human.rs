//! The human apply report, after the plan:
//!
//! ```text
//!
//!   ✓ loggingConfigurations.archive: created (0.41 s)
//!   ✗ rooms.lobby: update failed: UpdateRoom failed: ...
//!   - rooms.hall: create skipped: depends on ...
//!
//! Apply failed: 1 done, 1 failed, 1 skipped. Run apply again to retry: it re-reads the account and converges.
//! ```
//!
//! The symbols are the same with or without colour (colour only paints them
//! green, red or yellow), and the headline, never coloured, is always the
//! last line, so `tail -n 1` reads it.

use super::report::{duration, headline, Row};
use super::value::bare;
use super::RenderOptions;
use crate::apply::{ApplyReport, Outcome};
use std::io::{self, Write};

pub(super) fn render(
    rows: &[Row<'_>],
    report: &ApplyReport,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out)?;
    if !rows.is_empty() {
        for r in rows {
            writeln!(out, "  {}", line(r, opts))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", headline(rows, report, opts))
}

/// `✓ rooms.lobby: created (0.41 s)`, `✗ rooms.lobby: update failed: ERROR`
/// or `- rooms.hall: create skipped: REASON`.
fn line(r: &Row<'_>, opts: &RenderOptions) -> String {
    let e = r.entry;
    let address = bare(&r.label);
    let action = e.action.as_str();
    match &e.outcome {
        Outcome::Done => format!(
            "{} {address}: {} ({})",
            paint(opts, "32", "✓"),
            r.past(),
            duration(e.duration_ms)
        ),
        Outcome::Failed { error } => format!(
            "{} {address}: {action} failed: {}",
            paint(opts, "31", "✗"),
            bare(error)
        ),
        Outcome::Skipped { reason } => format!(
            "{} {address}: {action} skipped: {}",
            paint(opts, "33", "-"),
            bare(reason)
        ),
    }
}

fn paint(opts: &RenderOptions, code: &str, text: &str) -> String {
    if opts.color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}
