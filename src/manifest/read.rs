//! Typed reads over the spanned tree that record an issue instead of stopping:
//! a mapping's known fields (unknown and duplicate keys reported), and scalars
//! of an expected type. Each read returns `None` when the value is unusable, so
//! later checks skip it instead of piling up follow-on errors.
//!
//! YAML null (`field:` with nothing after it, or `~`) for an optional field
//! reads as absent, which is what serde_yaml does for `Option` fields: both
//! passes agree, and `name:` left empty means "the default".

use super::diagnostics::{did_you_mean, Issue, Path, SourceFile};
use super::rules::{StrRule, Violation};
use super::scalar::{resolve, Kind};
use super::spanned::{Node, NodeKind, Span};

/// The validation context of one file: where issues go.
pub struct Cx<'a> {
    pub file: &'a SourceFile,
    pub issues: Vec<Issue>,
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
pub fn is_null(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Scalar { value, plain } => {
            node.tag.is_none() && resolve(value, *plain, None) == Kind::Null
        }
        _ => false,
    }
}

/// What a node is, for "found ..." in messages: "a list", "an integer `42`",
/// "a string `\"42\"`" (scalars as written, quotes included).
pub fn describe(node: &Node, text: &str) -> String {
    match &node.kind {
        NodeKind::Scalar { value, plain } => match resolve(value, *plain, node.tag.as_deref()) {
            Kind::Null => "nothing (null)".to_string(),
            kind => {
                let written = text
                    .get(node.span.clone())
                    .filter(|s| !s.is_empty())
                    .unwrap_or(value);
                format!("{} `{}`", kind.describe(), shorten(written))
            }
        },
        NodeKind::Sequence(_) => "a list".to_string(),
        NodeKind::Mapping(_) => "a mapping".to_string(),
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
        }
    }

    pub fn text(&self) -> &'a str {
        &self.file.text
    }

    pub fn issue(&self, span: Span, label: impl Into<String>, message: impl Into<String>) -> Issue {
        Issue::new(self.file, span, label, message)
    }

    pub fn push(&mut self, issue: Issue) {
        self.issues.push(issue);
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
                    ));
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
                    ));
                self.push(issue);
                continue;
            }
            if let Some(first) = out.iter().find(|f| f.name == name.as_str()) {
                let first_line = self.line(first.key.span.start);
                let in_path = if path.is_root() {
                    "at the top level".to_string()
                } else {
                    format!("in {path}")
                };
                let issue = self
                    .issue(entry.key.span.clone(), "defined again here", format!("duplicate key `{name}` {in_path}"))
                    .also(self.file, first.key.span.clone(), "first defined here")
                    .help(format!(
                        "`{name}` is first defined on line {first_line}; a YAML mapping cannot repeat a key, keep only one"
                    ));
                self.push(issue);
                continue;
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
        let mut suggested = Vec::new();
        for field in self.entries(node, path, "key") {
            if known.contains(&field.name) {
                fields.push(field);
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
                .help(help);
            self.push(issue);
        }
        Fields { fields, suggested }
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
            .help(help);
        self.push(issue);
    }

    /// A mapping value, or `None` (reported unless it is null and `optional`).
    pub fn mapping<'n>(
        &mut self,
        field: &Field<'n>,
        path: &Path,
        optional: bool,
        help: &str,
    ) -> Option<&'n Node> {
        if optional && field.is_null() {
            return None;
        }
        if field.value.as_mapping().is_some() {
            check_collection_tag(self, field.value, "!!map");
            return Some(field.value);
        }
        self.wrong_type(field, path, "a mapping", help);
        None
    }

    /// A list value, or `None`.
    pub fn sequence<'n>(
        &mut self,
        field: &Field<'n>,
        path: &Path,
        help: &str,
    ) -> Option<&'n [Node]> {
        if field.is_null() {
            return None;
        }
        if let NodeKind::Sequence(items) = &field.value.kind {
            check_collection_tag(self, field.value, "!!seq");
            return Some(items);
        }
        self.wrong_type(field, path, "a list", help);
        None
    }

    /// A string value, or `None`. A non-string scalar is an error: a YAML
    /// tool may read `042` or `true` differently from what was meant, so
    /// strings that look like something else must be quoted.
    pub fn string<'n>(
        &mut self,
        field: &Field<'n>,
        path: &Path,
        rule_help: &str,
    ) -> Option<Located<&'n str>> {
        self.string_node(field.value, Some(field), path, rule_help)
    }

    /// Like [`Cx::string`], for a node with no key (a list item).
    pub fn string_node<'n>(
        &mut self,
        node: &'n Node,
        field: Option<&Field<'n>>,
        path: &Path,
        rule_help: &str,
    ) -> Option<Located<&'n str>> {
        let span = match field {
            Some(f) => self.value_span(f),
            None => node.span.clone(),
        };
        match &node.kind {
            NodeKind::Scalar { value, plain } => {
                if !check_scalar_tag(self, node) {
                    return None;
                }
                match resolve(value, *plain, node.tag.as_deref()) {
                    Kind::Str => Some(Located {
                        value: value.as_str(),
                        span: node.span.clone(),
                    }),
                    Kind::Null => {
                        let issue = self
                            .issue(
                                span,
                                "no value",
                                format!("{path} must be a string, found nothing (null)"),
                            )
                            .help(format!("{rule_help}; write `\"\"` for an empty string"));
                        self.push(issue);
                        None
                    }
                    kind => {
                        let issue = self
                            .issue(
                                span,
                                format!("{} here", kind.describe()),
                                format!(
                                    "{path} must be a string, found {}",
                                    describe(node, self.text())
                                ),
                            )
                            .help(format!(
                                "quote it: `{}`",
                                super::scalar::double_quoted(value)
                            ));
                        self.push(issue);
                        None
                    }
                }
            }
            _ => {
                let issue = self
                    .issue(
                        span,
                        "expected a string",
                        format!(
                            "{path} must be a string, found {}",
                            describe(node, self.text())
                        ),
                    )
                    .help(rule_help.to_string());
                self.push(issue);
                None
            }
        }
    }

    /// A string value that must also follow `rule`.
    pub fn checked_string<'n>(
        &mut self,
        field: &Field<'n>,
        path: &Path,
        rule: &StrRule,
    ) -> Option<Located<&'n str>> {
        let value = self.string(field, path, rule.help)?;
        self.check_rule(&value, path, rule).then_some(value)
    }

    /// Checks `rule` on a located string; reports and returns false if broken.
    /// `what` names the value in the message: a path, or "tag key in tags".
    pub fn check_rule(
        &mut self,
        value: &Located<&str>,
        what: &dyn std::fmt::Display,
        rule: &StrRule,
    ) -> bool {
        match rule.check(value.value) {
            Ok(()) => true,
            Err(violation) => {
                let label = match violation {
                    Violation::NoMatch if !rule.mismatch.is_empty() => rule.mismatch.to_string(),
                    other => other.to_string(),
                };
                let issue = self
                    .issue(
                        value.span.clone(),
                        label,
                        format!("invalid {what}: `{}`", shorten(value.value)),
                    )
                    .help(rule.help);
                self.push(issue);
                false
            }
        }
    }

    /// An integer in `range`, or `None`. `None` too for null (absent).
    pub fn integer(&mut self, field: &Field<'_>, path: &Path, range: (i128, i128)) -> Option<i128> {
        let (min, max) = range;
        let help = format!("{} must be an integer between {min} and {max}", field.name);
        self.integer_with_help(field, path, range, &help)
    }

    /// [`Cx::integer`] with the help line given.
    pub fn integer_with_help(
        &mut self,
        field: &Field<'_>,
        path: &Path,
        range: (i128, i128),
        help: &str,
    ) -> Option<i128> {
        let (min, max) = range;
        if field.is_null() {
            return None;
        }
        let NodeKind::Scalar { value, plain } = &field.value.kind else {
            self.wrong_type(field, path, "an integer", help);
            return None;
        };
        if !check_scalar_tag(self, field.value) {
            return None;
        }
        match resolve(value, *plain, field.value.tag.as_deref()) {
            Kind::Int(n) if (min..=max).contains(&n) => Some(n),
            Kind::Int(n) => {
                let issue = self
                    .issue(
                        field.value.span.clone(),
                        format!("not between {min} and {max}"),
                        format!("{path} is out of range: {n}"),
                    )
                    .help(help);
                self.push(issue);
                None
            }
            Kind::LeadingZero => {
                let trimmed = value.trim_start_matches(['+', '-']).trim_start_matches('0');
                let issue = self
                    .issue(field.value.span.clone(), "leading zero", format!("{path} has a leading zero: `{value}`"))
                    .help(format!(
                        "YAML tools disagree on what a leading zero means (octal or decimal); write `{}`",
                        if trimmed.is_empty() { "0" } else { trimmed }
                    ));
                self.push(issue);
                None
            }
            Kind::Str if resolve(value, true, None) != Kind::Str => {
                let issue = self
                    .issue(
                        field.value.span.clone(),
                        "a quoted string",
                        format!(
                            "{path} must be an integer, found {}",
                            describe(field.value, self.text())
                        ),
                    )
                    .help(format!("remove the quotes; {help}"));
                self.push(issue);
                None
            }
            _ => {
                self.wrong_type(field, path, "an integer", help);
                None
            }
        }
    }

    /// `true` or `false`, or `None` (null reads as absent).
    pub fn boolean(&mut self, field: &Field<'_>, path: &Path) -> Option<bool> {
        if field.is_null() {
            return None;
        }
        if let NodeKind::Scalar { value, plain } = &field.value.kind {
            if !check_scalar_tag(self, field.value) {
                return None;
            }
            match resolve(value, *plain, field.value.tag.as_deref()) {
                Kind::Bool(b) => return Some(b),
                Kind::Str if matches!(resolve(value, true, None), Kind::Bool(_)) => {
                    let issue = self
                        .issue(
                            field.value.span.clone(),
                            "a quoted string",
                            format!(
                                "{path} must be a boolean, found {}",
                                describe(field.value, self.text())
                            ),
                        )
                        .help(format!("remove the quotes: `{}: {value}`", field.name));
                    self.push(issue);
                    return None;
                }
                _ => {}
            }
        }
        self.wrong_type(
            field,
            path,
            "a boolean",
            format!("write `{}: true` or `{}: false`", field.name, field.name),
        );
        None
    }
}

