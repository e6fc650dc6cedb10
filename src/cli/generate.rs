//! `ivsctl completions SHELL` and `ivsctl man`: shell completions and roff
//! manual pages generated from the clap definitions the parser uses, so they
//! never disagree with `--help`.

use super::Cli;
use crate::commands::FileError;
use crate::error::{Error, ExitStatus};
use clap::CommandFactory;
use miette::IntoDiagnostic;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes the completion script for `shell` into `out`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<ExitStatus, Error> {
    // Generated into memory first: clap_complete panics on a write error,
    // and a closed pipe must stay an ordinary error.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ivsctl", &mut script);
    out.write_all(&script).into_diagnostic()?;
    Ok(ExitStatus::Success)
}

/// Without `dir`: the page of `ivsctl` (every subcommand listed) on `out`.
/// With `dir`: one page per command and subcommand (`ivsctl.1`,
/// `ivsctl-plan.1`, `ivsctl-chat-token.1`, ...) written there, each path
/// printed on `out`.
pub fn man(dir: Option<&Path>, out: &mut dyn Write) -> Result<ExitStatus, Error> {
    // Built, so that subcommands carry their full names (`ivsctl-plan`);
    // `help` is no command of its own in a manual.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let Some(dir) = dir else {
        out.write_all(&page(&clap_mangen::Man::new(cmd)))
            .into_diagnostic()?;
        return Ok(ExitStatus::Success);
    };
    std::fs::create_dir_all(dir).map_err(FileError::new("create", dir))?;
    let mut written = Vec::new();
    pages(cmd, dir, &mut written).map_err(FileError::new("write the manual pages into", dir))?;
    for path in written {
        writeln!(out, "{}", path.display()).into_diagnostic()?;
    }
    Ok(ExitStatus::Success)
}

/// The pages of `cmd` and its subcommands, parents after their children.
fn pages(cmd: clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages(sub.clone(), dir, written)?;
    }
    let man = clap_mangen::Man::new(cmd);
    let path = dir.join(man.get_filename());
    std::fs::write(&path, page(&man))?;
    written.push(path);
    Ok(())
}

/// The page's roff, its title request (`.TH`) first: clap_mangen writes the
/// definition of the quote string (`.ie`/`.el`) before it, which may as well
/// follow it (the string is only used in the sections).
fn page(man: &clap_mangen::Man) -> Vec<u8> {
    let mut roff = Vec::new();
    // Writing into memory cannot fail.
    let _ = man.render(&mut roff);
    let text = String::from_utf8_lossy(&roff);
    let mut lines: Vec<&str> = text.lines().collect();
    if let Some(title) = lines.iter().position(|l| l.starts_with(".TH ")) {
        let title = lines.remove(title);
        lines.insert(0, title);
    }
    let mut page = lines.join("\n");
    page.push('\n');
    page.into_bytes()
}
