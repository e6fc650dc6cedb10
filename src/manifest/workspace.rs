//! Loading: paths -> files -> trees -> stacks, every error of every file and
//! stack collected before anything is returned.
//!
//! Per file: parse (aliases expanded), drop `x-` keys and apply merge keys
//! (`merge.rs`), read `vars` and resolve `stack` (`vars.rs`). Files are then
//! grouped by stack; per stack: merge the variable declarations, substitute
//! every value, validate each file (`validate.rs`), check the stack
//! (`crossfile.rs`, `stackwide.rs`). Across stacks: no ARN imported twice.
//! Only then: the stack's `defaults` are written into its resources' trees,
//! the trees are read into the raw types (`de.rs`) and converted.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::{Path as FsPath, PathBuf};

use super::convert;
use super::crossfile;
use super::de;
use super::diagnostics::{Issue, ManifestError, SourceFile};
use super::merge;
use super::raw::RawManifest;
use super::spanned::{self, Entry, Node, NodeKind};
use super::validate::{self, FileFacts};
use super::vars::{self, Declared, Unresolved, Vars};
use super::{Manifest, Sources};

/// Every stack a set of manifest files declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// Sorted by stack name.
    pub stacks: Vec<Manifest>,
}

impl Workspace {
    /// The stack named `name`, if the workspace declares it.
    pub fn stack(&self, name: &str) -> Option<&Manifest> {
        self.stacks.iter().find(|m| m.desired.stack == name)
    }
}

/// Whether the files must form one stack (`load_files`) or may form several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    OneStack,
    Workspace,
}

/// The files `paths` stand for, read, with the problems met on the way.
pub fn read_paths(paths: &[PathBuf]) -> (Vec<SourceFile>, Vec<Issue>) {
    let mut issues = Vec::new();
    let mut files: Vec<SourceFile> = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    // Load order: the first sort key of errors.
    let mut next_index = 0;
    if paths.is_empty() {
        let none = SourceFile::new(0, "<no file>", "");
        issues.push(
            Issue::whole_file(&none, "no manifest file given")
                .help("give a manifest file, or a directory of them")
                .code("manifest::no_files"),
        );
    }
    for path in paths {
        for file in expand(path, &mut issues, &mut next_index) {
            // The same file named twice (`-f a.yaml -f .`) is read once.
            let canonical = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
            if !seen.insert(canonical) {
                continue;
            }
            let index = next_index;
            next_index += 1;
            match read(&file, index) {
                Ok(source) => files.push(source),
                Err(issue) => issues.push(*issue),
            }
        }
    }
    (files, issues)
}

/// The files a path stands for: itself, or the `*.yaml` and `*.yml` files
/// of a directory tree, sorted by path (entries whose name starts with `.`
/// are skipped).
fn expand(path: &FsPath, issues: &mut Vec<Issue>, next_index: &mut usize) -> Vec<PathBuf> {
    if !path.is_dir() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    let mut visited = HashSet::new();
    walk(path, &mut files, &mut visited, issues, next_index);
    files.sort();
    if files.is_empty() && issues.is_empty() {
        let name = path.display().to_string();
        let dir = SourceFile::new(*next_index, &name, "");
        *next_index += 1;
        issues.push(
            Issue::whole_file(&dir, format!("directory `{name}` holds no manifest"))
                .help(
                    "a manifest directory holds `*.yaml` or `*.yml` files, in it or in its \
                     subdirectories",
                )
                .code("manifest::empty_directory"),
        );
    }
    files
}

fn walk(
    dir: &FsPath,
    files: &mut Vec<PathBuf>,
    visited: &mut HashSet<PathBuf>,
    issues: &mut Vec<Issue>,
    next_index: &mut usize,
) {
    // A symbolic link back up the tree is followed once.
    let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !visited.insert(canonical) {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            let name = dir.display().to_string();
            issues.push(
                Issue::whole_file(
                    &SourceFile::new(*next_index, &name, ""),
                    format!("cannot read directory `{name}`: {err}"),
                )
                .help("check that the directory exists and is readable")
                .code("manifest::read_error"),
            );
            *next_index += 1;
            return;
        }
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, files, visited, issues, next_index);
        } else if path.is_file() && path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(path);
        }
    }
}

