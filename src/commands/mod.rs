//! Command handlers: each loads what it needs, talks to the API through
//! `live` / `apply`, renders into the writer it is given, and returns an
//! `ExitStatus` or an error. None of them exits the process or prints a final
//! error: `cli.rs` does.

pub mod apply;
pub mod chat;
pub mod chat_stream;
pub mod export;
pub mod import;
pub mod plan;
pub mod validate;

use crate::aws::{Api, AwsSettings};
use crate::emulator::{Emulator, EmulatorConfig};
use crate::error::Error;
use crate::manifest::{self, Manifest};
use miette::{miette, IntoDiagnostic};
use std::path::{Path, PathBuf};

/// Settings every command shares (the global options, validated).
#[derive(Debug, Clone, Default)]
pub struct Globals {
    pub aws: AwsSettings,
    /// `--local`: run against an in-process emulator whose state is this file.
    pub local_state: Option<PathBuf>,
    /// Colour on stdout.
    pub color: bool,
    pub verbose: u8,
}

/// The default `--local` state file.
pub const DEFAULT_LOCAL_STATE: &str = ".ivsctl/local-state.json";

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

/// Loads the manifest; any error stops the command before any API call.
pub fn load_manifest(files: &[PathBuf]) -> Result<Manifest, Error> {
    manifest::load_files(files).map_err(Error::new)
}

/// The region to use: the manifest's, or `--region`; both given and
/// different is an error (a plan for one region must not run in another).
fn resolve_region(flag: Option<&str>, manifest: Option<&str>) -> Result<Option<String>, Error> {
    match (flag, manifest) {
        (Some(f), Some(m)) if f != m => Err(miette!(
            help = "remove one of them, or make them agree",
            "the manifest says region {m} but --region says {f}"
        )),
        (Some(r), _) | (None, Some(r)) => Ok(Some(r.to_string())),
        (None, None) => Ok(None),
    }
}

/// Connects for a command; `manifest_region` is the manifest's `region`.
pub async fn connect(globals: &Globals, manifest_region: Option<&str>) -> Result<Session, Error> {
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
        local = Some(emulator);
    }
    let api = Api::connect(&settings).await.map_err(|e| miette!("{e}"))?;
    Ok(Session { api, _local: local })
}

async fn start_local(state: &Path, region: &str) -> Result<Emulator, Error> {
    if let Some(dir) = state.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .into_diagnostic()
            .map_err(|e| e.wrap_err(format!("cannot create {} for --local", dir.display())))?;
    }
    let config = EmulatorConfig {
        state_file: Some(state.to_path_buf()),
        region: region.to_string(),
        ..EmulatorConfig::default()
    };
    Emulator::start(config)
        .await
        .map_err(|e| miette!("--local: {e}"))
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
