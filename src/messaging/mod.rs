//! The client side of the IVS Chat Messaging API (WebSocket): connect with a
//! chat token, send SEND_MESSAGE / DELETE_MESSAGE / DISCONNECT_USER requests,
//! and read MESSAGE, EVENT and ERROR entities as they arrive.
//!
//! The wire format is the one of AWS's "IVS Chat Messaging API Reference" and
//! of the official JavaScript client (`amazon-ivs-chat-messaging`): the token
//! travels as the WebSocket subprotocol; requests and entities are JSON
//! objects with capitalised keys.

use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Why a connection or a request failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum MessagingError {
    #[error("cannot connect to {url}: {detail}")]
    #[diagnostic(
        code(ivsctl::messaging::connect),
        help("check the region and --endpoint-url; a token is accepted once and within a minute of its creation")
    )]
    Connect { url: String, detail: String },
    #[error("the connection failed: {0}")]
    #[diagnostic(code(ivsctl::messaging::socket))]
    Socket(String),
}

/// AWS's messaging endpoint for a region, or the one beside a custom
/// control-plane endpoint (`http://host:port` -> `ws://host:port`,
/// `https://` -> `wss://`): the emulator serves both on one listener.
pub fn messaging_url(endpoint_url: Option<&str>, region: &str) -> String {
    match endpoint_url {
        Some(e) => {
            let e = e.trim_end_matches('/');
            if let Some(rest) = e.strip_prefix("https://") {
                format!("wss://{rest}")
            } else if let Some(rest) = e.strip_prefix("http://") {
                format!("ws://{rest}")
            } else {
                e.to_string()
            }
        }
        None => format!("wss://edge.ivschat.{region}.amazonaws.com"),
    }
}

/// A chat message as delivered (a MESSAGE entity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChatMessage {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub content: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    pub send_time: String,
    pub sender: Sender,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Sender {
    pub user_id: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// An EVENT entity (events sent by the application, and `aws:` events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChatEvent {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub event_name: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    pub send_time: String,
}

/// An ERROR entity: the answer to a request that failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChatError {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub error_code: u16,
    pub error_message: String,
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Message(ChatMessage),
    Event(ChatEvent),
    Error(ChatError),
    /// An entity of a type this client does not know, or one it cannot read.
    Other(Value),
    /// The server closed the connection (close code and reason).
    Closed {
        code: u16,
        reason: String,
    },
}

impl Incoming {
    pub fn parse(text: &str) -> Incoming {
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            return Incoming::Other(Value::String(text.to_string()));
        };
        let parsed = match v.get("Type").and_then(Value::as_str) {
            Some("MESSAGE") => serde_json::from_value(v.clone()).map(Incoming::Message),
            Some("EVENT") => serde_json::from_value(v.clone()).map(Incoming::Event),
            Some("ERROR") => serde_json::from_value(v.clone()).map(Incoming::Error),
            _ => return Incoming::Other(v),
        };
        parsed.unwrap_or(Incoming::Other(v))
    }

    /// The entity as JSON, as the server sent it (with `Type`); `None` for
    /// `Closed`.
    pub fn to_json(&self) -> Option<Value> {
        let (kind, v) = match self {
            Incoming::Message(m) => ("MESSAGE", serde_json::to_value(m).ok()?),
            Incoming::Event(e) => ("EVENT", serde_json::to_value(e).ok()?),
            Incoming::Error(e) => ("ERROR", serde_json::to_value(e).ok()?),
            Incoming::Other(v) => return Some(v.clone()),
            Incoming::Closed { .. } => return None,
        };
        let mut v = v;
        if let Value::Object(m) = &mut v {
            m.insert("Type".into(), json!(kind));
        }
        Some(v)
    }

    /// The RequestId the entity answers, if any.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Incoming::Message(m) => m.request_id.as_deref(),
            Incoming::Event(e) => e.request_id.as_deref(),
            Incoming::Error(e) => e.request_id.as_deref(),
            _ => None,
        }
    }
}

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// An open connection to a room.
pub struct Connection {
    socket: Socket,
    closed: bool,
}

/// A fresh request id (UUID v4 form, as the official client makes them).
pub fn new_request_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    let a = h.finish();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(a);
    let b = h.finish();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

impl Connection {
    /// Opens a connection to `url` with `token` as the subprotocol.
    pub async fn connect(url: &str, token: &str) -> Result<Connection, MessagingError> {
        let err = |detail: String| MessagingError::Connect {
            url: url.to_string(),
            detail,
        };
        let mut request = url.into_client_request().map_err(|e| err(e.to_string()))?;
        let protocol = HeaderValue::from_str(token)
            .map_err(|_| err("the chat token is not a valid header value".into()))?;
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", protocol);
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .read_buffer_size(16 * 1024);
        let (socket, _response) =
            tokio_tungstenite::connect_async_with_config(request, Some(config), false)
                .await
                .map_err(|e| err(describe_connect_error(e)))?;
        Ok(Connection {
            socket,
            closed: false,
        })
    }