fn read(path: &FsPath, index: usize) -> Result<SourceFile, Box<Issue>> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|err| {
        Box::new(
            Issue::whole_file(
                &SourceFile::new(index, &name, ""),
                format!("cannot read `{name}`: {err}"),
            )
            .help("check that the path exists and is readable")
            .code("manifest::read_error"),
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
                .help("save the manifest as UTF-8")
                .code("manifest::not_utf8"),
            ))
        }
    }
}

/// One file on its way through the pipeline.
struct Loaded {
    file: SourceFile,
    root: Option<Node>,
    declared: Vec<Declared>,
    /// Values whose variables could not be resolved (already reported).
    unresolved: Vec<Range<usize>>,
}

/// The whole pipeline (see the module documentation).
pub fn load(
    files: Vec<SourceFile>,
    mut issues: Vec<Issue>,
    vars: &Vars,
    mode: Mode,
) -> Result<Workspace, ManifestError> {
    let mut complete = issues.is_empty();
    let mut loaded: Vec<Loaded> = Vec::with_capacity(files.len());
    // Stack name -> indices into `loaded`; a file without a stack name is a
    // group of its own (its errors are reported, it forms no stack).
    let mut groups: BTreeMap<(String, usize), Vec<usize>> = BTreeMap::new();
    for file in files {
        let mut root = match spanned::parse(&file.text) {
            Ok(root) => root,
            Err(err) => {
                issues.push(
                    Issue::new(&file, err.span, err.label, err.message)
                        .help(err.help)
                        .code(err.code),
                );
                complete = false;
                continue;
            }
        };
        if root.is_some() {
            if let Err(issue) = other_readers(&file) {
                issues.push(*issue);
            }
        }
        let mut declared = Vec::new();
        let mut stack = None;
        let mut unresolved = Vec::new();
        if let Some(root) = root.as_mut() {
            merge::prepare(&file, root, &mut issues);
            declared = vars::declarations(&file, root, &mut issues);
            let mut out = Unresolved {
                issues: &mut issues,
                spans: &mut unresolved,
            };
            stack = vars::resolve_stack(&file, root, vars, &declared, &mut out)
                .filter(|s| super::rules::STACK.check(s).is_ok());
        }
        let index = loaded.len();
        let group = match (mode, stack) {
            (Mode::OneStack, _) => (String::new(), 0),
            (Mode::Workspace, Some(stack)) => (stack, 0),
            (Mode::Workspace, None) => {
                complete = false;
                (String::new(), index + 1)
            }
        };
        groups.entry(group).or_default().push(index);
        loaded.push(Loaded {
            file,
            root,
            declared,
            unresolved,
        });
    }

    let mut checked: Vec<(usize, FileFacts)> = Vec::new();
    for members in groups.values() {
        let declarations: Vec<(&SourceFile, &[Declared])> = members
            .iter()
            .map(|i| (&loaded[*i].file, loaded[*i].declared.as_slice()))
            .collect();
        let declared = vars::stack_declarations(&declarations, &mut issues);
        let mut facts: Vec<(usize, FileFacts)> = Vec::new();
        for i in members {
            let Loaded {
                file,
                root,
                unresolved,
                ..
            } = &mut loaded[*i];
            if let Some(root) = root.as_mut() {
                let mut out = Unresolved {
                    issues: &mut issues,
                    spans: unresolved,
                };
                vars::substitute(file, root, vars, &declared, &mut out);
            }
            let (file_issues, file_facts) =
                validate::validate_file(file, root.as_ref(), unresolved);
            issues.extend(file_issues);
            facts.push((*i, file_facts));
        }
        let pairs: Vec<(&SourceFile, &FileFacts)> =
            facts.iter().map(|(i, f)| (&loaded[*i].file, f)).collect();
        if mode == Mode::OneStack {
            issues.extend(crossfile::same_stack(&pairs));
        }
        let stack = pairs
            .iter()
            .find_map(|(_, f)| f.stack.as_ref())
            .map_or("", |s| s.value.as_str());
        issues.extend(crossfile::check(stack, &pairs, complete));
        checked.extend(facts);
    }
    imported_twice(&loaded, &checked, &mut issues);
    if !issues.is_empty() {
        return Err(ManifestError::new(issues));
    }

    let mut stacks = Vec::new();
    for members in groups.values() {
        let defaults = stack_defaults(members.iter().filter_map(|i| loaded[*i].root.as_ref()));
        let mut raws = Vec::with_capacity(members.len());
        for i in members {
            let Loaded { file, root, .. } = &mut loaded[*i];
            if let Some(root) = root.as_mut() {
                apply_defaults(root, &defaults);
            }
            match typed(file, root.as_ref()) {
                Ok(raw) => raws.push(raw),
                Err(issue) => issues.push(*issue),
            }
        }
        let sources: Vec<SourceFile> = members.iter().map(|i| loaded[*i].file.clone()).collect();
        stacks.push(Manifest {
            desired: convert::merge(raws),
            files: sources.iter().map(|f| f.name.clone()).collect(),
            sources: Sources(sources),
        });
    }
    if !issues.is_empty() {
        return Err(ManifestError::new(issues));
    }
    stacks.sort_by(|a, b| a.desired.stack.cmp(&b.desired.stack));
    Ok(Workspace { stacks })
}

