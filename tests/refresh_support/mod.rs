//! What the refresh suites (refresh.rs, refresh_random.rs) share: an
//! [`Account`] (an emulator, a real SDK client and a temporary directory,
//! with the binary's `plan` and `apply`, and the resources' ARNs) and
//! [`changes`].

use crate::common;
use aws_sdk_ivschat::Client;
use ivsctl::emulator::{BackgroundEmulator, EmulatorConfig};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// An emulator, a real SDK client, and a temporary directory for manifests.
pub struct Account {
    pub emu: BackgroundEmulator,
    pub sdk: Client,
    pub dir: tempfile::TempDir,
}

impl Account {
    pub fn new() -> Account {
        let emu = common::emulator(EmulatorConfig::default());
        let sdk = common::sdk(&emu.endpoint());
        Account {
            emu,
            sdk,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn manifest(&self, text: &str) -> PathBuf {
        let path = self.dir.path().join("m.yaml");
        std::fs::write(&path, text).expect("write manifest");
        path
    }

    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        common::ivsctl(&self.emu.endpoint(), args)
    }

    pub fn apply(&self, m: &Path) {
        let (code, out, err) = self.run(&["apply", "-f", m.to_str().unwrap(), "--auto-approve"]);
        assert_eq!(code, 0, "apply failed:\n{out}\n{err}");
    }

    /// `plan --format json` (with `extra`), parsed.
    pub fn plan(&self, m: &Path, extra: &[&str]) -> Value {
        let mut args = vec!["plan", "-f", m.to_str().unwrap(), "--format", "json"];
        args.extend_from_slice(extra);
        let (code, out, err) = self.run(&args);
        assert_eq!(code, 0, "plan failed:\n{out}\n{err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("plan JSON: {e}\n{out}"))
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.emu.block_on(f)
    }

    /// Every room and logging configuration, by ARN, as the SDK reads it.
    pub fn rooms(&self) -> Vec<aws_sdk_ivschat::types::RoomSummary> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .block_on(
                    self.sdk
                        .list_rooms()
                        .max_results(50)
                        .set_next_token(token)
                        .send(),
                )
                .expect("ListRooms");
            out.extend(page.rooms().iter().cloned());
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return out,
            }
        }
    }

    /// ARN of the owned resource `key` (room when `room`).
    pub fn arn(&self, room: bool, key: &str) -> Option<String> {
        if room {
            self.rooms()
                .into_iter()
                .find(|r| {
                    r.tags()
                        .and_then(|t| t.get("ivsctl:key"))
                        .map(String::as_str)
                        == Some(key)
                })
                .and_then(|r| r.arn().map(String::from))
        } else {
            self.block_on(self.sdk.list_logging_configurations().send())
                .expect("ListLoggingConfigurations")
                .logging_configurations()
                .iter()
                .find(|l| {
                    l.tags()
                        .and_then(|t| t.get("ivsctl:key"))
                        .map(String::as_str)
                        == Some(key)
                })
                .and_then(|l| l.arn().map(String::from))
        }
    }
}

/// The resource changes of `plan` that are not no-ops.
pub fn changes(plan: &Value) -> Vec<&Value> {
    plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "no-op")
        .collect()
}
