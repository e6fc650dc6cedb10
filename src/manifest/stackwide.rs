//! The stack-level rules of `defaults`, `moved`, `import` and `STACK/KEY`
//! references, over the facts of the files of one stack (see `crossfile.rs`).
//!
//! Defaults are per stack: every file's `defaults` apply to every resource
//! of the stack, and two files may not both give a default for one field.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Address, ResourceType};

use super::diagnostics::{did_you_mean, Issue, SourceFile};
use super::read::Located;
use super::resources::destination_help;
use super::rules::arn_region;
use super::spanned::Span;
use super::validate::{FileFacts, MoveFacts};

/// The defaults of one resource type, over the whole stack.
#[derive(Default)]
pub struct TypeDefaults<'a> {
    /// Each field given, with where.
    pub fields: BTreeMap<&'static str, (&'a SourceFile, Span)>,
    /// The default tags' keys.
    pub tags: BTreeSet<&'a str>,
    pub protect: Option<bool>,
}

#[derive(Default)]
pub struct StackDefaults<'a> {
    pub rooms: TypeDefaults<'a>,
    pub logging_configurations: TypeDefaults<'a>,
}

impl<'a> StackDefaults<'a> {
    pub fn of(&self, resource_type: ResourceType) -> &TypeDefaults<'a> {
        match resource_type {
            ResourceType::Room => &self.rooms,
            ResourceType::LoggingConfiguration => &self.logging_configurations,
        }
    }

    fn of_mut(&mut self, resource_type: ResourceType) -> &mut TypeDefaults<'a> {
        match resource_type {
            ResourceType::Room => &mut self.rooms,
            ResourceType::LoggingConfiguration => &mut self.logging_configurations,
        }
    }
}

/// A second place of an issue: a label in the same file, a note in another.
fn and_first(
    issue: Issue,
    file: &SourceFile,
    first_file: &SourceFile,
    span: &Span,
    label: &str,
    note: String,
) -> Issue {
    if first_file.index == file.index {
        issue.also(first_file, span.clone(), label)
    } else {
        issue.note(first_file, span.clone(), label, note)
    }
}

/// The stack's defaults; a field given by two files is an error.
pub fn defaults<'a>(
    files: &[(&'a SourceFile, &'a FileFacts)],
    issues: &mut Vec<Issue>,
) -> StackDefaults<'a> {
    let mut out = StackDefaults::default();
    for (file, facts) in files {
        for given in &facts.defaults {
            let section = given.resource_type.section();
            let target = out.of_mut(given.resource_type);
            let mut accepted = Vec::new();
            for (name, span) in &given.fields {
                match target.fields.get(name) {
                    Some((first_file, first_span)) => {
                        let path = format!("defaults.{section}.{name}");
                        let issue = Issue::new(
                            file,
                            span.clone(),
                            "given again here",
                            format!(
                                "{path} is given in two files of stack `{}`",
                                stack_of(facts)
                            ),
                        )
                        .help(format!(
                            "defaults apply to the whole stack, so each field has one default: \
                             keep `{name}` in {} or here, not both",
                            first_file.name
                        ))
                        .code("manifest::defaults_conflict");
                        issues.push(and_first(
                            issue,
                            file,
                            first_file,
                            first_span,
                            "first given here",
                            format!("{path} is first given in {}", first_file.name),
                        ));
                    }
                    None => {
                        target.fields.insert(name, (*file, span.clone()));
                        accepted.push(*name);
                    }
                }
            }
            if accepted.contains(&"tags") {
                let keys = given.tags.iter().flat_map(|t| &t.keys);
                target.tags.extend(keys.map(|k| k.value.as_str()));
            }
            if accepted.contains(&"protect") {
                target.protect = given.protect;
            }
        }
    }
    out
}

fn stack_of(facts: &FileFacts) -> &str {
    facts.stack.as_ref().map_or("", |s| s.value.as_str())
}

/// `STACK/KEY` naming the reference's own stack: the plain key is meant.
pub fn own_stack_references(
    stack: &str,
    files: &[(&SourceFile, &FileFacts)],
    issues: &mut Vec<Issue>,
) {
    for (file, facts) in files {
        for reference in &facts.references {
            let Some(in_stack) = reference.stack.as_ref().filter(|s| s.value == stack) else {
                continue;
            };
            let key = &reference.key.value;
            issues.push(
                Issue::new(
                    file,
                    in_stack.span.clone(),
                    "this stack",
                    format!(
                        "{} refers to `{stack}/{key}` in its own stack",
                        reference.list
                    ),
                )
                .help(format!(
                    "`STACK/KEY` names another stack's logging configuration; within stack \
                     `{stack}`, write the plain key: `{key}`"
                ))
                .code("manifest::own_stack_reference"),
            );
        }
    }
}

/// A logging configuration needs a destination, its own or the defaults'.
pub fn missing_destinations(
    files: &[(&SourceFile, &FileFacts)],
    defaults: &StackDefaults<'_>,
    issues: &mut Vec<Issue>,
) {
    if defaults
        .logging_configurations
        .fields
        .contains_key("destination")
    {
        return;
    }
    for (file, facts) in files {
        for resource in facts.resources.iter().filter(|r| r.missing_destination) {
            issues.push(
                Issue::new(
                    file,
                    resource.key.span.clone(),
                    "no destination",
                    format!("{} has no `destination`", resource.address()),
                )
                .help(destination_help())
                .code("manifest::destination_missing"),
            );
        }
    }
}

