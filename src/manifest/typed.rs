//! Typed reads of values over the spanned tree: mappings, lists, strings
//! (checked against a rule), integers in a range, booleans. Each records an
//! issue and returns `None` when the value is unusable, so that later checks
//! skip it instead of piling up follow-on errors.

use super::diagnostics::Path;
use super::read::{describe, scalar_kind, shorten, Cx, Field, Located};
use super::rules::{StrRule, Violation};
use super::scalar::{resolve, Kind};
use super::spanned::{Node, NodeKind};

impl Cx<'_> {
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
                // Substituted text is a string wherever a string is expected.
                let kind = if node.substituted {
                    Kind::Str
                } else {
                    resolve(value, *plain, node.tag.as_deref())
                };
                match kind {
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
                            .help(format!("{rule_help}; write `\"\"` for an empty string"))
                            .code("manifest::no_value");
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
                            ))
                            .code("manifest::wrong_type");
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
                    .help(rule_help.to_string())
                    .code("manifest::wrong_type");
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
                    .help(rule.help)
                    .code("manifest::invalid_value");
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
        let kind = if field.value.substituted {
            scalar_kind(field.value)
        } else {
            resolve(value, *plain, field.value.tag.as_deref())
        };
        match kind {
            Kind::Int(n) if (min..=max).contains(&n) => Some(n),
            Kind::Int(n) => {
                let issue = self
                    .issue(
                        field.value.span.clone(),
                        format!("not between {min} and {max}"),
                        format!("{path} is out of range: {n}"),
                    )
                    .help(help)
                    .code("manifest::out_of_range");
                self.push(issue);
                None
            }
            Kind::LeadingZero => {
                let trimmed = value.trim_start_matches(['+', '-']).trim_start_matches('0');
                let message = format!("{path} has a leading zero: `{value}`");
                let help = format!(
                    "YAML tools disagree on what a leading zero means (octal or decimal); \
                     write `{}`",
                    if trimmed.is_empty() { "0" } else { trimmed }
                );
                let issue = self
                    .issue(field.value.span.clone(), "leading zero", message)
                    .help(help)
                    .code("manifest::leading_zero");
                self.push(issue);
                None
            }
            Kind::Str if !field.value.substituted && resolve(value, true, None) != Kind::Str => {
                let issue = self
                    .issue(
                        field.value.span.clone(),
                        "a quoted string",
                        format!(
                            "{path} must be an integer, found {}",
                            describe(field.value, self.text())
                        ),
                    )
                    .help(format!("remove the quotes; {help}"))
                    .code("manifest::quoted_value");
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
            let kind = if field.value.substituted {
                scalar_kind(field.value)
            } else {
                resolve(value, *plain, field.value.tag.as_deref())
            };
            match kind {
                Kind::Bool(b) => return Some(b),
                Kind::Str
                    if !field.value.substituted
                        && matches!(resolve(value, true, None), Kind::Bool(_)) =>
                {
                    let issue = self
                        .issue(
                            field.value.span.clone(),
                            "a quoted string",
                            format!(
                                "{path} must be a boolean, found {}",
                                describe(field.value, self.text())
                            ),
                        )
                        .help(format!("remove the quotes: `{}: {value}`", field.name))
                        .code("manifest::quoted_value");
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
                .help(format!(
                    "remove `{tag}`: ivsctl reads a value by its form; quote a value to make it \
                     a string"
                ))
                .code("manifest::unsupported_tag");
            cx.push(issue);
            false
        }
    }
}

fn check_collection_tag(cx: &mut Cx<'_>, node: &Node, allowed: &str) {
    if let Some(tag) = node.tag.as_deref().filter(|t| *t != allowed) {
        let span = node.span.with_range(
            node.span.start,
            node.span.start + tag.len().min(node.span.len()),
        );
        let issue = cx
            .issue(
                span,
                "unsupported tag",
                format!("unsupported YAML tag `{tag}`"),
            )
            .help("remove the tag")
            .code("manifest::unsupported_tag");
        cx.push(issue);
    }
}
