//! Helpers of the emulator suites (`emulator_sdk`, `emulator_http`,
//! `emulator_knobs`); only those files include this module.
//!
//! - [`call`]: any IVS Chat operation through the real aws-sdk-ivschat client.
//!   The input is written as the wire's JSON; the typed output, or the typed
//!   error, comes back as JSON. So one table row can drive any operation and
//!   still prove that the SDK reads what the emulator answers.
//! - [`Step`] and [`run`]: rows run in order against one emulator; every row
//!   that fails is reported by name, once, at the end.
//! - [`check`]: the pattern language the rows' expectations are written in.
//! - [`raw_rows`]: tables of raw HTTP exchanges.
#![allow(dead_code)]

use crate::common;
use aws_sdk_ivschat::config::http::HttpResponse;
use aws_sdk_ivschat::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ivschat::operation::RequestId;
use aws_sdk_ivschat::primitives::DateTime;
use aws_sdk_ivschat::types::error::{
    AccessDeniedException, ConflictException, InternalServerException, PendingVerification,
    ResourceNotFoundException, ServiceQuotaExceededException, ThrottlingException,
    ValidationException,
};
use aws_sdk_ivschat::types::{
    ChatTokenCapability, CloudWatchLogsDestinationConfiguration, DestinationConfiguration,
    FallbackResult, FirehoseDestinationConfiguration, MessageReviewHandler,
    S3DestinationConfiguration,
};
use aws_sdk_ivschat::Client;
use ivsctl::emulator::{BackgroundEmulator, EmulatorConfig};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";
pub const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:review";
pub const LAMBDA_2: &str = "arn:aws:lambda:us-east-1:123456789012:function:other";
/// Well-formed ARNs of resources that do not exist.
pub const MISSING_ROOM: &str = "arn:aws:ivschat:us-east-1:123456789012:room/AAAAAAAAAAAA";
pub const MISSING_LC: &str =
    "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/BBBBBBBBBBBB";
/// Window for comparing server timestamps with the test's clock.
pub const CLOCK_SLACK_MS: i64 = 5_000;
pub const NOT_FOUND: &str = "ResourceNotFoundException";
pub const CONFLICT: &str = "ConflictException";
pub const QUOTA: &str = "ServiceQuotaExceededException";

pub type Vars = BTreeMap<String, Value>;

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64
}

/// An emulator that answers a fraction `rate` of API requests with an
/// injected fault, repeatably (`seed`).
pub fn faulty(rate: f64, seed: u64) -> BackgroundEmulator {
    common::emulator(EmulatorConfig {
        fault_rate: rate,
        seed: Some(seed),
        ..EmulatorConfig::default()
    })
}

/// The service model the emulator validates against.
pub fn model() -> &'static Value {
    static MODEL: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/ivschat-service-2.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("model readable"))
            .expect("model is JSON")
    })
}

/// Whether the model lists `code` among `op`'s errors (then the SDK must
/// parse it into that typed variant, else into `Unhandled`).
pub fn models_error(op: &str, code: &str) -> bool {
    model()["operations"][op]["errors"]
        .as_array()
        .is_some_and(|errors| errors.iter().any(|e| e["shape"] == code))
}

// ---------------------------------------------------------------------------
// The SDK with JSON in and out
// ---------------------------------------------------------------------------

/// The member `name` of `input`, as the type the SDK's setter takes.
fn field<T: serde::de::DeserializeOwned>(input: &Value, name: &str) -> Option<T> {
    input.get(name).map(|v| {
        serde_json::from_value(v.clone()).unwrap_or_else(|e| {
            panic!(
                "{name} in {input} is no {}: {e}",
                std::any::type_name::<T>()
            )
        })
    })
}

fn capabilities(input: &Value) -> Option<Vec<ChatTokenCapability>> {
    let names: Option<Vec<String>> = field(input, "capabilities");
    names.map(|l| l.iter().map(|c| c.as_str().into()).collect())
}

fn handler_in(input: &Value) -> Option<MessageReviewHandler> {
    input.get("messageReviewHandler").map(|h| {
        MessageReviewHandler::builder()
            .set_uri(field(h, "uri"))
            .set_fallback_result(
                field::<String>(h, "fallbackResult").map(|f| FallbackResult::from(f.as_str())),
            )
            .build()
    })
}

