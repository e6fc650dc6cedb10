//! `--format json`: one pretty-printed JSON document (docs/plan-format.md, "JSON").
//!
//! Built from borrowed views of the plan rather than the `Plan` itself, for
//! two reasons: the members of this public format are exactly the documented
//! ones (the saved plan's `write`, `tags` and `observed` are internals that
//! may change without a format version bump), and struct field order fixes
//! the key order of the output. Every nested object is a view too, so a change
//! to the saved-plan types cannot silently change this format.

use crate::plan::{Adoption, Blocked, FieldChange, Plan, Summary, FORMAT_VERSION};
use serde::Serialize;
use serde_json::Value;
use std::io::{self, Write};

/// The plan document. `apply --format json` embeds it whole, as `plan`.
#[derive(Serialize)]
pub(super) struct JsonPlan<'a> {
    format_version: &'static str,
    stack: &'a str,
    region: &'a str,
    summary: JsonSummary,
    resource_changes: Vec<JsonChange<'a>>,
    /// Kept resources without a valid applied record (read in full; apply
    /// writes their records).
    without_record: Vec<String>,
    warnings: &'a [String],
}

/// Several stacks: the totals, then each stack's plan document.
#[derive(Serialize)]
pub(super) struct JsonRun<'a> {
    format_version: &'static str,
    summary: JsonSummary,
    stacks: Vec<JsonPlan<'a>>,
}

#[derive(Serialize)]
struct JsonSummary {
    add: usize,
    change: usize,
    destroy: usize,
    /// Of the changes, how many import or move a resource in.
    import: usize,
    #[serde(rename = "move")]
    moves: usize,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    address: String,
    #[serde(rename = "type")]
    resource_type: &'static str,
    key: &'a str,
    action: &'static str,
    arn: Option<&'a str>,
    changes: Vec<JsonField<'a>>,
    drift: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    blocked: Option<JsonBlocked<'a>>,
    /// The ARN this change imports.
    #[serde(skip_serializing_if = "Option::is_none")]
    import: Option<&'a str>,
    /// `STACK/ADDRESS` this change moves the resource from.
    #[serde(skip_serializing_if = "Option::is_none")]
    moved_from: Option<String>,
}

#[derive(Serialize)]
struct JsonField<'a> {
    field: &'a str,
    before: &'a Value,
    after: &'a Value,
    drift: bool,
}

#[derive(Serialize)]
struct JsonBlocked<'a> {
    reason: &'a str,
    unblock: &'a str,
}

pub(super) fn render(plans: &[Plan], out: &mut dyn Write) -> io::Result<()> {
    match plans {
        [plan] => write_document(&document(plan), out),
        _ => write_document(&run_document(plans), out),
    }
}

/// The document of several stacks' plans.
pub(super) fn run_document(plans: &[Plan]) -> JsonRun<'_> {
    let total = super::total(plans);
    JsonRun {
        format_version: FORMAT_VERSION,
        summary: summary(total),
        stacks: plans.iter().map(document).collect(),
    }
}

/// `plan`'s JSON document, to write or to embed.
pub(super) fn document(plan: &Plan) -> JsonPlan<'_> {
    JsonPlan {
        format_version: FORMAT_VERSION,
        stack: &plan.stack,
        region: &plan.region,
        summary: summary(plan.summary()),
        resource_changes: plan
            .resource_changes
            .iter()
            .map(|c| JsonChange {
                address: c.address.to_string(),
                resource_type: c.resource_type().as_str(),
                key: &c.address.key,
                action: c.action().as_str(),
                arn: c.arn(),
                changes: c.changes.iter().map(field).collect(),
                drift: c.drift,
                blocked: c.blocked.as_ref().map(blocked),
                import: match &c.adoption {
                    Some(Adoption::Import { arn }) => Some(arn.as_str()),
                    _ => None,
                },
                moved_from: match &c.adoption {
                    Some(Adoption::Move { from }) if from.stack == plan.stack => {
                        Some(from.address.to_string())
                    }
                    Some(Adoption::Move { from }) => Some(from.to_string()),
                    _ => None,
                },
            })
            .collect(),
        without_record: plan.without_record.iter().map(|a| a.to_string()).collect(),
        warnings: &plan.warnings,
    }
}

/// Writes one pretty-printed document and a newline. serde_json escapes
/// the C0 controls (ESC included); DEL and the C1 controls (U+0080..U+009F,
/// where U+009B is a one-character CSI for some terminals) are escaped here
/// too, so `cat` of the output is as safe as the human format. They can only
/// occur inside strings, where `\u00XX` is the same character to any parser.
pub(super) fn write_document(doc: &impl Serialize, out: &mut dyn Write) -> io::Result<()> {
    let text = serde_json::to_string_pretty(doc)?;
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c >= '\u{7f}' {
            escaped.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            escaped.push(c);
        }
    }
    writeln!(out, "{escaped}")
}

fn field(f: &FieldChange) -> JsonField<'_> {
    JsonField {
        field: &f.field,
        before: &f.before,
        after: &f.after,
        drift: f.drift,
    }
}

fn blocked(b: &Blocked) -> JsonBlocked<'_> {
    JsonBlocked {
        reason: &b.reason,
        unblock: &b.unblock,
    }
}

fn summary(s: Summary) -> JsonSummary {
    JsonSummary {
        add: s.add,
        change: s.change,
        destroy: s.destroy,
        import: s.import,
        moves: s.moves,
    }
}
