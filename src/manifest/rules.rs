//! The value constraints of manifest v1: the IVS Chat API's (lengths, patterns
//! and ranges from the service model, patterns read as whole-string matches)
//! and ivsctl's own (stack names, logical keys, regions).
//!
//! Each string rule says what went wrong (too long, which character) and what
//! would be valid, in words a user can act on.

use std::sync::LazyLock;

use regex::Regex;

/// How a string's content is checked once its length is fine.
pub enum Shape {
    /// Every character must pass.
    Chars(fn(char) -> bool),
    /// The whole string must match.
    Pattern(&'static LazyLock<Regex>),
    Any,
}

pub struct StrRule {
    /// In characters, inclusive.
    pub min: usize,
    pub max: usize,
    pub shape: Shape,
    /// What a valid value looks like.
    pub help: &'static str,
    /// The label under a value that does not match a `Pattern` shape.
    pub mismatch: &'static str,
}

/// Why a string broke its rule: the text of the label under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    Empty,
    TooShort { len: usize, min: usize },
    TooLong { len: usize, max: usize },
    BadChar(char),
    NoMatch,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Violation::Empty => write!(f, "must not be empty"),
            Violation::TooShort { len, min } => {
                write!(f, "too short: {len} characters, at least {min} needed")
            }
            Violation::TooLong { len, max } => {
                write!(f, "too long: {len} characters, at most {max} allowed")
            }
            Violation::BadChar(' ') => write!(f, "a space is not allowed here"),
            Violation::BadChar(c) if c.is_control() || c.is_whitespace() => {
                write!(f, "character {c:?} is not allowed here")
            }
            Violation::BadChar(c) => write!(f, "`{c}` is not allowed here"),
            Violation::NoMatch => write!(f, "not in the expected form"),
        }
    }
}

impl StrRule {
    pub fn check(&self, value: &str) -> Result<(), Violation> {
        let len = value.chars().count();
        if len == 0 && self.min > 0 {
            return Err(Violation::Empty);
        }
        if len < self.min {
            return Err(Violation::TooShort { len, min: self.min });
        }
        if len > self.max {
            return Err(Violation::TooLong { len, max: self.max });
        }
        match &self.shape {
            Shape::Chars(ok) => match value.chars().find(|c| !ok(*c)) {
                Some(c) => Err(Violation::BadChar(c)),
                None => Ok(()),
            },
            Shape::Pattern(re) => {
                if re.is_match(value) {
                    Ok(())
                } else {
                    Err(Violation::NoMatch)
                }
            }
            Shape::Any => Ok(()),
        }
    }
}

fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn bucket_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'
}

fn log_group_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | '#')
}

fn delivery_stream_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

static REGION_RE: LazyLock<Regex> = LazyLock::new(|| regex(REGION_PATTERN));
static LAMBDA_ARN_RE: LazyLock<Regex> = LazyLock::new(|| regex(LAMBDA_ARN_PATTERN));
static LOGGING_CONFIGURATION_ARN_RE: LazyLock<Regex> =
    LazyLock::new(|| regex(LOGGING_CONFIGURATION_ARN_PATTERN));
static ROOM_ARN_RE: LazyLock<Regex> = LazyLock::new(|| regex(ROOM_ARN_PATTERN));

fn regex(pattern: &str) -> Regex {
    // The patterns are constants of this file, covered by its tests.
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("bad built-in pattern {pattern}: {e}"))
}

