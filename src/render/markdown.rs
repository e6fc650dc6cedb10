//! `--format markdown`: a plan for a pull-request comment or a CI job
//! summary (GitHub-flavoured markdown).
//!
//! A heading, the Plan line, a table with one row per changed resource, then
//! a collapsed `<details>` block with one ```diff block per resource holding
//! the human format's lines with the sign moved to the first column, which
//! is where diff highlighting looks for `+` and `-`. Never coloured.
//!
//! Every stack's section ends with a blank line, so that what follows it (the
//! next stack, the apply report, text a CI step appends) starts a block of
//! its own: CommonMark ends an HTML block such as `</details>` only at a blank
//! line, and a heading written right after it would stay raw HTML.

use super::lines::{blocks, Block};
use super::summary_text;
use super::value::bare;
use super::RenderOptions;
use crate::plan::{Action, Plan, ResourceChange};
use std::io::{self, Write};

pub(super) fn render(plans: &[Plan], opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    match plans {
        [plan] => section(plan, opts, out),
        _ => {
            writeln!(out, "## ivsctl plan — {} stacks", plans.len())?;
            writeln!(out)?;
            writeln!(out, "**Plan:** {}", summary_text(super::total(plans)))?;
            writeln!(out)?;
            writeln!(out, "| Stack | Region | Add | Change | Destroy |")?;
            writeln!(out, "|---|---|---|---|---|")?;
            for p in plans {
                let s = p.summary();
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    cell(&code(&bare(&p.stack))),
                    cell(&bare(&p.region)),
                    s.add,
                    s.change,
                    s.destroy
                )?;
            }
            writeln!(out)?;
            for p in plans {
                section(p, opts, out)?;
            }
            Ok(())
        }
    }
}

/// One stack's plan, ending with a blank line.
fn section(plan: &Plan, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "### ivsctl plan — stack {} ({})",
        code(&bare(&plan.stack)),
        bare(&plan.region)
    )?;
    writeln!(out)?;
    let summary = format!("**Plan:** {}", summary_text(plan.summary()));
    if !plan.has_changes() {
        if opts.destroy {
            writeln!(out, "Nothing to destroy: the stack owns no resources.")?;
        } else {
            writeln!(out, "No changes.")?;
        }
        writeln!(out)?;
        writeln!(out, "{summary}")?;
        return writeln!(out);
    }
    writeln!(out, "{summary}")?;
    writeln!(out)?;
    if let Some(note) = super::without_record_note(plan) {
        writeln!(out, "> {}", bare(&note))?;
        writeln!(out)?;
    }
    for w in &plan.warnings {
        writeln!(out, "> ⚠️ **Warning:** {}", bare(w))?;
        writeln!(out)?;
    }
    let blocked = plan.blocked().count();
    if blocked > 0 {
        writeln!(
            out,
            "> ⛔ **apply will refuse this plan:** {blocked} delete(s) blocked (see Details)."
        )?;
        writeln!(out)?;
    }

    writeln!(out, "| | Resource | Action | Changed fields |")?;
    writeln!(out, "|---|---|---|---|")?;
    for c in plan
        .resource_changes
        .iter()
        .filter(|c| c.action() != Action::NoOp)
    {
        writeln!(out, "{}", row(c))?;
    }
    writeln!(out)?;

    writeln!(out, "<details><summary>Details</summary>")?;
    for b in blocks(plan) {
        writeln!(out)?;
        diff_block(&b, out)?;
    }
    writeln!(out)?;
    writeln!(out, "</details>")?;
    writeln!(out)
}

fn row(c: &ResourceChange) -> String {
    let (symbol, mut action) = match c.action() {
        Action::Create => ("➕", "create".to_string()),
        Action::Update => ("🔄", "update".to_string()),
        Action::Delete | Action::NoOp => ("➖", "delete".to_string()),
    };
    if c.action() == Action::Update && c.drift {
        action.push_str(" ⚠️ drift");
    }
    if c.blocked.is_some() {
        action.push_str(" ⛔ blocked");
    }
    // A create or delete concerns every field: the action says it all, and
    // the details show the values.
    let fields = match c.action() {
        Action::Update => c
            .changes
            .iter()
            .map(|f| code(&bare(&f.field)))
            .collect::<Vec<_>>()
            .join(", "),
        _ => "—".to_string(),
    };
    format!(
        "| {symbol} | {} | {} | {} |",
        cell(&code(&bare(&c.address.to_string()))),
        cell(&action),
        cell(&fields)
    )
}

/// One resource's lines in a ```diff block.
fn diff_block(b: &Block, out: &mut dyn Write) -> io::Result<()> {
    let mut lines: Vec<String> = b.comments.iter().map(|c| format!("# {c}")).collect();
    let arn = b
        .arn
        .as_ref()
        .map(|a| format!(" ({a})"))
        .unwrap_or_default();
    lines.push(format!("{} {}{arn}", b.sign.symbol(), b.address));
    for f in &b.fields {
        let drift = if f.drift { "  # drift" } else { "" };
        lines.push(format!(
            "{}     {} = {}{drift}",
            f.sign.symbol(),
            f.label,
            f.value
        ));
    }
    let fence = fence_for(&lines);
    writeln!(out, "{fence}diff")?;
    for l in &lines {
        writeln!(out, "{l}")?;
    }
    writeln!(out, "{fence}")
}

/// A code fence longer than any run of backticks inside the block.
fn fence_for(lines: &[String]) -> String {
    let longest = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// Inline code that survives backticks in its text: delimited by a run of
/// backticks longer than any inside, and padded with spaces when the text has
/// backticks (CommonMark strips one space on each side).
pub(super) fn code(s: &str) -> String {
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    if longest == 0 {
        format!("`{s}`")
    } else {
        let fence = "`".repeat(longest + 1);
        format!("{fence} {s} {fence}")
    }
}

/// A table cell: `|` escaped (GFM honours `\|` even inside code spans), and
/// no line breaks.
pub(super) fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}
