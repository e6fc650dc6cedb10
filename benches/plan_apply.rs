//! Client-side benchmarks of the real binary against the emulator. Each says
//! its floor (what the rate quotas allow at best) next to what it measured.
//!
//! - `validate`: load and validate a generated 10,000-room manifest (target ≤ 1 s);
//! - `plan`: plan 1,000 unchanged rooms with `--quotas aws --latency-ms 50`,
//!   from the List pages (target ≤ 5 s; floor 20 ListRooms pages at 5/s =
//!   4.2 s) and with `--refresh full` (GetRoom per room, about 200 s): the
//!   first must be at least 40 times faster;
//! - `plan10k`: plan 10,000 unchanged rooms the same way (target ≤ 45 s,
//!   peak RSS ≤ 100 MB);
//! - `apply`: 1,000 room creates with `--quotas aws --latency-ms 50` (target
//!   ≤ 1.1 × the floor of 200 s at 5 CreateRoom/s, no throttled answer
//!   surfaced as a failure);
//! - `local`: `--local apply` of 1,000 rooms, then `--local plan` (each ≤ 5 s);
//! - `regions`: a workspace of five stacks in five regions, 500 unchanged
//!   rooms each, planned in one run with `--quotas aws --latency-ms 50`,
//!   against planning the one stack of the largest region alone: regions are
//!   discovered concurrently, each paced to its own quotas, so the run takes
//!   about the time of one region (target ≤ 1.5 × the one-region plan).
//!
//! Run: `cargo bench --bench plan_apply` (all; about 10 minutes, mostly the
//! quota floors), or `IVSCTL_BENCH=validate|plan|plan10k|apply|local|regions` for one.

use ivsctl::emulator::{Emulator, EmulatorConfig, Quotas};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn manifest(stack: &str, rooms: usize) -> String {
    manifest_in(stack, None, rooms)
}

fn manifest_in(stack: &str, region: Option<&str>, rooms: usize) -> String {
    let region = region.map(|r| format!("region: {r}\n")).unwrap_or_default();
    let mut s = format!("version: 1\nstack: {stack}\n{region}tags:\n  team: video\nrooms:\n");
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

/// What one run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    wall: Duration,
    /// Peak resident memory (VmHWM), in MiB.
    peak_mib: f64,
}

/// Runs ivsctl against `endpoint` (none: `--local` or offline), sampling its
/// peak memory from /proc while it runs.
fn ivsctl(endpoint: Option<&str>, dir: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ivsctl"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(e) = endpoint {
        cmd.env("AWS_ENDPOINT_URL", e);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("run ivsctl");
    let pid = child.id();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let reader_err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).ok();
        s
    });
    let mut peak_kib = 0u64;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            if let Some(kib) = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<u64>().ok())
            {
                peak_kib = peak_kib.max(kib);
            }
        }
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: reader.join().unwrap(),
        stderr: reader_err.join().unwrap(),
        wall: started.elapsed(),
        peak_mib: peak_kib as f64 / 1024.0,
    }
}

fn check(run: &Run, what: &str) {
    assert!(
        run.code == 0 || run.code == 2,
        "{what} failed ({}):\n{}\n{}",
        run.code,
        run.stdout,
        run.stderr
    );
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
    let run = ivsctl(None, dir, &["validate", "-f", path.to_str().unwrap()]);
    check(&run, "validate");
    println!(
        "validate: 10,000 rooms ({:.1} MiB): load+validate {:.3} s in-process (best of 3); `ivsctl validate` {:.3} s wall",
        size as f64 / 1048576.0,
        best.as_secs_f64(),
        run.wall.as_secs_f64()
    );
}

/// An emulator with AWS's quotas and 50 ms latency over a state file holding
/// `rooms` rooms applied by ivsctl (seeded without quotas, so quickly).
fn seeded(dir: &Path, rt: &tokio::runtime::Runtime, rooms: usize) -> (Emulator, String) {
    let path = dir.join(format!("plan-{rooms}.yaml"));
    std::fs::write(&path, manifest("bench", rooms)).unwrap();
    let file = path.to_str().unwrap().to_string();
    let seeding = Instant::now();
    let emu = applied_then_quotas(dir, rt, &format!("state-{rooms}.json"), &file);
    eprintln!(
        "(seeded {rooms} rooms in {:.1} s)",
        seeding.elapsed().as_secs_f64()
    );
    (emu, file)
}

