//! A client frame's action: `SEND_MESSAGE` (length, room rate, message
//! review, then fan-out as a MESSAGE), `DELETE_MESSAGE` and `DISCONNECT_USER`.
//!
//! Invariants: every check reads the room's settings afresh (an UpdateRoom
//! applies to the next message); the capability is checked before the action;
//! a refused action answers only the sender, with an ERROR entity carrying its
//! `RequestId`.

use super::frames::{
    delete_message_event, disconnect_user_event, error, optional_string, string_map,
};
use super::rooms::Out;
use super::tokens::Grant;
use crate::emulator::review::{Submission, Verdict};
use crate::emulator::wire::{now_millis, timestamp};
use crate::emulator::Shared;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

pub(super) async fn handle_frame(
    shared: &Arc<Shared>,
    grant: &Grant,
    ip: &str,
    tx: &mpsc::Sender<Out>,
    text: &str,
) {
    let reply = |entity: Value| {
        let _ = tx.try_send(Out::Text(entity.to_string().into()));
    };
    let fail = |request_id: Option<&str>, code: u16, message: &str| {
        let id = shared.new_id();
        reply(error(&id, request_id, code, message));
    };
    let Ok(Value::Object(req)) = serde_json::from_str::<Value>(text) else {
        return fail(None, 400, "The request is not a JSON object");
    };
    let request_id = match optional_string(req.get("RequestId")) {
        Ok(r) => r,
        Err(()) => return fail(None, 400, "RequestId must be a string"),
    };
    let rid = request_id.as_deref();
    let action = req.get("Action").and_then(Value::as_str).unwrap_or("");
    let needed = match action {
        "SEND_MESSAGE" => "SEND_MESSAGE",
        "DELETE_MESSAGE" => "DELETE_MESSAGE",
        "DISCONNECT_USER" => "DISCONNECT_USER",
        "" => return fail(rid, 400, "Action is missing"),
        other => {
            return fail(
                rid,
                400,
                &format!(
                "Unknown Action {other:?}: one of SEND_MESSAGE, DELETE_MESSAGE, DISCONNECT_USER"
            ),
            )
        }
    };
    if !grant.can(needed) {
        return fail(
            rid,
            403,
            &format!(
                "The connection's capabilities do not permit this action ({needed} is required)"
            ),
        );
    }
    let Some(settings) = shared.room_settings(&grant.room_arn) else {
        return fail(rid, 404, "The room does not exist");
    };
    let now = now_millis();
    match action {
        "SEND_MESSAGE" => {
            let Some(content) = req.get("Content").and_then(Value::as_str) else {
                return fail(rid, 400, "Content must be a string");
            };
            let Ok(attributes) = string_map(req.get("Attributes")) else {
                return fail(rid, 400, "Attributes must be an object of strings");
            };
            let chars = content.chars().count() as i64;
            if chars == 0 {
                return fail(rid, 400, "Content must not be empty");
            }
            if chars > settings.maximum_message_length {
                return fail(
                    rid,
                    400,
                    &format!(
                        "Messages must be at most {} characters; this one has {chars}",
                        settings.maximum_message_length
                    ),
                );
            }
            if !shared
                .chat
                .take_message_slot(&grant.room_arn, settings.maximum_message_rate_per_second)
            {
                return fail(
                    rid,
                    429,
                    &format!(
                        "The room's message rate of {} per second is exceeded",
                        settings.maximum_message_rate_per_second
                    ),
                );
            }
            let message_id = shared.new_id();
            let (content, attributes) = match &settings.handler {
                None => (content.to_string(), attributes),
                Some(h) => {
                    let verdict = shared
                        .reviewer
                        .review(&Submission {
                            handler_uri: &h.uri,
                            fallback_result: &h.fallback_result,
                            room_arn: &grant.room_arn,
                            message_id: &message_id,
                            content,
                            attributes: &attributes,
                            user_id: &grant.user_id,
                            user_attributes: &grant.attributes,
                            ip,
                        })
                        .await;
                    match verdict {
                        Verdict::Allow {
                            content,
                            attributes,
                        } => (content, attributes),
                        Verdict::Deny => {
                            return fail(rid, 406, "The message was rejected by message review")
                        }
                    }
                }
            };
            let mut m = Map::new();
            m.insert("Type".into(), json!("MESSAGE"));
            m.insert("Id".into(), json!(message_id));
            if let Some(r) = rid {
                m.insert("RequestId".into(), json!(r));
            }
            m.insert("Content".into(), json!(content));
            if !attributes.is_empty() {
                m.insert("Attributes".into(), json!(attributes));
            }
            m.insert("SendTime".into(), json!(timestamp(now_millis())));
            let mut sender = Map::new();
            sender.insert("UserId".into(), json!(grant.user_id));
            if !grant.attributes.is_empty() {
                sender.insert("Attributes".into(), json!(grant.attributes));
            }
            m.insert("Sender".into(), Value::Object(sender));
            shared.chat.broadcast(&grant.room_arn, &Value::Object(m));
        }
        "DELETE_MESSAGE" => {
            let Some(id) = req
                .get("Id")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            else {
                return fail(rid, 400, "Id (the message's id) must be a non-empty string");
            };
            let Ok(reason) = optional_string(req.get("Reason")) else {
                return fail(rid, 400, "Reason must be a string");
            };
            let event_id = shared.new_id();
            shared.chat.broadcast(
                &grant.room_arn,
                &delete_message_event(&event_id, rid, id, reason.as_deref(), now),
            );
        }
        _ => {
            let Some(user) = req
                .get("UserId")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            else {
                return fail(rid, 400, "UserId must be a non-empty string");
            };
            let Ok(reason) = optional_string(req.get("Reason")) else {
                return fail(rid, 400, "Reason must be a string");
            };
            let event_id = shared.new_id();
            shared.chat.broadcast(
                &grant.room_arn,
                &disconnect_user_event(&event_id, rid, user, reason.as_deref(), now),
            );
            shared.chat.close(
                &grant.room_arn,
                Some(user),
                CloseCode::Normal,
                "Disconnected by another user",
            );
        }
    }
}
