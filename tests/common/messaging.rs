//! The emulator's Messaging API as the suites drive it (emulator_messaging,
//! emulator_review, chat_stream): connecting with a chat token, the next
//! entity within a deadline, and checking that nothing arrives.

use ivsctl::emulator::Emulator;
use ivsctl::messaging::{Connection, Incoming};
use std::time::Duration;

/// The WebSocket URL of `emu`'s Messaging API (its own listener).
pub fn ws_url(emu: &Emulator) -> String {
    format!("ws://{}", emu.addr())
}

/// A connection to `emu` with `token` (from CreateChatToken).
pub async fn connect(emu: &Emulator, token: &str) -> Connection {
    Connection::connect(&ws_url(emu), token)
        .await
        .expect("connects")
}

/// The next entity on `c`, within 5 s, on an open connection.
pub async fn next(c: &mut Connection) -> Incoming {
    tokio::time::timeout(Duration::from_secs(5), c.next())
        .await
        .expect("an entity within 5 s")
        .expect("connection open")
        .expect("no socket error")
}

/// Nothing arrives within 200 ms.
pub async fn quiet(c: &mut Connection) {
    if let Ok(Some(x)) = tokio::time::timeout(Duration::from_millis(200), c.next()).await {
        panic!("unexpected {x:?}");
    }
}