/// The wire's name of the member a fluent builder's setter sets:
/// `set_user_id` → `userId`.
fn member_of(setter: &str) -> String {
    let mut words = setter.trim_start_matches("set_").split('_');
    let first = words.next().unwrap_or("").to_string();
    words.fold(first, |name, w| {
        let mut c = w.chars();
        let head = c.next().map(|h| h.to_ascii_uppercase().to_string());
        name + &head.unwrap_or_default() + c.as_str()
    })
}

/// A failure of a request the SDK refused to build: nothing was sent.
fn not_sent(why: impl std::fmt::Display) -> Value {
    json!({"status": 0, "kind": "NotSent", "message": why.to_string()})
}

/// DestinationConfiguration is a Rust enum whose members' required fields the
/// SDK's builders insist on: anything else cannot be sent.
fn destination_in(input: &Value) -> Result<Option<DestinationConfiguration>, Value> {
    let Some(d) = input.get("destinationConfiguration") else {
        return Ok(None);
    };
    let members: Vec<(&String, &Value)> = d.as_object().into_iter().flatten().collect();
    let built = match members.as_slice() {
        [(k, v)] if *k == "s3" => S3DestinationConfiguration::builder()
            .set_bucket_name(field(v, "bucketName"))
            .build()
            .map(DestinationConfiguration::S3),
        [(k, v)] if *k == "cloudWatchLogs" => CloudWatchLogsDestinationConfiguration::builder()
            .set_log_group_name(field(v, "logGroupName"))
            .build()
            .map(DestinationConfiguration::CloudWatchLogs),
        [(k, v)] if *k == "firehose" => FirehoseDestinationConfiguration::builder()
            .set_delivery_stream_name(field(v, "deliveryStreamName"))
            .build()
            .map(DestinationConfiguration::Firehose),
        _ => return Err(not_sent(format!("no SDK value for {d}"))),
    };
    built.map(Some).map_err(not_sent)
}

/// A timestamp as whole milliseconds since the epoch; one with a finer part
/// is kept as text, so that no pattern takes it for a number.
fn time(t: Option<&DateTime>) -> Option<Value> {
    t.map(|t| match t.to_millis() {
        Ok(ms) if t.subsec_nanos() % 1_000_000 == 0 => json!(ms),
        _ => json!(format!("{t:?} (not whole milliseconds)")),
    })
}

fn handler_out(h: &MessageReviewHandler) -> Value {
    object([
        ("uri", h.uri().map(Value::from)),
        (
            "fallbackResult",
            h.fallback_result().map(|f| f.as_str().into()),
        ),
    ])
}

fn destination_out(d: &DestinationConfiguration) -> Value {
    match d {
        DestinationConfiguration::S3(c) => json!({"s3": {"bucketName": c.bucket_name()}}),
        DestinationConfiguration::CloudWatchLogs(c) => {
            json!({"cloudWatchLogs": {"logGroupName": c.log_group_name()}})
        }
        DestinationConfiguration::Firehose(c) => {
            json!({"firehose": {"deliveryStreamName": c.delivery_stream_name()}})
        }
        other => json!(format!("unknown destination {other:?}")),
    }
}

/// The JSON array of `items`, each turned into JSON by `f`.
fn list<T>(items: &[T], f: impl Fn(&T) -> Value) -> Value {
    items.iter().map(f).collect()
}

/// An object of the members that are present.
fn object<const N: usize>(members: [(&str, Option<Value>); N]) -> Value {
    Value::Object(
        members
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect(),
    )
}

/// The members every answer about a resource has, and `more`.
macro_rules! resource_out {
    ($o:expr, $more:expr) => {{
        let o = $o;
        let common = object([
            ("arn", o.arn().map(Value::from)),
            ("id", o.id().map(Value::from)),
            ("name", o.name().map(Value::from)),
            ("tags", o.tags.as_ref().map(|t| json!(t))),
            ("createTime", time(o.create_time())),
            ("updateTime", time(o.update_time())),
        ]);
        with(&common, $more)
    }};
}

