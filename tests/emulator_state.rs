//! `--state FILE` as snapshot + append-only log: the log's format after a
//! `kill -9`, a torn last record, compaction, and ListRooms at scale. The
//! crash tests run the real `ivsctl emulator` binary.

mod common;

use aws_sdk_ivschat::Client;
use common::{EmulatorProcess, StateDir};
use ivsctl::emulator::EmulatorConfig;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `ivsctl emulator --state FILE` of `dir` (stderr piped, for `term`), and
/// an SDK client for it.
fn start(dir: &StateDir) -> (EmulatorProcess, Client) {
    let proc = dir.start(&[], Stdio::piped());
    let client = common::sdk(&proc.endpoint());
    (proc, client)
}

#[test]
fn every_acknowledged_write_is_one_log_line_and_survives_kill_9() {
    let dir = StateDir::new();
    let (state, log, rt) = (&dir.path, dir.log(), &dir.rt);
    let (proc, client) = start(&dir);
    let snapshot_before = std::fs::read(state).expect("a snapshot is written on first start");
    let (kept, deleted) = rt.block_on(async {
        let a = client.create_room().name("a").send().await.unwrap();
        let b = client.create_room().name("b").send().await.unwrap();
        client
            .update_room()
            .identifier(a.arn().unwrap())
            .maximum_message_length(42)
            .send()
            .await
            .unwrap();
        client
            .tag_resource()
            .resource_arn(a.arn().unwrap())
            .tags("k", "v")
            .send()
            .await
            .unwrap();
        client
            .delete_room()
            .identifier(b.arn().unwrap())
            .send()
            .await
            .unwrap();
        (a.arn().unwrap().to_string(), b.arn().unwrap().to_string())
    });
    proc.kill9();
    // The snapshot was not rewritten by the writes: they are in the log.
    assert_eq!(std::fs::read(state).unwrap(), snapshot_before);
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 5, "{lines:#?}");
    let seqs: Vec<u64> = lines.iter().map(|l| l["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(lines.iter().all(|l| l["kind"] == "room"));
    assert_eq!(lines[2]["value"]["maximumMessageLength"], 42);
    assert_eq!(lines[3]["value"]["tags"]["k"], "v");
    assert_eq!(lines[4]["arn"], deleted.as_str());
    assert!(lines[4].get("value").is_none(), "a delete has no value");

    let (proc, client) = start(&dir);
    rt.block_on(async {
        let room = client.get_room().identifier(&kept).send().await.unwrap();
        assert_eq!(room.maximum_message_length(), Some(42));
        assert_eq!(room.tags().unwrap().get("k").map(String::as_str), Some("v"));
        let err = client
            .get_room()
            .identifier(&deleted)
            .send()
            .await
            .unwrap_err();
        assert_eq!(common::status(&err), 404);
    });
    // Start compacted the leftover log into the snapshot.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state).unwrap()).unwrap();
    assert_eq!(doc["rooms"].as_array().unwrap().len(), 1);
    assert_eq!(std::fs::metadata(&log).unwrap().len(), 0);
    let err = proc.term();
    assert!(err.is_empty(), "{err}");
}

#[test]
fn a_torn_last_record_is_ignored_and_writes_go_on() {
    let dir = StateDir::new();
    let (log, rt) = (dir.log(), &dir.rt);
    let (proc, client) = start(&dir);
    let acknowledged: Vec<String> = rt.block_on(async {
        let mut out = Vec::new();
        for i in 0..3 {
            let r = client
                .create_room()
                .name(format!("r{i}"))
                .send()
                .await
                .unwrap();
            out.push(r.arn().unwrap().to_string());
        }
        out
    });
    proc.kill9();
    // A crash in the middle of an append leaves half a line at the end.
    let text = std::fs::read_to_string(&log).unwrap();
    let first = text.lines().next().unwrap();
    let torn = &first.replace("\"seq\":1", "\"seq\":4")[..first.len() / 2];
    std::fs::write(&log, format!("{text}{torn}")).unwrap();

    let (proc, client) = start(&dir);
    let after = rt.block_on(async {
        let listed = client.list_rooms().send().await.unwrap();
        let mut arns: Vec<String> = listed
            .rooms()
            .iter()
            .map(|r| r.arn().unwrap().to_string())
            .collect();
        arns.sort();
        let new = client.create_room().name("after").send().await.unwrap();
        (arns, new.arn().unwrap().to_string())
    });
    let mut expected = acknowledged.clone();
    expected.sort();
    assert_eq!(after.0, expected);
    proc.kill9();
    // The record written after the torn one is whole and loads.
    let (proc, client) = start(&dir);
    rt.block_on(async {
        client.get_room().identifier(&after.1).send().await.unwrap();
        assert_eq!(client.list_rooms().send().await.unwrap().rooms().len(), 4);
    });
    let err = proc.term();
    assert!(err.is_empty(), "{err}");
}

#[test]
fn a_damaged_record_before_the_end_is_a_startup_error() {
    let dir = StateDir::new();
    let (state, log, rt) = (&dir.path, dir.log(), &dir.rt);
    let (proc, client) = start(&dir);
    rt.block_on(async {
        for _ in 0..2 {
            client.create_room().send().await.unwrap();
        }
    });
    proc.kill9();
    let text = std::fs::read_to_string(&log).unwrap();
    let damaged = text.replacen("\"kind\"", "\"kind", 1);
    std::fs::write(&log, &damaged).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ivsctl"))
        .args(["emulator", "--listen", "127.0.0.1:0", "--state"])
        .arg(state)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("state.json.log") && stderr.contains("line 1 is damaged"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        damaged,
        "left as found"
    );
}

#[test]
fn concurrent_writes_all_land_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let (emu, client) = common::emulator_with_client(EmulatorConfig {
        state_file: Some(state.clone()),
        ..Default::default()
    });
    let n = 64;
    let arns: Vec<String> = emu.block_on(async {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let c = client.clone();
                tokio::spawn(common::room_arn(c.create_room().name(format!("c{i}"))))
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    let log = std::fs::read_to_string(dir.path().join("state.json.log")).unwrap();
    assert_eq!(log.lines().count(), n);
    for arn in &arns {
        assert!(log.contains(arn.as_str()));
    }
}

#[test]
fn list_rooms_pages_stay_fast_at_50000_rooms() {
    // Seeded through the state file (creating 50,000 rooms through the API
    // would take minutes in a debug build).
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let rooms: Vec<serde_json::Value> = (0..50_000)
        .map(|i| {
            let id = format!("R{i:011}");
            serde_json::json!({
                "id": id, "arn": format!("arn:aws:ivschat:us-east-1:123456789012:room/{id}"),
                "name": format!("room-{i}"), "createTime": 1_700_000_000_000i64 + i,
                "updateTime": 1_700_000_000_000i64 + i, "maximumMessageLength": 500,
                "maximumMessageRatePerSecond": 10, "tags": {"n": i.to_string()}
            })
        })
        .collect();
    std::fs::write(
        &state,
        serde_json::json!({"formatVersion": 2, "logSeq": 0, "rooms": rooms, "loggingConfigurations": []})
            .to_string(),
    )
    .unwrap();
    let (emu, client) = common::emulator_with_client(EmulatorConfig {
        state_file: Some(state),
        ..Default::default()
    });
    emu.block_on(async {
        // Walk 40 pages (2,000 rooms) and check order and timing per page.
        let mut token: Option<String> = None;
        let mut last: Option<String> = None;
        let mut slowest = Duration::ZERO;
        for _ in 0..40 {
            let started = Instant::now();
            let page = client
                .list_rooms()
                .set_next_token(token.clone())
                .send()
                .await
                .unwrap();
            slowest = slowest.max(started.elapsed());
            assert_eq!(page.rooms().len(), 50);
            for r in page.rooms() {
                let name = r.name().unwrap().to_string();
                if let Some(prev) = &last {
                    let n = |s: &str| s.trim_start_matches("room-").parse::<i64>().unwrap();
                    assert!(n(&name) < n(prev), "newest first: {name} after {prev}");
                }
                last = Some(name);
            }
            token = page.next_token().map(String::from);
        }
        assert_eq!(last.as_deref(), Some("room-48000"));
        // Generous for a debug build on a loaded machine; a full sort of
        // 50,000 rooms per page would be far slower than a B-tree cursor.
        assert!(
            slowest < Duration::from_millis(500),
            "slowest page {slowest:?}"
        );
        // Writes at 50,000 rooms (the quota: CreateRoom is refused).
        let arn = "arn:aws:ivschat:us-east-1:123456789012:room/R00000000007";
        let updated = client
            .update_room()
            .identifier(arn)
            .name("moved")
            .send()
            .await
            .unwrap();
        assert_eq!(updated.name(), Some("moved"));
        let first = client.list_rooms().max_results(1).send().await.unwrap();
        assert_eq!(
            first.rooms()[0].arn(),
            Some(arn),
            "an update moves the room to the front"
        );
        let err = client.create_room().send().await.unwrap_err();
        assert_eq!(common::status(&err), 402);
    });
}
