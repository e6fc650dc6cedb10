//! The only code that writes through aws-sdk-ivschat: one function per write,
//! each paced to its operation's rate quota.
//!
//! Retries: updates, deletes and tag calls are idempotent, so the SDK's
//! standard retry (throttling, 5xx, timeouts) covers them. Creates are not: a
//! 500 or a timeout may hide a resource that was created, and a blind retry
//! would make a duplicate. Creates are therefore retried only on
//! ThrottlingException (which applies nothing); any other failure is reported
//! and the next apply, which re-reads the account, converges.

use crate::aws::{sdk_map, Api, ApiError};
use crate::model::Tags;
use crate::plan::{Handler, PlanDestination, RoomSpec, RoomUpdate};
use aws_sdk_ivschat::config::retry::RetryConfig;
use aws_sdk_ivschat::types::{
    CloudWatchLogsDestinationConfiguration, DestinationConfiguration, FallbackResult,
    FirehoseDestinationConfiguration, MessageReviewHandler, S3DestinationConfiguration,
};
use std::time::Duration;

/// Attempts for a create that keeps being throttled.
const CREATE_THROTTLE_ATTEMPTS: u32 = 8;

fn no_retry() -> aws_sdk_ivschat::config::Builder {
    aws_sdk_ivschat::config::Builder::default().retry_config(RetryConfig::disabled())
}

fn is_throttling(e: &ApiError) -> bool {
    e.code.as_deref() == Some("ThrottlingException") || e.status == Some(429)
}

/// Backoff before attempt `n` (1-based) of a throttled create.
fn backoff(n: u32) -> Duration {
    Duration::from_millis((200u64 << n.min(6)).min(10_000))
}

fn sdk_handler(h: &Option<Handler>) -> MessageReviewHandler {
    match h {
        Some(h) => MessageReviewHandler::builder()
            .uri(&h.uri)
            .fallback_result(FallbackResult::from(h.fallback_result.as_str()))
            .build(),
        // An empty uri removes the handler.
        None => MessageReviewHandler::builder().uri("").build(),
    }
}

fn sdk_destination(d: &PlanDestination) -> Result<DestinationConfiguration, ApiError> {
    let invalid = |e: aws_sdk_ivschat::error::BuildError| ApiError {
        operation: "destination".into(),
        code: None,
        status: None,
        message: e.to_string(),
    };
    Ok(match d {
        PlanDestination::S3 { bucket_name } => DestinationConfiguration::S3(
            S3DestinationConfiguration::builder()
                .bucket_name(bucket_name)
                .build()
                .map_err(invalid)?,
        ),
        PlanDestination::CloudWatchLogs { log_group_name } => {
            DestinationConfiguration::CloudWatchLogs(
                CloudWatchLogsDestinationConfiguration::builder()
                    .log_group_name(log_group_name)
                    .build()
                    .map_err(invalid)?,
            )
        }
        PlanDestination::Firehose {
            delivery_stream_name,
        } => DestinationConfiguration::Firehose(
            FirehoseDestinationConfiguration::builder()
                .delivery_stream_name(delivery_stream_name)
                .build()
                .map_err(invalid)?,
        ),
    })
}

/// CreateRoom with its tags; `logging_arns` are the resolved references.
pub async fn create_room(
    api: &Api,
    spec: &RoomSpec,
    logging_arns: Vec<String>,
    tags: &Tags,
) -> Result<String, ApiError> {
    let mut attempt = 1;
    loop {
        api.pace("CreateRoom", &spec.name).await;
        let mut req = api
            .client
            .create_room()
            .name(&spec.name)
            .maximum_message_length(spec.maximum_message_length)
            .maximum_message_rate_per_second(spec.maximum_message_rate_per_second)
            .set_tags(Some(sdk_map(tags)));
        if spec.message_review_handler.is_some() {
            req = req.message_review_handler(sdk_handler(&spec.message_review_handler));
        }
        if !logging_arns.is_empty() {
            req = req.set_logging_configuration_identifiers(Some(logging_arns.clone()));
        }
        match req.customize().config_override(no_retry()).send().await {
            Ok(out) => {
                return out
                    .arn()
                    .map(String::from)
                    .ok_or_else(|| missing_arn("CreateRoom"))
            }
            Err(e) => {
                let e = ApiError::from_sdk("CreateRoom", e);
                if is_throttling(&e) && attempt < CREATE_THROTTLE_ATTEMPTS {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                    continue;
                }
                return Err(e);
            }
        }
    }
}

fn missing_arn(op: &str) -> ApiError {
    ApiError {
        operation: op.into(),
        code: None,
        status: None,
        message: "the response has no ARN".into(),
    }
}

pub async fn create_logging_configuration(
    api: &Api,
    name: &str,
    destination: &PlanDestination,
    tags: &Tags,
) -> Result<String, ApiError> {
    let destination = sdk_destination(destination)?;
    let mut attempt = 1;
    loop {
        api.pace("CreateLoggingConfiguration", name).await;
        let sent = api
            .client
            .create_logging_configuration()
            .name(name)
            .destination_configuration(destination.clone())
            .set_tags(Some(sdk_map(tags)))
            .customize()
            .config_override(no_retry())
            .send()
            .await;
        match sent {
            Ok(out) => {
                return out
                    .arn()
                    .map(String::from)
                    .ok_or_else(|| missing_arn("CreateLoggingConfiguration"))
            }
            Err(e) => {
                let e = ApiError::from_sdk("CreateLoggingConfiguration", e);
                if is_throttling(&e) && attempt < CREATE_THROTTLE_ATTEMPTS {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                    continue;
                }
                return Err(e);
            }
        }
    }
}

