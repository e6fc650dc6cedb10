//! Reading the spanned tree's structure while recording issues instead of
//! stopping: the validation context, a mapping's entries (duplicate and
//! non-string keys reported) and its known fields (unknown ones reported with
//! a "did you mean"). Typed scalar reads are in `typed.rs`.
//!
//! YAML null (`field:` with nothing after it, or `~`) for an optional field
//! reads as absent, which is what serde_yaml does for `Option` fields: both
//! passes agree, and `name:` left empty means "the default".

use super::diagnostics::{did_you_mean, Issue, Path, SourceFile};
use super::scalar::{resolve, resolve_plain, Kind};
use super::spanned::{Node, NodeKind, Span};

/// The validation context of one file: where issues go.
pub struct Cx<'a> {
    pub file: &'a SourceFile,
    pub issues: Vec<Issue>,
    /// Places already reported (values with unresolved variables): issues
    /// starting there are follow-ons, dropped.
    pub quiet: Vec<std::ops::Range<usize>>,
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
}

/// A mapping entry whose key is a string.
#[derive(Clone, Copy)]
pub struct Field<'n> {
    pub name: &'n str,
    pub key: &'n Node,
    pub value: &'n Node,
}

impl Field<'_> {
    pub fn is_null(&self) -> bool {
        is_null(self.value)
    }
}

/// A plain, untagged null. A tagged empty value (`!!int` with nothing after
/// it) is not null to serde_yaml, so it is not absent here either: the
/// typed reads then report its tag.
/// A substituted value (`${NAME}`) is never null: it is text.
pub fn is_null(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Scalar { value, plain } => {
            node.tag.is_none() && !node.substituted && resolve(value, *plain, None) == Kind::Null
        }
        _ => false,
    }
}

/// What a scalar means where a number or boolean is expected: its YAML kind,
/// or, for text substituted from variables, what that text reads as when
/// written plain (the empty text is then an empty string, not null).
pub fn scalar_kind(node: &Node) -> Kind {
    match &node.kind {
        NodeKind::Scalar { value, .. } if node.substituted => match resolve_plain(value) {
            Kind::Null => Kind::Str,
            kind => kind,
        },
        NodeKind::Scalar { value, plain } => resolve(value, *plain, node.tag.as_deref()),
        _ => Kind::Str,
    }
}

/// What a node is, for "found ..." in messages: "a list", "an integer `42`",
/// "a string `\"42\"`" (scalars as written, quotes included).
pub fn describe(node: &Node, text: &str) -> String {
    match &node.kind {
        NodeKind::Scalar { value, .. } if node.substituted => {
            let written = text.get(node.span.range()).unwrap_or("");
            format!("`{}` (from `{}`)", shorten(value), shorten(written))
        }
        NodeKind::Scalar { value, plain } => match resolve(value, *plain, node.tag.as_deref()) {
            Kind::Null => "nothing (null)".to_string(),
            kind => {
                let written = text
                    .get(node.span.range())
                    .map(without_anchor)
                    .filter(|s| !s.is_empty())
                    .unwrap_or(value);
                format!("{} `{}`", kind.describe(), shorten(written))
            }
        },
        NodeKind::Sequence(_) => "a list".to_string(),
        NodeKind::Mapping(_) => "a mapping".to_string(),
    }
}

/// `&name value` -> `value`: a node's text starts with its anchor.
fn without_anchor(written: &str) -> &str {
    match written.strip_prefix('&') {
        Some(rest) => rest
            .split_once([' ', '\t', '\n'])
            .map_or("", |(_, v)| v.trim_start()),
        None => written,
    }
}

pub fn shorten(value: &str) -> String {
    let one_line = value.replace('\n', "\\n");
    if one_line.chars().count() > 40 {
        format!("{}…", one_line.chars().take(39).collect::<String>())
    } else {
        one_line
    }
}

impl<'a> Cx<'a> {
    pub fn new(file: &'a SourceFile) -> Self {
        Cx {
            file,
            issues: Vec::new(),
            quiet: Vec::new(),
        }
    }

