//! The apply report: snapshots of each format on a report with every action
//! and every outcome and on an empty one, plus the contracts asserted
//! directly (the human last line, the JSON keys, the embedded plan).

use super::fixtures;
use crate::apply::{ApplyReport, Outcome, ReportEntry};
use crate::plan::Plan;
use crate::render::report::duration;
use crate::render::{render_plan, render_report, Format, RenderOptions};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// A plan and what apply reported for it.
type Fixture = fn() -> (Plan, ApplyReport);

/// Renders a report into memory, as the CLI renders into stdout.
pub(super) fn render(plan: &Plan, report: &ApplyReport, format: Format, color: bool) -> String {
    let mut out = Vec::new();
    render_report(plan, report, format, &RenderOptions { color }, &mut out).expect("render");
    String::from_utf8(out).expect("utf-8")
}

fn entry(plan: &Plan, address: &str, outcome: Outcome, duration_ms: u64) -> ReportEntry {
    let c = plan
        .resource_changes
        .iter()
        .find(|c| c.address.to_string() == address)
        .unwrap_or_else(|| panic!("{address} is not in the plan"));
    ReportEntry {
        address: c.address.clone(),
        action: c.action(),
        arn: c.arn().map(String::from),
        outcome,
        duration_ms,
    }
}

fn done(plan: &Plan, address: &str, ms: u64) -> ReportEntry {
    entry(plan, address, Outcome::Done, ms)
}

/// A create that succeeded: the report carries the new ARN.
fn created(plan: &Plan, address: &str, arn: String, ms: u64) -> ReportEntry {
    ReportEntry {
        arn: Some(arn),
        ..done(plan, address, ms)
    }
}

fn failed(plan: &Plan, address: &str, error: &str, ms: u64) -> ReportEntry {
    let error = error.to_string();
    entry(plan, address, Outcome::Failed { error }, ms)
}

/// Skipped, with apply's own wording.
fn skipped(plan: &Plan, address: &str, dependency: &str) -> ReportEntry {
    let reason = format!("depends on {dependency}, which did not complete");
    entry(plan, address, Outcome::Skipped { reason }, 0)
}

fn room_arn(id: &str) -> String {
    format!("arn:aws:ivschat:us-west-2:123456789012:room/{id}")
}

/// What apply could report for `fixtures::apply_everything()`, in plan order:
/// done, failed and skipped entries of each action (create, update, delete),
/// a multi-line error, a wait of over a minute, and no entry for the no-op.
pub(super) fn everything() -> (Plan, ApplyReport) {
    let p = fixtures::apply_everything();
    let entries = vec![
        created(
            &p,
            "loggingConfigurations.archive",
            fixtures::lc_arn("ArChIvEaRcHi"),
            65_400,
        ),
        failed(
            &p,
            "loggingConfigurations.audit",
            "CreateLoggingConfiguration failed: You have reached the maximum number of logging configurations (ServiceQuotaExceededException, HTTP 402)",
            210,
        ),
        skipped(&p, "loggingConfigurations.legacy", "rooms.lobby"),
        done(&p, "loggingConfigurations.moved", 1_234),
        failed(
            &p,
            "loggingConfigurations.old",
            "DeleteLoggingConfiguration failed: could not reach the IVS Chat endpoint: connection reset\ncaused by: broken pipe",
            30_004,
        ),
        created(&p, "rooms.hall", room_arn("HaLlHaLlHaLl"), 412),
        failed(
            &p,
            "rooms.lobby",
            "UpdateRoom failed: Room AbCdEfGhIjKl is being updated (ConflictException, HTTP 409)",
            95,
        ),
        done(&p, "rooms.old", 188),
        skipped(&p, "rooms.stage", "loggingConfigurations.audit"),
        done(&p, "rooms.tagged", 7),
        skipped(&p, "rooms.vip", "loggingConfigurations.audit"),
    ];
    (p, ApplyReport { entries })
}

