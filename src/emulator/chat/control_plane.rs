//! What the control plane's chat operations (CreateChatToken, SendEvent,
//! DeleteMessage, DisconnectUser, DeleteRoom) do to connected clients, run
//! after the operation succeeded.

use super::frames::{delete_message_event, disconnect_user_event, event, string_map};
use super::tokens::Grant;
use crate::emulator::Shared;
use serde_json::Value;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

impl Shared {
    /// What the control plane's chat operations do to connected clients.
    pub(crate) fn after_chat_operation(
        &self,
        region: &str,
        operation: &str,
        input: &Value,
        reply: &crate::emulator::ops::Reply,
        now: i64,
    ) {
        let room = input
            .get("roomIdentifier")
            .or_else(|| input.get("identifier"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let s = |k: &str| input.get(k).and_then(Value::as_str);
        let body = reply.body.as_ref();
        let reply_id = body
            .and_then(|b| b.get("id"))
            .and_then(Value::as_str)
            .unwrap_or("");
        match operation {
            "CreateChatToken" => {
                let Some(token) = body.and_then(|b| b.get("token")).and_then(Value::as_str) else {
                    return;
                };
                let capabilities = input
                    .get("capabilities")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|c| c.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                let minutes = input
                    .get("sessionDurationInMinutes")
                    .and_then(Value::as_i64)
                    .unwrap_or(60);
                let grant = Grant::new(
                    room,
                    s("userId").unwrap_or(""),
                    capabilities,
                    string_map(input.get("attributes")).unwrap_or_default(),
                    now + self.limits.chat_token_validity_ms,
                    now + minutes * self.limits.chat_session_minute_ms,
                );
                let _ = region;
                self.chat.issue(token.to_string(), grant);
            }
            "SendEvent" => {
                let attrs = string_map(input.get("attributes")).unwrap_or_default();
                self.chat.broadcast(
                    room,
                    &event(reply_id, None, s("eventName").unwrap_or(""), &attrs, now),
                );
            }
            "DeleteMessage" => {
                self.chat.broadcast(
                    room,
                    &delete_message_event(reply_id, None, s("id").unwrap_or(""), s("reason"), now),
                );
            }
            "DisconnectUser" => {
                let user = s("userId").unwrap_or("");
                let id = self.new_id();
                self.chat.broadcast(
                    room,
                    &disconnect_user_event(&id, None, user, s("reason"), now),
                );
                self.chat.close(
                    room,
                    Some(user),
                    CloseCode::Normal,
                    "Disconnected by the application",
                );
            }
            "DeleteRoom" => {
                self.chat
                    .close(room, None, CloseCode::Normal, "The room was deleted");
            }
            _ => {}
        }
    }
}
