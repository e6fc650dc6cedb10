//! `ivsctl plan -f FILE...`: reads live state, prints the plan of every
//! stack the files declare, writes nothing (but the saved plan with `--out`).
//! It runs every check apply would run on the same plans (blocked deletes,
//! `--max-deletes`, the empty-manifest guard), so that a green plan check on
//! a pull request means apply will accept it.

use super::apply::{check_all, Limits};
use super::pipeline::{plan_paths, Refresh};
use super::{FileError, Globals};
use crate::error::{Error, ExitStatus};
use crate::plan::saved;
use crate::render::{render_plans, Format, RenderOptions};
use miette::IntoDiagnostic;
use std::io::Write;
use std::path::PathBuf;

pub struct PlanArgs {
    pub files: Vec<PathBuf>,
    /// `--stack`: only these stacks (all when empty).
    pub stacks: Vec<String>,
    pub refresh: Refresh,
    pub format: Format,
    pub out: Option<PathBuf>,
    pub detailed_exitcode: bool,
    pub limits: Limits,
}

pub async fn run(
    globals: &Globals,
    args: &PlanArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let planned = plan_paths(globals, &args.files, &args.stacks, args.refresh).await?;
    let stacks = planned.stacks();
    let plans = planned.plans();
    let opts = RenderOptions {
        color: globals.terminal.color_stdout,
        destroy: false,
    };
    render_plans(&plans, args.format, &opts, out).into_diagnostic()?;
    if args.format == Format::Json {
        // A refusal below goes to stderr: stdout keeps one document.
        crate::render::errors::document_written();
    }
    if let Some(path) = &args.out {
        let entries: Vec<_> = stacks
            .iter()
            .map(|s| (&s.plan, s.manifest.desired.is_empty()))
            .collect();
        std::fs::write(path, saved::to_json(&entries))
            .map_err(FileError::new("write the saved plan to", path))?;
    }
    // What apply would refuse, refused here too (after the plan is shown).
    check_all(
        stacks
            .iter()
            .map(|s| (&s.plan, s.manifest.desired.is_empty())),
        &args.limits,
        "apply",
    )?;
    Ok(
        if args.detailed_exitcode && plans.iter().any(|p| p.has_changes()) {
            ExitStatus::Changes
        } else {
            ExitStatus::Success
        },
    )
}