/// A room summary (ListRooms).
macro_rules! room_out {
    ($o:expr) => {{
        let o = $o;
        let lcs = o.logging_configuration_identifiers.as_ref();
        resource_out!(
            o,
            object([
                (
                    "messageReviewHandler",
                    o.message_review_handler().map(handler_out)
                ),
                ("loggingConfigurationIdentifiers", lcs.map(|l| json!(l))),
            ])
        )
    }};
}

/// A room as CreateRoom, GetRoom and UpdateRoom answer it.
macro_rules! full_room_out {
    ($o:expr) => {{
        let o = $o;
        let limits = object([
            (
                "maximumMessageLength",
                o.maximum_message_length().map(Value::from),
            ),
            (
                "maximumMessageRatePerSecond",
                o.maximum_message_rate_per_second().map(Value::from),
            ),
        ]);
        with(&room_out!(o), limits)
    }};
}

/// A logging configuration as every operation answers it.
macro_rules! lc_out {
    ($o:expr) => {{
        let o = $o;
        resource_out!(
            o,
            object([
                (
                    "destinationConfiguration",
                    o.destination_configuration().map(destination_out)
                ),
                ("state", o.state().map(|s| s.as_str().into())),
            ])
        )
    }};
}

/// The typed error the SDK made of an answer, as JSON: `status`, `code`
/// (`__type`), `kind` (the typed variant: the exception's name, `Unhandled`,
/// or `NotSent` when the SDK refused to send), `message`, and the modelled
/// members (`reason`, `fieldList` sorted by name, `resourceId`,
/// `resourceType`, `limit`).
pub fn failure<E>(e: &SdkError<E, HttpResponse>) -> Value
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let service = match e {
        SdkError::ServiceError(s) => s.err(),
        SdkError::ConstructionFailure(_) => return not_sent(format!("{e:?}")),
        other => {
            let status = common::status(other);
            return json!({"status": status, "kind": "NoAnswer", "message": format!("{other:?}")});
        }
    };
    let mut v = json!({
        "status": common::status(e),
        "code": common::code(e),
        "kind": "Unhandled",
        "message": service.message().unwrap_or(""),
    });
    let Some(source) = std::error::Error::source(service) else {
        return v;
    };
    // Each exception type the SDK may have parsed, with its modelled members.
    macro_rules! typed {
        ($x:ident => $($t:ident { $($member:literal: $get:expr),* })*) => {
            $(if let Some($x) = source.downcast_ref::<$t>() {
                v["kind"] = stringify!($t).into();
                v["message"] = $x.message().into();
                $(v[$member] = json!($get);)*
                return v;
            })*
        };
    }
    typed!(x =>
        ValidationException { "reason": x.reason().as_str(), "fieldList": sorted_fields(x) }
        ResourceNotFoundException {
            "resourceId": x.resource_id(), "resourceType": x.resource_type().as_str()
        }
        ConflictException {
            "resourceId": x.resource_id(), "resourceType": x.resource_type().as_str()
        }
        ServiceQuotaExceededException {
            "resourceId": x.resource_id(), "resourceType": x.resource_type().as_str(),
            "limit": x.limit()
        }
        ThrottlingException {
            "resourceId": x.resource_id(), "resourceType": x.resource_type().as_str(),
            "limit": x.limit()
        }
        AccessDeniedException {}
        InternalServerException {}
        PendingVerification {}
    );
    v
}

/// A ValidationException's fieldList, sorted by name (the order is not part
/// of the contract).
fn sorted_fields(x: &ValidationException) -> Vec<Value> {
    let mut fields: Vec<Value> = x
        .field_list()
        .iter()
        .map(|f| json!({"name": f.name(), "message": f.message()}))
        .collect();
    fields.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    fields
}

