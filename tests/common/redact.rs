//! Labels for ARNs, and the redaction that makes outputs stable snapshots.
//!
//! A resource's label says what it is, not its random id: `rooms.lobby` for
//! a resource of the test's stack (ownership tags `ivsctl:stack` /
//! `ivsctl:key`), `other/rooms.lobby` for another stack's, `room:NAME` /
//! `lc:NAME` for unmanaged ones. When two resources would share a label, the
//! later one gets `~NAME` (or `~2`, `~3`) appended. In text, an ARN becomes
//! `[label]`; chat tokens, times, durations and request ids become
//! placeholders too. In inputs (manifests, seeds, commands), `{label}`
//! stands for the ARN.

use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// What the harness knows of one resource.
#[derive(Debug, Clone)]
struct Fact {
    arn: String,
    /// `rooms` or `loggingConfigurations`.
    kind: &'static str,
    owner: Option<(String, String)>,
    name: String,
}

/// Every ARN the harness saw, in the order it first saw them.
#[derive(Debug, Default)]
pub struct Labels {
    home: Option<String>,
    facts: Vec<Fact>,
}

impl Labels {
    /// The stack whose resources get short labels (the first one set wins).
    pub fn home_stack_once(&mut self, stack: &str) {
        self.home.get_or_insert_with(|| stack.to_string());
    }

    /// Learns resources (`arn`, `name`, `tags`) of `kind` (`room` or `lc`)
    /// not seen before, in a stable order: by label, then name.
    pub fn learn(&mut self, kind: &str, resources: &[Value]) {
        let kind = if kind == "room" {
            "rooms"
        } else {
            "loggingConfigurations"
        };
        let mut new: Vec<Fact> = resources
            .iter()
            .filter(|r| !self.facts.iter().any(|f| r["arn"] == f.arn.as_str()))
            .map(|r| Fact {
                arn: r["arn"].as_str().expect("arn").to_string(),
                kind,
                owner: owner(&r["tags"]),
                name: r["name"].as_str().unwrap_or_default().to_string(),
            })
            .collect();
        new.sort_by_key(|f| (self.base(f), f.name.clone()));
        self.facts.extend(new);
    }

    /// The label a resource of `kind` with these tags and name would get,
    /// without the `~` suffix of a shared label.
    pub fn address(&self, kind: &str, tags: &Value, name: &str) -> String {
        let kind = if kind.starts_with("room") {
            "rooms"
        } else {
            "loggingConfigurations"
        };
        self.base(&Fact {
            arn: String::new(),
            kind,
            owner: owner(tags),
            name: name.to_string(),
        })
    }

    fn base(&self, f: &Fact) -> String {
        match &f.owner {
            Some((stack, key)) if Some(stack) == self.home.as_ref() => format!("{}.{key}", f.kind),
            Some((stack, key)) => format!("{stack}/{}.{key}", f.kind),
            None if f.kind == "rooms" => format!("room:{}", f.name),
            None => format!("lc:{}", f.name),
        }
    }

    /// ARN -> label, for every resource seen.
    pub fn map(&self) -> BTreeMap<String, String> {
        let mut taken: BTreeMap<String, String> = BTreeMap::new();
        for f in &self.facts {
            let base = self.base(f);
            let mut label = base.clone();
            if taken.contains_key(&label) {
                label = format!("{base}~{}", f.name);
            }
            let mut n = 2;
            while taken.contains_key(&label) {
                label = format!("{base}~{n}");
                n += 1;
            }
            taken.insert(label, f.arn.clone());
        }
        taken.into_iter().map(|(l, a)| (a, l)).collect()
    }

    /// The label of `arn`, or `arn` itself when unknown.
    pub fn bare(&self, arn: &str) -> String {
        self.map().remove(arn).unwrap_or_else(|| arn.to_string())
    }

    pub fn arn(&self, label: &str) -> Option<String> {
        self.map()
            .into_iter()
            .find(|(_, l)| l == label)
            .map(|(a, _)| a)
    }

    /// Replaces each `{label}` with its ARN; panics on an unknown label.
    pub fn resolve(&self, text: &str) -> String {
        static PLACEHOLDER: OnceLock<Regex> = OnceLock::new();
        let re = PLACEHOLDER.get_or_init(|| {
            Regex::new(
                r"\{((?:[\w-]+/)?(?:rooms|loggingConfigurations)\.[^{}\s]+|(?:room|lc):[^{}\s]*)\}",
            )
            .unwrap()
        });
        let map = self.map();
        re.replace_all(text, |c: &regex::Captures| {
            let label = &c[1];
            map.iter()
                .find(|(_, l)| l.as_str() == label)
                .map(|(a, _)| a.clone())
                .unwrap_or_else(|| panic!("no resource is labelled {label}; known: {map:?}"))
        })
        .into_owned()
    }
}

