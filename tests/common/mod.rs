//! The test harness shared by every integration test.
//!
//! ```ignore
//! let ctx = TestContext::new();                  // or with_config(..), in_region(..)
//! let m = ctx.file("m.yaml", MANIFEST);           // in the temp dir; sets the label stack
//! ctx.room(json!({"name": "x", "tags": {..}}));   // seed: room, lc, tag, seed(doc), update_*
//! ctx.reset_log();                                // remember the account, empty the log
//! ctx.ivsctl(&format!("apply -f {m} --auto-approve"))
//!     .success()
//!     .stdout_contains("Apply complete!");        // Output: code(n), failure(), *_contains, ...
//! insta::assert_snapshot!(ctx.write_log());      // the writes, redacted, order contracts checked
//! insta::assert_snapshot!(ctx.live());           // every live resource, redacted
//! ```
//!
//! - [`TestContext`] (context.rs): an in-process emulator, a temporary
//!   directory and a real aws-sdk-ivschat client. `cmd(args)` builds a run
//!   of the real binary (stdin, env, cwd, endpoint, timeout; [`Cmd`],
//!   cmd.rs) in that directory with [`isolated_env`]; `run(args)` /
//!   `ivsctl(line)` run one. The request log (log.rs): `log()`, `ops()`,
//!   `count(op)`, `counts()`, `inputs(op)`, `targets(op)`, `writes()`,
//!   `assert_no_writes`, `assert_reads_only`, `assert_no_calls`. The account
//!   (account.rs): `rooms()`, `rooms_brief()`, `logging_configurations()`,
//!   `owned(stack)`. Seeding (seed.rs): `room`, `lc`, `tag`, `seed(doc)`,
//!   `update_room`, `update_lc`.
//! - [`Output`] (output.rs): exit code, stdout, stderr; each assertion
//!   prints the whole run when it fails.
//! - Redaction (redact.rs): `ctx.redact(text)` turns ARNs into the labels
//!   of their resources (`[rooms.lobby]`, `[other/rooms.x]`,
//!   `[room:unmanaged]`), and times, durations, chat tokens, request ids,
//!   the temporary directory, the repository and the endpoint into
//!   placeholders; `ctx.resolve(text)` turns `{label}` back into the ARN.
//! - The write log (writes.rs): `ctx.write_log()`, the write calls since
//!   `reset_log` in a canonical order, after apply's order contracts were
//!   checked on the real order.
//! - The apply scenarios as data (cases.rs): `tests/cases/<name>/`, see
//!   tests/cases/README.md.
//!
//! The free functions below are the low-level pieces (and what the emulator
//! suites use directly). No credentials or network are needed.
#![allow(dead_code)]

pub mod account;
pub mod cases;
pub mod cmd;
pub mod context;
pub mod emulator_process;
pub mod log;
pub mod messaging;
pub mod output;
pub mod plan;
pub mod redact;
pub mod seed;
pub mod writes;

#[allow(unused_imports)]
pub use context::{words, Cmd, TestContext};
#[allow(unused_imports)]
pub use emulator_process::{EmulatorProcess, StateDir};
#[allow(unused_imports)]
pub use output::Output;

use aws_sdk_ivschat::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ivschat::operation::create_room::builders::CreateRoomFluentBuilder;
use aws_sdk_ivschat::types::{DestinationConfiguration, S3DestinationConfiguration};
use aws_sdk_ivschat::Client;
use ivsctl::emulator::{BackgroundEmulator, Emulator, EmulatorConfig};

/// Starts an emulator on its own runtime.
pub fn emulator(config: EmulatorConfig) -> BackgroundEmulator {
    Emulator::start_background(config).expect("emulator starts")
}

/// An emulator with default settings.
pub fn default_emulator() -> BackgroundEmulator {
    emulator(EmulatorConfig::default())
}

/// An emulator with `config`, and a real SDK client for it.
pub fn emulator_with_client(config: EmulatorConfig) -> (BackgroundEmulator, Client) {
    let emu = emulator(config);
    let client = sdk(&emu.endpoint());
    (emu, client)
}

/// A real SDK client for `endpoint`, with retries off so tests see every
/// answer exactly as the emulator sent it.
pub fn sdk(endpoint: &str) -> Client {
    sdk_in(endpoint, "us-east-1")
}