/// Sends `op` with `input` (the wire's JSON members, URI and query members
/// included) through the SDK. Ok: the typed output as JSON, with the
/// response's request id under `x-amzn-RequestId`; Err: see [`failure`].
/// UntagResource always sends `tagKeys` (none given is an empty list: the SDK
/// insists on the member, and an empty list is what leaves it off the wire).
pub async fn call(client: &Client, op: &str, input: &Value) -> Result<Value, Value> {
    macro_rules! send {
        ($req:expr, |$o:ident| $out:expr) => {
            match $req.send().await {
                Ok($o) => {
                    let mut v: Value = $out;
                    v["x-amzn-RequestId"] = json!($o.request_id());
                    Ok(v)
                }
                Err(e) => Err(failure(&e)),
            }
        };
    }
    // `req` with members set from the input by their setters: `set_user_id`
    // sets `userId`.
    macro_rules! set {
        ($req:expr, $($setter:ident),* $(,)?) => {
            $req $(.$setter(field(input, &member_of(stringify!($setter)))))*
        };
    }
    // The members CreateRoom and UpdateRoom share.
    macro_rules! room_members {
        ($req:expr) => {
            set!(
                $req,
                set_name,
                set_maximum_message_length,
                set_maximum_message_rate_per_second,
                set_logging_configuration_identifiers
            )
            .set_message_review_handler(handler_in(input))
        };
    }
    let c = client;
    let id = |o: Option<&str>| object([("id", o.map(Value::from))]);
    match op {
        "CreateRoom" => send!(
            set!(room_members!(c.create_room()), set_tags),
            |o| full_room_out!(&o)
        ),
        "GetRoom" => send!(set!(c.get_room(), set_identifier), |o| full_room_out!(&o)),
        "UpdateRoom" => send!(
            room_members!(set!(c.update_room(), set_identifier)),
            |o| full_room_out!(&o)
        ),
        "DeleteRoom" => send!(set!(c.delete_room(), set_identifier), |_o| json!({})),
        "ListRooms" => send!(
            set!(
                c.list_rooms(),
                set_name,
                set_next_token,
                set_max_results,
                set_message_review_handler_uri,
                set_logging_configuration_identifier
            ),
            |o| object([
                ("rooms", Some(list(o.rooms(), |r| room_out!(r)))),
                ("nextToken", o.next_token().map(Value::from)),
            ])
        ),
        "CreateLoggingConfiguration" => send!(
            set!(c.create_logging_configuration(), set_name, set_tags)
                .set_destination_configuration(destination_in(input)?),
            |o| lc_out!(&o)
        ),
        "GetLoggingConfiguration" => send!(
            set!(c.get_logging_configuration(), set_identifier),
            |o| lc_out!(&o)
        ),
        "UpdateLoggingConfiguration" => send!(
            set!(c.update_logging_configuration(), set_identifier, set_name)
                .set_destination_configuration(destination_in(input)?),
            |o| lc_out!(&o)
        ),
        "DeleteLoggingConfiguration" => send!(
            set!(c.delete_logging_configuration(), set_identifier),
            |_o| json!({})
        ),
        "ListLoggingConfigurations" => send!(
            set!(
                c.list_logging_configurations(),
                set_next_token,
                set_max_results
            ),
            |o| object([
                (
                    "loggingConfigurations",
                    Some(list(o.logging_configurations(), |l| lc_out!(l)))
                ),
                ("nextToken", o.next_token().map(Value::from)),
            ])
        ),
        "TagResource" => send!(
            set!(c.tag_resource(), set_resource_arn, set_tags),
            |_o| json!({})
        ),
        "UntagResource" => send!(
            set!(c.untag_resource(), set_resource_arn)
                .set_tag_keys(Some(field(input, "tagKeys").unwrap_or_default())),
            |_o| json!({})
        ),
        "ListTagsForResource" => send!(
            set!(c.list_tags_for_resource(), set_resource_arn),
            |o| json!({"tags": o.tags()})
        ),
        "CreateChatToken" => send!(
            set!(
                c.create_chat_token(),
                set_room_identifier,
                set_user_id,
                set_session_duration_in_minutes,
                set_attributes
            )
            .set_capabilities(capabilities(input)),
            |o| object([
                ("token", o.token().map(Value::from)),
                ("tokenExpirationTime", time(o.token_expiration_time())),
                ("sessionExpirationTime", time(o.session_expiration_time())),
            ])
        ),
        "SendEvent" => send!(
            set!(
                c.send_event(),
                set_room_identifier,
                set_event_name,
                set_attributes
            ),
            |o| id(o.id())
        ),
        "DeleteMessage" => send!(
            set!(c.delete_message(), set_room_identifier, set_id, set_reason),
            |o| id(o.id())
        ),
        "DisconnectUser" => send!(
            set!(
                c.disconnect_user(),
                set_room_identifier,
                set_user_id,
                set_reason
            ),
            |_o| json!({})
        ),
        other => panic!("no operation {other}"),
    }
}

