//! The official JavaScript client, `amazon-ivs-chat-messaging` (pinned in
//! tests/js/package.json), against the emulator: `node tests/js/chat.test.js`
//! asks this test for tokens and control-plane calls (made with the AWS SDK and
//! the ivsctl binary) over its stdin/stdout, and reports its checks. Meanwhile
//! `ivsctl chat tail` watches the room, and must see what the JS client sent.
//!
//! Needs Node and `npm ci --prefix tests/js`.

mod common;

use aws_sdk_ivschat::types::ChatTokenCapability;
use ivsctl::emulator::EmulatorConfig;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn js_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/js")
}

fn tail(endpoint: &str, room: &str) -> (std::process::Child, std::thread::JoinHandle<String>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ivsctl"));
    cmd.args(["chat", "tail", "--room", room, "--format", "json"]);
    common::isolated_env(&mut cmd, endpoint);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ivsctl chat tail");
    let mut stderr = child.stderr.take().unwrap();
    let first = common::first_line(&mut stderr);
    assert!(first.starts_with("tailing "), "{first}");
    let mut stdout = child.stdout.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    (child, out)
}

#[test]
fn the_official_javascript_client_works_against_the_emulator() {
    let dir = js_dir();
    assert!(
        dir.join("node_modules/amazon-ivs-chat-messaging").is_dir()
            && dir.join("node_modules/ws").is_dir(),
        "tests/js/node_modules is missing; run: npm ci --prefix tests/js"
    );
    let emu = common::default_emulator();
    // A second emulator whose tokens expire after 500 ms, for the expired-token check.
    let short = common::emulator(EmulatorConfig {
        chat_token_validity: Duration::from_millis(500),
        ..Default::default()
    });
    let client = common::sdk(&emu.endpoint());
    let short_client = common::sdk(&short.endpoint());
    let (room, limited, short_room) = emu.block_on(async {
        let room = client.create_room().name("js").send().await.unwrap();
        let limited = client
            .create_room()
            .maximum_message_length(10)
            .maximum_message_rate_per_second(1)
            .send()
            .await
            .unwrap();
        let short_room = short_client.create_room().send().await.unwrap();
        (
            room.arn().unwrap().to_string(),
            limited.arn().unwrap().to_string(),
            short_room.arn().unwrap().to_string(),
        )
    });
    let (mut tail_child, tail_out) = tail(&emu.endpoint(), &room);

    let mut node = match Command::new("node")
        .arg("chat.test.js")
        .current_dir(&dir)
        .env("IVS_CHAT_URL", format!("ws://{}", emu.addr()))
        .env("ROOM", &room)
        .env("LIMITED_ROOM", &limited)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            panic!("cannot run node ({e}); install Node.js 18+ and run: npm ci --prefix tests/js")
        }
    };
    let mut stdin = node.stdin.take().unwrap();
    let stdout = BufReader::new(node.stdout.take().unwrap());
    let mut stderr = node.stderr.take().unwrap();
    let stderr_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    // Kill node if it hangs.
    let pid = node.id();
    let watchdog = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
            if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                return;
            }
        }
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    });

    let mut result: Option<Value> = None;
    let mut other_lines = Vec::new();
    let mut ops = Vec::new();
    for line in stdout.lines().map_while(Result::ok) {
        if let Some(req) = line.strip_prefix("CONTROL ") {
            let req: Value = serde_json::from_str(req).unwrap();
            let op = req["op"].as_str().unwrap_or("").to_string();
            ops.push(op.clone());
            let answer = emu.block_on(control(&emu, &short, &req, &short_room));
            writeln!(stdin, "{answer}").unwrap();
            stdin.flush().unwrap();
        } else if let Some(r) = line.strip_prefix("RESULT ") {
            result = Some(serde_json::from_str(r).unwrap());
        } else {
            other_lines.push(line);
        }
    }
    let status = node.wait().unwrap();
    let _ = watchdog.join();
    let node_stderr = stderr_thread.join().unwrap_or_default();
    let result = result.unwrap_or_else(|| {
        panic!(
            "the script reported nothing (exit {status:?})\nstdout:\n{}\nstderr:\n{node_stderr}",
            other_lines.join("\n")
        )
    });
    let failed = result["failed"].as_array().cloned().unwrap_or_default();
    assert!(
        failed.is_empty() && status.success(),
        "JS checks failed:\n{}\nstderr:\n{node_stderr}",
        serde_json::to_string_pretty(&failed).unwrap()
    );
    let passed: Vec<&str> = result["passed"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(passed.len(), 13, "{passed:#?}");
    for op in [
        "SendEvent",
        "DeleteMessage",
        "DisconnectUser",
        "IvsctlSend",
        "CreateChatToken",
    ] {
        assert!(
            ops.iter().any(|o| o == op),
            "the script never asked for {op}: {ops:?}"
        );
    }

    // ivsctl chat tail saw the JS client's message (and the others').
    let _ = Command::new("kill")
        .args(["-INT", &tail_child.id().to_string()])
        .status();
    let code = tail_child.wait().unwrap().code();
    assert_eq!(code, Some(0));
    let seen: Vec<Value> = tail_out
        .join()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let from_js = seen
        .iter()
        .find(|e| e["Type"] == "MESSAGE" && e["Content"] == "from js")
        .unwrap_or_else(|| panic!("tail did not see the JS message: {seen:#?}"));
    assert_eq!(from_js["Sender"]["UserId"], "alice");
    assert!(
        seen.iter().any(|e| e["EventName"] == "app:poll"),
        "{seen:#?}"
    );
}

