//! Client-side benchmarks, against the emulator with AWS's rate quotas:
//!
//! - `validate`: load and validate a generated 10,000-room manifest (target ≤ 1 s);
//! - `plan`: plan 1,000 owned rooms with `--quotas aws`; the quota floor is
//!   pages/5 + GetRooms/5 seconds if done one after the other;
//! - `apply`: apply 200 room creates with `--quotas aws --latency-ms 50`; the
//!   floor is creates/5 seconds; throttled responses are counted.
//!
//! Run: `cargo bench --bench plan_apply` (all), or with
//! `IVSCTL_BENCH=validate|plan|apply` for one. `plan` takes over 3 minutes:
//! that is the quota floor, not the tool.

use ivsctl::emulator::{Emulator, EmulatorConfig, Quotas};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn manifest(stack: &str, rooms: usize) -> String {
    let mut s = format!("version: 1\nstack: {stack}\ntags:\n  team: video\nrooms:\n");
    for i in 0..rooms {
        s.push_str(&format!(
            "  room-{i:05}:\n    maximumMessageLength: {}\n    maximumMessageRatePerSecond: {}\n    tags:\n      shard: \"{}\"\n",
            100 + i % 400,
            1 + i % 100,
            i % 16
        ));
    }
    s
}

fn ivsctl(endpoint: &str, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ivsctl"))
        .args(args)
        .current_dir(dir)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .output()
        .expect("run ivsctl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn bench_validate(dir: &Path) {
    let path = dir.join("big.yaml");
    std::fs::write(&path, manifest("big", 10_000)).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let m = ivsctl::manifest::load_files(std::slice::from_ref(&path)).expect("valid");
        best = best.min(started.elapsed());
        assert_eq!(m.desired.rooms.len(), 10_000);
    }
    let started = Instant::now();
    let (code, _, err) = ivsctl(
        "http://127.0.0.1:9",
        dir,
        &["validate", "-f", path.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    println!(
        "validate: 10,000 rooms ({:.1} MiB): load+validate {:.3} s in-process (best of 3); `ivsctl validate` {:.3} s wall",
        size as f64 / 1048576.0,
        best.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

fn bench_plan(dir: &Path, rt: &tokio::runtime::Runtime) {
    const ROOMS: usize = 1000;
    let state = dir.join("plan-state.json");
    let path = dir.join("plan.yaml");
    std::fs::write(&path, manifest("bench", ROOMS)).unwrap();
    let file = path.to_str().unwrap();
    // Seed without quotas (fast), then restart the emulator on the same state with them.
    rt.block_on(async {
        let emu = Emulator::start(EmulatorConfig {
            state_file: Some(state.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
        let (code, _, err) = ivsctl(
            &emu.endpoint(),
            dir,
            &["apply", "-f", file, "--auto-approve"],
        );
        assert_eq!(code, 0, "{err}");
        emu.stop().await;
    });
    let emu = rt
        .block_on(Emulator::start(EmulatorConfig {
            state_file: Some(state),
            quotas: Quotas::Aws,
            ..Default::default()
        }))
        .unwrap();
    let started = Instant::now();
    let (code, out, err) = ivsctl(
        &emu.endpoint(),
        dir,
        &["plan", "-f", file, "--detailed-exitcode"],
    );
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(code, 0, "{out}{err}");
    let c = emu.counts();
    let pages = c.get("ListRooms").copied().unwrap_or(0)
        + c.get("ListLoggingConfigurations").copied().unwrap_or(0);
    let gets = c.get("GetRoom").copied().unwrap_or(0);
    let throttled = emu.requests().iter().filter(|r| r.status == 429).count();
    println!(
        "plan: {ROOMS} owned rooms with --quotas aws: {wall:.1} s wall; calls {c:?}; \
         floor pages/5 + GetRooms/5 = {:.1} s (with list and GetRoom overlapped: {:.1} s); {throttled} throttled responses",
        pages as f64 / 5.0 + gets as f64 / 5.0,
        (gets as f64 / 5.0).max(pages as f64 / 5.0)
    );
}

fn bench_apply(dir: &Path, rt: &tokio::runtime::Runtime) {
    const ROOMS: usize = 200;
    let path = dir.join("apply.yaml");
    std::fs::write(&path, manifest("bench-apply", ROOMS)).unwrap();
    let emu = rt
        .block_on(Emulator::start(EmulatorConfig {
            quotas: Quotas::Aws,
            latency: Duration::from_millis(50),
            ..Default::default()
        }))
        .unwrap();
    let started = Instant::now();
    let (code, out, err) = ivsctl(
        &emu.endpoint(),
        dir,
        &["apply", "-f", path.to_str().unwrap(), "--auto-approve"],
    );
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(code, 0, "{out}{err}");
    let creates = emu.count("CreateRoom");
    let throttled = emu.requests().iter().filter(|r| r.status == 429).count();
    println!(
        "apply: {ROOMS} room creates with --quotas aws --latency-ms 50: {wall:.1} s wall; floor creates/5 = {:.1} s; \
         {creates} CreateRoom calls, {throttled} throttled responses",
        ROOMS as f64 / 5.0
    );
}

fn main() {
    let which = std::env::var("IVSCTL_BENCH").unwrap_or_default();
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if which.is_empty() || which == "validate" {
        bench_validate(dir.path());
    }
    if which.is_empty() || which == "apply" {
        bench_apply(dir.path(), &rt);
    }
    if which.is_empty() || which == "plan" {
        bench_plan(dir.path(), &rt);
    }
}
