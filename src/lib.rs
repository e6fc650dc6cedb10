//! ivsctl: a declarative reconciler for Amazon IVS Chat, and a local emulator of
//! the IVS Chat control-plane API.
//!
//! Data flows one way: manifest -> desired model; API -> live model;
//! (desired, live) -> plan; plan -> render; plan -> apply -> report.

pub mod apply;
pub mod aws;
pub mod chat;
pub mod cli;
pub mod commands;
pub mod emulator;
pub mod error;
#[cfg(test)]
mod fixtures;
pub mod heartbeat;
pub mod live;
pub mod manifest;
pub mod messaging;
pub mod model;
pub mod plan;
pub mod progress;
pub mod record;
pub mod render;
pub mod schema;
pub mod terminal;
pub mod trace;

pub use error::{Error, ExitStatus};

/// The process entry point: parses the command line, runs the command, and maps
/// the outcome to an exit code. The only place that prints a final error.
pub fn main() -> std::process::ExitCode {
    cli::run()
}
