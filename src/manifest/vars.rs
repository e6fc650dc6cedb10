//! Variables: `${NAME}` in any scalar value, set by `--var NAME=VALUE`, the
//! environment (`IVSCTL_VAR_NAME`) or the manifest's `vars: {NAME: default}`,
//! in that order of precedence. `$${` is a literal `${`.
//!
//! Substitution happens on the tree, before validation, so that every rule
//! checks (and every plan shows) the resolved value. A substituted scalar
//! is marked: its text is then read as whatever type its field expects
//! (`maximumMessageLength: ${LEN}` is an integer when LEN is one).
//!
//! `vars` is per stack: a declaration in one file applies to every file of
//! the stack; two files may declare one variable only with the same default.
//! The `stack` field itself is resolved before files are grouped into
//! stacks, so a variable in it takes its default from its own file.

use std::collections::BTreeMap;
use std::ops::Range;

use super::diagnostics::{Issue, Path, SourceFile};
use super::read::{describe, Cx};
use super::rules::is_var_name;
use super::spanned::{Node, NodeKind, Span};

/// The prefix of environment variables that set manifest variables.
pub const ENV_PREFIX: &str = "IVSCTL_VAR_";

/// Values of manifest variables given from outside the manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    values: BTreeMap<String, String>,
}

/// A malformed `--var`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum VarError {
    #[error("malformed --var `{flag}`: expected NAME=VALUE")]
    #[diagnostic(
        code(manifest::var_flag),
        help("write `--var NAME=VALUE`, e.g. `--var ENV=prod` (the value may be empty)")
    )]
    MissingEquals { flag: String },
    #[error("invalid variable name `{name}` in --var `{flag}`")]
    #[diagnostic(
        code(manifest::var_name),
        help("a variable name is a letter or `_`, then letters, digits and `_`")
    )]
    InvalidName { flag: String, name: String },
}

impl Vars {
    /// Variables with these values (they win over the manifest's defaults).
    pub fn new(values: BTreeMap<String, String>) -> Self {
        Vars { values }
    }

