//! Tokens, the room rate and the entities' shape, without a socket.

use super::*;
use std::collections::BTreeMap;

#[test]
fn tokens_are_accepted_once_and_expire() {
    let hub = Hub::default();
    let g = Grant::new("arn", "u", vec![], BTreeMap::new(), 1_000, 5_000);
    hub.issue("t1".into(), g.clone());
    hub.issue("t2".into(), g);
    assert!(hub.redeem("t1", 999).is_ok());
    assert!(hub
        .redeem("t1", 999)
        .unwrap_err()
        .contains("already been used"));
    assert!(hub.redeem("t2", 1_000).unwrap_err().contains("expired"));
    assert!(hub.redeem("nope", 0).unwrap_err().contains("not valid"));
}

#[test]
fn the_room_rate_is_shared() {
    let hub = Hub::default();
    let passed = (0..10).filter(|_| hub.take_message_slot("r", 3)).count();
    assert_eq!(passed, 3);
    assert!(hub.take_message_slot("other", 3));
}

#[test]
fn entities_have_the_reference_shape() {
    let e = delete_message_event("E", Some("R"), "M", Some("spam"), 0);
    assert_eq!(e["Type"], "EVENT");
    assert_eq!(e["EventName"], "aws:DELETE_MESSAGE");
    assert_eq!(e["Attributes"]["MessageID"], "M");
    assert_eq!(e["Attributes"]["MessageId"], "M");
    assert_eq!(e["Attributes"]["Reason"], "spam");
    assert_eq!(e["SendTime"], "1970-01-01T00:00:00.000Z");
    let e = error("X", None, 403, "no");
    assert_eq!(e["ErrorCode"], 403);
    assert!(e.get("RequestId").is_none());
}
