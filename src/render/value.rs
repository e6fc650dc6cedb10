//! Values shown on one line, for the human and markdown formats:
//! `"text"`, `10`, `(none)`, `{ uri = "...", fallbackResult = "ALLOW" }`,
//! `[ a, b ]`.
//!
//! Everything that reaches the output through here is escaped: strings are
//! quoted with control characters spelled out (`\n`, `\u{1b}`), and bare text
//! (addresses, ARNs, reasons) has its control characters spelled out too, so a
//! tag value set in the console cannot move the cursor or change colours.

use serde_json::Value;
use std::collections::BTreeMap;

/// Object keys shown first, in this order (the API's own order); any other
/// key follows in alphabetical order.
const KEY_ORDER: &[&str] = &["uri", "fallbackResult"];

/// The field whose values are logging-configuration references.
pub(super) const LOGGING_FIELD: &str = "loggingConfigurations";

/// The address prefix of planned (not yet created) logging configurations.
const LOGGING_PREFIX: &str = "loggingConfigurations.";

/// Logging-configuration ARN -> address, for the configurations this plan
/// knows (created ones have no ARN yet and appear by address already).
pub(super) type ArnNames<'a> = BTreeMap<&'a str, String>;

/// One field's value. Logging-configuration lists show each reference by
/// address when the plan knows it (`loggingConfigurations.archive`), and as a
/// quoted ARN otherwise.
pub(super) fn field_value(field: &str, v: &Value, names: &ArnNames<'_>) -> String {
    match v {
        Value::Array(items) if field == LOGGING_FIELD => {
            let mut shown: Vec<String> = items.iter().map(|i| reference(i, names)).collect();
            shown.sort();
            list(shown)
        }
        _ => compact(v),
    }
}

fn reference(v: &Value, names: &ArnNames<'_>) -> String {
    match v {
        Value::String(s) if s.starts_with(LOGGING_PREFIX) => bare(s),
        Value::String(s) => match names.get(s.as_str()) {
            Some(address) => bare(address),
            None => quote(s),
        },
        other => compact(other),
    }
}

/// Any JSON value on one line.
pub(super) fn compact(v: &Value) -> String {
    match v {
        Value::Null => "(none)".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(items) => list(items.iter().map(compact).collect()),
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by_key(|(k, _)| {
                KEY_ORDER
                    .iter()
                    .position(|o| o == k)
                    .unwrap_or(KEY_ORDER.len())
            });
            if entries.is_empty() {
                return "{}".to_string();
            }
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{} = {}", bare(k), compact(v)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
    }
}

fn list(items: Vec<String>) -> String {
    if items.is_empty() {
        "[]".to_string()
    } else {
        format!("[ {} ]", items.join(", "))
    }
}

/// A string in double quotes, with `"`, `\` and control characters escaped.
pub(super) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ => push_escaped(&mut out, c),
        }
    }
    out.push('"');
    out
}

/// Text shown without quotes (addresses, ARNs, reasons), with control
/// characters escaped.
pub(super) fn bare(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}
