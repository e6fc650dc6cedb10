//! Shared test fixtures: an in-process emulator on 127.0.0.1:0 and a real
//! aws-sdk-ivschat client pointed at it. No credentials or network needed.
#![allow(dead_code)]

use aws_sdk_ivschat::config::{BehaviorVersion, Credentials, Region};
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

/// A real SDK client for `endpoint`, with retries off so tests see every
/// answer exactly as the emulator sent it.
pub fn sdk(endpoint: &str) -> Client {
    let conf = aws_sdk_ivschat::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
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

/// Runs the real `ivsctl` binary against `endpoint` with dummy credentials
/// and no AWS config from the machine. Returns (exit code, stdout, stderr).
pub fn ivsctl(endpoint: &str, args: &[&str]) -> (i32, String, String) {
    ivsctl_in(None, endpoint, args, None)
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

/// Like `ivsctl`, in `dir` (when given) and with `stdin` piped in (when given).
pub fn ivsctl_in(
    dir: Option<&std::path::Path>,
    endpoint: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> (i32, String, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ivsctl"));
    cmd.args(args);
    isolated_env(&mut cmd, endpoint);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let mut child = cmd.spawn().expect("spawn ivsctl");
    if let Some(input) = stdin {
        let _ = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes());
    }
    let out = child.wait_with_output().expect("ivsctl runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `text` to `dir/name` and returns the path as a String.
pub fn write_file(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write file");
    path.to_string_lossy().into_owned()
}

/// Like `ivsctl`, but gives up after `timeout`: the child is killed and
/// `None` returned, so that a hang fails the test instead of blocking it.
pub fn ivsctl_timeout(
    endpoint: &str,
    args: &[&str],
    timeout: std::time::Duration,
) -> Option<(i32, String, String)> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ivsctl"));
    cmd.args(args);
    isolated_env(&mut cmd, endpoint);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn ivsctl");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let deadline = std::time::Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for ivsctl") {
            break Some(status);
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    status.map(|s| {
        (
            s.code().unwrap_or(-1),
            String::from_utf8_lossy(&out).into_owned(),
            String::from_utf8_lossy(&err).into_owned(),
        )
    })
}
