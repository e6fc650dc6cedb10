//! `ivsctl export [--stack S]`: live resources as manifest v1. Planning the
//! output against the same account shows no changes; export checks that
//! itself before printing.

use super::{connect, FileError, Globals};
use crate::error::{Error, ExitStatus};
use crate::live::Need;
use crate::manifest::stack_from_live;
use crate::model::{LiveState, OwnershipIndex};
use miette::IntoDiagnostic;
use std::io::Write;
use std::path::PathBuf;

pub struct ExportArgs {
    pub stack: Option<String>,
    /// `--unmanaged`: the resources no stack owns, to adopt into `stack`.
    pub unmanaged: bool,
    pub output_dir: Option<PathBuf>,
}

/// Why there is nothing (or too much) to export.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ExportError {
    #[error("no resource in {region} belongs to stack {stack}{unmanaged}")]
    #[diagnostic(code(ivsctl::export::no_such_stack))]
    NoSuchStack {
        stack: String,
        region: String,
        unmanaged: String,
        #[help]
        help: String,
    },
    #[error("no resource in {region} belongs to any ivsctl stack{unmanaged}")]
    #[diagnostic(
        code(ivsctl::export::no_stacks),
        help("adopt existing resources with `ivsctl import`, or create them with `ivsctl apply`")
    )]
    NoStacks { region: String, unmanaged: String },
    #[error("{} stacks live in {region}: {}", stacks.len(), stacks.join(", "))]
    #[diagnostic(
        code(ivsctl::export::several_stacks),
        help("choose one with --stack, or write one file per stack with --output-dir DIR")
    )]
    SeveralStacks { region: String, stacks: Vec<String> },
    #[error("every resource in {region} belongs to an ivsctl stack: there is nothing to adopt")]
    #[diagnostic(
        code(ivsctl::export::no_unmanaged),
        help("`ivsctl export --stack NAME` prints a stack's resources")
    )]
    NoUnmanaged { region: String },
    #[error("stack {stack} already owns {count} resource{} in {region}; a manifest of only the unmanaged resources would delete them", if *count == 1 { "" } else { "s" })]
    #[diagnostic(
        code(ivsctl::export::stack_exists),
        help("give a new stack name with --stack, or copy the entries of `ivsctl export --unmanaged --stack NEW` into stack {stack}'s manifest")
    )]
    StackExists {
        stack: String,
        count: usize,
        region: String,
    },
    #[error("internal error: the export of stack {0} would not plan as a no-op")]
    #[diagnostic(help("please report this as an ivsctl bug"))]
    NotANoOp(String),
    #[error("the export of stack {stack} is not a valid manifest:\n{errors}")]
    #[diagnostic(
        code(ivsctl::export::invalid),
        help("a live resource carries ownership tags that no manifest can express (e.g. a key with spaces)")
    )]
    Invalid { stack: String, errors: String },
}

pub async fn run(
    globals: &Globals,
    args: &ExportArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let session = connect(globals, None).await?;
    if args.unmanaged {
        let stack = args.stack.clone().unwrap_or_else(|| ADOPTED.to_string());
        let text = export_unmanaged(&session, &stack).await?;
        return write(args, vec![(stack, text)], out);
    }
    let wanted = args.stack.clone();
    // Every owned room in full: from its applied record, or GetRoom.
    let (live, _) = crate::live::discover(&session.api, |room| {
        match crate::model::ownership(&room.tags) {
            Some(o) if wanted.as_deref().is_none_or(|s| s == o.stack) => Need::Fields {
                stack: o.stack.to_string(),
                address: crate::model::Address::room(o.key),
            },
            _ => Need::Summary,
        }
    })
    .await?;
    let region = session.api.region.clone();

    let index = OwnershipIndex::new(&live);
    let mut stacks: Vec<String> = index.stacks().into_iter().map(String::from).collect();
    if let Some(s) = &args.stack {
        if !stacks.contains(s) {
            let help = format!(
                "{}adopt existing resources into it with `ivsctl import`, or create them with `ivsctl apply`",
                if stacks.is_empty() {
                    String::new()
                } else {
                    format!("stacks in {region}: {}; ", stacks.join(", "))
                }
            );
            return Err(ExportError::NoSuchStack {
                stack: s.clone(),
                region,
                unmanaged: unmanaged_summary(&live),
                help,
            }
            .into());
        }
        stacks = vec![s.clone()];
    }
    let mut manifests = Vec::new();
    for stack in &stacks {
        let desired = stack_from_live(stack, &live, &region)?;
        // Self-check: the export must plan as no changes (but the applied
        // records that resources without one get).
        let check = crate::plan::plan(&desired, &live, &region)?;
        if check
            .resource_changes
            .iter()
            .any(|c| c.action() != crate::plan::Action::NoOp && !c.is_record_only())
        {
            return Err(ExportError::NotANoOp(stack.clone()).into());
        }
        let mut text = crate::manifest::to_yaml(&desired, None);
        crate::manifest::load_str(&format!("{stack}.yaml"), &text).map_err(|e| {
            ExportError::Invalid {
                stack: stack.clone(),
                errors: crate::manifest::render_plain(&e),
            }
        })?;
        text.push_str(&unmanaged_comment(&live));
        manifests.push((stack.clone(), text));
    }

    if manifests.is_empty() && args.output_dir.is_none() {
        return Err(ExportError::NoStacks {
            region,
            unmanaged: unmanaged_summary(&live),
        }
        .into());
    }
    if manifests.len() > 1 && args.output_dir.is_none() {
        return Err(ExportError::SeveralStacks {
            region,
            stacks: manifests.into_iter().map(|(s, _)| s).collect(),
        }
        .into());
    }
    write(args, manifests, out)
}

