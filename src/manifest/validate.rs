//! The per-file validation pass: every structural and value rule of manifest
//! v1 that one file can decide on its own, all reported in one walk.
//!
//! What needs several files (same stack, keys declared twice, references,
//! the tag budget with the stack's tags) is decided in `crossfile.rs` from the
//! [`FileFacts`] gathered here.

use crate::model::{Address, ResourceType};

use super::diagnostics::{Path, SourceFile};
use super::read::{shorten, Cx, Field, Located};
use super::resources;
use super::rules;
use super::sections;
use super::spanned::{Node, Span};

/// The top-level fields. Keys starting with `x-` are removed before
/// validation (see `merge.rs`).
pub const TOP_FIELDS: &[&str] = &[
    "version",
    "stack",
    "region",
    "vars",
    "tags",
    "defaults",
    "loggingConfigurations",
    "rooms",
    "moved",
];
/// What the cross-file checks need to know about one file.
#[derive(Debug, Default)]
pub struct FileFacts {
    pub stack: Option<Located<String>>,
    pub region: Option<Located<String>>,
    pub tags: Option<TagFacts>,
    pub resources: Vec<ResourceFacts>,
    pub references: Vec<Reference>,
    /// `defaults.rooms` and `defaults.loggingConfigurations`.
    pub defaults: Vec<DefaultFacts>,
    pub moved: Vec<MoveFacts>,
}

/// A `tags` mapping: where its key is, and its (valid) tag keys.
#[derive(Debug, Clone)]
pub struct TagFacts {
    pub field_span: Span,
    pub keys: Vec<Located<String>>,
}

#[derive(Debug)]
pub struct ResourceFacts {
    pub resource_type: ResourceType,
    pub key: Located<String>,
    pub tags: Option<TagFacts>,
    /// `protect: true` written.
    pub protect: bool,
    /// The fields written, null included: the stack's defaults do not apply
    /// to them.
    pub written: Vec<&'static str>,
    /// A well-formed `import` ARN of the right type.
    pub import: Option<Located<String>>,
    /// A logging configuration without `destination` (none written, none
    /// misspelled): an error unless the stack's defaults give one.
    pub missing_destination: bool,
}

impl ResourceFacts {
    pub fn address(&self) -> Address {
        Address {
            resource_type: self.resource_type,
            key: self.key.value.clone(),
        }
    }
}

