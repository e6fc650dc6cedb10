//! The control plane's chat operations that need more than the room's
//! existence: CreateChatToken (the token and its two expiry times) and the
//! attribute size limit it shares with SendEvent. What these operations do to
//! connected clients is the messaging server's (`emulator::chat`).

use super::{find_room, str_of, string_map, Ctx, Reply};
use crate::emulator::store::Store;
use crate::emulator::wire::{timestamp, ApiError};
use serde_json::{json, Value};

const CHAT_ATTRIBUTES_MAX_BYTES: usize = 1024;

pub(super) fn check_attributes(input: &Value) -> Result<(), ApiError> {
    let attrs = string_map(input.get("attributes"));
    let total: usize = attrs.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > CHAT_ATTRIBUTES_MAX_BYTES {
        return Err(ApiError::field(
            "attributes",
            format!("attributes are {total} bytes in total; the maximum is 1 KB ({CHAT_ATTRIBUTES_MAX_BYTES} bytes)"),
        ));
    }
    Ok(())
}

pub(super) fn create_chat_token(
    store: &Store,
    ctx: &mut Ctx,
    input: &Value,
) -> Result<Reply, ApiError> {
    find_room(store, str_of(input, "roomIdentifier"))?;
    check_attributes(input)?;
    let minutes = input
        .get("sessionDurationInMinutes")
        .and_then(Value::as_i64)
        .unwrap_or(60);
    let token = format!("AQICAHg{}", ctx.rng.alphanumeric(180));
    Ok(Reply::ok(json!({
        "token": token,
        "tokenExpirationTime": timestamp(ctx.now + ctx.limits.chat_token_validity_ms),
        "sessionExpirationTime": timestamp(ctx.now + minutes * ctx.limits.chat_session_minute_ms),
    })))
}
