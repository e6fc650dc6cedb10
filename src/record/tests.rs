//! The record format: round trip, tag limits, checksums, comparisons, proof.

use super::*;
use crate::model::{FallbackResult, LoggingConfigurationRef, MessageReviewHandler};

fn room_values(len: i32) -> Values {
    let mut v = Values::new();
    v.insert(Field::Name, Value::Text("lobby".into()));
    v.insert(Field::MaximumMessageLength, Value::Int(len));
    v.insert(Field::MaximumMessageRatePerSecond, Value::Int(10));
    v.insert(Field::MessageReviewHandler, Value::Handler(None));
    v.insert(
        Field::LoggingConfigurations,
        Value::Refs(vec![
            LoggingConfigurationRef::Arn("arn:b".into()),
            LoggingConfigurationRef::Arn("arn:a".into()),
        ]),
    );
    v
}

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn round_trip_and_within_the_tag_limits() {
    let a = Address::room("lobby");
    let id = identity("prod", &a);
    let r = Record::new(
        &a,
        &room_values(400),
        &tags(&[("team", "video"), ("ivsctl:stack", "prod"), ("aws:x", "y")]),
        AppliedTime::At(1_764_118_923_456),
    );
    let text = r.encode(&id);
    assert!(text.starts_with("1:t=1764118923456:m=400,10:f="), "{text}");
    assert!(text.len() <= 256);
    assert!(
        text.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.:/=+-@,".contains(c)),
        "{text}"
    );
    assert_eq!(Record::decode(&text, &id, &a).unwrap(), r);
    // 49 tags (the most a resource with its record can have) still fit.
    let many: Tags = (0..49)
        .map(|i| (format!("key-{i}"), "v".repeat(256)))
        .collect();
    let big = Record::new(&a, &room_values(500), &many, AppliedTime::Created).encode(&id);
    assert!(big.len() <= 256, "{} characters", big.len());
    assert_eq!(Record::decode(&big, &id, &a).unwrap().tags.len(), 49);
}

#[test]
fn an_edited_or_copied_record_is_invalid() {
    let a = Address::room("lobby");
    let id = identity("prod", &a);
    let text = Record::new(&a, &room_values(400), &Tags::new(), AppliedTime::Created).encode(&id);
    let edited = text.replace("m=400", "m=300");
    assert!(Record::decode(&edited, &id, &a)
        .unwrap_err()
        .contains("checksum"));
    let other = identity("prod", &Address::room("hall"));
    assert!(Record::decode(&text, &other, &a).is_err());
    assert!(Record::decode("garbage", &id, &a).is_err());
    assert!(Record::decode("", &id, &a).is_err());
}

#[test]
fn fields_and_tags_compare_with_what_was_applied() {
    let a = Address::room("lobby");
    let applied_tags = tags(&[("team", "video"), ("env", "prod")]);
    let r = Record::new(&a, &room_values(400), &applied_tags, AppliedTime::Created);
    assert!(!r.field_differs(Field::MaximumMessageLength, &Value::Int(400)));
    assert!(r.field_differs(Field::MaximumMessageLength, &Value::Int(500)));
    assert!(!r.field_differs(Field::Name, &Value::Text("lobby".into())));
    assert!(r.field_differs(Field::Name, &Value::Text("hall".into())));
    // Reference lists compare as sets.
    assert!(!r.field_differs(
        Field::LoggingConfigurations,
        &Value::Refs(vec![
            LoggingConfigurationRef::Arn("arn:a".into()),
            LoggingConfigurationRef::Arn("arn:b".into())
        ])
    ));
    assert!(r.field_differs(
        Field::MessageReviewHandler,
        &Value::Handler(Some(MessageReviewHandler {
            uri: "u".into(),
            fallback_result: FallbackResult::Allow
        }))
    ));
    assert!(!r.tag_differs("team", Some("video")));
    assert!(r.tag_differs("team", Some("audio")), "changed");
    assert!(r.tag_differs("env", None), "removed");
    assert!(r.tag_differs("stray", Some("x")), "added");
    assert!(!r.tag_differs("never", None));
}

#[test]
fn proof_by_update_time() {
    let a = Address::room("lobby");
    let created = Record::new(&a, &room_values(400), &Tags::new(), AppliedTime::Created);
    assert!(created.proves("2026-11-26T01:00:00.000Z", "2026-11-26T01:00:00.000Z"));
    assert!(!created.proves("2026-11-26T01:00:00.000Z", "2026-11-26T01:00:00.001Z"));
    let ms = epoch_ms("2026-11-26T02:00:00.123Z").unwrap();
    let updated = Record::new(&a, &room_values(400), &Tags::new(), AppliedTime::At(ms));
    assert!(updated.proves("2026-11-26T01:00:00.000Z", "2026-11-26T02:00:00.123Z"));
    assert!(!updated.proves("2026-11-26T01:00:00.000Z", "2026-11-26T02:00:00.124Z"));
    assert!(!updated.proves("", ""));
}

#[test]
fn reading_tags() {
    let a = Address::logging_configuration("archive");
    assert_eq!(read(&Tags::new(), "s", &a), Reading::Missing);
    let mut v = Values::new();
    v.insert(Field::Name, Value::Text("archive".into()));
    v.insert(
        Field::Destination,
        Value::Destination(crate::model::Destination::S3 {
            bucket_name: "b".into(),
        }),
    );
    let text = Record::new(&a, &v, &Tags::new(), AppliedTime::Created).encode(&identity("s", &a));
    assert!(
        !text.contains(":m="),
        "no clear values for a logging configuration"
    );
    let t = tags(&[(TAG_APPLIED, &text)]);
    assert!(matches!(read(&t, "s", &a), Reading::Valid(_)));
    assert!(matches!(read(&t, "other", &a), Reading::Invalid(_)));
}
