//! A logging configuration's fields.

use super::{Field, Row, Value};
use crate::model::{DesiredLoggingConfiguration, Destination, LiveLoggingConfiguration};
use aws_sdk_ivschat::operation::create_logging_configuration::builders::CreateLoggingConfigurationFluentBuilder;
use aws_sdk_ivschat::operation::update_logging_configuration::builders::UpdateLoggingConfigurationFluentBuilder;
use aws_sdk_ivschat::types::{
    CloudWatchLogsDestinationConfiguration, DestinationConfiguration,
    FirehoseDestinationConfiguration, S3DestinationConfiguration,
};

pub type LoggingRow = Row<
    DesiredLoggingConfiguration,
    LiveLoggingConfiguration,
    CreateLoggingConfigurationFluentBuilder,
    UpdateLoggingConfigurationFluentBuilder,
>;

/// Every field of a logging configuration, in the order plans show them.
pub static LOGGING: [LoggingRow; 2] = [
    Row {
        field: Field::Name,
        desired: |d, _| Value::Text(d.name.clone()),
        live: |l| Some(Value::Text(l.name.clone())),
        in_summary: true,
        set_live: |_, _| {},
        create: |b, v| b.name(v.as_text().unwrap_or_default()),
        update: |b, v| b.name(v.as_text().unwrap_or_default()),
        export: |d, v| {
            if let Value::Text(s) = v {
                d.name = s;
            }
        },
        is_default: |v, key| v.as_text() == Some(key),
    },
    Row {
        field: Field::Destination,
        desired: |d, _| Value::Destination(d.destination.clone()),
        live: |l| Some(Value::Destination(l.destination.clone())),
        in_summary: true,
        set_live: |_, _| {},
        create: |b, v| b.set_destination_configuration(sdk_destination(v)),
        update: |b, v| b.set_destination_configuration(sdk_destination(v)),
        export: |d, v| {
            if let Value::Destination(dest) = v {
                d.destination = dest;
            }
        },
        is_default: |_, _| false,
    },
];

/// The SDK's destination. Its builders fail only on a missing required
/// member, which the typed destination always has; `None` then makes the
/// service answer a clear ValidationException rather than ivsctl panic.
fn sdk_destination(v: &Value) -> Option<DestinationConfiguration> {
    let Value::Destination(d) = v else {
        return None;
    };
    Some(match d {
        Destination::S3 { bucket_name } => DestinationConfiguration::S3(
            S3DestinationConfiguration::builder()
                .bucket_name(bucket_name)
                .build()
                .ok()?,
        ),
        Destination::CloudWatchLogs { log_group_name } => DestinationConfiguration::CloudWatchLogs(
            CloudWatchLogsDestinationConfiguration::builder()
                .log_group_name(log_group_name)
                .build()
                .ok()?,
        ),
        Destination::Firehose {
            delivery_stream_name,
        } => DestinationConfiguration::Firehose(
            FirehoseDestinationConfiguration::builder()
                .delivery_stream_name(delivery_stream_name)
                .build()
                .ok()?,
        ),
    })
}
