//! The manifest v1 file format as Rust types: what serde_yaml reads once the
//! validation pass has passed, and what the JSON Schema is generated from.
//!
//! These types are the file's shape, nothing more: defaults are applied and
//! references resolved when they are converted into the model (`convert.rs`).
//! No `untagged` and no `flatten`: each type maps one YAML mapping, so that
//! serde's own errors (the safety net behind validation) stay precise.
//!
//! An optional field may be written as YAML null; it then reads as absent.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::rules::{
    ADDRESS_PATTERN, BUCKET_NAME_PATTERN, DELIVERY_STREAM_NAME_PATTERN, LAMBDA_ARN_PATTERN,
    LOGGING_CONFIGURATION_ARN_PATTERN, LOG_GROUP_NAME_PATTERN, NAME_PATTERN, REGION_PATTERN,
    ROOM_ARN_PATTERN, ROOM_LOGGING_CONFIGURATION_PATTERN, STACK_PATTERN, VAR_NAME_PATTERN,
};

/// An ivsctl manifest (version 1): the desired state of one stack of Amazon IVS
/// Chat rooms and logging configurations. Several files may form one stack:
/// each then gives the same `version` and `stack`. Top-level keys starting
/// with `x-` are ignored (a place for YAML anchors). Any scalar value may use
/// `${NAME}` variables.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "ivsctl manifest v1")]
#[schemars(extend("patternProperties" = extension_schema()))]
pub struct RawManifest {
    /// The manifest format version: always 1.
    #[schemars(range(min = 1, max = 1))]
    pub version: u32,

    /// The stack: the owner of every resource below, written into their
    /// `ivsctl:stack` tag. 1 to 64 letters, digits, `-` and `_`.
    #[schemars(length(min = 1, max = 64), regex(pattern = STACK_PATTERN))]
    pub stack: String,

    /// The AWS region, e.g. `us-west-2`. When absent, `--region` or the AWS
    /// configuration decides.
    #[schemars(regex(pattern = REGION_PATTERN))]
    pub region: Option<String>,

    /// Variables used as `${NAME}` in values, with their defaults (empty: no
    /// default, the variable must be set). `--var NAME=VALUE` and the
    /// environment variable `IVSCTL_VAR_NAME` win over the default. Shared
    /// by the stack's files.
    #[serde(default)]
    #[schemars(schema_with = "vars_schema")]
    #[allow(dead_code)] // substituted on the tree before the typed read
    pub vars: Option<BTreeMap<String, RawVarDefault>>,

    /// Tags merged into every resource's tags (a resource's own tags win on
    /// the same key). Keys: 1 to 128 characters, not starting with `aws:` or
    /// `ivsctl:`; values: strings of at most 256 characters (quote values
    /// that YAML would read as numbers or booleans).
    #[serde(default)]
    #[schemars(schema_with = "tags_schema")]
    pub tags: Option<BTreeMap<String, String>>,

    /// Field values every resource of the stack takes unless it sets the
    /// field itself (tags are merged, the resource's win). Two files of one
    /// stack may not give a default for the same field.
    #[allow(dead_code)] // applied on the tree before the typed read
    pub defaults: Option<RawDefaults>,

    /// Logging configurations, by logical key.
    #[schemars(extend("propertyNames" = logical_key_schema()))]
    pub logging_configurations: Option<BTreeMap<String, RawLoggingConfiguration>>,

    /// Chat rooms, by logical key.
    #[schemars(extend("propertyNames" = logical_key_schema()))]
    pub rooms: Option<BTreeMap<String, RawRoom>>,

    /// Resources that changed address (or stack) without being replaced.
    pub moved: Option<Vec<RawMove>>,
}

/// A variable's default: text (numbers and booleans are read as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawVarDefault(pub Option<String>);

impl<'de> Deserialize<'de> for RawVarDefault {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Scalar;
        impl serde::de::Visitor<'_> for Scalar {
            type Value = RawVarDefault;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawVarDefault(Some(v.to_string())))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(RawVarDefault(Some(v.to_string())))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(RawVarDefault(Some(v.to_string())))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(RawVarDefault(Some(v.to_string())))
            }
            fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Self::Value, E> {
                Ok(RawVarDefault(Some(v.to_string())))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(RawVarDefault(Some(v.to_string())))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(RawVarDefault(None))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(RawVarDefault(None))
            }
        }
        deserializer.deserialize_any(Scalar)
    }
}

