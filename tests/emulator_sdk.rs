//! The emulator as the real `aws-sdk-ivschat` client sees it.
//!
//! Every test starts its own emulator on 127.0.0.1:0 and talks to it through
//! the SDK (retries off), asserting what a user of the SDK would observe:
//! statuses, error codes and members, field names, values. The expected
//! behaviour is the contract (`ivschat-facts.md`, the service model) and the
//! emulator's documented choices (`docs/emulator.md`).

mod common;

use aws_sdk_ivschat::config::http::HttpResponse;
use aws_sdk_ivschat::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ivschat::operation::create_chat_token::CreateChatTokenError;
use aws_sdk_ivschat::operation::create_logging_configuration::CreateLoggingConfigurationError;
use aws_sdk_ivschat::operation::create_room::CreateRoomError;
use aws_sdk_ivschat::operation::delete_logging_configuration::DeleteLoggingConfigurationError;
use aws_sdk_ivschat::operation::delete_message::DeleteMessageError;
use aws_sdk_ivschat::operation::delete_room::DeleteRoomError;
use aws_sdk_ivschat::operation::disconnect_user::DisconnectUserError;
use aws_sdk_ivschat::operation::get_logging_configuration::GetLoggingConfigurationError;
use aws_sdk_ivschat::operation::get_room::GetRoomError;
use aws_sdk_ivschat::operation::list_logging_configurations::ListLoggingConfigurationsError;
use aws_sdk_ivschat::operation::list_rooms::ListRoomsError;
use aws_sdk_ivschat::operation::list_tags_for_resource::ListTagsForResourceError;
use aws_sdk_ivschat::operation::send_event::SendEventError;
use aws_sdk_ivschat::operation::tag_resource::TagResourceError;
use aws_sdk_ivschat::operation::untag_resource::UntagResourceError;
use aws_sdk_ivschat::operation::update_logging_configuration::UpdateLoggingConfigurationError;
use aws_sdk_ivschat::operation::update_room::UpdateRoomError;
use aws_sdk_ivschat::operation::RequestId;
use aws_sdk_ivschat::primitives::DateTime;
use aws_sdk_ivschat::types::error::ValidationException;
use aws_sdk_ivschat::types::{
    ChatTokenCapability, CloudWatchLogsDestinationConfiguration, CreateLoggingConfigurationState,
    DestinationConfiguration, FallbackResult, FirehoseDestinationConfiguration,
    LoggingConfigurationState, MessageReviewHandler, ResourceType, RoomSummary,
    S3DestinationConfiguration, UpdateLoggingConfigurationState, ValidationExceptionReason,
};
use aws_sdk_ivschat::Client;
use ivsctl::emulator::{EmulatorConfig, Quotas};
use serde_json::{json, Value};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Debug;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";
const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:review";
const LAMBDA_2: &str = "arn:aws:lambda:us-east-1:123456789012:function:other";
/// Well-formed ARNs of resources that do not exist.
const MISSING_ROOM: &str = "arn:aws:ivschat:us-east-1:123456789012:room/AAAAAAAAAAAA";
const MISSING_LC: &str =
    "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/BBBBBBBBBBBB";
/// Window for comparing server timestamps with the test's clock.
const CLOCK_SLACK_MS: i64 = 5_000;

type Err<E> = SdkError<E, HttpResponse>;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64
}

/// A timestamp the response must carry, in ms since the epoch.
fn ms(t: Option<&DateTime>) -> i64 {
    t.expect("timestamp present")
        .to_millis()
        .expect("timestamp in range")
}

fn assert_near(actual_ms: i64, expected_ms: i64, what: &str) {
    assert!(
        (actual_ms - expected_ms).abs() <= CLOCK_SLACK_MS,
        "{what}: {actual_ms} is not within {CLOCK_SLACK_MS} ms of {expected_ms}"
    );
}

fn assert_id(id: &str) {
    assert_eq!(id.chars().count(), 12, "id {id:?} must have 12 characters");
    assert!(
        id.chars().all(|c| c.is_ascii_alphanumeric()),
        "id {id:?} must be alphanumeric"
    );
}

fn room_arn(id: &str) -> String {
    format!("arn:aws:ivschat:{REGION}:{ACCOUNT}:room/{id}")
}

fn lc_arn(id: &str) -> String {
    format!("arn:aws:ivschat:{REGION}:{ACCOUNT}:logging-configuration/{id}")
}

fn tags(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn s3(bucket: &str) -> DestinationConfiguration {
    DestinationConfiguration::S3(
        S3DestinationConfiguration::builder()
            .bucket_name(bucket)
            .build()
            .expect("bucket set"),
    )
}

fn cloudwatch(group: &str) -> DestinationConfiguration {
    DestinationConfiguration::CloudWatchLogs(
        CloudWatchLogsDestinationConfiguration::builder()
            .log_group_name(group)
            .build()
            .expect("log group set"),
    )
}

fn firehose(stream: &str) -> DestinationConfiguration {
    DestinationConfiguration::Firehose(
        FirehoseDestinationConfiguration::builder()
            .delivery_stream_name(stream)
            .build()
            .expect("stream set"),
    )
}

fn handler(uri: &str, fallback: Option<FallbackResult>) -> MessageReviewHandler {
    MessageReviewHandler::builder()
        .uri(uri)
        .set_fallback_result(fallback)
        .build()
}

async fn new_room(client: &Client) -> String {
    client
        .create_room()
        .send()
        .await
        .expect("CreateRoom")
        .arn()
        .expect("arn")
        .to_string()
}

async fn new_lc(client: &Client, bucket: &str) -> String {
    client
        .create_logging_configuration()
        .destination_configuration(s3(bucket))
        .send()
        .await
        .expect("CreateLoggingConfiguration")
        .arn()
        .expect("arn")
        .to_string()
}

async fn room_tags(client: &Client, arn: &str) -> HashMap<String, String> {
    client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .expect("ListTagsForResource")
        .tags
}

async fn lc_state(client: &Client, arn: &str) -> LoggingConfigurationState {
    client
        .get_logging_configuration()
        .identifier(arn)
        .send()
        .await
        .expect("GetLoggingConfiguration")
        .state()
        .expect("state")
        .clone()
}

/// Polls GetLoggingConfiguration until ACTIVE; panics after `deadline`.
async fn wait_active(client: &Client, arn: &str, deadline: Duration) {
    let start = Instant::now();
    loop {
        if lc_state(client, arn).await == LoggingConfigurationState::Active {
            return;
        }
        assert!(
            start.elapsed() < deadline,
            "{arn} still not ACTIVE after {deadline:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every room, through the SDK's paginator, with the given page size.
async fn all_rooms(client: &Client, page_size: i32) -> (usize, Vec<RoomSummary>) {
    let mut stream = client
        .list_rooms()
        .into_paginator()
        .page_size(page_size)
        .send();
    let mut pages = 0;
    let mut rooms = Vec::new();
    while let Some(page) = stream.next().await {
        pages += 1;
        rooms.extend(page.expect("ListRooms page").rooms);
    }
    (pages, rooms)
}

fn arns_of(rooms: &[RoomSummary]) -> Vec<String> {
    rooms
        .iter()
        .map(|r| r.arn().expect("arn").to_string())
        .collect()
}

/// The error a call must have failed with.
fn expect_err<T: Debug, E: Debug>(r: Result<T, Err<E>>, what: &str) -> Err<E> {
    match r {
        Ok(v) => panic!("{what}: expected an error, got {v:?}"),
        Err(e) => e,
    }
}

/// Operation errors that can carry a ValidationException (all of them).
trait HasValidation {
    fn validation(&self) -> Option<&ValidationException>;
}

macro_rules! has_validation {
    ($($t:ty),* $(,)?) => {
        $(impl HasValidation for $t {
            fn validation(&self) -> Option<&ValidationException> {
                match self {
                    Self::ValidationException(v) => Some(v),
                    _ => None,
                }
            }
        })*
    };
}

has_validation!(
    CreateChatTokenError,
    CreateLoggingConfigurationError,
    CreateRoomError,
    DeleteLoggingConfigurationError,
    DeleteMessageError,
    DeleteRoomError,
    DisconnectUserError,
    GetLoggingConfigurationError,
    GetRoomError,
    ListLoggingConfigurationsError,
    ListRoomsError,
    ListTagsForResourceError,
    SendEventError,
    TagResourceError,
    UntagResourceError,
    UpdateLoggingConfigurationError,
    UpdateRoomError,
);

/// A failed call as the user sees it.
#[derive(Debug, Clone, PartialEq)]
struct Failure {
    status: u16,
    code: String,
    reason: Option<String>,
    fields: Vec<String>,
}

fn failure<E: HasValidation + ProvideErrorMetadata>(e: &Err<E>) -> Failure {
    let (reason, fields) = match e.as_service_error().and_then(HasValidation::validation) {
        Some(v) => (
            Some(v.reason().as_str().to_string()),
            v.field_list()
                .iter()
                .map(|f| f.name().to_string())
                .collect(),
        ),
        None => (None, Vec::new()),
    };
    Failure {
        status: common::status(e),
        code: common::code(e),
        reason,
        fields,
    }
}

fn outcome<T, E: HasValidation + ProvideErrorMetadata>(
    r: Result<T, Err<E>>,
) -> Result<(), Failure> {
    r.map(|_| ()).map_err(|e| failure(&e))
}

/// Asserts a 400 ValidationException, FIELD_VALIDATION_FAILED, whose
/// fieldList names exactly `fields`.
fn assert_validation<T, E>(r: Result<T, Err<E>>, fields: &[&str], what: &str)
where
    T: Debug,
    E: HasValidation + ProvideErrorMetadata + Debug,
{
    let e = expect_err(r, what);
    let f = failure(&e);
    let expected = Failure {
        status: 400,
        code: "ValidationException".into(),
        reason: Some("FIELD_VALIDATION_FAILED".into()),
        fields: fields.iter().map(|s| s.to_string()).collect(),
    };
    assert_eq!(f, expected, "{what}");
}

/// Asserts status and code of a failed call.
fn assert_error<T: Debug, E: ProvideErrorMetadata + Debug>(
    r: Result<T, Err<E>>,
    status: u16,
    code: &str,
    what: &str,
) -> Err<E> {
    let e = expect_err(r, what);
    assert_eq!(
        (common::status(&e), common::code(&e).as_str()),
        (status, code),
        "{what}: {e:?}"
    );
    e
}

// ---------------------------------------------------------------------------
// 1. Every operation, with the response shape AWS sends
// ---------------------------------------------------------------------------

#[test]
fn create_room_without_options_answers_the_aws_shape() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let before = now_ms();
        let out = client.create_room().send().await.expect("CreateRoom");
        let id = out.id().expect("id");
        assert_id(id);
        assert_eq!(out.arn(), Some(room_arn(id).as_str()));
        assert_eq!(out.name(), Some(""), "name is \"\" when none was given");
        assert_eq!(out.maximum_message_length(), Some(500));
        assert_eq!(out.maximum_message_rate_per_second(), Some(10));
        assert!(out.message_review_handler().is_none());
        assert!(
            out.logging_configuration_identifiers.is_none(),
            "loggingConfigurationIdentifiers must be absent"
        );
        assert_eq!(
            out.tags(),
            Some(&HashMap::new()),
            "tags must be present and {{}}"
        );
        let created = ms(out.create_time());
        assert_eq!(created, ms(out.update_time()), "createTime == updateTime");
        assert_near(created, before, "createTime");
        assert_eq!(
            out.create_time().unwrap().subsec_nanos() % 1_000_000,
            0,
            "millisecond precision"
        );
        let request_id = out.request_id().expect("x-amzn-RequestId");
        assert_eq!(request_id.len(), 36, "{request_id}");

        let got = client
            .get_room()
            .identifier(room_arn(id))
            .send()
            .await
            .expect("GetRoom");
        assert_eq!(got.arn(), out.arn());
        assert_eq!(got.id(), Some(id));
        assert_eq!(got.name(), Some(""));
        assert_eq!(got.create_time(), out.create_time());
        assert_eq!(got.update_time(), out.update_time());
        assert_eq!(got.maximum_message_length(), Some(500));
        assert_eq!(got.maximum_message_rate_per_second(), Some(10));
        assert!(got.message_review_handler().is_none());
        assert!(got.logging_configuration_identifiers.is_none());
        assert_eq!(got.tags(), Some(&HashMap::new()));
    });
}

#[test]
fn room_operations_round_trip() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let lc = new_lc(&client, "chat-logs").await;
        let created = client
            .create_room()
            .name("lobby")
            .maximum_message_length(300)
            .maximum_message_rate_per_second(50)
            .message_review_handler(handler(LAMBDA, Some(FallbackResult::Deny)))
            .logging_configuration_identifiers(&lc)
            .tags("team", "video")
            .send()
            .await
            .expect("CreateRoom");
        let arn = created.arn().unwrap().to_string();
        assert_eq!(created.name(), Some("lobby"));
        assert_eq!(created.maximum_message_length(), Some(300));
        assert_eq!(created.maximum_message_rate_per_second(), Some(50));
        let h = created.message_review_handler().expect("handler");
        assert_eq!(h.uri(), Some(LAMBDA));
        assert_eq!(h.fallback_result(), Some(&FallbackResult::Deny));
        assert_eq!(created.logging_configuration_identifiers(), [lc.as_str()]);
        assert_eq!(created.tags(), Some(&tags(&[("team", "video")])));

        // GetRoom answers what CreateRoom answered.
        let got = client
            .get_room()
            .identifier(&arn)
            .send()
            .await
            .expect("GetRoom");
        assert_eq!(got.arn(), Some(arn.as_str()));
        assert_eq!(got.id(), created.id());
        assert_eq!(got.name(), Some("lobby"));
        assert_eq!(got.create_time(), created.create_time());
        assert_eq!(got.update_time(), created.update_time());
        assert_eq!(got.maximum_message_length(), Some(300));
        assert_eq!(got.maximum_message_rate_per_second(), Some(50));
        assert_eq!(
            got.message_review_handler(),
            created.message_review_handler()
        );
        assert_eq!(got.logging_configuration_identifiers(), [lc.as_str()]);
        assert_eq!(got.tags(), Some(&tags(&[("team", "video")])));

        // ListRooms answers the summary.
        let listed = client.list_rooms().send().await.expect("ListRooms");
        assert!(listed.next_token().is_none());
        assert_eq!(listed.rooms().len(), 1);
        let summary = &listed.rooms()[0];
        assert_eq!(summary.arn(), Some(arn.as_str()));
        assert_eq!(summary.id(), created.id());
        assert_eq!(summary.name(), Some("lobby"));
        assert_eq!(
            summary.message_review_handler(),
            created.message_review_handler()
        );
        assert_eq!(summary.logging_configuration_identifiers(), [lc.as_str()]);
        assert_eq!(summary.tags(), Some(&tags(&[("team", "video")])));
        assert_eq!(summary.create_time(), created.create_time());
        assert_eq!(summary.update_time(), created.update_time());

        // UpdateRoom answers the whole room, updated.
        let updated = client
            .update_room()
            .identifier(&arn)
            .name("lobby-2")
            .maximum_message_length(10)
            .send()
            .await
            .expect("UpdateRoom");
        assert_eq!(updated.arn(), Some(arn.as_str()));
        assert_eq!(updated.name(), Some("lobby-2"));
        assert_eq!(updated.maximum_message_length(), Some(10));
        assert_eq!(updated.maximum_message_rate_per_second(), Some(50));
        assert_eq!(updated.create_time(), created.create_time());
        assert!(ms(updated.update_time()) > ms(created.update_time()));
        assert_eq!(updated.tags(), Some(&tags(&[("team", "video")])));

        // DeleteRoom, then the room is gone.
        client
            .delete_room()
            .identifier(&arn)
            .send()
            .await
            .expect("DeleteRoom");
        let e = assert_error(
            client.get_room().identifier(&arn).send().await,
            404,
            "ResourceNotFoundException",
            "GetRoom after DeleteRoom",
        );
        assert!(matches!(
            e.into_service_error(),
            GetRoomError::ResourceNotFoundException(_)
        ));
        let listed = client.list_rooms().send().await.expect("ListRooms");
        assert!(listed.rooms().is_empty());
        assert_error(
            client.delete_room().identifier(&arn).send().await,
            404,
            "ResourceNotFoundException",
            "DeleteRoom twice",
        );
        // 204 on the wire for the delete.
        let statuses: Vec<u16> = emu
            .requests()
            .iter()
            .filter(|r| r.operation == "DeleteRoom")
            .map(|r| r.status)
            .collect();
        assert_eq!(statuses, [204, 404]);
    });
}