/// An imported resource is in the stack's region, when the stack names one.
pub fn import_regions(files: &[(&SourceFile, &FileFacts)], issues: &mut Vec<Issue>) {
    let Some((region_file, region)) = files
        .iter()
        .find_map(|(file, facts)| facts.region.as_ref().map(|r| (*file, r)))
    else {
        return;
    };
    for (file, facts) in files {
        for resource in &facts.resources {
            let Some(import) = &resource.import else {
                continue;
            };
            let Some(arn_region) = arn_region(&import.value).filter(|r| *r != region.value) else {
                continue;
            };
            let issue = Issue::new(
                file,
                import.span.clone(),
                format!("region `{arn_region}`"),
                format!(
                    "{}.import is in region `{arn_region}`, but the stack is in `{}`",
                    resource.address(),
                    region.value
                ),
            )
            .help(format!(
                "a stack manages the resources of its region: import a resource of `{}`, or \
                 declare this one in a stack of `{arn_region}`",
                region.value
            ))
            .code("manifest::import_region");
            issues.push(and_first(
                issue,
                file,
                region_file,
                &region.span,
                "the stack's region",
                format!("the stack's region is given in {}", region_file.name),
            ));
        }
    }
}

/// `moved`: `to` is declared, `from` is not, both of one type (checked per
/// file), no address twice; `fromStack` is another stack, given once.
pub fn moved(
    stack: &str,
    files: &[(&SourceFile, &FileFacts)],
    complete: bool,
    issues: &mut Vec<Issue>,
) {
    let declared: BTreeSet<Address> = files
        .iter()
        .flat_map(|(_, f)| &f.resources)
        .map(|r| r.address())
        .collect();
    let mut seen: BTreeMap<Address, (&SourceFile, Span)> = BTreeMap::new();
    let mut stacks: BTreeMap<&str, (&SourceFile, Span)> = BTreeMap::new();
    for (file, facts) in files {
        for entry in &facts.moved {
            match entry {
                MoveFacts::Address { from, to } => {
                    if declared.contains(&from.value) {
                        issues.push(
                            Issue::new(
                                file,
                                from.span.clone(),
                                "still declared",
                                format!(
                                    "`moved` moves {}, which this stack still declares",
                                    from.value
                                ),
                            )
                            .help(format!(
                                "`from` is the old address, no longer in the manifest: rename \
                                 {} to {} in the manifest, or remove this entry",
                                from.value, to.value
                            ))
                            .code("manifest::moved_source_declared"),
                        );
                    }
                    if complete && !declared.contains(&to.value) {
                        issues.push(undeclared_target(file, to, &declared));
                    }
                    for address in [from, to] {
                        twice(file, address, &mut seen, issues);
                    }
                }
                MoveFacts::Stack { from_stack } => {
                    if from_stack.value == stack {
                        issues.push(
                            Issue::new(
                                file,
                                from_stack.span.clone(),
                                "this stack",
                                format!("`moved` takes over stack `{stack}`, which is this stack"),
                            )
                            .help(
                                "`fromStack` names the stack the resources were owned by \
                                 before; a stack cannot take over itself",
                            )
                            .code("manifest::moved_own_stack"),
                        );
                        continue;
                    }
                    match stacks.get(from_stack.value.as_str()) {
                        Some((first_file, first_span)) => {
                            let issue = Issue::new(
                                file,
                                from_stack.span.clone(),
                                "given again here",
                                format!("`moved` takes over stack `{}` twice", from_stack.value),
                            )
                            .help("give each `fromStack` once")
                            .code("manifest::moved_duplicate");
                            issues.push(and_first(
                                issue,
                                file,
                                first_file,
                                first_span,
                                "first given here",
                                format!("first given in {}", first_file.name),
                            ));
                        }
                        None => {
                            stacks.insert(&from_stack.value, (*file, from_stack.span.clone()));
                        }
                    }
                }
            }
        }
    }
}

fn undeclared_target(
    file: &SourceFile,
    to: &Located<Address>,
    declared: &BTreeSet<Address>,
) -> Issue {
    let same_type: Vec<String> = declared
        .iter()
        .filter(|a| a.resource_type == to.value.resource_type)
        .map(|a| a.to_string())
        .collect();
    let wanted = to.value.to_string();
    let help = match did_you_mean(&wanted, same_type.iter().map(String::as_str)) {
        Some(m) => format!("did you mean `{m}`? `to` is the new address, declared by this stack"),
        None => "`to` is the new address: declare it in this stack's manifest".to_string(),
    };
    Issue::new(
        file,
        to.span.clone(),
        "not declared",
        format!(
            "`moved` moves to {}, which this stack does not declare",
            to.value
        ),
    )
    .help(help)
    .code("manifest::moved_target_undeclared")
}

/// An address appears once in a stack's `moved`, as `from` or as `to`.
fn twice<'a>(
    file: &'a SourceFile,
    address: &Located<Address>,
    seen: &mut BTreeMap<Address, (&'a SourceFile, Span)>,
    issues: &mut Vec<Issue>,
) {
    match seen.get(&address.value) {
        Some((first_file, first_span)) => {
            let issue = Issue::new(
                file,
                address.span.clone(),
                "again here",
                format!("{} appears twice in `moved`", address.value),
            )
            .help(
                "each address moves once: one entry per resource, and no chains (move the old \
                 address straight to the newest)",
            )
            .code("manifest::moved_duplicate");
            issues.push(and_first(
                issue,
                file,
                first_file,
                first_span,
                "first here",
                format!("first in {}", first_file.name),
            ));
        }
        None => {
            seen.insert(address.value.clone(), (file, address.span.clone()));
        }
    }
}
