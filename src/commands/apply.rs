//! `ivsctl apply -f FILE` / `ivsctl apply PLANFILE` / `ivsctl destroy -f FILE`.
//!
//! Decide, then act: the plans (one per stack of the run) are computed (or
//! read and re-checked), shown, checked against the safety rules, approved
//! once, and only then applied: each region's stacks as one graph (a change
//! may wait for another stack's), the regions concurrently. Any refusal
//! happens before the first write.

use super::pipeline::{load_stacks, plan_paths, Refresh};
use super::{connect, FileError, Globals, Session};
use crate::apply::{self, Cancel};
use crate::error::{Error, ExitStatus};
use crate::model::DesiredStack;
use crate::plan::{self, saved, stale, Plan};
use crate::render::{render_plans, render_reports, Format, RenderOptions};
use miette::IntoDiagnostic;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct ApplyArgs {
    pub files: Vec<PathBuf>,
    /// `--stack`: only these stacks (all when empty).
    pub stacks: Vec<String>,
    pub refresh: Refresh,
    pub planfile: Option<PathBuf>,
    pub auto_approve: bool,
    pub format: Format,
    pub limits: Limits,
    /// `ivsctl destroy`: messages speak of destroying.
    pub destroy: bool,
}

/// Why apply writes nothing.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Refusal {
    #[error("{who} refuses {subject}, writing nothing: {count} delete{} blocked\n{lines}", if *count == 1 { " is" } else { "s are" })]
    #[diagnostic(code(ivsctl::refused::blocked))]
    Blocked {
        who: &'static str,
        subject: String,
        count: usize,
        lines: String,
        #[help]
        unblock: String,
    },
    #[error("{who} refuses {subject}, writing nothing: it deletes {deletes} resource{} and --max-deletes is {max}", if *deletes == 1 { "" } else { "s" })]
    #[diagnostic(
        code(ivsctl::refused::max_deletes),
        help("review the deletes above; raise --max-deletes if they are intended")
    )]
    MaxDeletes {
        who: &'static str,
        subject: String,
        deletes: usize,
        max: usize,
    },
    #[error("{who} refuses {subject}, writing nothing: the manifest declares no resources, and applying it would delete all {deletes} resource{} of stack {stack}", if *deletes == 1 { "" } else { "s" })]
    #[diagnostic(
        code(ivsctl::refused::empty_manifest),
        help("if the stack really should be empty, pass --allow-empty (or use `ivsctl destroy`)")
    )]
    EmptyManifest {
        who: &'static str,
        subject: String,
        deletes: usize,
        stack: String,
    },
    #[error("{who} refuses the plans of {} stacks, writing nothing", refusals.len())]
    #[diagnostic(code(ivsctl::refused::several))]
    Several {
        who: &'static str,
        #[related]
        refusals: Vec<Refusal>,
    },
    #[error("refusing to apply without approval: stdin is not a terminal, and --auto-approve was not given; nothing was changed")]
    #[diagnostic(
        code(ivsctl::refused::no_approval),
        help("review the plan, then run again with --auto-approve (or apply a saved plan: ivsctl plan --out FILE; ivsctl apply FILE)")
    )]
    NoApproval,
    #[error("refusing to destroy without approval: stdin is not a terminal, and --auto-approve was not given; nothing was destroyed")]
    #[diagnostic(
        code(ivsctl::refused::no_approval),
        help("review the resources listed above: every one is deleted for good. Then run again with --auto-approve")
    )]
    NoDestroyApproval,
    #[error("apply cancelled; nothing was changed")]
    #[diagnostic(code(ivsctl::refused::cancelled))]
    Cancelled,
    #[error("destroy cancelled; nothing was destroyed")]
    #[diagnostic(code(ivsctl::refused::cancelled))]
    DestroyCancelled,
    #[error("the saved plan {} is stale, so nothing was applied; since it was made:\n{lines}", path.display())]
    #[diagnostic(
        code(ivsctl::refused::stale),
        help("run `ivsctl plan --out FILE` again and review the new plan")
    )]
    Stale { path: PathBuf, lines: String },
    #[error("{} is a manifest, not a saved plan; nothing was applied", path.display())]
    #[diagnostic(
        code(ivsctl::saved_plan::manifest),
        help("to plan and apply a manifest, give it with -f: `ivsctl apply -f {}`; PLANFILE is a plan saved by `ivsctl plan --out FILE`", path.display())
    )]
    ManifestAsPlan { path: PathBuf },
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
    if let Some(path) = &args.planfile {
        return apply_saved(globals, args, path, out).await;
    }
    let planned = plan_paths(globals, &args.files, &args.stacks, args.refresh).await?;
    let regions = planned
        .regions
        .into_iter()
        .map(|r| {
            let plans = r
                .stacks
                .into_iter()
                .map(|s| {
                    let empty = s.manifest.desired.is_empty();
                    (s.plan, empty)
                })
                .collect();
            (r.session, plans)
        })
        .collect();
    execute(globals, regions, args, &args.limits, true, out).await
}