// ---------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------

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
// Scenarios: rows run in order
// ---------------------------------------------------------------------------

type Action = Box<dyn Fn(&mut Ctx) -> Result<(), String>>;

/// One step of a scenario: a row of a table, or a check written in Rust.
pub enum Step {
    Row(Value),
    Act(String, Action),
}

/// The rows of a table, each a JSON object:
/// - `step`: what it shows (reported when it fails);
/// - `op`: an operation, sent through the SDK with `in` (default `{}`); the
///   answer must match `ok`, or `err` (a pattern, or `"STATUS CODE"`), or be
///   a ValidationException naming exactly the fields of `invalid`. Every
///   error must also be the SDK's typed variant when the model lists it for
///   the operation (else `Unhandled`);
/// - or `op` is an action: `force` (`in`: `arn`, `state`) forces a logging
///   configuration's state; `waitActive` (`in`: `arn`) polls until ACTIVE;
///   `logged` (`in`: `op`, `statuses`) checks the request log's statuses
///   for that operation;
/// - `save`: `{"var": "member.path"}` saves members of the answer as `$var`
///   before it is compared, so the pattern may use them.
///
/// `$var` and `${var}` are replaced in `in` and in the patterns; see
/// [`check`] for patterns.
pub fn rows(table: Value) -> Vec<Step> {
    match table {
        Value::Array(rows) => rows.into_iter().map(Step::Row).collect(),
        other => panic!("a table is an array of rows, not {other}"),
    }
}

/// A step that a row cannot express.
pub fn act(name: impl Into<String>, f: impl Fn(&mut Ctx) -> Result<(), String> + 'static) -> Step {
    Step::Act(name.into(), Box::new(f))
}

/// The steps of several parts, in order.
pub fn steps(parts: Vec<Vec<Step>>) -> Vec<Step> {
    parts.into_iter().flatten().collect()
}

/// `{ ...base, ...more }`.
pub fn with(base: &Value, more: Value) -> Value {
    let mut v = base.clone();
    v.as_object_mut()
        .expect("an object")
        .extend(more.as_object().expect("an object").clone());
    v
}

/// The error pattern of a row: `err` (a pattern or `"STATUS CODE"`) or
/// `invalid` (the fields of a ValidationException).
fn error_pattern(row: &Value) -> Option<Value> {
    if let Some(fields) = row.get("invalid") {
        let mut names: Vec<&str> = fields
            .as_array()
            .expect("invalid: [fields]")
            .iter()
            .map(|f| f.as_str().expect("a field name"))
            .collect();
        names.sort();
        let list: Vec<Value> = names.iter().map(|f| json!({ "name": f })).collect();
        return Some(json!({
            "status": 400,
            "code": "ValidationException",
            "reason": "FIELD_VALIDATION_FAILED",
            "fieldList": list,
        }));
    }
    Some(match row.get("err")? {
        Value::String(s) => {
            let (status, code) = s.split_once(' ').expect("err: \"STATUS CODE\"");
            json!({"status": status.parse::<u16>().expect("a status"), "code": code})
        }
        p => p.clone(),
    })
}

/// Whether `answer` is what a row expects: `Ok` matching `ok`, or an error
/// matching its error pattern and typed by the SDK as the model says.
pub fn judge(
    op: &str,
    answer: &Result<Value, Value>,
    row: &Value,
    now: i64,
    vars: &Vars,
) -> Result<(), String> {
    let (got, pattern) = match (answer, row.get("ok"), error_pattern(row)) {
        (Ok(v), Some(p), None) => (v, resolve(p, vars)?),
        (Err(v), None, Some(p)) => (v, resolve(&p, vars)?),
        (Ok(v), None, Some(p)) => return Err(format!("answered {v}, expected the error {p}")),
        (Err(v), Some(_), None) => return Err(format!("failed: {v}")),
        _ => return Err("a row needs exactly one of ok, err, invalid".into()),
    };
    if let Err(v) = answer {
        let code = v["code"].as_str().unwrap_or("");
        let kind = if models_error(op, code) {
            code
        } else {
            "Unhandled"
        };
        if v["status"] != 0 && v["kind"] != kind {
            return Err(format!(
                "the SDK typed the error as {}, not {kind}: {v}",
                v["kind"]
            ));
        }
    }
    check(&pattern, got, now)
}

