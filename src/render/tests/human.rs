//! The human format: snapshots, and the contracts scripts rely on.

use super::{fixtures, render};
use crate::render::Format;

fn human(plan: &crate::plan::Plan) -> String {
    render(plan, Format::Human, false)
}

#[test]
fn snapshot_every_kind_of_change() {
    insta::assert_snapshot!("human_everything", human(&fixtures::everything()));
}

#[test]
fn snapshot_no_changes() {
    insta::assert_snapshot!("human_no_changes", human(&fixtures::no_changes()));
}

#[test]
fn snapshot_escaped_tags() {
    insta::assert_snapshot!("human_hostile_tags", human(&fixtures::hostile_tags()));
}

/// The contract: the human plan ends with exactly one Plan line.
#[test]
fn last_line_is_the_plan_line() {
    for (plan, want) in [
        (
            fixtures::everything(),
            "Plan: 2 to add, 4 to change, 2 to destroy.",
        ),
        (
            fixtures::no_changes(),
            "Plan: 0 to add, 0 to change, 0 to destroy.",
        ),
    ] {
        for color in [false, true] {
            let out = render(&plan, Format::Human, color);
            assert!(out.ends_with(&format!("\n{want}\n")), "{out}");
            assert_eq!(out.matches("Plan: ").count(), 1, "{out}");
        }
    }
}

#[test]
fn no_changes_says_so() {
    let out = human(&fixtures::no_changes());
    assert!(out.contains(
        "\nNo changes. The live resources of stack prod-chat match the manifest.\n\nPlan: "
    ));
}

#[test]
fn blocked_deletes_warn_before_the_plan_line() {
    let out = human(&fixtures::everything());
    assert!(out.contains(
        "Error: apply will refuse this plan: 1 delete(s) blocked (see above).\n\nPlan: "
    ));
    assert!(out.contains("# rooms.vip will be destroyed, but the delete is BLOCKED: "));
    assert!(!human(&fixtures::no_changes()).contains("Error:"));
}

#[test]
fn drift_marks_each_line_that_corrects_an_out_of_band_edit() {
    // rooms.lobby: its rate, tag env and tag stray were edited outside
    // ivsctl; tag new is a manifest change.
    let out = human(&fixtures::everything());
    assert!(out.contains("# rooms.lobby will be updated in place (drift: changed outside ivsctl)"));
    assert!(out.contains("~ maximumMessageRatePerSecond = 50 -> 10  # drift\n"));
    assert!(
        out.contains("~ tags.env   = \"dev\" -> \"prod\"  # drift\n"),
        "{out}"
    );
    assert!(out.contains("- tags.stray = \"x\"  # drift\n"), "{out}");
    assert!(out.contains("+ tags.new   = \"1\"\n"), "{out}");
    assert_eq!(out.matches("# drift").count(), 3, "{out}");
}

#[test]
fn no_ansi_escapes_without_colour() {
    assert!(!human(&fixtures::everything()).contains('\u{1b}'));
}

#[test]
fn colour_styles_signs_addresses_and_comments_only() {
    let plan = fixtures::everything();
    let coloured = render(&plan, Format::Human, true);
    for styled in [
        "\u{1b}[32m+\u{1b}[0m",
        "\u{1b}[33m~\u{1b}[0m",
        "\u{1b}[31m-\u{1b}[0m",
        "\u{1b}[1mrooms.lobby\u{1b}[0m",
        "\u{1b}[2m# rooms.old will be destroyed\u{1b}[0m",
    ] {
        assert!(coloured.contains(styled), "missing {styled:?}");
    }
    assert_eq!(strip_ansi(&coloured), human(&plan));
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