    /// `--var NAME=VALUE` flags (the last one of a name wins) over
    /// `IVSCTL_VAR_NAME` environment variables. Environment variables whose
    /// name after the prefix is not a variable name are ignored.
    pub fn from_env_and_flags(
        flags: &[String],
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<Vars, VarError> {
        let mut values = BTreeMap::new();
        for (key, value) in env {
            if let Some(name) = key.strip_prefix(ENV_PREFIX).filter(|n| is_var_name(n)) {
                values.insert(name.to_string(), value);
            }
        }
        for flag in flags {
            let Some((name, value)) = flag.split_once('=') else {
                return Err(VarError::MissingEquals { flag: flag.clone() });
            };
            if !is_var_name(name) {
                return Err(VarError::InvalidName {
                    flag: flag.clone(),
                    name: name.to_string(),
                });
            }
            values.insert(name.to_string(), value.to_string());
        }
        Ok(Vars { values })
    }

    /// The value given for `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// A variable declared under a file's `vars`.
#[derive(Debug, Clone)]
pub struct Declared {
    pub name: String,
    /// `None`: declared without a default (it must be set).
    pub default: Option<String>,
    pub span: Span,
}

/// The top-level `vars` of a file, checked: a mapping of variable names to
/// scalar defaults (null: none).
pub fn declarations(file: &SourceFile, root: &Node, issues: &mut Vec<Issue>) -> Vec<Declared> {
    let Some(field) = root
        .as_mapping()
        .and_then(|m| m.iter().find(|e| e.key.scalar() == Some("vars")))
    else {
        return Vec::new();
    };
    let mut cx = Cx::new(file);
    let path = Path::root().child("vars");
    let mut out = Vec::new();
    let vars = super::read::Field {
        name: "vars",
        key: &field.key,
        value: &field.value,
    };
    let help = "vars maps variable names to default values, e.g. `{ENV: prod, LEN: 200}`";
    if let Some(map) = cx.mapping(&vars, &path, true, help) {
        for entry in cx.entries(map, &path, "variable name") {
            if !is_var_name(entry.name) {
                let issue = cx
                    .issue(
                        entry.key.span.clone(),
                        "not a variable name",
                        format!("invalid variable name `{}` in vars", entry.name),
                    )
                    .help("a variable name is a letter or `_`, then letters, digits and `_`")
                    .code("manifest::variable_name");
                cx.push(issue);
                continue;
            }
            let default = match &entry.value.kind {
                NodeKind::Scalar { value, .. } => {
                    (!super::read::is_null(entry.value)).then(|| value.clone())
                }
                _ => {
                    let issue = cx
                        .issue(
                            cx.value_span(&entry),
                            "not a scalar",
                            format!(
                                "the default of variable `{}` must be a string, number or \
                                 boolean, found {}",
                                entry.name,
                                describe(entry.value, cx.text())
                            ),
                        )
                        .help("a variable's value is text; leave it empty for no default")
                        .code("manifest::wrong_type");
                    cx.push(issue);
                    continue;
                }
            };
            out.push(Declared {
                name: entry.name.to_string(),
                default,
                span: entry.key.span.clone(),
            });
        }
    }
    issues.extend(cx.issues);
    out
}

/// The declarations of a stack's files merged: one default per variable.
pub fn stack_declarations(
    files: &[(&SourceFile, &[Declared])],
    issues: &mut Vec<Issue>,
) -> BTreeMap<String, Declared> {
    let mut out: BTreeMap<String, Declared> = BTreeMap::new();
    let mut places: BTreeMap<String, &SourceFile> = BTreeMap::new();
    for (file, declared) in files {
        for d in declared.iter() {
            match out.get_mut(&d.name) {
                None => {
                    out.insert(d.name.clone(), d.clone());
                    places.insert(d.name.clone(), file);
                }
                Some(first) => match (&first.default, &d.default) {
                    (Some(a), Some(b)) if a != b => {
                        let first_file = places[&d.name];
                        let mut issue = Issue::new(
                            file,
                            d.span.clone(),
                            "another default here",
                            format!("variable `{}` has two defaults: `{a}` and `{b}`", d.name),
                        )
                        .help(
                            "a variable's default applies to the whole stack: give it once, \
                             or the same in every file",
                        )
                        .code("manifest::variable_conflict");
                        issue = if first_file.index == file.index {
                            issue.also(file, first.span.clone(), "first default")
                        } else {
                            issue.note(
                                first_file,
                                first.span.clone(),
                                "first default",
                                format!("`{}` is first declared in {}", d.name, first_file.name),
                            )
                        };
                        issues.push(issue);
                    }
                    (None, Some(_)) => first.default = d.default.clone(),
                    _ => {}
                },
            }
        }
    }
    out
}

/// Resolves variables in the top-level `stack` values of a file, with the
/// file's own defaults, and returns the (first) stack name read, if it is a
/// string.
pub fn resolve_stack(
    file: &SourceFile,
    root: &mut Node,
    vars: &Vars,
    declared: &[Declared],
    out: &mut Unresolved<'_>,
) -> Option<String> {
    let own: BTreeMap<String, Declared> = declared
        .iter()
        .map(|d| (d.name.clone(), d.clone()))
        .collect();
    let NodeKind::Mapping(entries) = &mut root.kind else {
        return None;
    };
    let mut stack = None;
    for entry in entries
        .iter_mut()
        .filter(|e| e.key.scalar() == Some("stack"))
    {
        let help = "the stack name is read before the files are grouped into stacks, so a \
                    variable in `stack` takes its default from this file's `vars`";
        let resolver = Resolver {
            file,
            vars,
            declared: &own,
            stack_help: Some(help),
        };
        resolver.node(&mut entry.value, out);
        if stack.is_none() {
            stack = match &entry.value.kind {
                NodeKind::Scalar { value, plain } => {
                    let kind = super::scalar::resolve(value, *plain, entry.value.tag.as_deref());
                    (entry.value.substituted || kind == super::scalar::Kind::Str)
                        .then(|| value.clone())
                }
                _ => None,
            };
        }
    }
    stack
}

/// Resolves variables in every value of a file except `stack` (done by
/// [`resolve_stack`]) and `vars` (defaults are literal).
pub fn substitute(
    file: &SourceFile,
    root: &mut Node,
    vars: &Vars,
    declared: &BTreeMap<String, Declared>,
    out: &mut Unresolved<'_>,
) {
    let resolver = Resolver {
        file,
        vars,
        declared,
        stack_help: None,
    };
    match &mut root.kind {
        NodeKind::Mapping(entries) => {
            for entry in entries.iter_mut() {
                if matches!(entry.key.scalar(), Some("stack" | "vars")) {
                    continue;
                }
                resolver.node(&mut entry.value, out);
            }
        }
        _ => resolver.node(root, out),
    }
}

/// Where substitution reports to: its issues, and the places of the values
/// it could not resolve (validation says nothing more about them).
pub struct Unresolved<'a> {
    pub issues: &'a mut Vec<Issue>,
    pub spans: &'a mut Vec<Range<usize>>,
}

struct Resolver<'a> {
    file: &'a SourceFile,
    vars: &'a Vars,
    declared: &'a BTreeMap<String, Declared>,
    /// Extra help for an unset variable in `stack`.
    stack_help: Option<&'static str>,
}