/// Applies `files` (a manifest or a directory) to an emulator without quotas
/// over the state file `state`, then restarts it over that state with AWS's
/// quotas and 50 ms latency.
fn applied_then_quotas(
    dir: &Path,
    rt: &tokio::runtime::Runtime,
    state: &str,
    files: &str,
) -> Emulator {
    let state = dir.join(state);
    rt.block_on(async {
        let emu = Emulator::start(EmulatorConfig {
            state_file: Some(state.clone()),
            room_quota: 60_000,
            ..Default::default()
        })
        .await
        .unwrap();
        let run = ivsctl(
            Some(&emu.endpoint()),
            dir,
            &["apply", "-f", files, "--auto-approve"],
        );
        check(&run, "seeding apply");
        emu.stop().await;
    });
    rt.block_on(Emulator::start(EmulatorConfig {
        state_file: Some(state),
        quotas: Quotas::Aws,
        latency: Duration::from_millis(50),
        room_quota: 60_000,
        ..Default::default()
    }))
    .unwrap()
}

fn calls(emu: &Emulator) -> String {
    let c = emu.counts();
    let throttled = emu.requests().iter().filter(|r| r.status == 429).count();
    format!(
        "ListRooms {}, ListLoggingConfigurations {}, GetRoom {}; {throttled} throttled",
        c.get("ListRooms").unwrap_or(&0),
        c.get("ListLoggingConfigurations").unwrap_or(&0),
        c.get("GetRoom").unwrap_or(&0)
    )
}

fn bench_plan(dir: &Path, rt: &tokio::runtime::Runtime) {
    const ROOMS: usize = 1000;
    let (emu, file) = seeded(dir, rt, ROOMS);
    let endpoint = emu.endpoint();
    emu.clear_requests();
    let fast = ivsctl(
        Some(&endpoint),
        dir,
        &["plan", "-f", &file, "--detailed-exitcode"],
    );
    check(&fast, "plan");
    assert!(fast.stdout.contains("No changes."), "{}", fast.stdout);
    let fast_calls = calls(&emu);
    // Let the quota buckets refill.
    std::thread::sleep(Duration::from_secs(2));
    emu.clear_requests();
    let full = ivsctl(
        Some(&endpoint),
        dir,
        &[
            "plan",
            "-f",
            &file,
            "--refresh",
            "full",
            "--detailed-exitcode",
        ],
    );
    check(&full, "plan --refresh full");
    let pages = ROOMS.div_ceil(50) as f64;
    println!(
        "plan: {ROOMS} unchanged rooms, --quotas aws --latency-ms 50: {:.2} s wall ({fast_calls}; floor {:.1} s = {pages} ListRooms pages at 5/s, or {:.1} s with the quota bucket's first burst of 4), peak RSS {:.1} MiB",
        fast.wall.as_secs_f64(),
        pages / 5.0,
        (pages - 4.0) / 5.0,
        fast.peak_mib
    );
    println!(
        "plan --refresh full: {:.1} s wall ({}); the plan from the List pages is {:.0}x faster",
        full.wall.as_secs_f64(),
        calls(&emu),
        full.wall.as_secs_f64() / fast.wall.as_secs_f64()
    );
    rt.block_on(emu.stop());
}

fn bench_plan_10k(dir: &Path, rt: &tokio::runtime::Runtime) {
    const ROOMS: usize = 10_000;
    let (emu, file) = seeded(dir, rt, ROOMS);
    emu.clear_requests();
    let run = ivsctl(
        Some(&emu.endpoint()),
        dir,
        &["plan", "-f", &file, "--detailed-exitcode"],
    );
    check(&run, "plan");
    assert!(run.stdout.contains("No changes."), "{}", run.stdout);
    println!(
        "plan: {ROOMS} unchanged rooms, --quotas aws --latency-ms 50: {:.1} s wall ({}; floor {:.1} s = {} ListRooms pages at 5/s), peak RSS {:.1} MiB",
        run.wall.as_secs_f64(),
        calls(&emu),
        ROOMS as f64 / 50.0 / 5.0,
        ROOMS / 50,
        run.peak_mib
    );
    rt.block_on(emu.stop());
}