/// The known fields found in a mapping, first occurrences only.
pub struct Fields<'n> {
    fields: Vec<Field<'n>>,
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
            "YAML merge keys (`<<`) are not supported; write the fields out".to_string(),
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

/// Only `!!str` has a meaning ivsctl honors on a scalar; other tags are an
/// error rather than silently ignored.
fn check_scalar_tag(cx: &mut Cx<'_>, node: &Node) -> bool {
    match node.tag.as_deref() {
        None | Some("!!str") => true,
        Some(tag) => {
            let issue = cx
                .issue(
                    node.span.clone(),
                    "unsupported tag",
                    format!("unsupported YAML tag `{tag}`"),
                )
                .help(format!("remove `{tag}`: ivsctl reads a value by its form; quote a value to make it a string"));
            cx.push(issue);
            false
        }
    }
}

fn check_collection_tag(cx: &mut Cx<'_>, node: &Node, allowed: &str) {
    if let Some(tag) = node.tag.as_deref().filter(|t| *t != allowed) {
        let span = node.span.start..node.span.start + tag.len().min(node.span.len());
        let issue = cx
            .issue(
                span,
                "unsupported tag",
                format!("unsupported YAML tag `{tag}`"),
            )
            .help("remove the tag");
        cx.push(issue);
    }
}