/// Why one `${...}` could not be resolved: its byte range in the value.
enum Problem {
    Unset(String, usize),
    Malformed(String, usize),
}

impl Resolver<'_> {
    fn value(&self, name: &str) -> Option<String> {
        self.vars
            .get(name)
            .map(str::to_string)
            .or_else(|| self.declared.get(name).and_then(|d| d.default.clone()))
    }

    fn node(&self, node: &mut Node, out: &mut Unresolved<'_>) {
        match &mut node.kind {
            NodeKind::Scalar { value, .. } => {
                if !value.contains('$') {
                    return;
                }
                match expand(value, |name| self.value(name)) {
                    Ok(None) => {}
                    Ok(Some((text, substituted))) => {
                        *value = text;
                        node.substituted = substituted;
                    }
                    Err(problems) => {
                        for problem in problems {
                            out.issues.push(self.issue(node, problem));
                        }
                        out.spans.push(node.span.range());
                    }
                }
            }
            NodeKind::Sequence(items) => {
                for item in items {
                    self.node(item, out);
                }
            }
            NodeKind::Mapping(entries) => {
                for entry in entries {
                    self.node(&mut entry.value, out);
                }
            }
        }
    }

    fn issue(&self, node: &Node, problem: Problem) -> Issue {
        let (token, nth) = match &problem {
            Problem::Unset(token, nth) | Problem::Malformed(token, nth) => (token.as_str(), *nth),
        };
        let span = self.locate(node, token, nth);
        match problem {
            Problem::Unset(token, _) => {
                let name = &token[2..token.len() - 1];
                let mut help = match self.declared.get(name) {
                    Some(_) => format!(
                        "`{name}` is declared in `vars` without a default: set it with \
                         `--var {name}=VALUE` or the environment variable `{ENV_PREFIX}{name}`"
                    ),
                    None => format!(
                        "set it with `--var {name}=VALUE` or the environment variable \
                         `{ENV_PREFIX}{name}`, or give it a default under the top-level \
                         `vars: {{{name}: VALUE}}`"
                    ),
                };
                if let Some(extra) = self.stack_help {
                    help = format!("{help}; {extra}");
                }
                Issue::new(
                    self.file,
                    span,
                    "unset variable",
                    format!("variable `{name}` is not set"),
                )
                .help(help)
                .code("manifest::unset_variable")
            }
            Problem::Malformed(token, _) => Issue::new(
                self.file,
                span,
                "malformed variable",
                format!("malformed variable reference `{token}`"),
            )
            .help(
                "a variable is written `${NAME}`, NAME being a letter or `_` then letters, \
                 digits and `_`; write `$${` for a literal `${`",
            )
            .code("manifest::malformed_variable"),
        }
    }

    /// The place of the `nth` occurrence of `token` in the node's text, when
    /// the text shows it as the value does; else the whole node.
    fn locate(&self, node: &Node, token: &str, nth: usize) -> Span {
        let text = self.file.text.get(node.span.range()).unwrap_or("");
        match text.match_indices(token).nth(nth) {
            Some((at, _)) => {
                let start = node.span.start + at;
                node.span.with_range(start, start + token.len())
            }
            None => node.span.clone(),
        }
    }
}