/// UpdateRoom with only the fields in `update`.
pub async fn update_room(
    api: &Api,
    arn: &str,
    update: &RoomUpdate,
    logging_arns: Option<Vec<String>>,
) -> Result<(), ApiError> {
    api.pace("UpdateRoom", arn).await;
    let mut req = api.client.update_room().identifier(arn);
    if let Some(name) = &update.name {
        req = req.name(name);
    }
    if let Some(n) = update.maximum_message_length {
        req = req.maximum_message_length(n);
    }
    if let Some(n) = update.maximum_message_rate_per_second {
        req = req.maximum_message_rate_per_second(n);
    }
    if let Some(h) = &update.message_review_handler {
        req = req.message_review_handler(sdk_handler(h));
    }
    if let Some(list) = logging_arns {
        // An empty list is sent as [] and clears the room's list.
        req = req.set_logging_configuration_identifiers(Some(list));
    }
    req.send()
        .await
        .map(|_| ())
        .map_err(|e| ApiError::from_sdk("UpdateRoom", e))
}

/// Conflicts on logging configurations are transient (an update in flight):
/// they are retried a few times with backoff.
const CONFLICT_ATTEMPTS: u32 = 6;

pub async fn update_logging_configuration(
    api: &Api,
    arn: &str,
    name: Option<&str>,
    destination: Option<&PlanDestination>,
) -> Result<(), ApiError> {
    let destination = destination.map(sdk_destination).transpose()?;
    let mut attempt = 1;
    loop {
        api.pace("UpdateLoggingConfiguration", arn).await;
        let sent = api
            .client
            .update_logging_configuration()
            .identifier(arn)
            .set_name(name.map(String::from))
            .set_destination_configuration(destination.clone())
            .send()
            .await;
        match sent {
            Ok(_) => return Ok(()),
            Err(e) => {
                let e = ApiError::from_sdk("UpdateLoggingConfiguration", e);
                if e.code.as_deref() == Some("ConflictException") && attempt < CONFLICT_ATTEMPTS {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                    continue;
                }
                return Err(e);
            }
        }
    }
}

/// DeleteRoom; a room that is already gone counts as deleted.
pub async fn delete_room(api: &Api, arn: &str) -> Result<(), ApiError> {
    api.pace("DeleteRoom", arn).await;
    match api.client.delete_room().identifier(arn).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = ApiError::from_sdk("DeleteRoom", e);
            if e.is_not_found() {
                Ok(())
            } else {
                Err(e)
            }
        }
    }
}

/// DeleteLoggingConfiguration; already gone counts as deleted; a conflict
/// (still transitioning) is retried.
pub async fn delete_logging_configuration(api: &Api, arn: &str) -> Result<(), ApiError> {
    let mut attempt = 1;
    loop {
        api.pace("DeleteLoggingConfiguration", arn).await;
        match api
            .client
            .delete_logging_configuration()
            .identifier(arn)
            .send()
            .await
        {
            Ok(_) => return Ok(()),
            Err(e) => {
                let e = ApiError::from_sdk("DeleteLoggingConfiguration", e);
                if e.is_not_found() {
                    return Ok(());
                }
                if e.code.as_deref() == Some("ConflictException") && attempt < CONFLICT_ATTEMPTS {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                    continue;
                }
                return Err(e);
            }
        }
    }
}

pub async fn untag(api: &Api, arn: &str, keys: &[String]) -> Result<(), ApiError> {
    api.pace("UntagResource", arn).await;
    api.client
        .untag_resource()
        .resource_arn(arn)
        .set_tag_keys(Some(keys.to_vec()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| ApiError::from_sdk("UntagResource", e))
}

pub async fn tag(api: &Api, arn: &str, tags: &Tags) -> Result<(), ApiError> {
    api.pace("TagResource", arn).await;
    api.client
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(sdk_map(tags)))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| ApiError::from_sdk("TagResource", e))
}

/// Polls until the logging configuration is ACTIVE; a *_FAILED state, or
/// `timeout`, is an error.
pub async fn wait_active(api: &Api, arn: &str, timeout: Duration) -> Result<(), ApiError> {
    let started = std::time::Instant::now();
    let mut delay = Duration::from_millis(100);
    loop {
        match crate::live::get_logging_configuration(api, arn).await? {
            Some(lc) if lc.state == crate::model::LoggingConfigurationState::Active => {
                return Ok(())
            }
            Some(lc) if lc.state.is_failed() => {
                return Err(ApiError {
                    operation: "GetLoggingConfiguration".into(),
                    code: None,
                    status: None,
                    message: format!("logging configuration {arn} is {}", lc.state.as_str()),
                })
            }
            Some(_) => {}
            None => {
                return Err(ApiError {
                    operation: "GetLoggingConfiguration".into(),
                    code: Some("ResourceNotFoundException".into()),
                    status: Some(404),
                    message: format!(
                        "logging configuration {arn} disappeared while waiting for it to be ACTIVE"
                    ),
                })
            }
        }
        if started.elapsed() > timeout {
            return Err(ApiError {
                operation: "GetLoggingConfiguration".into(),
                code: None,
                status: None,
                message: format!(
                    "logging configuration {arn} was not ACTIVE after {} s",
                    timeout.as_secs()
                ),
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}
