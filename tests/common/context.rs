//! [`TestContext`]: one in-process emulator, one temporary directory, one
//! real SDK client, and the real `ivsctl` binary run in that directory.

use super::output::Output;
use super::redact::{Labels, Redactor};
use super::{isolated_env, sdk, writes};
use aws_sdk_ivschat::types::{
    CloudWatchLogsDestinationConfiguration, DestinationConfiguration, FallbackResult,
    FirehoseDestinationConfiguration, MessageReviewHandler, S3DestinationConfiguration,
};
use aws_sdk_ivschat::Client;
use ivsctl::emulator::log::RequestRecord;
use ivsctl::emulator::{BackgroundEmulator, EmulatorConfig};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The operations that change the account.
pub const WRITE_OPS: [&str; 8] = [
    "CreateRoom",
    "UpdateRoom",
    "DeleteRoom",
    "CreateLoggingConfiguration",
    "UpdateLoggingConfiguration",
    "DeleteLoggingConfiguration",
    "TagResource",
    "UntagResource",
];

/// The reads of a plan's discovery.
pub const DISCOVERY_READS: [&str; 3] = ["GetRoom", "ListLoggingConfigurations", "ListRooms"];

/// Sets the members of `$spec` that CreateRoom and UpdateRoom share on
/// `$builder` (absent members are not sent).
macro_rules! room_fields {
    ($builder:expr, $spec:expr) => {{
        let spec: &Value = $spec;
        let int = |key: &str| spec[key].as_i64().map(|n| n as i32);
        let lcs = spec["loggingConfigurations"].as_array().map(|list| {
            let arn = |v: &Value| v.as_str().expect("an ARN").to_string();
            list.iter().map(arn).collect::<Vec<_>>()
        });
        $builder
            .set_name(spec["name"].as_str().map(String::from))
            .set_maximum_message_length(int("maximumMessageLength"))
            .set_maximum_message_rate_per_second(int("maximumMessageRatePerSecond"))
            .set_message_review_handler(spec.get("messageReviewHandler").map(handler))
            .set_logging_configuration_identifiers(lcs.filter(|l| !l.is_empty()))
    }};
}

/// A run of the real binary: arguments, environment, directory, stdin and a
/// time limit. [`TestContext::cmd`] gives one aimed at the context's emulator.
#[derive(Debug, Clone)]
pub struct Cmd {
    args: Vec<String>,
    endpoint: String,
    cwd: Option<PathBuf>,
    stdin: Option<String>,
    env: Vec<(String, String)>,
    timeout: Option<Duration>,
}

impl Cmd {
    /// `ivsctl ARGS` with no endpoint, in the current directory.
    pub fn new<S: AsRef<str>>(args: &[S]) -> Cmd {
        Cmd {
            args: args.iter().map(|a| a.as_ref().to_string()).collect(),
            endpoint: String::new(),
            cwd: None,
            stdin: None,
            env: Vec::new(),
            timeout: None,
        }
    }

    pub fn args<S: AsRef<str>>(mut self, args: &[S]) -> Cmd {
        self.args
            .extend(args.iter().map(|a| a.as_ref().to_string()));
        self
    }

    /// AWS_ENDPOINT_URL; none when empty.
    pub fn endpoint(mut self, endpoint: &str) -> Cmd {
        self.endpoint = endpoint.to_string();
        self
    }

    pub fn cwd(mut self, dir: &Path) -> Cmd {
        self.cwd = Some(dir.to_path_buf());
        self
    }

