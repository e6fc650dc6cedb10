//! The apply report: snapshots of each format on a report with every action
//! and every outcome and on an empty one, plus the contracts asserted
//! directly (the human last line, the JSON keys, the embedded plan).

use super::fixtures;
use super::report_fixtures::{
    empty, everything, example_done, example_failed, hostile, render, room_arn, Fixture,
};
use crate::render::{render_plan, Format, RenderOptions};
use serde_json::{json, Value};
use std::collections::BTreeSet;

// ---- human ----

fn human(f: Fixture) -> String {
    let (plan, report) = f();
    render(&plan, &report, Format::Human, false)
}

#[test]
fn human_snapshots() {
    insta::assert_snapshot!("report_human_everything", human(everything));
    insta::assert_snapshot!("report_human_empty", human(empty));
    insta::assert_snapshot!("report_human_hostile", human(hostile));
}

const RETRY: &str = "Run apply again to retry: it re-reads the account and converges.";

/// The contract (docs/usage.md): the report says what was done, failed and skipped; the last
/// line is the one headline, whatever the colour.
#[test]
fn human_last_line_is_the_headline() {
    let cases: [(Fixture, String); 4] = [
        (
            everything,
            format!("Apply failed: 5 done, 3 failed, 3 skipped. {RETRY}"),
        ),
        (
            example_failed,
            format!("Apply failed: 2 done, 1 failed, 1 skipped. {RETRY}"),
        ),
        (
            example_done,
            "Apply complete! Resources: 2 added, 1 changed, 1 destroyed.".into(),
        ),
        (
            empty,
            "Apply complete! Resources: 0 added, 0 changed, 0 destroyed.".into(),
        ),
    ];
    for (f, want) in cases {
        let (plan, report) = f();
        for color in [false, true] {
            let out = render(&plan, &report, Format::Human, color);
            assert_eq!(out.lines().last(), Some(want.as_str()), "{out}");
            let empty = report.entries.is_empty();
            let tail = if empty { "" } else { "\n" };
            assert!(out.ends_with(&format!("\n{tail}{want}\n")), "{out}");
            assert_eq!(out.matches("Apply ").count(), 1, "{out}");
            assert!(out.starts_with('\n'), "a blank line after the plan");
        }
    }
}

