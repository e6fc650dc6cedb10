//! The step most commands share: load the manifest (no API call while it has
//! an error), connect, discover the live resources the plan needs, plan.

use super::{connect, Globals, Session};
use crate::error::Error;
use crate::live::Need;
use crate::manifest::{self, Manifest};
use crate::model::{DesiredStack, LiveState};
use crate::plan::{self, Plan};
use std::collections::BTreeMap;
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

/// One stack of a run: its manifest and its plan.
pub struct Stack {
    pub manifest: Manifest,
    pub plan: Plan,
}

/// The stacks of one region, planned over one connection and one discovery.
pub struct Region {
    pub session: Session,
    pub stacks: Vec<Stack>,
}

/// Every stack of a run, by region.
pub struct Planned {
    pub regions: Vec<Region>,
}

impl Planned {
    /// Every stack, in stack-name order (whatever its region).
    pub fn stacks(&self) -> Vec<&Stack> {
        let mut all: Vec<&Stack> = self.regions.iter().flat_map(|r| &r.stacks).collect();
        all.sort_by(|a, b| a.plan.stack.cmp(&b.plan.stack));
        all
    }

    /// Every plan, in stack-name order.
    pub fn plans(&self) -> Vec<Plan> {
        self.stacks().into_iter().map(|s| s.plan.clone()).collect()
    }
}

/// Why a run cannot start.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RunError {
    #[error("no stack {stack} in the manifests given")]
    #[diagnostic(code(ivsctl::run::no_such_stack))]
    NoSuchStack {
        stack: String,
        #[help]
        help: String,
    },
}

/// The stacks the manifest files declare (several files of one stack form
/// it; a directory is read recursively), keeping those `--stack` selects.
pub fn load_stacks(files: &[PathBuf], select: &[String]) -> Result<Vec<Manifest>, Error> {
    let all = vec![manifest::load_files(files)?];
    if select.is_empty() {
        return Ok(all);
    }
    for s in select {
        if !all.iter().any(|m| &m.desired.stack == s) {
            let names: Vec<&str> = all.iter().map(|m| m.desired.stack.as_str()).collect();
            return Err(RunError::NoSuchStack {
                stack: s.clone(),
                help: format!("the manifests declare: {}", names.join(", ")),
            }
            .into());
        }
    }
    Ok(all
        .into_iter()
        .filter(|m| select.contains(&m.desired.stack))
        .collect())
}

/// Loads, connects (once per region), discovers (once per region, shared by
/// the region's stacks) and plans every stack; regions run concurrently,
/// each paced to its own quotas.
pub async fn plan_paths(
    globals: &Globals,
    files: &[PathBuf],
    select: &[String],
    refresh: Refresh,
) -> Result<Planned, Error> {
    let manifests = load_stacks(files, select)?;
    // Group by the region each stack resolves to (its manifest's, --region,
    // or the AWS configuration's).
    let mut groups: BTreeMap<Option<String>, Vec<Manifest>> = BTreeMap::new();
    for m in manifests {
        let region =
            super::resolve_region(globals.aws.region.as_deref(), m.desired.region.as_deref())?;
        groups.entry(region).or_default().push(m);
    }
    let regions = futures_util::future::try_join_all(
        groups
            .into_iter()
            .map(|(region, manifests)| plan_region(globals, region, manifests, refresh)),
    )
    .await?;
    Ok(Planned { regions })
}

async fn plan_region(
    globals: &Globals,
    region: Option<String>,
    manifests: Vec<Manifest>,
    refresh: Refresh,
) -> Result<Region, Error> {
    let session = connect(globals, region.as_deref()).await?;
    let desired: Vec<&DesiredStack> = manifests.iter().map(|m| &m.desired).collect();
    let live = discover_stacks(globals, &session, &desired, refresh).await?;
    let run = crate::plan::Run::of(&desired, &live);
    let mut stacks = Vec::new();
    for m in manifests {
        let plan = plan::plan_in_run(&m.desired, &live, &session.api.region, &run)?;
        stacks.push(Stack { manifest: m, plan });
    }
    Ok(Region { session, stacks })
}

/// Reads what the plans of `stacks` need: every summary, and every field of
/// the rooms they keep (from the applied record where it proves them), of
/// the rooms they import (GetRoom), and of the rooms they move in.
pub async fn discover_stacks(
    globals: &Globals,
    session: &Session,
    stacks: &[&DesiredStack],
    refresh: Refresh,
) -> Result<LiveState, Error> {
    let names: Vec<&str> = stacks.iter().map(|d| d.stack.as_str()).collect();
    let spinner = crate::progress::refresh_spinner(
        &globals.terminal,
        &format!("Reading the live resources of {}", names.join(", ")),
    );
    let need = crate::plan::Needs::of(stacks);
    let live = crate::live::discover(&session.api, |room| match need.room(room) {
        Need::Fields { .. } if refresh == Refresh::Full => Need::Read,
        other => other,
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
