//! The only code that writes through aws-sdk-ivschat: one function per
//! write, each through `Api::call` (paced, retried by its class: creates only
//! on throttling, everything else on throttling and transient errors too),
//! with the request built from the plan's values by the field tables.

use super::ApplyError;
use crate::aws::{sdk_map, Api, ApiError, Retry};
use crate::model::{LoggingConfigurationState, Tags};
use crate::schema::logging::LOGGING;
use crate::schema::room::ROOM;
use crate::schema::Values;
use std::time::Duration;

/// CreateRoom with every field and tag; returns the new ARN.
pub async fn create_room(api: &Api, values: &Values, tags: &Tags) -> Result<String, ApiError> {
    let target = values
        .get(&crate::schema::Field::Name)
        .and_then(|v| v.as_text())
        .unwrap_or("");
    api.call(
        "CreateRoom",
        target,
        Retry::THROTTLING_ONLY,
        |client| async move {
            let mut req = client.create_room().set_tags(Some(sdk_map(tags)));
            for (field, value) in values {
                if let Some(row) = ROOM.iter().find(|r| r.field == *field) {
                    req = (row.create)(req, value);
                }
            }
            let out = req
                .send()
                .await
                .map_err(|e| ApiError::from_sdk("CreateRoom", e))?;
            out.arn()
                .map(String::from)
                .ok_or_else(|| ApiError::malformed("CreateRoom", "the response has no ARN"))
        },
    )
    .await
}

/// CreateLoggingConfiguration with every field and tag; returns the new ARN.
pub async fn create_logging_configuration(
    api: &Api,
    values: &Values,
    tags: &Tags,
) -> Result<String, ApiError> {
    let target = values
        .get(&crate::schema::Field::Name)
        .and_then(|v| v.as_text())
        .unwrap_or("");
    api.call(
        "CreateLoggingConfiguration",
        target,
        Retry::THROTTLING_ONLY,
        |client| async move {
            let mut req = client
                .create_logging_configuration()
                .set_tags(Some(sdk_map(tags)));
            for (field, value) in values {
                if let Some(row) = LOGGING.iter().find(|r| r.field == *field) {
                    req = (row.create)(req, value);
                }
            }
            let out = req
                .send()
                .await
                .map_err(|e| ApiError::from_sdk("CreateLoggingConfiguration", e))?;
            out.arn().map(String::from).ok_or_else(|| {
                ApiError::malformed("CreateLoggingConfiguration", "the response has no ARN")
            })
        },
    )
    .await
}

/// UpdateRoom with only the changed fields; returns the updateTime it
/// produced (empty when the answer has none).
pub async fn update_room(api: &Api, arn: &str, values: &Values) -> Result<String, ApiError> {
    api.call("UpdateRoom", arn, Retry::IDEMPOTENT, |client| async move {
        let mut req = client.update_room().identifier(arn);
        for (field, value) in values {
            if let Some(row) = ROOM.iter().find(|r| r.field == *field) {
                req = (row.update)(req, value);
            }
        }
        req.send()
            .await
            .map(|out| crate::aws::iso_time(out.update_time()))
            .map_err(|e| ApiError::from_sdk("UpdateRoom", e))
    })
    .await
}

/// UpdateLoggingConfiguration with only the changed fields; returns the
/// updateTime it produced. A conflict (an update in flight) is retried.
pub async fn update_logging_configuration(
    api: &Api,
    arn: &str,
    values: &Values,
) -> Result<String, ApiError> {
    api.call(
        "UpdateLoggingConfiguration",
        arn,
        Retry::IDEMPOTENT.and_conflicts(),
        |client| async move {
            let mut req = client.update_logging_configuration().identifier(arn);
            for (field, value) in values {
                if let Some(row) = LOGGING.iter().find(|r| r.field == *field) {
                    req = (row.update)(req, value);
                }
            }
            req.send()
                .await
                .map(|out| crate::aws::iso_time(out.update_time()))
                .map_err(|e| ApiError::from_sdk("UpdateLoggingConfiguration", e))
        },
    )
    .await
}

/// Already gone counts as deleted.
fn gone_is_done(r: Result<(), ApiError>) -> Result<(), ApiError> {
    match r {
        Err(e) if e.is_not_found() => Ok(()),
        other => other,
    }
}

/// DeleteRoom; a room that is already gone counts as deleted.
pub async fn delete_room(api: &Api, arn: &str) -> Result<(), ApiError> {
    gone_is_done(
        api.call("DeleteRoom", arn, Retry::IDEMPOTENT, |client| async move {
            client
                .delete_room()
                .identifier(arn)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| ApiError::from_sdk("DeleteRoom", e))
        })
        .await,
    )
}

/// DeleteLoggingConfiguration; already gone counts as deleted; a conflict
/// (still transitioning) is retried.
pub async fn delete_logging_configuration(api: &Api, arn: &str) -> Result<(), ApiError> {
    gone_is_done(
        api.call(
            "DeleteLoggingConfiguration",
            arn,
            Retry::IDEMPOTENT.and_conflicts(),
            |client| async move {
                client
                    .delete_logging_configuration()
                    .identifier(arn)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| ApiError::from_sdk("DeleteLoggingConfiguration", e))
            },
        )
        .await,
    )
}

pub async fn untag(api: &Api, arn: &str, keys: &[String]) -> Result<(), ApiError> {
    api.call(
        "UntagResource",
        arn,
        Retry::IDEMPOTENT,
        |client| async move {
            client
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(keys.to_vec()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| ApiError::from_sdk("UntagResource", e))
        },
    )
    .await
}

pub async fn tag(api: &Api, arn: &str, tags: &Tags) -> Result<(), ApiError> {
    api.call("TagResource", arn, Retry::IDEMPOTENT, |client| async move {
        client
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(sdk_map(tags)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| ApiError::from_sdk("TagResource", e))
    })
    .await
}

/// Polls until the logging configuration is ACTIVE; a *_FAILED state, its
/// disappearance, or `timeout` is an error.
/// `label` names it in progress lines (`loggingConfigurations.archive`).
pub async fn wait_active(
    api: &Api,
    label: &str,
    arn: &str,
    timeout: Duration,
) -> Result<(), ApplyError> {
    let started = std::time::Instant::now();
    let mut delay = Duration::from_millis(100);
    let wait = crate::heartbeat::waiting(format!("{label} to become ACTIVE"));
    loop {
        match crate::live::get_logging_configuration(api, arn).await? {
            Some(lc) if lc.state == LoggingConfigurationState::Active => return Ok(()),
            Some(lc) if lc.state.is_failed() => {
                return Err(ApplyError::NotUsable {
                    arn: arn.to_string(),
                    state: lc.state.as_str().to_string(),
                })
            }
            Some(lc) => wait.set(format!(
                "{label} to become ACTIVE (it is {})",
                lc.state.as_str()
            )),
            None => {
                return Err(ApplyError::Disappeared {
                    arn: arn.to_string(),
                })
            }
        }
        if started.elapsed() > timeout {
            return Err(ApplyError::NotActive {
                arn: arn.to_string(),
                secs: timeout.as_secs(),
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}
