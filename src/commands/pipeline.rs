//! The step most commands share: load the manifest (no API call while it has
//! an error), connect, discover the live resources the plan needs, plan.

use super::{connect, Globals, Session};
use crate::error::Error;
use crate::live::Need;
use crate::manifest::{self, Manifest};
use crate::model::{ownership, Address, DesiredStack, LiveState};
use crate::plan::{self, Plan};
use std::path::PathBuf;

/// How the rooms a plan keeps are refreshed (`--refresh`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Refresh {
    /// From the List pages; GetRoom only for rooms whose applied record does
    /// not prove them unchanged since ivsctl wrote them.
    #[default]
    Fast,
    /// GetRoom for every room the manifest keeps.
    Full,
}

/// Loads the manifest; any error stops the command before any API call.
pub fn load_manifest(files: &[PathBuf]) -> Result<Manifest, Error> {
    Ok(manifest::load_files(files)?)
}

/// Reads the live resources a plan for `desired` needs: every logging
/// configuration and room summary, and every field of the rooms of this
/// stack that the manifest keeps (deleted rooms need no details): from their
/// applied record where it proves them, else GetRoom (always GetRoom with
/// `Refresh::Full`).
pub async fn discover_for(
    globals: &Globals,
    session: &Session,
    desired: &DesiredStack,
    refresh: Refresh,
) -> Result<LiveState, Error> {
    let spinner = crate::progress::refresh_spinner(
        &globals.terminal,
        &format!("Reading the live resources of stack {}", desired.stack),
    );
    let live = crate::live::discover(&session.api, |room| match ownership(&room.tags) {
        Some(o) if o.stack == desired.stack && desired.rooms.contains_key(o.key) => match refresh {
            Refresh::Fast => Need::Fields {
                stack: desired.stack.clone(),
                address: Address::room(o.key),
            },
            Refresh::Full => Need::Read,
        },
        _ => Need::Summary,
    })
    .await;
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let (live, refreshed) = live?;
    if globals.verbose > 0 {
        crate::trace::line(format_args!(
            "refresh: {} room{} proven unchanged by their applied record, {} read with GetRoom",
            refreshed.proven,
            if refreshed.proven == 1 { "" } else { "s" },
            refreshed.read
        ));
    }
    Ok(live)
}

/// A manifest, the connection it was planned over, and its plan.
pub struct Planned {
    pub session: Session,
    pub manifest: Manifest,
    pub plan: Plan,
}

/// Loads, connects, discovers and plans.
pub async fn plan_files(
    globals: &Globals,
    files: &[PathBuf],
    refresh: Refresh,
) -> Result<Planned, Error> {
    let manifest = load_manifest(files)?;
    let session = connect(globals, manifest.desired.region.as_deref()).await?;
    let live = discover_for(globals, &session, &manifest.desired, refresh).await?;
    let plan = plan::plan(&manifest.desired, &live, &session.api.region)?;
    Ok(Planned {
        session,
        manifest,
        plan,
    })
}
