//! `ivsctl show PLANFILE`: a plan saved with `plan --out`, rendered exactly
//! as `plan` rendered it (the saved file keeps everything the renderers
//! read). Offline: no connection, no account.

use super::apply::read_plan_file;
use super::Globals;
use crate::error::{Error, ExitStatus};
use crate::plan::{saved, Plan};
use crate::render::{render_plans, Format, RenderOptions};
use miette::IntoDiagnostic;
use std::io::Write;
use std::path::PathBuf;

pub struct ShowArgs {
    pub planfile: PathBuf,
    pub format: Format,
}

/// Why the file cannot be shown.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ShowError {
    #[error("{} is a manifest, not a saved plan", path.display())]
    #[diagnostic(
        code(ivsctl::saved_plan::manifest),
        help("to see what applying it would do: `ivsctl plan -f {}`; PLANFILE is a plan saved by `ivsctl plan --out FILE`", path.display())
    )]
    ManifestAsPlan { path: PathBuf },
    #[error("{}: {source}", path.display())]
    #[diagnostic(code(ivsctl::saved_plan))]
    SavedPlan {
        path: PathBuf,
        #[source]
        #[diagnostic_source]
        source: saved::SavedPlanError,
    },
}

pub fn run(globals: &Globals, args: &ShowArgs, out: &mut dyn Write) -> Result<ExitStatus, Error> {
    let saved = read_plan_file(
        &args.planfile,
        |path| ShowError::ManifestAsPlan { path },
        |path, source| ShowError::SavedPlan { path, source },
    )?;
    let plans: Vec<Plan> = saved.into_iter().map(|s| s.plan).collect();
    let opts = RenderOptions {
        color: globals.terminal.color_stdout,
        destroy: false,
    };
    render_plans(&plans, args.format, &opts, out).into_diagnostic()?;
    Ok(ExitStatus::Success)
}
