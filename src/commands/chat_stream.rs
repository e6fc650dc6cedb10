//! `ivsctl chat tail` and `ivsctl chat send`: the Messaging API (WebSocket)
//! from the command line.
//!
//! Both resolve ROOM like the other chat commands (an ARN, or a manifest key
//! with `-f`), create a token with CreateChatToken, and connect to AWS's
//! messaging endpoint for the region (`wss://edge.ivschat.REGION.amazonaws.com`),
//! or, when `--endpoint-url` / `AWS_ENDPOINT_URL` / `--local` is in use, to the
//! same host and port with `ws://` (`wss://` for `https://`).
//!
//! `tail` exits 0 on Ctrl-C and when the server closes the connection (a
//! DisconnectUser, a deleted room, the emulator stopping; the reason goes to
//! stderr), and 1 when the connection breaks without a close. When the
//! session ends (ERROR 401), it reconnects with a fresh token.

use super::chat::{resolve_room, ChatFormat, RoomArg};
use super::{Globals, Session};
use crate::chat::{self, parse_attributes};
use crate::error::{Error, ExitStatus};
use crate::messaging::{self, Connection, Incoming};
use miette::IntoDiagnostic;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

/// How a chat connection ended or refused a message.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum StreamError {
    #[error("the connection ended without a close from the server")]
    #[diagnostic(code(ivsctl::chat::connection_ended))]
    Ended,
    #[error("the server closed the connection before the message came back: {reason} (close code {code})")]
    #[diagnostic(code(ivsctl::chat::closed))]
    Closed { code: u16, reason: String },
    #[error("the message did not come back within {0} s")]
    #[diagnostic(code(ivsctl::chat::timeout))]
    Timeout(u64),
    #[error("the message was refused: ERROR {code}: {message}")]
    #[diagnostic(
        code(ivsctl::chat::refused),
        help("403: the token lacks a capability; 406: the review handler denied it; 429: the room's message rate is exceeded; 400: the message is too long or malformed")
    )]
    Refused { code: u16, message: String },
    #[error("unexpected answer to the message: {0}")]
    #[diagnostic(code(ivsctl::chat::unexpected))]
    Unexpected(String),
}

/// The user id `tail` connects as unless `--user-id` says otherwise.
pub const DEFAULT_TAIL_USER: &str = "ivsctl-tail";
/// The user id `send` sends as unless `--user-id` says otherwise.
pub const DEFAULT_SEND_USER: &str = "ivsctl";
/// How long `send` waits for its message to come back.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);

fn endpoint(globals: &Globals, session: &Session) -> Option<String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    session
        .local_endpoint()
        .or_else(|| globals.aws.endpoint_url.clone())
        .or_else(|| env("AWS_ENDPOINT_URL_IVSCHAT"))
        .or_else(|| env("AWS_ENDPOINT_URL"))
}

async fn open(
    globals: &Globals,
    session: &Session,
    arn: &str,
    user_id: &str,
    capabilities: &[chat::Capability],
) -> Result<Connection, Error> {
    let token = chat::create_chat_token(
        &session.api,
        arn,
        user_id,
        capabilities,
        None,
        &BTreeMap::new(),
    )
    .await?;
    let url = messaging::messaging_url(endpoint(globals, session).as_deref(), &session.api.region);
    Ok(Connection::connect(&url, &token.token).await?)
}

