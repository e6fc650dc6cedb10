//! The IVS Chat Messaging API: WebSocket connections on the emulator's own
//! listener, authenticated by tokens from CreateChatToken.
//!
//! - Handshake: a WebSocket upgrade (any path) whose `Sec-WebSocket-Protocol`
//!   is the token; the answer selects that same subprotocol. A token is
//!   accepted once, until its `tokenExpirationTime`; a missing, unknown, used or
//!   expired token, or a deleted room, is refused before the upgrade with HTTP
//!   401 (404 for the room) and a JSON body shaped like an ERROR entity.
//! - Client frames: `{"Action": "SEND_MESSAGE", "RequestId", "Content",
//!   "Attributes"}`, `{"Action": "DELETE_MESSAGE", "RequestId", "Id", "Reason"}`,
//!   `{"Action": "DISCONNECT_USER", "RequestId", "UserId", "Reason"}`, each
//!   gated by the token's capability (403).
//! - Server entities: MESSAGE, EVENT, ERROR (see `frames`; a MESSAGE is built
//!   in `actions`).
//! - The session ends at `sessionExpirationTime`: an ERROR 401 ("The connection
//!   has expired"), then a close frame.
//!
//! The code, one job a file:
//!
//! - `tokens`: what a token grants (`Grant`), issuing and redeeming tokens
//! - `rooms`: the live connections of each room, fan-out, the room rate bucket
//! - `frames`: the JSON entities the server sends, reading client fields
//! - `connection`: the upgrade handshake and one connection's read/write loop
//! - `actions`: a client frame's action (send, delete, disconnect)
//! - `control_plane`: what control-plane operations do to connected clients
//!
//! Invariant: every entity a connection receives goes through its queue
//! (`rooms::Out`), so one writer task owns the socket and a slow reader is
//! closed instead of slowing the room.

mod actions;
mod connection;
mod control_plane;
mod frames;
mod rooms;
#[cfg(test)]
mod tests;
mod tokens;

pub use connection::is_upgrade;
pub(crate) use connection::upgrade;
pub use frames::{delete_message_event, disconnect_user_event, error, event};
pub use tokens::Grant;

use super::store::arn_region;
use super::Shared;
use rooms::RoomConns;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

/// Tokens and live connections of every room.
#[derive(Default)]
pub struct Hub {
    tokens: Mutex<HashMap<String, Grant>>,
    issued: AtomicU64,
    rooms: Mutex<HashMap<String, RoomConns>>,
    next_conn: AtomicU64,
}

/// A room's settings that messaging needs (read per message, so that an
/// UpdateRoom applies to the next message).
pub struct RoomSettings {
    pub maximum_message_length: i64,
    pub maximum_message_rate_per_second: i64,
    pub handler: Option<super::store::Handler>,
}

impl Shared {
    pub(crate) fn room_settings(&self, room_arn: &str) -> Option<RoomSettings> {
        let region = arn_region(room_arn)?;
        let state = self.lock_state();
        let room = state.store(region)?.rooms.get(room_arn)?;
        Some(RoomSettings {
            maximum_message_length: room.maximum_message_length,
            maximum_message_rate_per_second: room.maximum_message_rate_per_second,
            handler: room.message_review_handler.clone(),
        })
    }

    pub(crate) fn new_id(&self) -> String {
        self.rng
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .alphanumeric(12)
    }
}
