//! Checks that need the whole stack (the files that declare one `stack`):
//! they agree on `region`, no key (resource or stack tag) is declared twice,
//! every room's reference names a logging configuration of the stack, and no
//! resource would carry more tags than the API allows once the stack's, the
//! defaults' and ivsctl's tags are added. The checks of `defaults`, `moved`
//! and `import` are in `stackwide.rs`.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{ResourceType, MAX_TAGS_PER_RESOURCE};

use super::diagnostics::{did_you_mean, Issue, Path, SourceFile};
use super::read::Located;
use super::stackwide::{self, StackDefaults};
use super::validate::{FileFacts, ResourceFacts};

/// The tags ivsctl puts on every resource: `ivsctl:stack`, `ivsctl:key` and
/// the applied record, `ivsctl:applied`.
const OWNERSHIP_TAGS: usize = 3;

/// `files` are the files of one stack that parsed; `complete` is false when
/// some file could not be parsed (or its stack read), and then references
/// and `moved` targets are not checked (their target may be in that file).
pub fn check(stack: &str, files: &[(&SourceFile, &FileFacts)], complete: bool) -> Vec<Issue> {
    let mut issues = Vec::new();
    same_value(files, |f| f.region.as_ref(), "region", &mut issues);
    let stack_tags = stack_tags(files, &mut issues);
    resource_keys(files, &mut issues);
    let defaults = stackwide::defaults(files, &mut issues);
    if complete {
        references(files, &mut issues);
    }
    stackwide::own_stack_references(stack, files, &mut issues);
    stackwide::missing_destinations(files, &defaults, &mut issues);
    stackwide::import_regions(files, &mut issues);
    stackwide::moved(stack, files, complete, &mut issues);
    tag_budget(files, &stack_tags, &defaults, &mut issues);
    issues
}

/// Files loaded as one stack declare the same `stack` (the help says that a
/// workspace could hold several).
pub fn same_stack(files: &[(&SourceFile, &FileFacts)]) -> Vec<Issue> {
    let mut issues = Vec::new();
    same_value(files, |f| f.stack.as_ref(), "stack", &mut issues);
    issues
}

/// Every file that gives `field` gives the same value as the first one.
fn same_value<'a>(
    files: &[(&'a SourceFile, &'a FileFacts)],
    get: impl Fn(&'a FileFacts) -> Option<&'a Located<String>>,
    field: &str,
    issues: &mut Vec<Issue>,
) {
    let (help, code) = match field {
        "stack" => (
            "; a directory tree may hold several stacks when they are loaded as a \
             workspace (its files are then grouped by `stack`), but here all files form \
             one stack",
            "manifest::several_stacks",
        ),
        _ => ("", "manifest::region_mismatch"),
    };
    let mut first: Option<(&SourceFile, &Located<String>)> = None;
    for (file, facts) in files {
        let Some(value) = get(facts) else { continue };
        match first {
            None => first = Some((file, value)),
            Some((first_file, first_value)) if first_value.value != value.value => {
                issues.push(
                    Issue::new(
                        file,
                        value.span.clone(),
                        format!("differs from `{}`", first_value.value),
                        format!("`{field}` differs between the manifest's files"),
                    )
                    .help(format!(
                        "every file of one manifest declares the same {field}; {} says `{}`{help}",
                        first_file.name, first_value.value
                    ))
                    .code(code)
                    .note(
                        first_file,
                        first_value.span.clone(),
                        "first given here",
                        format!("`{field}` is first given in {}", first_file.name),
                    ),
                );
            }
            Some(_) => {}
        }
    }
}

/// The stack's tag keys, with the place each is first given; a key given in
/// two files is reported (one file's duplicates are duplicate YAML keys).
fn stack_tags<'a>(
    files: &[(&'a SourceFile, &'a FileFacts)],
    issues: &mut Vec<Issue>,
) -> BTreeMap<&'a str, (&'a SourceFile, &'a Located<String>)> {
    let mut seen: BTreeMap<&str, (&SourceFile, &Located<String>)> = BTreeMap::new();
    for (file, facts) in files {
        for key in facts.tags.iter().flat_map(|t| &t.keys) {
            match seen.get(key.value.as_str()) {
                Some((first_file, first)) => issues.push(
                    Issue::new(
                        file,
                        key.span.clone(),
                        "given again here",
                        format!("stack tag `{}` is given in two files", key.value),
                    )
                    .help(format!(
                        "`{}` is already a stack tag in {}; keep it in one file",
                        key.value, first_file.name
                    ))
                    .code("manifest::duplicate_stack_tag")
                    .note(
                        first_file,
                        first.span.clone(),
                        "first given here",
                        format!(
                            "stack tag `{}` is first given in {}",
                            key.value, first_file.name
                        ),
                    ),
                ),
                None => {
                    seen.insert(&key.value, (file, key));
                }
            }
        }
    }
    seen
}

/// A logical key is declared in one file only.
fn resource_keys(files: &[(&SourceFile, &FileFacts)], issues: &mut Vec<Issue>) {
    let mut seen: BTreeMap<(ResourceType, &str), (&SourceFile, &ResourceFacts)> = BTreeMap::new();
    for (file, facts) in files {
        for resource in &facts.resources {
            let id = (resource.resource_type, resource.key.value.as_str());
            let address = resource.address();
            match seen.get(&id) {
                Some((first_file, first)) => {
                    let message = format!("{address} is declared in two files");
                    let help = format!(
                        "{address} is already declared in {}; a logical key names one \
                         resource, keep one declaration",
                        first_file.name
                    );
                    let note = format!("{address} is first declared in {}", first_file.name);
                    issues.push(
                        Issue::new(
                            file,
                            resource.key.span.clone(),
                            "declared again here",
                            message,
                        )
                        .help(help)
                        .code("manifest::duplicate_resource")
                        .note(
                            first_file,
                            first.key.span.clone(),
                            "first declared here",
                            note,
                        ),
                    );
                }
                None => {
                    seen.insert(id, (file, resource));
                }
            }
        }
    }
}

