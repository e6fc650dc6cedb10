//! Builders of model values for unit tests (planner, renderers, apply order):
//! one account in us-west-2, one stack, times T0 < T1.

use crate::model::*;

pub const STACK: &str = "prod-chat";
pub const T0: &str = "2026-11-26T01:00:00.000Z";
pub const T1: &str = "2026-11-26T02:00:00.000Z";

pub fn lc_arn(id: &str) -> String {
    format!("arn:aws:ivschat:us-west-2:123456789012:logging-configuration/{id}")
}

pub fn room_arn(id: &str) -> String {
    format!("arn:aws:ivschat:us-west-2:123456789012:room/{id}")
}

pub fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The ownership tags of `key` in STACK.
pub fn owned(key: &str) -> Tags {
    tags(&[(TAG_STACK, STACK), (TAG_KEY, key)])
}

/// An empty desired STACK.
pub fn desired() -> DesiredStack {
    DesiredStack {
        stack: STACK.into(),
        ..Default::default()
    }
}

/// A desired room with every default.
pub fn d_room(name: &str) -> DesiredRoom {
    DesiredRoom {
        name: name.into(),
        maximum_message_length: 500,
        maximum_message_rate_per_second: 10,
        message_review_handler: None,
        logging_configurations: vec![],
        tags: Tags::new(),
        protect: false,
        import: None,
    }
}

/// A live room of STACK with every default, created by ivsctl (with its
/// applied record) and never updated.
pub fn l_room(id: &str, key: &str) -> LiveRoom {
    recorded(LiveRoom {
        arn: room_arn(id),
        id: id.into(),
        name: key.into(),
        maximum_message_length: Some(500),
        maximum_message_rate_per_second: Some(10),
        message_review_handler: None,
        logging_configuration_arns: vec![],
        tags: owned(key),
        create_time: T0.into(),
        update_time: T0.into(),
    })
}

/// A desired logging configuration to S3.
pub fn d_lc(name: &str, bucket: &str) -> DesiredLoggingConfiguration {
    DesiredLoggingConfiguration {
        name: name.into(),
        destination: Destination::S3 {
            bucket_name: bucket.into(),
        },
        tags: Tags::new(),
        protect: false,
        import: None,
    }
}

/// A live, ACTIVE logging configuration of STACK to S3, created by ivsctl
/// (with its applied record) and never updated.
pub fn l_lc(id: &str, key: &str, bucket: &str) -> LiveLoggingConfiguration {
    recorded_lc(LiveLoggingConfiguration {
        arn: lc_arn(id),
        id: id.into(),
        name: key.into(),
        destination: Destination::S3 {
            bucket_name: bucket.into(),
        },
        state: LoggingConfigurationState::Active,
        tags: owned(key),
        create_time: T0.into(),
        update_time: T0.into(),
    })
}

/// The applied record of a resource at `address` (of the stack its tags
/// name) that ivsctl wrote with exactly these values and tags, as created.
fn record_of(address: &Address, values: &crate::schema::Values, tags: &Tags) -> String {
    let stack = tags.get(TAG_STACK).map(String::as_str).unwrap_or(STACK);
    crate::record::Record::new(address, values, tags, crate::record::AppliedTime::Created)
        .encode(&crate::record::identity(stack, address))
}

/// `room` with the applied record of its current values and tags: as if
/// ivsctl had created it exactly so (edit it afterwards for drift).
pub fn recorded(mut room: LiveRoom) -> LiveRoom {
    let key = room.tags.get(TAG_KEY).cloned().unwrap_or_default();
    let values = crate::schema::Row::live_values(&crate::schema::room::ROOM, &room);
    room.tags.remove(crate::record::TAG_APPLIED);
    let record = record_of(&Address::room(key), &values, &room.tags);
    room.tags.insert(crate::record::TAG_APPLIED.into(), record);
    room
}

/// `lc` with the applied record of its current values and tags.
pub fn recorded_lc(mut lc: LiveLoggingConfiguration) -> LiveLoggingConfiguration {
    let key = lc.tags.get(TAG_KEY).cloned().unwrap_or_default();
    let values = crate::schema::Row::live_values(&crate::schema::logging::LOGGING, &lc);
    lc.tags.remove(crate::record::TAG_APPLIED);
    let record = record_of(&Address::logging_configuration(key), &values, &lc.tags);
    lc.tags.insert(crate::record::TAG_APPLIED.into(), record);
    lc
}
