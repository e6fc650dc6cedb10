//! `ivsctl import -f FILE ADDRESS ARN`: takes an existing resource into the
//! stack by writing its ownership tags, and nothing else. The next plan then
//! shows only the real differences between the resource and the manifest.

use super::{connect, load_manifest, Globals};
use crate::error::{Error, ExitStatus};
use crate::model::{ownership, Address, ResourceType, Tags, TAG_KEY, TAG_PROTECT, TAG_STACK};
use miette::{miette, IntoDiagnostic};
use std::io::Write;
use std::path::PathBuf;

pub struct ImportArgs {
    pub files: Vec<PathBuf>,
    pub address: String,
    pub arn: String,
}

pub async fn run(
    globals: &Globals,
    args: &ImportArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let manifest = load_manifest(&args.files)?;
    let d = &manifest.desired;
    let address = Address::parse(&args.address).ok_or_else(|| {
        miette!(
            help = "write rooms.KEY or loggingConfigurations.KEY, with KEY a key of the manifest",
            "`{}` is not a resource address",
            args.address
        )
    })?;
    let protect = match address.resource_type {
        ResourceType::Room => d.rooms.get(&address.key).map(|r| r.protect),
        ResourceType::LoggingConfiguration => d
            .logging_configurations
            .get(&address.key)
            .map(|l| l.protect),
    }
    .ok_or_else(|| {
        miette!(
            help = "add the resource to the manifest first, then import it",
            "{address} is not in the manifest"
        )
    })?;
    let expected_kind = match address.resource_type {
        ResourceType::Room => ":room/",
        ResourceType::LoggingConfiguration => ":logging-configuration/",
    };
    if !args.arn.starts_with("arn:aws:ivschat:") || !args.arn.contains(expected_kind) {
        return Err(miette!(
            help = format!(
                "{address} takes an ARN like arn:aws:ivschat:REGION:ACCOUNT{expected_kind}ID"
            ),
            "`{}` is not the ARN of a {}",
            args.arn,
            address.resource_type.as_str()
        ));
    }

    let session = connect(globals, d.region.as_deref()).await?;
    let api = &session.api;
    // Who claims what: the summaries carry every tag.
    let (tags_of_target, claimant) = match address.resource_type {
        ResourceType::Room => {
            let rooms = crate::live::list_rooms(api)
                .await
                .map_err(|e| miette!("{e}"))?;
            let target = rooms
                .iter()
                .find(|r| r.arn == args.arn)
                .map(|r| r.tags.clone());
            let claimant = rooms
                .iter()
                .find(|r| claims(&r.tags, &d.stack, &address.key))
                .map(|r| r.arn.clone());
            (target, claimant)
        }
        ResourceType::LoggingConfiguration => {
            let lcs = crate::live::list_logging_configurations(api)
                .await
                .map_err(|e| miette!("{e}"))?;
            let target = lcs
                .iter()
                .find(|l| l.arn == args.arn)
                .map(|l| l.tags.clone());
            let claimant = lcs
                .iter()
                .find(|l| claims(&l.tags, &d.stack, &address.key))
                .map(|l| l.arn.clone());
            (target, claimant)
        }
    };
    let tags = tags_of_target.ok_or_else(|| {
        miette!(
            "no {} {} in {}",
            address.resource_type.as_str(),
            args.arn,
            api.region
        )
    })?;
    if let Some(arn) = claimant {
        return Err(miette!(
            help = "an address names one resource; remove the other's ivsctl tags first if it should be replaced",
            "{address} is already claimed in stack {} by {arn}",
            d.stack
        ));
    }
    if let Some(stack) = tags.get(TAG_STACK) {
        let key = tags
            .get(TAG_KEY)
            .map(|k| format!(" as {}.{k}", address.resource_type.section()))
            .unwrap_or_default();
        return Err(miette!(
            help =
                "a resource belongs to one stack; remove its ivsctl: tags in the other stack first",
            "{} already belongs to stack {stack}{key}",
            args.arn
        ));
    }

    let mut ownership_tags = Tags::new();
    ownership_tags.insert(TAG_STACK.to_string(), d.stack.clone());
    ownership_tags.insert(TAG_KEY.to_string(), address.key.clone());
    if protect {
        ownership_tags.insert(TAG_PROTECT.to_string(), "true".to_string());
    }
    crate::apply::tag_resource(api, &args.arn, &ownership_tags)
        .await
        .map_err(|e| miette!("{e}"))?;
    writeln!(
        out,
        "Imported {} as {address} of stack {}. Run `ivsctl plan` to see how it differs from the manifest.",
        args.arn, d.stack
    )
    .into_diagnostic()?;
    Ok(ExitStatus::Success)
}

fn claims(tags: &Tags, stack: &str, key: &str) -> bool {
    ownership(tags).is_some_and(|o| o.stack == stack && o.key == key)
}
