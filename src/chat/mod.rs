//! The imperative chat operations (CreateChatToken, SendEvent, DeleteMessage,
//! DisconnectUser): a request is checked against the API's rules before any
//! call (`Request::check`), then sent (`send`). The command (commands/chat.rs)
//! only resolves the room and prints the response.
//!
//! A chat token is a credential: it is returned to the caller (which prints it
//! on stdout) and never passed to `-v` tracing or put in an error.

use crate::aws::{iso_time as time, sdk_map, Api, ApiError, Retry};
use aws_sdk_ivschat::types::ChatTokenCapability;
use std::collections::BTreeMap;

/// The API's limit on attributes (CreateChatToken and SendEvent): 1 KB in
/// total, keys and values, UTF-8 bytes.
pub const MAX_ATTRIBUTE_BYTES: usize = 1024;

/// A capability a token grants (viewing is implicit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Capability {
    SendMessage,
    DisconnectUser,
    DeleteMessage,
}

impl Capability {
    pub const NAMES: [&'static str; 3] = ["SEND_MESSAGE", "DISCONNECT_USER", "DELETE_MESSAGE"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "SEND_MESSAGE" => Some(Capability::SendMessage),
            "DISCONNECT_USER" => Some(Capability::DisconnectUser),
            "DELETE_MESSAGE" => Some(Capability::DeleteMessage),
            _ => None,
        }
    }

    fn sdk(self) -> ChatTokenCapability {
        match self {
            Capability::SendMessage => ChatTokenCapability::SendMessage,
            Capability::DisconnectUser => ChatTokenCapability::DisconnectUser,
            Capability::DeleteMessage => ChatTokenCapability::DeleteMessage,
        }
    }
}

/// Why an argument is refused, naming the flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("invalid {flag}: {message}")]
#[diagnostic(code(ivsctl::chat::argument))]
pub struct ArgError {
    pub flag: &'static str,
    pub message: String,
}

fn arg_err(flag: &'static str, message: impl Into<String>) -> ArgError {
    ArgError {
        flag,
        message: message.into(),
    }
}

/// Checks a length in characters.
pub fn check_len(flag: &'static str, value: &str, min: usize, max: usize) -> Result<(), ArgError> {
    let n = value.chars().count();
    if n < min || n > max {
        let want = if min == max {
            format!("exactly {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(arg_err(
            flag,
            format!("{n} characters; it must have {want}"),
        ));
    }
    Ok(())
}

/// `--message-id`: the 12 alphanumeric characters of a message's `Id`.
pub fn check_message_id(id: &str) -> Result<(), ArgError> {
    check_len("--message-id", id, 12, 12)?;
    if !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(arg_err(
            "--message-id",
            format!("`{id}` has characters other than letters and digits"),
        ));
    }
    Ok(())
}

/// `--attribute k=v` pairs: no key twice, at most 1 KB in total.
pub fn parse_attributes(pairs: &[String]) -> Result<BTreeMap<String, String>, ArgError> {
    let mut out = BTreeMap::new();
    for p in pairs {
        let Some((k, v)) = p.split_once('=') else {
            return Err(arg_err("--attribute", format!("`{p}` is not KEY=VALUE")));
        };
        if k.is_empty() {
            return Err(arg_err("--attribute", format!("`{p}` has an empty key")));
        }
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(arg_err("--attribute", format!("key `{k}` is given twice")));
        }
    }
    let total: usize = out.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > MAX_ATTRIBUTE_BYTES {
        return Err(arg_err(
            "--attribute",
            format!("the attributes are {total} bytes in total (keys and values); the API allows at most {MAX_ATTRIBUTE_BYTES}"),
        ));
    }
    Ok(out)
}

/// A chat request as given on the command line (unchecked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawRequest {
    Token {
        user_id: String,
        capabilities: Vec<String>,
        session_minutes: Option<i32>,
        attributes: Vec<String>,
    },
    SendEvent {
        event_name: String,
        attributes: Vec<String>,
    },
    DeleteMessage {
        message_id: String,
        reason: Option<String>,
    },
    DisconnectUser {
        user_id: String,
        reason: Option<String>,
    },
}

/// A chat request that passed every check the API would make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Token {
        user_id: String,
        capabilities: Vec<Capability>,
        session_minutes: Option<i32>,
        attributes: BTreeMap<String, String>,
    },
    SendEvent {
        event_name: String,
        attributes: BTreeMap<String, String>,
    },
    DeleteMessage {
        message_id: String,
        reason: Option<String>,
    },
    DisconnectUser {
        user_id: String,
        reason: Option<String>,
    },
}

