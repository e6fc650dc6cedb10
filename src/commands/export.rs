//! `ivsctl export [--stack S]`: live resources as manifest v1. Planning the
//! output against the same account shows no changes; export checks that
//! itself before printing.

use super::{connect, Globals};
use crate::error::{Error, ExitStatus};
use crate::model::{
    ownership, DesiredLoggingConfiguration, DesiredRoom, DesiredStack, LiveState,
    LoggingConfigurationRef, Tags, AWS_TAG_PREFIX, RESERVED_TAG_PREFIX,
};
use miette::{miette, IntoDiagnostic};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;

pub struct ExportArgs {
    pub stack: Option<String>,
    pub output_dir: Option<PathBuf>,
}

pub async fn run(
    globals: &Globals,
    args: &ExportArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let session = connect(globals, None).await?;
    let wanted = args.stack.clone();
    let live = crate::live::discover(&session.api, |room| {
        ownership(&room.tags).is_some_and(|o| wanted.as_deref().is_none_or(|s| s == o.stack))
    })
    .await
    .map_err(|e| miette!("{e}"))?;
    let region = session.api.region.clone();

    let mut stacks: BTreeSet<String> = live
        .rooms
        .iter()
        .map(|r| &r.tags)
        .chain(live.logging_configurations.iter().map(|l| &l.tags))
        .filter_map(|t| ownership(t).map(|o| o.stack.to_string()))
        .collect();
    if let Some(s) = &args.stack {
        if !stacks.contains(s) {
            let others: Vec<&str> = stacks.iter().map(String::as_str).collect();
            return Err(miette!(
                help = format!(
                    "{}adopt existing resources into it with `ivsctl import`, or create them with `ivsctl apply`",
                    if others.is_empty() { String::new() } else { format!("stacks in {region}: {}; ", others.join(", ")) }
                ),
                "no resource in {region} belongs to stack {s}{}",
                unmanaged_summary(&live)
            ));
        }
        stacks = BTreeSet::from([s.clone()]);
    }
    let mut manifests = Vec::new();
    for stack in &stacks {
        let desired = stack_from_live(stack, &live, &region)?;
        // Self-check: the export must plan as no changes.
        let check = crate::plan::plan(&desired, &live, &region).map_err(|e| miette!("{e}"))?;
        if check.has_changes() {
            return Err(miette!(
                "internal error: the export of stack {stack} would not plan as a no-op"
            ));
        }
        let mut text = crate::manifest::to_yaml(&desired, None);
        crate::manifest::load_str(&format!("{stack}.yaml"), &text).map_err(|e| {
            miette!(
                help = "a live resource carries ownership tags that no manifest can express (e.g. a key with spaces)",
                "the export of stack {stack} is not a valid manifest:\n{}",
                crate::manifest::render_plain(&e)
            )
        })?;
        text.push_str(&unmanaged_comment(&live));
        manifests.push((stack.clone(), text));
    }

    match (&args.output_dir, manifests.len()) {
        (Some(dir), _) => {
            std::fs::create_dir_all(dir).into_diagnostic()?;
            for (stack, text) in &manifests {
                let path = dir.join(format!("{stack}.yaml"));
                std::fs::write(&path, text)
                    .into_diagnostic()
                    .map_err(|e| e.wrap_err(format!("cannot write {}", path.display())))?;
                writeln!(out, "wrote {}", path.display()).into_diagnostic()?;
            }
        }
        (None, 0) => {
            return Err(miette!(
            help =
                "adopt existing resources with `ivsctl import`, or create them with `ivsctl apply`",
            "no resource in {region} belongs to any ivsctl stack{}",
            unmanaged_summary(&live)
        ))
        }
        (None, 1) => out.write_all(manifests[0].1.as_bytes()).into_diagnostic()?,
        (None, _) => {
            let names: Vec<&str> = manifests.iter().map(|(s, _)| s.as_str()).collect();
            return Err(miette!(
                help = "choose one with --stack, or write one file per stack with --output-dir DIR",
                "{} stacks live in {region}: {}",
                names.len(),
                names.join(", ")
            ));
        }
    }
    Ok(ExitStatus::Success)
}

