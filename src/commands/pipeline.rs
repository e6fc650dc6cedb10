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

/// Loads the manifest of one stack; any error stops the command before any
/// API call.
pub fn load_manifest(globals: &Globals, files: &[PathBuf]) -> Result<Manifest, Error> {
    Ok(manifest::load_stack(&default_files(files)?, &globals.vars)?)
}

/// The manifest file read when `-f` is not given.
pub const DEFAULT_MANIFEST: &str = "ivsctl.yaml";

/// `-f`'s files, or when none is given: `ivsctl.yaml` if it exists, else
/// the manifests of the current directory (its `*.yaml` / `*.yml` files
/// with a top-level `stack:`; not its subdirectories).
pub fn default_files(files: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    if !files.is_empty() {
        return Ok(files.to_vec());
    }
    let default = PathBuf::from(DEFAULT_MANIFEST);
    if default.is_file() {
        return Ok(vec![default]);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(".")
        .map_err(super::FileError::new("list", std::path::Path::new(".")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with('.')
                && (name.ends_with(".yaml") || name.ends_with(".yml"))
                && p.is_file()
                && std::fs::read_to_string(p)
                    .is_ok_and(|t| t.lines().any(|l| l.starts_with("stack:")))
        })
        .map(|p| p.strip_prefix("./").map(PathBuf::from).unwrap_or(p))
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(RunError::NoManifest.into());
    }
    Ok(found)
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
    #[error("no manifest: -f was not given, there is no ivsctl.yaml, and no *.yaml file of the current directory declares a stack")]
    #[diagnostic(
        code(ivsctl::run::no_manifest),
        help("give the manifest with -f FILE (or -f DIR), or run where ivsctl.yaml is")
    )]
    NoManifest,
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
pub fn load_stacks(
    globals: &Globals,
    files: &[PathBuf],
    select: &[String],
) -> Result<Vec<Manifest>, Error> {
    let all = manifest::load_workspace(&default_files(files)?, &globals.vars)?.stacks;
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

/// Each stack's region: its manifest's, or `--region`, or (`None`) the AWS
/// configuration's. A `--region` that contradicts a manifest's `region` is
/// an error located at that `region` (every such stack reported at once):
/// a plan for one region must never run in another.
pub fn stack_regions(
    globals: &Globals,
    manifests: &[Manifest],
) -> Result<Vec<Option<String>>, Error> {
    let flag = globals.aws.region.as_deref();
    let mut conflicts = Vec::new();
    let mut regions = Vec::new();
    for m in manifests {
        match (flag, m.desired.region.as_deref()) {
            (Some(f), Some(r)) if f != r => conflicts.push(m.error_at_with_code(
                &["region"],
                "the manifest's region",
                &format!(
                    "stack {} is in region {r} but --region says {f}",
                    m.desired.stack
                ),
                "remove --region (the manifest's region is used), or make them agree",
                "ivsctl::config::region_conflict",
            )),
            (_, Some(r)) | (Some(r), None) => regions.push(Some(r.to_string())),
            (None, None) => regions.push(None),
        }
    }
    if conflicts.is_empty() {
        Ok(regions)
    } else {
        Err(manifest::ManifestError::combine(conflicts).into())
    }
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
    let manifests = load_stacks(globals, files, select)?;
    // Group by the region each stack resolves to (its manifest's, --region,
    // or the AWS configuration's).
    let mut groups: BTreeMap<Option<String>, Vec<Manifest>> = BTreeMap::new();
    let regions = stack_regions(globals, &manifests)?;
    for (m, region) in manifests.into_iter().zip(regions) {
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
        let plan = plan::plan_in_run(&m.desired, &live, &session.api.region, &run)
            .map_err(|e| locate(&m, e))?;
        stacks.push(Stack { manifest: m, plan });
    }
    if let Err(e) = plan::check_claims(stacks.iter().map(|s| &s.plan)) {
        let plan::PlanError::ClaimedByTwoStacks { second, .. } = &e else {
            return Err(e.into());
        };
        let m = stacks
            .iter()
            .find(|s| s.plan.stack == second.stack)
            .map(|s| &s.manifest)
            .expect("the claim is of a stack of the run");
        return Err(locate(m, e));
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
    let _wait = crate::heartbeat::waiting(format!(
        "the live resources of {} to be read",
        names.join(", ")
    ));
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

/// A planning error that concerns a place in the manifest (a reference, an
/// `import:`, a `moved` entry), located there like any manifest error:
/// file:line:col, underline, help. Others stay as they are.
fn locate(m: &Manifest, err: plan::PlanError) -> Error {
    use crate::model::{Address, LoggingConfigurationRef as Ref};
    use miette::Diagnostic;
    use plan::PlanError as E;
    let help = err.help().map(|h| h.to_string()).unwrap_or_default();
    let message = err.to_string();
    // The index of the reference `matches` in a room's loggingConfigurations.
    let reference = |address: &Address, matches: &dyn Fn(&Ref) -> bool| {
        let index = m
            .desired
            .rooms
            .get(&address.key)
            .and_then(|r| r.logging_configurations.iter().position(matches))
            .map(|i| i.to_string());
        let mut path = vec![
            "rooms".to_string(),
            address.key.clone(),
            "loggingConfigurations".to_string(),
        ];
        path.extend(index);
        path
    };
    let (path, label, code): (Vec<String>, &str, &'static str) = match &err {
        E::UnknownLoggingConfiguration { address, arn } => (
            reference(address, &|r| matches!(r, Ref::Arn(a) if a == arn)),
            "no such logging configuration",
            "ivsctl::plan::unknown_logging_configuration",
        ),
        E::UnknownStackReference {
            address,
            stack,
            key,
        } => (
            reference(
                address,
                &|r| matches!(r, Ref::Stack { stack: s, key: k } if s == stack && k == key),
            ),
            "not owned by that stack",
            "ivsctl::plan::unknown_stack_reference",
        ),
        E::ImportConflict { address, .. } => (
            import_path(address),
            "the address already has a resource",
            "ivsctl::plan::import_conflict",
        ),
        E::ImportNotFound { address, .. } => (
            import_path(address),
            "no such resource",
            "ivsctl::plan::import_not_found",
        ),
        E::ImportOwned { address, .. } => (
            import_path(address),
            "owned by another stack",
            "ivsctl::plan::import_owned",
        ),
        E::MoveConflict { .. } => (
            vec!["moved".to_string()],
            "both addresses are owned",
            "ivsctl::plan::move_conflict",
        ),
        E::ClaimedByTwoStacks { second, .. } => (
            claim_path(m, &second.address),
            "claimed by another stack too",
            "ivsctl::plan::claimed_by_two_stacks",
        ),
        _ => return err.into(),
    };
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    m.error_at_with_code(&path, label, &message, &help, code)
        .into()
}

/// Where a stack claims `address`: its `import:` when it imports it, else
/// its `moved` entries when it moves resources in, else the resource's key.
fn claim_path(m: &Manifest, address: &crate::model::Address) -> Vec<String> {
    use crate::model::ResourceType;
    let imports = match address.resource_type {
        ResourceType::Room => m
            .desired
            .rooms
            .get(&address.key)
            .is_some_and(|r| r.import.is_some()),
        ResourceType::LoggingConfiguration => m
            .desired
            .logging_configurations
            .get(&address.key)
            .is_some_and(|l| l.import.is_some()),
    };
    if imports {
        import_path(address)
    } else if !m.desired.moved.is_empty() {
        vec!["moved".to_string()]
    } else {
        vec![
            address.resource_type.section().to_string(),
            address.key.clone(),
        ]
    }
}

fn import_path(address: &crate::model::Address) -> Vec<String> {
    vec![
        address.resource_type.section().to_string(),
        address.key.clone(),
        "import".to_string(),
    ]
}