/// `ivsctl destroy -f FILE`: every resource the stack owns (each stack the
/// files declare, or those `--stack` selects), rooms first.
pub async fn destroy(
    globals: &Globals,
    args: &ApplyArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let manifests = load_stacks(globals, &args.files, &args.stacks)?;
    let mut groups: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    let regions = super::pipeline::stack_regions(globals, &manifests)?;
    for (m, region) in manifests.iter().zip(regions) {
        groups
            .entry(region)
            .or_default()
            .push(m.desired.stack.clone());
    }
    let mut regions = Vec::new();
    for (region, stacks) in groups {
        let session = connect(globals, region.as_deref()).await?;
        // Deletes need no room details: the summaries carry ARNs and tags.
        let live = crate::live::list(&session.api, true, true).await?;
        let mut plans = Vec::new();
        for stack in stacks {
            // Destroying is planning an empty stack; --allow-empty is implied.
            let nothing = DesiredStack {
                stack,
                ..Default::default()
            };
            plans.push((plan::plan(&nothing, &live, &session.api.region)?, false));
        }
        regions.push((session, plans));
    }
    let limits = Limits {
        allow_empty: true,
        ..args.limits
    };
    execute(globals, regions, args, &limits, true, out).await
}

/// The limits apply (and plan) check a plan against.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// `--max-deletes N`: at most N deletes per stack.
    pub max_deletes: Option<usize>,
    /// `--allow-empty`: a manifest without resources may delete its stack's.
    pub allow_empty: bool,
}

/// The safety rules of one stack's plan: no blocked delete, at most
/// `--max-deletes`, and an empty manifest never deletes without
/// `--allow-empty`. `subject` names the plan in messages.
pub fn check_safety(
    plan: &Plan,
    limits: &Limits,
    empty_manifest: bool,
    who: &'static str,
    subject: &str,
) -> Result<(), Refusal> {
    let subject = subject.to_string();
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
            who,
            subject,
            count: blocked.len(),
            lines: blocked.join("\n"),
            unblock: format!("to unblock:\n{}", unblock.join("\n")),
        });
    }
    let deletes = plan.deletes();
    if let Some(max) = limits.max_deletes {
        if deletes > max {
            return Err(Refusal::MaxDeletes {
                who,
                subject,
                deletes,
                max,
            });
        }
    }
    if empty_manifest && deletes > 0 && !limits.allow_empty {
        return Err(Refusal::EmptyManifest {
            who,
            subject,
            deletes,
            stack: plan.stack.clone(),
        });
    }
    Ok(())
}

/// The safety rules of every stack of a run; every refusal is reported.
/// `who` refuses: `apply` (for plan too: it says what apply would refuse)
/// or `destroy`.
pub fn check_all<'a>(
    plans: impl Iterator<Item = (&'a Plan, bool)>,
    limits: &Limits,
    who: &'static str,
) -> Result<(), Refusal> {
    let plans: Vec<(&Plan, bool)> = plans.collect();
    let several = plans.len() > 1;
    let mut refusals: Vec<Refusal> = plans
        .iter()
        .filter_map(|(plan, empty)| {
            let subject = if several {
                format!("the plan of stack {}", plan.stack)
            } else {
                "this plan".to_string()
            };
            check_safety(plan, limits, *empty, who, &subject).err()
        })
        .collect();
    match refusals.len() {
        0 => Ok(()),
        1 => Err(refusals.remove(0)),
        _ => Err(Refusal::Several { who, refusals }),
    }
}

