//! What one run of the binary produced, with assertions that print the whole
//! run when they fail.

use serde_json::Value;
use std::fmt;

/// The outcome of one `ivsctl` run.
#[derive(Debug, Clone)]
pub struct Output {
    /// The arguments, for messages.
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ivsctl {:?} exited {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args, self.code, self.stdout, self.stderr
        )
    }
}

/// `name(needle)`: the stream has (or lacks) `needle`.
macro_rules! checks {
    ($($name:ident: $stream:literal $has:literal,)*) => {$(
        #[track_caller]
        pub fn $name(&self, needle: &str) -> &Self {
            self.check($stream, needle, $has)
        }
    )*};
}

impl Output {
    checks! {
        stdout_contains: "stdout" true,
        stdout_lacks: "stdout" false,
        stderr_contains: "stderr" true,
        stderr_lacks: "stderr" false,
    }

    /// Exit code 0.
    #[track_caller]
    pub fn success(&self) -> &Self {
        self.code(0)
    }

    /// Exit code 1, the code of every error.
    #[track_caller]
    pub fn failure(&self) -> &Self {
        self.code(1)
    }

    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit code\n{self}");
        self
    }

    /// `stream` (`stdout` or `stderr`) has `needle`, or lacks it.
    #[track_caller]
    fn check(&self, stream: &str, needle: &str, has: bool) -> &Self {
        let text = if stream == "stdout" {
            &self.stdout
        } else {
            &self.stderr
        };
        let verb = if has { "lacks" } else { "has" };
        assert_eq!(
            text.contains(needle),
            has,
            "{stream} {verb} {needle:?}\n{self}"
        );
        self
    }

    /// stderr contains every one of `needles`.
    #[track_caller]
    pub fn stderr_names(&self, needles: &[&str]) -> &Self {
        for n in needles {
            self.stderr_contains(n);
        }
        self
    }

    #[track_caller]
    pub fn stdout_empty(&self) -> &Self {
        assert!(self.stdout.is_empty(), "stdout is not empty\n{self}");
        self
    }

    /// The last line of stdout is `line`.
    #[track_caller]
    pub fn last_line(&self, line: &str) -> &Self {
        let last = self.stdout.trim_end_matches('\n').lines().last();
        assert_eq!(last, Some(line), "the last line of stdout\n{self}");
        self
    }

    /// The first line of stdout containing `needle`, trimmed.
    #[track_caller]
    pub fn line(&self, needle: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line of stdout has {needle:?}\n{self}"))
            .trim()
    }

    /// stdout parsed as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document: {e}\n{self}"))
    }
}