/// The docs example, failed: the logging configuration's create fails, so
/// the room that logs to it is skipped; the rest is done.
pub(super) fn example_failed() -> (Plan, ApplyReport) {
    let p = fixtures::apply_example();
    let entries = vec![
        failed(
            &p,
            "loggingConfigurations.archive",
            "CreateLoggingConfiguration failed: Access denied to S3 bucket my-chat-logs (AccessDeniedException, HTTP 403)",
            350,
        ),
        skipped(&p, "rooms.hall", "loggingConfigurations.archive"),
        done(&p, "rooms.lobby", 410),
        done(&p, "rooms.old", 205),
    ];
    (p, ApplyReport { entries })
}

/// The docs example, all done (the create waited for ACTIVE).
pub(super) fn example_done() -> (Plan, ApplyReport) {
    let p = fixtures::apply_example();
    let entries = vec![
        created(
            &p,
            "loggingConfigurations.archive",
            fixtures::lc_arn("ArChIvEaRcHi"),
            65_400,
        ),
        created(&p, "rooms.hall", room_arn("HaLlHaLlHaLl"), 523),
        done(&p, "rooms.lobby", 410),
        done(&p, "rooms.old", 205),
    ];
    (p, ApplyReport { entries })
}

/// Nothing to do: no entries.
fn empty() -> (Plan, ApplyReport) {
    (fixtures::no_changes(), ApplyReport::default())
}

/// An error carrying a terminal escape, a C1 CSI, a newline, a `|` and
/// backticks, as an API message quoting account text could.
fn hostile() -> (Plan, ApplyReport) {
    let p = fixtures::apply_example();
    let error = "UpdateRoom failed: bad name `x` | \u{1b}[31mred\nline\u{9b}2J (ValidationException, HTTP 400)";
    let entries = vec![
        done(&p, "loggingConfigurations.archive", 10),
        skipped(&p, "rooms.hall", "rooms.lobby\u{1b}[0m"),
        failed(&p, "rooms.lobby", error, 20),
        done(&p, "rooms.old", 30),
    ];
    (p, ApplyReport { entries })
}

/// The fixtures are what apply would report: an entry is skipped exactly
/// when one of its dependencies did not complete, and no-ops have no entry.
#[test]
fn fixtures_are_realistic() {
    for (plan, report) in [everything(), example_failed(), example_done()] {
        let changed: Vec<String> = plan
            .resource_changes
            .iter()
            .filter(|c| c.action() != crate::plan::Action::NoOp)
            .map(|c| c.address.to_string())
            .collect();
        let reported: Vec<String> = report
            .entries
            .iter()
            .map(|e| e.address.to_string())
            .collect();
        assert_eq!(reported, changed, "one entry per change, in plan order");
        let outcome = |address: &crate::model::Address| {
            &report
                .entries
                .iter()
                .find(|e| &e.address == address)
                .unwrap()
                .outcome
        };
        for c in &plan.resource_changes {
            if c.action() == crate::plan::Action::NoOp {
                continue;
            }
            let blocked = c.depends_on.iter().any(|d| *outcome(d) != Outcome::Done);
            let is_skipped = matches!(outcome(&c.address), Outcome::Skipped { .. });
            assert_eq!(blocked, is_skipped, "{}", c.address);
        }
    }
}

#[test]
fn durations() {
    for (ms, want) in [
        (0, "0.00 s"),
        (4, "0.00 s"),
        (5, "0.01 s"),
        (410, "0.41 s"),
        (1_234, "1.23 s"),
        (59_994, "59.99 s"),
        (59_995, "1 m 00 s"),
        (60_000, "1 m 00 s"),
        (65_400, "1 m 05 s"),
        (119_600, "2 m 00 s"),
        (3_725_000, "62 m 05 s"),
        (u64::MAX, "307445734561825 m 52 s"),
        (u64::MAX - 615, "307445734561825 m 51 s"),
    ] {
        assert_eq!(duration(ms), want, "{ms}");
    }
}

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

/// product.md: the report says what was done, failed and skipped; the last
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
        json!({"add": 0, "change": 0, "destroy": 0})
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
