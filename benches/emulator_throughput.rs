//! Emulator throughput on loopback: 1,000 rooms, then GetRoom as fast as a
//! pool of real aws-sdk-ivschat clients can send it (client and server share
//! the machine). Target: >= 5,000 GetRoom requests/s on 2 cores.
//!
//! Run: `cargo bench --bench emulator_throughput` (IVSCTL_BENCH_SECS=N to change
//! the measured window, default 5 s; IVSCTL_BENCH_CONCURRENCY, default 32).

use aws_sdk_ivschat::config::{BehaviorVersion, Credentials, Region};
use ivsctl::emulator::{Emulator, EmulatorConfig};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let secs = env_num("IVSCTL_BENCH_SECS", 5);
    let concurrency = env_num("IVSCTL_BENCH_CONCURRENCY", 32);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
        let conf = aws_sdk_ivschat::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("AKIDBENCH", "secret", None, None, "bench"))
            .endpoint_url(emu.endpoint())
            .build();
        let client = aws_sdk_ivschat::Client::from_conf(conf);
        let mut arns = Vec::with_capacity(1000);
        let setup = Instant::now();
        for i in 0..1000 {
            let out = client.create_room().name(format!("room-{i}")).tags("bench", "1").send().await.unwrap();
            arns.push(out.arn().unwrap().to_string());
        }
        println!("setup: 1000 CreateRoom in {:.2?}", setup.elapsed());
        let arns = Arc::new(arns);
        let done = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        // Warm up connections, then measure.
        for a in arns.iter().take(64) {
            client.get_room().identifier(a).send().await.unwrap();
        }
        let started = Instant::now();
        let tasks: Vec<_> = (0..concurrency)
            .map(|w| {
                let (client, arns, done, errors, stop) =
                    (client.clone(), arns.clone(), done.clone(), errors.clone(), stop.clone());
                tokio::spawn(async move {
                    let mut i = w as usize;
                    while !stop.load(Ordering::Relaxed) {
                        match client.get_room().identifier(&arns[i % arns.len()]).send().await {
                            Ok(_) => done.fetch_add(1, Ordering::Relaxed),
                            Err(_) => errors.fetch_add(1, Ordering::Relaxed),
                        };
                        i += 7;
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_secs(secs)).await;
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            t.await.unwrap();
        }
        let elapsed = started.elapsed().as_secs_f64();
        let n = done.load(Ordering::Relaxed);
        println!(
            "GetRoom: {n} requests in {elapsed:.2} s with {concurrency} concurrent clients = {:.0} requests/s ({} errors)",
            n as f64 / elapsed,
            errors.load(Ordering::Relaxed)
        );
        println!("emulator counted {} GetRoom", emu.count("GetRoom"));
    });
}
