//! Manifest v1: YAML files -> the desired model, with every error reported
//! at once, each with its file, line, column and a hint at what is valid.
//!
//! The pipeline, one file per step:
//! - `spanned`: YAML text -> a tree of nodes with byte spans (saphyr-parser);
//! - `validate` (with `read`, `rules`, `scalar`): every per-file rule, over the
//!   tree, collecting issues instead of stopping at the first;
//! - `crossfile`: the rules that need all files of the stack;
//! - `raw`: once all is valid, serde_yaml reads the files into typed raw
//!   types (which also generate the JSON Schema);
//! - `convert`: raw types -> `model::DesiredStack`, defaults applied;
//! - `from_live`: live resources -> `DesiredStack` (export's first half);
//! - `export`: `DesiredStack` -> manifest text (the inverse of loading).
//!
//! Invariant: `load_*` returns a stack only when no rule is broken, so no
//! later step (and no API call) ever sees an invalid manifest.

mod convert;
mod crossfile;
mod diagnostics;
mod export;
mod from_live;
mod raw;
mod read;
mod resources;
mod rules;
mod scalar;
mod spanned;
mod typed;
mod validate;

#[cfg(test)]
mod tests;

use std::path::{Path as FsPath, PathBuf};

use crate::model::DesiredStack;

pub use diagnostics::{render_plain, Issue, ManifestError, Note};
pub use export::to_yaml;
pub use from_live::{stack_from_live, FromLiveError};

use diagnostics::SourceFile;
use raw::RawManifest;

/// A loaded, valid manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub desired: DesiredStack,
    /// The files read, in load order, named as given.
    pub files: Vec<String>,
}

/// Loads a manifest from files and directories. A directory contributes its
/// `*.yaml` and `*.yml` files, sorted by name, not recursing; a file is read
/// whatever its name. All files together form one stack.
pub fn load_files(paths: &[PathBuf]) -> Result<Manifest, ManifestError> {
    let mut issues = Vec::new();
    let mut files: Vec<SourceFile> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    // Load order: the first sort key of errors.
    let mut next_index = 0;
    if paths.is_empty() {
        let none = SourceFile::new(0, "<no file>", "");
        issues.push(
            Issue::whole_file(&none, "no manifest file given")
                .help("give a manifest file, or a directory of them"),
        );
    }
    for path in paths {
        for file in expand(path, &mut issues, &mut next_index) {
            // The same file named twice (`-f a.yaml -f .`) is read once.
            let canonical = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
            if seen.contains(&canonical) {
                continue;
            }
            seen.push(canonical);
            let index = next_index;
            next_index += 1;
            match read(&file, index) {
                Ok(source) => files.push(source),
                Err(issue) => issues.push(*issue),
            }
        }
    }
    load_sources(files, issues)
}

/// Loads a manifest from text; `name` is the file name shown in errors.
pub fn load_str(name: &str, text: &str) -> Result<Manifest, ManifestError> {
    load_sources(vec![SourceFile::new(0, name, text)], Vec::new())
}

/// Loads several texts as the files of one stack (for tests and tools).
pub fn load_strs(files: &[(&str, &str)]) -> Result<Manifest, ManifestError> {
    let sources = files
        .iter()
        .enumerate()
        .map(|(i, (name, text))| SourceFile::new(i, *name, *text))
        .collect();
    load_sources(sources, Vec::new())
}

