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
//! - Server entities: MESSAGE, EVENT, ERROR (see `message`, `event`, `error`).
//! - The session ends at `sessionExpirationTime`: an ERROR 401 ("The connection
//!   has expired"), then a close frame.

use super::review::{Submission, Verdict};
use super::store::arn_region;
use super::wire::{now_millis, timestamp};
use super::Shared;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

/// Largest client frame accepted; larger ones close the connection (1009).
const MAX_FRAME_BYTES: usize = 1024 * 1024;
/// Entities queued for one connection before it is considered stuck and closed.
const QUEUE_LEN: usize = 4096;

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

    fn can(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }
}

enum Out {
    Text(Utf8Bytes),
    Close(CloseCode, String),
}

struct Conn {
    user_id: String,
    tx: mpsc::Sender<Out>,
}

#[derive(Default)]
struct RoomConns {
    conns: HashMap<u64, Conn>,
    /// The room-wide message bucket: (tokens, last refill).
    bucket: Option<(f64, Instant)>,
}

/// Tokens and live connections of every room.
#[derive(Default)]
pub struct Hub {
    tokens: Mutex<HashMap<String, Grant>>,
    issued: AtomicU64,
    rooms: Mutex<HashMap<String, RoomConns>>,
    next_conn: AtomicU64,
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
    fn redeem(&self, token: &str, now: i64) -> Result<Grant, &'static str> {
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

