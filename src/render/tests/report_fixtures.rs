//! Apply reports to render: what apply could report for the plan fixtures
//! (every action and outcome, the docs example, empty, hostile text), checked
//! to be realistic.

use super::fixtures;
use crate::apply::{ApplyReport, Outcome, ReportEntry};
use crate::plan::Plan;
use crate::render::report::duration;
use crate::render::{render_report, Format, RenderOptions};

/// A plan and what apply reported for it.
pub(super) type Fixture = fn() -> (Plan, ApplyReport);

/// Renders a report into memory, as the CLI renders into stdout.
pub(super) fn render(plan: &Plan, report: &ApplyReport, format: Format, color: bool) -> String {
    let mut out = Vec::new();
    render_report(
        plan,
        report,
        format,
        &RenderOptions {
            color,
            ..RenderOptions::default()
        },
        &mut out,
    )
    .expect("render");
    String::from_utf8(out).expect("utf-8")
}

fn entry(plan: &Plan, address: &str, outcome: Outcome, duration_ms: u64) -> ReportEntry {
    let c = plan
        .resource_changes
        .iter()
        .find(|c| c.address.to_string() == address)
        .unwrap_or_else(|| panic!("{address} is not in the plan"));
    ReportEntry {
        stack: plan.stack.clone(),
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

pub(super) fn room_arn(id: &str) -> String {
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
pub(super) fn empty() -> (Plan, ApplyReport) {
    (fixtures::no_changes(), ApplyReport::default())
}

/// An error carrying a terminal escape, a C1 CSI, a newline, a `|` and
/// backticks, as an API message quoting account text could.
pub(super) fn hostile() -> (Plan, ApplyReport) {
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
            let blocked = c
                .depends_on
                .iter()
                .any(|d| *outcome(&d.address) != Outcome::Done);
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
