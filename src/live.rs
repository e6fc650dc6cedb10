//! The only code that reads through aws-sdk-ivschat. It converts SDK types into
//! model types at the boundary.
//!
//! Discovery is ListLoggingConfigurations and ListRooms over all pages (their
//! summaries carry tags and every logging-configuration field). A room the
//! caller needs in full (the two maxima are not in the summaries) is filled
//! in from its applied record when the record proves them (`record.rs`: no
//! update since ivsctl wrote it), and read with GetRoom otherwise. The two
//! list chains run concurrently, and GetRoom calls start as soon as the page
//! naming their room arrives, so the operations' rate quotas are used in
//! parallel. Every call goes through `Api::call` (paced, retried).

use crate::aws::{iso_time as time, Api, ApiError, Retry};
use crate::model::{
    Address, Destination, FallbackResult, LiveLoggingConfiguration, LiveRoom, LiveState,
    LoggingConfigurationState, MessageReviewHandler, Tags,
};
use aws_sdk_ivschat::types::{DestinationConfiguration, LoggingConfigurationSummary, RoomSummary};
use std::collections::HashMap;
use std::sync::Arc;

/// The API's largest page.
const PAGE_SIZE: i32 = 50;

/// What discovery needs of a room beyond its summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// The summary is enough (rooms of other stacks, rooms to delete).
    Summary,
    /// Every field: from the room's applied record when it proves them
    /// (the record of `address` in `stack`), else read with GetRoom.
    Fields { stack: String, address: Address },
    /// Every field, read with GetRoom (`--refresh full`).
    Read,
}

/// How the rooms needed in full were refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Refreshed {
    /// Filled in from their applied record, without GetRoom.
    pub proven: usize,
    /// Read with GetRoom.
    pub read: usize,
}

/// Reads every logging configuration and room of the account and region,
/// and each room in full as `need` says.
pub async fn discover<F>(api: &Api, need: F) -> Result<(LiveState, Refreshed), ApiError>
where
    F: Fn(&LiveRoom) -> Need,
{
    let (logging_configurations, (rooms, refreshed)) = tokio::try_join!(
        list_logging_configurations(api),
        list_rooms_with_details(api, &need)
    )?;
    Ok((
        LiveState {
            logging_configurations,
            rooms,
        },
        refreshed,
    ))
}

/// All logging configurations, every page.
pub async fn list_logging_configurations(
    api: &Api,
) -> Result<Vec<LiveLoggingConfiguration>, ApiError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let target = token.as_deref().map(|_| "(next page)").unwrap_or("");
        let next = token.take();
        let page = api
            .call(
                "ListLoggingConfigurations",
                target,
                Retry::IDEMPOTENT,
                |client| {
                    let next = next.clone();
                    async move {
                        client
                            .list_logging_configurations()
                            .max_results(PAGE_SIZE)
                            .set_next_token(next)
                            .send()
                            .await
                            .map_err(|e| ApiError::from_sdk("ListLoggingConfigurations", e))
                    }
                },
            )
            .await?;
        for s in page.logging_configurations() {
            out.push(lc_from_summary(s)?);
        }
        match page.next_token().filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t.to_string()),
            None => return Ok(out),
        }
    }
}

/// All rooms (summaries only), every page.
pub async fn list_rooms(api: &Api) -> Result<Vec<LiveRoom>, ApiError> {
    Ok(list_rooms_with_details(api, &|_| Need::Summary).await?.0)
}

/// GetRoom calls in flight at most (unpaced, against an emulator, every
/// room would otherwise get its own connection at once).
const MAX_GETS_IN_FLIGHT: usize = 32;

