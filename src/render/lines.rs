//! The lines that show one resource change, shared by the human format and
//! the markdown format's diff blocks (which only lay them out differently).
//!
//! Rules (docs/plan-format.md, "Human format"):
//! - no-op resources are not shown;
//! - a create shows every field, an update the changed ones, a delete only
//!   its header (the fields would all read `- x`, which says nothing more);
//! - field names are aligned within a resource, attribute fields and
//!   `tags.KEY` fields each as their own group (as in the product's example);
//! - each line whose change corrects an out-of-band edit (the live value is
//!   not what ivsctl last applied) carries `# drift`, tags included.

use super::value::{bare, field_value, ArnNames};
use crate::model::ResourceType;
use crate::plan::{Action, Adoption, FieldChange, Plan, ResourceChange};
use serde_json::Value;

/// `+`, `~` or `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sign {
    Add,
    Change,
    Remove,
}

impl Sign {
    pub(super) fn symbol(self) -> char {
        match self {
            Sign::Add => '+',
            Sign::Change => '~',
            Sign::Remove => '-',
        }
    }
}

/// One changed resource, ready to lay out. All text is already escaped.
#[derive(Debug)]
pub(super) struct Block {
    /// Comment lines, without the leading `# `.
    pub comments: Vec<String>,
    pub sign: Sign,
    pub address: String,
    pub arn: Option<String>,
    pub fields: Vec<FieldLine>,
}

/// `<sign> <label> = <value>`, with `label` padded to its group's width.
#[derive(Debug)]
pub(super) struct FieldLine {
    pub sign: Sign,
    pub label: String,
    pub value: String,
    pub drift: bool,
}

/// The blocks of every resource that changes, in plan order.
pub(super) fn blocks(plan: &Plan) -> Vec<Block> {
    let names = arn_names(plan);
    plan.resource_changes
        .iter()
        .filter(|c| c.action() != Action::NoOp)
        .map(|c| block(c, &names))
        .collect()
}

/// Logging-configuration ARNs the plan knows, by address.
fn arn_names(plan: &Plan) -> ArnNames<'_> {
    plan.resource_changes
        .iter()
        .filter(|c| c.resource_type() == ResourceType::LoggingConfiguration)
        .filter_map(|c| Some((c.arn()?, c.address.to_string())))
        .collect()
}

fn block(c: &ResourceChange, names: &ArnNames<'_>) -> Block {
    let address = bare(&c.address.to_string());
    let (sign, verb) = match c.action() {
        Action::Create => (Sign::Add, "will be created"),
        Action::Update => (Sign::Change, "will be updated in place"),
        Action::Delete | Action::NoOp => (Sign::Remove, "will be destroyed"),
    };
    let mut head = match (&c.adoption, c.action()) {
        (Some(Adoption::Import { arn }), _) => {
            format!(
                "{address} will be imported ({}) and updated in place",
                bare(arn)
            )
        }
        (Some(Adoption::Move { from }), _) => {
            format!(
                "{address} has moved from {} and will be updated in place",
                bare(&from.to_string())
            )
        }
        _ => format!("{address} {verb}"),
    };
    let mut comments = Vec::new();
    let drift = c.action() == Action::Update && c.drift;
    if drift {
        head.push_str(" (drift: changed outside ivsctl)");
    }
    match &c.blocked {
        Some(b) => {
            head.push_str(", but the delete is BLOCKED: ");
            head.push_str(&bare(&b.reason));
            comments.push(head);
            comments.push(format!("  to unblock: {}", bare(&b.unblock)));
        }
        None => comments.push(head),
    }
    let fields = match c.action() {
        Action::Create | Action::Update => field_lines(&c.changes, names),
        Action::Delete | Action::NoOp => Vec::new(),
    };
    Block {
        comments,
        sign,
        address,
        arn: c.arn().map(bare),
        fields,
    }
}

fn is_tag(field: &str) -> bool {
    field.starts_with("tags.")
}

fn field_lines(changes: &[FieldChange], names: &ArnNames<'_>) -> Vec<FieldLine> {
    let width = |tags: bool| {
        changes
            .iter()
            .filter(|f| is_tag(&f.field) == tags)
            .map(|f| bare(&f.field).chars().count())
            .max()
            .unwrap_or(0)
    };
    let (field_width, tag_width) = (width(false), width(true));
    changes
        .iter()
        .map(|f| {
            let tag = is_tag(&f.field);
            let w = if tag { tag_width } else { field_width };
            let show = |v: &Value| field_value(&f.field, v, names);
            let (sign, value) = match (&f.before, &f.after) {
                (Value::Null, after) => (Sign::Add, show(after)),
                (before, Value::Null) => (Sign::Remove, show(before)),
                (before, after) => (Sign::Change, format!("{} -> {}", show(before), show(after))),
            };
            FieldLine {
                sign,
                label: format!("{:<w$}", bare(&f.field)),
                value,
                drift: f.drift,
            }
        })
        .collect()
}
