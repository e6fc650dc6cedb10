//! Manifest v1: YAML files -> the desired model, with every error reported
//! at once, each with its file, line, column and a hint at what is valid.
//!
//! The pipeline, one file per step (`workspace.rs` runs it):
//! - `spanned`: YAML text -> a tree of nodes with byte spans (saphyr-parser),
//!   aliases expanded into copies that remember their use;
//! - `merge`: top-level `x-` keys dropped, merge keys (`<<`) applied;
//! - `vars`: `${NAME}` substituted in values (`--var`, environment, `vars`);
//! - `validate` (with `read`, `typed`, `rules`, `scalar`, `resources`,
//!   `sections`): every per-file rule, over the tree, collecting issues
//!   instead of stopping at the first;
//! - `crossfile`, `stackwide`: the rules that need all files of a stack;
//! - `de` + `raw`: once all is valid, the stack's `defaults` are written into
//!   its resources and the trees are read into typed raw types (which also
//!   generate the JSON Schema);
//! - `convert`: raw types -> `model::DesiredStack`, API defaults applied;
//! - `locate`: errors found later (at plan time) located by YAML path;
//! - `from_live`: live resources -> `DesiredStack` (export's first half);
//! - `export`: `DesiredStack` -> manifest text (the inverse of loading).
//!
//! Files that declare the same `stack` form one stack; a workspace (several
//! paths, directory trees) may hold several stacks.
//!
//! Invariant: `load_*` returns a stack only when no rule is broken, so no
//! later step (and no API call) ever sees an invalid manifest.

mod convert;
mod crossfile;
mod de;
mod diagnostics;
mod export;
mod from_live;
mod locate;
mod merge;
mod raw;
mod read;
mod resources;
mod rules;
mod scalar;
mod sections;
mod span;
mod spanned;
mod stackwide;
mod typed;
mod validate;
mod vars;
mod workspace;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;

use crate::model::DesiredStack;

pub use diagnostics::{render_plain, DiagnosticData, Issue, ManifestError, Note, RelatedLocation};
pub use export::to_yaml;
pub use from_live::{stack_from_live, unmanaged_from_live, FromLiveError};
pub use vars::{VarError, Vars, ENV_PREFIX as VAR_ENV_PREFIX};
pub use workspace::Workspace;

use diagnostics::SourceFile;
use raw::RawManifest;
use workspace::Mode;

/// A loaded, valid manifest: one stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub desired: DesiredStack,
    /// The files read, in load order, named as given.
    pub files: Vec<String>,
    /// The files' texts, to locate errors found later.
    sources: Sources,
}

/// The texts of a manifest's files (shared with the diagnostics).
#[derive(Clone)]
struct Sources(Vec<SourceFile>);

impl fmt::Debug for Sources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|s| &s.name))
            .finish()
    }
}

impl PartialEq for Sources {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|(a, b)| a.name == b.name && a.text == b.text)
    }
}

impl Eq for Sources {}

impl Manifest {
    /// An error located at the YAML node at `path` (e.g.
    /// `["rooms", "lobby", "loggingConfigurations", "0"]`: mapping keys and
    /// list indexes), rendered like every manifest error (file:line:col,
    /// underline, help). A value that comes from `defaults` is located
    /// there, with a note at the resource; a path not written at all is
    /// located at its longest written prefix. Code: `manifest::plan`.
    pub fn error_at(&self, path: &[&str], label: &str, message: &str, help: &str) -> ManifestError {
        self.error_at_with_code(path, label, message, help, "manifest::plan")
    }

    /// [`Manifest::error_at`] with a diagnostic code of the caller's.
    pub fn error_at_with_code(
        &self,
        path: &[&str],
        label: &str,
        message: &str,
        help: &str,
        code: &'static str,
    ) -> ManifestError {
        locate::error_at(&self.sources.0, path, label, message, help, code)
    }
}

