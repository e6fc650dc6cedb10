//! The emulator's knobs and its persistence: rate quotas, injected faults,
//! latency, `--state` across `kill -9`, signals, the request-log file and
//! startup errors. The persistence tests run the real `ivsctl emulator`
//! binary.

mod common;
mod emulator_support;

use common::{EmulatorProcess, StateDir};
use emulator_support::{
    assert_failures, burst, check, faulty, raw_room_members, retry_raw, rows, with, Checks, Ctx,
};
use ivsctl::emulator::{EmulatorConfig, Quotas};
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn rate_quotas_throttle_a_burst_only_when_enforced() {
    let mut checks = Checks::default();
    // (quotas, burst of ListRooms, how many pass): ListRooms allows 5 per
    // second under `--quotas aws`, any number without quotas.
    for (quotas, n, passing) in [(Quotas::Aws, 12, 5), (Quotas::Off, 30, 30)] {
        let what = format!("{quotas:?}, {n} ListRooms");
        let emu = common::emulator(EmulatorConfig {
            quotas,
            ..Default::default()
        });
        let cx = Ctx::new(&emu);
        let answers = burst(&cx, n, "ListRooms", |_| json!({}));
        checks.eq(&what, answers.iter().filter(|a| a.is_ok()).count(), passing);
        for a in answers.iter().filter(|a| a.is_err()) {
            let throttled = json!({"status": 429, "code": "ThrottlingException"});
            checks.matches(&what, throttled, a);
        }
        let log = emu.requests();
        let throttled = log.iter().filter(|r| r.status == 429).count();
        checks.eq(
            &format!("{what}: logged as throttled"),
            throttled,
            n - passing,
        );
        // After a second the bucket has refilled.
        std::thread::sleep(Duration::from_millis(1100));
        checks.matches(
            &format!("{what}: refilled"),
            json!({}),
            &cx.call("ListRooms", json!({})),
        );
    }
    checks.finish();
}

#[test]
fn a_faulted_write_changes_nothing() {
    let emu = faulty(0.5, 3);
    let cx = Ctx::new(&emu);
    let mut checks = Checks::default();
    let mut created = Vec::new();
    let mut failed = 0;
    for i in 0..40 {
        match cx.call("CreateRoom", json!({ "name": format!("r{i}") })) {
            Ok(out) => created.push(out["arn"].as_str().unwrap_or("").to_string()),
            Err(e) => {
                failed += 1;
                checks.is(
                    "a fault is 500 or 429",
                    e["status"] == 500 || e["status"] == 429,
                    &e,
                );
            }
        }
    }
    let counts = format!("failed {failed}, created {}", created.len());
    checks.is(
        "some fail, some pass",
        failed > 5 && !created.is_empty(),
        counts,
    );
    // Exactly the acknowledged creates exist: read back without faults.
    let mut live = raw_room_members(emu.addr(), "arn");
    live.sort();
    let mut expected = created.clone();
    expected.sort();
    checks.eq("the rooms are the acknowledged ones", live, expected);
    // A faulted update leaves the room as it was.
    let target = created.first().cloned().unwrap_or_default();
    let mut applied = None;
    for n in 1..=30 {
        let update = json!({"identifier": target, "maximumMessageLength": n});
        if cx.call("UpdateRoom", update).is_ok() {
            applied = Some(n);
        }
    }
    let room = retry_raw(
        emu.addr(),
        "/GetRoom",
        &json!({ "identifier": target }).to_string(),
    );
    checks.eq(
        "the last acknowledged update",
        room["maximumMessageLength"].as_i64(),
        applied,
    );
    checks.finish();
}

#[test]
fn same_seed_same_faults() {
    let run = |seed| {
        let emu = faulty(0.3, seed);
        let list = common::request("POST", "/ListRooms", "{}", true);
        (0..40)
            .map(|_| common::raw_http(emu.addr(), &list).0)
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
    // An answer and an error answer are both delayed.
    for (path, status) in [("/ListRooms", 200), ("/GetRoom", 400)] {
        let started = Instant::now();
        let (got, _, _) = common::raw_http(emu.addr(), &common::request("POST", path, "{}", true));
        assert_eq!(got, status, "{path}");
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(150), "{path}: {elapsed:?}");
    }
    assert!(emu.requests().iter().all(|r| r.latency_ms >= 150.0));
}