/// The default name of the stack `export --unmanaged` declares.
pub const ADOPTED: &str = "adopted";

/// Prints the one manifest, or writes each into --output-dir as STACK.yaml.
fn write(
    args: &ExportArgs,
    manifests: Vec<(String, String)>,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    match (&args.output_dir, manifests.as_slice()) {
        (Some(dir), _) => {
            std::fs::create_dir_all(dir).map_err(FileError::new("create", dir))?;
            for (stack, text) in &manifests {
                let path = dir.join(format!("{stack}.yaml"));
                std::fs::write(&path, text).map_err(FileError::new("write", &path))?;
                writeln!(out, "wrote {}", path.display()).into_diagnostic()?;
            }
        }
        (None, [(_, text)]) => out.write_all(text.as_bytes()).into_diagnostic()?,
        (None, _) => unreachable!("checked by the caller"),
    }
    Ok(ExitStatus::Success)
}

/// `export --unmanaged`: every resource no stack owns (rooms read in full),
/// as a manifest of `stack` that imports each; checked to plan as imports
/// only (tag writes, no field change) and to load as a valid manifest.
async fn export_unmanaged(session: &super::Session, stack: &str) -> Result<String, Error> {
    let (live, _) = crate::live::discover(&session.api, |room| {
        match crate::model::ownership(&room.tags) {
            Some(_) => Need::Summary,
            None => Need::Read,
        }
    })
    .await?;
    let region = session.api.region.clone();
    let index = OwnershipIndex::new(&live);
    let owned = index.rooms.of_stack(stack).map(|r| r.len()).unwrap_or(0)
        + index
            .logging_configurations
            .of_stack(stack)
            .map(|l| l.len())
            .unwrap_or(0);
    let desired = crate::manifest::unmanaged_from_live(stack, &live, &region)?;
    if desired.is_empty() {
        return Err(ExportError::NoUnmanaged { region }.into());
    }
    if owned > 0 {
        return Err(ExportError::StackExists {
            stack: stack.to_string(),
            count: owned,
            region,
        }
        .into());
    }
    // Self-check: applying it would import each resource and change none.
    let check = crate::plan::plan(&desired, &live, &region)?;
    if check
        .resource_changes
        .iter()
        .any(|c| !c.is_import() || c.changes.iter().any(|f| !f.field.starts_with("tags.")))
    {
        return Err(ExportError::NotANoOp(stack.to_string()).into());
    }
    let text = crate::manifest::to_yaml(&desired, None);
    crate::manifest::load_str(&format!("{stack}.yaml"), &text).map_err(|e| {
        ExportError::Invalid {
            stack: stack.to_string(),
            errors: crate::manifest::render_plain(&e),
        }
    })?;
    let mut header = format!(
        "# Resources in {region} that no ivsctl stack owned when exported. Applying\n\
         # this manifest adopts each one (tag writes only: ivsctl:stack, ivsctl:key and\n\
         # the applied record); `ivsctl plan` shows exactly that first.\n"
    );
    header.push_str(&text);
    Ok(header)
}

/// Resources no stack owns: (section, ARN, name).
fn unmanaged(live: &LiveState) -> Vec<(&'static str, &str, &str)> {
    let index = OwnershipIndex::new(live);
    let lcs = index
        .logging_configurations
        .unowned()
        .iter()
        .map(|l| ("loggingConfigurations", l.arn.as_str(), l.name.as_str()));
    let rooms = index
        .rooms
        .unowned()
        .iter()
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
    let mut s = String::from("\n# Resources in this region that no ivsctl stack manages. To adopt them,\n# `ivsctl export --unmanaged` writes a manifest that imports each.\n");
    for (section, arn, name) in list {
        let shown = if name.is_empty() { "(no name)" } else { name };
        s.push_str(&format!("#   {section}: {shown}  {arn}\n"));
    }
    s
}