#[test]
fn logging_configuration_operations_round_trip_for_each_destination() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let destinations = [
            ("to-s3", s3("chat-logs-bucket")),
            ("to-cwl", cloudwatch("/aws/ivschat/chat_logs#1")),
            ("to-firehose", firehose("chat.logs_stream-1")),
        ];
        let mut arns = Vec::new();
        for (name, dest) in &destinations {
            let before = now_ms();
            let out = client
                .create_logging_configuration()
                .name(*name)
                .destination_configuration(dest.clone())
                .tags("dest", *name)
                .send()
                .await
                .expect("CreateLoggingConfiguration");
            let id = out.id().expect("id");
            assert_id(id);
            assert_eq!(out.arn(), Some(lc_arn(id).as_str()));
            assert_eq!(out.name(), Some(*name));
            assert_eq!(out.destination_configuration(), Some(dest));
            assert_eq!(out.state(), Some(&CreateLoggingConfigurationState::Active));
            assert_eq!(out.tags(), Some(&tags(&[("dest", name)])));
            assert_eq!(ms(out.create_time()), ms(out.update_time()));
            assert_near(ms(out.create_time()), before, "createTime");

            let got = client
                .get_logging_configuration()
                .identifier(lc_arn(id))
                .send()
                .await
                .expect("GetLoggingConfiguration");
            assert_eq!(got.arn(), out.arn());
            assert_eq!(got.id(), Some(id));
            assert_eq!(got.name(), Some(*name));
            assert_eq!(got.destination_configuration(), Some(dest), "round trip");
            assert_eq!(got.state(), Some(&LoggingConfigurationState::Active));
            assert_eq!(got.tags(), Some(&tags(&[("dest", name)])));
            assert_eq!(got.create_time(), out.create_time());
            assert_eq!(got.update_time(), out.update_time());
            arns.push(lc_arn(id));
        }

        // List: newest first, every field.
        let listed = client
            .list_logging_configurations()
            .send()
            .await
            .expect("ListLoggingConfigurations");
        assert!(listed.next_token().is_none());
        let listed_arns: Vec<&str> = listed
            .logging_configurations()
            .iter()
            .map(|l| l.arn().unwrap())
            .collect();
        let newest_first: Vec<&str> = arns.iter().rev().map(String::as_str).collect();
        assert_eq!(listed_arns, newest_first);
        for summary in listed.logging_configurations() {
            let i = arns
                .iter()
                .position(|a| Some(a.as_str()) == summary.arn())
                .unwrap();
            let (name, dest) = &destinations[i];
            assert_eq!(summary.name(), Some(*name));
            assert_eq!(summary.destination_configuration(), Some(dest));
            assert_eq!(summary.state(), Some(&LoggingConfigurationState::Active));
            assert_eq!(summary.tags(), Some(&tags(&[("dest", name)])));
            assert_id(summary.id().unwrap());
        }

        // Update: name and destination type change; the answer is ACTIVE.
        let updated = client
            .update_logging_configuration()
            .identifier(&arns[0])
            .name("now-firehose")
            .destination_configuration(firehose("other-stream"))
            .send()
            .await
            .expect("UpdateLoggingConfiguration");
        assert_eq!(updated.arn(), Some(arns[0].as_str()));
        assert_eq!(updated.name(), Some("now-firehose"));
        assert_eq!(
            updated.destination_configuration(),
            Some(&firehose("other-stream"))
        );
        assert_eq!(
            updated.state(),
            Some(&UpdateLoggingConfigurationState::Active)
        );
        assert_eq!(updated.tags(), Some(&tags(&[("dest", "to-s3")])));
        let got = client
            .get_logging_configuration()
            .identifier(&arns[0])
            .send()
            .await
            .expect("GetLoggingConfiguration");
        assert_eq!(
            got.destination_configuration(),
            Some(&firehose("other-stream"))
        );
        assert_eq!(got.name(), Some("now-firehose"));

        // Delete each; then 404 and an empty list.
        for arn in &arns {
            client
                .delete_logging_configuration()
                .identifier(arn)
                .send()
                .await
                .expect("DeleteLoggingConfiguration");
            let e = assert_error(
                client
                    .get_logging_configuration()
                    .identifier(arn)
                    .send()
                    .await,
                404,
                "ResourceNotFoundException",
                "Get after Delete",
            );
            assert!(matches!(
                e.into_service_error(),
                GetLoggingConfigurationError::ResourceNotFoundException(_)
            ));
        }
        let listed = client
            .list_logging_configurations()
            .send()
            .await
            .expect("ListLoggingConfigurations");
        assert!(listed.logging_configurations().is_empty());
        assert!(emu
            .requests()
            .iter()
            .filter(|r| r.operation == "DeleteLoggingConfiguration")
            .all(|r| r.status == 204));
    });
}

#[test]
fn tag_operations_work_on_rooms_and_logging_configurations() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let room = client
            .create_room()
            .tags("initial", "1")
            .send()
            .await
            .expect("CreateRoom")
            .arn()
            .unwrap()
            .to_string();
        let lc = client
            .create_logging_configuration()
            .destination_configuration(s3("bucket"))
            .tags("initial", "1")
            .send()
            .await
            .expect("CreateLoggingConfiguration")
            .arn()
            .unwrap()
            .to_string();
        for arn in [&room, &lc] {
            assert_eq!(room_tags(&client, arn).await, tags(&[("initial", "1")]));
            client
                .tag_resource()
                .resource_arn(arn)
                .tags("a", "1")
                .tags("initial", "replaced")
                .send()
                .await
                .expect("TagResource");
            assert_eq!(
                room_tags(&client, arn).await,
                tags(&[("initial", "replaced"), ("a", "1")]),
                "TagResource merges and replaces values"
            );
            client
                .untag_resource()
                .resource_arn(arn)
                .tag_keys("initial")
                .tag_keys("not-there")
                .send()
                .await
                .expect("UntagResource (an absent key is not an error)");
            assert_eq!(room_tags(&client, arn).await, tags(&[("a", "1")]));
        }
        // Get shows the same tags as ListTagsForResource.
        let got = client.get_room().identifier(&room).send().await.unwrap();
        assert_eq!(got.tags(), Some(&tags(&[("a", "1")])));
        let got = client
            .get_logging_configuration()
            .identifier(&lc)
            .send()
            .await
            .unwrap();
        assert_eq!(got.tags(), Some(&tags(&[("a", "1")])));
    });
}

#[test]
fn chat_operations_answer_the_documented_shapes() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let room = new_room(&client).await;

        let before = now_ms();
        let token = client
            .create_chat_token()
            .room_identifier(&room)
            .user_id("user-1")
            .send()
            .await
            .expect("CreateChatToken");
        assert!(
            !token.token().unwrap_or("").is_empty(),
            "token is non-empty"
        );
        assert_near(
            ms(token.token_expiration_time()),
            before + 60_000,
            "tokenExpirationTime = issue + 1 minute",
        );
        assert_near(
            ms(token.session_expiration_time()),
            before + 60 * 60_000,
            "sessionExpirationTime = issue + 60 minutes (default)",
        );

        let before = now_ms();
        let long = client
            .create_chat_token()
            .room_identifier(&room)
            .user_id("user-2")
            .capabilities(ChatTokenCapability::SendMessage)
            .capabilities(ChatTokenCapability::DisconnectUser)
            .capabilities(ChatTokenCapability::DeleteMessage)
            .session_duration_in_minutes(180)
            .attributes("displayName", "Ada")
            .send()
            .await
            .expect("CreateChatToken with every member");
        assert!(!long.token().unwrap_or("").is_empty());
        assert_ne!(long.token(), token.token(), "each token is new");
        assert_near(
            ms(long.token_expiration_time()),
            before + 60_000,
            "tokenExpirationTime",
        );
        assert_near(
            ms(long.session_expiration_time()),
            before + 180 * 60_000,
            "sessionExpirationTime = issue + 180 minutes",
        );

        let sent = client
            .send_event()
            .room_identifier(&room)
            .event_name("app:announcement")
            .attributes("text", "hello")
            .send()
            .await
            .expect("SendEvent");
        let event_id = sent.id().expect("SendEvent id").to_string();
        assert_id(&event_id);

        let deleted = client
            .delete_message()
            .room_identifier(&room)
            .id("AbCdEfGhIjKl")
            .reason("spam")
            .send()
            .await
            .expect("DeleteMessage");
        let delete_id = deleted.id().expect("DeleteMessage id");
        assert_id(delete_id);
        assert_ne!(delete_id, "AbCdEfGhIjKl", "a fresh id, not the message's");
        assert_ne!(delete_id, event_id, "a fresh id per call");

        let again = client
            .send_event()
            .room_identifier(&room)
            .event_name("app:announcement")
            .send()
            .await
            .expect("SendEvent");
        assert_ne!(again.id(), Some(event_id.as_str()), "a fresh id per event");

        client
            .disconnect_user()
            .room_identifier(&room)
            .user_id("user-1")
            .reason("bye")
            .send()
            .await
            .expect("DisconnectUser");
        let log = emu.requests();
        let disconnect = log
            .iter()
            .find(|r| r.operation == "DisconnectUser")
            .unwrap();
        assert_eq!(disconnect.status, 200);
    });
}