/// An SDK client, the runtime it runs on, the in-process emulator it talks
/// to (if any), and the saved `$var`s.
pub struct Ctx<'e> {
    in_process: Option<&'e BackgroundEmulator>,
    pub rt: tokio::runtime::Handle,
    pub client: Client,
    pub vars: Vars,
}

impl Ctx<'_> {
    pub fn new(emu: &BackgroundEmulator) -> Ctx<'_> {
        Ctx {
            in_process: Some(emu),
            rt: emu.handle(),
            client: common::sdk(&emu.endpoint()),
            vars: Vars::new(),
        }
    }

    /// For an emulator in another process, at `endpoint`.
    pub fn remote(rt: tokio::runtime::Handle, endpoint: &str) -> Ctx<'static> {
        Ctx {
            in_process: None,
            rt,
            client: common::sdk(endpoint),
            vars: Vars::new(),
        }
    }

    /// The in-process emulator (rows that force states or read the log need
    /// one).
    pub fn emu(&self) -> &BackgroundEmulator {
        self.in_process.expect("an in-process emulator")
    }

    /// [`call`], with `$var`s in `input` resolved.
    pub fn call(&self, op: &str, input: Value) -> Result<Value, Value> {
        let input = resolve(&input, &self.vars).map_err(Value::from)?;
        self.rt.block_on(call(&self.client, op, &input))
    }

    /// The text of `$var` (empty when unset).
    pub fn text(&self, var: &str) -> String {
        match self.vars.get(var) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }

    pub fn set(&mut self, var: &str, v: impl Into<Value>) {
        self.vars.insert(var.to_string(), v.into());
    }

    fn row(&mut self, row: &Value) -> Result<(), String> {
        const KEYS: [&str; 7] = ["step", "op", "in", "ok", "err", "invalid", "save"];
        if let Some(k) = row
            .as_object()
            .and_then(|o| o.keys().find(|k| !KEYS.contains(&k.as_str())))
        {
            return Err(format!("unknown key {k:?} in the row"));
        }
        let op = row["op"].as_str().ok_or("a row needs an op")?;
        let input = resolve(row.get("in").unwrap_or(&json!({})), &self.vars)?;
        let text = |k: &str| input[k].as_str().unwrap_or("").to_string();
        match op {
            "force" => {
                return self
                    .emu()
                    .set_logging_configuration_state(&text("arn"), &text("state"))
            }
            "waitActive" => return self.wait_active(&text("arn")),
            "logged" => {
                let got: Vec<u16> = self
                    .emu()
                    .requests()
                    .iter()
                    .filter(|r| r.operation == text("op"))
                    .map(|r| r.status)
                    .collect();
                return expect_eq(json!(got), input["statuses"].clone());
            }
            _ => {}
        }
        let now = now_ms();
        let answer = self.rt.block_on(call(&self.client, op, &input));
        if let Some(saves) = row.get("save").and_then(Value::as_object) {
            let got = answer.as_ref().unwrap_or_else(|e| e);
            for (var, path) in saves {
                let path = path.as_str().expect("save: {var: path}");
                let saved = member(got, path)
                    .ok_or_else(|| format!("no {path} to save as ${var} in {got}"))?;
                self.vars.insert(var.clone(), saved.clone());
            }
        }
        judge(op, &answer, row, now, &self.vars)
    }

    /// Polls GetLoggingConfiguration until `arn` is ACTIVE (at most 10 s).
    pub fn wait_active(&self, arn: &str) -> Result<(), String> {
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_secs(10) {
            match self.call("GetLoggingConfiguration", json!({ "identifier": arn })) {
                Ok(got) if got["state"] == "ACTIVE" => return Ok(()),
                Ok(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
                Err(e) => return Err(format!("GetLoggingConfiguration failed: {e}")),
            }
        }
        Err(format!("{arn} still not ACTIVE after 10 s"))
    }

    /// Runs `steps` in order; one line per failed step (later steps still run).
    pub fn run(&mut self, steps: &[Step]) -> Vec<String> {
        let mut failures = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            let (name, result) = match step {
                Step::Row(row) => (
                    row["step"].as_str().unwrap_or("(unnamed)").to_string(),
                    self.row(row),
                ),
                Step::Act(name, f) => (name.clone(), f(self)),
            };
            if let Err(e) = result {
                failures.push(format!("step {} {name:?}: {e}", i + 1));
            }
        }
        failures
    }
}