async fn list_rooms_with_details(
    api: &Api,
    need: &dyn Fn(&LiveRoom) -> Need,
) -> Result<(Vec<LiveRoom>, Refreshed), ApiError> {
    let mut rooms: Vec<LiveRoom> = Vec::new();
    let mut refreshed = Refreshed::default();
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_GETS_IN_FLIGHT));
    let mut gets = tokio::task::JoinSet::new();
    let mut token: Option<String> = None;
    loop {
        let target = token.as_deref().map(|_| "(next page)").unwrap_or("");
        let next = token.take();
        let page = api
            .call("ListRooms", target, Retry::IDEMPOTENT, |client| {
                let next = next.clone();
                async move {
                    client
                        .list_rooms()
                        .max_results(PAGE_SIZE)
                        .set_next_token(next)
                        .send()
                        .await
                        .map_err(|e| ApiError::from_sdk("ListRooms", e))
                }
            })
            .await?;
        for s in page.rooms() {
            let room = room_from_summary(s)?;
            let proven = match need(&room) {
                Need::Summary => {
                    rooms.push(room);
                    continue;
                }
                Need::Fields { stack, address } => {
                    crate::record::prove_room(&room, &stack, &address)
                }
                Need::Read => None,
            };
            match proven {
                Some(full) => {
                    refreshed.proven += 1;
                    rooms.push(full);
                }
                None => {
                    refreshed.read += 1;
                    let (api, arn, slots) = (api.clone(), room.arn.clone(), Arc::clone(&slots));
                    gets.spawn(async move {
                        let _slot = slots.acquire_owned().await;
                        (arn.clone(), get_room(&api, &arn).await)
                    });
                    rooms.push(room);
                }
            }
        }
        match page.next_token().filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    let mut details: HashMap<String, Option<LiveRoom>> = HashMap::new();
    while let Some(joined) = gets.join_next().await {
        let (arn, result) =
            joined.map_err(|e| ApiError::malformed("GetRoom", format!("task failed: {e}")))?;
        details.insert(arn, result?);
    }
    // A room deleted between the list and its GetRoom is gone: drop it.
    let rooms = rooms
        .into_iter()
        .filter_map(|r| match details.remove(&r.arn) {
            Some(detailed) => detailed,
            None => Some(r),
        })
        .collect();
    Ok((rooms, refreshed))
}

