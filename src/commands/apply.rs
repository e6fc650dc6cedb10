//! `ivsctl apply -f FILE` / `ivsctl apply PLANFILE` / `ivsctl destroy -f FILE`.
//!
//! Decide, then act: the plan is computed (or read and re-checked), shown,
//! checked against the safety rules, approved, and only then applied. Any
//! refusal happens before the first write.

use super::plan::make_plan;
use super::{connect, load_manifest, Globals, Session};
use crate::apply;
use crate::error::{Error, ExitStatus};
use crate::model::{ownership, DesiredStack};
use crate::plan::{self, Action, Plan};
use crate::render::{render_plan, render_report, Format, RenderOptions};
use miette::{miette, IntoDiagnostic};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

pub struct ApplyArgs {
    pub files: Vec<PathBuf>,
    pub planfile: Option<PathBuf>,
    pub auto_approve: bool,
    pub format: Format,
    pub max_deletes: Option<usize>,
    pub allow_empty: bool,
}

pub async fn run(
    globals: &Globals,
    args: &ApplyArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    match &args.planfile {
        Some(path) => apply_saved(globals, args, path, out).await,
        None => {
            let (session, manifest, plan) = make_plan(globals, &args.files).await?;
            let empty = manifest.desired.is_empty();
            execute(globals, &session, &plan, args, empty, true, out).await
        }
    }
}

/// `ivsctl destroy -f FILE`: every resource the stack owns, rooms first.
pub async fn destroy(
    globals: &Globals,
    args: &ApplyArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let manifest = load_manifest(&args.files)?;
    let session = connect(globals, manifest.desired.region.as_deref()).await?;
    // Deletes need no room details: the summaries carry ARNs and tags.
    let live = crate::live::discover(&session.api, |_| false)
        .await
        .map_err(|e| miette!("{e}"))?;
    // Destroying is planning an empty stack; --allow-empty is implied.
    let nothing = DesiredStack {
        stack: manifest.desired.stack.clone(),
        ..Default::default()
    };
    let plan = plan::plan(&nothing, &live, &session.api.region).map_err(|e| miette!("{e}"))?;
    let args = ApplyArgs {
        allow_empty: true,
        ..clone_args(args)
    };
    execute(globals, &session, &plan, &args, false, true, out).await
}

fn clone_args(a: &ApplyArgs) -> ApplyArgs {
    ApplyArgs {
        files: a.files.clone(),
        planfile: a.planfile.clone(),
        auto_approve: a.auto_approve,
        format: a.format,
        max_deletes: a.max_deletes,
        allow_empty: a.allow_empty,
    }
}

/// The safety rules: no blocked delete, at most `--max-deletes`, and an
/// empty manifest never deletes without `--allow-empty`.
pub fn check_safety(
    plan: &Plan,
    max_deletes: Option<usize>,
    empty_manifest: bool,
    allow_empty: bool,
) -> Result<(), Error> {
    let blocked: Vec<String> = plan
        .blocked()
        .map(|c| {
            format!(
                "{}: {}",
                c.address,
                c.blocked.as_ref().map(|b| b.reason.as_str()).unwrap_or("")
            )
        })
        .collect();
    if !blocked.is_empty() {
        let unblock: Vec<String> = plan
            .blocked()
            .filter_map(|c| {
                c.blocked
                    .as_ref()
                    .map(|b| format!("{}: {}", c.address, b.unblock))
            })
            .collect();
        return Err(miette!(
            help = format!("to unblock:\n{}", unblock.join("\n")),
            "apply refuses this plan, writing nothing: {} delete{} blocked\n{}",
            blocked.len(),
            if blocked.len() == 1 { " is" } else { "s are" },
            blocked.join("\n")
        ));
    }
    let deletes = plan.deletes();
    if let Some(max) = max_deletes {
        if deletes > max {
            return Err(miette!(
                help = "review the deletes above; raise --max-deletes if they are intended",
                "apply refuses this plan, writing nothing: it deletes {deletes} resource{} and --max-deletes is {max}",
                if deletes == 1 { "" } else { "s" }
            ));
        }
    }
    if empty_manifest && deletes > 0 && !allow_empty {
        return Err(miette!(
            help = "if the stack really should be empty, pass --allow-empty (or use `ivsctl destroy`)",
            "apply refuses this plan, writing nothing: the manifest declares no resources, and applying it would delete all {deletes} resource{} of stack {}",
            if deletes == 1 { "" } else { "s" },
            plan.stack
        ));
    }
    Ok(())
}