/// No ARN is imported by two resources, in one stack or in two.
fn imported_twice(loaded: &[Loaded], checked: &[(usize, FileFacts)], issues: &mut Vec<Issue>) {
    let mut seen: BTreeMap<&str, (&SourceFile, &FileFacts, &validate::ResourceFacts)> =
        BTreeMap::new();
    for (i, facts) in checked {
        let file = &loaded[*i].file;
        for resource in &facts.resources {
            let Some(import) = &resource.import else {
                continue;
            };
            let Some((first_file, first_facts, first)) = seen.get(import.value.as_str()) else {
                seen.insert(&import.value, (file, facts, resource));
                continue;
            };
            let name = |facts: &FileFacts, r: &validate::ResourceFacts| {
                let stack = facts.stack.as_ref().map_or("", |s| s.value.as_str());
                format!("{stack}/{}", r.address())
            };
            let (here, there) = (name(facts, resource), name(first_facts, first));
            let mut issue = Issue::new(
                file,
                import.span.clone(),
                "imported again here",
                format!(
                    "`{}` is imported twice: by {there} and by {here}",
                    import.value
                ),
            )
            .help(
                "a resource belongs to one stack, under one key: keep one of the imports (use \
                 `moved` to change its key or stack later)",
            )
            .code("manifest::import_twice");
            let first_span = first
                .import
                .as_ref()
                .map_or(first.key.span.clone(), |s| s.span.clone());
            issue = if first_file.index == file.index {
                issue.also(file, first_span, format!("first imported here, by {there}"))
            } else {
                issue.note(
                    first_file,
                    first_span,
                    "first imported here",
                    format!("first imported by {there}, in {}", first_file.name),
                )
            };
            issues.push(issue);
        }
    }
}

/// The entries of a stack's `defaults.rooms` and
/// `defaults.loggingConfigurations` (validated: no field given twice),
/// null values left out.
struct TreeDefaults {
    rooms: Vec<Entry>,
    logging_configurations: Vec<Entry>,
}

fn stack_defaults<'a>(roots: impl Iterator<Item = &'a Node>) -> TreeDefaults {
    let mut out = TreeDefaults {
        rooms: Vec::new(),
        logging_configurations: Vec::new(),
    };
    for root in roots {
        let Some(defaults) = entry(root, "defaults") else {
            continue;
        };
        for (section, target) in [
            ("rooms", &mut out.rooms),
            ("loggingConfigurations", &mut out.logging_configurations),
        ] {
            if let Some(spec) = entry(defaults, section).and_then(Node::as_mapping) {
                target.extend(
                    spec.iter()
                        .filter(|e| !super::read::is_null(&e.value))
                        .cloned(),
                );
            }
        }
    }
    out
}

