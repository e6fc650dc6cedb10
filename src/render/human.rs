//! The human plan, Terraform-like:
//!
//! ```text
//! ivsctl plan for stack prod-chat in us-west-2
//!
//!   # rooms.lobby will be updated in place
//!   ~ rooms.lobby (arn:aws:ivschat:us-west-2:123456789012:room/AbCdEfGhIjKl)
//!       ~ maximumMessageRatePerSecond = 50 -> 10
//!
//! Plan: 0 to add, 1 to change, 0 to destroy.
//! ```
//!
//! The last line is always the `Plan:` line, and it is never coloured, so
//! scripts can read it with `tail -n 1` whatever the options.

use super::lines::{blocks, Sign};
use super::value::bare;
use super::{summary_text, RenderOptions};
use crate::plan::Plan;
use std::io::{self, Write};

pub(super) fn render(plans: &[Plan], opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    match plans {
        [plan] => section(plan, opts, "Plan:", out),
        _ => {
            // A section per stack, each ending with its own summary line, then
            // the totals as the one `Plan:` line, last.
            for plan in plans {
                section(plan, opts, &format!("Stack {}:", bare(&plan.stack)), out)?;
                writeln!(out)?;
            }
            writeln!(out, "Plan: {}", summary_text(super::total(plans)))
        }
    }
}

/// One stack's plan, ending with `<last> X to add, Y to change, Z to destroy.`
fn section(plan: &Plan, opts: &RenderOptions, last: &str, out: &mut dyn Write) -> io::Result<()> {
    let style = Style { color: opts.color };
    let stack = bare(&plan.stack);
    writeln!(
        out,
        "ivsctl plan for stack {} in {}",
        style.bold(&stack),
        style.bold(&bare(&plan.region))
    )?;
    writeln!(out)?;

    let blocks = blocks(plan);
    if blocks.is_empty() {
        if opts.destroy {
            writeln!(
                out,
                "Nothing to destroy: stack {stack} owns no resources in {}.",
                bare(&plan.region)
            )?;
        } else {
            writeln!(
                out,
                "No changes. The live resources of stack {stack} match the manifest."
            )?;
        }
        writeln!(out)?;
    }
    for b in &blocks {
        for c in &b.comments {
            writeln!(out, "  {}", style.dim(&format!("# {c}")))?;
        }
        let arn = b
            .arn
            .as_ref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {} {}{arn}",
            style.sign(b.sign),
            style.bold(&b.address)
        )?;
        for f in &b.fields {
            let drift = if f.drift {
                format!("  {}", style.dim("# drift"))
            } else {
                String::new()
            };
            writeln!(
                out,
                "      {} {} = {}{drift}",
                style.sign(f.sign),
                f.label,
                f.value
            )?;
        }
        writeln!(out)?;
    }

    if let Some(note) = super::without_record_note(plan) {
        writeln!(out, "{}", style.dim(&note))?;
        writeln!(out)?;
    }
    for w in &plan.warnings {
        writeln!(out, "{} {}", style.warning("Warning:"), bare(w))?;
        writeln!(out)?;
    }
    let blocked = plan.blocked().count();
    if blocked > 0 {
        writeln!(
            out,
            "{} apply will refuse this plan: {blocked} delete(s) blocked (see above).",
            style.error("Error:")
        )?;
        writeln!(out)?;
    }
    writeln!(out, "{last} {}", summary_text(plan.summary()))
}

/// ANSI styling, or none. Escapes are written by hand: five SGR codes do not
/// need a crate.
struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn sign(&self, sign: Sign) -> String {
        let code = match sign {
            Sign::Add => "32",
            Sign::Change => "33",
            Sign::Remove => "31",
        };
        self.paint(code, &sign.symbol().to_string())
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    fn error(&self, text: &str) -> String {
        self.paint("1;31", text)
    }

    fn warning(&self, text: &str) -> String {
        self.paint("1;33", text)
    }
}
