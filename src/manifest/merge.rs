//! Tree preparation before validation: top-level `x-` keys are dropped (a
//! place for anchors, as in docker compose) and YAML merge keys (`<<`) are
//! applied. Aliases were already expanded by the parser, so a merge sees a
//! copy of its anchor whose spans point at the anchor and whose `via` points
//! at the alias: an error in a merged value names both places.
//!
//! Merge semantics follow the YAML merge-key type: `<<` takes a mapping, or
//! a list of mappings (earlier ones win); the mapping's own keys win over
//! merged ones, wherever they are written; merged entries take the place of
//! the `<<` entry.

use std::collections::HashSet;
use std::sync::Arc;

use super::diagnostics::{Issue, SourceFile};
use super::read::describe;
use super::spanned::{Entry, Node, NodeKind, Via, ViaKind};

/// Prepares a parsed file's tree (see the module documentation).
pub fn prepare(file: &SourceFile, root: &mut Node, issues: &mut Vec<Issue>) {
    drop_extension_keys(root);
    merge(file, root, issues);
}

/// True for a top-level key starting with `x-`.
pub fn is_extension_key(key: &Node) -> bool {
    key.scalar().is_some_and(|k| k.starts_with("x-"))
}

fn drop_extension_keys(root: &mut Node) {
    if let NodeKind::Mapping(entries) = &mut root.kind {
        entries.retain(|e| !is_extension_key(&e.key));
    }
}

fn merge(file: &SourceFile, node: &mut Node, issues: &mut Vec<Issue>) {
    match &mut node.kind {
        NodeKind::Scalar { .. } => {}
        NodeKind::Sequence(items) => {
            for item in items {
                merge(file, item, issues);
            }
        }
        NodeKind::Mapping(entries) => {
            for entry in entries.iter_mut() {
                merge(file, &mut entry.value, issues);
            }
            if entries.iter().any(|e| e.key.is_merge_key()) {
                let own = std::mem::take(entries);
                *entries = apply(file, node.span.via.is_some(), own, issues);
            }
        }
    }
}

/// The entries of a mapping with its merge keys applied. `in_copy`: the
/// mapping is itself a copy of an anchor (its entries already know their use).
fn apply(file: &SourceFile, in_copy: bool, own: Vec<Entry>, issues: &mut Vec<Issue>) -> Vec<Entry> {
    let mut taken: HashSet<String> = own
        .iter()
        .filter(|e| !e.key.is_merge_key())
        .filter_map(|e| e.key.scalar().map(str::to_string))
        .collect();
    let mut out = Vec::with_capacity(own.len());
    let mut merge_key: Option<Node> = None;
    for entry in own {
        if !entry.key.is_merge_key() {
            out.push(entry);
            continue;
        }
        if let Some(first) = &merge_key {
            issues.push(
                Issue::new(
                    file,
                    entry.key.span.clone(),
                    "defined again here",
                    "duplicate merge key `<<` in one mapping",
                )
                .also(file, first.span.clone(), "first defined here")
                .help("merge several mappings with one key: `<<: [*first, *second]`")
                .code("manifest::duplicate_key"),
            );
            continue;
        }
        merge_key = Some(entry.key.clone());
        for source in sources(file, entry.value, issues) {
            let via = match (&source.span.via, in_copy) {
                (Some(alias), false) => Some(Arc::new(Via {
                    span: alias.span.clone(),
                    kind: ViaKind::Merge,
                })),
                _ => None,
            };
            let NodeKind::Mapping(entries) = source.kind else {
                continue;
            };
            for mut merged in entries {
                if let Some(key) = merged.key.scalar() {
                    if !taken.insert(key.to_string()) {
                        continue;
                    }
                }
                if let Some(via) = &via {
                    merged.key.set_via(via);
                    merged.value.set_via(via);
                }
                out.push(merged);
            }
        }
    }
    out
}

/// The mappings a `<<` value stands for; anything else is reported.
fn sources(file: &SourceFile, value: Node, issues: &mut Vec<Issue>) -> Vec<Node> {
    let help = "a merge key takes a mapping, usually an alias of one (`<<: *base`), or a list \
                of them (`<<: [*a, *b]`, earlier ones win)";
    let bad = |node: &Node, issues: &mut Vec<Issue>| {
        issues.push(
            Issue::new(
                file,
                node.span.clone(),
                "not a mapping",
                format!(
                    "a merge key `<<` needs a mapping, found {}",
                    describe(node, &file.text)
                ),
            )
            .help(help)
            .code("manifest::merge_value"),
        );
    };
    match value.kind {
        NodeKind::Mapping(_) => vec![value],
        NodeKind::Sequence(items) => items
            .into_iter()
            .filter(|item| {
                let ok = item.as_mapping().is_some();
                if !ok {
                    bad(item, issues);
                }
                ok
            })
            .collect(),
        NodeKind::Scalar { .. } => {
            bad(&value, issues);
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::spanned::parse;

    fn prepared(text: &str) -> (Node, Vec<Issue>) {
        let file = SourceFile::new(0, "m.yaml", text);
        let mut root = parse(text).unwrap().unwrap();
        let mut issues = Vec::new();
        prepare(&file, &mut root, &mut issues);
        (root, issues)
    }

    fn keys(node: &Node) -> Vec<&str> {
        node.as_mapping()
            .unwrap()
            .iter()
            .map(|e| e.key.scalar().unwrap())
            .collect()
    }

    #[test]
    fn own_keys_win_and_earlier_sources_win() {
        let text = "x-a: &a {p: 1, q: 1}\nx-b: &b {q: 2, r: 2}\nm: {s: 0, <<: [*a, *b], p: 0}\n";
        let (root, issues) = prepared(text);
        assert!(issues.is_empty());
        let m = &root.as_mapping().unwrap()[0].value;
        assert_eq!(keys(&root), ["m"]);
        assert_eq!(keys(m), ["s", "q", "r", "p"]);
        let q = &m.as_mapping().unwrap()[1];
        assert_eq!(q.value.scalar(), Some("1"));
        let via = q.value.span.via.as_deref().unwrap();
        assert_eq!((&text[via.span.clone()], via.kind), ("*a", ViaKind::Merge));
    }

    #[test]
    fn a_merge_inside_a_copy_keeps_the_outer_use() {
        let text = "x-base: &base {a: 1}\nx-room: &room {<<: *base, b: 2}\nr: *room\n";
        let (root, _) = prepared(text);
        let r = &root.as_mapping().unwrap()[0].value;
        let a = &r.as_mapping().unwrap()[0].value;
        let via = a.span.via.as_deref().unwrap();
        assert_eq!(
            (&text[via.span.clone()], via.kind),
            ("*room", ViaKind::Alias)
        );
    }

    #[test]
    fn bad_merge_values_are_reported() {
        let (_, issues) = prepared("m: {<<: 5}\n");
        assert_eq!(issues.len(), 1);
        assert!(issues[0]
            .message()
            .contains("needs a mapping, found an integer"));
        let (_, issues) = prepared("m: {<<: [{a: 1}, x], <<: {b: 2}}\n");
        assert_eq!(issues.len(), 2, "{issues:?}");
    }
}
