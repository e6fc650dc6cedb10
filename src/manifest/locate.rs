//! Errors found after loading (at plan time: a `STACK/KEY` reference to a
//! key the other stack does not declare, ...) located at a YAML node by its
//! path, and rendered like every manifest error.
//!
//! A `Manifest` keeps its files' texts (shared, not copied), not their
//! trees: a file is parsed again only when an error is located in it.

use super::diagnostics::{Issue, ManifestError, SourceFile};
use super::merge;
use super::spanned::{self, Node, NodeKind, Span};

/// Where a path was found: the file, the place, and how much of the path.
struct Found {
    file: usize,
    span: Span,
    depth: usize,
}

/// A [`ManifestError`] with one issue at `path` in `sources`. When the path
/// is not written (a value that comes from `defaults`), the default is
/// underlined and the resource is named in a note; when even that is not
/// found, the longest written prefix is.
pub fn error_at(
    sources: &[SourceFile],
    path: &[&str],
    label: &str,
    message: &str,
    help: &str,
    code: &'static str,
) -> ManifestError {
    let roots: Vec<Option<Node>> = sources.iter().map(root).collect();
    let best = |path: &[&str]| -> Option<Found> {
        roots
            .iter()
            .enumerate()
            .filter_map(|(i, root)| find(root.as_ref()?, path, &sources[i].text, i))
            .max_by_key(|f| (f.depth, std::cmp::Reverse(f.file)))
    };
    let full = best(path).filter(|f| f.depth == path.len());
    let issue = match full {
        Some(found) => at(&sources[found.file], found.span, label, message),
        None => {
            let via_defaults = match path {
                [section @ ("rooms" | "loggingConfigurations"), _, rest @ ..]
                    if !rest.is_empty() =>
                {
                    let mut defaults = vec!["defaults", *section];
                    defaults.extend_from_slice(rest);
                    best(&defaults).filter(|f| f.depth == defaults.len())
                }
                _ => None,
            };
            let resource = best(&path[..path.len().min(2)]);
            match (via_defaults, resource) {
                (Some(found), resource) => {
                    let mut issue = at(&sources[found.file], found.span, label, message);
                    if let Some(r) = resource.filter(|r| r.depth == 2) {
                        let note =
                            format!("{} takes this value from `defaults`", path[..2].join("."));
                        issue = issue.note(&sources[r.file], r.span, "this resource", note);
                    }
                    issue
                }
                (None, _) => match best(path) {
                    Some(found) if found.depth > 0 => {
                        at(&sources[found.file], found.span, label, message)
                    }
                    _ => {
                        let fallback = SourceFile::new(0, "<no file>", "");
                        Issue::whole_file(sources.first().unwrap_or(&fallback), message)
                    }
                },
            }
        }
    };
    ManifestError::new(vec![issue.help(help).code(code)])
}

fn at(file: &SourceFile, span: Span, label: &str, message: &str) -> Issue {
    Issue::new(file, span, label, message)
}

/// A file's tree as validation saw it (merge keys applied, `x-` keys gone).
fn root(file: &SourceFile) -> Option<Node> {
    let mut root = spanned::parse(&file.text).ok()??;
    merge::prepare(file, &mut root, &mut Vec::new());
    Some(root)
}

/// The node at `path` (or the deepest node on the way): its value when it
/// fits on a line, else its key.
fn find(root: &Node, path: &[&str], text: &str, file: usize) -> Option<Found> {
    let mut node = root;
    let mut found = None;
    for (depth, segment) in path.iter().enumerate() {
        let (key, value) = match &node.kind {
            NodeKind::Mapping(entries) => {
                let Some(entry) = entries.iter().find(|e| e.key.scalar() == Some(segment)) else {
                    break;
                };
                (Some(&entry.key), &entry.value)
            }
            NodeKind::Sequence(items) => {
                let Some(item) = segment.parse::<usize>().ok().and_then(|i| items.get(i)) else {
                    break;
                };
                (None, item)
            }
            NodeKind::Scalar { .. } => break,
        };
        let span = match key {
            Some(key) if !value.is_compact(text) => key.span.clone(),
            _ => value.span.clone(),
        };
        found = Some(Found {
            file,
            span,
            depth: depth + 1,
        });
        node = value;
    }
    found
}
