//! `ivsctl chat tail` and `ivsctl chat send` through the real binary against
//! the in-process emulator, by ARN and by manifest key.

mod common;

use ivsctl::emulator::BackgroundEmulator;
use ivsctl::messaging::Incoming;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const MANIFEST: &str = "version: 1\nstack: streamtest\nregion: us-east-1\nrooms:\n  lobby:\n    maximumMessageLength: 20\n";

/// A running `ivsctl chat tail`: its stdout lines arrive on a channel.
struct Tail {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: std::process::ChildStderr,
}

impl Tail {
    fn start(endpoint: &str, args: &[&str]) -> Tail {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ivsctl"));
        cmd.args(["chat", "tail"]).args(args);
        common::isolated_env(&mut cmd, endpoint);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn ivsctl chat tail");
        let stdout: ChildStdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        // Ready once it says so on stderr.
        let first = common::first_line(&mut stderr);
        assert!(
            first.starts_with("tailing arn:aws:ivschat:"),
            "tail did not start: {first:?}"
        );
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Tail {
            child,
            lines: rx,
            stderr,
        }
    }

    fn line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(10))
            .expect("tail printed a line within 10 s")
    }

    /// Waits for exit (up to 10 s): (code, rest of stderr).
    fn wait(mut self) -> (i32, String) {
        for _ in 0..500 {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut err = String::new();
                let _ = self.stderr.read_to_string(&mut err);
                return (status.code().unwrap_or(-1), err);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("tail did not exit");
    }

    fn interrupt(&self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success());
    }
}

impl Drop for Tail {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn manifest(dir: &std::path::Path) -> String {
    let p = dir.join("chat.yaml");
    std::fs::write(&p, MANIFEST).unwrap();
    p.to_string_lossy().into_owned()
}

/// Creates the manifest's room with apply; returns its ARN.
fn apply(endpoint: &str, file: &str) -> String {
    let (code, out, err) = common::ivsctl(endpoint, &["apply", "-f", file, "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let client = common::sdk(endpoint);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        client.list_rooms().send().await.unwrap().rooms()[0]
            .arn()
            .unwrap()
            .to_string()
    })
}

/// The manifest's room on `emu`, created with apply: the directory holding
/// the manifest (keep it), the manifest's path, and the room's ARN.
fn applied(emu: &BackgroundEmulator) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = manifest(dir.path());
    let arn = apply(&emu.endpoint(), &file);
    (dir, file, arn)
}

/// `ivsctl LINE` against `endpoint` (none when empty), LINE split as
/// `common::words` splits it (`''` is an empty argument, `'a b'` one
/// argument with a space): (exit code, stdout, stderr).
fn ivsctl(endpoint: &str, line: &str) -> (i32, String, String) {
    let words = common::words(line);
    let args: Vec<&str> = words.iter().map(String::as_str).collect();
    common::ivsctl(endpoint, &args)
}