/// The JSON Schema of manifest v1, pretty-printed, with a trailing newline.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(RawManifest);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The files a path stands for: itself, or a directory's YAML files.
fn expand(path: &FsPath, issues: &mut Vec<Issue>, next_index: &mut usize) -> Vec<PathBuf> {
    if !path.is_dir() {
        return vec![path.to_path_buf()];
    }
    let index = *next_index;
    let name = path.display().to_string();
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(err) => {
            *next_index += 1;
            issues.push(Issue::whole_file(
                &SourceFile::new(index, &name, ""),
                format!("cannot read directory `{name}`: {err}"),
            ));
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    if files.is_empty() {
        *next_index += 1;
        let dir = SourceFile::new(index, &name, "");
        issues.push(
            Issue::whole_file(&dir, format!("directory `{name}` holds no manifest")).help(
                "a manifest directory holds `*.yaml` or `*.yml` files (subdirectories are not read)",
            ),
        );
    }
    files
}

fn read(path: &FsPath, index: usize) -> Result<SourceFile, Box<Issue>> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|err| {
        Box::new(
            Issue::whole_file(
                &SourceFile::new(index, &name, ""),
                format!("cannot read `{name}`: {err}"),
            )
            .help("check that the path exists and is readable"),
        )
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(index, name, text)),
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
            let file = SourceFile::new(index, &name, text);
            // Lossy decoding keeps the valid prefix byte for byte.
            Err(Box::new(
                Issue::new(
                    &file,
                    valid..valid,
                    "not UTF-8",
                    format!("`{name}` is not valid UTF-8"),
                )
                .help("save the manifest as UTF-8"),
            ))
        }
    }
}

fn load_sources(files: Vec<SourceFile>, mut issues: Vec<Issue>) -> Result<Manifest, ManifestError> {
    let mut complete = issues.is_empty();
    let mut checked: Vec<(&SourceFile, validate::FileFacts)> = Vec::new();
    for file in &files {
        match spanned::parse(&file.text) {
            Ok(root) => {
                let (file_issues, facts) = validate::validate_file(file, root.as_ref());
                issues.extend(file_issues);
                checked.push((file, facts));
            }
            Err(err) => {
                issues.push(Issue::new(file, err.span, err.label, err.message).help(err.help));
                complete = false;
            }
        }
    }
    let facts: Vec<(&SourceFile, &validate::FileFacts)> =
        checked.iter().map(|(f, facts)| (*f, facts)).collect();
    issues.extend(crossfile::check(&facts, complete));
    if !issues.is_empty() {
        return Err(ManifestError::new(issues));
    }

    let mut raws = Vec::with_capacity(files.len());
    for file in &files {
        match typed(file) {
            Ok(raw) => raws.push(raw),
            Err(issue) => issues.push(*issue),
        }
    }
    if !issues.is_empty() {
        return Err(ManifestError::new(issues));
    }
    Ok(Manifest {
        desired: convert::merge(raws),
        files: files.iter().map(|f| f.name.clone()).collect(),
    })
}

/// The typed read of a validated file, with serde_yaml.
///
/// Two failures remain possible, each a clean error rather than a panic: the
/// two YAML parsers can disagree on a syntax corner (saphyr accepts a tab
/// before a comment at the start of a line, libyaml does not), which is the
/// user's to simplify; and the validation pass can accept what the typed pass
/// rejects, which is an ivsctl bug.
fn typed(file: &SourceFile) -> Result<RawManifest, Box<Issue>> {
    // serde_yaml would read a byte order mark as part of the first key.
    let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
    let skipped = file.text.len() - text.len();
    let at = |err: &serde_yaml::Error| {
        let at = skipped + err.location().map_or(0, |l| l.index());
        at..at
    };
    if let Err(err) = serde_yaml::from_str::<serde_yaml::Value>(text) {
        return Err(Box::new(
            Issue::new(
                file,
                at(&err),
                "invalid YAML here",
                format!("invalid YAML: {err}"),
            )
            .help(
                "YAML readers disagree on this construct; write it plainly: spaces for \
                 indentation, and each flow collection (`[...]`, `{...}`) on one line",
            ),
        ));
    }
    let raw = serde_yaml::from_str::<RawManifest>(text).map_err(|err| {
        Box::new(
            Issue::new(
                file,
                at(&err),
                "here",
                format!("cannot read the manifest: {err}"),
            )
            .help(
                "this file passed validation but not typed reading: please report this as an \
                 ivsctl bug",
            ),
        )
    })?;
    // Validation allows version 1 only.
    debug_assert_eq!(raw.version, 1);
    Ok(raw)
}
