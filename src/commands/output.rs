//! `ivsctl output [-f FILE] [--stack NAME]`: the key, ARN and id of every
//! resource of each stack, read from the List pages only (their summaries
//! carry the ownership tags, ARNs and ids; no GetRoom): one connection and
//! one read per region. Writes nothing.

use super::pipeline::{load_stacks, stack_regions};
use super::{connect, Globals};
use crate::error::{Error, ExitStatus};
use crate::manifest::Manifest;
use crate::model::{LiveResource, Owners, OwnershipIndex};
use crate::plan::PlanError;
use crate::render::{render_outputs, Ids, StackOutputs};
use miette::IntoDiagnostic;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

pub struct OutputArgs {
    pub files: Vec<PathBuf>,
    /// `--stack`: only these stacks (all when empty).
    pub stacks: Vec<String>,
    pub json: bool,
}

pub async fn run(
    globals: &Globals,
    args: &OutputArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let manifests = load_stacks(globals, &args.files, &args.stacks)?;
    let regions = stack_regions(globals, &manifests)?;
    let mut groups: BTreeMap<Option<String>, Vec<&Manifest>> = BTreeMap::new();
    for (m, region) in manifests.iter().zip(regions) {
        groups.entry(region).or_default().push(m);
    }
    let mut stacks = Vec::new();
    for (region, manifests) in groups {
        let session = connect(globals, region.as_deref()).await?;
        let live = crate::live::list(&session.api, true, true).await?;
        let index = OwnershipIndex::new(&live);
        for m in manifests {
            let d = &m.desired;
            stacks.push(StackOutputs {
                stack: d.stack.clone(),
                region: session.api.region.clone(),
                logging_configurations: ids(
                    &index.logging_configurations,
                    &d.stack,
                    d.logging_configurations.keys(),
                    |l| &l.id,
                )?,
                rooms: ids(&index.rooms, &d.stack, d.rooms.keys(), |r| &r.id)?,
            });
        }
    }
    stacks.sort_by(|a, b| a.stack.cmp(&b.stack));
    render_outputs(&stacks, args.json, out).into_diagnostic()?;
    Ok(ExitStatus::Success)
}

/// Every key the manifest declares (`None` until created) and every key the
/// stack owns live, with its identifiers; a key claimed twice is an error.
fn ids<'a, 'k, T: LiveResource>(
    owners: &Owners<'a, T>,
    stack: &str,
    declared: impl Iterator<Item = &'k String>,
    id: impl Fn(&T) -> &str,
) -> Result<BTreeMap<String, Option<Ids>>, PlanError> {
    let mut out: BTreeMap<String, Option<Ids>> = declared.map(|k| (k.clone(), None)).collect();
    for (key, r) in owners.of_stack(stack)? {
        let ids = Ids {
            arn: r.arn().to_string(),
            id: id(r).to_string(),
        };
        out.insert(key.to_string(), Some(ids));
    }
    Ok(out)
}