// ---------------------------------------------------------------------------
// 2. Each error type with its status
// ---------------------------------------------------------------------------

#[test]
fn validation_exception_is_400_with_reason_and_field_list() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let e = assert_error(
            client
                .create_room()
                .maximum_message_length(501)
                .send()
                .await,
            400,
            "ValidationException",
            "maximumMessageLength 501",
        );
        match e.into_service_error() {
            CreateRoomError::ValidationException(v) => {
                assert_eq!(
                    v.reason(),
                    &ValidationExceptionReason::FieldValidationFailed
                );
                let names: Vec<&str> = v.field_list().iter().map(|f| f.name()).collect();
                assert_eq!(names, ["maximumMessageLength"]);
                assert!(!v.field_list()[0].message().is_empty());
                assert!(
                    v.message().starts_with("1 validation error detected"),
                    "{}",
                    v.message()
                );
            }
            other => panic!("expected ValidationException, got {other:?}"),
        }

        // Every violation gets its own entry.
        let e = expect_err(
            client
                .create_room()
                .maximum_message_length(0)
                .maximum_message_rate_per_second(101)
                .send()
                .await,
            "two violations",
        );
        match e.into_service_error() {
            CreateRoomError::ValidationException(v) => {
                let names: BTreeSet<&str> = v.field_list().iter().map(|f| f.name()).collect();
                assert_eq!(
                    names,
                    BTreeSet::from(["maximumMessageLength", "maximumMessageRatePerSecond"])
                );
                assert!(v.message().starts_with("2 validation errors detected"));
            }
            other => panic!("expected ValidationException, got {other:?}"),
        }
        // Nothing was created.
        assert!(client.list_rooms().send().await.unwrap().rooms().is_empty());
    });
}

#[test]
fn resource_not_found_is_404_naming_the_resource() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let e = assert_error(
            client.get_room().identifier(MISSING_ROOM).send().await,
            404,
            "ResourceNotFoundException",
            "GetRoom of a missing room",
        );
        match e.into_service_error() {
            GetRoomError::ResourceNotFoundException(nf) => {
                assert_eq!(nf.resource_id(), "AAAAAAAAAAAA");
                assert_eq!(nf.resource_type(), &ResourceType::Room);
            }
            other => panic!("expected ResourceNotFoundException, got {other:?}"),
        }
        let e = assert_error(
            client
                .update_logging_configuration()
                .identifier(MISSING_LC)
                .name("x")
                .send()
                .await,
            404,
            "ResourceNotFoundException",
            "UpdateLoggingConfiguration of a missing configuration",
        );
        match e.into_service_error() {
            UpdateLoggingConfigurationError::ResourceNotFoundException(nf) => {
                assert_eq!(nf.resource_id(), "BBBBBBBBBBBB");
            }
            other => panic!("expected ResourceNotFoundException, got {other:?}"),
        }
        assert_error(
            client.update_room().identifier(MISSING_ROOM).send().await,
            404,
            "ResourceNotFoundException",
            "UpdateRoom",
        );
        assert_error(
            client
                .delete_logging_configuration()
                .identifier(MISSING_LC)
                .send()
                .await,
            404,
            "ResourceNotFoundException",
            "DeleteLoggingConfiguration",
        );
    });
}

#[test]
fn conflict_is_409_naming_the_resource() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let lc = new_lc(&client, "bucket").await;
        client
            .create_room()
            .logging_configuration_identifiers(&lc)
            .send()
            .await
            .expect("CreateRoom");
        let e = assert_error(
            client
                .delete_logging_configuration()
                .identifier(&lc)
                .send()
                .await,
            409,
            "ConflictException",
            "delete a referenced logging configuration",
        );
        match e.into_service_error() {
            DeleteLoggingConfigurationError::ConflictException(c) => {
                assert_eq!(c.resource_id(), lc.rsplit('/').next().unwrap());
                assert_eq!(c.resource_type(), &ResourceType::Room);
                assert!(!c.message().is_empty());
            }
            other => panic!("expected ConflictException, got {other:?}"),
        }
    });
}

#[test]
fn throttling_is_429_when_aws_rate_quotas_are_enforced() {
    let emu = common::emulator(EmulatorConfig {
        quotas: Quotas::Aws,
        ..EmulatorConfig::default()
    });
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        // A burst of 8 concurrent CreateRoom: the bucket holds 5 (5/s).
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(async move {
                    outcome(client.create_room().name(format!("burst-{i}")).send().await)
                })
            })
            .collect();
        let mut results = Vec::new();
        for h in handles {
            results.push(h.await.expect("task"));
        }
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 5, "{results:?}");
        for r in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!((r.status, r.code.as_str()), (429, "ThrottlingException"));
        }
        assert_eq!(emu.count("CreateRoom"), 8);
        let log = emu.requests();
        assert_eq!(
            log.iter()
                .filter(|r| r.error.as_deref() == Some("ThrottlingException"))
                .count(),
            3
        );
        // Throttled requests were not applied: exactly 5 rooms. Quotas are per
        // operation, so ListRooms has its own bucket.
        let listed = client.list_rooms().send().await.expect("ListRooms");
        assert_eq!(listed.rooms().len(), 5);

        // The bucket refills at 5/s: CreateRoom works again shortly.
        let start = Instant::now();
        loop {
            match client.create_room().send().await {
                Ok(_) => break,
                Err(e) => assert_eq!(common::status(&e), 429),
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "bucket never refilled"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        // The typed error and its members, on an operation that models it.
        let room = listed.rooms()[0].arn().unwrap().to_string();
        let handles: Vec<_> = (0..200)
            .map(|_| {
                let client = client.clone();
                let room = room.clone();
                tokio::spawn(async move {
                    client
                        .send_event()
                        .room_identifier(room)
                        .event_name("burst")
                        .send()
                        .await
                })
            })
            .collect();
        let mut throttled = 0;
        let mut ok = 0;
        for h in handles {
            match h.await.expect("task") {
                Ok(_) => ok += 1,
                Err(e) => {
                    assert_eq!(common::status(&e), 429);
                    match e.into_service_error() {
                        SendEventError::ThrottlingException(t) => {
                            assert_eq!(t.limit(), 100);
                            assert_eq!(t.resource_id(), "SendEvent");
                            assert_eq!(t.resource_type(), &ResourceType::Room);
                        }
                        other => panic!("expected ThrottlingException, got {other:?}"),
                    }
                    throttled += 1;
                }
            }
        }
        assert!(ok >= 100, "the first 100 of a burst pass, got {ok}");
        assert!(throttled > 0, "200 concurrent SendEvent exceed 100/s");
    });
}

#[test]
fn internal_server_error_is_500_when_faults_are_injected() {
    let emu = common::emulator(EmulatorConfig {
        fault_rate: 1.0,
        seed: Some(7),
        ..EmulatorConfig::default()
    });
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let mut codes = BTreeMap::new();
        for _ in 0..20 {
            let e = expect_err(client.create_room().send().await, "faulted CreateRoom");
            let key = (common::status(&e), common::code(&e));
            assert!(
                key == (500, "InternalServerException".to_string())
                    || key == (429, "ThrottlingException".to_string()),
                "{key:?}"
            );
            *codes.entry(key).or_insert(0) += 1;
        }
        assert!(
            codes.contains_key(&(500, "InternalServerException".to_string())),
            "{codes:?}"
        );
        assert!(
            codes.contains_key(&(429, "ThrottlingException".to_string())),
            "half the faults are throttling: {codes:?}"
        );
        // The typed error, on an operation that models it.
        let mut saw_typed = false;
        for _ in 0..20 {
            let e = expect_err(
                client
                    .list_tags_for_resource()
                    .resource_arn(MISSING_ROOM)
                    .send()
                    .await,
                "faulted ListTagsForResource",
            );
            if common::status(&e) == 500 {
                assert!(matches!(
                    e.into_service_error(),
                    ListTagsForResourceError::InternalServerException(_)
                ));
                saw_typed = true;
                break;
            }
        }
        assert!(saw_typed);
        // Faults are answered before the operation runs: even a request for a
        // missing resource is never a 404, and nothing was applied.
        assert!(emu
            .requests()
            .iter()
            .all(|r| r.status == 500 || r.status == 429));
    });
}

// ---------------------------------------------------------------------------
// 3. Every constraint of the model, driven by the model
// ---------------------------------------------------------------------------

/// The kinds of constraint the model states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Class {
    Required,
    Length,
    Pattern,
    Range,
    Enum,
    ListSize,
    MapSize,
}

/// A violating value for one member.
#[derive(Debug, Clone)]
enum Bad {
    Omit,
    Str(String),
    Int(i64),
    /// A list or map with this many (valid) entries.
    Count(usize),
}

/// One violation: `target` is the member's path (`a.b`), with `#item`,
/// `#key`, `#value` for list items and map keys/values; `field` is the name
/// the fieldList must carry.
#[derive(Debug)]
struct Case {
    op: String,
    target: String,
    field: String,
    class: Class,
    bad: Bad,
    /// Set when the request builder consumed the violation.
    used: Cell<bool>,
}

impl Case {
    fn take(&self, member: &str) -> Option<&Bad> {
        (self.target == member).then(|| {
            self.used.set(true);
            &self.bad
        })
    }

    fn string(&self, member: &str, default: Option<&str>) -> Option<String> {
        match self.take(member) {
            Some(Bad::Omit) => None,
            Some(Bad::Str(s)) => Some(s.clone()),
            Some(other) => panic!("{self:?}: no string for {other:?}"),
            None => default.map(String::from),
        }
    }

    fn int(&self, member: &str, default: Option<i32>) -> Option<i32> {
        match self.take(member) {
            Some(Bad::Omit) => None,
            Some(Bad::Int(n)) => Some(i32::try_from(*n).expect("fits i32")),
            Some(other) => panic!("{self:?}: no integer for {other:?}"),
            None => default,
        }
    }

    fn map(
        &self,
        member: &str,
        default: Option<HashMap<String, String>>,
    ) -> Option<HashMap<String, String>> {
        if let Some(bad) = self.take(member) {
            return match bad {
                Bad::Omit => None,
                Bad::Count(n) => Some(
                    (0..*n)
                        .map(|i| (format!("key{i:02}"), "v".into()))
                        .collect(),
                ),
                other => panic!("{self:?}: no map for {other:?}"),
            };
        }
        if let Some(Bad::Str(k)) = self.take(&format!("{member}#key")) {
            return Some(HashMap::from([(k.clone(), "v".into())]));
        }
        if let Some(Bad::Str(v)) = self.take(&format!("{member}#value")) {
            return Some(HashMap::from([("key".into(), v.clone())]));
        }
        default
    }

    fn list(
        &self,
        member: &str,
        default: Option<Vec<String>>,
        item: fn(usize) -> String,
    ) -> Option<Vec<String>> {
        if let Some(bad) = self.take(member) {
            return match bad {
                Bad::Omit => None,
                Bad::Count(n) => Some((0..*n).map(item).collect()),
                other => panic!("{self:?}: no list for {other:?}"),
            };
        }
        if let Some(Bad::Str(s)) = self.take(&format!("{member}#item")) {
            return Some(vec![s.clone()]);
        }
        default
    }

    /// A URI label: the SDK refuses an absent or empty one before sending,
    /// so such a violation cannot reach the server (None).
    fn label(&self, member: &str, default: &str) -> Option<String> {
        if self.target != member {
            return Some(default.to_string());
        }
        match &self.bad {
            Bad::Str(s) if !s.is_empty() => self.string(member, None),
            _ => None,
        }
    }