fn owner(tags: &Value) -> Option<(String, String)> {
    let stack = tags["ivsctl:stack"].as_str()?;
    let key = tags["ivsctl:key"].as_str()?;
    Some((stack.to_string(), key.to_string()))
}

/// Rewrites text for snapshots (see the module comment).
pub struct Redactor {
    arns: BTreeMap<String, String>,
    literals: Vec<(String, String)>,
}

impl Redactor {
    /// `literals`: (text, placeholder) pairs replaced first, longest first.
    pub fn new(labels: &Labels, literals: &[(String, &str)]) -> Redactor {
        let mut literals: Vec<(String, String)> = literals
            .iter()
            .filter(|(text, _)| !text.is_empty())
            .map(|(t, p)| (t.clone(), p.to_string()))
            .collect();
        literals.sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));
        Redactor {
            arns: labels.map(),
            literals,
        }
    }

    pub fn redact(&self, text: &str) -> String {
        static FILTERS: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
        let filters = FILTERS.get_or_init(|| {
            [
                // RFC 3339 times.
                (
                    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)",
                    "[TIME]",
                ),
                // Durations of the progress lines and the report.
                (r"\b(\d+ h )?(\d+ m )?\d+(\.\d+)? s\b", "[DURATION]"),
                (r#""duration_ms": ?\d+"#, r#""duration_ms": "[MS]""#),
                // Chat tokens.
                (r"AQICAH[A-Za-z0-9+/=_-]+", "[TOKEN]"),
                // Request ids.
                (
                    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
                    "[REQUEST_ID]",
                ),
            ]
            .into_iter()
            .map(|(re, to)| (Regex::new(re).unwrap(), to))
            .collect()
        });
        static ARN: OnceLock<Regex> = OnceLock::new();
        let arn = ARN.get_or_init(|| {
            Regex::new(
                r"arn:aws:ivschat:[a-z0-9-]+:\d{12}:(room|logging-configuration)/[A-Za-z0-9]+",
            )
            .unwrap()
        });
        let mut text = text.to_string();
        for (literal, placeholder) in &self.literals {
            text = text.replace(literal.as_str(), placeholder);
        }
        let mut text = arn
            .replace_all(&text, |c: &regex::Captures| match self.arns.get(&c[0]) {
                Some(label) => format!("[{label}]"),
                None => c[0].to_string(),
            })
            .into_owned();
        for (re, to) in filters {
            text = re.replace_all(&text, *to).into_owned();
        }
        // Applied records (`ivsctl:applied`): their hashes, checksum and
        // time change from run to run; whether they say "as created" (`c`) or
        // carry a time (`T`), and the maxima they keep, are what a reader
        // checks.
        static RECORD: OnceLock<Regex> = OnceLock::new();
        let record = RECORD.get_or_init(|| {
            Regex::new(r"1:t=(c|\d+)(?::m=([\d,]+))?:f=[\w-]*:g=\d[\w-]*:c=[\w-]{6}").unwrap()
        });
        text = record
            .replace_all(&text, |c: &regex::Captures| {
                let t = if &c[1] == "c" { "c" } else { "T" };
                match c.get(2) {
                    Some(m) => format!("[RECORD t={t} m={}]", m.as_str()),
                    None => format!("[RECORD t={t}]"),
                }
            })
            .into_owned();
        // `[a] and [b]`: the binary lists ARNs in the order of their random
        // ids; sorted, the labels read the same on every run.
        static AND: OnceLock<Regex> = OnceLock::new();
        let and =
            AND.get_or_init(|| Regex::new(r"\[[^\[\]\s]+\](?: and \[[^\[\]\s]+\])+").unwrap());
        and.replace_all(&text, |c: &regex::Captures| {
            let mut labels: Vec<&str> = c[0].split(" and ").collect();
            labels.sort();
            labels.join(" and ")
        })
        .into_owned()
    }

    /// A JSON value with every string redacted.
    pub fn redact_json(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.redact(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.redact_json(x)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (self.redact(k), self.redact_json(x)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}
