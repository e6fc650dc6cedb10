//! Chat fan-out on loopback: 1,000 WebSocket connections in one room of an
//! `ivsctl emulator` process, one message at a time sent to all of them.
//! Reports the delivery latency (send -> each receiver) over every
//! (message, receiver) pair, and the emulator's resident memory (VmRSS of the
//! emulator process, so the clients' memory is not counted).
//! Target: p99 delivery latency <= 50 ms.
//!
//! Run: `cargo bench --bench emulator_chat` (IVSCTL_BENCH_CONNECTIONS=N,
//! default 1000; IVSCTL_BENCH_MESSAGES=M, default 50). Clients and emulator
//! share the machine's cores.

use aws_sdk_ivschat::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ivschat::types::ChatTokenCapability;
use ivsctl::messaging::{Connection, Incoming};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// CPU time (user + system) of a process, in ms (from /proc/PID/stat).
fn cpu_ms(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start at ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // utime and stime are fields 14 and 15 of stat, 11 and 12 after ')' (0-based: 10, 11).
    let ticks = f.get(10).copied().unwrap_or(0.0) + f.get(11).copied().unwrap_or(0.0);
    ticks * 10.0 // USER_HZ is 100 on Linux
}

fn main() {
    let n = env_num("IVSCTL_BENCH_CONNECTIONS", 1000);
    let messages = env_num("IVSCTL_BENCH_MESSAGES", 50);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ivsctl"))
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start ivsctl emulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let endpoint = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let ws = endpoint.replace("http://", "ws://");
    let pid = child.id();
    let rss_idle = rss_kb(pid);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let conf = aws_sdk_ivschat::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("AKIDBENCH", "secret", None, None, "bench"))
            .endpoint_url(&endpoint)
            .build();
        let client = aws_sdk_ivschat::Client::from_conf(conf);
        let room = client
            .create_room()
            .maximum_message_rate_per_second(100)
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_string();
        let started = Instant::now();
        let mut receivers = Vec::with_capacity(n);
        let indices: Vec<usize> = (0..n).collect();
        for chunk in indices.chunks(100) {
            let joins: Vec<_> = chunk
                .iter()
                .copied()
                .map(|i| {
                    let (client, room, ws) = (client.clone(), room.clone(), ws.clone());
                    tokio::spawn(async move {
                        let t = client
                            .create_chat_token()
                            .room_identifier(&room)
                            .user_id(format!("viewer-{i}"))
                            .send()
                            .await
                            .unwrap();
                        Connection::connect(&ws, t.token().unwrap()).await.unwrap()
                    })
                })
                .collect();
            for j in joins {
                receivers.push(j.await.unwrap());
            }
        }
        println!("connected {n} clients in {:.2?}", started.elapsed());
        let rss_connected = rss_kb(pid);
        let t = client
            .create_chat_token()
            .room_identifier(&room)
            .user_id("sender")
            .capabilities(ChatTokenCapability::SendMessage)
            .send()
            .await
            .unwrap();
        let mut sender = Connection::connect(&ws, t.token().unwrap()).await.unwrap();
        let sent_at: Arc<std::sync::Mutex<Vec<Option<Instant>>>> =
            Arc::new(std::sync::Mutex::new(vec![None; messages]));
        // Receivers that are done wait for the others before doing anything
        // else, so that their work does not delay the last deliveries.
        let barrier = Arc::new(tokio::sync::Barrier::new(n));
        let tasks: Vec<_> = receivers
            .into_iter()
            .map(|mut c| {
                let sent_at = sent_at.clone();
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    // Arrival is taken when the frame is read, and frames are
                    // parsed only at the end: client-side work shares the two
                    // cores with the emulator here, and is kept to a minimum.
                    let mut arrivals = Vec::with_capacity(messages + 1);
                    let mut seen = 0;
                    while seen < messages {
                        match tokio::time::timeout(Duration::from_secs(30), c.next_text()).await {
                            Ok(Some(text)) => {
                                arrivals.push((Instant::now(), text));
                                seen += 1;
                            }
                            other => panic!("receiver: {other:?}"),
                        }
                    }
                    barrier.wait().await;
                    let sent_at = sent_at.lock().unwrap().clone();
                    let lat: Vec<(usize, Duration)> = arrivals
                        .into_iter()
                        .filter_map(|(at, text)| match Incoming::parse(&text) {
                            Incoming::Message(m) => {
                                let i: usize = m.content.parse().ok()?;
                                Some((i, at.duration_since(sent_at[i]?)))
                            }
                            _ => None,
                        })
                        .collect();
                    c.close().await;
                    lat
                })
            })
            .collect();
        let mut rss_peak = rss_connected;
        let cpu_before = cpu_ms(pid);
        for i in 0..messages {
            sent_at.lock().unwrap()[i] = Some(Instant::now());
            sender.send_message(&format!("r{i}"), &i.to_string(), &BTreeMap::new()).await.unwrap();
            // Wait for the echo (the sender is in the room too), then pause.
            loop {
                if let Some(Ok(Incoming::Message(_))) = sender.next().await {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            rss_peak = rss_peak.max(rss_kb(pid));
        }
        let cpu_fanout = cpu_ms(pid) - cpu_before;
        let mut all = Vec::with_capacity(n * messages);
        let mut per_round = vec![Duration::ZERO; messages];
        for t in tasks {
            for (i, d) in t.await.unwrap() {
                per_round[i] = per_round[i].max(d);
                all.push(d);
            }
        }
        if std::env::var_os("IVSCTL_BENCH_ROUNDS").is_some() {
            println!("slowest delivery per message: {per_round:?}");
        }
        all.sort();
        let p = |q: f64| all[((all.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
        println!(
            "fan-out: {messages} messages x {n} receivers = {} deliveries: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            all.len(),
            p(0.5),
            p(0.9),
            p(0.99),
            p(1.0)
        );
        println!(
            "emulator CPU while fanning out: {:.1} ms per message to {n} connections",
            cpu_fanout / messages as f64
        );
        println!(
            "emulator RSS: {:.1} MB idle, {:.1} MB with {n} connections, {:.1} MB peak while fanning out",
            rss_idle as f64 / 1024.0,
            rss_connected as f64 / 1024.0,
            rss_peak as f64 / 1024.0
        );
    });
    let _ = child.kill();
    let _ = child.wait();
}
