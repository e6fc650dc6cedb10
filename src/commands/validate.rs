//! `ivsctl validate -f FILE...`: every manifest rule, offline.

use super::pipeline::load_manifest;
use crate::error::{Error, ExitStatus};
use miette::IntoDiagnostic;
use std::io::Write;
use std::path::PathBuf;

pub fn run(files: &[PathBuf], out: &mut dyn Write) -> Result<ExitStatus, Error> {
    let manifest = load_manifest(files)?;
    let d = &manifest.desired;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    writeln!(
        out,
        "The manifest is valid: stack {}, {}, {} ({}).",
        d.stack,
        plural(
            d.logging_configurations.len(),
            "logging configuration",
            "logging configurations"
        ),
        plural(d.rooms.len(), "room", "rooms"),
        manifest.files.join(", ")
    )
    .into_diagnostic()?;
    Ok(ExitStatus::Success)
}
