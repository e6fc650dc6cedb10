//! The pattern language the rows' expectations are written in: [`resolve`]
//! fills in saved `$var`s, [`check`] compares an answer with a pattern
//! (matchers such as `<id>`, `<now>`, `<len N>`), [`member`] reads a path.

use super::{Vars, CLOCK_SLACK_MS};
use serde_json::{Map, Value};

/// Replaces `$var` (a whole string: the saved value itself) and `${var}` or
/// `$var` inside a string (its text) throughout `v`.
pub fn resolve(v: &Value, vars: &Vars) -> Result<Value, String> {
    static VAR: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = VAR.get_or_init(|| regex::Regex::new(r"\$\{(\w+)\}|\$(\w+)").unwrap());
    let lookup = |name: &str| {
        vars.get(name)
            .ok_or_else(|| format!("${name} was never saved"))
    };
    Ok(match v {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix('$') {
                if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return lookup(name).cloned();
                }
            }
            let mut missing = None;
            let text = re.replace_all(s, |c: &regex::Captures| {
                let name = c.get(1).or(c.get(2)).unwrap().as_str();
                match lookup(name) {
                    Ok(Value::String(t)) => t.clone(),
                    Ok(other) => other.to_string(),
                    Err(e) => {
                        missing = Some(e);
                        String::new()
                    }
                }
            });
            if let Some(e) = missing {
                return Err(e);
            }
            Value::String(text.into_owned())
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| resolve(x, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| Ok((k.clone(), resolve(x, vars)?)))
                .collect::<Result<Map<_, _>, String>>()?,
        ),
        other => other.clone(),
    })
}

/// Compares `actual` with the (resolved) `pattern`; `now` is when the
/// request was sent. The rules:
/// - an object names members that must match; `null` means "absent"; members
///   it does not name are not checked, except in an object that is itself a
///   member's value (tags, a handler, a destination): that one must have
///   exactly the members named;
/// - an array must have as many elements, each matching in turn;
/// - a string made of `<...>` matchers must pass each: `<id>` (12
///   alphanumerics), `<uuid>`, `<nonempty>`, `<any>`, `<len N>` (array, object
///   or string), `<now>` or `<now+Nm>` (whole ms since the epoch, within
///   [`CLOCK_SLACK_MS`] of `now` plus N minutes), `<after N>` (a greater
///   number), `<not X>` (anything but X), `<starts TEXT>`;
/// - anything else must be equal.
pub fn check(pattern: &Value, actual: &Value, now: i64) -> Result<(), String> {
    let mut errors = Vec::new();
    match pattern {
        Value::Object(p) => members(&mut errors, "", p, actual, false, now),
        p => value(&mut errors, "", p, Some(actual), now),
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n      in {actual}", errors.join("; ")))
    }
}

fn members(
    errors: &mut Vec<String>,
    path: &str,
    p: &Map<String, Value>,
    a: &Value,
    exact: bool,
    now: i64,
) {
    let Some(a) = a.as_object() else {
        return errors.push(format!("{path}: not an object: {a}"));
    };
    for (k, pv) in p {
        value(errors, &format!("{path}.{k}"), pv, a.get(k), now);
    }
    for k in a.keys().filter(|k| exact && !p.contains_key(*k)) {
        errors.push(format!("{path}.{k}: unexpected {}", a[k]));
    }
}

fn value(errors: &mut Vec<String>, path: &str, p: &Value, a: Option<&Value>, now: i64) {
    match (p, a) {
        (Value::Null, None | Some(Value::Null)) => {}
        (Value::Null, Some(a)) => errors.push(format!("{path}: must be absent, is {a}")),
        (_, None) => errors.push(format!("{path}: missing, expected {p}")),
        (Value::Object(p), Some(a)) => members(errors, path, p, a, true, now),
        (Value::Array(p), Some(Value::Array(a))) if p.len() == a.len() => {
            for (i, (pe, ae)) in p.iter().zip(a).enumerate() {
                match pe {
                    Value::Object(po) => {
                        members(errors, &format!("{path}[{i}]"), po, ae, false, now)
                    }
                    _ => value(errors, &format!("{path}[{i}]"), pe, Some(ae), now),
                }
            }
        }
        (Value::String(s), Some(a)) if s.starts_with('<') => {
            for m in s.trim_start_matches('<').trim_end_matches('>').split("> <") {
                if let Err(e) = matcher(m, a, now) {
                    errors.push(format!("{path}: {a} is not <{m}>: {e}"));
                }
            }
        }
        (p, Some(a)) if p != a => errors.push(format!("{path}: {a}, expected {p}")),
        _ => {}
    }
}

fn matcher(m: &str, a: &Value, now: i64) -> Result<(), String> {
    let (name, arg) = m.split_once(' ').unwrap_or((m, ""));
    let text = a.as_str().unwrap_or("");
    let ok = match name {
        "any" => true,
        "id" => text.chars().count() == 12 && text.chars().all(|c| c.is_ascii_alphanumeric()),
        "uuid" => {
            let groups: Vec<usize> = text.split('-').map(str::len).collect();
            groups == [8, 4, 4, 4, 12] && text.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        }
        "nonempty" => !text.is_empty(),
        "len" => {
            let n: usize = arg.parse().map_err(|_| "bad <len N>")?;
            a.as_array()
                .map(Vec::len)
                .or(a.as_object().map(Map::len))
                .unwrap_or(text.chars().count())
                == n
        }
        "starts" => text.starts_with(arg),
        "not" => a.as_str().map(String::from).unwrap_or(a.to_string()) != arg,
        "after" => {
            let n: i64 = arg.parse().map_err(|_| format!("{arg} is not a number"))?;
            a.as_i64().is_some_and(|t| t > n)
        }
        now_plus if now_plus.starts_with("now") => {
            let minutes: i64 = match now_plus.strip_prefix("now+") {
                Some(m) => m
                    .trim_end_matches('m')
                    .parse()
                    .map_err(|_| "bad <now+Nm>")?,
                None => 0,
            };
            let expected = now + minutes * 60_000;
            a.as_i64()
                .is_some_and(|t| (t - expected).abs() <= CLOCK_SLACK_MS)
        }
        other => return Err(format!("no matcher {other}")),
    };
    if ok {
        Ok(())
    } else {
        Err("no".into())
    }
}

/// The member at `path` (`a.b.0.c`) of `v`.
pub fn member<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(v, |v, k| match k.parse::<usize>() {
            Ok(i) => v.get(i),
            Err(_) => v.get(k),
        })
}

// ---------------------------------------------------------------------------
