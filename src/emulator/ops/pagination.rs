//! Pagination of the List operations: page size and `nextToken`.
//!
//! Pagination tokens are opaque to clients but carry a cursor (updateTime, id)
//! and a check over the cursor and the request's filters, so a token the
//! emulator did not issue (or one reused with other filters) is refused.

use super::str_of;
use crate::emulator::wire::ApiError;
use serde_json::Value;
use std::hash::{Hash, Hasher};

const DEFAULT_MAX_RESULTS: usize = 50;

pub(super) fn make_token(kind: &str, filters: &str, t: i64, id: &str) -> String {
    format!("{t:x}.{id}.{:016x}", token_check(kind, filters, t, id))
}

fn token_check(kind: &str, filters: &str, t: i64, id: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ("ivsctl-emulator-pagination-v1", kind, filters, t, id).hash(&mut h);
    h.finish()
}

pub(super) fn parse_token(
    kind: &str,
    filters: &str,
    input: &Value,
) -> Result<Option<(i64, String)>, ApiError> {
    let token = str_of(input, "nextToken");
    if token.is_empty() {
        return Ok(None);
    }
    let invalid = || ApiError::field("nextToken", "The pagination token is invalid or expired");
    let mut parts = token.split('.');
    let (Some(t), Some(id), Some(check), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let t = i64::from_str_radix(t, 16).map_err(|_| invalid())?;
    let check = u64::from_str_radix(check, 16).map_err(|_| invalid())?;
    if check != token_check(kind, filters, t, id) {
        return Err(invalid());
    }
    Ok(Some((t, id.to_string())))
}

pub(super) fn max_results(input: &Value) -> usize {
    input
        .get("maxResults")
        .and_then(Value::as_u64)
        .map(|n| n as usize)
        .unwrap_or(DEFAULT_MAX_RESULTS)
}