fn bench_apply(dir: &Path, rt: &tokio::runtime::Runtime) {
    const ROOMS: usize = 1000;
    let path = dir.join("apply.yaml");
    std::fs::write(&path, manifest("bench-apply", ROOMS)).unwrap();
    let emu = rt
        .block_on(Emulator::start(EmulatorConfig {
            quotas: Quotas::Aws,
            latency: Duration::from_millis(50),
            ..Default::default()
        }))
        .unwrap();
    let run = ivsctl(
        Some(&emu.endpoint()),
        dir,
        &["apply", "-f", path.to_str().unwrap(), "--auto-approve"],
    );
    check(&run, "apply");
    assert!(run.stdout.contains("Apply complete!"), "{}", run.stdout);
    let creates = emu.count("CreateRoom");
    let throttled = emu.requests().iter().filter(|r| r.status == 429).count();
    let floor = ROOMS as f64 / 5.0;
    println!(
        "apply: {ROOMS} room creates, --quotas aws --latency-ms 50: {:.1} s wall = {:.3} x the floor of {floor:.0} s (creates/5); \
         {creates} CreateRoom calls, {throttled} throttled answers (retried, none surfaced: the apply succeeded)",
        run.wall.as_secs_f64(),
        run.wall.as_secs_f64() / floor
    );
    rt.block_on(emu.stop());
}

fn bench_local(dir: &Path) {
    const ROOMS: usize = 1000;
    let local = dir.join("local");
    std::fs::create_dir_all(&local).unwrap();
    let path = local.join("local.yaml");
    std::fs::write(&path, manifest("bench-local", ROOMS)).unwrap();
    let file = path.to_str().unwrap();
    let apply = ivsctl(
        None,
        &local,
        &["--local", "apply", "-f", file, "--auto-approve"],
    );
    check(&apply, "--local apply");
    let plan = ivsctl(
        None,
        &local,
        &["--local", "plan", "-f", file, "--detailed-exitcode"],
    );
    check(&plan, "--local plan");
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    println!(
        "--local: apply of {ROOMS} rooms {:.2} s, then plan {:.2} s (state file .ivsctl/local-state.json)",
        apply.wall.as_secs_f64(),
        plan.wall.as_secs_f64()
    );
}

fn bench_regions(dir: &Path, rt: &tokio::runtime::Runtime) {
    const ROOMS: usize = 500;
    const REGIONS: [&str; 5] = [
        "us-east-1",
        "us-west-2",
        "eu-west-1",
        "eu-central-1",
        "ap-northeast-1",
    ];
    let ws = dir.join("regions");
    std::fs::create_dir_all(&ws).unwrap();
    for r in REGIONS {
        std::fs::write(
            ws.join(format!("{r}.yaml")),
            manifest_in(&format!("chat-{r}"), Some(r), ROOMS),
        )
        .unwrap();
    }
    let ws_arg = ws.to_str().unwrap().to_string();
    let emu = applied_then_quotas(dir, rt, "state-regions.json", &ws_arg);
    let one = ws.join("us-east-1.yaml");
    let one = ivsctl(
        Some(&emu.endpoint()),
        dir,
        &["plan", "-f", one.to_str().unwrap(), "--detailed-exitcode"],
    );
    check(&one, "plan of one region");
    std::thread::sleep(Duration::from_secs(2));
    emu.clear_requests();
    let all = ivsctl(
        Some(&emu.endpoint()),
        dir,
        &["plan", "-f", &ws_arg, "--detailed-exitcode"],
    );
    check(&all, "plan of five regions");
    assert!(all
        .stdout
        .contains("Plan: 0 to add, 0 to change, 0 to destroy."));
    println!(
        "regions: 5 regions x {ROOMS} unchanged rooms in one run, --quotas aws --latency-ms 50: {:.2} s wall ({}), \
         one region alone {:.2} s: {:.2} x; peak RSS {:.1} MiB",
        all.wall.as_secs_f64(),
        calls(&emu),
        one.wall.as_secs_f64(),
        all.wall.as_secs_f64() / one.wall.as_secs_f64(),
        all.peak_mib
    );
    rt.block_on(emu.stop());
}

fn main() {
    let which = std::env::var("IVSCTL_BENCH").unwrap_or_default();
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let run = |name: &str| which.is_empty() || which.split(',').any(|w| w == name);
    if run("validate") {
        bench_validate(dir.path());
    }
    if run("local") {
        bench_local(dir.path());
    }
    if run("plan") {
        bench_plan(dir.path(), &rt);
    }
    if run("plan10k") {
        bench_plan_10k(dir.path(), &rt);
    }
    if run("apply") {
        bench_apply(dir.path(), &rt);
    }
    if run("regions") {
        bench_regions(dir.path(), &rt);
    }
}