/// Sends `n` copies of a call at once; the answers in order.
pub fn burst(
    cx: &Ctx,
    n: usize,
    op: &'static str,
    input: impl Fn(usize) -> Value,
) -> Vec<Result<Value, Value>> {
    cx.rt.block_on(async {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (client, input) = (cx.client.clone(), input(i));
                tokio::spawn(async move { call(&client, op, &input).await })
            })
            .collect();
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.expect("task"));
        }
        answers
    })
}

pub fn expect_eq<T: PartialEq + std::fmt::Debug>(got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("got {got:?}, expected {want:?}"))
    }
}

/// Runs each scenario in order on a fresh emulator made with its config;
/// fails once, listing every failed step of every scenario.
pub fn run_configured(scenarios: Vec<(&str, EmulatorConfig, Vec<Step>)>) {
    let mut failures = Vec::new();
    for (name, config, steps) in scenarios {
        let emu = common::emulator(config);
        let mut cx = Ctx::new(&emu);
        failures.extend(cx.run(&steps).into_iter().map(|f| format!("{name}: {f}")));
    }
    assert_failures(failures);
}

/// [`run_configured`] with the default configuration for every scenario.
pub fn run(scenarios: Vec<(&str, Vec<Step>)>) {
    run_configured(
        scenarios
            .into_iter()
            .map(|(name, steps)| (name, EmulatorConfig::default(), steps))
            .collect(),
    );
}

/// Failures of a test written as code, collected so that one does not hide
/// the others; [`Checks::finish`] fails once, listing them all.
#[derive(Default)]
pub struct Checks(pub Vec<String>);

impl Checks {
    pub fn that(&mut self, what: &str, result: Result<(), String>) {
        if let Err(e) = result {
            self.0.push(format!("{what}: {e}"));
        }
    }

    pub fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, got: T, want: T) {
        self.that(what, expect_eq(got, want));
    }

    pub fn is(&mut self, what: &str, holds: bool, detail: impl std::fmt::Display) {
        if !holds {
            self.0.push(format!("{what}: {detail}"));
        }
    }

    /// `answer` (an output or an error) matches `pattern` (see [`check`]).
    pub fn matches(&mut self, what: &str, pattern: Value, answer: &Result<Value, Value>) {
        let got = answer.as_ref().unwrap_or_else(|e| e);
        self.that(what, check(&pattern, got, now_ms()));
    }

    pub fn finish(self) {
        assert_failures(self.0);
    }
}

pub fn assert_failures(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Raw HTTP
// ---------------------------------------------------------------------------

/// The bytes of a raw row's request: `method` (default POST) `path`,
/// `Host` and `Connection: close`, the Authorization header unless `auth` is
/// false, `headers`, and `body` (a string as is, JSON serialized; default
/// empty), with Content-Length, or chunked in 64 KiB chunks when `chunked`.
fn raw_request(row: &Value) -> Vec<u8> {
    let method = row["method"].as_str().unwrap_or("POST");
    let path = row["path"].as_str().expect("a raw row needs a path");
    let body = match &row["body"] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        json => json.to_string(),
    };
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    if row["auth"] != false {
        head.push_str(&format!("Authorization: {}\r\n", common::AUTH));
    }
    for (name, value) in row["headers"].as_object().into_iter().flatten() {
        head.push_str(&format!(
            "{name}: {}\r\n",
            value.as_str().expect("a header value")
        ));
    }
    if row["chunked"] != true {
        head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        return head.into_bytes();
    }
    let mut bytes = format!("{head}Transfer-Encoding: chunked\r\n\r\n").into_bytes();
    for chunk in body.as_bytes().chunks(64 * 1024) {
        bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        bytes.extend_from_slice(chunk);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"0\r\n\r\n");
    bytes
}

