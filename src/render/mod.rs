//! Plan -> text: `human` for a terminal, `json` for programs, `markdown` for
//! a pull-request comment or a CI job summary (docs/plan-format.md describes
//! all three for users). Apply report -> text likewise (`render_report`,
//! in `report*`). `ivsctl output`'s resource identifiers -> a table or JSON
//! (`outputs.rs`).
//!
//! Invariants:
//! - Every renderer writes into the `dyn Write` it is given and nowhere else:
//!   no printing, no clock, no environment. The same plan gives the same bytes.
//! - The human output always ends with exactly one line
//!   `Plan: X to add, Y to change, Z to destroy.` (a documented contract);
//!   the human apply report with exactly one `Apply complete! ...` or
//!   `Apply failed: ...` line.
//! - The JSON document has exactly the keys docs/plan-format.md lists; the
//!   saved-plan internals (`write`, `tags`, `observed`) never appear in it.
//! - Text that comes from the account (tag values, names, ARNs) cannot inject
//!   terminal escapes: control characters are always shown escaped, and ANSI
//!   colour appears only when `RenderOptions::color` is true.
//!
//! The human and markdown formats share one model of a resource's lines
//! (`lines`) and one way of showing values (`value`), so the diff in a pull
//! request reads exactly like the plan in a terminal.

pub mod errors;
mod human;
mod json;
mod lines;
mod markdown;
mod outputs;
mod report;
mod report_human;
mod report_json;
mod report_markdown;
mod value;

#[cfg(test)]
mod tests;

pub use outputs::{render_outputs, Ids, StackOutputs, OUTPUTS_FORMAT_VERSION};

use crate::apply::ApplyReport;
use crate::plan::{Plan, Summary};
use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

/// The output formats of `plan` / `apply` (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Terraform-like text.
    #[default]
    Human,
    /// One JSON document (see docs/plan-format.md).
    Json,
    /// A summary table and details for a pull-request comment.
    Markdown,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 3] = [Format::Human, Format::Json, Format::Markdown];

    /// The `--format` value: `human`, `json` or `markdown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Markdown => "markdown",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown `--format` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}`: expected human, json or markdown")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// How to render. The caller decides colour (terminal, `--no-color`,
/// `NO_COLOR`); renderers never look at the environment themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RenderOptions {
    /// ANSI colour in the human format. JSON and markdown never colour.
    pub color: bool,
    /// The plans are `destroy`'s: the texts speak of destroying ("Nothing
    /// to destroy", "Destroy complete!").
    pub destroy: bool,
}

/// Writes `plan` in `format` into `out`.
pub fn render_plan(
    plan: &Plan,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    render_plans(std::slice::from_ref(plan), format, opts, out)
}

/// Writes the plans of a run (one per stack) in `format` into `out`: one
/// stack as `render_plan` does; several with a section per stack and the
/// totals (docs/plan-format.md, "Several stacks").
pub fn render_plans(
    plans: &[Plan],
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(plans, opts, out),
        Format::Json => json::render(plans, out),
        Format::Markdown => markdown::render(plans, opts, out),
    }
}

/// The totals of several plans.
pub(crate) fn total(plans: &[Plan]) -> Summary {
    plans
        .iter()
        .map(Plan::summary)
        .fold(Summary::default(), |a, b| a + b)
}

/// Writes apply's `report` on `plan` in `format` into `out`.
///
/// `human` and `markdown` follow the plan the caller rendered before
/// applying, and do not repeat it; the human report ends with exactly one
/// line, `Apply complete! Resources: X added, Y changed, Z destroyed.` or
/// `Apply failed: N done, M failed, K skipped. ...`. `json` is the only
/// document on stdout, so it embeds the plan document (as `plan`) next to
/// `summary` and `results`. docs/plan-format.md, "Apply report", describes
/// all three.
pub fn render_report(
    plan: &Plan,
    report: &ApplyReport,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    report::render(std::slice::from_ref(plan), report, format, opts, out)
}

/// Writes apply's `report` on the plans of a run (see `render_plans`).
pub fn render_reports(
    plans: &[Plan],
    report: &ApplyReport,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    report::render(plans, report, format, opts, out)
}

/// A note on kept resources without an applied record, or `None`.
fn without_record_note(plan: &Plan) -> Option<String> {
    let n = plan.without_record.len();
    (n > 0).then(|| {
        format!(
            "Note: {n} resource{} {} no applied record (created by an earlier ivsctl, \
             imported, or the record was removed): read in full, and this apply writes {}.",
            if n == 1 { "" } else { "s" },
            if n == 1 { "has" } else { "have" },
            if n == 1 {
                "its record"
            } else {
                "their records"
            },
        )
    })
}

/// `1 to add, 1 to change, 2 to destroy.` (after `Plan: ` or `**Plan:** `).
fn summary_text(s: Summary) -> String {
    format!(
        "{} to add, {} to change, {} to destroy.",
        s.add, s.change, s.destroy
    )
}