/// The value of `key` in a mapping node.
fn entry<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    node.as_mapping()?
        .iter()
        .find(|e| e.key.scalar() == Some(key))
        .map(|e| &e.value)
}

/// Writes the defaults into every resource of a file: a field the resource
/// does not write (null counts as written) is added; default tags are added
/// to the resource's tags where it does not give the key.
fn apply_defaults(root: &mut Node, defaults: &TreeDefaults) {
    let NodeKind::Mapping(top) = &mut root.kind else {
        return;
    };
    for section in top.iter_mut() {
        let given = match section.key.scalar() {
            Some("rooms") => &defaults.rooms,
            Some("loggingConfigurations") => &defaults.logging_configurations,
            _ => continue,
        };
        if given.is_empty() {
            continue;
        }
        let NodeKind::Mapping(resources) = &mut section.value.kind else {
            continue;
        };
        for resource in resources.iter_mut() {
            let NodeKind::Mapping(fields) = &mut resource.value.kind else {
                continue;
            };
            for default in given {
                let name = default.key.scalar();
                match fields.iter_mut().find(|f| f.key.scalar() == name) {
                    None => fields.push(default.clone()),
                    Some(own) if name == Some("tags") => merge_tags(&mut own.value, &default.value),
                    Some(_) => {}
                }
            }
        }
    }
}

fn merge_tags(own: &mut Node, default: &Node) {
    if super::read::is_null(own) {
        *own = default.clone();
        return;
    }
    let (NodeKind::Mapping(own), Some(default)) = (&mut own.kind, default.as_mapping()) else {
        return;
    };
    for tag in default {
        if !own.iter().any(|t| t.key.scalar() == tag.key.scalar()) {
            own.push(tag.clone());
        }
    }
}

/// The YAML parser behind serde_yaml (libyaml's rules) can reject what
/// saphyr accepts (a tab before a comment at the start of a line): other
/// YAML tools would then reject the file too, so it is the user's to
/// simplify.
fn other_readers(file: &SourceFile) -> Result<(), Box<Issue>> {
    // serde_yaml would read a byte order mark as part of the first key.
    let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
    let skipped = file.text.len() - text.len();
    yaml_syntax(text).map_err(|err| {
        let at = skipped + err.location().map_or(0, |l| l.index());
        Box::new(
            Issue::new(
                file,
                at..at,
                "invalid YAML here",
                format!("invalid YAML: {err}"),
            )
            .help(
                "YAML readers disagree on this construct; write it plainly: spaces for \
                 indentation, and each flow collection (`[...]`, `{...}`) on one line",
            )
            .code("manifest::yaml_disagreement"),
        )
    })
}

/// The typed read of a validated file. Validation accepting what the typed
/// pass rejects would be an ivsctl bug: a clean error, not a panic.
fn typed(file: &SourceFile, root: Option<&Node>) -> Result<RawManifest, Box<Issue>> {
    let Some(root) = root else {
        return Err(Box::new(bug(file, 0..0, "the file holds no document")));
    };
    let raw = de::from_node::<RawManifest>(root).map_err(|err| {
        let span = err.span.clone().unwrap_or_default();
        Box::new(bug(file, span, &format!("cannot read the manifest: {err}")))
    })?;
    // Validation allows version 1 only.
    debug_assert_eq!(raw.version, 1);
    Ok(raw)
}

fn bug(file: &SourceFile, span: impl Into<spanned::Span>, message: &str) -> Issue {
    Issue::new(file, span, "here", message)
        .help(
            "this file passed validation but not typed reading: please report this as an \
             ivsctl bug",
        )
        .code("manifest::internal")
}

/// A syntax-only read with serde_yaml: events, no values kept.
fn yaml_syntax(text: &str) -> Result<(), serde_yaml::Error> {
    use serde::Deserialize;
    serde::de::IgnoredAny::deserialize(serde_yaml::Deserializer::from_str(text)).map(|_| ())
}