/// `defaults`: per resource type, field values for resources that do not
/// set them. Read (so that the typed pass checks their shape too) but not
/// used: the defaults are written into each resource's tree before.
#[allow(dead_code)]
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(rename = "Defaults")]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawDefaults {
    /// Defaults for every room of the stack (any room field but `name` and
    /// `import`).
    pub rooms: Option<RawRoomDefaults>,
    /// Defaults for every logging configuration of the stack (`destination`,
    /// `tags`, `protect`).
    pub logging_configurations: Option<RawLoggingConfigurationDefaults>,
}

/// The room fields a default may give.
#[allow(dead_code)]
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(rename = "RoomDefaults")]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawRoomDefaults {
    /// Default maximum characters in one message.
    #[schemars(range(min = 1, max = 500))]
    pub maximum_message_length: Option<i64>,
    /// Default maximum messages per second.
    #[schemars(range(min = 1, max = 100))]
    pub maximum_message_rate_per_second: Option<i64>,
    /// A default review handler.
    pub message_review_handler: Option<RawMessageReviewHandler>,
    /// Default logging configurations (keys, `STACK/KEY` or ARNs).
    #[schemars(
        length(max = 3),
        extend("uniqueItems" = true),
        inner(length(min = 1, max = 193), regex(pattern = ROOM_LOGGING_CONFIGURATION_PATTERN))
    )]
    pub logging_configurations: Option<Vec<String>>,
    /// Tags every room carries (a room's own tags win on the same key).
    #[serde(default)]
    #[schemars(schema_with = "tags_schema")]
    pub tags: Option<BTreeMap<String, String>>,
    /// Default protection.
    pub protect: Option<bool>,
}

/// The logging-configuration fields a default may give.
#[allow(dead_code)]
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(rename = "LoggingConfigurationDefaults")]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawLoggingConfigurationDefaults {
    /// A default destination.
    pub destination: Option<RawDestination>,
    /// Tags every logging configuration carries (its own tags win).
    #[serde(default)]
    #[schemars(schema_with = "tags_schema")]
    pub tags: Option<BTreeMap<String, String>>,
    /// Default protection.
    pub protect: Option<bool>,
}

/// A `moved` entry: `{from, to}` (one address to another, same type) or
/// `{fromStack}` (take over another stack's resources with the keys this
/// stack declares).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(rename = "Move")]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend("oneOf" = move_one_of()))]
pub struct RawMove {
    /// The old address, `rooms.KEY` or `loggingConfigurations.KEY`, which
    /// this stack no longer declares.
    #[schemars(regex(pattern = ADDRESS_PATTERN))]
    pub from: Option<String>,
    /// The new address, declared by this stack.
    #[schemars(regex(pattern = ADDRESS_PATTERN))]
    pub to: Option<String>,
    /// The stack that owned the resources before.
    #[schemars(length(min = 1, max = 64), regex(pattern = STACK_PATTERN))]
    pub from_stack: Option<String>,
}

/// Where a logging configuration delivers chat logs.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(rename = "LoggingConfiguration")]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawLoggingConfiguration {
    /// The resource's name. Default: the logical key. At most 128 letters,
    /// digits, `-` and `_`.
    #[schemars(length(max = 128), regex(pattern = NAME_PATTERN))]
    pub name: Option<String>,

    /// Where chat logs go: exactly one of `s3`, `cloudWatchLogs`, `firehose`.
    /// Required, unless the stack's `defaults.loggingConfigurations` give one.
    pub destination: Option<RawDestination>,

    /// This resource's tags, added to the stack's tags. Keys: 1 to 128
    /// characters, not starting with `aws:` or `ivsctl:`; values: strings of
    /// at most 256 characters.
    #[serde(default)]
    #[schemars(schema_with = "tags_schema")]
    pub tags: Option<BTreeMap<String, String>>,

    /// When true, ivsctl refuses to delete the resource. Default: false.
    pub protect: Option<bool>,

    /// Adopt this existing logging configuration (its ARN, in the stack's
    /// region) under this key instead of creating one.
    #[schemars(regex(pattern = LOGGING_CONFIGURATION_ARN_PATTERN))]
    pub import: Option<String>,
}