/// Shows the plan, checks it, asks for approval, applies, reports.
async fn execute(
    globals: &Globals,
    session: &Session,
    plan: &Plan,
    args: &ApplyArgs,
    empty_manifest: bool,
    needs_approval: bool,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let opts = RenderOptions {
        color: globals.color,
    };
    // JSON is one document, written once at the end (it includes the plan).
    if args.format != Format::Json {
        render_plan(plan, args.format, &opts, out).into_diagnostic()?;
    }
    if !plan.has_changes() {
        if args.format == Format::Json {
            render_report(
                plan,
                &apply::ApplyReport::default(),
                args.format,
                &opts,
                out,
            )
            .into_diagnostic()?;
        }
        return Ok(ExitStatus::Success);
    }
    check_safety(plan, args.max_deletes, empty_manifest, args.allow_empty)?;
    if needs_approval && !args.auto_approve {
        approve(plan)?;
    }
    let progress = crate::progress::apply_progress(globals.color);
    let report = apply::apply(&session.api, plan, progress).await;
    render_report(plan, &report, args.format, &opts, out).into_diagnostic()?;
    Ok(if report.succeeded() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// Asks on the terminal; without one, refuses (nothing is written).
fn approve(plan: &Plan) -> Result<(), Error> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(miette!(
            help = "review the plan, then run again with --auto-approve (or apply a saved plan: ivsctl plan --out FILE; ivsctl apply FILE)",
            "refusing to apply without approval: stdin is not a terminal, and --auto-approve was not given; nothing was changed"
        ));
    }
    let s = plan.summary();
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\nApply {} to add, {} to change, {} to destroy in stack {} ({})?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
        s.add, s.change, s.destroy, plan.stack, plan.region
    );
    let _ = err.flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer).into_diagnostic()?;
    if answer.trim() != "yes" {
        return Err(miette!("apply cancelled; nothing was changed"));
    }
    Ok(())
}

/// `ivsctl apply PLANFILE`: re-reads every resource the plan touches and
/// refuses, writing nothing, if any changed since the plan was made.
async fn apply_saved(
    globals: &Globals,
    args: &ApplyArgs,
    path: &PathBuf,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let text = std::fs::read_to_string(path)
        .into_diagnostic()
        .map_err(|e| e.wrap_err(format!("cannot read the saved plan {}", path.display())))?;
    let saved = plan::saved::from_json(&text).map_err(|e| miette!("{}: {e}", path.display()))?;
    let session = connect(globals, Some(&saved.plan.region)).await?;
    let stale = stale_resources(&session, &saved.plan).await?;
    if !stale.is_empty() {
        return Err(miette!(
            help = "run `ivsctl plan --out FILE` again and review the new plan",
            "the saved plan {} is stale, so nothing was applied; since it was made:\n{}",
            path.display(),
            stale.join("\n")
        ));
    }
    // The plan was reviewed and saved on purpose: applying it is the approval.
    execute(
        globals,
        &session,
        &saved.plan,
        args,
        saved.manifest_empty,
        false,
        out,
    )
    .await
}

/// What changed since the plan observed it: one line per resource.
async fn stale_resources(session: &Session, plan: &Plan) -> Result<Vec<String>, Error> {
    let api = &session.api;
    let mut stale = Vec::new();
    let creates: Vec<&crate::plan::ResourceChange> = plan
        .resource_changes
        .iter()
        .filter(|c| c.action == Action::Create)
        .collect();
    if !creates.is_empty() {
        let rooms = creates.iter().any(|c| c.is_room());
        let lcs = creates.iter().any(|c| !c.is_room());
        let live_rooms = if rooms {
            crate::live::list_rooms(api)
                .await
                .map_err(|e| miette!("{e}"))?
        } else {
            vec![]
        };
        let live_lcs = if lcs {
            crate::live::list_logging_configurations(api)
                .await
                .map_err(|e| miette!("{e}"))?
        } else {
            vec![]
        };
        for c in &creates {
            let claimed = if c.is_room() {
                live_rooms
                    .iter()
                    .find(|r| claims(&r.tags, &plan.stack, &c.key))
                    .map(|r| r.arn.clone())
            } else {
                live_lcs
                    .iter()
                    .find(|l| claims(&l.tags, &plan.stack, &c.key))
                    .map(|l| l.arn.clone())
            };
            if let Some(arn) = claimed {
                stale.push(format!(
                    "  {} now exists ({arn}); the plan would create it again",
                    c.address
                ));
            }
        }
    }
    // Every field write moves updateTime; tagging does not, so tags are
    // compared too.
    for c in plan
        .resource_changes
        .iter()
        .filter(|c| matches!(c.action, Action::Update | Action::Delete))
    {
        let Some(obs) = &c.observed else { continue };
        let now = if c.is_room() {
            crate::live::get_room(api, &obs.arn)
                .await
                .map_err(|e| miette!("{e}"))?
                .map(|r| (r.update_time, r.tags))
        } else {
            crate::live::get_logging_configuration(api, &obs.arn)
                .await
                .map_err(|e| miette!("{e}"))?
                .map(|l| (l.update_time, l.tags))
        };
        match now {
            None if c.action == Action::Delete => {}
            None => stale.push(format!("  {} ({}) no longer exists", c.address, obs.arn)),
            Some((update_time, _)) if update_time != obs.update_time => stale.push(format!(
                "  {} was modified at {update_time} (the plan saw {})",
                c.address, obs.update_time
            )),
            Some((_, tags)) if tags != obs.tags => {
                stale.push(format!("  {} has different tags", c.address))
            }
            Some(_) => {}
        }
    }
    Ok(stale)
}

fn claims(tags: &crate::model::Tags, stack: &str, key: &str) -> bool {
    ownership(tags).is_some_and(|o| o.stack == stack && o.key == key)
}