#[test]
fn human_lines_per_outcome() {
    let out = human(everything);
    for line in [
        "  ✓ loggingConfigurations.archive: created (1 m 05 s)\n",
        "  ✗ loggingConfigurations.audit: create failed: CreateLoggingConfiguration failed: You have reached",
        "  - loggingConfigurations.legacy: delete skipped: depends on rooms.lobby, which did not complete\n",
        "  ✓ loggingConfigurations.moved: updated (1.23 s)\n",
        "  ✗ loggingConfigurations.old: delete failed: DeleteLoggingConfiguration failed: could not reach the IVS Chat endpoint: connection reset\\ncaused by: broken pipe\n",
        "  ✓ rooms.hall: created (0.41 s)\n",
        "  ✗ rooms.lobby: update failed: UpdateRoom failed: ",
        "  ✓ rooms.old: destroyed (0.19 s)\n",
        "  - rooms.stage: update skipped: depends on loggingConfigurations.audit, which did not complete\n",
        "  ✓ rooms.tagged: updated (0.01 s)\n",
        "  - rooms.vip: create skipped: ",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
    // One line per entry between the two blank lines; the no-op is absent.
    let body: Vec<&str> = out.trim_start_matches('\n').split("\n\n").collect();
    assert_eq!(body.len(), 2, "{out}");
    assert_eq!(body[0].lines().count(), 11, "{out}");
    assert!(!out.contains("keep"), "{out}");
}

#[test]
fn human_empty_report_is_the_headline_only() {
    assert_eq!(
        human(empty),
        "\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.\n"
    );
}

#[test]
fn human_colour_paints_the_symbols_only() {
    let (plan, report) = everything();
    let coloured = render(&plan, &report, Format::Human, true);
    for styled in [
        "  \u{1b}[32m✓\u{1b}[0m loggingConfigurations.archive: created",
        "  \u{1b}[31m✗\u{1b}[0m rooms.lobby: update failed: ",
        "  \u{1b}[33m-\u{1b}[0m rooms.vip: create skipped: ",
    ] {
        assert!(coloured.contains(styled), "missing {styled:?}");
    }
    assert_eq!(coloured.matches('\u{1b}').count(), 11 * 2, "{coloured}");
    assert_eq!(strip_ansi(&coloured), human(everything));
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

// ---- JSON ----

fn json_text(f: Fixture) -> String {
    let (plan, report) = f();
    render(&plan, &report, Format::Json, false)
}

fn json_doc(f: Fixture) -> Value {
    let text = json_text(f);
    assert!(text.ends_with("}\n"), "one document and a newline");
    serde_json::from_str(&text).expect("one valid JSON document")
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(ks: &[&'a str]) -> BTreeSet<&'a str> {
    ks.iter().copied().collect()
}

#[test]
fn json_snapshots() {
    insta::assert_snapshot!("report_json_everything", json_text(everything));
    insta::assert_snapshot!("report_json_empty", json_text(empty));
}

#[test]
fn json_has_exactly_the_documented_keys() {
    let doc = json_doc(everything);
    let top = [
        "format_version",
        "stack",
        "region",
        "plan",
        "summary",
        "results",
    ];
    assert_eq!(keys(&doc), set(&top));
    // In this order (serde_json's map sorts keys, so look at the text).
    let text = json_text(everything);
    let at: Vec<usize> = top
        .iter()
        .map(|k| text.find(&format!("\n  \"{k}\": ")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
    assert_eq!(doc["format_version"], "1");
    assert_eq!(doc["stack"], fixtures::STACK);
    assert_eq!(doc["region"], "us-west-2");
    assert_eq!(
        doc["summary"],
        json!({"done": 5, "failed": 3, "skipped": 3})
    );
    let base = ["address", "type", "action", "arn", "status", "duration_ms"];
    for r in doc["results"].as_array().unwrap() {
        let mut want = set(&base);
        match r["status"].as_str().unwrap() {
            "done" => {}
            "failed" => {
                want.insert("error");
            }
            "skipped" => {
                want.insert("reason");
            }
            other => panic!("status {other}"),
        }
        assert_eq!(keys(r), want, "{r}");
        assert!(r["duration_ms"].is_u64(), "{r}");
    }
}

/// `plan` is exactly the document `plan --format json` prints.
#[test]
fn json_plan_is_the_plan_document() {
    for f in [everything, example_failed, example_done, empty, hostile] {
        let (plan, report) = f();
        let doc: Value =
            serde_json::from_str(&render(&plan, &report, Format::Json, false)).unwrap();
        let mut plan_json = Vec::new();
        render_plan(
            &plan,
            Format::Json,
            &RenderOptions::default(),
            &mut plan_json,
        )
        .unwrap();
        let plan_doc: Value = serde_json::from_slice(&plan_json).unwrap();
        assert_eq!(doc["plan"], plan_doc);
        // The same text too, indented one level deeper.
        let text = render(&plan, &report, Format::Json, false);
        let nested = String::from_utf8(plan_json)
            .unwrap()
            .trim_end()
            .replace('\n', "\n  ");
        assert!(text.contains(&format!("\n  \"plan\": {nested},\n")));
    }
}

#[test]
fn json_results_follow_the_contract() {
    let doc = json_doc(everything);
    let results = doc["results"].as_array().unwrap();
    let addresses: Vec<&str> = results
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        addresses,
        [
            "loggingConfigurations.archive",
            "loggingConfigurations.audit",
            "loggingConfigurations.legacy",
            "loggingConfigurations.moved",
            "loggingConfigurations.old",
            "rooms.hall",
            "rooms.lobby",
            "rooms.old",
            "rooms.stage",
            "rooms.tagged",
            "rooms.vip",
        ],
        "plan order, no no-op"
    );
    assert_eq!(
        results[0],
        json!({
            "address": "loggingConfigurations.archive",
            "type": "loggingConfiguration",
            "action": "create",
            "arn": fixtures::lc_arn("ArChIvEaRcHi"),
            "status": "done",
            "duration_ms": 65400
        })
    );
    assert_eq!(
        results[1],
        json!({
            "address": "loggingConfigurations.audit",
            "type": "loggingConfiguration",
            "action": "create",
            "arn": null,
            "status": "failed",
            "error": "CreateLoggingConfiguration failed: You have reached the maximum number of logging configurations (ServiceQuotaExceededException, HTTP 402)",
            "duration_ms": 210
        })
    );
    assert_eq!(
        results[8],
        json!({
            "address": "rooms.stage",
            "type": "room",
            "action": "update",
            "arn": room_arn("StAgEsTaGeSt"),
            "status": "skipped",
            "reason": "depends on loggingConfigurations.audit, which did not complete",
            "duration_ms": 0
        })
    );
    // JSON keeps the raw text: the multi-line error is one string.
    assert!(results[4]["error"]
        .as_str()
        .unwrap()
        .contains("reset\ncaused by"));
}

#[test]
fn json_empty_report() {
    let doc = json_doc(empty);
    assert_eq!(
        doc["summary"],
        json!({"done": 0, "failed": 0, "skipped": 0})
    );
    assert_eq!(doc["results"], json!([]));
    assert_eq!(
        doc["plan"]["summary"],
        json!({"add": 0, "change": 0, "destroy": 0, "import": 0, "move": 0})
    );
}

/// serde_json escapes ESC; the C1 CSI (U+009B) is escaped too, and both
/// parse back to the API's text.
#[test]
fn json_escapes_every_control_character() {
    let text = json_text(hostile);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{9b}'),
        "{text}"
    );
    assert!(text.contains(r"\u001b[31mred\nline\u009b2J"), "{text}");
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert!(doc["results"][2]["error"]
        .as_str()
        .unwrap()
        .contains("\u{1b}[31mred\nline\u{9b}2J"));
}

// ---- markdown ----

fn markdown(f: Fixture) -> String {
    let (plan, report) = f();
    render(&plan, &report, Format::Markdown, false)
}

#[test]
fn markdown_snapshots() {
    insta::assert_snapshot!("report_markdown_everything", markdown(everything));
    insta::assert_snapshot!("report_markdown_empty", markdown(empty));
    insta::assert_snapshot!("report_markdown_hostile", markdown(hostile));
}

#[test]
fn markdown_heading_headline_and_table() {
    let out = markdown(everything);
    assert!(out.starts_with("### ivsctl apply — stack `prod-chat` (us-west-2)\n\n"));
    assert!(out.contains(&format!(
        "\n**Apply failed: 5 done, 3 failed, 3 skipped. {RETRY}**\n\n"
    )));
    assert!(out.contains("\n| | Resource | Action | Result | Time |\n|---|---|---|---|---|\n"));
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("| ")).collect();
    assert_eq!(rows.len(), 1 + 11, "header + 11 entries:\n{out}");
    for row in [
        "| ✅ | `loggingConfigurations.archive` | create | created | 1 m 05 s |",
        "| ⏭️ | `rooms.vip` | create | skipped: `depends on loggingConfigurations.audit, which did not complete` | — |",
        "| ✅ | `rooms.old` | delete | destroyed | 0.19 s |",
        "| ❌ | `loggingConfigurations.old` | delete | **failed**: `DeleteLoggingConfiguration failed: could not reach the IVS Chat endpoint: connection reset\\ncaused by: broken pipe` | 30.00 s |",
    ] {
        assert!(out.contains(&format!("{row}\n")), "missing {row:?} in\n{out}");
    }
    assert!(out.ends_with(" |\n"), "the table ends the output");
}

#[test]
fn markdown_empty_report_is_heading_and_headline() {
    assert_eq!(
        markdown(empty),
        "### ivsctl apply — stack `prod-chat` (us-west-2)\n\n\
         **Apply complete! Resources: 0 added, 0 changed, 0 destroyed.**\n"
    );
}

#[test]
fn markdown_cells_survive_pipes_backticks_and_newlines() {
    let out = markdown(hostile);
    let row = out
        .lines()
        .find(|l| l.contains("`rooms.lobby`"))
        .expect("lobby row");
    assert_eq!(
        row,
        "| ❌ | `rooms.lobby` | update | **failed**: `` UpdateRoom failed: bad name `x` \\| \\u{1b}[31mred\\nline\\u{9b}2J (ValidationException, HTTP 400) `` | 0.02 s |"
    );
    // Five columns on every row: the only unescaped pipes are the borders.
    for l in out.lines().filter(|l| l.starts_with("| ")) {
        let borders = l.replace("\\|", "").matches('|').count();
        assert_eq!(borders, 6, "{l}");
    }
}

// ---- every format ----

/// Rows come in plan order whatever the report's order.
#[test]
fn rows_follow_plan_order() {
    let (plan, report) = everything();
    let mut shuffled = report.clone();
    shuffled.entries.reverse();
    shuffled.entries.swap(2, 7);
    for f in Format::ALL {
        assert_eq!(
            render(&plan, &shuffled, f, false),
            render(&plan, &report, f, false),
            "{f}"
        );
    }
}

#[test]
fn report_output_is_deterministic_and_only_human_is_coloured() {
    let (plan, report) = everything();
    for f in Format::ALL {
        assert_eq!(
            render(&plan, &report, f, true),
            render(&plan, &report, f, true)
        );
    }
    for f in [Format::Json, Format::Markdown] {
        assert_eq!(
            render(&plan, &report, f, true),
            render(&plan, &report, f, false),
            "{f}"
        );
    }
}

/// An error or reason quoting the account cannot write a terminal escape
/// or break a line, in any format.
#[test]
fn report_text_cannot_inject_escapes() {
    let (plan, report) = hostile();
    for f in Format::ALL {
        let out = render(&plan, &report, f, false);
        for bad in ['\u{1b}', '\u{9b}'] {
            assert!(!out.contains(bad), "{f}: {bad:?} in\n{out}");
        }
        assert!(!out.contains("red\nline"), "{f}:\n{out}");
    }
    let out = render(&plan, &report, Format::Human, false);
    assert!(out.contains(
        "  ✗ rooms.lobby: update failed: UpdateRoom failed: bad name `x` | \\u{1b}[31mred\\nline\\u{9b}2J (ValidationException, HTTP 400)\n"
    ));
    assert!(out.contains("  - rooms.hall: create skipped: depends on rooms.lobby\\u{1b}[0m, which"));
}