/// Loads one stack from files and directories. A directory contributes the
/// `*.yaml` and `*.yml` files of its tree, sorted by path (names starting
/// with `.` skipped); a file is read whatever its name. All files must
/// declare the same stack. Variables take their manifest defaults only.
pub fn load_files(paths: &[PathBuf]) -> Result<Manifest, ManifestError> {
    load_stack(paths, &Vars::default())
}

/// [`load_files`] with variables set from outside (`--var`, environment).
pub fn load_stack(paths: &[PathBuf], vars: &Vars) -> Result<Manifest, ManifestError> {
    let (files, issues) = workspace::read_paths(paths);
    one(workspace::load(files, issues, vars, Mode::OneStack)?)
}

/// Loads a manifest from text; `name` is the file name shown in errors.
pub fn load_str(name: &str, text: &str) -> Result<Manifest, ManifestError> {
    load_strs(&[(name, text)])
}

/// Loads several texts as the files of one stack (for tests and tools).
pub fn load_strs(files: &[(&str, &str)]) -> Result<Manifest, ManifestError> {
    one(workspace::load(
        sources(files),
        Vec::new(),
        &Vars::default(),
        Mode::OneStack,
    )?)
}

/// Loads every stack that files and directory trees declare: files that
/// declare the same `stack` form one stack. `vars` set the manifests'
/// variables (over their `vars` defaults).
pub fn load_workspace(paths: &[PathBuf], vars: &Vars) -> Result<Workspace, ManifestError> {
    let (files, issues) = workspace::read_paths(paths);
    workspace::load(files, issues, vars, Mode::Workspace)
}

/// [`load_workspace`] over texts: `(file name, text)`.
pub fn load_workspace_strs(
    files: &[(&str, &str)],
    vars: &Vars,
) -> Result<Workspace, ManifestError> {
    workspace::load(sources(files), Vec::new(), vars, Mode::Workspace)
}

fn sources(files: &[(&str, &str)]) -> Vec<SourceFile> {
    files
        .iter()
        .enumerate()
        .map(|(i, (name, text))| SourceFile::new(i, *name, *text))
        .collect()
}

/// The single stack of a one-stack load (which has made sure of it).
fn one(workspace: Workspace) -> Result<Manifest, ManifestError> {
    match workspace.stacks.into_iter().next() {
        Some(manifest) => Ok(manifest),
        None => Err(ManifestError::new(Vec::new())),
    }
}

/// The JSON Schema of manifest v1, pretty-printed, with a trailing newline.
/// Wherever a value is checked (a pattern, an integer, a boolean), a string
/// with a `${NAME}` variable is also accepted: its value is only known when
/// ivsctl runs.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(RawManifest);
    let mut value = serde_json::to_value(&schema).unwrap_or_default();
    allow_variables(&mut value);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// A string that holds a variable reference.
const VARIABLE_PATTERN: &str = r"\$\{[A-Za-z_][A-Za-z0-9_]*\}";

fn allow_variables(schema: &mut serde_json::Value) {
    use serde_json::Value;
    match schema {
        Value::Array(items) => items.iter_mut().for_each(allow_variables),
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                // Keys are never substituted; `vars` defaults are literal.
                if key != "propertyNames" && key != "vars" {
                    allow_variables(child);
                }
            }
            let types: Vec<String> = match object.get("type") {
                Some(Value::String(t)) => vec![t.clone()],
                Some(Value::Array(ts)) => ts
                    .iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            if let Some(Value::String(pattern)) = object.get_mut("pattern") {
                *pattern = format!("{pattern}|{VARIABLE_PATTERN}");
            } else if types.iter().any(|t| t == "integer" || t == "boolean")
                && !types.iter().any(|t| t == "string")
            {
                let mut types: Vec<Value> = types.into_iter().map(Value::String).collect();
                types.push(Value::String("string".to_string()));
                object.insert("type".to_string(), Value::Array(types));
                object.insert(
                    "pattern".to_string(),
                    Value::String(VARIABLE_PATTERN.to_string()),
                );
            }
        }
        _ => {}
    }
}
