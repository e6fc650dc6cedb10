//! `ivsctl forget -f FILE ADDRESS...`: stops managing resources without
//! deleting them. It removes ivsctl's tags (ownership, protection, applied
//! record) from each, in one UntagResource call per resource, and nothing
//! else: the resource stays live, unmanaged, as if ivsctl had never seen it.
//! Protected resources are refused unless `--force`. Every address is
//! checked before the first write.

use super::pipeline::load_stacks;
use super::{connect, Globals};
use crate::error::{Error, ExitStatus};
use crate::model::{
    Address, LiveResource, OwnershipIndex, ResourceType, StackAddress, TAG_KEY, TAG_PROTECT,
    TAG_STACK,
};
use crate::record::TAG_APPLIED;
use miette::IntoDiagnostic;
use std::io::Write;
use std::path::PathBuf;

pub struct ForgetArgs {
    pub files: Vec<PathBuf>,
    pub addresses: Vec<String>,
    pub force: bool,
}

/// Why nothing was forgotten.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ForgetError {
    #[error("`{0}` is not a resource address")]
    #[diagnostic(
        code(ivsctl::forget::address),
        help("write rooms.KEY or loggingConfigurations.KEY (STACK/rooms.KEY when the files declare several stacks)")
    )]
    NotAnAddress(String),
    #[error("`{address}` names no stack, and the files declare several: {}", stacks.join(", "))]
    #[diagnostic(code(ivsctl::forget::which_stack), help("write STACK/{address}"))]
    WhichStack {
        address: String,
        stacks: Vec<String>,
    },
    #[error(
        "{0} does not exist in this account and region (nothing of that stack and key to forget)"
    )]
    #[diagnostic(
        code(ivsctl::forget::not_found),
        help("`ivsctl export --stack STACK` lists what the stack owns")
    )]
    NotFound(StackAddress),
    #[error("{0} is protected (live tag ivsctl:protect=true); nothing was forgotten")]
    #[diagnostic(
        code(ivsctl::forget::protected),
        help("pass --force to forget it anyway (it stays in the account either way)")
    )]
    Protected(StackAddress),
    #[error("{address} is claimed by more than one live resource: {}", arns.join(" and "))]
    #[diagnostic(code(ivsctl::forget::claimed_twice), help("forget each by removing its tags: aws ivschat untag-resource --resource-arn ARN --tag-keys ivsctl:stack ivsctl:key"))]
    ClaimedTwice {
        address: StackAddress,
        arns: Vec<String>,
    },
}

pub async fn run(
    globals: &Globals,
    args: &ForgetArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let manifests = load_stacks(globals, &args.files, &[])?;
    let names: Vec<String> = manifests.iter().map(|m| m.desired.stack.clone()).collect();
    // Every address, resolved offline first.
    let mut targets: Vec<StackAddress> = Vec::new();
    for a in &args.addresses {
        let target = match StackAddress::parse(a) {
            Some(t) => t,
            None => {
                let address =
                    Address::parse(a).ok_or_else(|| ForgetError::NotAnAddress(a.clone()))?;
                match names.as_slice() {
                    [one] => StackAddress::new(one.clone(), address),
                    _ => {
                        return Err(ForgetError::WhichStack {
                            address: a.clone(),
                            stacks: names.clone(),
                        }
                        .into())
                    }
                }
            }
        };
        targets.push(target);
    }
    let region = manifests
        .iter()
        .find(|m| targets.first().is_some_and(|t| t.stack == m.desired.stack))
        .and_then(|m| m.desired.region.clone());
    let session = connect(globals, region.as_deref()).await?;
    let api = &session.api;
    let live = crate::live::list(api, true, true).await?;
    let index = OwnershipIndex::new(&live);
    // Find and check every one before the first write.
    let mut found: Vec<(StackAddress, String, Vec<String>)> = Vec::new();
    for t in &targets {
        let (arn, tags) = match t.address.resource_type {
            ResourceType::Room => lookup(&index.rooms.get(&t.stack, &t.address.key), t)?,
            ResourceType::LoggingConfiguration => lookup(
                &index.logging_configurations.get(&t.stack, &t.address.key),
                t,
            )?,
        };
        if tags.get(TAG_PROTECT).is_some_and(|v| v == "true") && !args.force {
            return Err(ForgetError::Protected(t.clone()).into());
        }
        let keys: Vec<String> = [TAG_STACK, TAG_KEY, TAG_PROTECT, TAG_APPLIED]
            .into_iter()
            .filter(|k| tags.contains_key(*k))
            .map(String::from)
            .collect();
        found.push((t.clone(), arn, keys));
    }
    for (t, arn, keys) in &found {
        crate::apply::calls::untag(api, arn, keys).await?;
        writeln!(
            out,
            "Forgot {t} ({arn}): it stays in the account, and no stack manages it now."
        )
        .into_diagnostic()?;
        let still = manifests.iter().any(|m| {
            m.desired.stack == t.stack
                && match t.address.resource_type {
                    ResourceType::Room => m.desired.rooms.contains_key(&t.address.key),
                    ResourceType::LoggingConfiguration => m
                        .desired
                        .logging_configurations
                        .contains_key(&t.address.key),
                }
        });
        if still {
            writeln!(
                out,
                "Note: {} is still in the manifest: the next apply would create a new one; remove it from the manifest.",
                t.address
            )
            .into_diagnostic()?;
        }
    }
    Ok(ExitStatus::Success)
}

fn lookup<T: LiveResource>(
    got: &Result<Option<&T>, crate::model::DuplicateClaim>,
    t: &StackAddress,
) -> Result<(String, crate::model::Tags), ForgetError> {
    match got {
        Ok(Some(r)) => Ok((r.arn().to_string(), r.tags().clone())),
        Ok(None) => Err(ForgetError::NotFound(t.clone())),
        Err(dup) => Err(ForgetError::ClaimedTwice {
            address: t.clone(),
            arns: dup.arns.clone(),
        }),
    }
}