/// Exactly one destination.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(rename = "Destination")]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend("minProperties" = 1, "maxProperties" = 1))]
pub struct RawDestination {
    /// An Amazon S3 bucket.
    pub s3: Option<RawS3>,
    /// An Amazon CloudWatch Logs log group.
    pub cloud_watch_logs: Option<RawCloudWatchLogs>,
    /// An Amazon Kinesis Data Firehose delivery stream.
    pub firehose: Option<RawFirehose>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(rename = "S3Destination")]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawS3 {
    /// The bucket's name: 3 to 63 lowercase letters, digits, `.` and `-`.
    #[schemars(length(min = 3, max = 63), regex(pattern = BUCKET_NAME_PATTERN))]
    pub bucket_name: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(rename = "CloudWatchLogsDestination")]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawCloudWatchLogs {
    /// The log group's name: 1 to 512 letters, digits, `.`, `-`, `_`, `/`, `#`.
    #[schemars(length(min = 1, max = 512), regex(pattern = LOG_GROUP_NAME_PATTERN))]
    pub log_group_name: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(rename = "FirehoseDestination")]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawFirehose {
    /// The delivery stream's name: 1 to 64 letters, digits, `_`, `.`, `-`.
    #[schemars(length(min = 1, max = 64), regex(pattern = DELIVERY_STREAM_NAME_PATTERN))]
    pub delivery_stream_name: String,
}

/// A chat room.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(rename = "Room")]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawRoom {
    /// The resource's name. Default: the logical key. At most 128 letters,
    /// digits, `-` and `_`.
    #[schemars(length(max = 128), regex(pattern = NAME_PATTERN))]
    pub name: Option<String>,

    /// Maximum characters in one message. Default: 500.
    #[schemars(range(min = 1, max = 500))]
    pub maximum_message_length: Option<i64>,

    /// Maximum messages per second, all clients together. Default: 10.
    #[schemars(range(min = 1, max = 100))]
    pub maximum_message_rate_per_second: Option<i64>,

    /// A Lambda function that reviews each message. Absent: no review.
    pub message_review_handler: Option<RawMessageReviewHandler>,

    /// Logging configurations the room logs to: logical keys of this stack's
    /// `loggingConfigurations`, `STACK/KEY` for another stack's, or
    /// logging-configuration ARNs. At most 3, each once.
    #[schemars(
        length(max = 3),
        extend("uniqueItems" = true),
        inner(length(min = 1, max = 193), regex(pattern = ROOM_LOGGING_CONFIGURATION_PATTERN))
    )]
    pub logging_configurations: Option<Vec<String>>,

    /// This resource's tags, added to the stack's tags. Keys: 1 to 128
    /// characters, not starting with `aws:` or `ivsctl:`; values: strings of
    /// at most 256 characters.
    #[serde(default)]
    #[schemars(schema_with = "tags_schema")]
    pub tags: Option<BTreeMap<String, String>>,

    /// When true, ivsctl refuses to delete the resource. Default: false.
    pub protect: Option<bool>,

    /// Adopt this existing room (its ARN, in the stack's region) under this
    /// key instead of creating one.
    #[schemars(regex(pattern = ROOM_ARN_PATTERN))]
    pub import: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(rename = "MessageReviewHandler")]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawMessageReviewHandler {
    /// The Lambda function's ARN, at most 170 characters. Omit the whole
    /// handler for no handler.
    #[schemars(length(min = 1, max = 170), regex(pattern = LAMBDA_ARN_PATTERN))]
    pub uri: String,

    /// What happens to a message when the handler fails or times out.
    /// Default: ALLOW.
    pub fallback_result: Option<RawFallbackResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[schemars(rename = "FallbackResult")]
pub enum RawFallbackResult {
    /// Deliver the message.
    #[serde(rename = "ALLOW")]
    Allow,
    /// Drop the message.
    #[serde(rename = "DENY")]
    Deny,
}

fn extension_schema() -> serde_json::Value {
    serde_json::json!({ "^x-": { "description": "Ignored: a place for YAML anchors." } })
}

fn move_one_of() -> serde_json::Value {
    serde_json::json!([
        { "required": ["from", "to"], "not": { "required": ["fromStack"] } },
        { "required": ["fromStack"], "not": { "anyOf": [{ "required": ["from"] }, { "required": ["to"] }] } }
    ])
}

/// `vars`: names to scalar defaults.
fn vars_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["object", "null"],
        "propertyNames": { "pattern": VAR_NAME_PATTERN },
        "additionalProperties": { "type": ["string", "number", "boolean", "null"] }
    })
}

fn logical_key_schema() -> serde_json::Value {
    serde_json::json!({ "pattern": super::rules::LOGICAL_KEY_PATTERN })
}

/// Tags: 1..128-character keys not starting with `aws:` or `ivsctl:`,
/// string values of at most 256 characters.
fn tags_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["object", "null"],
        "propertyNames": {
            "minLength": 1,
            "maxLength": 128,
            "not": { "pattern": "^([aA][wW][sS]:|ivsctl:)" }
        },
        "additionalProperties": { "type": "string", "maxLength": 256 },
        "maxProperties": 50
    })
}