    /// Piped to stdin (otherwise stdin is /dev/null; never a terminal).
    pub fn stdin(mut self, text: &str) -> Cmd {
        self.stdin = Some(text.to_string());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Cmd {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Kills the run after `limit`: `run` then fails the test.
    pub fn timeout(mut self, limit: Duration) -> Cmd {
        self.timeout = Some(limit);
        self
    }

    /// Runs to the end (panics if the time limit passes).
    #[track_caller]
    pub fn run(self) -> Output {
        let what = format!("{:?}", self.args);
        self.try_run()
            .unwrap_or_else(|| panic!("ivsctl {what} did not finish in time"))
    }

    /// Runs; None when the time limit passed (the child is killed).
    pub fn try_run(self) -> Option<Output> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ivsctl"));
        cmd.args(&self.args);
        isolated_env(&mut cmd, &self.endpoint);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn ivsctl");
        if let Some(input) = &self.stdin {
            let _ = child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.as_bytes());
        }
        let reader = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = pipe.read_to_end(&mut buf);
                String::from_utf8_lossy(&buf).into_owned()
            })
        };
        let stdout = reader(Box::new(child.stdout.take().expect("stdout")));
        let stderr = reader(Box::new(child.stderr.take().expect("stderr")));
        let deadline = self.timeout.map(|t| Instant::now() + t);
        let status = loop {
            let Some(deadline) = deadline else {
                break Some(child.wait().expect("wait for ivsctl"));
            };
            if let Some(status) = child.try_wait().expect("wait for ivsctl") {
                break Some(status);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
        status.map(|s| Output {
            args: self.args,
            code: s.code().unwrap_or(-1),
            stdout,
            stderr,
        })
    }
}

