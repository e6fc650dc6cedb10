//! Compact values: one line, quoted strings, escaped control characters.

use super::super::value::{bare, compact, field_value, quote, ArnNames};
use serde_json::json;

#[test]
fn scalars() {
    assert_eq!(compact(&json!("prod")), r#""prod""#);
    assert_eq!(compact(&json!(10)), "10");
    assert_eq!(compact(&json!(true)), "true");
    assert_eq!(compact(&json!(null)), "(none)");
}

#[test]
fn objects_keep_the_api_order_then_alphabetical() {
    let handler = json!({"fallbackResult": "ALLOW", "uri": "arn:aws:lambda:x"});
    assert_eq!(
        compact(&handler),
        r#"{ uri = "arn:aws:lambda:x", fallbackResult = "ALLOW" }"#
    );
    let dest = json!({"s3": {"bucketName": "my-chat-logs"}});
    assert_eq!(
        compact(&dest),
        r#"{ s3 = { bucketName = "my-chat-logs" } }"#
    );
    assert_eq!(compact(&json!({})), "{}");
}

#[test]
fn lists() {
    assert_eq!(compact(&json!([])), "[]");
    assert_eq!(compact(&json!(["a", 1])), r#"[ "a", 1 ]"#);
}

#[test]
fn logging_references_show_known_arns_by_address() {
    let names: ArnNames = [("arn:lc/KEEP", "loggingConfigurations.keep".to_string())].into();
    let v = json!([
        "arn:lc/KEEP",
        "arn:lc/FOREIGN",
        "loggingConfigurations.archive"
    ]);
    assert_eq!(
        field_value("loggingConfigurations", &v, &names),
        r#"[ "arn:lc/FOREIGN", loggingConfigurations.archive, loggingConfigurations.keep ]"#
    );
    // Other fields are plain values, even when they hold a known ARN.
    assert_eq!(
        field_value("tags.arn", &json!("arn:lc/KEEP"), &names),
        r#""arn:lc/KEEP""#
    );
}

#[test]
fn control_characters_are_spelled_out() {
    assert_eq!(quote("a\"b\\c\nd\u{1b}e"), r#""a\"b\\c\nd\u{1b}e""#);
    assert_eq!(bare("x\u{9b}y\tz"), r"x\u{9b}y\tz");
}
