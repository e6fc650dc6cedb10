//! docs/plan-format.md shows real output: each example there must be what the
//! renderers produce for `fixtures::example()` or `fixtures::no_changes()`,
//! byte for byte.

use super::{fixtures, render};
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