/// Also used by the JSON Schema, so that editors check what ivsctl checks.
pub const STACK_PATTERN: &str = r"^[a-zA-Z0-9_-]{1,64}$";
pub const LOGICAL_KEY_PATTERN: &str = r"^[a-zA-Z0-9_-]{1,128}$";
pub const NAME_PATTERN: &str = r"^[a-zA-Z0-9_-]*$";
pub const BUCKET_NAME_PATTERN: &str = r"^[a-z0-9.-]+$";
pub const LOG_GROUP_NAME_PATTERN: &str = r"^[.\-_/#A-Za-z0-9]+$";
pub const DELIVERY_STREAM_NAME_PATTERN: &str = r"^[a-zA-Z0-9_.-]+$";
/// An entry of a room's `loggingConfigurations`: a logical key, `STACK/KEY`
/// or an ARN.
pub const ROOM_LOGGING_CONFIGURATION_PATTERN: &str = r"^([a-zA-Z0-9_-]{1,128}|[a-zA-Z0-9_-]{1,64}/[a-zA-Z0-9_-]{1,128}|arn:aws:ivschat:[a-z0-9-]+:[0-9]+:logging-configuration/[a-zA-Z0-9-]+)$";
pub const ROOM_ARN_PATTERN: &str = r"^arn:aws:ivschat:[a-z0-9-]+:[0-9]+:room/[a-zA-Z0-9-]+$";
/// A `moved` address: `rooms.KEY` or `loggingConfigurations.KEY`.
pub const ADDRESS_PATTERN: &str = r"^(rooms|loggingConfigurations)\.[a-zA-Z0-9_-]{1,128}$";
/// A variable's name (`vars`, `${NAME}`, `--var NAME=VALUE`).
pub const VAR_NAME_PATTERN: &str = r"^[A-Za-z_][A-Za-z0-9_]*$";
pub const REGION_PATTERN: &str = r"^[a-z]{2}(-[a-z]+)+-[0-9]+$";
pub const LAMBDA_ARN_PATTERN: &str = r"^arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:.+$";
pub const LOGGING_CONFIGURATION_ARN_PATTERN: &str =
    r"^arn:aws:ivschat:[a-z0-9-]+:[0-9]+:logging-configuration/[a-zA-Z0-9-]+$";

pub static STACK: StrRule = StrRule {
    min: 1,
    max: 64,
    shape: Shape::Chars(word_char),
    help: "a stack name is 1 to 64 characters: letters, digits, `-` and `_`",
    mismatch: "",
};

pub static REGION: StrRule = StrRule {
    min: 1,
    max: 64,
    shape: Shape::Pattern(&REGION_RE),
    help: "a region is an AWS region code such as `us-west-2`",
    mismatch: "not an AWS region code",
};

pub static LOGICAL_KEY: StrRule = StrRule {
    min: 1,
    max: 128,
    shape: Shape::Chars(word_char),
    help: "a logical key is 1 to 128 characters: letters, digits, `-` and `_`",
    mismatch: "",
};

pub static ROOM_NAME: StrRule = StrRule {
    min: 0,
    max: 128,
    shape: Shape::Chars(word_char),
    help: "a room name is at most 128 characters: letters, digits, `-` and `_`",
    mismatch: "",
};

pub static LOGGING_CONFIGURATION_NAME: StrRule = StrRule {
    min: 0,
    max: 128,
    shape: Shape::Chars(word_char),
    help: "a logging-configuration name is at most 128 characters: letters, digits, `-` and `_`",
    mismatch: "",
};

pub static LAMBDA_ARN: StrRule = StrRule {
    min: 1,
    max: 170,
    shape: Shape::Pattern(&LAMBDA_ARN_RE),
    help: "uri must be a Lambda function ARN of at most 170 characters, such as \
           `arn:aws:lambda:us-west-2:123456789012:function:review`",
    mismatch: "not a Lambda function ARN",
};

pub static BUCKET_NAME: StrRule = StrRule {
    min: 3,
    max: 63,
    shape: Shape::Chars(bucket_char),
    help: "an S3 bucket name is 3 to 63 characters: lowercase letters, digits, `.` and `-`",
    mismatch: "",
};

pub static LOG_GROUP_NAME: StrRule = StrRule {
    min: 1,
    max: 512,
    shape: Shape::Chars(log_group_char),
    help: "a log group name is 1 to 512 characters: letters, digits, `.`, `-`, `_`, `/` and `#`",
    mismatch: "",
};