#[test]
fn state_survives_kill_9() {
    let state = StateDir::new();
    let proc = state.start(&["--seed", "5"], Stdio::inherit());
    let mut cx = Ctx::remote(state.rt.handle().clone(), &proc.endpoint());
    let lobby = json!({"name": "lobby", "maximumMessageLength": 200,
                       "loggingConfigurationIdentifiers": ["$lc"], "tags": {"team": "video"}});
    let room = json!({"tags": {"team": "video", "extra key": ""},
                      "createTime": "$created", "updateTime": "$updated"});
    let room = with(&lobby, room);
    let archive = json!({"name": "archive", "tags": {"cost center/a": "42"}});
    let s3 = json!({"s3": {"bucketName": "chat-logs"}});
    let before = rows(json!([
        {"step": "a logging configuration", "op": "CreateLoggingConfiguration",
         "in": with(&archive, json!({"destinationConfiguration": s3})), "save": {"lc": "arn"},
         "ok": {}},
        {"step": "a room", "op": "CreateRoom", "in": lobby, "save": {"room": "arn"}, "ok": {}},
        {"step": "a tag", "op": "TagResource",
         "in": {"resourceArn": "$room", "tags": {"extra key": ""}}, "ok": {}},
        {"step": "the room", "op": "GetRoom", "in": {"identifier": "$room"},
         "save": {"created": "createTime", "updated": "updateTime"}, "ok": room},
    ]));
    let mut failures = cx.run(&before);
    // The last write was acknowledged: kill without any chance to flush.
    proc.kill9();
    let proc = state.start(&[], Stdio::inherit());
    cx.client = common::sdk(&proc.endpoint());
    let after = rows(json!([
        {"step": "the room survived", "op": "GetRoom", "in": {"identifier": "$room"}, "ok": room},
        {"step": "the logging configuration survived", "op": "GetLoggingConfiguration",
         "in": {"identifier": "$lc"}, "ok": archive},
        {"step": "the reference rule still holds after the restart",
         "op": "DeleteLoggingConfiguration", "in": {"identifier": "$lc"},
         "err": "409 ConflictException"},
    ]));
    failures.extend(cx.run(&after));
    assert_failures(failures);
}

#[test]
fn acknowledged_writes_survive_kill_9_under_load() {
    let state = StateDir::new();
    let proc = state.start(&[], Stdio::inherit());
    let client = common::sdk(&proc.endpoint());
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    // Writers run until the process dies under them.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let client = client.clone();
            let acknowledged = acknowledged.clone();
            state.rt.spawn(async move {
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
        let _ = state.rt.block_on(w);
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 10,
        "only {} writes before the kill",
        acknowledged.len()
    );
    let proc = state.start(&[], Stdio::inherit());
    let live: std::collections::HashSet<String> =
        raw_room_members(proc.addr, "arn").into_iter().collect();
    for arn in &acknowledged {
        assert!(live.contains(arn), "acknowledged {arn} was lost");
    }
    // At most the writes in flight at the kill (one per writer) may have landed unacknowledged.
    assert!(live.len() <= acknowledged.len() + 4);
    // The state file is whole JSON.
    let text = std::fs::read_to_string(&state.file).unwrap();
    serde_json::from_str::<Value>(&text).expect("state file is valid JSON");
}

#[test]
fn startup_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, "{ this is not json").unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let state = state.to_str().unwrap();
    let listen = format!("cannot listen on {addr}");
    // (arguments, what stderr must say)
    let cases = [
        (
            ["--listen", "127.0.0.1:0", "--state", state].to_vec(),
            vec!["cannot read state file", "state.json"],
        ),
        (["--listen", &addr].to_vec(), vec![listen.as_str()]),
    ];
    let mut checks = Checks::default();
    for (args, says) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_ivsctl"))
            .arg("emulator")
            .args(&args)
            .output()
            .unwrap();
        let what = args.join(" ");
        checks.eq(&what, out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        for s in says {
            checks.is(&what, stderr.contains(s), format!("{s:?} not in {stderr}"));
        }
    }
    // The corrupt file was not overwritten.
    checks.eq(
        "state file",
        std::fs::read_to_string(state).unwrap(),
        "{ this is not json".into(),
    );
    checks.finish();
}

#[test]
fn sigterm_stops_cleanly_and_request_log_file_has_every_request() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.jsonl");
    let mut proc =
        EmulatorProcess::start(&["--request-log", log.to_str().unwrap()], Stdio::inherit());
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
    let lines: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let expected = json!([
        {"operation": "CreateRoom", "status": 200, "input": {"name": "a"}},
        {"operation": "GetRoom", "status": 400, "error": "ValidationException"},
    ]);
    check(&expected, &Value::Array(lines), 0).unwrap();
}