/// GetRoom; `None` when the room does not exist.
pub async fn get_room(api: &Api, arn: &str) -> Result<Option<LiveRoom>, ApiError> {
    let got = api
        .call("GetRoom", arn, Retry::IDEMPOTENT, |client| async move {
            client
                .get_room()
                .identifier(arn)
                .send()
                .await
                .map_err(|e| ApiError::from_sdk("GetRoom", e))
        })
        .await;
    match got {
        Ok(out) => Ok(Some(LiveRoom {
            arn: required(out.arn(), "GetRoom", "arn")?,
            id: required(out.id(), "GetRoom", "id")?,
            name: out.name().unwrap_or("").to_string(),
            maximum_message_length: out.maximum_message_length(),
            maximum_message_rate_per_second: out.maximum_message_rate_per_second(),
            message_review_handler: handler(out.message_review_handler()),
            logging_configuration_arns: out.logging_configuration_identifiers().to_vec(),
            tags: tags(out.tags()),
            create_time: time(out.create_time()),
            update_time: time(out.update_time()),
        })),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// GetLoggingConfiguration; `None` when it does not exist.
pub async fn get_logging_configuration(
    api: &Api,
    arn: &str,
) -> Result<Option<LiveLoggingConfiguration>, ApiError> {
    let got = api
        .call(
            "GetLoggingConfiguration",
            arn,
            Retry::IDEMPOTENT,
            |client| async move {
                client
                    .get_logging_configuration()
                    .identifier(arn)
                    .send()
                    .await
                    .map_err(|e| ApiError::from_sdk("GetLoggingConfiguration", e))
            },
        )
        .await;
    match got {
        Ok(out) => Ok(Some(LiveLoggingConfiguration {
            arn: required(out.arn(), "GetLoggingConfiguration", "arn")?,
            id: required(out.id(), "GetLoggingConfiguration", "id")?,
            name: out.name().unwrap_or("").to_string(),
            destination: destination(out.destination_configuration(), "GetLoggingConfiguration")?,
            state: LoggingConfigurationState::parse(out.state().map(|s| s.as_str()).unwrap_or("")),
            tags: tags(out.tags()),
            create_time: time(out.create_time()),
            update_time: time(out.update_time()),
        })),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

fn required(v: Option<&str>, operation: &'static str, field: &str) -> Result<String, ApiError> {
    v.map(String::from)
        .ok_or_else(|| ApiError::malformed(operation, format!("the response has no `{field}`")))
}

fn room_from_summary(s: &RoomSummary) -> Result<LiveRoom, ApiError> {
    Ok(LiveRoom {
        arn: required(s.arn(), "ListRooms", "arn")?,
        id: required(s.id(), "ListRooms", "id")?,
        name: s.name().unwrap_or("").to_string(),
        maximum_message_length: None,
        maximum_message_rate_per_second: None,
        message_review_handler: handler(s.message_review_handler()),
        logging_configuration_arns: s.logging_configuration_identifiers().to_vec(),
        tags: tags(s.tags()),
        create_time: time(s.create_time()),
        update_time: time(s.update_time()),
    })
}

fn lc_from_summary(s: &LoggingConfigurationSummary) -> Result<LiveLoggingConfiguration, ApiError> {
    Ok(LiveLoggingConfiguration {
        arn: required(s.arn(), "ListLoggingConfigurations", "arn")?,
        id: required(s.id(), "ListLoggingConfigurations", "id")?,
        name: s.name().unwrap_or("").to_string(),
        destination: destination(s.destination_configuration(), "ListLoggingConfigurations")?,
        state: LoggingConfigurationState::parse(s.state().map(|st| st.as_str()).unwrap_or("")),
        tags: tags(s.tags()),
        create_time: time(s.create_time()),
        update_time: time(s.update_time()),
    })
}

/// An absent handler, or one with an empty uri, is no handler.
fn handler(
    h: Option<&aws_sdk_ivschat::types::MessageReviewHandler>,
) -> Option<MessageReviewHandler> {
    let h = h?;
    let uri = h.uri().unwrap_or("");
    if uri.is_empty() {
        return None;
    }
    Some(MessageReviewHandler {
        uri: uri.to_string(),
        fallback_result: h
            .fallback_result()
            .and_then(|f| FallbackResult::parse(f.as_str()))
            .unwrap_or_default(),
    })
}

fn destination(
    d: Option<&DestinationConfiguration>,
    operation: &'static str,
) -> Result<Destination, ApiError> {
    let unknown = |what: &str| {
        ApiError::malformed(
            operation,
            format!("a logging configuration has {what}; this version of ivsctl knows s3, cloudWatchLogs and firehose"),
        )
    };
    match d {
        Some(DestinationConfiguration::S3(s)) => Ok(Destination::S3 {
            bucket_name: s.bucket_name().to_string(),
        }),
        Some(DestinationConfiguration::CloudWatchLogs(c)) => Ok(Destination::CloudWatchLogs {
            log_group_name: c.log_group_name().to_string(),
        }),
        Some(DestinationConfiguration::Firehose(f)) => Ok(Destination::Firehose {
            delivery_stream_name: f.delivery_stream_name().to_string(),
        }),
        Some(_) => Err(unknown("an unknown destination type")),
        None => Err(unknown("no destination")),
    }
}

fn tags(t: Option<&HashMap<String, String>>) -> Tags {
    t.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// The List pages of the types asked for, summaries only (no GetRoom): what
/// a saved plan's staleness check and the commands that need only ARNs and
/// tags read.
pub async fn list(
    api: &Api,
    rooms: bool,
    logging_configurations: bool,
) -> Result<LiveState, ApiError> {
    let (logging_configurations, rooms) = tokio::try_join!(
        async {
            if logging_configurations {
                list_logging_configurations(api).await
            } else {
                Ok(Vec::new())
            }
        },
        async {
            if rooms {
                list_rooms(api).await
            } else {
                Ok(Vec::new())
            }
        }
    )?;
    Ok(LiveState {
        logging_configurations,
        rooms,
    })
}