pub static DELIVERY_STREAM_NAME: StrRule = StrRule {
    min: 1,
    max: 64,
    shape: Shape::Chars(delivery_stream_char),
    help: "a delivery stream name is 1 to 64 characters: letters, digits, `_`, `.` and `-`",
    mismatch: "",
};

pub static LOGGING_CONFIGURATION_ARN: StrRule = StrRule {
    min: 1,
    max: 128,
    shape: Shape::Pattern(&LOGGING_CONFIGURATION_ARN_RE),
    help: "a logging-configuration ARN looks like \
           `arn:aws:ivschat:us-west-2:123456789012:logging-configuration/AbCdEf123456`",
    mismatch: "not a logging-configuration ARN",
};

pub static ROOM_ARN: StrRule = StrRule {
    min: 1,
    max: 128,
    shape: Shape::Pattern(&ROOM_ARN_RE),
    help: "a room ARN looks like `arn:aws:ivschat:us-west-2:123456789012:room/AbCdEf123456`",
    mismatch: "not a room ARN",
};

/// The region of an ARN (`arn:PARTITION:SERVICE:REGION:...`).
pub fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3)
}

/// True for a variable name: a letter or `_`, then letters, digits and `_`.
pub fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub static TAG_KEY: StrRule = StrRule {
    min: 1,
    max: 128,
    shape: Shape::Any,
    help: "a tag key is 1 to 128 characters",
    mismatch: "",
};

pub static TAG_VALUE: StrRule = StrRule {
    min: 0,
    max: 256,
    shape: Shape::Any,
    help: "a tag value is at most 256 characters",
    mismatch: "",
};

/// Integer ranges, inclusive.
pub const MESSAGE_LENGTH: (i128, i128) = (1, 500);
pub const MESSAGE_RATE: (i128, i128) = (1, 100);