/// Every non-ARN entry of a room's `loggingConfigurations` is a key of the
/// stack's `loggingConfigurations`.
fn references(files: &[(&SourceFile, &FileFacts)], issues: &mut Vec<Issue>) {
    let keys: BTreeSet<&str> = files
        .iter()
        .flat_map(|(_, f)| &f.resources)
        .filter(|r| r.resource_type == ResourceType::LoggingConfiguration)
        .map(|r| r.key.value.as_str())
        .collect();
    for (file, facts) in files {
        for reference in &facts.references {
            if reference.stack.is_some() || keys.contains(reference.key.value.as_str()) {
                continue;
            }
            let help = match did_you_mean(&reference.key.value, keys.iter().copied()) {
                Some(m) => format!("did you mean `{m}`?"),
                None if keys.is_empty() => "this stack declares no logging configuration; \
                    declare it under the top-level `loggingConfigurations`, or give the ARN of \
                    an existing one"
                    .to_string(),
                None => format!(
                    "this stack's logging configurations are: {}; or give the ARN of an \
                     existing one, or `STACK/KEY` for another stack's",
                    keys.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let path = &reference.list;
            issues.push(
                Issue::new(
                    file,
                    reference.key.span.clone(),
                    "no such logging configuration",
                    format!(
                        "{path} refers to `{}`, which is not a logging configuration of this stack",
                        reference.key.value
                    ),
                )
                .help(help)
                .code("manifest::unknown_reference"),
            );
        }
    }
}

/// Stack tags + the defaults' tags + resource tags (one per key) + ownership
/// tags (+ `ivsctl:protect`) fit within the API's limit of tags per resource.
fn tag_budget(
    files: &[(&SourceFile, &FileFacts)],
    stack_tags: &BTreeMap<&str, (&SourceFile, &Located<String>)>,
    defaults: &StackDefaults<'_>,
    issues: &mut Vec<Issue>,
) {
    if stack_tags.len() + OWNERSHIP_TAGS > MAX_TAGS_PER_RESOURCE {
        // Every resource would be over: say it once, at the stack's tags.
        if let Some((file, facts)) = files
            .iter()
            .find(|(_, f)| f.tags.as_ref().is_some_and(|t| !t.keys.is_empty()))
        {
            if let Some(tags) = &facts.tags {
                let n = stack_tags.len();
                let message = format!("the stack has {n} tags, too many for any resource");
                let help = format!(
                    "every resource carries the stack tags plus ivsctl's {OWNERSHIP_TAGS} \
                     tags (ownership and applied record), at most {MAX_TAGS_PER_RESOURCE} in all: \
                     keep at most {} stack tags",
                    MAX_TAGS_PER_RESOURCE - OWNERSHIP_TAGS
                );
                let label = format!("{n} stack tags");
                issues.push(
                    Issue::new(file, tags.field_span.clone(), label, message)
                        .help(help)
                        .code("manifest::tag_budget"),
                );
            }
        }
        return;
    }
    for (file, facts) in files {
        for resource in &facts.resources {
            let of_type = defaults.of(resource.resource_type);
            let own: BTreeSet<&str> = resource
                .tags
                .iter()
                .flat_map(|t| &t.keys)
                .map(|k| k.value.as_str())
                .collect();
            let inherited: BTreeSet<&str> = stack_tags
                .keys()
                .copied()
                .chain(of_type.tags.iter().copied())
                .collect();
            let overriding = own.iter().filter(|k| inherited.contains(*k)).count();
            let protect = if resource.written.contains(&"protect") {
                resource.protect
            } else {
                of_type.protect.unwrap_or(false)
            };
            let ivsctl = OWNERSHIP_TAGS + usize::from(protect);
            let total = inherited.len() + own.len() - overriding + ivsctl;
            if total <= MAX_TAGS_PER_RESOURCE {
                continue;
            }
            let address = Path::root()
                .child(resource.resource_type.section())
                .child(&resource.key.value);
            let span = resource
                .tags
                .as_ref()
                .map_or(resource.key.span.clone(), |t| t.field_span.clone());
            let message =
                format!("{address} would carry {total} tags, more than {MAX_TAGS_PER_RESOURCE}");
            let protect = if protect {
                " (protect: true adds `ivsctl:protect`)"
            } else {
                ""
            };
            let (defaults_part, overridden) = if of_type.tags.is_empty() {
                (String::new(), "stack tags")
            } else {
                (
                    format!(" + {}", count(of_type.tags.len(), "default tag")),
                    "stack or default tags",
                )
            };
            let help = format!(
                "{}{defaults_part} + {} ({overriding} of them overriding {overridden}) + {ivsctl} \
                 ivsctl tags{protect}; at most {MAX_TAGS_PER_RESOURCE} per resource: remove {}",
                count(stack_tags.len(), "stack tag"),
                count(own.len(), "own tag"),
                total - MAX_TAGS_PER_RESOURCE
            );
            let label = format!("{total} tags in all");
            issues.push(
                Issue::new(file, span, label, message)
                    .help(help)
                    .code("manifest::tag_budget"),
            );
        }
    }
}

/// "1 own tag", "2 own tags".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
