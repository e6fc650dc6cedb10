//! The markdown format: snapshots, the table, and cell escaping.

use super::{fixtures, render};
use crate::render::markdown::{cell, code};
use crate::render::Format;

fn markdown(plan: &crate::plan::Plan) -> String {
    render(plan, Format::Markdown, false)
}

#[test]
fn snapshot_every_kind_of_change() {
    insta::assert_snapshot!("markdown_everything", markdown(&fixtures::everything()));
}

#[test]
fn snapshot_no_changes() {
    insta::assert_snapshot!("markdown_no_changes", markdown(&fixtures::no_changes()));
}

#[test]
fn snapshot_escaped_tags() {
    insta::assert_snapshot!("markdown_hostile_tags", markdown(&fixtures::hostile_tags()));
}

#[test]
fn table_has_one_row_per_changed_resource() {
    let out = markdown(&fixtures::everything());
    assert!(out.starts_with("### ivsctl plan — stack `prod-chat` (us-west-2)\n"));
    assert!(out.contains("\n**Plan:** 2 to add, 4 to change, 2 to destroy.\n"));
    assert!(out.contains("\n| | Resource | Action | Changed fields |\n|---|---|---|---|\n"));
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("| ")).collect();
    assert_eq!(rows.len(), 1 + 8, "header + 8 changed resources:\n{out}");
    assert!(
        !out.contains("loggingConfigurations.keep`"),
        "no-op not listed"
    );
    assert!(out.contains("| update ⚠️ drift |"));
    assert!(out.contains("| delete ⛔ blocked |"));
    assert!(out.contains("<details><summary>Details</summary>\n"));
    assert_eq!(out.matches("```diff\n").count(), 8);
    // A blank line ends the HTML block, so that what follows is markdown again.
    assert!(out.ends_with("</details>\n\n"));
}

#[test]
fn no_changes_is_short() {
    assert_eq!(
        markdown(&fixtures::no_changes()),
        "### ivsctl plan — stack `prod-chat` (us-west-2)\n\n\
         No changes.\n\n\
         **Plan:** 0 to add, 0 to change, 0 to destroy.\n\n"
    );
}

#[test]
fn pipes_in_cells_are_escaped() {
    assert_eq!(cell("`tags.a|b`"), "`tags.a\\|b`");
    let out = markdown(&fixtures::hostile_tags());
    assert!(out.contains("`tags.a\\|b`"), "{out}");
}

#[test]
fn code_spans_outlast_backtick_runs() {
    assert_eq!(code("rooms.lobby"), "`rooms.lobby`");
    assert_eq!(code("a`b"), "`` a`b ``");
    assert_eq!(code("a``b`"), "``` a``b` ```");
}