/// User tags: ivsctl's and AWS's own removed.
fn user_tags(tags: &Tags) -> Tags {
    tags.iter()
        .filter(|(k, _)| {
            !k.starts_with(RESERVED_TAG_PREFIX)
                && !k.to_ascii_lowercase().starts_with(AWS_TAG_PREFIX)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The desired stack that describes `stack`'s live resources exactly.
pub fn stack_from_live(stack: &str, live: &LiveState, region: &str) -> Result<DesiredStack, Error> {
    let mut d = DesiredStack {
        stack: stack.to_string(),
        region: Some(region.to_string()),
        ..Default::default()
    };
    let mut lc_keys: BTreeMap<&str, &str> = BTreeMap::new(); // arn -> key
    for lc in &live.logging_configurations {
        let Some(o) = ownership(&lc.tags).filter(|o| o.stack == stack) else {
            continue;
        };
        lc_keys.insert(&lc.arn, o.key);
        let spec = DesiredLoggingConfiguration {
            name: lc.name.clone(),
            destination: lc.destination.clone(),
            tags: user_tags(&lc.tags),
            protect: o.protected,
        };
        if d.logging_configurations
            .insert(o.key.to_string(), spec)
            .is_some()
        {
            return Err(duplicate(stack, "loggingConfigurations", o.key));
        }
    }
    for room in &live.rooms {
        let Some(o) = ownership(&room.tags).filter(|o| o.stack == stack) else {
            continue;
        };
        let (Some(len), Some(rate)) = (
            room.maximum_message_length,
            room.maximum_message_rate_per_second,
        ) else {
            return Err(miette!(
                "internal error: room {} was not read in full",
                room.arn
            ));
        };
        let spec = DesiredRoom {
            name: room.name.clone(),
            maximum_message_length: len,
            maximum_message_rate_per_second: rate,
            message_review_handler: room.message_review_handler.clone(),
            logging_configurations: room
                .logging_configuration_arns
                .iter()
                .map(|arn| match lc_keys.get(arn.as_str()) {
                    Some(key) => LoggingConfigurationRef::Key(key.to_string()),
                    None => LoggingConfigurationRef::Arn(arn.clone()),
                })
                .collect(),
            tags: user_tags(&room.tags),
            protect: o.protected,
        };
        if d.rooms.insert(o.key.to_string(), spec).is_some() {
            return Err(duplicate(stack, "rooms", o.key));
        }
    }
    factor_stack_tags(&mut d);
    Ok(d)
}

fn duplicate(stack: &str, section: &str, key: &str) -> Error {
    miette!(
        help = "remove the ivsctl tags from one of them (ivsctl plan names both ARNs)",
        "{section}.{key} is claimed by more than one live resource of stack {stack}"
    )
}

/// Tags every resource of the stack carries with one value become stack
/// tags (only with two resources or more, where that reads better).
fn factor_stack_tags(d: &mut DesiredStack) {
    let all: Vec<&Tags> = d
        .logging_configurations
        .values()
        .map(|l| &l.tags)
        .chain(d.rooms.values().map(|r| &r.tags))
        .collect();
    if all.len() < 2 {
        return;
    }
    let common: Tags = all[0]
        .iter()
        .filter(|(k, v)| all[1..].iter().all(|t| t.get(*k) == Some(*v)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for k in common.keys() {
        for l in d.logging_configurations.values_mut() {
            l.tags.remove(k);
        }
        for r in d.rooms.values_mut() {
            r.tags.remove(k);
        }
    }
    d.tags = common;
}

fn unmanaged(live: &LiveState) -> Vec<(&'static str, &str, &str)> {
    let lcs = live
        .logging_configurations
        .iter()
        .filter(|l| ownership(&l.tags).is_none())
        .map(|l| ("loggingConfigurations", l.arn.as_str(), l.name.as_str()));
    let rooms = live
        .rooms
        .iter()
        .filter(|r| ownership(&r.tags).is_none())
        .map(|r| ("rooms", r.arn.as_str(), r.name.as_str()));
    lcs.chain(rooms).collect()
}

fn unmanaged_summary(live: &LiveState) -> String {
    let n = unmanaged(live).len();
    if n == 0 {
        String::new()
    } else {
        format!(" ({n} unmanaged resource{})", if n == 1 { "" } else { "s" })
    }
}

/// Trailing comments listing resources no stack owns, with the command that
/// would adopt each.
fn unmanaged_comment(live: &LiveState) -> String {
    let list = unmanaged(live);
    if list.is_empty() {
        return String::new();
    }
    let mut s = String::from("\n# Resources in this region that no ivsctl stack manages. To adopt one, add it\n# to the manifest and run: ivsctl import -f FILE ADDRESS ARN\n");
    for (section, arn, name) in list {
        let shown = if name.is_empty() { "(no name)" } else { name };
        s.push_str(&format!("#   {section}: {shown}  {arn}\n"));
    }
    s
}
