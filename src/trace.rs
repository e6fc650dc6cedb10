//! `-v` diagnostics on stderr. Callers pass what they want shown; nothing
//! secret (chat tokens, credentials) is ever handed to this module.

use std::io::Write;

/// Writes one diagnostic line to stderr.
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{args}");
}
