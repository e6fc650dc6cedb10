//! The emulator's knobs and its persistence: rate quotas, injected faults,
//! latency, `--state` across `kill -9`, signals, and the request-log file.
//! The persistence tests run the real `ivsctl emulator` binary.

mod common;

use ivsctl::emulator::{EmulatorConfig, Quotas};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn burst_beyond_the_rate_quota_is_throttled_with_429() {
    let emu = common::emulator(EmulatorConfig {
        quotas: Quotas::Aws,
        ..Default::default()
    });
    let client = common::sdk(&emu.endpoint());
    let results = emu.block_on(async {
        let calls = (0..12).map(|_| client.list_rooms().send());
        futures_join_all(calls).await
    });
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 5, "ListRooms allows 5 per second");
    for err in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(common::status(err), 429);
        assert_eq!(common::code(err), "ThrottlingException");
    }
    // Another operation has its own bucket (TagResource: 10/s).
    let throttled = emu.requests().iter().filter(|r| r.status == 429).count();
    assert_eq!(throttled, 7);
    // After a second the bucket has refilled.
    std::thread::sleep(Duration::from_millis(1100));
    emu.block_on(async { client.list_rooms().send().await })
        .expect("refilled");
}

#[test]
fn without_quotas_a_burst_passes() {
    let emu = common::default_emulator();
    let client = common::sdk(&emu.endpoint());
    let results = emu.block_on(futures_join_all(
        (0..30).map(|_| client.list_rooms().send()),
    ));
    assert!(results.iter().all(|r| r.is_ok()));
}

/// Joins futures without pulling in the `futures` crate.
async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futs: impl IntoIterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

#[test]
fn a_faulted_write_changes_nothing() {
    let emu = common::emulator(EmulatorConfig {
        fault_rate: 0.5,
        seed: Some(3),
        ..Default::default()
    });
    let client = common::sdk(&emu.endpoint());
    let mut created = Vec::new();
    let mut failed = 0;
    emu.block_on(async {
        for i in 0..40 {
            match client.create_room().name(format!("r{i}")).send().await {
                Ok(out) => created.push(out.arn().unwrap().to_string()),
                Err(e) => {
                    failed += 1;
                    let status = common::status(&e);
                    assert!(status == 500 || status == 429, "fault status {status}");
                }
            }
        }
    });
    assert!(
        failed > 5 && !created.is_empty(),
        "failed {failed}, created {}",
        created.len()
    );
    // Exactly the acknowledged creates exist: read back without faults.
    let live = live_room_arns(&emu);
    let mut expected = created.clone();
    expected.sort();
    assert_eq!(live, expected);
    // A faulted update leaves the room as it was.
    let target = created[0].clone();
    let mut applied = None;
    emu.block_on(async {
        for n in 1..=30 {
            let sent = client
                .update_room()
                .identifier(&target)
                .maximum_message_length(n)
                .send()
                .await;
            if sent.is_ok() {
                applied = Some(n);
            }
        }
    });
    let raw = raw_get_room(&emu, &target);
    assert_eq!(
        raw["maximumMessageLength"],
        applied.expect("some update succeeded")
    );
}

/// Lists room ARNs through raw HTTP, retrying injected faults.
fn live_room_arns(emu: &ivsctl::emulator::Emulator) -> Vec<String> {
    let mut arns = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let body = match &token {
            Some(t) => format!(r#"{{"nextToken": "{t}"}}"#),
            None => "{}".into(),
        };
        let page = retry_raw(emu, "/ListRooms", &body);
        for r in page["rooms"].as_array().unwrap() {
            arns.push(r["arn"].as_str().unwrap().to_string());
        }
        match page["nextToken"].as_str() {
            Some(t) => token = Some(t.into()),
            None => break,
        }
    }
    arns.sort();
    arns
}