    /// DestinationConfiguration: a Rust enum whose members' required fields
    /// the SDK's builders insist on, so only values can be made invalid.
    fn destination(
        &self,
        default: Option<DestinationConfiguration>,
    ) -> Option<DestinationConfiguration> {
        let p = "destinationConfiguration";
        if self.target == p {
            // Only its omission (the member is required) targets it directly.
            assert!(matches!(self.bad, Bad::Omit), "{self:?}");
            self.used.set(true);
            return None;
        }
        if matches!(self.bad, Bad::Omit) {
            return default;
        }
        if let Some(b) = self.string(&format!("{p}.s3.bucketName"), None) {
            return Some(s3(&b));
        }
        if let Some(g) = self.string(&format!("{p}.cloudWatchLogs.logGroupName"), None) {
            return Some(cloudwatch(&g));
        }
        if let Some(s) = self.string(&format!("{p}.firehose.deliveryStreamName"), None) {
            return Some(firehose(&s));
        }
        default
    }

    fn handler(&self) -> Option<MessageReviewHandler> {
        let uri = self.string("messageReviewHandler.uri", None);
        let fallback = self.string("messageReviewHandler.fallbackResult", None);
        if uri.is_none() && fallback.is_none() {
            return None;
        }
        Some(
            MessageReviewHandler::builder()
                .set_uri(uri)
                .set_fallback_result(fallback.map(|f| FallbackResult::from(f.as_str())))
                .build(),
        )
    }
}

/// Walks input shapes of the model and lists one violation per constraint.
struct Walker<'m> {
    shapes: &'m serde_json::Map<String, Value>,
    op: String,
    cases: Vec<Case>,
}

/// A valid value of a string shape, to pad into a too-long one that still
/// matches the shape's pattern.
fn valid_prefix(shape: &str) -> &'static str {
    match shape {
        "RoomIdentifier" | "RoomArn" | "ResourceArn" => {
            "arn:aws:ivschat:us-east-1:123456789012:room/a"
        }
        "LoggingConfigurationIdentifier" => {
            "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/a"
        }
        "LambdaArn" => "arn:aws:lambda:us-east-1:123456789012:function:f",
        _ => "",
    }
}

fn anchored(pattern: &str) -> regex::Regex {
    regex::Regex::new(&format!("^(?:{pattern})$")).expect("model pattern compiles")
}

impl Walker<'_> {
    fn push(&mut self, target: &str, field: &str, class: Class, bad: Bad) {
        self.cases.push(Case {
            op: self.op.clone(),
            target: target.to_string(),
            field: field.to_string(),
            class,
            bad,
            used: Cell::new(false),
        });
    }

    fn structure(&mut self, shape: &str, prefix: &str) {
        let s = &self.shapes[shape];
        let required: Vec<&str> = s["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (name, member) in s["members"].as_object().expect("members") {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            if required.contains(&name.as_str()) {
                self.push(&path, &path, Class::Required, Bad::Omit);
            }
            let member_shape = member["shape"].as_str().expect("member shape");
            self.member(member_shape, &path, &path);
        }
    }

    fn member(&mut self, shape_name: &str, target: &str, field: &str) {
        let s = &self.shapes[shape_name];
        let min = s["min"].as_i64();
        let max = s["max"].as_i64();
        match s["type"].as_str().unwrap_or("") {
            "structure" => self.structure(shape_name, target),
            "string" => self.string(shape_name, s, target, field),
            "integer" | "long" => {
                if let Some(min) = min {
                    self.push(target, field, Class::Range, Bad::Int(min - 1));
                }
                if let Some(max) = max {
                    self.push(target, field, Class::Range, Bad::Int(max + 1));
                }
            }
            "list" => {
                if let Some(max) = max {
                    self.push(target, field, Class::ListSize, Bad::Count(max as usize + 1));
                }
                if let Some(min) = min.filter(|m| *m > 0) {
                    self.push(target, field, Class::ListSize, Bad::Count(min as usize - 1));
                }
                let item = s["member"]["shape"].as_str().expect("list member");
                self.member(item, &format!("{target}#item"), field);
            }
            "map" => {
                if let Some(max) = max {
                    self.push(target, field, Class::MapSize, Bad::Count(max as usize + 1));
                }
                if let Some(min) = min.filter(|m| *m > 0) {
                    self.push(target, field, Class::MapSize, Bad::Count(min as usize - 1));
                }
                let key = s["key"]["shape"].as_str().expect("map key");
                let value = s["value"]["shape"].as_str().expect("map value");
                self.member(key, &format!("{target}#key"), field);
                self.member(value, &format!("{target}#value"), field);
            }
            _ => {}
        }
    }

    fn string(&mut self, shape_name: &str, s: &Value, target: &str, field: &str) {
        let min = s["min"].as_u64().unwrap_or(0) as usize;
        let max = s["max"].as_u64().map(|m| m as usize);
        let pattern = s["pattern"].as_str().map(anchored);
        if let Some(values) = s["enum"].as_array() {
            let bad = ["MAYBE", "NOT_A_VALUE"]
                .into_iter()
                .find(|b| !values.iter().any(|v| v == b))
                .unwrap();
            self.push(target, field, Class::Enum, Bad::Str(bad.into()));
        }
        if min > 0 {
            self.push(target, field, Class::Length, Bad::Str("a".repeat(min - 1)));
        }
        if let Some(max) = max {
            let prefix = valid_prefix(shape_name);
            let long = format!("{prefix}{}", "a".repeat(max + 1 - prefix.len()));
            // Only the length is wrong (ResourceArn's modelled pattern is the
            // documented bug: it matches no real ARN).
            if let Some(p) = pattern.as_ref().filter(|_| shape_name != "ResourceArn") {
                assert!(
                    p.is_match(&long),
                    "{shape_name}: {long} must match the pattern"
                );
            }
            self.push(target, field, Class::Length, Bad::Str(long));
        }
        if let Some(p) = pattern {
            // Within the length bounds; a space matches no pattern of the model.
            let mut bad = "bad value ".to_string();
            while bad.len() < min {
                bad.push('x');
            }
            bad.truncate(max.unwrap_or(bad.len()));
            assert!(!p.is_match(&bad), "{shape_name}: {bad:?} must violate {p}");
            self.push(target, field, Class::Pattern, Bad::Str(bad));
        }
    }
}

fn model() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/ivschat-service-2.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("model readable"))
        .expect("model is JSON")
}

/// One violation per constraint of every operation's input.
fn constraint_cases(model: &Value) -> Vec<Case> {
    let mut walker = Walker {
        shapes: model["shapes"].as_object().expect("shapes"),
        op: String::new(),
        cases: Vec::new(),
    };
    for (op, def) in model["operations"].as_object().expect("operations") {
        if let Some(input) = def["input"]["shape"].as_str() {
            walker.op = op.clone();
            walker.structure(input, "");
        }
    }
    walker.cases
}

struct Fixture {
    room: String,
    lc: String,
}

fn synthetic_lc(i: usize) -> String {
    lc_arn(&format!("Synthetic{i:03}"))
}

fn tag_key(i: usize) -> String {
    format!("key{i:02}")
}

/// Sends the case's violation through the SDK; None when the SDK cannot
/// express it (it refuses the request before sending).
async fn send_case(client: &Client, fx: &Fixture, c: &Case) -> Option<Result<(), Failure>> {
    macro_rules! send {
        ($req:expr) => {{
            let req = $req;
            if !c.used.get() {
                return None;
            }
            outcome(req.send().await)
        }};
    }
    let result = match c.op.as_str() {
        "CreateChatToken" => send!(client
            .create_chat_token()
            .set_room_identifier(c.string("roomIdentifier", Some(&fx.room)))
            .set_user_id(c.string("userId", Some("user-1")))
            .set_capabilities(
                c.list("capabilities", None, |_| "SEND_MESSAGE".into())
                    .map(|v| v
                        .iter()
                        .map(|s| ChatTokenCapability::from(s.as_str()))
                        .collect())
            )
            .set_session_duration_in_minutes(c.int("sessionDurationInMinutes", None))
            .set_attributes(c.map("attributes", None))),
        "CreateLoggingConfiguration" => send!(client
            .create_logging_configuration()
            .set_name(c.string("name", None))
            .set_destination_configuration(c.destination(Some(s3("fixture-bucket"))))
            .set_tags(c.map("tags", None))),
        "CreateRoom" => send!(client
            .create_room()
            .set_name(c.string("name", None))
            .set_maximum_message_length(c.int("maximumMessageLength", None))
            .set_maximum_message_rate_per_second(c.int("maximumMessageRatePerSecond", None))
            .set_message_review_handler(c.handler())
            .set_tags(c.map("tags", None))
            .set_logging_configuration_identifiers(c.list(
                "loggingConfigurationIdentifiers",
                None,
                synthetic_lc
            ))),
        "DeleteLoggingConfiguration" => send!(client
            .delete_logging_configuration()
            .set_identifier(c.string("identifier", Some(&fx.lc)))),
        "DeleteMessage" => send!(client
            .delete_message()
            .set_room_identifier(c.string("roomIdentifier", Some(&fx.room)))
            .set_id(c.string("id", Some("AbCdEfGhIjKl")))
            .set_reason(c.string("reason", None))),
        "DeleteRoom" => send!(client
            .delete_room()
            .set_identifier(c.string("identifier", Some(&fx.room)))),
        "DisconnectUser" => send!(client
            .disconnect_user()
            .set_room_identifier(c.string("roomIdentifier", Some(&fx.room)))
            .set_user_id(c.string("userId", Some("user-1")))
            .set_reason(c.string("reason", None))),
        "GetLoggingConfiguration" => send!(client
            .get_logging_configuration()
            .set_identifier(c.string("identifier", Some(&fx.lc)))),
        "GetRoom" => send!(client
            .get_room()
            .set_identifier(c.string("identifier", Some(&fx.room)))),
        "ListLoggingConfigurations" => send!(client
            .list_logging_configurations()
            .set_next_token(c.string("nextToken", None))
            .set_max_results(c.int("maxResults", None))),
        "ListRooms" => send!(client
            .list_rooms()
            .set_name(c.string("name", None))
            .set_next_token(c.string("nextToken", None))
            .set_max_results(c.int("maxResults", None))
            .set_message_review_handler_uri(c.string("messageReviewHandlerUri", None))
            .set_logging_configuration_identifier(
                c.string("loggingConfigurationIdentifier", None)
            )),
        "ListTagsForResource" => {
            let arn = c.label("resourceArn", &fx.room)?;
            send!(client.list_tags_for_resource().resource_arn(arn))
        }
        "SendEvent" => send!(client
            .send_event()
            .set_room_identifier(c.string("roomIdentifier", Some(&fx.room)))
            .set_event_name(c.string("eventName", Some("app:event")))
            .set_attributes(c.map("attributes", None))),
        "TagResource" => {
            let arn = c.label("resourceArn", &fx.room)?;
            send!(client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(c.map("tags", Some(tags(&[("added", "1")])))))
        }
        "UntagResource" => {
            let arn = c.label("resourceArn", &fx.room)?;
            // No keys at all is an absent tagKeys on the wire (the required case).
            let keys = c.list("tagKeys", Some(vec!["added".into()]), tag_key);
            send!(client
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(keys.unwrap_or_default())))
        }
        "UpdateLoggingConfiguration" => send!(client
            .update_logging_configuration()
            .set_identifier(c.string("identifier", Some(&fx.lc)))
            .set_name(c.string("name", None))
            .set_destination_configuration(c.destination(None))),
        "UpdateRoom" => send!(client
            .update_room()
            .set_identifier(c.string("identifier", Some(&fx.room)))
            .set_name(c.string("name", None))
            .set_maximum_message_length(c.int("maximumMessageLength", None))
            .set_maximum_message_rate_per_second(c.int("maximumMessageRatePerSecond", None))
            .set_message_review_handler(c.handler())
            .set_logging_configuration_identifiers(c.list(
                "loggingConfigurationIdentifiers",
                None,
                synthetic_lc
            ))),
        other => panic!("operation {other} has no request builder in this test"),
    };
    Some(result)
}

