//! What a YAML scalar means: null, boolean, number or string.
//!
//! The typed pass deserializes with serde_yaml, so the validation pass must
//! read plain scalars the same way serde_yaml 0.9 does, or a file could pass
//! validation and then fail (or mean something else) when typed. The rules
//! below mirror serde_yaml's `visit_untagged_scalar`. One addition: digits with
//! a leading zero (`042`) are a string to serde_yaml, an octal number to
//! YAML 1.1 tools and a decimal one to YAML 1.2 tools, so they get a kind of
//! their own and are never accepted where the meaning matters.

/// The meaning of a scalar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i128),
    /// `042`, `-007`: a number to some YAML tools, a string to others.
    LeadingZero,
    Float,
    Str,
}

impl Kind {
    /// "an integer", "a string", ... for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::LeadingZero => "a number with a leading zero",
            Kind::Float => "a decimal number",
            Kind::Str => "a string",
        }
    }
}

/// Resolves a scalar: quoted and block scalars, and any scalar tagged `!!str`,
/// are strings; a plain one is whatever it looks like.
pub fn resolve(value: &str, plain: bool, tag: Option<&str>) -> Kind {
    if !plain || tag == Some("!!str") {
        return Kind::Str;
    }
    resolve_plain(value)
}

/// The meaning of `value` written as a plain (unquoted) scalar.
pub fn resolve_plain(value: &str) -> Kind {
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "true" | "True" | "TRUE" => return Kind::Bool(true),
        "false" | "False" | "FALSE" => return Kind::Bool(false),
        _ => {}
    }
    if let Some(int) = parse_int(value) {
        return Kind::Int(int);
    }
    if leading_zero_digits(value) {
        return Kind::LeadingZero;
    }
    if parse_float(value) {
        return Kind::Float;
    }
    Kind::Str
}

/// serde_yaml's integers: optional sign, then decimal without a leading zero,
/// or `0x` / `0o` / `0b` digits.
fn parse_int(value: &str) -> Option<i128> {
    let (negative, unsigned) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    if unsigned.starts_with(['+', '-']) {
        return None;
    }
    let (radix, digits) = if let Some(rest) = unsigned.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = unsigned.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = unsigned.strip_prefix("0b") {
        (2, rest)
    } else if leading_zero_digits(unsigned) {
        return None;
    } else {
        (10, unsigned)
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

fn leading_zero_digits(value: &str) -> bool {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

fn parse_float(value: &str) -> bool {
    let unsigned = match value.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return false,
        Some(rest) => rest,
        None => value,
    };
    let special = unsigned.strip_prefix('-').unwrap_or(unsigned);
    if matches!(special, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    unsigned.parse::<f64>().is_ok_and(f64::is_finite)
}

/// True when `value` must be quoted to be read back as this very string, by
/// ivsctl and by other YAML tools (YAML 1.1 and 1.2 alike). Conservative: a
/// string is written plain only when it is plainly a word.
pub fn needs_quotes(value: &str) -> bool {
    if resolve_plain(value) != Kind::Str || yaml11_special(value) {
        return true;
    }
    let mut chars = value.chars();
    let Some(first) = chars.next() else {
        return true;
    };
    if !(first.is_ascii_alphanumeric() || matches!(first, '_' | '/' | '.')) {
        return true;
    }
    if first.is_ascii_digit() || first == '.' {
        // Anything number-like (`1_000`, `1:20`, `1e3`, `.5`) is a number to
        // some YAML version.
        let numberish = value
            .chars()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, '_' | ':' | '.' | '+' | '-' | 'x' | 'o'));
        if numberish {
            return true;
        }
    }
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, '_' | '/' | '.' | '-' | ':' | '@' | '=' | '+' | ' ')
    };
    !value.chars().all(allowed)
        || value.ends_with([' ', ':'])
        || value.contains(": ")
        || value.contains("  ")
}

/// YAML 1.1 booleans and nulls that YAML 1.2 reads as strings.
fn yaml11_special(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null" | "~" | "<<" | "="
    )
}

/// `value` as a YAML double-quoted scalar, escaping what YAML does not allow
/// raw (control characters, and a few invisible ones kept visible on purpose).
pub fn double_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{feff}' | '\u{fffe}' | '\u{ffff}' | '\u{2028}' | '\u{2029}'
                ) =>
            {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `value` as a YAML scalar that reads back as this exact string.
pub fn yaml_string(value: &str) -> String {
    if needs_quotes(value) {
        double_quoted(value)
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_serde_yaml() {
        assert_eq!(resolve_plain(""), Kind::Null);
        assert_eq!(resolve_plain("~"), Kind::Null);
        assert_eq!(resolve_plain("True"), Kind::Bool(true));
        assert_eq!(resolve_plain("yes"), Kind::Str);
        assert_eq!(resolve_plain("42"), Kind::Int(42));
        assert_eq!(resolve_plain("-42"), Kind::Int(-42));
        assert_eq!(resolve_plain("+42"), Kind::Int(42));
        assert_eq!(resolve_plain("0x1F"), Kind::Int(31));
        assert_eq!(resolve_plain("0"), Kind::Int(0));
        assert_eq!(resolve_plain("042"), Kind::LeadingZero);
        assert_eq!(resolve_plain("4.5"), Kind::Float);
        assert_eq!(resolve_plain("1e3"), Kind::Float);
        assert_eq!(resolve_plain(".inf"), Kind::Float);
        assert_eq!(resolve_plain("inf"), Kind::Str);
        assert_eq!(resolve_plain("ALLOW"), Kind::Str);
        assert_eq!(resolve("42", false, None), Kind::Str);
        assert_eq!(resolve("42", true, Some("!!str")), Kind::Str);
    }

    #[test]
    fn quotes_what_would_be_misread() {
        for s in [
            "", "true", "yes", "No", "null", "~", "042", "42", "1.5", "1_000", "1:20", ".5", " x",
            "x ", "a: b", "a #b", "#x", "-x", "*x", "&x", "!x", "'x'", "\"x\"", "x\ny", "[x]",
            "{x}", "a,b", "key:", "@x", "%x", "<<", "1e3", "0x1F",
        ] {
            assert!(needs_quotes(s), "{s:?} should be quoted");
        }
        for s in [
            "team",
            "my-chat-logs",
            "a/b",
            "arn:aws:lambda:us-west-2:1:function:f",
            "a b",
            "x.y",
            "_x",
            "v1.2.3",
        ] {
            assert!(!needs_quotes(s), "{s:?} should be plain");
        }
        assert_eq!(
            double_quoted("a\"b\\c\u{1}\u{2028}"),
            "\"a\\\"b\\\\c\\u0001\\u2028\""
        );
    }
}