/// The defaults of one resource type, as one file gives them.
#[derive(Debug)]
pub struct DefaultFacts {
    pub resource_type: ResourceType,
    /// Each field given, with its key's place.
    pub fields: Vec<(&'static str, Span)>,
    pub tags: Option<TagFacts>,
    /// `protect` given (not null).
    pub protect: Option<bool>,
}

/// A room's entry in `loggingConfigurations` that is a logical key, or a
/// `STACK/KEY` reference to another stack.
#[derive(Debug)]
pub struct Reference {
    /// The list's path, for messages: `rooms.lobby.loggingConfigurations`.
    pub list: String,
    pub key: Located<String>,
    /// `Some(STACK)` for `STACK/KEY`.
    pub stack: Option<Located<String>>,
}

/// A well-formed `moved` entry.
#[derive(Debug)]
pub enum MoveFacts {
    Address {
        from: Located<Address>,
        to: Located<Address>,
    },
    Stack {
        from_stack: Located<String>,
    },
}

/// Validates one parsed file (`None`: the file holds no document).
/// `unresolved`: values whose variables could not be resolved, already
/// reported: nothing more is said about them.
pub fn validate_file(
    file: &SourceFile,
    root: Option<&Node>,
    unresolved: &[std::ops::Range<usize>],
) -> (Vec<super::Issue>, FileFacts) {
    let mut cx = Cx::new(file);
    cx.quiet = unresolved.to_vec();
    let mut facts = FileFacts::default();
    match root {
        None => {
            let issue = cx
                .issue(
                    0..0,
                    "no YAML document in this file",
                    "the manifest file is empty",
                )
                .help("a manifest starts with `version: 1` and `stack: NAME`")
                .code("manifest::empty_file");
            cx.push(issue);
        }
        Some(root) if root.as_mapping().is_none() => {
            let span = first_line(cx.text(), &root.span);
            let message = format!(
                "the top level must be a mapping, found {}",
                super::read::describe(root, cx.text())
            );
            let issue = cx
                .issue(span, "expected a mapping", message)
                .help(
                    "a manifest is a mapping of `version`, `stack`, `region`, `tags`, \
                     `loggingConfigurations` and `rooms`",
                )
                .code("manifest::wrong_type");
            cx.push(issue);
        }
        Some(root) => top_level(&mut cx, root, &mut facts),
    }
    (cx.issues, facts)
}

fn first_line(text: &str, span: &Span) -> Span {
    let s = text.get(span.range()).unwrap_or("");
    let len = s.find('\n').unwrap_or(s.len());
    span.with_range(span.start, span.start + s[..len].trim_end().len())
}

fn top_level(cx: &mut Cx<'_>, root: &Node, facts: &mut FileFacts) {
    let path = Path::root();
    let fields = cx.fields(root, &path, TOP_FIELDS);
    let missing_at = Span::at(root.span.start);

    match fields.get("version") {
        None if fields.misspelled("version") => {}
        None => {
            let issue = cx
                .issue(
                    missing_at.clone(),
                    "`version` is missing",
                    "missing field `version`",
                )
                .help("every manifest file starts with `version: 1`")
                .code("manifest::missing_field");
            cx.push(issue);
        }
        Some(field) => version(cx, &field),
    }

    match fields.get("stack") {
        None if fields.misspelled("stack") => {}
        None => {
            let issue = cx
                .issue(missing_at, "`stack` is missing", "missing field `stack`")
                .help(format!("add `stack: NAME`; {}", rules::STACK.help))
                .code("manifest::missing_field");
            cx.push(issue);
        }
        Some(field) if field.is_null() => {
            let issue = cx
                .issue(field.key.span.clone(), "no value", "`stack` has no value")
                .help(rules::STACK.help)
                .code("manifest::no_value");
            cx.push(issue);
        }
        Some(field) => {
            facts.stack = cx
                .checked_string(&field, &path.child("stack"), &rules::STACK)
                .map(owned);
        }
    }

    if let Some(field) = fields.present("region") {
        facts.region = cx
            .checked_string(&field, &path.child("region"), &rules::REGION)
            .map(owned);
    }
    if let Some(field) = fields.present("tags") {
        facts.tags = resources::tags(cx, &field, &path.child("tags"));
    }
    // `vars` was read before substitution (`vars.rs`).
    if let Some(field) = fields.present("defaults") {
        sections::defaults(cx, &field, facts);
    }
    if let Some(field) = fields.present("loggingConfigurations") {
        let path = path.child("loggingConfigurations");
        for (key, spec, key_ok) in resources(cx, &field, &path, "logging configuration") {
            let resource = resources::logging_configuration(cx, key, spec, &path.child(key.name));
            // A resource with an invalid key is checked, but left out of the
            // facts so that cross-file checks do not report it again.
            if key_ok {
                facts.resources.push(resource);
            }
        }
    }
    if let Some(field) = fields.present("rooms") {
        let path = path.child("rooms");
        for (key, spec, key_ok) in resources(cx, &field, &path, "room") {
            let mut references = Vec::new();
            let resource = resources::room(cx, key, spec, &path.child(key.name), &mut references);
            if key_ok {
                facts.resources.push(resource);
                facts.references.extend(references);
            }
        }
    }
    if let Some(field) = fields.present("moved") {
        facts.moved = sections::moved(cx, &field);
    }
}

pub fn owned(l: Located<&str>) -> Located<String> {
    Located {
        value: l.value.to_string(),
        span: l.span,
    }
}

fn version(cx: &mut Cx<'_>, field: &Field<'_>) {
    let path = Path::root().child("version");
    if field.is_null() {
        let issue = cx
            .issue(field.key.span.clone(), "no value", "`version` has no value")
            .help("write `version: 1`")
            .code("manifest::no_value");
        cx.push(issue);
        return;
    }
    // Any integer reads first, so that `version: 2` gets "unsupported" and
    // not "out of range".
    if let Some(v) =
        cx.integer_with_help(field, &path, (i128::MIN, i128::MAX), "write `version: 1`")
    {
        if v != 1 {
            let issue = cx
                .issue(
                    field.value.span.clone(),
                    "unsupported version",
                    format!("unsupported manifest version {v}"),
                )
                .help("this ivsctl reads manifest version 1: write `version: 1`")
                .code("manifest::unsupported_version");
            cx.push(issue);
        }
    }
}

/// The entries of `rooms` / `loggingConfigurations` that have a spec
/// mapping, with whether their logical key is valid.
fn resources<'n>(
    cx: &mut Cx<'_>,
    field: &Field<'n>,
    path: &Path,
    what: &str,
) -> Vec<(Field<'n>, &'n Node, bool)> {
    let help = format!("{path} maps logical keys to {what} specs, e.g. `lobby: {{name: lobby}}`");
    let Some(map) = cx.mapping(field, path, true, &help) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in cx.entries(map, path, "logical key") {
        let key = Located {
            value: entry.name,
            span: entry.key.span.clone(),
        };
        let key_ok = cx.check_rule(&key, &format!("logical key in {path}"), &rules::LOGICAL_KEY);
        if entry.is_null() {
            let issue = cx
                .issue(
                    entry.key.span.clone(),
                    format!("empty {what}"),
                    format!("{} has no spec", path.child(entry.name)),
                )
                .help(format!(
                    "write `{}: {{}}` for a {what} with every field at its default",
                    shorten(entry.name)
                ))
                .code("manifest::no_value");
            cx.push(issue);
            continue;
        }
        let spec_help = format!("a {what} spec is a mapping of its fields");
        if let Some(spec) = cx.mapping(&entry, &path.child(entry.name), false, &spec_help) {
            out.push((entry, spec, key_ok));
        }
    }
    out
}
