//! Chat tokens: what CreateChatToken granted, and the handshake's redemption.
//!
//! Invariant: a token is accepted once, and only before its
//! `tokenExpirationTime`; expired tokens are forgotten now and then so that
//! memory stays bounded however many tokens are issued.

use super::Hub;
use crate::emulator::wire::now_millis;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

/// What a token grants, as CreateChatToken recorded it.
#[derive(Debug, Clone)]
pub struct Grant {
    pub room_arn: String,
    pub user_id: String,
    pub capabilities: Vec<String>,
    pub attributes: BTreeMap<String, String>,
    /// ms since the epoch: the token cannot be used after this.
    pub expires_at: i64,
    /// ms since the epoch: the connection is closed at this time.
    pub session_expires_at: i64,
    used: bool,
}

impl Grant {
    pub fn new(
        room_arn: &str,
        user_id: &str,
        capabilities: Vec<String>,
        attributes: BTreeMap<String, String>,
        expires_at: i64,
        session_expires_at: i64,
    ) -> Grant {
        Grant {
            room_arn: room_arn.to_string(),
            user_id: user_id.to_string(),
            capabilities,
            attributes,
            expires_at,
            session_expires_at,
            used: false,
        }
    }

    pub(super) fn can(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }
}

impl Hub {
    /// Records a token issued by CreateChatToken.
    pub fn issue(&self, token: String, grant: Grant) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        // Forget expired tokens now and then, so memory stays bounded.
        if self.issued.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            let now = now_millis();
            tokens.retain(|_, g| g.expires_at + 60_000 > now);
        }
        tokens.insert(token, grant);
    }

    /// Accepts a token once, within its validity.
    pub(super) fn redeem(&self, token: &str, now: i64) -> Result<Grant, &'static str> {
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        let Some(grant) = tokens.get_mut(token) else {
            return Err("The chat token is not valid");
        };
        if grant.used {
            return Err("The chat token has already been used (a token is accepted once)");
        }
        if now >= grant.expires_at {
            return Err("The chat token has expired");
        }
        grant.used = true;
        Ok(grant.clone())
    }
}