    pub fn text(&self) -> &'a str {
        &self.file.text
    }

    pub fn issue(
        &self,
        span: impl Into<Span>,
        label: impl Into<String>,
        message: impl Into<String>,
    ) -> Issue {
        Issue::new(self.file, span, label, message)
    }

    pub fn push(&mut self, issue: Issue) {
        let at = issue.offset();
        if !self.quiet.iter().any(|r| r.contains(&at)) {
            self.issues.push(issue);
        }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.file.line_col(offset).0
    }

    /// Where to underline a value: the value itself when it fits on a line,
    /// else its key (a block collection, or an empty value).
    pub fn value_span(&self, field: &Field<'_>) -> Span {
        if field.value.is_compact(self.text()) {
            field.value.span.clone()
        } else {
            field.key.span.clone()
        }
    }

    /// The string-keyed entries of a mapping, in order. Non-string keys and
    /// repeated keys are reported and left out.
    pub fn entries<'n>(&mut self, node: &'n Node, path: &Path, what: &str) -> Vec<Field<'n>> {
        let Some(entries) = node.as_mapping() else {
            return Vec::new();
        };
        let mut out: Vec<Field<'n>> = Vec::new();
        // Where each key is in `out`, for a large mapping (of rooms); a small
        // one is searched.
        let large = entries.len() > 16;
        let mut seen: std::collections::HashMap<&'n str, usize> = if large {
            std::collections::HashMap::with_capacity(entries.len())
        } else {
            std::collections::HashMap::new()
        };
        for entry in entries {
            let NodeKind::Scalar { value: name, plain } = &entry.key.kind else {
                let issue = self
                    .issue(
                        entry.key.span.clone(),
                        "not a string",
                        format!(
                            "a {what} in {path} must be a string, found {}",
                            describe(&entry.key, self.text())
                        ),
                    )
                    .help(format!(
                        "write each {what} as a plain word or a quoted string"
                    ))
                    .code("manifest::non_string_key");
                self.push(issue);
                continue;
            };
            let kind = resolve(name, *plain, entry.key.tag.as_deref());
            if kind != Kind::Str {
                let issue = self
                    .issue(
                        entry.key.span.clone(),
                        format!("{} here", kind.describe()),
                        format!(
                            "a {what} in {path} must be a string, found {}",
                            describe(&entry.key, self.text())
                        ),
                    )
                    .help(format!(
                        "quote it: `{}`",
                        super::scalar::double_quoted(name)
                    ))
                    .code("manifest::non_string_key");
                self.push(issue);
                continue;
            }
            let first = if large {
                seen.get(name.as_str()).map(|i| out[*i])
            } else {
                out.iter().find(|f| f.name == name.as_str()).copied()
            };
            if let Some(first) = first {
                let first_line = self.line(first.key.span.start);
                let in_path = if path.is_root() {
                    "at the top level".to_string()
                } else {
                    format!("in {path}")
                };
                let message = format!("duplicate key `{name}` {in_path}");
                let help = format!(
                    "`{name}` is first defined on line {first_line}; a YAML mapping cannot repeat \
                     a key, keep only one"
                );
                let issue = self
                    .issue(entry.key.span.clone(), "defined again here", message)
                    .also(self.file, first.key.span.clone(), "first defined here")
                    .help(help)
                    .code("manifest::duplicate_key");
                self.push(issue);
                continue;
            }
            if large {
                seen.insert(name.as_str(), out.len());
            }
            out.push(Field {
                name,
                key: &entry.key,
                value: &entry.value,
            });
        }
        out
    }

    /// The entries of a mapping with a fixed set of fields. Unknown fields are
    /// reported with the closest known one, or with the list of known ones.
    pub fn fields<'n>(
        &mut self,
        node: &'n Node,
        path: &Path,
        known: &[&'static str],
    ) -> Fields<'n> {
        let mut fields = Vec::new();
        let mut names = Vec::new();
        let mut suggested = Vec::new();
        for field in self.entries(node, path, "key") {
            if let Some(name) = known.iter().find(|k| **k == field.name) {
                fields.push(field);
                names.push(*name);
                continue;
            }
            let place = if path.is_root() {
                "unknown top-level field".to_string()
            } else {
                format!("unknown field in {path}")
            };
            let help = match hint(field.name, known) {
                Some((h, name)) => {
                    suggested.push(name);
                    h
                }
                None => format!("valid fields here: {}", known.join(", ")),
            };
            let issue = self
                .issue(
                    field.key.span.clone(),
                    "unknown field",
                    format!("{place}: `{}`", shorten(field.name)),
                )
                .help(help)
                .code("manifest::unknown_field");
            self.push(issue);
        }
        Fields {
            fields,
            names,
            suggested,
        }
    }

    /// Reports a value of the wrong type.
    pub fn wrong_type(
        &mut self,
        field: &Field<'_>,
        path: &Path,
        expected: &str,
        help: impl Into<String>,
    ) {
        let issue = self
            .issue(
                self.value_span(field),
                format!("expected {expected}"),
                format!(
                    "{path} must be {expected}, found {}",
                    describe(field.value, self.text())
                ),
            )
            .help(help)
            .code("manifest::wrong_type");
        self.push(issue);
    }
}

/// The known fields found in a mapping, first occurrences only.
pub struct Fields<'n> {
    fields: Vec<Field<'n>>,
    /// The names of `fields`.
    names: Vec<&'static str>,
    /// Fields that an unknown field was taken for a typo of.
    suggested: Vec<&'static str>,
}

impl<'n> Fields<'n> {
    /// The field, null or not.
    pub fn get(&self, name: &str) -> Option<Field<'n>> {
        self.fields.iter().find(|f| f.name == name).copied()
    }

    /// True when a missing `name` is already explained by an unknown field
    /// that looks like a typo of it: then "missing" would be noise.
    pub fn misspelled(&self, name: &str) -> bool {
        self.suggested.contains(&name)
    }

    /// The known fields written, null or not.
    pub fn names(&self) -> Vec<&'static str> {
        self.names.clone()
    }

    /// The field unless it is absent or null.
    pub fn present(&self, name: &str) -> Option<Field<'n>> {
        self.get(name).filter(|f| !f.is_null())
    }
}

/// Hints for names users bring from the API or other tools.
const ALIASES: &[(&str, &str)] = &[
    ("destinationConfiguration", "destination"),
    ("loggingConfigurationIdentifiers", "loggingConfigurations"),
    ("maxMessageLength", "maximumMessageLength"),
    ("maxMessageRatePerSecond", "maximumMessageRatePerSecond"),
    ("apiVersion", "version"),
    ("stackName", "stack"),
];

/// "did you mean `x`?" for a near miss or a known alias of a field, with
/// the field meant.
fn hint(word: &str, known: &[&'static str]) -> Option<(String, &'static str)> {
    if word == "<<" {
        return Some((
            "a quoted `\"<<\"` is an ordinary key; write the merge key plain: `<<: *anchor`"
                .to_string(),
            "",
        ));
    }
    let alias = ALIASES
        .iter()
        .find(|(from, to)| *from == word && known.contains(to))
        .map(|(_, to)| *to);
    alias
        .or_else(|| did_you_mean(word, known.iter().copied()))
        .map(|m| (format!("did you mean `{m}`?"), m))
}