#[test]
fn every_model_constraint_is_enforced_through_the_sdk() {
    let model = model();
    let cases = constraint_cases(&model);
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let fx = Fixture {
            room: new_room(&client).await,
            lc: new_lc(&client, "fixture-bucket").await,
        };
        let mut failures = Vec::new();
        let mut skipped = BTreeSet::new();
        let mut classes = BTreeSet::new();
        for case in &cases {
            let Some(result) = send_case(&client, &fx, case).await else {
                skipped.insert((case.op.clone(), case.target.clone(), case.class));
                continue;
            };
            classes.insert(case.class);
            let expected = Failure {
                status: 400,
                code: "ValidationException".into(),
                reason: Some("FIELD_VALIDATION_FAILED".into()),
                fields: vec![case.field.clone()],
            };
            if result.as_ref().err() != Some(&expected) {
                failures.push(format!(
                    "{} {} {:?} {:?}: got {result:?}",
                    case.op, case.target, case.class, case.bad
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} violations not answered as expected:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );

        // What the SDK refuses client-side, and only that, was left out.
        let mut expected_skips = BTreeSet::new();
        for op in ["CreateLoggingConfiguration", "UpdateLoggingConfiguration"] {
            for member in [
                "s3.bucketName",
                "cloudWatchLogs.logGroupName",
                "firehose.deliveryStreamName",
            ] {
                expected_skips.insert((
                    op.to_string(),
                    format!("destinationConfiguration.{member}"),
                    Class::Required,
                ));
            }
        }
        for op in ["ListTagsForResource", "TagResource", "UntagResource"] {
            expected_skips.insert((op.to_string(), "resourceArn".to_string(), Class::Required));
            expected_skips.insert((op.to_string(), "resourceArn".to_string(), Class::Length));
        }
        assert_eq!(skipped, expected_skips);
        assert_eq!(
            classes,
            BTreeSet::from([
                Class::Required,
                Class::Length,
                Class::Pattern,
                Class::Range,
                Class::Enum,
                Class::ListSize,
                Class::MapSize,
            ])
        );
        assert!(cases.len() > 80, "the walk found {} cases", cases.len());

        // Nothing was applied: only the fixtures exist, unchanged.
        let rooms = client.list_rooms().send().await.unwrap();
        assert_eq!(arns_of(rooms.rooms()), [fx.room.as_str()]);
        let room = client.get_room().identifier(&fx.room).send().await.unwrap();
        assert_eq!(room.name(), Some(""));
        assert_eq!(room.maximum_message_length(), Some(500));
        assert_eq!(room.tags(), Some(&HashMap::new()));
        let lcs = client.list_logging_configurations().send().await.unwrap();
        assert_eq!(lcs.logging_configurations().len(), 1);
        let lc = client
            .get_logging_configuration()
            .identifier(&fx.lc)
            .send()
            .await
            .unwrap();
        assert_eq!(lc.destination_configuration(), Some(&s3("fixture-bucket")));
        assert_eq!(lc.name(), Some(""));
    });
}

#[test]
fn identifiers_of_the_wrong_kind_and_mixed_violations_are_refused() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let room = new_room(&client).await;
        let lc = new_lc(&client, "bucket").await;
        assert_validation(
            client
                .get_logging_configuration()
                .identifier(&room)
                .send()
                .await,
            &["identifier"],
            "a room ARN to GetLoggingConfiguration",
        );
        assert_validation(
            client.get_room().identifier(&lc).send().await,
            &["identifier"],
            "a logging-configuration ARN to GetRoom",
        );
        assert_validation(
            client.delete_room().identifier("lobby").send().await,
            &["identifier"],
            "an identifier that is not an ARN",
        );
        assert_validation(
            client
                .create_room()
                .logging_configuration_identifiers(&room)
                .send()
                .await,
            &["loggingConfigurationIdentifiers"],
            "a room ARN as a logging configuration",
        );
        assert_validation(
            client
                .create_logging_configuration()
                .destination_configuration(s3("AB"))
                .send()
                .await,
            &["destinationConfiguration.s3.bucketName"],
            "bucketName AB (too short and upper case)",
        );
        assert_validation(
            client
                .tag_resource()
                .resource_arn("arn:aws:ivschat:us-east-1:123456789012:channel/abc")
                .tags("k", "v")
                .send()
                .await,
            &["resourceArn"],
            "an ARN of another resource type",
        );
        assert_validation(
            client.create_room().name("has space").send().await,
            &["name"],
            "room name with a space",
        );
        // Validation is complete: one entry per violated member, nested ones too.
        let e = expect_err(
            client
                .create_room()
                .name("x".repeat(129))
                .message_review_handler(
                    MessageReviewHandler::builder()
                        .uri("not-a-lambda")
                        .fallback_result(FallbackResult::from("MAYBE"))
                        .build(),
                )
                .send()
                .await,
            "three violations",
        );
        let mut fields = failure(&e).fields;
        fields.sort();
        assert_eq!(
            fields,
            [
                "messageReviewHandler.fallbackResult",
                "messageReviewHandler.uri",
                "name"
            ]
        );
    });
}

// ---------------------------------------------------------------------------
// 4. Pagination
// ---------------------------------------------------------------------------

#[test]
fn list_rooms_paginates_120_rooms_newest_first() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let mut created = Vec::new();
        for i in 0..120 {
            let out = client
                .create_room()
                .name(format!("room-{i:03}"))
                .send()
                .await
                .expect("CreateRoom");
            created.push(out.arn().unwrap().to_string());
        }
        let newest_first: Vec<String> = created.iter().rev().cloned().collect();

        // By hand: pages of 50, 50, 20; the last without nextToken.
        let mut pages = Vec::new();
        let mut seen: Vec<RoomSummary> = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = client
                .list_rooms()
                .max_results(50)
                .set_next_token(token.clone())
                .send()
                .await
                .expect("ListRooms");
            pages.push(out.rooms().len());
            seen.extend(out.rooms().iter().cloned());
            match out.next_token() {
                Some(t) => {
                    assert!(!t.is_empty(), "a nextToken is never empty");
                    token = Some(t.to_string());
                }
                None => break,
            }
            assert!(pages.len() < 10, "pagination does not end");
        }
        assert_eq!(pages, [50, 50, 20]);
        let arns = arns_of(&seen);
        assert_eq!(
            arns.iter().collect::<BTreeSet<_>>().len(),
            120,
            "no duplicates"
        );
        assert_eq!(arns, newest_first, "all 120, newest updateTime first");
        let times: Vec<i64> = seen.iter().map(|r| ms(r.update_time())).collect();
        assert!(
            times.windows(2).all(|w| w[0] > w[1]),
            "updateTime strictly decreasing"
        );

        // Default page size is 50.
        let first = client.list_rooms().send().await.expect("ListRooms");
        assert_eq!(first.rooms().len(), 50);
        assert!(first.next_token().is_some());

        // The SDK's paginator sees the same.
        let (n, rooms) = all_rooms(&client, 50).await;
        assert_eq!(n, 3);
        assert_eq!(arns_of(&rooms), newest_first);
        let (n, rooms) = all_rooms(&client, 7).await;
        assert_eq!(n, 18);
        assert_eq!(arns_of(&rooms), newest_first);

        // An update moves a room to the front.
        client
            .update_room()
            .identifier(&created[0])
            .send()
            .await
            .expect("UpdateRoom");
        let first = client.list_rooms().max_results(1).send().await.unwrap();
        assert_eq!(arns_of(first.rooms()), [created[0].clone()]);
    });
}

#[test]
fn list_logging_configurations_paginates() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let mut created = Vec::new();
        for i in 0..5 {
            created.push(new_lc(&client, &format!("bucket-{i}")).await);
        }
        let newest_first: Vec<String> = created.iter().rev().cloned().collect();
        let mut pages = Vec::new();
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = client
                .list_logging_configurations()
                .max_results(2)
                .set_next_token(token.clone())
                .send()
                .await
                .expect("ListLoggingConfigurations");
            pages.push(out.logging_configurations().len());
            seen.extend(
                out.logging_configurations()
                    .iter()
                    .map(|l| l.arn().unwrap().to_string()),
            );
            match out.next_token() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
            assert!(pages.len() < 10, "pagination does not end");
        }
        assert_eq!(pages, [2, 2, 1]);
        assert_eq!(seen, newest_first);

        let mut stream = client
            .list_logging_configurations()
            .into_paginator()
            .page_size(2)
            .send();
        let mut via_paginator = Vec::new();
        let mut n = 0;
        while let Some(page) = stream.next().await {
            n += 1;
            via_paginator.extend(
                page.expect("page")
                    .logging_configurations()
                    .iter()
                    .map(|l| l.arn().unwrap().to_string()),
            );
        }
        assert_eq!(n, 3);
        assert_eq!(via_paginator, newest_first);
    });
}

#[test]
fn a_next_token_the_emulator_did_not_issue_is_a_validation_exception() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        for name in ["a", "a", "b"] {
            client.create_room().name(name).send().await.unwrap();
        }
        for _ in 0..3 {
            new_lc(&client, "bucket").await;
        }
        assert_validation(
            client.list_rooms().next_token("forged").send().await,
            &["nextToken"],
            "forged ListRooms token",
        );
        assert_validation(
            client
                .list_logging_configurations()
                .next_token("forged")
                .send()
                .await,
            &["nextToken"],
            "forged ListLoggingConfigurations token",
        );
        // A real token, tampered with.
        let page = client.list_rooms().max_results(1).send().await.unwrap();
        let token = page.next_token().expect("more rooms").to_string();
        let mut tampered = token.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == '0' { '1' } else { '0' });
        assert_validation(
            client
                .list_rooms()
                .max_results(1)
                .next_token(&tampered)
                .send()
                .await,
            &["nextToken"],
            "tampered token",
        );
        // The real one works; reused with other filters it does not.
        client
            .list_rooms()
            .max_results(1)
            .next_token(&token)
            .send()
            .await
            .expect("the issued token");
        assert_validation(
            client
                .list_rooms()
                .max_results(1)
                .name("a")
                .next_token(&token)
                .send()
                .await,
            &["nextToken"],
            "token reused with another filter",
        );
        // A rooms token is not a logging-configurations token.
        assert_validation(
            client
                .list_logging_configurations()
                .max_results(1)
                .next_token(&token)
                .send()
                .await,
            &["nextToken"],
            "rooms token to ListLoggingConfigurations",
        );
    });
}

// ---------------------------------------------------------------------------
// 5. ListRooms filters
// ---------------------------------------------------------------------------

#[test]
fn list_rooms_filters_by_name_handler_and_logging_configuration() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let lc1 = new_lc(&client, "one").await;
        let lc2 = new_lc(&client, "two").await;
        let a1 = client
            .create_room()
            .name("lobby")
            .message_review_handler(handler(LAMBDA, None))
            .logging_configuration_identifiers(&lc1)
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_string();
        let a2 = client
            .create_room()
            .name("lobby")
            .logging_configuration_identifiers(&lc1)
            .logging_configuration_identifiers(&lc2)
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_string();
        let a3 = client
            .create_room()
            .name("lobby-2")
            .message_review_handler(handler(LAMBDA_2, None))
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_string();
        let a4 = client
            .create_room()
            .logging_configuration_identifiers(&lc2)
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_string();

        let (a1, a2, a3, a4) = (a1.as_str(), a2.as_str(), a3.as_str(), a4.as_str());
        let by_name = |name: &'static str| client.list_rooms().name(name).send();
        assert_eq!(arns_of(by_name("lobby").await.unwrap().rooms()), [a2, a1]);
        assert_eq!(arns_of(by_name("lobby-2").await.unwrap().rooms()), [a3]);
        let none = by_name("lobb").await.unwrap();
        assert!(none.rooms().is_empty(), "name is an exact match");
        assert!(none.next_token().is_none());

        let by_handler =
            |uri: &'static str| client.list_rooms().message_review_handler_uri(uri).send();
        assert_eq!(arns_of(by_handler(LAMBDA).await.unwrap().rooms()), [a1]);
        assert_eq!(arns_of(by_handler(LAMBDA_2).await.unwrap().rooms()), [a3]);
        assert_eq!(
            arns_of(by_handler("").await.unwrap().rooms()),
            [a4, a3, a2, a1],
            "an empty uri filters nothing"
        );

        let by_lc = |lc: String| {
            client
                .list_rooms()
                .logging_configuration_identifier(lc)
                .send()
        };
        assert_eq!(arns_of(by_lc(lc1.clone()).await.unwrap().rooms()), [a2, a1]);
        assert_eq!(arns_of(by_lc(lc2.clone()).await.unwrap().rooms()), [a4, a2]);
        let e = assert_error(
            by_lc(MISSING_LC.to_string()).await,
            404,
            "ResourceNotFoundException",
            "filter by a logging configuration that does not exist",
        );
        assert!(matches!(
            e.into_service_error(),
            ListRoomsError::ResourceNotFoundException(_)
        ));

        // Filters combine.
        let both = client
            .list_rooms()
            .name("lobby")
            .message_review_handler_uri(LAMBDA)
            .send()
            .await
            .unwrap();
        assert_eq!(arns_of(both.rooms()), [a1]);
        let both = client
            .list_rooms()
            .name("lobby")
            .logging_configuration_identifier(&lc2)
            .send()
            .await
            .unwrap();
        assert_eq!(arns_of(both.rooms()), [a2]);
        let none = client
            .list_rooms()
            .name("lobby-2")
            .logging_configuration_identifier(&lc1)
            .send()
            .await
            .unwrap();
        assert!(none.rooms().is_empty());
    });
}

