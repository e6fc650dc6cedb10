//! `ivsctl chat token | send-event | delete-message | disconnect-user`: the
//! request is checked (`chat::Request::check`) before any call, ROOM is
//! resolved (an ARN, or a logical key through `-f FILE`'s stack and the
//! ownership tags), the request sent, and the response printed.

use super::pipeline::load_manifest;
use super::{connect, Globals, Session};
use crate::chat::{self, RawRequest, Request, Response};
use crate::error::{Error, ExitStatus};
use crate::manifest::Manifest;
use crate::model::OwnershipIndex;
use miette::IntoDiagnostic;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

/// `--format` of the chat commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ChatFormat {
    /// For people.
    #[default]
    Plain,
    /// For scripts.
    Json,
}

pub struct RoomArg {
    pub room: String,
    pub files: Vec<PathBuf>,
}

/// Why ROOM does not name one room.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RoomError {
    #[error("invalid --room: `{0}` is not a room ARN (arn:aws:ivschat:REGION:ACCOUNT:room/ID)")]
    #[diagnostic(code(ivsctl::chat::room))]
    NotARoomArn(String),
    #[error(
        "invalid --room: `{0}` is not an ARN, and no manifest was given to resolve it as a key"
    )]
    #[diagnostic(
        code(ivsctl::chat::room),
        help("pass the manifest with -f FILE to resolve a logical key, or give the room's ARN")
    )]
    NoManifest(String),
    #[error("invalid --room: no room `{key}` in stack {stack}")]
    #[diagnostic(code(ivsctl::chat::room))]
    NoSuchKey {
        key: String,
        stack: String,
        #[help]
        help: String,
    },
    #[error("rooms.{key} of stack {stack} does not exist in {region}")]
    #[diagnostic(
        code(ivsctl::chat::room_missing),
        help("run `ivsctl apply` to create it, or `ivsctl import` to adopt an existing room")
    )]
    NotCreated {
        key: String,
        stack: String,
        region: String,
    },
    #[error("rooms.{key} of stack {stack} is claimed by more than one room: {}", arns.join(" and "))]
    #[diagnostic(
        code(ivsctl::chat::room_claimed_twice),
        help("remove the ivsctl tags from the room that should not have them")
    )]
    ClaimedTwice {
        key: String,
        stack: String,
        arns: Vec<String>,
    },
}

pub async fn run(
    globals: &Globals,
    room: &RoomArg,
    raw: RawRequest,
    format: ChatFormat,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let request = Request::check(raw)?;
    let (session, arn) = resolve_room(globals, room).await?;
    let response = chat::send(&session.api, &arn, &request).await?;
    let mut err = std::io::stderr().lock();
    print(out, &mut err, format, &request, &response, &arn).into_diagnostic()?;
    Ok(ExitStatus::Success)
}

/// Resolves ROOM (an ARN, or a manifest key through `-f`'s stack) and
/// connects; everything offline is checked first. Shared with `chat tail` /
/// `chat send`.
pub async fn resolve_room(globals: &Globals, room: &RoomArg) -> Result<(Session, String), Error> {
    let manifest = room_manifest(globals, room)?;
    let session = connect(
        globals,
        manifest.as_ref().and_then(|m| m.desired.region.as_deref()),
    )
    .await?;
    let arn = match &manifest {
        Some(m) if !room.room.starts_with("arn:") => {
            resolve_key(&session.api, m, &room.room).await?
        }
        _ => room.room.clone(),
    };
    Ok((session, arn))
}

/// ROOM, offline part: an ARN, or a key of the manifest (which is loaded).
fn room_manifest(globals: &Globals, room: &RoomArg) -> Result<Option<Manifest>, Error> {
    if room.room.starts_with("arn:") {
        if !chat::is_room_arn(&room.room) {
            return Err(RoomError::NotARoomArn(room.room.clone()).into());
        }
        return Ok(if room.files.is_empty() {
            None
        } else {
            Some(load_manifest(globals, &room.files)?)
        });
    }
    if room.files.is_empty() && super::pipeline::default_files(&[]).is_err() {
        return Err(RoomError::NoManifest(room.room.clone()).into());
    }
    let m = load_manifest(globals, &room.files)?;
    if !m.desired.rooms.contains_key(&room.room) {
        let keys: Vec<&str> = m.desired.rooms.keys().map(String::as_str).collect();
        return Err(RoomError::NoSuchKey {
            key: room.room.clone(),
            stack: m.desired.stack.clone(),
            help: if keys.is_empty() {
                "the manifest declares no rooms".to_string()
            } else {
                format!("the manifest's rooms are: {}", keys.join(", "))
            },
        }
        .into());
    }
    Ok(Some(m))
}

/// The ARN of the live room that `key` of the manifest's stack names.
pub async fn resolve_key(
    api: &crate::aws::Api,
    manifest: &Manifest,
    key: &str,
) -> Result<String, Error> {
    let stack = &manifest.desired.stack;
    let live = crate::live::list(api, true, false).await?;
    let index = OwnershipIndex::new(&live);
    match index.rooms.get(stack, key) {
        Ok(Some(r)) => Ok(r.arn.clone()),
        Ok(None) => Err(RoomError::NotCreated {
            key: key.to_string(),
            stack: stack.clone(),
            region: api.region.clone(),
        }
        .into()),
        Err(dup) => Err(RoomError::ClaimedTwice {
            key: key.to_string(),
            stack: stack.clone(),
            arns: dup.arns,
        }
        .into()),
    }
}

/// Prints the response on `out`. A plain token is the only thing on `out`
/// (`TOKEN=$(ivsctl chat token ...)` works); its details go to `err`, which
/// never sees the token itself.
fn print(
    out: &mut dyn Write,
    err: &mut dyn Write,
    format: ChatFormat,
    request: &Request,
    response: &Response,
    arn: &str,
) -> std::io::Result<()> {
    match (response, format) {
        (Response::Token(t), ChatFormat::Plain) => {
            writeln!(out, "{}", t.token)?;
            writeln!(
                err,
                "tokenExpirationTime: {}\nsessionExpirationTime: {}\nroomArn: {arn}",
                t.token_expiration_time, t.session_expiration_time
            )
        }
        (Response::Token(t), ChatFormat::Json) => writeln!(
            out,
            "{}",
            json!({"token": t.token, "tokenExpirationTime": t.token_expiration_time,
                   "sessionExpirationTime": t.session_expiration_time, "roomArn": arn})
        ),
        (Response::Id(id), ChatFormat::Plain) => writeln!(out, "{id}"),
        (Response::Id(id), ChatFormat::Json) => {
            writeln!(out, "{}", json!({"id": id, "roomArn": arn}))
        }
        (Response::Disconnected, format) => {
            let user_id = match request {
                Request::DisconnectUser { user_id, .. } => user_id.as_str(),
                _ => "",
            };
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
}
