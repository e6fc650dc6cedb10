//! `--state FILE` at scale: the latency of a write (CreateRoom, UpdateRoom,
//! TagResource through the real SDK) with 10 rooms and with 50,000 rooms in
//! the state, the time to load a 50,000-room state, and ListRooms pages at
//! 50,000 rooms. Target: a write at 50,000 rooms within 2x of one at 10.
//!
//! Run: `cargo bench --bench emulator_state` (IVSCTL_BENCH_WRITES=N writes per
//! operation, default 300). The state lives in a temporary directory on the
//! same disk as the system's temp dir; fsync cost depends on that disk.

use aws_sdk_ivschat::config::{BehaviorVersion, Credentials, Region};
use ivsctl::emulator::{Emulator, EmulatorConfig};
use std::time::{Duration, Instant};

fn client(endpoint: &str) -> aws_sdk_ivschat::Client {
    let conf = aws_sdk_ivschat::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDBENCH", "secret", None, None, "bench"))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_ivschat::Client::from_conf(conf)
}

fn seed(path: &std::path::Path, n: usize) {
    let rooms: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let id = format!("R{i:011}");
            serde_json::json!({
                "id": id, "arn": format!("arn:aws:ivschat:us-east-1:123456789012:room/{id}"),
                "name": format!("room-{i}"), "createTime": 1_700_000_000_000i64 + i as i64,
                "updateTime": 1_700_000_000_000i64 + i as i64, "maximumMessageLength": 500,
                "maximumMessageRatePerSecond": 10,
                "tags": {"ivsctl:stack": "bench", "ivsctl:key": format!("room-{i}"), "team": "video"}
            })
        })
        .collect();
    let doc = serde_json::json!({"formatVersion": 2, "logSeq": 0, "rooms": rooms, "loggingConfigurations": []});
    std::fs::write(path, doc.to_string()).unwrap();
}

fn stats(mut v: Vec<Duration>) -> String {
    v.sort();
    let p = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    format!(
        "median {:.2} ms, p90 {:.2} ms, p99 {:.2} ms",
        p(0.5),
        p(0.9),
        p(0.99)
    )
}

async fn writes(endpoint: &str, n: usize, target: &str) -> Vec<(&'static str, Vec<Duration>)> {
    let c = client(endpoint);
    // Warm up the connection pool.
    for _ in 0..10 {
        c.get_room().identifier(target).send().await.unwrap();
    }
    let mut create = Vec::with_capacity(n);
    let mut update = Vec::with_capacity(n);
    let mut tag = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        c.create_room()
            .name(format!("new-{i}"))
            .send()
            .await
            .unwrap();
        create.push(t.elapsed());
        let t = Instant::now();
        c.update_room()
            .identifier(target)
            .maximum_message_length(100 + (i as i32 % 400))
            .send()
            .await
            .unwrap();
        update.push(t.elapsed());
        let t = Instant::now();
        c.tag_resource()
            .resource_arn(target)
            .tags("n", i.to_string())
            .send()
            .await
            .unwrap();
        tag.push(t.elapsed());
    }
    vec![
        ("CreateRoom", create),
        ("UpdateRoom", update),
        ("TagResource", tag),
    ]
}

fn main() {
    let n: usize = std::env::var("IVSCTL_BENCH_WRITES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        let target = "arn:aws:ivschat:us-east-1:123456789012:room/R00000000005";
        for rooms in [10usize, 50_000] {
            let path = dir.path().join(format!("state-{rooms}.json"));
            seed(&path, rooms);
            let size = std::fs::metadata(&path).unwrap().len();
            let t = Instant::now();
            let emu = Emulator::start(EmulatorConfig {
                state_file: Some(path.clone()),
                room_quota: 100_000,
                ..Default::default()
            })
            .await
            .unwrap();
            println!(
                "load: {rooms} rooms ({:.1} MB snapshot) in {:.0} ms",
                size as f64 / 1e6,
                t.elapsed().as_secs_f64() * 1000.0
            );
            for (op, times) in writes(&emu.endpoint(), n, target).await {
                println!("write at {rooms} rooms: {op} x{n}: {}", stats(times));
            }
            if rooms == 50_000 {
                let c = client(&emu.endpoint());
                let mut pages = Vec::new();
                let mut token = None;
                for _ in 0..200 {
                    let t = Instant::now();
                    let out = c
                        .list_rooms()
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .unwrap();
                    pages.push(t.elapsed());
                    token = out.next_token().map(String::from);
                }
                println!(
                    "ListRooms at {} rooms: 200 consecutive pages of 50: {}",
                    rooms + n,
                    stats(pages)
                );
                let t = Instant::now();
                let log_len = std::fs::metadata(dir.path().join("state-50000.json.log"))
                    .map(|m| m.len())
                    .unwrap_or(0);
                emu.stop().await;
                println!(
                    "stop with compaction ({:.1} MB log into the snapshot): {:.0} ms",
                    log_len as f64 / 1e6,
                    t.elapsed().as_secs_f64() * 1000.0
                );
                // Loading a state whose changes are all in the log: no snapshot.
                let t = Instant::now();
                let emu = Emulator::start(EmulatorConfig {
                    state_file: Some(path.clone()),
                    room_quota: 100_000,
                    ..Default::default()
                })
                .await
                .unwrap();
                println!(
                    "reload after stop: {} rooms in {:.0} ms",
                    rooms + n,
                    t.elapsed().as_secs_f64() * 1000.0
                );
                emu.stop().await;
            } else {
                emu.stop().await;
            }
        }
    });
}
