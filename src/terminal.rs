//! What the process is attached to, decided once (in `cli.rs`) and passed
//! down: whether each standard stream is a terminal, and whether to colour.
//! Nothing else in ivsctl looks at the environment for this.

use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Terminal {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    /// ANSI colour on stdout (plans, reports).
    pub color_stdout: bool,
    /// ANSI colour on stderr (errors, progress).
    pub color_stderr: bool,
}

impl Terminal {
    /// Reads the streams; colour only on a terminal, and never with
    /// `--no-color` or a non-empty `NO_COLOR`.
    pub fn detect(no_color_flag: bool) -> Terminal {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let stdout = std::io::stdout().is_terminal();
        let stderr = std::io::stderr().is_terminal();
        let color = !no_color_flag && !no_color_env;
        Terminal {
            stdin: std::io::stdin().is_terminal(),
            stdout,
            stderr,
            color_stdout: color && stdout,
            color_stderr: color && stderr,
        }
    }
}
