//! `ivsctl plan -f FILE...`: reads live state, prints the plan, writes nothing
//! (except the saved plan with `--out`).

use super::pipeline::{plan_files, Refresh};
use super::{FileError, Globals};
use crate::error::{Error, ExitStatus};
use crate::plan::saved;
use crate::render::{render_plan, Format, RenderOptions};
use miette::IntoDiagnostic;
use std::io::Write;
use std::path::PathBuf;

pub struct PlanArgs {
    pub files: Vec<PathBuf>,
    pub refresh: Refresh,
    pub format: Format,
    pub out: Option<PathBuf>,
    pub detailed_exitcode: bool,
}

pub async fn run(
    globals: &Globals,
    args: &PlanArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let planned = plan_files(globals, &args.files, args.refresh).await?;
    let plan = &planned.plan;
    let opts = RenderOptions {
        color: globals.terminal.color_stdout,
    };
    render_plan(plan, args.format, &opts, out).into_diagnostic()?;
    if let Some(path) = &args.out {
        let text = saved::to_json(plan, planned.manifest.desired.is_empty());
        std::fs::write(path, text).map_err(FileError::new("write the saved plan to", path))?;
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
