//! One WebSocket connection: the upgrade handshake (token, room, subprotocol)
//! and the loop that serves it (client frames in, queued entities out, the
//! session's end).
//!
//! Invariants: a refused handshake answers before the upgrade, with a JSON
//! body shaped like an ERROR entity; a connection joins its room before the
//! handshake's answer, so nothing broadcast afterwards can miss it; only the
//! writer task writes to the socket.

use super::actions::handle_frame;
use super::frames::error;
use super::rooms::Out;
use super::tokens::Grant;
use crate::emulator::wire::now_millis;
use crate::emulator::Shared;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Largest client frame accepted; larger ones close the connection (1009).
const MAX_FRAME_BYTES: usize = 1024 * 1024;
/// Entities queued for one connection before it is considered stuck and closed.
const QUEUE_LEN: usize = 4096;

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
