//! Progress on stderr: a live display on a terminal (indicatif), and in CI
//! (no terminal) one plain line per action with its result and duration.
//! stdout stays reserved for the plan and the report.

use crate::apply::{Outcome, Progress, ReportEntry};
use crate::model::Address;
use crate::plan::{Action, ResourceChange};
use crate::terminal::Terminal;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The apply progress for this process: live on a terminal, plain otherwise.
/// With several stacks, lines name each resource `STACK/ADDRESS`.
pub fn apply_progress(terminal: &Terminal, several_stacks: bool) -> Arc<dyn Progress> {
    if terminal.stderr {
        Arc::new(Live::new(terminal.color_stderr, several_stacks))
    } else {
        Arc::new(Plain { several_stacks })
    }
}

/// How a resource is named in progress lines.
fn label(several_stacks: bool, stack: &str, address: &Address) -> String {
    if several_stacks {
        format!("{stack}/{address}")
    } else {
        address.to_string()
    }
}

/// A spinner while live state is read, on a terminal only.
pub fn refresh_spinner(terminal: &Terminal, what: &str) -> Option<ProgressBar> {
    if !terminal.stderr {
        return None;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(what.to_string());
    bar.enable_steady_tick(Duration::from_millis(100));
    Some(bar)
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "creating",
        Action::Update => "updating",
        Action::Delete => "destroying",
        Action::NoOp => "checking",
    }
}

/// `rooms.lobby: create done (0.41 s)` (`STACK/rooms.lobby` with several
/// stacks).
pub fn plain_line(e: &ReportEntry, several_stacks: bool) -> String {
    let secs = e.duration_ms as f64 / 1000.0;
    let result = match &e.outcome {
        Outcome::Done => format!("done ({secs:.2} s)"),
        Outcome::Failed { error } => format!("FAILED after {secs:.2} s: {}", one_line(error)),
        Outcome::Skipped { reason } => format!("skipped: {}", one_line(reason)),
    };
    format!(
        "{}: {} {}",
        label(several_stacks, &e.stack, &e.address),
        e.action.as_str(),
        result
    )
}

/// Errors may span lines or carry control characters: keep one clean line.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// One line per finished action, for logs.
struct Plain {
    several_stacks: bool,
}

impl Progress for Plain {
    fn started(&self, _: &str, _: &ResourceChange) {}

    fn finished(&self, entry: &ReportEntry) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{}", plain_line(entry, self.several_stacks));
    }
}

/// A spinner per running action; finished ones stay as a line.
struct Live {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
    color: bool,
    several_stacks: bool,
}

impl Live {
    fn new(color: bool, several_stacks: bool) -> Self {
        Live {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
            color,
            several_stacks,
        }
    }
}

impl Progress for Live {
    fn started(&self, stack: &str, change: &ResourceChange) {
        let name = label(self.several_stacks, stack, &change.address);
        let bar = self.multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(format!("{} {name}", verb(change.action())));
        bar.enable_steady_tick(Duration::from_millis(100));
        self.bars
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(format!("{stack}/{}", change.address), bar);
    }

    fn finished(&self, entry: &ReportEntry) {
        let bar = self
            .bars
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&format!("{}/{}", entry.stack, entry.address));
        let bar = bar.unwrap_or_else(|| self.multi.add(ProgressBar::new_spinner()));
        bar.set_style(
            ProgressStyle::with_template("{msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        let (mark, paint) = match entry.outcome {
            Outcome::Done => ("✓", "\x1b[32m"),
            Outcome::Failed { .. } => ("✗", "\x1b[31m"),
            Outcome::Skipped { .. } => ("-", "\x1b[33m"),
        };
        let mark = if self.color {
            format!("{paint}{mark}\x1b[0m")
        } else {
            mark.to_string()
        };
        bar.finish_with_message(format!("{mark} {}", plain_line(entry, self.several_stacks)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_name_action_result_and_duration() {
        let e = ReportEntry {
            stack: "s".into(),
            address: Address::room("lobby"),
            action: Action::Update,
            arn: None,
            outcome: Outcome::Failed {
                error: "UpdateRoom failed:\nboom\x1b[31m".into(),
            },
            duration_ms: 1234,
        };
        assert_eq!(
            plain_line(&e, false),
            "rooms.lobby: update FAILED after 1.23 s: UpdateRoom failed: boom [31m"
        );
        let done = ReportEntry {
            outcome: Outcome::Done,
            duration_ms: 50,
            ..e.clone()
        };
        assert_eq!(
            plain_line(&done, false),
            "rooms.lobby: update done (0.05 s)"
        );
        let skipped = ReportEntry {
            outcome: Outcome::Skipped {
                reason: "depends on x".into(),
            },
            ..e
        };
        assert_eq!(
            plain_line(&skipped, false),
            "rooms.lobby: update skipped: depends on x"
        );
    }
}