/// One line for a person.
fn human(entity: &Incoming) -> Option<String> {
    let attrs = |a: &BTreeMap<String, String>| {
        if a.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = a.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(" [{}]", list.join(", "))
        }
    };
    Some(match entity {
        Incoming::Message(m) => format!(
            "{} message {} {}: {}{}",
            m.send_time,
            m.id,
            m.sender.user_id,
            m.content,
            attrs(&m.attributes)
        ),
        Incoming::Event(e) if e.event_name == "aws:DELETE_MESSAGE" => format!(
            "{} deleted message {}{}",
            e.send_time,
            e.attributes
                .get("MessageId")
                .or_else(|| e.attributes.get("MessageID"))
                .map(String::as_str)
                .unwrap_or("?"),
            e.attributes
                .get("Reason")
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
        Incoming::Event(e) if e.event_name == "aws:DISCONNECT_USER" => format!(
            "{} disconnected user {}{}",
            e.send_time,
            e.attributes
                .get("UserId")
                .map(String::as_str)
                .unwrap_or("?"),
            e.attributes
                .get("Reason")
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
        Incoming::Event(e) => format!(
            "{} event {} {}{}",
            e.send_time,
            e.id,
            e.event_name,
            attrs(&e.attributes)
        ),
        Incoming::Error(e) => format!("error {}: {}", e.error_code, e.error_message),
        Incoming::Other(v) => format!("unknown entity {v}"),
        Incoming::Closed { .. } => return None,
    })
}

fn print(out: &mut dyn Write, format: ChatFormat, entity: &Incoming) -> Result<(), Error> {
    let line = match format {
        ChatFormat::Plain => human(entity),
        ChatFormat::Json => entity.to_json().map(|v| v.to_string()),
    };
    if let Some(line) = line {
        writeln!(out, "{line}").into_diagnostic()?;
        out.flush().into_diagnostic()?;
    }
    Ok(())
}

/// `ivsctl chat tail`.
pub async fn tail(
    globals: &Globals,
    room: &RoomArg,
    user_id: Option<&str>,
    format: ChatFormat,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let user_id = user_id.unwrap_or(DEFAULT_TAIL_USER);
    chat::check_len("--user-id", user_id, 1, 128)?;
    let (session, arn) = resolve_room(globals, room).await?;
    let mut conn = open(globals, &session, &arn, user_id, &[]).await?;
    eprintln!("tailing {arn} (Ctrl-C to stop)");
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut session_over = false;
    loop {
        let next = tokio::select! {
            _ = &mut ctrl_c => {
                conn.close().await;
                return Ok(ExitStatus::Success);
            }
            next = conn.next() => next,
        };
        match next {
            Some(Ok(Incoming::Closed { code, reason })) => {
                if session_over {
                    // The session ended: carry on with a fresh token.
                    eprintln!("the chat session ended; reconnecting with a new token");
                    conn = open(globals, &session, &arn, user_id, &[]).await?;
                    session_over = false;
                    continue;
                }
                let why = if reason.is_empty() {
                    format!("close code {code}")
                } else {
                    format!("{reason} (close code {code})")
                };
                eprintln!("the server closed the connection: {why}");
                return Ok(ExitStatus::Success);
            }
            Some(Ok(entity)) => {
                if let Incoming::Error(e) = &entity {
                    if e.error_code == 401 && e.request_id.is_none() {
                        session_over = true;
                    }
                }
                print(out, format, &entity)?;
            }
            Some(Err(e)) => return Err(e.into()),
            None => return Err(StreamError::Ended.into()),
        }
    }
}

/// `ivsctl chat send`.
pub async fn send(
    globals: &Globals,
    room: &RoomArg,
    message: &str,
    user_id: Option<&str>,
    attributes: &[String],
    format: ChatFormat,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let user_id = user_id.unwrap_or(DEFAULT_SEND_USER);
    chat::check_len("--user-id", user_id, 1, 128)?;
    chat::check_len("--message", message, 1, 500)?;
    let attributes = parse_attributes(attributes)?;
    let (session, arn) = resolve_room(globals, room).await?;
    let mut conn = open(
        globals,
        &session,
        &arn,
        user_id,
        &[chat::Capability::SendMessage],
    )
    .await?;
    let request_id = messaging::new_request_id();
    conn.send_message(&request_id, message, &attributes).await?;
    let answer = tokio::time::timeout(SEND_TIMEOUT, async {
        loop {
            match conn.next().await {
                Some(Ok(e)) if e.request_id() == Some(request_id.as_str()) => return Ok(e),
                Some(Ok(Incoming::Closed { code, reason })) => {
                    return Err(Error::from(StreamError::Closed { code, reason }))
                }
                Some(Ok(_)) => continue, // other clients' traffic
                Some(Err(e)) => return Err(e.into()),
                None => return Err(StreamError::Ended.into()),
            }
        }
    })
    .await
    .map_err(|_| StreamError::Timeout(SEND_TIMEOUT.as_secs()))??;
    conn.close().await;
    match answer {
        Incoming::Message(m) => {
            match format {
                ChatFormat::Plain => writeln!(out, "{}", m.id),
                ChatFormat::Json => writeln!(
                    out,
                    "{}",
                    json!({"id": m.id, "requestId": request_id, "roomArn": arn,
                           "sendTime": m.send_time, "content": m.content})
                ),
            }
            .into_diagnostic()?;
            Ok(ExitStatus::Success)
        }
        Incoming::Error(e) => Err(StreamError::Refused {
            code: e.error_code,
            message: e.error_message,
        }
        .into()),
        other => Err(StreamError::Unexpected(format!("{other:?}")).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messaging::{ChatEvent, ChatMessage, Sender};

    #[test]
    fn human_lines() {
        let m = Incoming::Message(ChatMessage {
            id: "M1".into(),
            request_id: None,
            content: "hi".into(),
            attributes: BTreeMap::from([("a".into(), "1".into())]),
            send_time: "T".into(),
            sender: Sender {
                user_id: "u".into(),
                attributes: BTreeMap::new(),
            },
        });
        assert_eq!(human(&m).unwrap(), "T message M1 u: hi [a=1]");
        let e = Incoming::Event(ChatEvent {
            id: "E".into(),
            request_id: None,
            event_name: "aws:DELETE_MESSAGE".into(),
            attributes: BTreeMap::from([
                ("MessageID".into(), "M1".into()),
                ("Reason".into(), "spam".into()),
            ]),
            send_time: "T".into(),
        });
        assert_eq!(human(&e).unwrap(), "T deleted message M1 (spam)");
        assert!(human(&Incoming::Closed {
            code: 1000,
            reason: String::new()
        })
        .is_none());
    }
}
