//! `ivsctl apply -f FILE` / `ivsctl apply PLANFILE` / `ivsctl destroy -f FILE`.
//!
//! Decide, then act: the plan is computed (or read and re-checked), shown,
//! checked against the safety rules, approved, and only then applied. Any
//! refusal happens before the first write.

use super::pipeline::{load_manifest, plan_files, Refresh};
use super::{connect, FileError, Globals, Session};
use crate::apply::{self, Cancel};
use crate::error::{Error, ExitStatus};
use crate::model::DesiredStack;
use crate::plan::{self, saved, stale, Plan};
use crate::render::{render_plan, render_report, Format, RenderOptions};
use miette::IntoDiagnostic;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct ApplyArgs {
    pub files: Vec<PathBuf>,
    pub refresh: Refresh,
    pub planfile: Option<PathBuf>,
    pub auto_approve: bool,
    pub format: Format,
    pub max_deletes: Option<usize>,
    pub allow_empty: bool,
}

/// Why apply writes nothing.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Refusal {
    #[error("apply refuses this plan, writing nothing: {count} delete{} blocked\n{lines}", if *count == 1 { " is" } else { "s are" })]
    #[diagnostic(code(ivsctl::refused::blocked))]
    Blocked {
        count: usize,
        lines: String,
        #[help]
        unblock: String,
    },
    #[error("apply refuses this plan, writing nothing: it deletes {deletes} resource{} and --max-deletes is {max}", if *deletes == 1 { "" } else { "s" })]
    #[diagnostic(
        code(ivsctl::refused::max_deletes),
        help("review the deletes above; raise --max-deletes if they are intended")
    )]
    MaxDeletes { deletes: usize, max: usize },
    #[error("apply refuses this plan, writing nothing: the manifest declares no resources, and applying it would delete all {deletes} resource{} of stack {stack}", if *deletes == 1 { "" } else { "s" })]
    #[diagnostic(
        code(ivsctl::refused::empty_manifest),
        help("if the stack really should be empty, pass --allow-empty (or use `ivsctl destroy`)")
    )]
    EmptyManifest { deletes: usize, stack: String },
    #[error("refusing to apply without approval: stdin is not a terminal, and --auto-approve was not given; nothing was changed")]
    #[diagnostic(
        code(ivsctl::refused::no_approval),
        help("review the plan, then run again with --auto-approve (or apply a saved plan: ivsctl plan --out FILE; ivsctl apply FILE)")
    )]
    NoApproval,
    #[error("apply cancelled; nothing was changed")]
    #[diagnostic(code(ivsctl::refused::cancelled))]
    Cancelled,
    #[error("the saved plan {} is stale, so nothing was applied; since it was made:\n{lines}", path.display())]
    #[diagnostic(
        code(ivsctl::refused::stale),
        help("run `ivsctl plan --out FILE` again and review the new plan")
    )]
    Stale { path: PathBuf, lines: String },
    #[error("{}: {source}", path.display())]
    #[diagnostic(code(ivsctl::saved_plan))]
    SavedPlan {
        path: PathBuf,
        #[source]
        #[diagnostic_source]
        source: saved::SavedPlanError,
    },
}

pub async fn run(
    globals: &Globals,
    args: &ApplyArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    match &args.planfile {
        Some(path) => apply_saved(globals, args, path, out).await,
        None => {
            let planned = plan_files(globals, &args.files, args.refresh).await?;
            let empty = planned.manifest.desired.is_empty();
            execute(
                globals,
                &planned.session,
                &planned.plan,
                args,
                empty,
                true,
                out,
            )
            .await
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
    let live = crate::live::list(&session.api, true, true).await?;
    // Destroying is planning an empty stack; --allow-empty is implied.
    let nothing = DesiredStack {
        stack: manifest.desired.stack.clone(),
        ..Default::default()
    };
    let plan = plan::plan(&nothing, &live, &session.api.region)?;
    let args = ApplyArgs {
        allow_empty: true,
        ..args.clone()
    };
    execute(globals, &session, &plan, &args, false, true, out).await
}

/// The safety rules: no blocked delete, at most `--max-deletes`, and an
/// empty manifest never deletes without `--allow-empty`.
pub fn check_safety(
    plan: &Plan,
    max_deletes: Option<usize>,
    empty_manifest: bool,
    allow_empty: bool,
) -> Result<(), Refusal> {
    let blocked: Vec<String> = plan
        .blocked()
        .filter_map(|c| Some(format!("{}: {}", c.address, c.blocked.as_ref()?.reason)))
        .collect();
    if !blocked.is_empty() {
        let unblock: Vec<String> = plan
            .blocked()
            .filter_map(|c| Some(format!("{}: {}", c.address, c.blocked.as_ref()?.unblock)))
            .collect();
        return Err(Refusal::Blocked {
            count: blocked.len(),
            lines: blocked.join("\n"),
            unblock: format!("to unblock:\n{}", unblock.join("\n")),
        });
    }
    let deletes = plan.deletes();
    if let Some(max) = max_deletes {
        if deletes > max {
            return Err(Refusal::MaxDeletes { deletes, max });
        }
    }
    if empty_manifest && deletes > 0 && !allow_empty {
        return Err(Refusal::EmptyManifest {
            deletes,
            stack: plan.stack.clone(),
        });
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
        color: globals.terminal.color_stdout,
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
        approve(globals, plan)?;
    }
    let progress = crate::progress::apply_progress(&globals.terminal);
    let cancel = Cancel::default();
    let on_interrupt = cancel.clone();
    let interrupt = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            crate::trace::line(format_args!(
                "Interrupted: finishing the calls in flight, starting no new ones (Ctrl-C again to stop at once)."
            ));
            on_interrupt.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let report = apply::apply(&session.api, std::slice::from_ref(plan), progress, cancel).await;
    interrupt.abort();
    render_report(plan, &report, args.format, &opts, out).into_diagnostic()?;
    Ok(if report.succeeded() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// Asks on the terminal; without one, refuses (nothing is written).
fn approve(globals: &Globals, plan: &Plan) -> Result<(), Error> {
    if !globals.terminal.stdin {
        return Err(Refusal::NoApproval.into());
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
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .into_diagnostic()?;
    if answer.trim() != "yes" {
        return Err(Refusal::Cancelled.into());
    }
    Ok(())
}

/// `ivsctl apply PLANFILE`: re-reads every resource the plan touches and
/// refuses, writing nothing, if any changed since the plan was made.
async fn apply_saved(
    globals: &Globals,
    args: &ApplyArgs,
    path: &Path,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let text =
        std::fs::read_to_string(path).map_err(FileError::new("read the saved plan", path))?;
    let saved = saved::from_json(&text).map_err(|source| Refusal::SavedPlan {
        path: path.to_path_buf(),
        source,
    })?;
    let session = connect(globals, Some(&saved.plan.region)).await?;
    let (rooms, lcs) = stale::types_to_read(&saved.plan);
    let live = crate::live::list(&session.api, rooms, lcs).await?;
    let stale = stale::check(&saved.plan, &live);
    if !stale.is_empty() {
        let lines: Vec<String> = stale.iter().map(|s| format!("  {s}")).collect();
        return Err(Refusal::Stale {
            path: path.to_path_buf(),
            lines: lines.join("\n"),
        }
        .into());
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