impl Request {
    /// Checks every argument offline, before any call.
    pub fn check(raw: RawRequest) -> Result<Request, ArgError> {
        let reason = |r: Option<String>| -> Result<Option<String>, ArgError> {
            if let Some(r) = &r {
                check_len("--reason", r, 1, 256)?;
            }
            Ok(r)
        };
        Ok(match raw {
            RawRequest::Token {
                user_id,
                capabilities,
                session_minutes,
                attributes,
            } => {
                check_len("--user-id", &user_id, 1, 128)?;
                let mut caps = Vec::new();
                for c in &capabilities {
                    let cap = Capability::parse(c).ok_or_else(|| {
                        arg_err(
                            "--capability",
                            format!("`{c}`; it must be one of {}", Capability::NAMES.join(", ")),
                        )
                    })?;
                    if !caps.contains(&cap) {
                        caps.push(cap);
                    }
                }
                if let Some(m) = session_minutes {
                    if !(1..=180).contains(&m) {
                        return Err(arg_err(
                            "--session-minutes",
                            format!("{m}; it must be between 1 and 180"),
                        ));
                    }
                }
                Request::Token {
                    user_id,
                    capabilities: caps,
                    session_minutes,
                    attributes: parse_attributes(&attributes)?,
                }
            }
            RawRequest::SendEvent {
                event_name,
                attributes,
            } => {
                check_len("--event-name", &event_name, 1, 100)?;
                Request::SendEvent {
                    event_name,
                    attributes: parse_attributes(&attributes)?,
                }
            }
            RawRequest::DeleteMessage {
                message_id,
                reason: r,
            } => {
                check_message_id(&message_id)?;
                Request::DeleteMessage {
                    message_id,
                    reason: reason(r)?,
                }
            }
            RawRequest::DisconnectUser { user_id, reason: r } => {
                check_len("--user-id", &user_id, 1, 128)?;
                Request::DisconnectUser {
                    user_id,
                    reason: reason(r)?,
                }
            }
        })
    }
}

/// What a request got back.
#[derive(Debug)]
pub enum Response {
    Token(ChatToken),
    /// The id of the event, or of the delete operation.
    Id(String),
    Disconnected,
}

/// Sends a checked request to the room.
pub async fn send(api: &Api, room_arn: &str, request: &Request) -> Result<Response, ApiError> {
    Ok(match request {
        Request::Token {
            user_id,
            capabilities,
            session_minutes,
            attributes,
        } => Response::Token(
            create_chat_token(
                api,
                room_arn,
                user_id,
                capabilities,
                *session_minutes,
                attributes,
            )
            .await?,
        ),
        Request::SendEvent {
            event_name,
            attributes,
        } => Response::Id(send_event(api, room_arn, event_name, attributes).await?),
        Request::DeleteMessage { message_id, reason } => {
            Response::Id(delete_message(api, room_arn, message_id, reason.as_deref()).await?)
        }
        Request::DisconnectUser { user_id, reason } => {
            disconnect_user(api, room_arn, user_id, reason.as_deref()).await?;
            Response::Disconnected
        }
    })
}

/// A room ARN as the API accepts it.
pub fn is_room_arn(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("arn:aws:ivschat:") else {
        return false;
    };
    let parts: Vec<&str> = rest.splitn(3, ':').collect();
    let [region, account, resource] = parts[..] else {
        return false;
    };
    let Some(id) = resource.strip_prefix("room/") else {
        return false;
    };
    s.len() <= 128
        && !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !account.is_empty()
        && account.chars().all(|c| c.is_ascii_digit())
        && !id.is_empty()
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// A token and its two expiration times (ISO-8601).
pub struct ChatToken {
    pub token: String,
    pub token_expiration_time: String,
    pub session_expiration_time: String,
}

impl std::fmt::Debug for ChatToken {
    /// The token is a credential: never in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatToken")
            .field("token", &"<redacted>")
            .field("token_expiration_time", &self.token_expiration_time)
            .field("session_expiration_time", &self.session_expiration_time)
            .finish()
    }
}

pub async fn create_chat_token(
    api: &Api,
    room_arn: &str,
    user_id: &str,
    capabilities: &[Capability],
    session_minutes: Option<i32>,
    attributes: &BTreeMap<String, String>,
) -> Result<ChatToken, ApiError> {
    let out = api
        .call(
            "CreateChatToken",
            room_arn,
            Retry::IDEMPOTENT,
            |client| async move {
                let mut req = client
                    .create_chat_token()
                    .room_identifier(room_arn)
                    .user_id(user_id);
                for c in capabilities {
                    req = req.capabilities(c.sdk());
                }
                if let Some(m) = session_minutes {
                    req = req.session_duration_in_minutes(m);
                }
                if !attributes.is_empty() {
                    req = req.set_attributes(Some(sdk_map(attributes)));
                }
                req.send()
                    .await
                    .map_err(|e| ApiError::from_sdk("CreateChatToken", e))
            },
        )
        .await?;
    Ok(ChatToken {
        token: out.token().unwrap_or_default().to_string(),
        token_expiration_time: time(out.token_expiration_time()),
        session_expiration_time: time(out.session_expiration_time()),
    })
}

