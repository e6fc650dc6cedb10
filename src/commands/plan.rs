//! `ivsctl plan -f FILE...`: reads live state, prints the plan, writes nothing
//! (except the saved plan with `--out`).

use super::{connect, load_manifest, Globals, Session};
use crate::error::{Error, ExitStatus};
use crate::manifest::Manifest;
use crate::model::{ownership, LiveState};
use crate::plan::{self, Plan};
use crate::render::{render_plan, Format, RenderOptions};
use miette::{miette, IntoDiagnostic};
use std::io::Write;
use std::path::PathBuf;

pub struct PlanArgs {
    pub files: Vec<PathBuf>,
    pub format: Format,
    pub out: Option<PathBuf>,
    pub detailed_exitcode: bool,
}

/// Reads the live resources a plan for `manifest` needs: every logging
/// configuration and room summary, and GetRoom for the rooms of this stack
/// that the manifest keeps (deleted rooms need no details).
pub async fn discover_for(session: &Session, manifest: &Manifest) -> Result<LiveState, Error> {
    let d = &manifest.desired;
    let spinner = crate::progress::refresh_spinner(&format!(
        "Reading the live resources of stack {}",
        d.stack
    ));
    let live = crate::live::discover(&session.api, |room| {
        ownership(&room.tags).is_some_and(|o| o.stack == d.stack && d.rooms.contains_key(o.key))
    })
    .await;
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    live.map_err(|e| miette!("{e}"))
}

/// Loads, connects, discovers and plans.
pub async fn make_plan(
    globals: &Globals,
    files: &[PathBuf],
) -> Result<(Session, Manifest, Plan), Error> {
    let manifest = load_manifest(files)?;
    let session = connect(globals, manifest.desired.region.as_deref()).await?;
    let live = discover_for(&session, &manifest).await?;
    let plan =
        plan::plan(&manifest.desired, &live, &session.api.region).map_err(|e| miette!("{e}"))?;
    Ok((session, manifest, plan))
}

pub async fn run(
    globals: &Globals,
    args: &PlanArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let (_session, manifest, plan) = make_plan(globals, &args.files).await?;
    render_plan(
        &plan,
        args.format,
        &RenderOptions {
            color: globals.color,
        },
        out,
    )
    .into_diagnostic()?;
    if let Some(path) = &args.out {
        std::fs::write(
            path,
            plan::saved::to_json(&plan, manifest.desired.is_empty()),
        )
        .into_diagnostic()
        .map_err(|e| e.wrap_err(format!("cannot write the saved plan to {}", path.display())))?;
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
