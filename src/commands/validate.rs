//! `ivsctl validate -f FILE...`: every manifest rule, offline, for every
//! stack the files declare.

use super::pipeline::{load_stacks, stack_regions};
use super::Globals;
use crate::error::{Error, ExitStatus};
use crate::manifest::Manifest;
use crate::render::errors::{document_written, FORMAT_VERSION};
use miette::IntoDiagnostic;
use std::io::Write;
use std::path::PathBuf;

pub struct ValidateArgs {
    pub files: Vec<PathBuf>,
    /// `--format json`: one document on stdout, errors included.
    pub json: bool,
}

/// The `--format json` document of valid manifests (an invalid one gets
/// the error document, `render::errors`).
#[derive(serde::Serialize)]
struct ValidDocument<'a> {
    format_version: &'static str,
    valid: bool,
    diagnostics: [(); 0],
    stacks: Vec<StackSummary<'a>>,
}

/// One valid stack, as `--format json` shows it.
#[derive(serde::Serialize)]
struct StackSummary<'a> {
    stack: &'a str,
    /// The manifest's region; null when it names none (then --region or
    /// the AWS configuration decides).
    region: Option<&'a str>,
    rooms: usize,
    logging_configurations: usize,
    files: &'a [String],
}

pub fn run(
    globals: &Globals,
    args: &ValidateArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let stacks = load_stacks(globals, &args.files, &[])?;
    // A --region that contradicts a manifest fails here as it would in plan.
    stack_regions(globals, &stacks)?;
    if args.json {
        let doc = ValidDocument {
            format_version: FORMAT_VERSION,
            valid: true,
            diagnostics: [],
            stacks: stacks.iter().map(summary).collect(),
        };
        let text = serde_json::to_string_pretty(&doc).into_diagnostic()?;
        writeln!(out, "{text}").into_diagnostic()?;
        document_written();
        return Ok(ExitStatus::Success);
    }
    match stacks.as_slice() {
        [one] => writeln!(out, "The manifest is valid: {}.", describe(one)),
        several => {
            writeln!(out, "The manifests are valid: {} stacks.", several.len()).and_then(|_| {
                several
                    .iter()
                    .try_for_each(|m| writeln!(out, "  {}", describe(m)))
            })
        }
    }
    .into_diagnostic()?;
    Ok(ExitStatus::Success)
}

fn summary(m: &Manifest) -> StackSummary<'_> {
    StackSummary {
        stack: &m.desired.stack,
        region: m.desired.region.as_deref(),
        rooms: m.desired.rooms.len(),
        logging_configurations: m.desired.logging_configurations.len(),
        files: &m.files,
    }
}

/// `stack demo, 1 logging configuration, 2 rooms (a.yaml, b.yaml)`.
fn describe(m: &Manifest) -> String {
    let d = &m.desired;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "stack {}, {}, {} ({})",
        d.stack,
        plural(
            d.logging_configurations.len(),
            "logging configuration",
            "logging configurations"
        ),
        plural(d.rooms.len(), "room", "rooms"),
        m.files.join(", ")
    )
}