/// An emulator, a temporary directory (the binary's working directory) and
/// an SDK client, plus what the harness learnt of the account: the label of
/// every ARN it saw (for redaction) and the rooms' logging configurations at
/// the last [`reset_log`](TestContext::reset_log) (for the order checks).
pub struct TestContext {
    pub emu: BackgroundEmulator,
    pub sdk: Client,
    dir: tempfile::TempDir,
    labels: Mutex<Labels>,
    /// Request-log sequence numbers of the harness's own reads.
    hidden: Mutex<Vec<(u64, u64)>>,
    /// Room label -> the labels of its logging configurations, at the last reset.
    before: Mutex<BTreeMap<String, Vec<String>>>,
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
        let emu = super::emulator(config);
        let sdk = sdk(&emu.endpoint());
        TestContext {
            emu,
            sdk,
            dir: tempfile::tempdir().expect("temp dir"),
            labels: Mutex::new(Labels::default()),
            hidden: Mutex::new(Vec::new()),
            before: Mutex::new(BTreeMap::new()),
        }
    }

    /// An emulator in `region`.
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
    // The request log

    /// Remembers the account as it is (labels; each room's logging
    /// configurations, for the order checks of [`write_log`]) and empties
    /// the request log.
    ///
    /// [`write_log`]: TestContext::write_log
    pub fn reset_log(&self) {
        let rooms = self.scan();
        let labels = self.labels.lock().unwrap();
        *self.before.lock().unwrap() = rooms
            .iter()
            .map(|r| {
                let lcs = r["loggingConfigurations"].as_array().unwrap();
                let lcs = lcs.iter().map(|a| labels.bare(a.as_str().unwrap()));
                (labels.bare(r["arn"].as_str().unwrap()), lcs.collect())
            })
            .collect();
        self.emu.clear_requests();
        self.hidden.lock().unwrap().clear();
    }

    /// The requests since the last reset, without the harness's own reads.
    pub fn log(&self) -> Vec<RequestRecord> {
        let hidden = self.hidden.lock().unwrap();
        self.emu
            .requests()
            .into_iter()
            .filter(|r| !hidden.iter().any(|(a, b)| (*a..=*b).contains(&r.seq)))
            .collect()
    }

    /// The operations in the log, in order.
    pub fn ops(&self) -> Vec<String> {
        self.log().into_iter().map(|r| r.operation).collect()
    }

    pub fn count(&self, op: &str) -> usize {
        self.log().iter().filter(|r| r.operation == op).count()
    }

    /// Requests per operation.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for r in self.log() {
            *out.entry(r.operation).or_default() += 1;
        }
        out
    }

    /// The inputs of the calls of `op`, in order.
    pub fn inputs(&self, op: &str) -> Vec<Value> {
        let log = self.log().into_iter().filter(|r| r.operation == op);
        log.map(|r| r.input).collect()
    }

    /// The resources (`identifier`) the calls of `op` named.
    pub fn targets(&self, op: &str) -> BTreeSet<String> {
        let inputs = self.inputs(op).into_iter();
        inputs
            .map(|i| i["identifier"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    /// The write calls, in order.
    pub fn writes(&self) -> Vec<RequestRecord> {
        let mut log = self.log();
        log.retain(|r| WRITE_OPS.contains(&r.operation.as_str()));
        log
    }

    #[track_caller]
    pub fn assert_no_writes(&self, what: &str) {
        let w = self.writes();
        assert!(w.is_empty(), "{what}: expected no write call, got {w:#?}");
    }

    /// Nothing but the discovery reads reached the API.
    #[track_caller]
    pub fn assert_reads_only(&self, what: &str) {
        let ops = self.counts();
        let other: Vec<_> = ops
            .keys()
            .filter(|op| !DISCOVERY_READS.contains(&op.as_str()))
            .collect();
        assert!(other.is_empty(), "{what}: the API saw {ops:?}");
    }

    /// No request at all reached the API.
    #[track_caller]
    pub fn assert_no_calls(&self, what: &str) {
        assert_eq!(self.ops(), Vec::<String>::new(), "{what}: no API call");
    }

    /// The write calls since the last reset (plus GetLoggingConfiguration,
    /// the wait for ACTIVE), redacted, one line each, in a canonical order;
    /// the order contracts of apply are checked on the real order first (see
    /// writes.rs).
    pub fn write_log(&self) -> String {
        let records = self.log();
        self.quiet(|| self.scan());
        writes::render(
            &records,
            &self.labels.lock().unwrap(),
            &self.before.lock().unwrap(),
        )
    }

    /// The reads since the last reset: `ListRooms ×2, GetRoom ×3`.
    pub fn read_counts(&self) -> String {
        let reads: Vec<String> = self
            .counts()
            .into_iter()
            .filter(|(op, _)| !writes::LOGGED_OPS.contains(&op.as_str()))
            .map(|(op, n)| format!("{op} ×{n}"))
            .collect();
        if reads.is_empty() {
            "none".to_string()
        } else {
            reads.join(", ")
        }
    }

    /// Runs `f` (SDK reads of the harness) out of [`log`](Self::log).
    fn quiet<T>(&self, f: impl FnOnce() -> T) -> T {
        let last = || self.emu.requests().last().map_or(0, |r| r.seq);
        let start = last();
        let out = f();
        self.hidden.lock().unwrap().push((start + 1, last()));
        out
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

    fn redactor(&self) -> Redactor {
        Redactor::new(
            &self.labels.lock().unwrap(),
            &[
                (self.dir.path().to_string_lossy().into_owned(), "[TEMP]"),
                (env!("CARGO_MANIFEST_DIR").to_string(), "[REPO]"),
                (self.endpoint(), "[ENDPOINT]"),
            ],
        )
    }

    // -----------------------------------------------------------------------
    // The account through the SDK

    /// Runs an SDK future on the emulator's runtime, retrying until it
    /// succeeds (injected faults apply nothing; for reads and idempotent
    /// set-up calls).
    pub fn retry<T, E: std::fmt::Debug, F: Future<Output = Result<T, E>>>(
        &self,
        mut call: impl FnMut() -> F,
    ) -> T {
        let mut last = None;
        for _ in 0..500 {
            match self.emu.block_on(call()) {
                Ok(v) => return v,
                Err(e) => last = Some(e),
            }
        }
        panic!("SDK call kept failing: {last:?}")
    }

    /// Every room from ListRooms (every page), newest first: `arn`, `name`,
    /// `loggingConfigurations` (sorted), `tags`.
    pub fn rooms_brief(&self) -> Vec<Value> {
        self.pages(|token| {
            let call = || {
                self.sdk
                    .list_rooms()
                    .max_results(50)
                    .set_next_token(token.clone())
                    .send()
            };
            let page = self.retry(call);
            let rooms = page.rooms().iter().map(|s| {
                let mut lcs = s.logging_configuration_identifiers().to_vec();
                lcs.sort();
                let (name, tags) = (s.name().unwrap_or_default(), tags_json(s.tags()));
                json!({"arn": s.arn(), "name": name, "loggingConfigurations": lcs, "tags": tags})
            });
            (rooms.collect(), page.next_token().map(String::from))
        })
    }

    /// Every item of every page: `page(token)` gives a page's items and the
    /// next token.
    fn pages(
        &self,
        mut page: impl FnMut(Option<String>) -> (Vec<Value>, Option<String>),
    ) -> Vec<Value> {
        let (mut out, mut token) = page(None);
        while token.is_some() {
            let (more, next) = page(token);
            out.extend(more);
            token = next;
        }
        out
    }

    /// Every room in full (GetRoom), newest first: `arn`, `name`,
    /// `maximumMessageLength`, `maximumMessageRatePerSecond`,
    /// `messageReviewHandler` (when set), `loggingConfigurations`, `tags`.
    pub fn rooms(&self) -> Vec<Value> {
        let brief = self.rooms_brief();
        brief
            .into_iter()
            .map(|b| {
                let arn = b["arn"].as_str().unwrap().to_string();
                let r = self.retry(|| self.sdk.get_room().identifier(&arn).send());
                let mut room = json!({
                    "arn": arn,
                    "name": r.name().unwrap_or_default(),
                    "maximumMessageLength": r.maximum_message_length(),
                    "maximumMessageRatePerSecond": r.maximum_message_rate_per_second(),
                    "loggingConfigurations": b["loggingConfigurations"],
                    "tags": tags_json(r.tags()),
                });
                if let Some(h) = r.message_review_handler() {
                    room["messageReviewHandler"] = json!({
                        "uri": h.uri(),
                        "fallbackResult": h.fallback_result().map(|f| f.as_str()),
                    });
                }
                room
            })
            .collect()
    }

    /// Every logging configuration: `arn`, `name`, `destination` (manifest
    /// shape), `state`, `tags`.
    pub fn logging_configurations(&self) -> Vec<Value> {
        self.pages(|token| {
            let list = self.sdk.list_logging_configurations().max_results(50);
            let page = self.retry(|| list.clone().set_next_token(token.clone()).send());
            let lcs = page.logging_configurations().iter().map(|s| {
                json!({
                    "arn": s.arn(),
                    "name": s.name().unwrap_or_default(),
                    "destination": destination_json(s.destination_configuration()),
                    "state": s.state().map(|x| x.as_str()),
                    "tags": tags_json(s.tags()),
                })
            });
            (lcs.collect(), page.next_token().map(String::from))
        })
    }

    /// ARNs of the resources stack `stack` owns, by address.
    pub fn owned(&self, stack: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let kinds = [
            ("rooms", self.rooms_brief()),
            ("loggingConfigurations", self.logging_configurations()),
        ];
        for (kind, list) in kinds {
            for r in list {
                if r["tags"]["ivsctl:stack"] == stack {
                    let key = format!("{kind}.{}", r["tags"]["ivsctl:key"].as_str().unwrap());
                    let arn = r["arn"].as_str().unwrap().to_string();
                    assert!(out.insert(key.clone(), arn).is_none(), "two {key}");
                }
            }
        }
        out
    }

    /// Every live resource in full, by label, ARNs as labels, one line each
    /// (sorted by label).
    pub fn live(&self) -> String {
        let (rooms, lcs) = self.quiet(|| {
            self.scan();
            (self.rooms(), self.logging_configurations())
        });
        let redactor = self.redactor();
        let mut lines: Vec<String> = rooms
            .into_iter()
            .chain(lcs)
            .map(|mut r| {
                let arn = r.as_object_mut().unwrap().remove("arn").unwrap();
                let label = self.label(arn.as_str().unwrap());
                if let Some(Value::Array(lcs)) = r.get_mut("loggingConfigurations") {
                    lcs.iter_mut()
                        .for_each(|a| *a = json!(format!("[{}]", self.label(a.as_str().unwrap()))));
                    lcs.sort_by_key(|a| a.to_string());
                }
                format!("{label}: {}", redactor.redact(&r.to_string()))
            })
            .collect();
        lines.sort();
        lines.join("\n")
    }

    // -----------------------------------------------------------------------
    // Seeding the account through the SDK

    /// CreateRoom from an API-shaped spec (absent members are not sent):
    /// `name`, `maximumMessageLength`, `maximumMessageRatePerSecond`,
    /// `messageReviewHandler {uri, fallbackResult}`, `loggingConfigurations`
    /// (ARNs or `{label}`s), `tags`. Returns the ARN.
    pub fn room(&self, spec: Value) -> String {
        let spec = self.resolve_json(spec);
        let b = room_fields!(self.sdk.create_room(), &spec);
        let b = b.set_tags(tag_map(&spec["tags"]));
        let arn = self
            .emu
            .block_on(b.send())
            .expect("CreateRoom")
            .arn
            .unwrap();
        self.record_seeded(true, &arn, &spec);
        self.labels
            .lock()
            .unwrap()
            .learn("room", &[with_arn(spec, &arn)]);
        arn
    }

    /// A seeded resource with ownership tags stands for one ivsctl made: it
    /// gets the applied record ivsctl would have written (as created), unless
    /// the spec says `"record": false` (a resource from an older ivsctl).
    fn record_seeded(&self, room: bool, arn: &str, spec: &Value) {
        let (Some(stack), Some(key)) = (
            spec["tags"]["ivsctl:stack"].as_str(),
            spec["tags"]["ivsctl:key"].as_str(),
        ) else {
            return;
        };
        if spec["record"] == json!(false) {
            return;
        }
        let endpoint = self.endpoint();
        let record = self.emu.block_on(async {
            let api = ivsctl::aws::Api::connect(&ivsctl::aws::AwsSettings {
                region: Some("us-east-1".into()),
                endpoint_url: Some(endpoint),
                dummy_credentials: true,
                ..Default::default()
            })
            .await
            .expect("connect");
            let none = ivsctl::model::Tags::new();
            if room {
                let r = ivsctl::live::get_room(&api, arn).await.expect("GetRoom");
                ivsctl::record::of_room(&r.expect("the room"), stack, key, &none)
            } else {
                let l = ivsctl::live::get_logging_configuration(&api, arn)
                    .await
                    .expect("GetLoggingConfiguration");
                ivsctl::record::of_logging_configuration(
                    &l.expect("the configuration"),
                    stack,
                    key,
                    &none,
                )
            }
        });
        let req = self
            .sdk
            .tag_resource()
            .resource_arn(arn)
            .tags(ivsctl::record::TAG_APPLIED, record);
        self.emu.block_on(req.send()).expect("TagResource");
    }

    /// CreateLoggingConfiguration: `name`, `destination` (manifest shape:
    /// `{"s3": {"bucketName": ..}}` and siblings), `tags`. Returns the ARN.
    pub fn lc(&self, spec: Value) -> String {
        let mut b = self
            .sdk
            .create_logging_configuration()
            .destination_configuration(destination(&spec["destination"]));
        if let Some(n) = spec["name"].as_str() {
            b = b.name(n);
        }
        b = b.set_tags(tag_map(&spec["tags"]));
        let arn = self
            .emu
            .block_on(b.send())
            .expect("CreateLoggingConfiguration");
        let arn = arn.arn.unwrap();
        self.record_seeded(false, &arn, &spec);
        self.labels
            .lock()
            .unwrap()
            .learn("lc", &[with_arn(spec, &arn)]);
        arn
    }

    /// TagResource: `tags` is a JSON object of strings.
    pub fn tag(&self, arn: &str, tags: Value) {
        let req = self
            .sdk
            .tag_resource()
            .resource_arn(self.resolve(arn))
            .set_tags(tag_map(&tags));
        self.emu.block_on(req.send()).expect("TagResource");
    }

    /// UpdateRoom (out of band): `name`, `maximumMessageLength`,
    /// `maximumMessageRatePerSecond`, `messageReviewHandler`,
    /// `loggingConfigurations`.
    pub fn update_room(&self, arn: &str, spec: Value) {
        let spec = self.resolve_json(spec);
        let b = self.sdk.update_room().identifier(self.resolve(arn));
        let b = room_fields!(b, &spec);
        self.emu.block_on(b.send()).expect("UpdateRoom");
    }

    /// UpdateLoggingConfiguration (out of band): `name`, `destination`.
    pub fn update_lc(&self, arn: &str, spec: Value) {
        let mut b = self
            .sdk
            .update_logging_configuration()
            .identifier(self.resolve(arn));
        if let Some(n) = spec["name"].as_str() {
            b = b.name(n);
        }
        if spec.get("destination").is_some() {
            b = b.destination_configuration(destination(&spec["destination"]));
        }
        self.emu
            .block_on(b.send())
            .expect("UpdateLoggingConfiguration");
    }

    /// Seeds from a document `{loggingConfigurations: [spec], rooms: [spec],
    /// tags: [{resource, tags}]}`, in that order; `{label}`s are resolved as
    /// each step is made (rooms can use the configurations made before them).
    pub fn seed(&self, doc: &Value) {
        for spec in doc["loggingConfigurations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            self.lc(spec.clone());
        }
        for spec in doc["rooms"].as_array().into_iter().flatten() {
            self.room(spec.clone());
        }
        for t in doc["tags"].as_array().into_iter().flatten() {
            self.tag(t["resource"].as_str().expect("resource"), t["tags"].clone());
        }
    }

    fn resolve_json(&self, spec: Value) -> Value {
        serde_json::from_str(&self.resolve(&spec.to_string())).unwrap()
    }
}

/// `line` split on white space, where `''` is an empty word and `'a b'` one
/// word with a space.
pub fn words(line: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for word in line.split_whitespace() {
        let quoted = word.trim_start_matches('\'').trim_end_matches('\'');
        match (
            open,
            word.starts_with('\''),
            word.len() > 1 && word.ends_with('\''),
        ) {
            (true, _, closes) => {
                let last = out.last_mut().unwrap();
                last.push(' ');
                last.push_str(quoted);
                open = !closes;
            }
            (false, true, closes) => {
                out.push(quoted.to_string());
                open = !closes && word != "''";
            }
            (false, false, _) => out.push(word.to_string()),
        }
    }
    out
}

/// The `stack:` of a manifest.
pub fn stack_of(manifest: &str) -> Option<String> {
    let line = manifest.lines().find_map(|l| l.strip_prefix("stack:"))?;
    Some(line.trim().trim_matches('"').to_string())
}

/// `spec` with `arn` added (for learning its label).
fn with_arn(mut spec: Value, arn: &str) -> Value {
    spec["arn"] = json!(arn);
    spec
}

fn handler(h: &Value) -> MessageReviewHandler {
    MessageReviewHandler::builder()
        .uri(h["uri"].as_str().expect("handler uri"))
        .set_fallback_result(h["fallbackResult"].as_str().map(FallbackResult::from))
        .build()
}

fn tag_map(tags: &Value) -> Option<std::collections::HashMap<String, String>> {
    let tags = tags.as_object()?;
    let tag = |(k, v): (&String, &Value)| (k.clone(), v.as_str().expect("a string tag").into());
    Some(tags.iter().map(tag).collect())
}

fn tags_json(tags: Option<&std::collections::HashMap<String, String>>) -> Value {
    let sorted: BTreeMap<_, _> = tags.into_iter().flatten().collect();
    json!(sorted)
}

/// A destination in the manifest's shape.
pub fn destination(d: &Value) -> DestinationConfiguration {
    let field = |kind: &str, member: &str| d[kind][member].as_str().map(String::from);
    if let Some(b) = field("s3", "bucketName") {
        let c = S3DestinationConfiguration::builder().bucket_name(b);
        DestinationConfiguration::S3(c.build().unwrap())
    } else if let Some(g) = field("cloudWatchLogs", "logGroupName") {
        let c = CloudWatchLogsDestinationConfiguration::builder().log_group_name(g);
        DestinationConfiguration::CloudWatchLogs(c.build().unwrap())
    } else if let Some(s) = field("firehose", "deliveryStreamName") {
        let c = FirehoseDestinationConfiguration::builder().delivery_stream_name(s);
        DestinationConfiguration::Firehose(c.build().unwrap())
    } else {
        panic!("unknown destination {d}")
    }
}

fn destination_json(d: Option<&DestinationConfiguration>) -> Value {
    let mut out = Map::new();
    match d {
        Some(DestinationConfiguration::S3(s)) => {
            out.insert("s3".into(), json!({"bucketName": s.bucket_name()}));
        }
        Some(DestinationConfiguration::CloudWatchLogs(c)) => {
            let inner = json!({"logGroupName": c.log_group_name()});
            out.insert("cloudWatchLogs".into(), inner);
        }
        Some(DestinationConfiguration::Firehose(f)) => {
            let inner = json!({"deliveryStreamName": f.delivery_stream_name()});
            out.insert("firehose".into(), inner);
        }
        other => panic!("unexpected destination {other:?}"),
    }
    Value::Object(out)
}