#[test]
fn send_by_arn_and_by_key_reaches_a_connected_client() {
    let emu = common::default_emulator();
    let (_dir, file, arn) = applied(&emu);
    let client = common::sdk(&emu.endpoint());
    let mut watcher = emu.block_on(async {
        let t = client
            .create_chat_token()
            .room_identifier(&arn)
            .user_id("watcher")
            .send()
            .await
            .unwrap();
        common::messaging::connect(&emu, t.token().unwrap()).await
    });
    let send = format!("chat send --room {arn} --message 'by arn' --attribute k=v");
    let (code, out, err) = ivsctl(&emu.endpoint(), &send);
    assert_eq!(code, 0, "{err}");
    let id = out.trim().to_string();
    assert_eq!(id.len(), 12, "{out}");
    let send =
        format!("chat send --room lobby -f {file} --message 'by key' --user-id bot --format json");
    let (code, out, err) = ivsctl(&emu.endpoint(), &send);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(json["roomArn"], arn.as_str());
    assert_eq!(json["content"], "by key");
    let key_id = json["id"].as_str().unwrap().to_string();
    emu.block_on(async {
        let mut seen = Vec::new();
        for _ in 0..2 {
            match tokio::time::timeout(Duration::from_secs(5), watcher.next()).await {
                Ok(Some(Ok(Incoming::Message(m)))) => seen.push(m),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(seen[0].id, id);
        assert_eq!(seen[0].content, "by arn");
        assert_eq!(seen[0].sender.user_id, "ivsctl");
        assert_eq!(seen[0].attributes["k"], "v");
        assert_eq!(seen[1].id, key_id);
        assert_eq!(seen[1].sender.user_id, "bot");
    });
}

#[test]
fn a_refused_message_exits_1_with_the_error_code() {
    let emu = common::default_emulator();
    let (_dir, file, _) = applied(&emu);
    let long = "x".repeat(21); // the room allows 20
    let send = format!("chat send --room lobby -f {file} --message {long}");
    let (code, out, err) = ivsctl(&emu.endpoint(), &send);
    assert_eq!(code, 1, "{out}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("ERROR 400") && err.contains("at most 20 characters"),
        "{err}"
    );
    // Checked offline: an empty message never connects.
    let send = format!("chat send --room lobby -f {file} --message ''");
    let (code, _, err) = ivsctl(&emu.endpoint(), &send);
    assert_eq!(code, 1);
    assert!(err.contains("--message"), "{err}");
}

#[test]
fn tail_prints_messages_and_events_until_disconnected() {
    let emu = common::default_emulator();
    let (_dir, _, arn) = applied(&emu);
    let tail = Tail::start(&emu.endpoint(), &["--room", &arn, "--format", "json"]);
    let send = format!("chat send --room {arn} --message 'hello tail'");
    let (code, out, err) = ivsctl(&emu.endpoint(), &send);
    assert_eq!(code, 0, "{err}");
    let line: serde_json::Value = serde_json::from_str(&tail.line()).unwrap();
    assert_eq!(line["Type"], "MESSAGE");
    assert_eq!(line["Id"], out.trim());
    assert_eq!(line["Content"], "hello tail");
    assert_eq!(line["Sender"]["UserId"], "ivsctl");
    let client = common::sdk(&emu.endpoint());
    let event_id = emu.block_on(async {
        client
            .send_event()
            .room_identifier(&arn)
            .event_name("app:ping")
            .send()
            .await
            .unwrap()
            .id()
            .unwrap()
            .to_string()
    });
    let line: serde_json::Value = serde_json::from_str(&tail.line()).unwrap();
    assert_eq!(
        (line["Type"].as_str(), line["Id"].as_str()),
        (Some("EVENT"), Some(event_id.as_str()))
    );
    assert_eq!(line["EventName"], "app:ping");
    // DisconnectUser of the tail's user ends it: exit 0, the reason on stderr.
    emu.block_on(async {
        client
            .disconnect_user()
            .room_identifier(&arn)
            .user_id("ivsctl-tail")
            .reason("enough")
            .send()
            .await
            .unwrap();
    });
    let line: serde_json::Value = serde_json::from_str(&tail.line()).unwrap();
    assert_eq!(line["EventName"], "aws:DISCONNECT_USER");
    let (code, err) = tail.wait();
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("the server closed the connection") && err.contains("1000"),
        "{err}"
    );
}

#[test]
fn tail_by_key_in_human_lines_and_ctrl_c_exits_0() {
    let emu = common::default_emulator();
    let (_dir, file, arn) = applied(&emu);
    let tail = Tail::start(
        &emu.endpoint(),
        &["--room", "lobby", "-f", &file, "--user-id", "watch"],
    );
    let send = format!("chat send --room {arn} --message hi --user-id ann");
    let (code, out, err) = ivsctl(&emu.endpoint(), &send);
    assert_eq!(code, 0, "{err}");
    let line = tail.line();
    assert!(
        line.ends_with(&format!("message {} ann: hi", out.trim())),
        "{line}"
    );
    let id = out.trim();
    let delete = format!("chat delete-message --room {arn} --message-id {id} --reason oops");
    let (code, _, err) = ivsctl(&emu.endpoint(), &delete);
    assert_eq!(code, 0, "{err}");
    let line = tail.line();
    assert!(
        line.ends_with(&format!("deleted message {} (oops)", out.trim())),
        "{line}"
    );
    tail.interrupt();
    let (code, err) = tail.wait();
    assert_eq!(code, 0, "{err}");
}

#[test]
fn deleting_the_room_ends_the_tail() {
    let emu = common::default_emulator();
    let (_dir, _, arn) = applied(&emu);
    let tail = Tail::start(&emu.endpoint(), &["--room", &arn]);
    let client = common::sdk(&emu.endpoint());
    emu.block_on(async { client.delete_room().identifier(&arn).send().await.unwrap() });
    let (code, err) = tail.wait();
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("The room was deleted"), "{err}");
}

#[test]
fn send_works_under_local_with_the_embedded_emulator() {
    let dir = tempfile::tempdir().unwrap();
    let file = manifest(dir.path());
    let state = dir.path().join("local.json");
    let state = state.to_str().unwrap();
    // No endpoint: --local embeds the emulator, control plane and messaging.
    let local = |line: &str| ivsctl("", &format!("--local-state {state} {line}"));
    let (code, out, err) = local(&format!("apply -f {file} --auto-approve"));
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = local(&format!(
        "chat send --room lobby -f {file} --message 'local hi'"
    ));
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(out.trim().len(), 12, "{out}");
    // The room's limit applies there too.
    let (code, _, err) = local(&format!(
        "chat send --room lobby -f {file} --message 'this message is far too long'"
    ));
    assert_eq!(code, 1);
    assert!(err.contains("ERROR 400"), "{err}");
}

#[test]
fn tail_reconnects_when_the_session_ends() {
    // One session minute of 20 ms: the default 60-minute session lasts 1.2 s.
    let emu = common::emulator(ivsctl::emulator::EmulatorConfig {
        chat_session_minute: Duration::from_millis(20),
        ..Default::default()
    });
    let (_dir, _, arn) = applied(&emu);
    let tail = Tail::start(&emu.endpoint(), &["--room", &arn, "--format", "json"]);
    let line: serde_json::Value = serde_json::from_str(&tail.line()).unwrap();
    assert_eq!(
        (line["Type"].as_str(), line["ErrorCode"].as_u64()),
        (Some("ERROR"), Some(401))
    );
    // Still tailing, on a new connection with a new token: a message sent
    // now shows (sent again while the tail is between two connections).
    let mut sent = Vec::new();
    let mut seen = false;
    'outer: for _ in 0..20 {
        let send = format!("chat send --room {arn} --message 'still here'");
        let (code, out, err) = ivsctl(&emu.endpoint(), &send);
        assert_eq!(code, 0, "{err}");
        sent.push(out.trim().to_string());
        while let Ok(l) = tail.lines.recv_timeout(Duration::from_millis(300)) {
            let v: serde_json::Value = serde_json::from_str(&l).unwrap();
            if v["Type"] == "MESSAGE" && sent.iter().any(|s| v["Id"] == s.as_str()) {
                seen = true;
                break 'outer;
            }
        }
    }
    assert!(seen, "the tail did not come back");
    tail.interrupt();
    let (code, err) = tail.wait();
    assert_eq!(code, 0);
    assert!(err.contains("reconnecting with a new token"), "{err}");
}
