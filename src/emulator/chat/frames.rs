//! The JSON on the socket: the entities the server sends (ERROR, EVENT and
//! the events of deletions and disconnections, shaped as the service sends
//! them) and the readers of client fields shared by client frames and
//! control-plane inputs.

use crate::emulator::wire::timestamp;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// An ERROR entity.
pub fn error(id: &str, request_id: Option<&str>, code: u16, message: &str) -> Value {
    let mut m = Map::new();
    m.insert("Type".into(), json!("ERROR"));
    m.insert("Id".into(), json!(id));
    if let Some(r) = request_id {
        m.insert("RequestId".into(), json!(r));
    }
    m.insert("ErrorCode".into(), json!(code));
    m.insert("ErrorMessage".into(), json!(message));
    Value::Object(m)
}

/// An EVENT entity.
pub fn event(
    id: &str,
    request_id: Option<&str>,
    name: &str,
    attributes: &BTreeMap<String, String>,
    now: i64,
) -> Value {
    let mut m = Map::new();
    m.insert("Type".into(), json!("EVENT"));
    m.insert("Id".into(), json!(id));
    if let Some(r) = request_id {
        m.insert("RequestId".into(), json!(r));
    }
    m.insert("EventName".into(), json!(name));
    if !attributes.is_empty() {
        m.insert("Attributes".into(), json!(attributes));
    }
    m.insert("SendTime".into(), json!(timestamp(now)));
    Value::Object(m)
}

/// The `aws:DELETE_MESSAGE` event (attributes `MessageID` as the official
/// client reads it, `MessageId`, and `Reason` when one was given).
pub fn delete_message_event(
    id: &str,
    request_id: Option<&str>,
    message_id: &str,
    reason: Option<&str>,
    now: i64,
) -> Value {
    let mut attrs = BTreeMap::new();
    attrs.insert("MessageID".to_string(), message_id.to_string());
    attrs.insert("MessageId".to_string(), message_id.to_string());
    if let Some(r) = reason {
        attrs.insert("Reason".to_string(), r.to_string());
    }
    event(id, request_id, "aws:DELETE_MESSAGE", &attrs, now)
}

/// The `aws:DISCONNECT_USER` event.
pub fn disconnect_user_event(
    id: &str,
    request_id: Option<&str>,
    user_id: &str,
    reason: Option<&str>,
    now: i64,
) -> Value {
    let mut attrs = BTreeMap::new();
    attrs.insert("UserId".to_string(), user_id.to_string());
    if let Some(r) = reason {
        attrs.insert("Reason".to_string(), r.to_string());
    }
    event(id, request_id, "aws:DISCONNECT_USER", &attrs, now)
}
pub(super) fn string_map(v: Option<&Value>) -> Result<BTreeMap<String, String>, ()> {
    match v {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())).ok_or(()))
            .collect(),
        Some(_) => Err(()),
    }
}

pub(super) fn optional_string(v: Option<&Value>) -> Result<Option<String>, ()> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(()),
    }
}
