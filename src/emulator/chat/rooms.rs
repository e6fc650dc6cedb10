//! The live connections of each room: joining and leaving, fan-out of
//! entities, closing connections, and the room-wide message rate.
//!
//! Invariants: fan-out never blocks (a connection whose queue is full is
//! closed: one client that stops reading cannot stall the room); a room's
//! entry disappears with its last connection.

use super::Hub;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Instant;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// What a connection's writer task is asked to send.
pub(super) enum Out {
    Text(Utf8Bytes),
    Close(CloseCode, String),
}

struct Conn {
    user_id: String,
    tx: mpsc::Sender<Out>,
}

#[derive(Default)]
pub(super) struct RoomConns {
    conns: HashMap<u64, Conn>,
    /// The room-wide message bucket: (tokens, last refill).
    bucket: Option<(f64, Instant)>,
}

impl Hub {
    pub(super) fn lock_rooms(&self) -> std::sync::MutexGuard<'_, HashMap<String, RoomConns>> {
        self.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn join(&self, room_arn: &str, user_id: &str, tx: mpsc::Sender<Out>) -> u64 {
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        self.lock_rooms()
            .entry(room_arn.to_string())
            .or_default()
            .conns
            .insert(
                id,
                Conn {
                    user_id: user_id.to_string(),
                    tx,
                },
            );
        id
    }

    pub(super) fn leave(&self, room_arn: &str, id: u64) {
        let mut rooms = self.lock_rooms();
        if let Some(room) = rooms.get_mut(room_arn) {
            room.conns.remove(&id);
            if room.conns.is_empty() {
                rooms.remove(room_arn);
            }
        }
    }

    /// Connections open in a room.
    pub fn connections(&self, room_arn: &str) -> usize {
        self.lock_rooms().get(room_arn).map_or(0, |r| r.conns.len())
    }

    /// Sends an entity to every connection of the room. A connection whose
    /// queue is full (a client that stopped reading) is closed.
    pub fn broadcast(&self, room_arn: &str, entity: &Value) {
        let text = Utf8Bytes::from(entity.to_string());
        let rooms = self.lock_rooms();
        let Some(room) = rooms.get(room_arn) else {
            return;
        };
        for conn in room.conns.values() {
            if conn.tx.try_send(Out::Text(text.clone())).is_err() {
                let _ = conn.tx.try_send(Out::Close(
                    CloseCode::Again,
                    "The client is not reading fast enough".into(),
                ));
            }
        }
    }

    /// Closes every connection of `user_id` in the room (all users: `None`).
    pub fn close(&self, room_arn: &str, user_id: Option<&str>, code: CloseCode, reason: &str) {
        let rooms = self.lock_rooms();
        let Some(room) = rooms.get(room_arn) else {
            return;
        };
        for conn in room.conns.values() {
            if user_id.is_none_or(|u| u == conn.user_id) {
                let _ = conn.tx.try_send(Out::Close(code, reason.to_string()));
            }
        }
    }

    /// Closes every connection (the emulator is stopping).
    pub fn close_all(&self) {
        let rooms = self.lock_rooms();
        for room in rooms.values() {
            for conn in room.conns.values() {
                let _ = conn.tx.try_send(Out::Close(
                    CloseCode::Away,
                    "The emulator is stopping".into(),
                ));
            }
        }
    }

    /// Takes one message from the room's budget of `rate` per second (a token
    /// bucket holding one second's worth, shared by all its clients).
    pub(super) fn take_message_slot(&self, room_arn: &str, rate: i64) -> bool {
        let rate = rate.max(1) as f64;
        let now = Instant::now();
        let mut rooms = self.lock_rooms();
        let room = rooms.entry(room_arn.to_string()).or_default();
        let (tokens, last) = room.bucket.get_or_insert((rate, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(rate);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