fn raw_get_room(emu: &ivsctl::emulator::Emulator, arn: &str) -> serde_json::Value {
    retry_raw(emu, "/GetRoom", &format!(r#"{{"identifier": "{arn}"}}"#))
}

fn retry_raw(emu: &ivsctl::emulator::Emulator, path: &str, body: &str) -> serde_json::Value {
    for _ in 0..100 {
        let (status, _, text) =
            common::raw_http(emu.addr(), &common::request("POST", path, body, true));
        if status == 200 {
            return serde_json::from_str(&text).unwrap();
        }
        assert!(status == 500 || status == 429, "{status} {text}");
    }
    panic!("100 faults in a row");
}

#[test]
fn same_seed_same_faults() {
    let run = |seed| {
        let emu = common::emulator(EmulatorConfig {
            fault_rate: 0.3,
            seed: Some(seed),
            ..Default::default()
        });
        (0..40)
            .map(|_| {
                common::raw_http(
                    emu.addr(),
                    &common::request("POST", "/ListRooms", "{}", true),
                )
                .0
            })
            .collect::<Vec<u16>>()
    };
    let a = run(11);
    assert_eq!(a, run(11));
    assert_ne!(a, run(12));
    assert!(a.contains(&500) && a.contains(&200));
}

#[test]
fn latency_is_added_to_every_response() {
    let emu = common::emulator(EmulatorConfig {
        latency: Duration::from_millis(150),
        ..Default::default()
    });
    for req in [
        common::request("POST", "/ListRooms", "{}", true),
        common::request("POST", "/GetRoom", "{}", true), // an error answer is delayed too
    ] {
        let started = Instant::now();
        let (status, _, _) = common::raw_http(emu.addr(), &req);
        assert!(status == 200 || status == 400);
        assert!(
            started.elapsed() >= Duration::from_millis(150),
            "{:?}",
            started.elapsed()
        );
    }
    assert!(emu.requests().iter().all(|r| r.latency_ms >= 150.0));
}

/// A running `ivsctl emulator` child process.
struct Proc {
    child: Child,
    addr: std::net::SocketAddr,
}

impl Proc {
    fn start(args: &[&str]) -> Proc {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ivsctl"))
            .arg("emulator")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn ivsctl emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read listening line");
        let url = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        Proc {
            child,
            addr: url.parse().expect("host:port"),
        }
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn kill9(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn state_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let rt = runtime();
    let proc = Proc::start(&["--state", state_arg, "--seed", "5"]);
    let client = common::sdk(&proc.endpoint());
    let (room_arn, lc_arn, before) = rt.block_on(async {
        let lc = client
            .create_logging_configuration()
            .name("archive")
            .destination_configuration(aws_sdk_ivschat::types::DestinationConfiguration::S3(
                aws_sdk_ivschat::types::S3DestinationConfiguration::builder()
                    .bucket_name("chat-logs")
                    .build()
                    .unwrap(),
            ))
            .tags("cost center/a", "42")
            .send()
            .await
            .unwrap();
        let room = client
            .create_room()
            .name("lobby")
            .maximum_message_length(200)
            .logging_configuration_identifiers(lc.arn().unwrap())
            .tags("team", "video")
            .send()
            .await
            .unwrap();
        client
            .tag_resource()
            .resource_arn(room.arn().unwrap())
            .tags("extra key", "")
            .send()
            .await
            .unwrap();
        let get = client
            .get_room()
            .identifier(room.arn().unwrap())
            .send()
            .await
            .unwrap();
        (
            room.arn().unwrap().to_string(),
            lc.arn().unwrap().to_string(),
            get,
        )
    });
    // The last write was acknowledged: kill without any chance to flush.
    proc.kill9();
    let proc = Proc::start(&["--state", state_arg]);
    let client = common::sdk(&proc.endpoint());
    rt.block_on(async {
        let after = client
            .get_room()
            .identifier(&room_arn)
            .send()
            .await
            .expect("room survived");
        assert_eq!(after.name(), Some("lobby"));
        assert_eq!(after.maximum_message_length(), Some(200));
        assert_eq!(after.create_time(), before.create_time());
        assert_eq!(after.update_time(), before.update_time());
        assert_eq!(
            after.logging_configuration_identifiers(),
            std::slice::from_ref(&lc_arn)
        );
        let tags = after.tags().unwrap();
        assert_eq!(tags.get("team").map(String::as_str), Some("video"));
        assert_eq!(tags.get("extra key").map(String::as_str), Some(""));
        let lc = client
            .get_logging_configuration()
            .identifier(&lc_arn)
            .send()
            .await
            .expect("lc survived");
        assert_eq!(
            lc.tags().unwrap().get("cost center/a").map(String::as_str),
            Some("42")
        );
        // The reference rule still holds after the restart.
        let err = client
            .delete_logging_configuration()
            .identifier(&lc_arn)
            .send()
            .await
            .unwrap_err();
        assert_eq!(common::status(&err), 409);
    });
}

#[test]
fn acknowledged_writes_survive_kill_9_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let rt = runtime();
    let proc = Proc::start(&["--state", state_arg]);
    let client = common::sdk(&proc.endpoint());
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    // Writers run until the process dies under them.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let client = client.clone();
            let acknowledged = acknowledged.clone();
            rt.spawn(async move {
                for i in 0.. {
                    match client.create_room().name(format!("w{w}-{i}")).send().await {
                        Ok(out) => acknowledged
                            .lock()
                            .unwrap()
                            .push(out.arn().unwrap().to_string()),
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(700));
    proc.kill9();
    for w in writers {
        let _ = rt.block_on(w);
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 10,
        "only {} writes before the kill",
        acknowledged.len()
    );
    let proc = Proc::start(&["--state", state_arg]);
    let client = common::sdk(&proc.endpoint());
    let live: std::collections::HashSet<String> = rt.block_on(async {
        let mut out = std::collections::HashSet::new();
        let mut pages = client.list_rooms().into_paginator().send();
        while let Some(page) = pages.next().await {
            for r in page.unwrap().rooms() {
                out.insert(r.arn().unwrap().to_string());
            }
        }
        out
    });
    for arn in &acknowledged {
        assert!(live.contains(arn), "acknowledged {arn} was lost");
    }
    // At most the writes in flight at the kill (one per writer) may have landed unacknowledged.
    assert!(live.len() <= acknowledged.len() + 4);
    // The state file is whole JSON, and no temp file is left behind by a completed write.
    let text = std::fs::read_to_string(&state).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).expect("state file is valid JSON");
}

#[test]
fn corrupt_state_file_is_a_clear_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, "{ this is not json").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ivsctl"))
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--state",
            state.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read state file") && stderr.contains("state.json"),
        "{stderr}"
    );
    // The file was not overwritten.
    assert_eq!(
        std::fs::read_to_string(&state).unwrap(),
        "{ this is not json"
    );
}

#[test]
fn sigterm_stops_cleanly_and_request_log_file_has_every_request() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.jsonl");
    let mut proc = Proc::start(&["--request-log", log.to_str().unwrap()]);
    common::raw_http(
        proc.addr,
        &common::request("POST", "/CreateRoom", r#"{"name": "a"}"#, true),
    );
    common::raw_http(proc.addr, &common::request("POST", "/GetRoom", "{}", true));
    let pid = proc.child.id();
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = proc.child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "SIGTERM is a clean stop");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["operation"], "CreateRoom");
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[0]["input"]["name"], "a");
    assert_eq!(lines[1]["operation"], "GetRoom");
    assert_eq!(lines[1]["status"], 400);
    assert_eq!(lines[1]["error"], "ValidationException");
}

#[test]
fn listen_on_a_taken_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_ivsctl"))
        .args(["emulator", "--listen", &addr])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("cannot listen on {addr}")));
}
