//! The `chat` subcommands' clap types: `RoomOpts` (how a command names its
//! room) and `ChatCmd`. `dispatch` (in `cli/mod.rs`) turns them into
//! `chat::RawRequest`s or the WebSocket commands.

use crate::commands::chat::ChatFormat;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct RoomOpts {
    /// The room: its ARN, or its logical key in the manifest given with -f.
    #[arg(long, value_name = "ROOM")]
    pub room: String,
    /// Manifest that resolves a logical ROOM key through its stack's ownership tags
    /// (default for a key: ivsctl.yaml, else the current directory's manifests).
    #[arg(short = 'f', long = "file", value_name = "FILE", action = clap::ArgAction::Append)]
    pub files: Vec<PathBuf>,
    /// `plain` for people, `json` for scripts.
    #[arg(long, value_enum, default_value_t = ChatFormat::Plain)]
    pub format: ChatFormat,
}

#[derive(Debug, Subcommand)]
pub enum ChatCmd {
    /// Create a chat token for a user (CreateChatToken). Plain: only the token on stdout
    /// (TOKEN=$(ivsctl chat token ...)), its expiry times and room on stderr.
    Token {
        #[command(flatten)]
        room: RoomOpts,
        /// The user's id (1-128 characters).
        #[arg(long, value_name = "ID")]
        user_id: String,
        /// SEND_MESSAGE, DISCONNECT_USER or DELETE_MESSAGE (repeatable; viewing is implicit).
        #[arg(long = "capability", value_name = "CAP", action = clap::ArgAction::Append)]
        capabilities: Vec<String>,
        /// Session length in minutes, 1-180 (default 60).
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        session_minutes: Option<i32>,
        /// Attribute KEY=VALUE encoded into the token (repeatable; 1 KB in total).
        #[arg(long = "attribute", value_name = "KEY=VALUE", action = clap::ArgAction::Append)]
        attributes: Vec<String>,
    },
    /// Send an event to every client of the room (SendEvent); prints the event id.
    SendEvent {
        #[command(flatten)]
        room: RoomOpts,
        /// The event name (1-100 characters).
        #[arg(long, value_name = "NAME")]
        event_name: String,
        /// Attribute KEY=VALUE sent with the event (repeatable; 1 KB in total).
        #[arg(long = "attribute", value_name = "KEY=VALUE", action = clap::ArgAction::Append)]
        attributes: Vec<String>,
    },
    /// Delete a message for every client (DeleteMessage); prints the operation id.
    DeleteMessage {
        #[command(flatten)]
        room: RoomOpts,
        /// The message's Id (12 letters and digits).
        #[arg(long, value_name = "ID")]
        message_id: String,
        /// Why (1-256 characters), shown to clients.
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Print the room's messages and events as they arrive (WebSocket), until Ctrl-C.
    #[command(
        after_help = "Connects with a fresh token without capabilities. Exit status: 0 on Ctrl-C or when \
        the server closes the connection (the reason goes to stderr), 1 when it breaks."
    )]
    Tail {
        #[command(flatten)]
        room: RoomOpts,
        /// The user id to connect as (default ivsctl-tail).
        #[arg(long, value_name = "ID")]
        user_id: Option<String>,
    },
    /// Send one message to the room (WebSocket) and print its id once it is delivered.
    Send {
        #[command(flatten)]
        room: RoomOpts,
        /// The message (1-500 characters; the room's maximumMessageLength applies).
        #[arg(long, value_name = "TEXT")]
        message: String,
        /// The user id to send as (default ivsctl).
        #[arg(long, value_name = "ID")]
        user_id: Option<String>,
        /// Message attribute KEY=VALUE (repeatable).
        #[arg(long = "attribute", value_name = "KEY=VALUE", action = clap::ArgAction::Append)]
        attributes: Vec<String>,
    },
    /// Disconnect every connection of a user (DisconnectUser).
    DisconnectUser {
        #[command(flatten)]
        room: RoomOpts,
        /// The user's id (1-128 characters).
        #[arg(long, value_name = "ID")]
        user_id: String,
        /// Why (1-256 characters), shown to clients.
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
}