/// Answers one CONTROL request of the script.
async fn control(
    emu: &ivsctl::emulator::Emulator,
    short: &ivsctl::emulator::Emulator,
    req: &Value,
    short_room: &str,
) -> Value {
    let s = |k: &str| req[k].as_str().unwrap_or("").to_string();
    let short_token = req["short"].as_bool().unwrap_or(false);
    let (endpoint, room) = if short_token {
        (short.endpoint(), short_room.to_string())
    } else {
        (emu.endpoint(), s("roomArn"))
    };
    let client = common::sdk(&endpoint);
    let result: Result<Value, String> = match req["op"].as_str().unwrap_or("") {
        "CreateChatToken" => {
            let mut r = client
                .create_chat_token()
                .room_identifier(&room)
                .user_id(s("userId"));
            for c in req["capabilities"].as_array().cloned().unwrap_or_default() {
                r = r.capabilities(ChatTokenCapability::from(c.as_str().unwrap_or("")));
            }
            if let Some(attrs) = req["attributes"].as_object() {
                for (k, v) in attrs {
                    r = r.attributes(k, v.as_str().unwrap_or(""));
                }
            }
            r.send().await.map_err(|e| format!("{e:?}")).map(|t| {
                let iso = |d: Option<&aws_sdk_ivschat::primitives::DateTime>| {
                    d.and_then(|d| {
                        d.fmt(aws_sdk_ivschat::primitives::DateTimeFormat::DateTime)
                            .ok()
                    })
                };
                let mut v = json!({
                    "token": t.token(),
                    "tokenExpirationTime": iso(t.token_expiration_time()),
                    "sessionExpirationTime": iso(t.session_expiration_time()),
                });
                if short_token {
                    v["url"] = json!(format!("ws://{}", short.addr()));
                }
                v
            })
        }
        "SendEvent" => {
            let mut r = client
                .send_event()
                .room_identifier(&room)
                .event_name(s("eventName"));
            if let Some(attrs) = req["attributes"].as_object() {
                for (k, v) in attrs {
                    r = r.attributes(k, v.as_str().unwrap_or(""));
                }
            }
            r.send()
                .await
                .map(|o| json!({"id": o.id()}))
                .map_err(|e| format!("{e:?}"))
        }
        "DeleteMessage" => client
            .delete_message()
            .room_identifier(&room)
            .id(s("id"))
            .reason(s("reason"))
            .send()
            .await
            .map(|o| json!({"id": o.id()}))
            .map_err(|e| format!("{e:?}")),
        "DisconnectUser" => client
            .disconnect_user()
            .room_identifier(&room)
            .user_id(s("userId"))
            .reason(s("reason"))
            .send()
            .await
            .map(|_| json!({}))
            .map_err(|e| format!("{e:?}")),
        "IvsctlSend" => {
            let endpoint = endpoint.clone();
            let message = s("message");
            tokio::task::spawn_blocking(move || {
                common::ivsctl(
                    &endpoint,
                    &["chat", "send", "--room", &room, "--message", &message],
                )
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|(code, out, err)| {
                if code == 0 {
                    Ok(json!({"id": out.trim()}))
                } else {
                    Err(err)
                }
            })
        }
        other => Err(format!("unknown op {other}")),
    };
    match result {
        Ok(v) => v,
        Err(e) => json!({ "error": e }),
    }
}
