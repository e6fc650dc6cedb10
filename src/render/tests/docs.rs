//! docs/plan-format.md shows real output: each example there must be what the
//! renderers produce for `fixtures::example()` or `fixtures::no_changes()`,
//! byte for byte, and each apply-report example what `render_report`
//! produces for `report_fixtures::example_failed()` or `report_fixtures::example_done()`.

use super::{fixtures, render, report_fixtures};
use crate::apply::ApplyReport;
use crate::plan::Plan;
use crate::render::Format;

const DOC: &str = include_str!("../../../docs/plan-format.md");

fn assert_documented(plan: &Plan, format: Format, fence: &str, info: &str) {
    let out = render(plan, format, false);
    let block = format!("{fence}{info}\n{out}{fence}\n");
    assert!(
        DOC.contains(&block),
        "docs/plan-format.md lacks the current {format} example; it should contain:\n{block}"
    );
}

#[test]
fn human_example_is_current() {
    let (example, none) = (fixtures::example(), fixtures::no_changes());
    assert_documented(&example, Format::Human, "```", "text");
    assert_documented(&none, Format::Human, "```", "text");
}

#[test]
fn json_example_is_current() {
    assert_documented(&fixtures::example(), Format::Json, "```", "json");
}

#[test]
fn markdown_example_is_current() {
    let (example, none) = (fixtures::example(), fixtures::no_changes());
    assert_documented(&example, Format::Markdown, "````", "markdown");
    assert_documented(&none, Format::Markdown, "```", "markdown");
}

fn assert_report_documented(
    (plan, report): (Plan, ApplyReport),
    format: Format,
    info: &str,
    before: &str,
) {
    let out = report_fixtures::render(&plan, &report, format, false);
    let block = format!("```{info}\n{before}{out}```\n");
    assert!(
        DOC.contains(&block),
        "docs/plan-format.md lacks the current {format} apply example; it should contain:\n{block}"
    );
}

/// The human examples start with the plan's last line, to show the blank
/// line that separates the report from the plan.
#[test]
fn apply_report_examples_are_current() {
    let plan_line = render(&fixtures::apply_example(), Format::Human, false)
        .lines()
        .last()
        .map(|l| format!("{l}\n"))
        .unwrap();
    assert_eq!(plan_line, "Plan: 2 to add, 1 to change, 1 to destroy.\n");
    assert_report_documented(
        report_fixtures::example_failed(),
        Format::Human,
        "text",
        &plan_line,
    );
    assert_report_documented(
        report_fixtures::example_done(),
        Format::Human,
        "text",
        &plan_line,
    );
    assert_report_documented(
        report_fixtures::example_failed(),
        Format::Markdown,
        "markdown",
        "",
    );
    assert_report_documented(report_fixtures::example_failed(), Format::Json, "json", "");
}
