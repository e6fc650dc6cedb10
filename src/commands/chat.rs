//! `ivsctl chat token | send-event | delete-message | disconnect-user`.
//! Arguments are checked before any call; ROOM is an ARN, or a logical key
//! resolved through `-f FILE`'s stack (its ownership tags).

use super::{connect, load_manifest, Globals, Session};
use crate::chat::{self, ArgError, Capability};
use crate::error::{Error, ExitStatus};
use crate::model::ownership;
use miette::{miette, IntoDiagnostic};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatFormat {
    Plain,
    Json,
}

pub struct RoomArg {
    pub room: String,
    pub files: Vec<PathBuf>,
}

pub enum ChatCommand {
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

fn arg(e: ArgError) -> Error {
    miette!("{e}")
}

/// Everything checkable offline, before any call.
struct Checked {
    capabilities: Vec<Capability>,
    attributes: BTreeMap<String, String>,
}

fn check(cmd: &ChatCommand) -> Result<Checked, Error> {
    let mut checked = Checked {
        capabilities: vec![],
        attributes: BTreeMap::new(),
    };
    match cmd {
        ChatCommand::Token {
            user_id,
            capabilities,
            session_minutes,
            attributes,
        } => {
            chat::check_len("--user-id", user_id, 1, 128).map_err(arg)?;
            for c in capabilities {
                let cap = Capability::parse(c).ok_or_else(|| {
                    miette!(
                        "invalid --capability: `{c}`; it must be one of {}",
                        Capability::NAMES.join(", ")
                    )
                })?;
                if !checked.capabilities.contains(&cap) {
                    checked.capabilities.push(cap);
                }
            }
            if let Some(m) = session_minutes {
                if !(1..=180).contains(m) {
                    return Err(miette!(
                        "invalid --session-minutes: {m}; it must be between 1 and 180"
                    ));
                }
            }
            checked.attributes = chat::parse_attributes(attributes).map_err(arg)?;
        }
        ChatCommand::SendEvent {
            event_name,
            attributes,
        } => {
            chat::check_len("--event-name", event_name, 1, 100).map_err(arg)?;
            checked.attributes = chat::parse_attributes(attributes).map_err(arg)?;
        }
        ChatCommand::DeleteMessage { message_id, reason } => {
            chat::check_message_id(message_id).map_err(arg)?;
            if let Some(r) = reason {
                chat::check_len("--reason", r, 1, 256).map_err(arg)?;
            }
        }
        ChatCommand::DisconnectUser { user_id, reason } => {
            chat::check_len("--user-id", user_id, 1, 128).map_err(arg)?;
            if let Some(r) = reason {
                chat::check_len("--reason", r, 1, 256).map_err(arg)?;
            }
        }
    }
    Ok(checked)
}

/// Resolves ROOM (an ARN, or a manifest key through `-f`'s stack) and
/// connects; checks everything offline first. Shared with `chat tail` / `chat send`.
pub async fn resolve_room(globals: &Globals, room: &RoomArg) -> Result<(Session, String), Error> {
    // ROOM, offline part: an ARN, or a key of the manifest.
    let manifest = if room.room.starts_with("arn:") {
        if !chat::is_room_arn(&room.room) {
            return Err(miette!(
                "invalid --room: `{}` is not a room ARN (arn:aws:ivschat:REGION:ACCOUNT:room/ID)",
                room.room
            ));
        }
        if room.files.is_empty() {
            None
        } else {
            Some(load_manifest(&room.files)?)
        }
    } else {
        if room.files.is_empty() {
            return Err(miette!(
                help = "pass the manifest with -f FILE to resolve a logical key, or give the room's ARN",
                "invalid --room: `{}` is not an ARN, and no manifest was given to resolve it as a key",
                room.room
            ));
        }
        let m = load_manifest(&room.files)?;
        if !m.desired.rooms.contains_key(&room.room) {
            let keys: Vec<&str> = m.desired.rooms.keys().map(String::as_str).collect();
            return Err(miette!(
                help = if keys.is_empty() {
                    "the manifest declares no rooms".to_string()
                } else {
                    format!("the manifest's rooms are: {}", keys.join(", "))
                },
                "invalid --room: no room `{}` in stack {}",
                room.room,
                m.desired.stack
            ));
        }
        Some(m)
    };
    let session = connect(
        globals,
        manifest.as_ref().and_then(|m| m.desired.region.as_deref()),
    )
    .await?;
    let api = &session.api;
    let arn = match &manifest {
        Some(m) if !room.room.starts_with("arn:") => {
            let rooms = crate::live::list_rooms(api)
                .await
                .map_err(|e| miette!("{e}"))?;
            let claims: Vec<&str> = rooms
                .iter()
                .filter(|r| {
                    ownership(&r.tags)
                        .is_some_and(|o| o.stack == m.desired.stack && o.key == room.room)
                })
                .map(|r| r.arn.as_str())
                .collect();
            match claims[..] {
                [one] => one.to_string(),
                [] => {
                    return Err(miette!(
                        help = "run `ivsctl apply` to create it, or `ivsctl import` to adopt an existing room",
                        "rooms.{} of stack {} does not exist in {}",
                        room.room,
                        m.desired.stack,
                        api.region
                    ))
                }
                _ => {
                    return Err(miette!(
                        help = "remove the ivsctl tags from the room that should not have them",
                        "rooms.{} of stack {} is claimed by more than one room: {}",
                        room.room,
                        m.desired.stack,
                        claims.join(" and ")
                    ))
                }
            }
        }
        _ => room.room.clone(),
    };
    Ok((session, arn))
}

pub async fn run(
    globals: &Globals,
    room: &RoomArg,
    cmd: &ChatCommand,
    format: ChatFormat,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let checked = check(cmd)?;
    let (session, arn) = resolve_room(globals, room).await?;
    let api = &session.api;
    let fail = |e: crate::aws::ApiError| miette!("{e}");
    match cmd {
        ChatCommand::Token {
            user_id,
            session_minutes,
            ..
        } => {
            let t = chat::create_chat_token(
                api,
                &arn,
                user_id,
                &checked.capabilities,
                *session_minutes,
                &checked.attributes,
            )
            .await
            .map_err(fail)?;
            match format {
                ChatFormat::Plain => writeln!(
                    out,
                    "{}\ntokenExpirationTime: {}\nsessionExpirationTime: {}",
                    t.token, t.token_expiration_time, t.session_expiration_time
                ),
                ChatFormat::Json => writeln!(
                    out,
                    "{}",
                    json!({"token": t.token, "tokenExpirationTime": t.token_expiration_time,
                           "sessionExpirationTime": t.session_expiration_time, "roomArn": arn})
                ),
            }
        }
        ChatCommand::SendEvent { event_name, .. } => {
            let id = chat::send_event(api, &arn, event_name, &checked.attributes)
                .await
                .map_err(fail)?;
            print_id(out, format, &id, &arn)
        }
        ChatCommand::DeleteMessage { message_id, reason } => {
            let id = chat::delete_message(api, &arn, message_id, reason.as_deref())
                .await
                .map_err(fail)?;
            print_id(out, format, &id, &arn)
        }
        ChatCommand::DisconnectUser { user_id, reason } => {
            chat::disconnect_user(api, &arn, user_id, reason.as_deref())
                .await
                .map_err(fail)?;
            match format {
                ChatFormat::Plain => writeln!(out, "disconnected user {user_id} from {arn}"),
                ChatFormat::Json => writeln!(
                    out,
                    "{}",
                    json!({"disconnected": true, "userId": user_id, "roomArn": arn})
                ),
            }
        }
    }
    .into_diagnostic()?;
    Ok(ExitStatus::Success)
}

fn print_id(out: &mut dyn Write, format: ChatFormat, id: &str, arn: &str) -> std::io::Result<()> {
    match format {
        ChatFormat::Plain => writeln!(out, "{id}"),
        ChatFormat::Json => writeln!(out, "{}", json!({"id": id, "roomArn": arn})),
    }
}