#[test]
fn list_rooms_filters_combine_with_pagination() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let lc = new_lc(&client, "bucket").await;
        let mut lobby = Vec::new();
        let mut logged = Vec::new();
        for i in 0..9 {
            let mut req = client.create_room();
            if i % 3 == 0 {
                req = req.name("lobby");
            }
            if i % 2 == 0 {
                req = req.logging_configuration_identifiers(&lc);
            }
            if i % 4 == 0 {
                req = req.message_review_handler(handler(LAMBDA, None));
            }
            let arn = req.send().await.unwrap().arn().unwrap().to_string();
            if i % 3 == 0 {
                lobby.push(arn.clone());
            }
            if i % 2 == 0 {
                logged.push(arn);
            }
        }
        lobby.reverse();
        logged.reverse();

        // By hand, name filter, one per page.
        let mut token: Option<String> = None;
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let out = client
                .list_rooms()
                .name("lobby")
                .max_results(1)
                .set_next_token(token.clone())
                .send()
                .await
                .expect("ListRooms");
            pages += 1;
            assert_eq!(out.rooms().len(), 1);
            seen.extend(arns_of(out.rooms()));
            match out.next_token() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
            assert!(pages < 20);
        }
        assert_eq!(pages, 3, "3 matches, no trailing empty page");
        assert_eq!(seen, lobby);

        // Through the paginator, each filter.
        let collect = |req: aws_sdk_ivschat::operation::list_rooms::builders::ListRoomsFluentBuilder| async move {
            let mut stream = req.into_paginator().page_size(1).send();
            let mut arns = Vec::new();
            let mut pages = 0;
            while let Some(page) = stream.next().await {
                pages += 1;
                arns.extend(arns_of(page.expect("page").rooms()));
            }
            (pages, arns)
        };
        assert_eq!(collect(client.list_rooms().name("lobby")).await, (3, lobby.clone()));
        assert_eq!(
            collect(client.list_rooms().logging_configuration_identifier(&lc)).await,
            (5, logged.clone())
        );
        let (pages, handled) = collect(client.list_rooms().message_review_handler_uri(LAMBDA)).await;
        assert_eq!((pages, handled.len()), (3, 3));
        let (pages, both) = collect(
            client
                .list_rooms()
                .name("lobby")
                .logging_configuration_identifier(&lc),
        )
        .await;
        let expected: Vec<String> = lobby.iter().filter(|a| logged.contains(a)).cloned().collect();
        assert_eq!(expected.len(), 2);
        assert_eq!((pages, both), (2, expected));
    });
}

// ---------------------------------------------------------------------------
// 6. Tags
// ---------------------------------------------------------------------------

#[test]
fn tags_with_spaces_slashes_and_colons_round_trip_and_untag() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let odd = tags(&[
            ("team name/primary", "video"),
            ("a:b", ""),
            ("x=y&z", "q?r#s"),
            ("c++", "100% sure"),
            ("keep", "me"),
        ]);
        let room = client
            .create_room()
            .set_tags(Some(odd.clone()))
            .send()
            .await
            .expect("CreateRoom with odd tag keys");
        let room = room.arn().unwrap().to_string();
        let lc = client
            .create_logging_configuration()
            .destination_configuration(s3("bucket"))
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_string();
        client
            .tag_resource()
            .resource_arn(&lc)
            .set_tags(Some(odd.clone()))
            .send()
            .await
            .expect("TagResource with odd tag keys");
        for arn in [&room, &lc] {
            assert_eq!(room_tags(&client, arn).await, odd, "{arn}");
            client
                .untag_resource()
                .resource_arn(arn)
                .tag_keys("team name/primary")
                .tag_keys("a:b")
                .tag_keys("x=y&z")
                .tag_keys("c++")
                .send()
                .await
                .expect("UntagResource with odd keys");
            assert_eq!(
                room_tags(&client, arn).await,
                tags(&[("keep", "me")]),
                "{arn}"
            );
        }
        let got = client.get_room().identifier(&room).send().await.unwrap();
        assert_eq!(got.tags(), Some(&tags(&[("keep", "me")])));
    });
}

#[test]
fn aws_prefixed_tag_keys_are_refused() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        assert_validation(
            client.create_room().tags("aws:team", "x").send().await,
            &["tags"],
            "CreateRoom with aws: key",
        );
        assert_validation(
            client
                .create_logging_configuration()
                .destination_configuration(s3("bucket"))
                .tags("AWS:Team", "x")
                .send()
                .await,
            &["tags"],
            "CreateLoggingConfiguration with AWS: key (any case)",
        );
        assert!(client.list_rooms().send().await.unwrap().rooms().is_empty());
        let room = new_room(&client).await;
        assert_validation(
            client
                .tag_resource()
                .resource_arn(&room)
                .tags("fine", "1")
                .tags("aws:cloudformation:stack-name", "x")
                .send()
                .await,
            &["tags"],
            "TagResource with aws: key",
        );
        assert!(
            room_tags(&client, &room).await.is_empty(),
            "nothing applied"
        );
        client
            .tag_resource()
            .resource_arn(&room)
            .tags("fine", "1")
            .send()
            .await
            .unwrap();
        assert_validation(
            client
                .untag_resource()
                .resource_arn(&room)
                .tag_keys("fine")
                .tag_keys("aws:team")
                .send()
                .await,
            &["tagKeys"],
            "UntagResource with aws: key",
        );
        assert_eq!(room_tags(&client, &room).await, tags(&[("fine", "1")]));
        // A key merely containing "aws:" is fine.
        client
            .tag_resource()
            .resource_arn(&room)
            .tags("my-aws:key", "1")
            .send()
            .await
            .expect("aws: not at the start");
    });
}

#[test]
fn tag_resource_enforces_fifty_tags_after_merging() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let forty_nine: HashMap<String, String> =
            (0..49).map(|i| (tag_key(i), format!("v{i}"))).collect();
        for arn in [new_room(&client).await, new_lc(&client, "bucket").await] {
            client
                .tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(forty_nine.clone()))
                .send()
                .await
                .expect("49 tags");
            assert_validation(
                client
                    .tag_resource()
                    .resource_arn(&arn)
                    .tags("new-1", "x")
                    .tags("new-2", "x")
                    .send()
                    .await,
                &["tags"],
                "49 + 2 tags",
            );
            assert_eq!(
                room_tags(&client, &arn).await,
                forty_nine,
                "nothing changed"
            );
            // Replacing an existing key does not count twice; 50 is allowed.
            client
                .tag_resource()
                .resource_arn(&arn)
                .tags(tag_key(0), "replaced")
                .tags("new-1", "x")
                .send()
                .await
                .expect("49 + 1 new + 1 replaced = 50");
            let now = room_tags(&client, &arn).await;
            assert_eq!(now.len(), 50);
            assert_eq!(now[&tag_key(0)], "replaced");
            assert_validation(
                client
                    .tag_resource()
                    .resource_arn(&arn)
                    .tags("new-3", "x")
                    .send()
                    .await,
                &["tags"],
                "51st tag",
            );
        }
    });
}

#[test]
fn tagging_does_not_move_update_time() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let room = new_room(&client).await;
        let lc = new_lc(&client, "bucket").await;
        let room_before = client.get_room().identifier(&room).send().await.unwrap();
        let lc_before = client
            .get_logging_configuration()
            .identifier(&lc)
            .send()
            .await
            .unwrap();
        for arn in [&room, &lc] {
            client
                .tag_resource()
                .resource_arn(arn)
                .tags("k", "v")
                .send()
                .await
                .unwrap();
            client
                .untag_resource()
                .resource_arn(arn)
                .tag_keys("k")
                .send()
                .await
                .unwrap();
        }
        let room_after = client.get_room().identifier(&room).send().await.unwrap();
        let lc_after = client
            .get_logging_configuration()
            .identifier(&lc)
            .send()
            .await
            .unwrap();
        assert_eq!(room_after.update_time(), room_before.update_time());
        assert_eq!(lc_after.update_time(), lc_before.update_time());
        // Nor the room's place in ListRooms.
        let second = new_room(&client).await;
        client
            .tag_resource()
            .resource_arn(&room)
            .tags("k", "v")
            .send()
            .await
            .unwrap();
        let listed = client.list_rooms().send().await.unwrap();
        assert_eq!(arns_of(listed.rooms()), [second, room]);
    });
}

#[test]
fn tag_operations_on_an_unknown_arn_are_404() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        for arn in [MISSING_ROOM, MISSING_LC] {
            let e = assert_error(
                client
                    .tag_resource()
                    .resource_arn(arn)
                    .tags("k", "v")
                    .send()
                    .await,
                404,
                "ResourceNotFoundException",
                "TagResource",
            );
            assert!(matches!(
                e.into_service_error(),
                TagResourceError::ResourceNotFoundException(_)
            ));
            let e = assert_error(
                client
                    .untag_resource()
                    .resource_arn(arn)
                    .tag_keys("k")
                    .send()
                    .await,
                404,
                "ResourceNotFoundException",
                "UntagResource",
            );
            assert!(matches!(
                e.into_service_error(),
                UntagResourceError::ResourceNotFoundException(_)
            ));
            let e = assert_error(
                client
                    .list_tags_for_resource()
                    .resource_arn(arn)
                    .send()
                    .await,
                404,
                "ResourceNotFoundException",
                "ListTagsForResource",
            );
            assert!(matches!(
                e.into_service_error(),
                ListTagsForResourceError::ResourceNotFoundException(_)
            ));
        }
    });
}

// ---------------------------------------------------------------------------
// 7. Update semantics
// ---------------------------------------------------------------------------

#[test]
fn update_room_changes_only_the_given_members() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let lc = new_lc(&client, "bucket").await;
        let created = client
            .create_room()
            .name("lobby")
            .maximum_message_length(300)
            .maximum_message_rate_per_second(20)
            .message_review_handler(handler(LAMBDA, Some(FallbackResult::Deny)))
            .logging_configuration_identifiers(&lc)
            .tags("team", "video")
            .send()
            .await
            .unwrap();
        let arn = created.arn().unwrap();

        let out = client
            .update_room()
            .identifier(arn)
            .name("renamed")
            .send()
            .await
            .unwrap();
        assert_eq!(out.name(), Some("renamed"));
        assert_eq!(out.maximum_message_length(), Some(300));
        assert_eq!(out.maximum_message_rate_per_second(), Some(20));
        assert_eq!(
            out.message_review_handler(),
            created.message_review_handler()
        );
        assert_eq!(out.logging_configuration_identifiers(), [lc.as_str()]);
        assert_eq!(out.tags(), Some(&tags(&[("team", "video")])));

        client
            .update_room()
            .identifier(arn)
            .maximum_message_rate_per_second(100)
            .send()
            .await
            .unwrap();
        let got = client.get_room().identifier(arn).send().await.unwrap();
        assert_eq!(got.name(), Some("renamed"));
        assert_eq!(got.maximum_message_length(), Some(300));
        assert_eq!(got.maximum_message_rate_per_second(), Some(100));
        assert_eq!(
            got.message_review_handler(),
            created.message_review_handler()
        );
        assert_eq!(got.logging_configuration_identifiers(), [lc.as_str()]);
        assert_eq!(got.create_time(), created.create_time());

        // An empty name is a value, not an omission.
        client
            .update_room()
            .identifier(arn)
            .name("")
            .send()
            .await
            .unwrap();
        let got = client.get_room().identifier(arn).send().await.unwrap();
        assert_eq!(got.name(), Some(""));
        assert_eq!(got.maximum_message_rate_per_second(), Some(100));
    });
}