/// One raw exchange of a table (see [`raw_rows`]).
fn raw_row(emu: &BackgroundEmulator, row: &Value) -> Result<(), String> {
    let before = emu.requests().len();
    let (status, headers, body) = common::raw_http(emu.addr(), &raw_request(row));
    let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    expect_eq(Some(status), row["status"].as_u64().map(|s| s as u16))
        .map_err(|e| format!("status: {e}; body {body}"))?;
    if let Some(code) = row["err"].as_str() {
        // The AWS error format: the code twice, a message and a request id.
        let header = |name: &str| common::header(&headers, name).unwrap_or("");
        let got = json!({
            "x-amzn-ErrorType": header("x-amzn-errortype"),
            "x-amzn-RequestId": header("x-amzn-requestid"),
            "Content-Type": header("content-type"),
            "__type": json["__type"],
            "message": json["message"],
        });
        let want = json!({
            "x-amzn-ErrorType": code, "x-amzn-RequestId": "<uuid>",
            "Content-Type": "application/json", "__type": code, "message": "<nonempty>",
        });
        check(&want, &got, now_ms())?;
    }
    if let Some(pattern) = row.get("json") {
        check(pattern, &json, now_ms())?;
    }
    // Every API request is logged once with its answer; control endpoints are not.
    let api = !row["path"]
        .as_str()
        .unwrap_or("")
        .starts_with("/_emulator/");
    let log = emu.requests();
    let new: Vec<Value> = log[before.min(log.len())..]
        .iter()
        .map(|r| json!({"operation": r.operation, "status": r.status, "error": r.error}))
        .collect();
    match (api, new.as_slice()) {
        (false, []) => Ok(()),
        (true, [record]) => check(
            &with(
                &json!({ "status": status }),
                row.get("record").cloned().unwrap_or(json!({})),
            ),
            record,
            0,
        ),
        _ => Err(format!("logged {new:?}")),
    }
}

/// Runs raw HTTP rows in order against `emu`: each a JSON object with `step`
/// (its name), the request (see `raw_request`: `method`, `path`, `auth`,
/// `headers`, `body`, `chunked`), the `status` it must answer, and
/// optionally `err` (the answer is an AWS error with this code: the
/// `x-amzn-ErrorType` header and `__type`, a message, a request id), `json`
/// (a pattern for the JSON body, see [`check`]) and `record` (a pattern for
/// the request-log record, whose status must be the answer's). Every API
/// request must add exactly one record to the log; a control endpoint none.
/// Returns one line per failed row.
pub fn raw_rows(emu: &BackgroundEmulator, table: Value) -> Vec<String> {
    const KEYS: [&str; 11] = [
        "step", "method", "path", "auth", "headers", "body", "chunked", "status", "err", "json",
        "record",
    ];
    let rows = table
        .as_array()
        .cloned()
        .expect("a table is an array of rows");
    rows.iter()
        .filter_map(|row| {
            let name = row["step"].as_str().unwrap_or("(unnamed)");
            let unknown = row
                .as_object()
                .and_then(|o| o.keys().find(|k| !KEYS.contains(&k.as_str())));
            let result = match unknown {
                Some(k) => Err(format!("unknown key {k:?} in the row")),
                None => raw_row(emu, row),
            };
            result.err().map(|e| format!("{name}: {e}"))
        })
        .collect()
}

/// An API request over raw HTTP with the Authorization header, retried while
/// injected faults (500, 429) answer it; the 200 answer's JSON.
pub fn retry_raw(addr: std::net::SocketAddr, path: &str, body: &str) -> Value {
    for _ in 0..100 {
        let (status, _, text) = common::raw_http(addr, &common::request("POST", path, body, true));
        if status == 200 {
            return serde_json::from_str(&text).expect("JSON answer");
        }
        assert!(status == 500 || status == 429, "{status} {text}");
    }
    panic!("100 faults in a row");
}

/// Every room's `member` across all ListRooms pages, over raw HTTP.
pub fn raw_room_members(addr: std::net::SocketAddr, member: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut body = json!({});
    loop {
        let page = retry_raw(addr, "/ListRooms", &body.to_string());
        for r in page["rooms"].as_array().expect("rooms") {
            out.push(r[member].as_str().expect("member").to_string());
        }
        match page["nextToken"].as_str() {
            Some(t) => body = json!({ "nextToken": t }),
            None => return out,
        }
    }
}