    async fn send_json(&mut self, v: Value) -> Result<(), MessagingError> {
        self.socket
            .send(Message::text(v.to_string()))
            .await
            .map_err(|e| MessagingError::Socket(e.to_string()))
    }

    /// SEND_MESSAGE. The answer is the MESSAGE with the same RequestId (or an
    /// ERROR with it), read from `next`.
    pub async fn send_message(
        &mut self,
        request_id: &str,
        content: &str,
        attributes: &BTreeMap<String, String>,
    ) -> Result<(), MessagingError> {
        let mut req =
            json!({"Action": "SEND_MESSAGE", "RequestId": request_id, "Content": content});
        if !attributes.is_empty() {
            req["Attributes"] = json!(attributes);
        }
        self.send_json(req).await
    }

    /// DELETE_MESSAGE (needs the DELETE_MESSAGE capability).
    pub async fn delete_message(
        &mut self,
        request_id: &str,
        message_id: &str,
        reason: Option<&str>,
    ) -> Result<(), MessagingError> {
        let mut req =
            json!({"Action": "DELETE_MESSAGE", "RequestId": request_id, "Id": message_id});
        if let Some(r) = reason {
            req["Reason"] = json!(r);
        }
        self.send_json(req).await
    }

    /// DISCONNECT_USER (needs the DISCONNECT_USER capability).
    pub async fn disconnect_user(
        &mut self,
        request_id: &str,
        user_id: &str,
        reason: Option<&str>,
    ) -> Result<(), MessagingError> {
        let mut req =
            json!({"Action": "DISCONNECT_USER", "RequestId": request_id, "UserId": user_id});
        if let Some(r) = reason {
            req["Reason"] = json!(r);
        }
        self.send_json(req).await
    }

    /// Sends any JSON (for tests of malformed requests).
    pub async fn send_raw(&mut self, text: &str) -> Result<(), MessagingError> {
        self.socket
            .send(Message::text(text.to_string()))
            .await
            .map_err(|e| MessagingError::Socket(e.to_string()))
    }

    /// The next text frame as received, unparsed; `None` once the connection
    /// is closed or broken.
    pub async fn next_text(&mut self) -> Option<String> {
        if self.closed {
            return None;
        }
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Text(t))) => return Some(t.as_str().to_string()),
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                    self.closed = true;
                    return None;
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The next entity; `Closed` once when the server closes; `None` after
    /// that. A connection that breaks without a close frame is an error.
    pub async fn next(&mut self) -> Option<Result<Incoming, MessagingError>> {
        if self.closed {
            return None;
        }
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Text(t))) => return Some(Ok(Incoming::parse(t.as_str()))),
                Some(Ok(Message::Close(frame))) => {
                    self.closed = true;
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    return Some(Ok(Incoming::Closed { code, reason }));
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    self.closed = true;
                    return Some(Err(MessagingError::Socket(e.to_string())));
                }
                None => {
                    self.closed = true;
                    return Some(Err(MessagingError::Socket(
                        "the server dropped the connection without a close frame".into(),
                    )));
                }
            }
        }
    }

    /// Closes the connection cleanly (close code 1000).
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// A refused handshake carries the server's reason in its body (the emulator
/// sends an ERROR-shaped JSON); say it.
fn describe_connect_error(e: tokio_tungstenite::tungstenite::Error) -> String {
    use tokio_tungstenite::tungstenite::Error;
    match e {
        Error::Http(resp) => {
            let status = resp.status();
            let body = resp
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).to_string())
                .unwrap_or_default();
            let message = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| {
                    v.get("ErrorMessage")
                        .and_then(Value::as_str)
                        .map(String::from)
                })
                .unwrap_or(body);
            if message.is_empty() {
                format!("the server refused the connection with HTTP {status}")
            } else {
                format!("the server refused the connection with HTTP {status}: {message}")
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            messaging_url(None, "us-west-2"),
            "wss://edge.ivschat.us-west-2.amazonaws.com"
        );
        assert_eq!(
            messaging_url(Some("http://127.0.0.1:4566/"), "x"),
            "ws://127.0.0.1:4566"
        );
        assert_eq!(
            messaging_url(Some("https://chat.example.com"), "x"),
            "wss://chat.example.com"
        );
    }

    #[test]
    fn entities_parse() {
        let m = Incoming::parse(
            r#"{"Type":"MESSAGE","Id":"abc","RequestId":"r","Content":"hi","SendTime":"2026-01-01T00:00:00.000Z","Sender":{"UserId":"u"}}"#,
        );
        assert!(matches!(&m, Incoming::Message(m) if m.content == "hi" && m.sender.user_id == "u"));
        assert_eq!(m.request_id(), Some("r"));
        let e = Incoming::parse(r#"{"Type":"ERROR","Id":"x","ErrorCode":403,"ErrorMessage":"no"}"#);
        assert!(matches!(
            e,
            Incoming::Error(ChatError {
                error_code: 403,
                ..
            })
        ));
        assert!(matches!(Incoming::parse("{}"), Incoming::Other(_)));
        assert!(matches!(Incoming::parse("nope"), Incoming::Other(_)));
        assert_eq!(new_request_id().len(), 36);
        assert_ne!(new_request_id(), new_request_id());
    }
}