#[test]
fn update_room_sets_and_removes_the_handler() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let arn = new_room(&client).await;
        let out = client
            .update_room()
            .identifier(&arn)
            .message_review_handler(handler(LAMBDA, None))
            .send()
            .await
            .unwrap();
        let h = out.message_review_handler().expect("handler set");
        assert_eq!(h.uri(), Some(LAMBDA));
        assert_eq!(
            h.fallback_result(),
            Some(&FallbackResult::Allow),
            "fallbackResult defaults to ALLOW"
        );
        client
            .update_room()
            .identifier(&arn)
            .message_review_handler(handler(LAMBDA_2, Some(FallbackResult::Deny)))
            .send()
            .await
            .unwrap();
        let got = client.get_room().identifier(&arn).send().await.unwrap();
        assert_eq!(
            got.message_review_handler(),
            Some(&handler(LAMBDA_2, Some(FallbackResult::Deny)))
        );

        // Another member only: the handler stays.
        client
            .update_room()
            .identifier(&arn)
            .name("x")
            .send()
            .await
            .unwrap();
        let got = client.get_room().identifier(&arn).send().await.unwrap();
        assert!(got.message_review_handler().is_some());

        // An empty uri removes it.
        let out = client
            .update_room()
            .identifier(&arn)
            .message_review_handler(handler("", None))
            .send()
            .await
            .unwrap();
        assert!(out.message_review_handler().is_none());
        let got = client.get_room().identifier(&arn).send().await.unwrap();
        assert!(
            got.message_review_handler().is_none(),
            "no handler after uri \"\""
        );
        let listed = client.list_rooms().send().await.unwrap();
        assert!(listed.rooms()[0].message_review_handler().is_none());
    });
}

#[test]
fn update_room_logging_configuration_list_replaces_and_clears() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let lc1 = new_lc(&client, "one").await;
        let lc2 = new_lc(&client, "two").await;
        let lc3 = new_lc(&client, "three").await;
        let arn = new_room(&client).await;
        let out = client
            .update_room()
            .identifier(&arn)
            .logging_configuration_identifiers(&lc1)
            .logging_configuration_identifiers(&lc2)
            .send()
            .await
            .unwrap();
        assert_eq!(
            out.logging_configuration_identifiers(),
            [lc1.clone(), lc2.clone()]
        );

        client
            .update_room()
            .identifier(&arn)
            .logging_configuration_identifiers(&lc3)
            .logging_configuration_identifiers(&lc1)
            .send()
            .await
            .unwrap();
        let got = client.get_room().identifier(&arn).send().await.unwrap();
        assert_eq!(
            got.logging_configuration_identifiers(),
            [lc3.clone(), lc1.clone()],
            "a new list replaces the old one, in order"
        );

        // Omitted: unchanged.
        client
            .update_room()
            .identifier(&arn)
            .name("n")
            .send()
            .await
            .unwrap();
        let got = client.get_room().identifier(&arn).send().await.unwrap();
        assert_eq!(
            got.logging_configuration_identifiers(),
            [lc3.clone(), lc1.clone()]
        );

        // [] clears, and the member is then absent.
        let out = client
            .update_room()
            .identifier(&arn)
            .set_logging_configuration_identifiers(Some(vec![]))
            .send()
            .await
            .unwrap();
        assert!(out.logging_configuration_identifiers.is_none());
        let got = client.get_room().identifier(&arn).send().await.unwrap();
        assert!(
            got.logging_configuration_identifiers.is_none(),
            "an emptied list is absent"
        );
        // Nothing references lc2 any more.
        client
            .delete_logging_configuration()
            .identifier(&lc2)
            .send()
            .await
            .expect("unreferenced configuration deletes");
    });
}

#[test]
fn update_time_strictly_increases_on_back_to_back_updates() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let room = client.create_room().send().await.unwrap();
        let arn = room.arn().unwrap();
        let mut last = ms(room.update_time());
        for _ in 0..10 {
            // No member changes at all: updateTime still moves.
            let out = client.update_room().identifier(arn).send().await.unwrap();
            let t = ms(out.update_time());
            assert!(t > last, "UpdateRoom updateTime {t} must exceed {last}");
            assert_eq!(out.create_time(), room.create_time());
            last = t;
        }
        let got = client.get_room().identifier(arn).send().await.unwrap();
        assert_eq!(ms(got.update_time()), last);

        let lc = client
            .create_logging_configuration()
            .destination_configuration(s3("bucket"))
            .send()
            .await
            .unwrap();
        let lc_arn = lc.arn().unwrap();
        let mut last = ms(lc.update_time());
        for i in 0..10 {
            let out = client
                .update_logging_configuration()
                .identifier(lc_arn)
                .name(format!("n{i}"))
                .send()
                .await
                .unwrap();
            let t = ms(out.update_time());
            assert!(
                t > last,
                "UpdateLoggingConfiguration updateTime {t} must exceed {last}"
            );
            assert_eq!(out.create_time(), lc.create_time());
            last = t;
        }
        let got = client
            .get_logging_configuration()
            .identifier(lc_arn)
            .send()
            .await
            .unwrap();
        assert_eq!(ms(got.update_time()), last);
    });
}

#[test]
fn update_logging_configuration_changes_only_the_given_members() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let created = client
            .create_logging_configuration()
            .name("original")
            .destination_configuration(cloudwatch("group"))
            .tags("t", "1")
            .send()
            .await
            .unwrap();
        let arn = created.arn().unwrap();
        let out = client
            .update_logging_configuration()
            .identifier(arn)
            .name("renamed")
            .send()
            .await
            .unwrap();
        assert_eq!(out.name(), Some("renamed"));
        assert_eq!(out.destination_configuration(), Some(&cloudwatch("group")));
        assert_eq!(out.tags(), Some(&tags(&[("t", "1")])));
        client
            .update_logging_configuration()
            .identifier(arn)
            .destination_configuration(s3("bucket"))
            .send()
            .await
            .unwrap();
        let got = client
            .get_logging_configuration()
            .identifier(arn)
            .send()
            .await
            .unwrap();
        assert_eq!(got.name(), Some("renamed"));
        assert_eq!(got.destination_configuration(), Some(&s3("bucket")));
        assert_eq!(got.create_time(), created.create_time());
    });
}

// ---------------------------------------------------------------------------
// 8. References between rooms and logging configurations
// ---------------------------------------------------------------------------

#[test]
fn room_referencing_a_missing_logging_configuration_is_404() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let lc = new_lc(&client, "bucket").await;
        let e = assert_error(
            client
                .create_room()
                .logging_configuration_identifiers(&lc)
                .logging_configuration_identifiers(MISSING_LC)
                .send()
                .await,
            404,
            "ResourceNotFoundException",
            "CreateRoom",
        );
        match e.into_service_error() {
            CreateRoomError::ResourceNotFoundException(nf) => {
                assert_eq!(nf.resource_id(), "BBBBBBBBBBBB")
            }
            other => panic!("expected ResourceNotFoundException, got {other:?}"),
        }
        assert!(client.list_rooms().send().await.unwrap().rooms().is_empty());
        let room = new_room(&client).await;
        assert_error(
            client
                .update_room()
                .identifier(&room)
                .logging_configuration_identifiers(MISSING_LC)
                .send()
                .await,
            404,
            "ResourceNotFoundException",
            "UpdateRoom",
        );
        let got = client.get_room().identifier(&room).send().await.unwrap();
        assert!(
            got.logging_configuration_identifiers.is_none(),
            "nothing applied"
        );
    });
}

#[test]
fn the_same_logging_configuration_twice_is_400() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let lc = new_lc(&client, "bucket").await;
        assert_validation(
            client
                .create_room()
                .logging_configuration_identifiers(&lc)
                .logging_configuration_identifiers(&lc)
                .send()
                .await,
            &["loggingConfigurationIdentifiers"],
            "CreateRoom with a duplicate",
        );
        let room = new_room(&client).await;
        assert_validation(
            client
                .update_room()
                .identifier(&room)
                .logging_configuration_identifiers(&lc)
                .logging_configuration_identifiers(&lc)
                .send()
                .await,
            &["loggingConfigurationIdentifiers"],
            "UpdateRoom with a duplicate",
        );
    });
}

#[test]
fn a_referenced_logging_configuration_cannot_be_deleted_until_detached() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let lc = new_lc(&client, "bucket").await;
        let r1 = client
            .create_room()
            .logging_configuration_identifiers(&lc)
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_string();
        let r2 = client
            .create_room()
            .logging_configuration_identifiers(&lc)
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_string();
        assert_error(
            client
                .delete_logging_configuration()
                .identifier(&lc)
                .send()
                .await,
            409,
            "ConflictException",
            "referenced by two rooms",
        );
        assert_eq!(
            lc_state(&client, &lc).await,
            LoggingConfigurationState::Active,
            "still exists"
        );

        client
            .update_room()
            .identifier(&r1)
            .set_logging_configuration_identifiers(Some(vec![]))
            .send()
            .await
            .unwrap();
        assert_error(
            client
                .delete_logging_configuration()
                .identifier(&lc)
                .send()
                .await,
            409,
            "ConflictException",
            "still referenced by one room",
        );
        client.delete_room().identifier(&r2).send().await.unwrap();
        client
            .delete_logging_configuration()
            .identifier(&lc)
            .send()
            .await
            .expect("detached: delete works");
        assert_error(
            client
                .get_logging_configuration()
                .identifier(&lc)
                .send()
                .await,
            404,
            "ResourceNotFoundException",
            "deleted",
        );
    });
}

#[test]
fn referencing_a_logging_configuration_that_is_not_active_is_409() {
    let delay = Duration::from_millis(1000);
    let emu = common::emulator(EmulatorConfig {
        logging_config_delay: delay,
        ..EmulatorConfig::default()
    });
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let room = new_room(&client).await;
        let lc = new_lc(&client, "bucket").await;
        let e = assert_error(
            client
                .create_room()
                .logging_configuration_identifiers(&lc)
                .send()
                .await,
            409,
            "ConflictException",
            "CreateRoom referencing a CREATING configuration",
        );
        assert!(matches!(
            e.into_service_error(),
            CreateRoomError::ConflictException(_)
        ));
        assert_error(
            client
                .update_room()
                .identifier(&room)
                .logging_configuration_identifiers(&lc)
                .send()
                .await,
            409,
            "ConflictException",
            "UpdateRoom referencing a CREATING configuration",
        );
        wait_active(&client, &lc, Duration::from_secs(10)).await;
        client
            .create_room()
            .logging_configuration_identifiers(&lc)
            .send()
            .await
            .expect("ACTIVE: CreateRoom works");

        // A failed configuration cannot be referenced either.
        let failed = new_lc(&client, "bucket").await;
        emu.set_logging_configuration_state(&failed, "CREATE_FAILED")
            .expect("force state");
        assert_error(
            client
                .create_room()
                .logging_configuration_identifiers(&failed)
                .send()
                .await,
            409,
            "ConflictException",
            "CreateRoom referencing a CREATE_FAILED configuration",
        );
    });
}

// ---------------------------------------------------------------------------
// 9. Resource quotas
// ---------------------------------------------------------------------------

#[test]
fn logging_configuration_quota_is_ten_and_frees_up_on_delete() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let mut arns = Vec::new();
        for i in 0..10 {
            arns.push(new_lc(&client, &format!("bucket-{i}")).await);
        }
        let e = assert_error(
            client
                .create_logging_configuration()
                .destination_configuration(s3("eleventh"))
                .send()
                .await,
            402,
            "ServiceQuotaExceededException",
            "the 11th logging configuration",
        );
        match e.into_service_error() {
            CreateLoggingConfigurationError::ServiceQuotaExceededException(q) => {
                assert_eq!(q.limit(), 10);
                assert_eq!(q.resource_id(), ACCOUNT);
                assert_eq!(q.resource_type(), &ResourceType::Room);
            }
            other => panic!("expected ServiceQuotaExceededException, got {other:?}"),
        }
        let listed = client.list_logging_configurations().send().await.unwrap();
        assert_eq!(listed.logging_configurations().len(), 10, "nothing created");

        client
            .delete_logging_configuration()
            .identifier(&arns[3])
            .send()
            .await
            .unwrap();
        new_lc(&client, "replacement").await;
        assert_error(
            client
                .create_logging_configuration()
                .destination_configuration(s3("again"))
                .send()
                .await,
            402,
            "ServiceQuotaExceededException",
            "full again",
        );
    });
}

#[test]
fn room_quota_answers_402_with_limit() {
    let emu = common::emulator(EmulatorConfig {
        room_quota: 3,
        ..EmulatorConfig::default()
    });
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let first = new_room(&client).await;
        new_room(&client).await;
        new_room(&client).await;
        let e = assert_error(
            client.create_room().name("fourth").send().await,
            402,
            "ServiceQuotaExceededException",
            "the 4th room",
        );
        match e.into_service_error() {
            CreateRoomError::ServiceQuotaExceededException(q) => {
                assert_eq!(q.limit(), 3);
                assert_eq!(q.resource_id(), ACCOUNT);
                assert!(!q.message().is_empty());
            }
            other => panic!("expected ServiceQuotaExceededException, got {other:?}"),
        }
        assert_eq!(client.list_rooms().send().await.unwrap().rooms().len(), 3);
        client
            .delete_room()
            .identifier(&first)
            .send()
            .await
            .unwrap();
        new_room(&client).await;
    });
}

