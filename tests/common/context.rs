//! [`TestContext`]: one in-process emulator, one temporary directory, one
//! real SDK client, and the real `ivsctl` binary run in that directory.
//!
//! This file holds the context itself, running the binary in it, and labels
//! and redaction; its other methods live by job in `log.rs` (the request
//! log), `account.rs` (reading the account) and `seed.rs` (seeding it).
//! [`Cmd`] and [`words`] (cmd.rs) are re-exported here, as are the
//! constants of the request log, so `common::context::X` paths keep working.

#[allow(unused_imports)]
pub use super::cmd::{words, Cmd};
#[allow(unused_imports)]
pub use super::log::{DISCOVERY_READS, WRITE_OPS};
#[allow(unused_imports)]
pub use super::seed::destination;

use super::output::Output;
use super::redact::{Labels, Redactor};
use aws_sdk_ivschat::Client;
use ivsctl::emulator::{BackgroundEmulator, EmulatorConfig};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

/// An emulator, a temporary directory (the binary's working directory) and
/// an SDK client, plus what the harness learnt of the account: the label of
/// every ARN it saw (for redaction) and the rooms' logging configurations at
/// the last [`reset_log`](TestContext::reset_log) (for the order checks).
pub struct TestContext {
    pub emu: BackgroundEmulator,
    pub sdk: Client,
    pub(super) dir: tempfile::TempDir,
    pub(super) labels: Mutex<Labels>,
    /// Request-log sequence numbers of the harness's own reads.
    pub(super) hidden: Mutex<Vec<(u64, u64)>>,
    /// Room label -> the labels of its logging configurations, at the last reset.
    pub(super) before: Mutex<BTreeMap<String, Vec<String>>>,
}

impl Default for TestContext {
    fn default() -> Self {
        Self::new()
    }
}

impl TestContext {
    pub fn new() -> TestContext {
        Self::with_config(EmulatorConfig::default())
    }

    pub fn with_config(config: EmulatorConfig) -> TestContext {
        // The harness reads the emulator's default region.
        let region = config.region.clone();
        let emu = super::emulator(config);
        let sdk = super::sdk_in(&emu.endpoint(), &region);
        TestContext {
            emu,
            sdk,
            dir: tempfile::tempdir().expect("temp dir"),
            labels: Mutex::new(Labels::default()),
            hidden: Mutex::new(Vec::new()),
            before: Mutex::new(BTreeMap::new()),
        }
    }

    /// An emulator in `region`, read by the harness in that region.
    pub fn in_region(region: &str) -> TestContext {
        Self::with_config(EmulatorConfig {
            region: region.to_string(),
            ..EmulatorConfig::default()
        })
    }

    pub fn endpoint(&self) -> String {
        self.emu.endpoint()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    /// Writes a file into the temporary directory; returns its path. The
    /// first manifest written names the stack whose resources get short
    /// labels (`rooms.lobby`; other stacks' are `STACK/rooms.lobby`).
    pub fn file(&self, name: &str, text: &str) -> String {
        if let Some(stack) = stack_of(text) {
            self.set_stack(&stack);
        }
        super::write_file(self.dir.path(), name, text)
    }

    /// Sets the stack whose resources get short labels.
    pub fn set_stack(&self, stack: &str) {
        self.labels.lock().unwrap().home_stack_once(stack);
    }

    // -----------------------------------------------------------------------
    // Running the binary

    /// `ivsctl ARGS` against the emulator, in the temporary directory.
    pub fn cmd<S: AsRef<str>>(&self, args: &[S]) -> Cmd {
        Cmd::new(args)
            .endpoint(&self.endpoint())
            .cwd(self.dir.path())
    }

    pub fn run<S: AsRef<str>>(&self, args: &[S]) -> Output {
        self.cmd(args).run()
    }

    /// `ivsctl LINE`, LINE split as [`words`] splits it:
    /// `ctx.ivsctl(&format!("plan -f {file} --detailed-exitcode"))`.
    pub fn ivsctl(&self, line: &str) -> Output {
        self.run(&words(line))
    }

    /// `apply -f FILE --auto-approve EXTRA`.
    pub fn apply(&self, file: &str, extra: &[&str]) -> Output {
        self.cmd(&["apply", "-f", file, "--auto-approve"])
            .args(extra)
            .run()
    }

    /// `apply`, which must succeed.
    #[track_caller]
    pub fn apply_ok(&self, file: &str) -> Output {
        let out = self.apply(file, &[]);
        out.success();
        out
    }

    /// `plan -f FILE --format json` (exit 0), parsed.
    #[track_caller]
    pub fn plan_json(&self, file: &str) -> Value {
        let out = self.run(&["plan", "-f", file, "--format", "json"]);
        out.success();
        out.json()
    }

    /// `plan --detailed-exitcode` exits 0 and says "No changes." (no
    /// perpetual diff).
    #[track_caller]
    pub fn assert_no_changes(&self, file: &str) {
        self.run(&["plan", "-f", file, "--detailed-exitcode"])
            .success()
            .stdout_contains("No changes.");
    }

    // -----------------------------------------------------------------------
    // Labels and redaction

    /// Learns the label of every live resource (reads the account); returns
    /// the rooms as [`rooms_brief`](Self::rooms_brief) does.
    pub fn scan(&self) -> Vec<Value> {
        let rooms = self.rooms_brief();
        let lcs = self.logging_configurations();
        let mut labels = self.labels.lock().unwrap();
        labels.learn("room", &rooms);
        labels.learn("lc", &lcs);
        rooms
    }

    /// The label of `arn` (`rooms.lobby`, `other/rooms.lobby`,
    /// `room:unmanaged`, `lc:name`); the ARN itself when unknown.
    pub fn label(&self, arn: &str) -> String {
        self.labels.lock().unwrap().bare(arn)
    }

    /// The ARN of the resource labelled `label`.
    #[track_caller]
    pub fn arn(&self, label: &str) -> String {
        self.labels
            .lock()
            .unwrap()
            .arn(label)
            .unwrap_or_else(|| panic!("no resource is labelled {label}"))
    }

    /// Replaces every `{label}` in `text` with that resource's ARN.
    pub fn resolve(&self, text: &str) -> String {
        self.labels.lock().unwrap().resolve(text)
    }

    /// `text` with ARNs as `[label]`, and times, durations, request ids, the
    /// temporary directory, the repository and the endpoint as placeholders.
    /// Learns the labels of the account first (reads it, out of the log; not
    /// while a command runs).
    pub fn redact(&self, text: &str) -> String {
        self.quiet(|| self.scan());
        self.redactor().redact(text)
    }

    pub(super) fn redactor(&self) -> Redactor {
        Redactor::new(
            &self.labels.lock().unwrap(),
            &[
                (self.dir.path().to_string_lossy().into_owned(), "[TEMP]"),
                (env!("CARGO_MANIFEST_DIR").to_string(), "[REPO]"),
                (self.endpoint(), "[ENDPOINT]"),
            ],
        )
    }
}

/// The `stack:` of a manifest.
pub fn stack_of(manifest: &str) -> Option<String> {
    let line = manifest.lines().find_map(|l| l.strip_prefix("stack:"))?;
    Some(line.trim().trim_matches('"').to_string())
}