/// [`sdk`] signing for `region` (the emulator keeps each region apart).
pub fn sdk_in(endpoint: &str, region: &str) -> Client {
    let conf = aws_sdk_ivschat::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(
            "AKIDTEST",
            "test-secret",
            None,
            None,
            "test",
        ))
        .endpoint_url(endpoint)
        .retry_config(aws_sdk_ivschat::config::retry::RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}

/// Sends `create` (a CreateRoom request with any members set); the new
/// room's ARN.
pub async fn room_arn(create: CreateRoomFluentBuilder) -> String {
    create.send().await.unwrap().arn().unwrap().to_string()
}

/// An S3 destination for a logging configuration.
pub fn s3_destination(bucket: &str) -> DestinationConfiguration {
    let s3 = S3DestinationConfiguration::builder().bucket_name(bucket);
    DestinationConfiguration::S3(s3.build().unwrap())
}

type SdkError<E> = aws_sdk_ivschat::error::SdkError<E, aws_sdk_ivschat::config::http::HttpResponse>;

/// The HTTP status of an SDK error (0 when no response arrived).
pub fn status<E>(err: &SdkError<E>) -> u16 {
    err.raw_response().map(|r| r.status().as_u16()).unwrap_or(0)
}

/// The error code (`__type`) of an SDK error.
pub fn code<E: aws_sdk_ivschat::error::ProvideErrorMetadata>(err: &SdkError<E>) -> String {
    aws_sdk_ivschat::error::ProvideErrorMetadata::code(err)
        .unwrap_or("")
        .to_string()
}

/// A raw HTTP/1.1 exchange over a fresh TCP connection: writes `request`
/// exactly as given and reads until the server closes. Returns (status,
/// lower-cased headers, body).
pub fn raw_http(
    addr: std::net::SocketAddr,
    request: &[u8],
) -> (u16, Vec<(String, String)>, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    s.write_all(request).expect("write request");
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    parse_response(&buf)
}

/// Splits a raw HTTP response into (status, headers, body).
pub fn parse_response(buf: &[u8]) -> (u16, Vec<(String, String)>, String) {
    let text = String::from_utf8_lossy(buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

/// A signed-looking Authorization header (the emulator checks its form, not
/// the signature).
pub const AUTH: &str =
    "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261126/us-east-1/ivschat/aws4_request, SignedHeaders=host, Signature=abc";

/// Builds a request with `Connection: close` and, when `auth`, the header above.
pub fn request(method: &str, path: &str, body: &str, auth: bool) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    if auth {
        r.push_str(&format!("Authorization: {AUTH}\r\n"));
    }
    r.push_str(&format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    r.into_bytes()
}

pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Runs the real `ivsctl` binary against `endpoint` (none when empty) with
/// the isolated environment, in the current directory. Returns (exit code,
/// stdout, stderr). [`TestContext::run`] is the richer form.
pub fn ivsctl(endpoint: &str, args: &[&str]) -> (i32, String, String) {
    let out = context::Cmd::new(args).endpoint(endpoint).run();
    (out.code, out.stdout, out.stderr)
}

/// The environment every run of the binary gets: dummy credentials, no AWS
/// config from the machine, no instance metadata, no colour, and the emulator
/// as endpoint (none when `endpoint` is empty).
pub fn isolated_env(cmd: &mut std::process::Command, endpoint: &str) {
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/ivsctl-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/ivsctl-test-credentials",
        )
        .env("NO_COLOR", "1");
    if !endpoint.is_empty() {
        cmd.env("AWS_ENDPOINT_URL", endpoint);
    }
}

/// Writes `text` to `dir/name` (creating missing directories) and returns
/// the path as a String.
pub fn write_file(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create directories");
    }
    std::fs::write(&path, text).expect("write file");
    path.to_string_lossy().into_owned()
}

/// `path` (relative to the repository) as an absolute path.
pub fn repo(path: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .to_string_lossy()
        .into_owned()
}

/// The first line written on `pipe`, without its newline, read byte by byte
/// so that nothing after it is consumed (`ivsctl chat tail` writes `tailing
/// ARN` on stderr once it is connected).
pub fn first_line(pipe: &mut impl std::io::Read) -> String {
    let mut first = Vec::new();
    let mut byte = [0u8; 1];
    while pipe.read(&mut byte).map(|n| n == 1).unwrap_or(false) && byte[0] != b'\n' {
        first.push(byte[0]);
    }
    String::from_utf8_lossy(&first).to_string()
}