// ---------------------------------------------------------------------------
// 10. Logging-configuration states
// ---------------------------------------------------------------------------

async fn listed_state(client: &Client, arn: &str) -> LoggingConfigurationState {
    let out = client.list_logging_configurations().send().await.unwrap();
    out.logging_configurations()
        .iter()
        .find(|l| l.arn() == Some(arn))
        .expect("listed")
        .state()
        .expect("state")
        .clone()
}

#[test]
fn logging_configuration_state_transitions_with_a_delay() {
    let delay = Duration::from_millis(1000);
    let emu = common::emulator(EmulatorConfig {
        logging_config_delay: delay,
        ..EmulatorConfig::default()
    });
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let started = Instant::now();
        let created = client
            .create_logging_configuration()
            .destination_configuration(s3("bucket"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            created.state(),
            Some(&CreateLoggingConfigurationState::Active)
        );
        let arn = created.arn().unwrap();
        assert_eq!(
            lc_state(&client, arn).await,
            LoggingConfigurationState::Creating
        );
        assert_eq!(
            listed_state(&client, arn).await,
            LoggingConfigurationState::Creating
        );
        let e = assert_error(
            client
                .update_logging_configuration()
                .identifier(arn)
                .name("too-early")
                .send()
                .await,
            409,
            "ConflictException",
            "Update while CREATING",
        );
        assert!(matches!(
            e.into_service_error(),
            UpdateLoggingConfigurationError::ConflictException(_)
        ));
        assert_error(
            client
                .delete_logging_configuration()
                .identifier(arn)
                .send()
                .await,
            409,
            "ConflictException",
            "Delete while CREATING",
        );
        wait_active(&client, arn, Duration::from_secs(10)).await;
        assert!(
            started.elapsed() + Duration::from_millis(50) >= delay,
            "ACTIVE only after the delay"
        );
        assert_eq!(
            listed_state(&client, arn).await,
            LoggingConfigurationState::Active
        );

        let updated = client
            .update_logging_configuration()
            .identifier(arn)
            .name("later")
            .send()
            .await
            .unwrap();
        assert_eq!(
            updated.state(),
            Some(&UpdateLoggingConfigurationState::Active)
        );
        assert_eq!(
            lc_state(&client, arn).await,
            LoggingConfigurationState::Updating
        );
        assert_eq!(
            listed_state(&client, arn).await,
            LoggingConfigurationState::Updating
        );
        assert_error(
            client
                .delete_logging_configuration()
                .identifier(arn)
                .send()
                .await,
            409,
            "ConflictException",
            "Delete while UPDATING",
        );
        assert_error(
            client
                .update_logging_configuration()
                .identifier(arn)
                .name("again")
                .send()
                .await,
            409,
            "ConflictException",
            "Update while UPDATING",
        );
        wait_active(&client, arn, Duration::from_secs(10)).await;
        let got = client
            .get_logging_configuration()
            .identifier(arn)
            .send()
            .await
            .unwrap();
        assert_eq!(got.name(), Some("later"), "the accepted update was applied");
        client
            .delete_logging_configuration()
            .identifier(arn)
            .send()
            .await
            .expect("ACTIVE: delete works");
    });
}

#[test]
fn forced_logging_configuration_state_is_visible_through_get_and_list() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let arn = new_lc(&client, "bucket").await;
        for (forced, expected) in [
            ("CREATE_FAILED", LoggingConfigurationState::CreateFailed),
            ("UPDATE_FAILED", LoggingConfigurationState::UpdateFailed),
            ("DELETE_FAILED", LoggingConfigurationState::DeleteFailed),
            ("ACTIVE", LoggingConfigurationState::Active),
        ] {
            emu.set_logging_configuration_state(&arn, forced)
                .expect("force state");
            assert_eq!(
                lc_state(&client, &arn).await,
                expected,
                "Get after {forced}"
            );
            assert_eq!(
                listed_state(&client, &arn).await,
                expected,
                "List after {forced}"
            );
        }
        let err = emu
            .set_logging_configuration_state(&arn, "BROKEN")
            .unwrap_err();
        assert!(err.contains("unknown state"), "{err}");
        assert!(emu
            .set_logging_configuration_state(MISSING_LC, "ACTIVE")
            .is_err());
        assert_eq!(
            lc_state(&client, &arn).await,
            LoggingConfigurationState::Active
        );
    });
}

#[test]
fn forced_transitional_state_blocks_update_and_delete() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let arn = new_lc(&client, "bucket").await;
        for forced in ["CREATING", "UPDATING"] {
            emu.set_logging_configuration_state(&arn, forced)
                .expect("force state");
            // docs/emulator.md: one that is CREATING / UPDATING can be neither
            // updated nor deleted (409).
            assert_error(
                client
                    .update_logging_configuration()
                    .identifier(&arn)
                    .name("x")
                    .send()
                    .await,
                409,
                "ConflictException",
                &format!("Update while {forced}"),
            );
            assert_error(
                client
                    .delete_logging_configuration()
                    .identifier(&arn)
                    .send()
                    .await,
                409,
                "ConflictException",
                &format!("Delete while {forced}"),
            );
        }
    });
}

// ---------------------------------------------------------------------------
// 11. Chat operations: missing rooms and attributes
// ---------------------------------------------------------------------------

#[test]
fn chat_operations_on_a_missing_room_are_404() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let e = assert_error(
            client
                .create_chat_token()
                .room_identifier(MISSING_ROOM)
                .user_id("u")
                .send()
                .await,
            404,
            "ResourceNotFoundException",
            "CreateChatToken",
        );
        assert!(matches!(
            e.into_service_error(),
            CreateChatTokenError::ResourceNotFoundException(_)
        ));
        let e = assert_error(
            client
                .send_event()
                .room_identifier(MISSING_ROOM)
                .event_name("e")
                .send()
                .await,
            404,
            "ResourceNotFoundException",
            "SendEvent",
        );
        assert!(matches!(
            e.into_service_error(),
            SendEventError::ResourceNotFoundException(_)
        ));
        let e = assert_error(
            client
                .delete_message()
                .room_identifier(MISSING_ROOM)
                .id("AbCdEfGhIjKl")
                .send()
                .await,
            404,
            "ResourceNotFoundException",
            "DeleteMessage",
        );
        assert!(matches!(
            e.into_service_error(),
            DeleteMessageError::ResourceNotFoundException(_)
        ));
        let e = assert_error(
            client
                .disconnect_user()
                .room_identifier(MISSING_ROOM)
                .user_id("u")
                .send()
                .await,
            404,
            "ResourceNotFoundException",
            "DisconnectUser",
        );
        match e.into_service_error() {
            DisconnectUserError::ResourceNotFoundException(nf) => {
                assert_eq!(nf.resource_id(), "AAAAAAAAAAAA")
            }
            other => panic!("expected ResourceNotFoundException, got {other:?}"),
        }
    });
}

#[test]
fn chat_attributes_are_limited_to_1_kb() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let room = new_room(&client).await;
        // Sizes are UTF-8 bytes of keys and values: "é" is 2 bytes.
        let exactly_1024 = [
            tags(&[("k", &"v".repeat(1023))]),
            tags(&[("ab", &"é".repeat(511))]),
            tags(&[("a", &"x".repeat(500)), ("b", &"y".repeat(522))]),
        ];
        let over = [
            tags(&[("k", &"v".repeat(1024))]),
            tags(&[("ab", &"é".repeat(512))]),
            tags(&[("a", &"x".repeat(500)), ("b", &"y".repeat(523))]),
        ];
        for attrs in &exactly_1024 {
            client
                .create_chat_token()
                .room_identifier(&room)
                .user_id("u")
                .set_attributes(Some(attrs.clone()))
                .send()
                .await
                .expect("CreateChatToken with 1024 bytes of attributes");
            client
                .send_event()
                .room_identifier(&room)
                .event_name("e")
                .set_attributes(Some(attrs.clone()))
                .send()
                .await
                .expect("SendEvent with 1024 bytes of attributes");
        }
        for attrs in &over {
            assert_validation(
                client
                    .create_chat_token()
                    .room_identifier(&room)
                    .user_id("u")
                    .set_attributes(Some(attrs.clone()))
                    .send()
                    .await,
                &["attributes"],
                "CreateChatToken over 1 KB",
            );
            assert_validation(
                client
                    .send_event()
                    .room_identifier(&room)
                    .event_name("e")
                    .set_attributes(Some(attrs.clone()))
                    .send()
                    .await,
                &["attributes"],
                "SendEvent over 1 KB",
            );
        }
    });
}

// ---------------------------------------------------------------------------
// 12. The request log
// ---------------------------------------------------------------------------

#[test]
fn request_log_records_every_sdk_call_exactly() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async {
        let arn = client
            .create_room()
            .name("logged")
            .tags("team", "video")
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_string();
        client.get_room().identifier(&arn).send().await.unwrap();
        let _ = client.get_room().identifier(MISSING_ROOM).send().await;
        let _ = client.create_room().maximum_message_length(0).send().await;
        client
            .tag_resource()
            .resource_arn(&arn)
            .tags("a b", "1")
            .tags("c/d", "2")
            .send()
            .await
            .unwrap();
        client
            .untag_resource()
            .resource_arn(&arn)
            .tag_keys("a b")
            .tag_keys("c/d")
            .send()
            .await
            .unwrap();
        client
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .unwrap();
        client.delete_room().identifier(&arn).send().await.unwrap();

        assert_eq!(emu.count("CreateRoom"), 2);
        assert_eq!(emu.count("GetRoom"), 2);
        assert_eq!(emu.count("ListRooms"), 0);
        let expected_counts: BTreeMap<String, u64> = [
            ("CreateRoom", 2),
            ("DeleteRoom", 1),
            ("GetRoom", 2),
            ("ListTagsForResource", 1),
            ("TagResource", 1),
            ("UntagResource", 1),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(emu.counts(), expected_counts);

        let log = emu.requests();
        let summary: Vec<(u64, &str, &str, u16, Option<&str>)> = log
            .iter()
            .map(|r| {
                (
                    r.seq,
                    r.operation.as_str(),
                    r.method.as_str(),
                    r.status,
                    r.error.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (1, "CreateRoom", "POST", 200, None),
                (2, "GetRoom", "POST", 200, None),
                (3, "GetRoom", "POST", 404, Some("ResourceNotFoundException")),
                (4, "CreateRoom", "POST", 400, Some("ValidationException")),
                (5, "TagResource", "POST", 200, None),
                (6, "UntagResource", "DELETE", 200, None),
                (7, "ListTagsForResource", "GET", 200, None),
                (8, "DeleteRoom", "POST", 204, None),
            ]
        );
        let inputs: Vec<&Value> = log.iter().map(|r| &r.input).collect();
        assert_eq!(
            inputs,
            [
                &json!({"name": "logged", "tags": {"team": "video"}}),
                &json!({"identifier": arn}),
                &json!({"identifier": MISSING_ROOM}),
                &json!({"maximumMessageLength": 0}),
                &json!({"resourceArn": arn, "tags": {"a b": "1", "c/d": "2"}}),
                &json!({"resourceArn": arn, "tagKeys": ["a b", "c/d"]}),
                &json!({"resourceArn": arn}),
                &json!({"identifier": arn}),
            ]
        );
        assert_eq!(log[0].path, "/CreateRoom");
        assert!(log[5].path.starts_with("/tags/"), "{}", log[5].path);
        assert!(
            !log[5]
                .path
                .trim_start_matches("/tags/")
                .contains(['/', ':']),
            "the ARN travels percent-encoded: {}",
            log[5].path
        );
        assert!(log.iter().all(|r| r.latency_ms >= 0.0));

        emu.clear_requests();
        assert!(emu.requests().is_empty());
        assert_eq!(emu.count("CreateRoom"), 0);
        client.list_rooms().send().await.unwrap();
        let log = emu.requests();
        assert_eq!(log.len(), 1);
        assert_eq!(
            (log[0].operation.as_str(), log[0].status),
            ("ListRooms", 200)
        );
        assert_eq!(log[0].input, json!({}));
    });
}