/// SendEvent; returns the event id.
pub async fn send_event(
    api: &Api,
    room_arn: &str,
    event_name: &str,
    attributes: &BTreeMap<String, String>,
) -> Result<String, ApiError> {
    // Not retried on 5xx: a repeated event would reach clients twice.
    let out = api
        .call(
            "SendEvent",
            room_arn,
            Retry::THROTTLING_ONLY,
            |client| async move {
                let mut req = client
                    .send_event()
                    .room_identifier(room_arn)
                    .event_name(event_name);
                if !attributes.is_empty() {
                    req = req.set_attributes(Some(sdk_map(attributes)));
                }
                req.send()
                    .await
                    .map_err(|e| ApiError::from_sdk("SendEvent", e))
            },
        )
        .await?;
    Ok(out.id().unwrap_or_default().to_string())
}

/// DeleteMessage; returns the id of the delete operation.
pub async fn delete_message(
    api: &Api,
    room_arn: &str,
    message_id: &str,
    reason: Option<&str>,
) -> Result<String, ApiError> {
    let out = api
        .call(
            "DeleteMessage",
            room_arn,
            Retry::IDEMPOTENT,
            |client| async move {
                client
                    .delete_message()
                    .room_identifier(room_arn)
                    .id(message_id)
                    .set_reason(reason.map(String::from))
                    .send()
                    .await
                    .map_err(|e| ApiError::from_sdk("DeleteMessage", e))
            },
        )
        .await?;
    Ok(out.id().unwrap_or_default().to_string())
}

pub async fn disconnect_user(
    api: &Api,
    room_arn: &str,
    user_id: &str,
    reason: Option<&str>,
) -> Result<(), ApiError> {
    api.call(
        "DisconnectUser",
        room_arn,
        Retry::IDEMPOTENT,
        |client| async move {
            client
                .disconnect_user()
                .room_identifier(room_arn)
                .user_id(user_id)
                .set_reason(reason.map(String::from))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| ApiError::from_sdk("DisconnectUser", e))
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_checked() {
        let ok = parse_attributes(&["a=1".into(), "b=x=y".into(), "c=".into()]).unwrap();
        assert_eq!(ok.get("b").map(String::as_str), Some("x=y"));
        assert_eq!(ok.get("c").map(String::as_str), Some(""));
        assert_eq!(
            parse_attributes(&["novalue".into()]).unwrap_err().flag,
            "--attribute"
        );
        assert!(parse_attributes(&["=v".into()])
            .unwrap_err()
            .message
            .contains("empty key"));
        assert!(parse_attributes(&["a=1".into(), "a=2".into()])
            .unwrap_err()
            .message
            .contains("twice"));
        let exactly = format!("k={}", "v".repeat(1023));
        assert!(parse_attributes(&[exactly]).is_ok());
        let over = format!("k={}", "é".repeat(512)); // 1 + 1024 bytes
        assert!(parse_attributes(&[over])
            .unwrap_err()
            .message
            .contains("1025 bytes"));
    }

    #[test]
    fn message_ids_and_lengths() {
        assert!(check_message_id("AbCdEfGhIjKl").is_ok());
        assert!(check_message_id("AbCdEfGhIjK")
            .unwrap_err()
            .message
            .contains("exactly 12"));
        assert!(check_message_id("AbCdEfGhIj-l")
            .unwrap_err()
            .message
            .contains("letters and digits"));
        assert!(check_len("--user-id", "", 1, 128).is_err());
        assert!(check_len("--user-id", &"x".repeat(128), 1, 128).is_ok());
        assert_eq!(
            check_len("--reason", &"x".repeat(257), 1, 256)
                .unwrap_err()
                .to_string(),
            "invalid --reason: 257 characters; it must have 1 to 256"
        );
    }

    #[test]
    fn room_arns() {
        assert!(is_room_arn(
            "arn:aws:ivschat:us-west-2:123456789012:room/AbCdEfGhIjKl"
        ));
        assert!(!is_room_arn(
            "arn:aws:ivschat:us-west-2:123456789012:logging-configuration/AbCdEfGhIjKl"
        ));
        assert!(!is_room_arn("arn:aws:ivschat:us-west-2::room/x"));
        assert!(!is_room_arn("lobby"));
    }

    #[test]
    fn token_debug_is_redacted() {
        let t = ChatToken {
            token: "SECRET".into(),
            token_expiration_time: "t".into(),
            session_expiration_time: "s".into(),
        };
        assert!(!format!("{t:?}").contains("SECRET"));
    }
}
