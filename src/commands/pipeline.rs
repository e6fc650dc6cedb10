//! The step most commands share: load the manifest (no API call while it has
//! an error), connect, discover the live resources the plan needs, plan.

use super::{connect, Globals, Session};
use crate::error::Error;
use crate::manifest::{self, Manifest};
use crate::model::{ownership, DesiredStack, LiveState};
use crate::plan::{self, Plan};
use std::path::PathBuf;

/// Loads the manifest; any error stops the command before any API call.
pub fn load_manifest(files: &[PathBuf]) -> Result<Manifest, Error> {
    Ok(manifest::load_files(files)?)
}

/// Reads the live resources a plan for `desired` needs: every logging
/// configuration and room summary, and GetRoom for the rooms of this stack
/// that the manifest keeps (deleted rooms need no details).
pub async fn discover_for(
    globals: &Globals,
    session: &Session,
    desired: &DesiredStack,
) -> Result<LiveState, Error> {
    let spinner = crate::progress::refresh_spinner(
        &globals.terminal,
        &format!("Reading the live resources of stack {}", desired.stack),
    );
    let live = crate::live::discover(&session.api, |room| {
        ownership(&room.tags)
            .is_some_and(|o| o.stack == desired.stack && desired.rooms.contains_key(o.key))
    })
    .await;
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    Ok(live?)
}

/// A manifest, the connection it was planned over, and its plan.
pub struct Planned {
    pub session: Session,
    pub manifest: Manifest,
    pub plan: Plan,
}

/// Loads, connects, discovers and plans.
pub async fn plan_files(globals: &Globals, files: &[PathBuf]) -> Result<Planned, Error> {
    let manifest = load_manifest(files)?;
    let session = connect(globals, manifest.desired.region.as_deref()).await?;
    let live = discover_for(globals, &session, &manifest.desired).await?;
    let plan = plan::plan(&manifest.desired, &live, &session.api.region)?;
    Ok(Planned {
        session,
        manifest,
        plan,
    })
}
