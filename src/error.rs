//! The one place that knows the exit codes (docs/usage.md): 0 success or no
//! changes, 1 any error (a partly applied plan included), 2 changes present
//! (only with `plan --detailed-exitcode`). Command handlers return an
//! `ExitStatus` or an error; they never exit the process themselves.

use std::process::ExitCode;

/// Errors are miette reports: a diagnostic with source spans for manifest
/// errors, a message with context for everything else.
pub type Error = miette::Report;

/// How a command that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Exit 0: done, or nothing to do.
    Success,
    /// Exit 2: the plan has changes (`plan --detailed-exitcode`).
    Changes,
    /// Exit 1 without an error report: the command already reported what
    /// failed (e.g. an apply report listing failed actions).
    Failure,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s.code())
    }
}

/// The exit code of an error.
pub const ERROR_EXIT_CODE: u8 = 1;
