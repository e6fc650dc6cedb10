//! `ivsctl import -f FILE ADDRESS ARN`: takes an existing resource into the
//! stack by writing its ownership tags and its applied record (the resource as
//! it is now, so that what the manifest changes next is not drift), in one
//! TagResource call, and nothing else. The next plan then shows only the real
//! differences between the resource and the manifest.

use super::pipeline::load_manifest;
use super::{connect, Globals};
use crate::error::{Error, ExitStatus};
use crate::model::{
    ownership, Address, LiveResource, OwnershipIndex, ResourceType, Tags, TAG_KEY, TAG_PROTECT,
    TAG_STACK,
};
use crate::record::{self, TAG_APPLIED};
use miette::IntoDiagnostic;
use std::io::Write;
use std::path::PathBuf;

pub struct ImportArgs {
    pub files: Vec<PathBuf>,
    pub address: String,
    pub arn: String,
}

/// Why a resource cannot be imported (nothing is written).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ImportError {
    #[error("`{0}` is not a resource address")]
    #[diagnostic(
        code(ivsctl::import::address),
        help("write rooms.KEY or loggingConfigurations.KEY, with KEY a key of the manifest")
    )]
    NotAnAddress(String),
    #[error("{0} is not in the manifest")]
    #[diagnostic(
        code(ivsctl::import::not_in_manifest),
        help("add the resource to the manifest first, then import it")
    )]
    NotInManifest(Address),
    #[error("`{arn}` is not the ARN of a {}", resource_type.as_str())]
    #[diagnostic(code(ivsctl::import::arn))]
    WrongArn {
        arn: String,
        resource_type: ResourceType,
        #[help]
        help: String,
    },
    #[error("no {} {arn} in {region}", resource_type.as_str())]
    #[diagnostic(
        code(ivsctl::import::not_found),
        help("check the ARN and the region (--region, or the manifest's `region`)")
    )]
    NotFound {
        arn: String,
        resource_type: ResourceType,
        region: String,
    },
    #[error("{address} is already claimed in stack {stack} by {arn}")]
    #[diagnostic(
        code(ivsctl::import::claimed),
        help("an address names one resource; remove the other's ivsctl tags first if it should be replaced")
    )]
    Claimed {
        address: Address,
        stack: String,
        arn: String,
    },
    #[error("{arn} already belongs to stack {stack}{key}")]
    #[diagnostic(
        code(ivsctl::import::owned),
        help("a resource belongs to one stack; remove its ivsctl: tags in the other stack first")
    )]
    Owned {
        arn: String,
        stack: String,
        key: String,
    },
}

pub async fn run(
    globals: &Globals,
    args: &ImportArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let manifest = load_manifest(globals, &args.files)?;
    let d = &manifest.desired;
    let address = Address::parse(&args.address)
        .ok_or_else(|| ImportError::NotAnAddress(args.address.clone()))?;
    let protect = match address.resource_type {
        ResourceType::Room => d.rooms.get(&address.key).map(|r| r.protect),
        ResourceType::LoggingConfiguration => d
            .logging_configurations
            .get(&address.key)
            .map(|l| l.protect),
    }
    .ok_or_else(|| ImportError::NotInManifest(address.clone()))?;
    let expected_kind = match address.resource_type {
        ResourceType::Room => ":room/",
        ResourceType::LoggingConfiguration => ":logging-configuration/",
    };
    if !args.arn.starts_with("arn:aws:ivschat:") || !args.arn.contains(expected_kind) {
        return Err(ImportError::WrongArn {
            arn: args.arn.clone(),
            resource_type: address.resource_type,
            help: format!(
                "{address} takes an ARN like arn:aws:ivschat:REGION:ACCOUNT{expected_kind}ID"
            ),
        }
        .into());
    }

    let session = connect(globals, d.region.as_deref()).await?;
    let api = &session.api;
    // Who claims what: the summaries carry every tag.
    let live = crate::live::list(
        api,
        address.resource_type == ResourceType::Room,
        address.resource_type == ResourceType::LoggingConfiguration,
    )
    .await?;
    let target_tags: Option<&Tags> = match address.resource_type {
        ResourceType::Room => find(&live.rooms, &args.arn),
        ResourceType::LoggingConfiguration => find(&live.logging_configurations, &args.arn),
    };
    let tags = target_tags.ok_or_else(|| ImportError::NotFound {
        arn: args.arn.clone(),
        resource_type: address.resource_type,
        region: api.region.clone(),
    })?;
    let index = OwnershipIndex::new(&live);
    let claimant = match index.arn(&d.stack, &address) {
        Ok(arn) => arn.map(String::from),
        Err(dup) => dup.arns.into_iter().next(),
    };
    if let Some(arn) = claimant {
        return Err(ImportError::Claimed {
            address,
            stack: d.stack.clone(),
            arn,
        }
        .into());
    }
    if let Some(stack) = tags.get(TAG_STACK) {
        let key = tags
            .get(TAG_KEY)
            .map(|k| format!(" as {}.{k}", address.resource_type.section()))
            .unwrap_or_default();
        return Err(ImportError::Owned {
            arn: args.arn.clone(),
            stack: stack.clone(),
            key,
        }
        .into());
    }
    debug_assert!(ownership(tags).is_none());

    let mut ownership_tags = Tags::new();
    ownership_tags.insert(TAG_STACK.to_string(), d.stack.clone());
    ownership_tags.insert(TAG_KEY.to_string(), address.key.clone());
    if protect {
        ownership_tags.insert(TAG_PROTECT.to_string(), "true".to_string());
    }
    // The record of the resource as it is: every field (a room's maxima need
    // GetRoom), its tags once imported, and its updateTime.
    let record = match address.resource_type {
        ResourceType::Room => {
            let room = crate::live::get_room(api, &args.arn)
                .await?
                .ok_or_else(|| ImportError::NotFound {
                    arn: args.arn.clone(),
                    resource_type: address.resource_type,
                    region: api.region.clone(),
                })?;
            record::of_room(&room, &d.stack, &address.key, &ownership_tags)
        }
        ResourceType::LoggingConfiguration => {
            let lc = live
                .logging_configurations
                .iter()
                .find(|l| l.arn == args.arn)
                .expect("found above");
            record::of_logging_configuration(lc, &d.stack, &address.key, &ownership_tags)
        }
    };
    ownership_tags.insert(TAG_APPLIED.to_string(), record);
    crate::apply::calls::tag(api, &args.arn, &ownership_tags).await?;
    writeln!(
        out,
        "Imported {} as {address} of stack {}. Run `ivsctl plan` to see how it differs from the manifest.",
        args.arn, d.stack
    )
    .into_diagnostic()?;
    Ok(ExitStatus::Success)
}

fn find<'a, T: LiveResource>(items: &'a [T], arn: &str) -> Option<&'a Tags> {
    items.iter().find(|r| r.arn() == arn).map(|r| r.tags())
}