    fn lock_rooms(&self) -> std::sync::MutexGuard<'_, HashMap<String, RoomConns>> {
        self.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn join(&self, room_arn: &str, user_id: &str, tx: mpsc::Sender<Out>) -> u64 {
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

    fn leave(&self, room_arn: &str, id: u64) {
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
    fn take_message_slot(&self, room_arn: &str, rate: i64) -> bool {
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

/// An ERROR entity.
pub fn error(id: &str, request_id: Option<&str>, code: u16, message: &str) -> Value {
    let mut m = Map::new();
    m.insert("Type".into(), json!("ERROR"));
    m.insert("Id".into(), json!(id));
    if let Some(r) = request_id {
        m.insert("RequestId".into(), json!(r));
    }
    m.insert("ErrorCode".into(), json!(code));
    m.insert("ErrorMessage".into(), json!(message));
    Value::Object(m)
}

/// An EVENT entity.
pub fn event(
    id: &str,
    request_id: Option<&str>,
    name: &str,
    attributes: &BTreeMap<String, String>,
    now: i64,
) -> Value {
    let mut m = Map::new();
    m.insert("Type".into(), json!("EVENT"));
    m.insert("Id".into(), json!(id));
    if let Some(r) = request_id {
        m.insert("RequestId".into(), json!(r));
    }
    m.insert("EventName".into(), json!(name));
    if !attributes.is_empty() {
        m.insert("Attributes".into(), json!(attributes));
    }
    m.insert("SendTime".into(), json!(timestamp(now)));
    Value::Object(m)
}

/// The `aws:DELETE_MESSAGE` event (attributes `MessageID` as the official
/// client reads it, `MessageId`, and `Reason` when one was given).
pub fn delete_message_event(
    id: &str,
    request_id: Option<&str>,
    message_id: &str,
    reason: Option<&str>,
    now: i64,
) -> Value {
    let mut attrs = BTreeMap::new();
    attrs.insert("MessageID".to_string(), message_id.to_string());
    attrs.insert("MessageId".to_string(), message_id.to_string());
    if let Some(r) = reason {
        attrs.insert("Reason".to_string(), r.to_string());
    }
    event(id, request_id, "aws:DELETE_MESSAGE", &attrs, now)
}

/// The `aws:DISCONNECT_USER` event.
pub fn disconnect_user_event(
    id: &str,
    request_id: Option<&str>,
    user_id: &str,
    reason: Option<&str>,
    now: i64,
) -> Value {
    let mut attrs = BTreeMap::new();
    attrs.insert("UserId".to_string(), user_id.to_string());
    if let Some(r) = reason {
        attrs.insert("Reason".to_string(), r.to_string());
    }
    event(id, request_id, "aws:DISCONNECT_USER", &attrs, now)
}

type Body = Full<Bytes>;

/// True for a WebSocket upgrade request.
pub fn is_upgrade<B>(req: &Request<B>) -> bool {
    req.headers()
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn refuse(shared: &Shared, status: u16, message: &str) -> Response<Body> {
    let id = shared.new_id();
    let body = error(&id, None, status, message).to_string();
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Answers a WebSocket upgrade: checks the token and the room, then switches
/// protocols and serves the connection on its own task.
pub(crate) fn upgrade(
    shared: Arc<Shared>,
    mut req: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Body> {
    if req.method() != hyper::Method::GET {
        return refuse(&shared, 400, "A WebSocket upgrade must be a GET request");
    }
    let Some(key) = req
        .headers()
        .get(SEC_WEBSOCKET_KEY)
        .map(|k| k.as_bytes().to_vec())
    else {
        return refuse(&shared, 400, "Sec-WebSocket-Key is missing");
    };
    if req
        .headers()
        .get("sec-websocket-version")
        .is_some_and(|v| v.as_bytes() != b"13")
    {
        return refuse(&shared, 400, "Only WebSocket version 13 is supported");
    }
    let token = req
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .find(|t| !t.is_empty())
        .map(String::from);
    let Some(token) = token else {
        return refuse(
            &shared,
            401,
            "The chat token is missing: pass it as the WebSocket subprotocol",
        );
    };
    let grant = match shared.chat.redeem(&token, now_millis()) {
        Ok(g) => g,
        Err(message) => return refuse(&shared, 401, message),
    };
    if shared.room_settings(&grant.room_arn).is_none() {
        return refuse(&shared, 404, "The room does not exist");
    }
    let Ok(protocol) = HeaderValue::from_str(&token) else {
        return refuse(&shared, 400, "The chat token is not a valid header value");
    };
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&derive_accept_key(&key)) {
        h.insert(SEC_WEBSOCKET_ACCEPT, v);
    }
    h.insert("sec-websocket-protocol", protocol);
    let upgrade = hyper::upgrade::on(&mut req);
    // Join the room before answering, so that nothing broadcast after the
    // client sees the handshake's answer can miss it: it waits in the queue
    // until the socket is ready.
    let (tx, rx) = mpsc::channel::<Out>(QUEUE_LEN);
    let conn_id = shared
        .chat
        .join(&grant.room_arn, &grant.user_id, tx.clone());
    tokio::spawn(async move {
        let Ok(upgraded) = upgrade.await else {
            shared.chat.leave(&grant.room_arn, conn_id);
            return;
        };
        // Small read buffers: the default (128 KiB each) would cost 128 MB
        // for 1,000 idle viewers; chat frames are small.
        let config = WebSocketConfig::default()
            .read_buffer_size(4096)
            .max_message_size(Some(MAX_FRAME_BYTES))
            .max_frame_size(Some(MAX_FRAME_BYTES));
        let ws =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        serve(
            shared,
            ws,
            grant,
            peer,
            Joined {
                id: conn_id,
                tx,
                rx,
            },
        )
        .await;
    });
    resp
}

/// A connection's place in its room: its id and its queue.
struct Joined {
    id: u64,
    tx: mpsc::Sender<Out>,
    rx: mpsc::Receiver<Out>,
}

async fn serve<S>(
    shared: Arc<Shared>,
    ws: WebSocketStream<S>,
    grant: Grant,
    peer: SocketAddr,
    joined: Joined,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut stream) = ws.split();
    let Joined {
        id: conn_id,
        tx,
        mut rx,
    } = joined;
    // The writer: everything the connection receives goes through its queue.
    let writer = tokio::spawn(async move {
        while let Some(out) = rx.recv().await {
            match out {
                Out::Text(t) => {
                    // Feed whatever else is queued, then write it all at once.
                    if sink.feed(Message::Text(t)).await.is_err() {
                        break;
                    }
                    let mut closing = None;
                    while let Ok(more) = rx.try_recv() {
                        match more {
                            Out::Text(t) => {
                                if sink.feed(Message::Text(t)).await.is_err() {
                                    break;
                                }
                            }
                            close => {
                                closing = Some(close);
                                break;
                            }
                        }
                    }
                    if sink.flush().await.is_err() {
                        break;
                    }
                    if let Some(Out::Close(code, reason)) = closing {
                        let _ = sink
                            .send(Message::Close(Some(CloseFrame {
                                code,
                                reason: reason.into(),
                            })))
                            .await;
                        let _ = sink.close().await;
                        break;
                    }
                }
                Out::Close(code, reason) => {
                    let _ = sink
                        .send(Message::Close(Some(CloseFrame {
                            code,
                            reason: reason.into(),
                        })))
                        .await;
                    let _ = sink.close().await;
                    break;
                }
            }
        }
    });
    let session_left =
        Duration::from_millis((grant.session_expires_at - now_millis()).max(0) as u64);
    let session_end = tokio::time::sleep(session_left);
    tokio::pin!(session_end);
    let ip = peer.ip().to_string();
    let mut writer = writer;
    loop {
        tokio::select! {
            frame = stream.next() => {
                match frame {
                    Some(Ok(Message::Text(text))) => {
                        handle_frame(&shared, &grant, &ip, &tx, text.as_str()).await;
                    }
                    Some(Ok(Message::Binary(_))) => {
                        let id = shared.new_id();
                        let _ = tx.try_send(Out::Text(error(&id, None, 400, "Frames must be JSON text").to_string().into()));
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {} // ping / pong: tungstenite answers pings itself
                }
            }
            _ = &mut session_end => {
                let id = shared.new_id();
                let _ = tx.try_send(Out::Text(error(&id, None, 401, "The connection has expired: the session is over").to_string().into()));
                let _ = tx.try_send(Out::Close(CloseCode::Normal, "Session expired".into()));
                break;
            }
            _ = &mut writer => {
                // Closed by the server (disconnect, room deleted, stop) or the socket broke.
                shared.chat.leave(&grant.room_arn, conn_id);
                return;
            }
        }
    }
    shared.chat.leave(&grant.room_arn, conn_id);
    drop(tx);
    let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
}

fn string_map(v: Option<&Value>) -> Result<BTreeMap<String, String>, ()> {
    match v {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())).ok_or(()))
            .collect(),
        Some(_) => Err(()),
    }
}

fn optional_string(v: Option<&Value>) -> Result<Option<String>, ()> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(()),
    }
}

async fn handle_frame(
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

    /// What the control plane's chat operations do to connected clients.
    pub(crate) fn after_chat_operation(
        &self,
        region: &str,
        operation: &str,
        input: &Value,
        reply: &super::ops::Reply,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_accepted_once_and_expire() {
        let hub = Hub::default();
        let g = Grant::new("arn", "u", vec![], BTreeMap::new(), 1_000, 5_000);
        hub.issue("t1".into(), g.clone());
        hub.issue("t2".into(), g);
        assert!(hub.redeem("t1", 999).is_ok());
        assert!(hub
            .redeem("t1", 999)
            .unwrap_err()
            .contains("already been used"));
        assert!(hub.redeem("t2", 1_000).unwrap_err().contains("expired"));
        assert!(hub.redeem("nope", 0).unwrap_err().contains("not valid"));
    }

    #[test]
    fn the_room_rate_is_shared() {
        let hub = Hub::default();
        let passed = (0..10).filter(|_| hub.take_message_slot("r", 3)).count();
        assert_eq!(passed, 3);
        assert!(hub.take_message_slot("other", 3));
    }

    #[test]
    fn entities_have_the_reference_shape() {
        let e = delete_message_event("E", Some("R"), "M", Some("spam"), 0);
        assert_eq!(e["Type"], "EVENT");
        assert_eq!(e["EventName"], "aws:DELETE_MESSAGE");
        assert_eq!(e["Attributes"]["MessageID"], "M");
        assert_eq!(e["Attributes"]["MessageId"], "M");
        assert_eq!(e["Attributes"]["Reason"], "spam");
        assert_eq!(e["SendTime"], "1970-01-01T00:00:00.000Z");
        let e = error("X", None, 403, "no");
        assert_eq!(e["ErrorCode"], 403);
        assert!(e.get("RequestId").is_none());
    }
}