/// Expands `${NAME}` and `$${` in `text`. `Ok(None)`: nothing to expand;
/// `Ok(Some((expanded, substituted)))`, `substituted` when a variable was
/// used (not only escapes); `Err`: every unset or malformed reference, with
/// the index of its occurrence among equal tokens.
fn expand(
    text: &str,
    value: impl Fn(&str) -> Option<String>,
) -> Result<Option<(String, bool)>, Vec<Problem>> {
    let mut out = String::with_capacity(text.len());
    let mut problems = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut changed = false;
    let mut substituted = false;
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
            changed = true;
            continue;
        }
        if !tail.starts_with("${") {
            out.push('$');
            rest = &tail[1..];
            continue;
        }
        changed = true;
        let (token, after) = match tail.find('}') {
            Some(end) => (&tail[..=end], &tail[end + 1..]),
            None => (tail, ""),
        };
        let nth = {
            let n = seen.entry(token.to_string()).or_insert(0);
            *n += 1;
            *n - 1
        };
        let name = token
            .strip_prefix("${")
            .and_then(|t| t.strip_suffix('}'))
            .filter(|n| is_var_name(n));
        match name {
            None => problems.push(Problem::Malformed(token.to_string(), nth)),
            Some(name) => match value(name) {
                Some(v) => {
                    out.push_str(&v);
                    substituted = true;
                }
                None => problems.push(Problem::Unset(token.to_string(), nth)),
            },
        }
        rest = after;
    }
    out.push_str(rest);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(changed.then_some((out, substituted)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn expansion() {
        let v = vars(&[("A", "1"), ("B", "two")]);
        assert!(matches!(expand("plain $ text", &v), Ok(None)));
        let got = |t: &str| expand(t, &v).ok().flatten();
        assert_eq!(got("${A}"), Some(("1".to_string(), true)));
        assert_eq!(got("x-${A}-${B}$"), Some(("x-1-two$".to_string(), true)));
        assert_eq!(got("$${A}"), Some(("${A}".to_string(), false)));
        // Only `$${` is special: a `$` before an escape stays.
        assert_eq!(got("$$${A}"), Some(("$${A}".to_string(), false)));
        let Err(problems) = expand("${C} ${a-b} ${C} ${", &v) else {
            panic!("expected problems")
        };
        let found: Vec<String> = problems
            .iter()
            .map(|p| match p {
                Problem::Unset(t, n) => format!("unset {t} {n}"),
                Problem::Malformed(t, n) => format!("malformed {t} {n}"),
            })
            .collect();
        assert_eq!(
            found,
            [
                "unset ${C} 0",
                "malformed ${a-b} 0",
                "unset ${C} 1",
                "malformed ${ 0"
            ]
        );
    }

    #[test]
    fn flags_beat_the_environment() {
        let env = [
            ("IVSCTL_VAR_A", "env"),
            ("IVSCTL_VAR_B", "env"),
            ("IVSCTL_VAR_not-a-name", "x"),
            ("OTHER", "x"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let flags = [
            "A=flag".to_string(),
            "C=".to_string(),
            "A=last=1".to_string(),
        ];
        let vars = Vars::from_env_and_flags(&flags, env.into_iter()).unwrap();
        assert_eq!(vars.get("A"), Some("last=1"));
        assert_eq!(vars.get("B"), Some("env"));
        assert_eq!(vars.get("C"), Some(""));
        assert_eq!(vars.values.len(), 3);
        let err = Vars::from_env_and_flags(&["A".to_string()], std::iter::empty()).unwrap_err();
        assert_eq!(err, VarError::MissingEquals { flag: "A".into() });
        let err = Vars::from_env_and_flags(&["1A=x".to_string()], std::iter::empty()).unwrap_err();
        assert!(matches!(err, VarError::InvalidName { .. }));
    }
}
