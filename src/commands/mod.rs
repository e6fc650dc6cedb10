//! Command handlers: each loads what it needs, talks to the API through
//! `live` / `apply` / `chat`, renders into the writer it is given, and returns
//! an `ExitStatus` or a typed error. None of them exits the process or prints
//! a final error: `cli.rs` does.

pub mod apply;
pub mod chat;
pub mod chat_stream;
pub mod export;
pub mod forget;
pub mod import;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod show;
pub mod validate;

use crate::aws::{Api, AwsSettings, ConnectError};
use crate::emulator::{Emulator, EmulatorConfig, StartError};
use crate::terminal::Terminal;
use std::path::{Path, PathBuf};

/// Settings every command shares (the global options, validated, and the
/// terminal, detected once).
#[derive(Debug, Clone, Default)]
pub struct Globals {
    pub aws: AwsSettings,
    /// `--local`: run against an emulator inside this process whose state is
    /// this file.
    pub local_state: Option<PathBuf>,
    pub terminal: Terminal,
    pub verbose: u8,
    /// The manifests' variables set by `--var` and `IVSCTL_VAR_*`.
    pub vars: crate::manifest::Vars,
}

/// The default `--local` state file.
pub const DEFAULT_LOCAL_STATE: &str = ".ivsctl/local-state.json";

/// Why a command could not get a connection.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SessionError {
    #[error("the manifest says region {manifest} but --region says {flag}")]
    #[diagnostic(
        code(ivsctl::config::region_conflict),
        help("remove one of them, or make them agree")
    )]
    RegionConflict { manifest: String, flag: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Connect(#[from] ConnectError),
    #[error("cannot create {} for --local", dir.display())]
    #[diagnostic(code(ivsctl::local::state_dir))]
    LocalStateDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("--local: {0}")]
    #[diagnostic(
        code(ivsctl::local::start),
        help("the --local state file may be damaged; move it away to start afresh")
    )]
    Local(#[source] StartError),
}

/// A connection to IVS Chat: the real service, an endpoint, or (with
/// `--local`) an emulator running in this process for the command's life.
pub struct Session {
    pub api: Api,
    _local: Option<Emulator>,
}

impl Session {
    /// The endpoint of the `--local` emulator, when there is one.
    pub fn local_endpoint(&self) -> Option<String> {
        self._local.as_ref().map(|e| e.endpoint())
    }
}

/// The region to use: the manifest's, or `--region`; both given and
/// different is an error (a plan for one region must not run in another).
pub fn resolve_region(
    flag: Option<&str>,
    manifest: Option<&str>,
) -> Result<Option<String>, SessionError> {
    match (flag, manifest) {
        (Some(f), Some(m)) if f != m => Err(SessionError::RegionConflict {
            manifest: m.to_string(),
            flag: f.to_string(),
        }),
        (Some(r), _) | (None, Some(r)) => Ok(Some(r.to_string())),
        (None, None) => Ok(None),
    }
}

/// Connects for a command; `manifest_region` is the manifest's `region`.
pub async fn connect(
    globals: &Globals,
    manifest_region: Option<&str>,
) -> Result<Session, SessionError> {
    let mut settings = globals.aws.clone();
    settings.region = resolve_region(settings.region.as_deref(), manifest_region)?;
    settings.verbose = globals.verbose;
    let mut local = None;
    if let Some(state) = &globals.local_state {
        let region = settings
            .region
            .clone()
            .unwrap_or_else(|| crate::emulator::DEFAULT_REGION.to_string());
        let emulator = start_local(state, &region).await?;
        settings.endpoint_url = Some(emulator.endpoint());
        settings.region = Some(region);
        settings.dummy_credentials = true;
        // The embedded emulator enforces no rate quota: nothing to pace.
        settings.unpaced = true;
        local = Some(emulator);
    }
    let api = Api::connect(&settings).await?;
    Ok(Session { api, _local: local })
}

async fn start_local(state: &Path, region: &str) -> Result<Emulator, SessionError> {
    if let Some(dir) = state.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| SessionError::LocalStateDir {
            dir: dir.to_path_buf(),
            source,
        })?;
    }
    let config = EmulatorConfig {
        state_file: Some(state.to_path_buf()),
        region: region.to_string(),
        ..EmulatorConfig::default()
    };
    Emulator::start(config).await.map_err(SessionError::Local)
}

/// A file ivsctl could not read or write.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot {action} {}", path.display())]
#[diagnostic(code(ivsctl::io))]
pub struct FileError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl FileError {
    pub fn new<'a>(
        action: &'static str,
        path: &'a Path,
    ) -> impl FnOnce(std::io::Error) -> FileError + 'a {
        move |source| FileError {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_conflicts_are_errors() {
        assert_eq!(resolve_region(None, None).unwrap(), None);
        assert_eq!(
            resolve_region(Some("eu-west-1"), None).unwrap().as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            resolve_region(None, Some("us-west-2")).unwrap().as_deref(),
            Some("us-west-2")
        );
        assert_eq!(
            resolve_region(Some("us-west-2"), Some("us-west-2"))
                .unwrap()
                .as_deref(),
            Some("us-west-2")
        );
        let err = resolve_region(Some("eu-west-1"), Some("us-west-2")).unwrap_err();
        assert!(err.to_string().contains("us-west-2") && err.to_string().contains("eu-west-1"));
    }
}
