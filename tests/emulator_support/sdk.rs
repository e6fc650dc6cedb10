//! The SDK with JSON in and out: [`call`] sends any IVS Chat operation
//! through the real aws-sdk-ivschat client from the wire's JSON and gives the
//! typed output, or the typed error ([`failure`]), back as JSON; so a table row
//! can drive any operation and still prove that the SDK reads what the
//! emulator answers.

use super::with;
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
use serde_json::{json, Value};

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