/// Shows the plans, checks them, asks for approval, applies every region's
/// stacks (regions concurrently, each over its own connection), reports.
async fn execute(
    globals: &Globals,
    regions: Vec<(Session, Vec<(Plan, bool)>)>,
    args: &ApplyArgs,
    limits: &Limits,
    needs_approval: bool,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let opts = RenderOptions {
        color: globals.terminal.color_stdout,
        destroy: args.destroy,
    };
    let mut all: Vec<(&Plan, bool)> = regions
        .iter()
        .flat_map(|(_, plans)| plans.iter().map(|(p, e)| (p, *e)))
        .collect();
    all.sort_by(|a, b| a.0.stack.cmp(&b.0.stack));
    let plans: Vec<Plan> = all.iter().map(|(p, _)| (*p).clone()).collect();
    // JSON is one document, written once at the end (it includes the plan).
    if args.format != Format::Json {
        render_plans(&plans, args.format, &opts, out).into_diagnostic()?;
    }
    if !plans.iter().any(|p| p.has_changes()) {
        // Nothing to do: the plan says `No changes.`, and the (empty) report
        // follows in every format, so a script reads the same last line (or
        // JSON document) whether or not there was work.
        render_reports(
            &plans,
            &apply::ApplyReport::default(),
            args.format,
            &opts,
            out,
        )
        .into_diagnostic()?;
        return Ok(ExitStatus::Success);
    }
    let who = if args.destroy { "destroy" } else { "apply" };
    check_all(all.iter().copied(), limits, who)?;
    if needs_approval && !args.auto_approve {
        approve(globals, &plans, args.destroy)?;
    }
    let progress = crate::progress::apply_progress(&globals.terminal, plans.len() > 1);
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
    let reports = futures_util::future::join_all(regions.iter().map(|(session, plans)| {
        let plans: Vec<Plan> = plans.iter().map(|(p, _)| p.clone()).collect();
        let (progress, cancel) = (progress.clone(), cancel.clone());
        async move { apply::apply(&session.api, &plans, progress, cancel).await }
    }))
    .await;
    interrupt.abort();
    let report = apply::ApplyReport {
        entries: reports.into_iter().flat_map(|r| r.entries).collect(),
    };
    render_reports(&plans, &report, args.format, &opts, out).into_diagnostic()?;
    Ok(if report.succeeded() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// Asks on the terminal; without one, refuses (nothing is written).
fn approve(globals: &Globals, plans: &[Plan], destroy: bool) -> Result<(), Error> {
    if !globals.terminal.stdin {
        return Err(if destroy {
            Refusal::NoDestroyApproval
        } else {
            Refusal::NoApproval
        }
        .into());
    }
    let s = crate::render::total(plans);
    let what = match plans {
        [p] => format!("stack {} ({})", p.stack, p.region),
        _ => format!("{} stacks", plans.len()),
    };
    let mut err = std::io::stderr().lock();
    let question = if destroy {
        format!(
            "\nDestroy all {} resource{} of {what}? They are deleted for good: there is no undo.\n  Only 'yes' will be accepted to confirm.\n\n  Enter a value: ",
            s.destroy,
            if s.destroy == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "\nApply {} to add, {} to change, {} to destroy in {what}?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
            s.add, s.change, s.destroy
        )
    };
    let _ = write!(err, "{question}");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .into_diagnostic()?;
    if answer.trim() != "yes" {
        return Err(if destroy {
            Refusal::DestroyCancelled
        } else {
            Refusal::Cancelled
        }
        .into());
    }
    Ok(())
}

/// The saved plans of PLANFILE; `manifest(path)` when the file is a manifest
/// (given where a plan belongs), `invalid(path, why)` when it is not a saved
/// plan. Each command words these errors its own way.
pub(super) fn read_plan_file<E: Into<Error>>(
    path: &Path,
    manifest: impl FnOnce(std::path::PathBuf) -> E,
    invalid: impl FnOnce(std::path::PathBuf, saved::SavedPlanError) -> E,
) -> Result<Vec<saved::SavedPlan>, Error> {
    let text =
        std::fs::read_to_string(path).map_err(FileError::new("read the saved plan", path))?;
    if looks_like_manifest(path, &text) {
        return Err(manifest(path.to_path_buf()).into());
    }
    saved::from_json(&text).map_err(|source| invalid(path.to_path_buf(), source).into())
}

/// A YAML manifest given where a saved plan (JSON) belongs.
fn looks_like_manifest(path: &Path, text: &str) -> bool {
    let yaml_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    let not_json = serde_json::from_str::<serde_json::Value>(text).is_err();
    let manifest_keys = text
        .lines()
        .any(|l| l.starts_with("stack:") || l.starts_with("version:"));
    not_json && (yaml_name || manifest_keys)
}

/// `ivsctl apply PLANFILE`: re-reads every resource the plans touch (List
/// pages, per region) and refuses, writing nothing, if any changed since
/// the plan was made.
async fn apply_saved(
    globals: &Globals,
    args: &ApplyArgs,
    path: &Path,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let saved = read_plan_file(
        path,
        |path| Refusal::ManifestAsPlan { path },
        |path, source| Refusal::SavedPlan { path, source },
    )?;
    let mut groups: BTreeMap<String, Vec<(Plan, bool)>> = BTreeMap::new();
    for s in saved {
        groups
            .entry(s.plan.region.clone())
            .or_default()
            .push((s.plan, s.manifest_empty));
    }
    let mut regions = Vec::new();
    let mut stale_lines = Vec::new();
    for (region, plans) in groups {
        let session = connect(globals, Some(&region)).await?;
        let (mut rooms, mut lcs) = (false, false);
        for (p, _) in &plans {
            let (r, l) = stale::types_to_read(p);
            rooms |= r;
            lcs |= l;
        }
        let live = crate::live::list(&session.api, rooms, lcs).await?;
        let several = plans.len() > 1;
        for (p, _) in &plans {
            for s in stale::check(p, &live) {
                stale_lines.push(if several {
                    format!("  {}/{s}", p.stack)
                } else {
                    format!("  {s}")
                });
            }
        }
        regions.push((session, plans));
    }
    if !stale_lines.is_empty() {
        return Err(Refusal::Stale {
            path: path.to_path_buf(),
            lines: stale_lines.join("\n"),
        }
        .into());
    }
    // The plan was reviewed and saved on purpose: applying it is the approval.
    execute(globals, regions, args, &args.limits, false, out).await
}