/// The reason a tag key may not be written by users, if it may not.
pub fn reserved_tag_key(key: &str) -> Option<&'static str> {
    let lower = key.get(..4).map(str::to_ascii_lowercase);
    if lower.as_deref() == Some(crate::model::AWS_TAG_PREFIX) {
        Some("tag keys starting with `aws:` are reserved for AWS")
    } else if key.starts_with(crate::model::RESERVED_TAG_PREFIX) {
        Some("tag keys starting with `ivsctl:` are reserved for ivsctl's ownership tags")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_rules() {
        assert_eq!(STACK.check("prod-chat_1"), Ok(()));
        assert_eq!(STACK.check(""), Err(Violation::Empty));
        assert_eq!(STACK.check("a b"), Err(Violation::BadChar(' ')));
        assert_eq!(
            STACK.check(&"x".repeat(65)),
            Err(Violation::TooLong { len: 65, max: 64 })
        );
        assert_eq!(ROOM_NAME.check(""), Ok(()));
        assert_eq!(REGION.check("us-west-2"), Ok(()));
        assert_eq!(REGION.check("us-gov-west-1"), Ok(()));
        assert_eq!(REGION.check("uswest2"), Err(Violation::NoMatch));
        assert_eq!(
            BUCKET_NAME.check("ab"),
            Err(Violation::TooShort { len: 2, min: 3 })
        );
        assert_eq!(BUCKET_NAME.check("My-bucket"), Err(Violation::BadChar('M')));
        assert_eq!(LOG_GROUP_NAME.check("/aws/ivs#chat.x_y-z"), Ok(()));
        assert_eq!(
            DELIVERY_STREAM_NAME.check("s/1"),
            Err(Violation::BadChar('/'))
        );
        let arn = "arn:aws:lambda:us-west-2:123456789012:function:review";
        assert_eq!(LAMBDA_ARN.check(arn), Ok(()));
        assert_eq!(
            LAMBDA_ARN.check("arn:aws:lambda:us-west-2:1234:function:x"),
            Err(Violation::NoMatch)
        );
        let lc = "arn:aws:ivschat:us-west-2:123456789012:logging-configuration/AbC1";
        assert_eq!(LOGGING_CONFIGURATION_ARN.check(lc), Ok(()));
        assert_eq!(
            LOGGING_CONFIGURATION_ARN.check("arn:aws:ivschat:x"),
            Err(Violation::NoMatch)
        );
        assert_eq!(TAG_VALUE.check(""), Ok(()));
        assert_eq!(TAG_KEY.check(""), Err(Violation::Empty));
    }

    /// The JSON Schema uses the `*_PATTERN` constants, validation the
    /// character predicates: they must accept the same strings.
    #[test]
    fn character_rules_agree_with_the_schema_patterns() {
        let pairs: [(&StrRule, &str); 6] = [
            (&STACK, STACK_PATTERN),
            (&LOGICAL_KEY, LOGICAL_KEY_PATTERN),
            (&ROOM_NAME, NAME_PATTERN),
            (&BUCKET_NAME, BUCKET_NAME_PATTERN),
            (&LOG_GROUP_NAME, LOG_GROUP_NAME_PATTERN),
            (&DELIVERY_STREAM_NAME, DELIVERY_STREAM_NAME_PATTERN),
        ];
        for (rule, pattern) in pairs {
            let re = regex(pattern);
            for c in (' '..='~').chain(['é', 'Z', '\n', '\t']) {
                let value: String = std::iter::repeat_n(c, rule.min.max(3)).collect();
                assert_eq!(
                    rule.check(&value).is_ok(),
                    re.is_match(&value),
                    "{pattern} on {value:?}"
                );
            }
        }
    }

    #[test]
    fn room_entry_pattern_accepts_keys_and_arns() {
        let re = regex(ROOM_LOGGING_CONFIGURATION_PATTERN);
        for ok in [
            "archive",
            "a_b-1",
            "shared/archive",
            "arn:aws:ivschat:us-west-2:123456789012:logging-configuration/AbC1",
        ] {
            assert!(re.is_match(ok), "{ok}");
        }
        for bad in [
            "a b",
            "arn:aws:ivschat:us-west-2:1:room/x",
            "",
            "a/b/c",
            "/b",
            "a/",
        ] {
            assert!(!re.is_match(bad), "{bad}");
        }
    }

    #[test]
    fn arns_names_and_addresses() {
        let room = "arn:aws:ivschat:us-west-2:123456789012:room/AbC1";
        assert_eq!(ROOM_ARN.check(room), Ok(()));
        assert_eq!(arn_region(room), Some("us-west-2"));
        assert_eq!(
            ROOM_ARN.check("arn:aws:ivschat:us-west-2:1:logging-configuration/x"),
            Err(Violation::NoMatch)
        );
        for ok in ["A", "_x", "LEN_2"] {
            assert!(
                is_var_name(ok) && regex(VAR_NAME_PATTERN).is_match(ok),
                "{ok}"
            );
        }
        for bad in ["", "2x", "a-b", "é"] {
            assert!(
                !is_var_name(bad) && !regex(VAR_NAME_PATTERN).is_match(bad),
                "{bad}"
            );
        }
        let address = regex(ADDRESS_PATTERN);
        assert!(address.is_match("rooms.a-1") && address.is_match("loggingConfigurations.x"));
        assert!(!address.is_match("room.a") && !address.is_match("rooms."));
    }

    #[test]
    fn reserved_prefixes() {
        assert!(reserved_tag_key("aws:x").is_some());
        assert!(reserved_tag_key("AWS:x").is_some());
        assert!(reserved_tag_key("ivsctl:stack").is_some());
        assert!(reserved_tag_key("aw").is_none());
        assert!(reserved_tag_key("é").is_none());
        assert!(reserved_tag_key("team").is_none());
    }
}
