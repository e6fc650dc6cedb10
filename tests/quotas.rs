//! A fair share of the account's rate quotas, through the real binary against
//! the emulator with AWS's rate quotas (`--quotas aws`): concurrent ivsctl
//! processes slow down when throttled and retry until their deadline, so they
//! all succeed; `--api-share` leaves the rest of a quota to the account's
//! applications.

mod common;

use ivsctl::emulator::{BackgroundEmulator, EmulatorConfig, Quotas};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn aws_quotas() -> BackgroundEmulator {
    common::emulator(EmulatorConfig {
        quotas: Quotas::Aws,
        ..EmulatorConfig::default()
    })
}

fn manifest(dir: &Path, stack: &str, rooms: usize) -> PathBuf {
    let mut m = format!("version: 1\nstack: {stack}\nrooms:\n");
    for i in 0..rooms {
        m.push_str(&format!(
            "  room-{i:03}:\n    maximumMessageLength: {}\n",
            100 + i
        ));
    }
    let path = dir.join(format!("{stack}.yaml"));
    std::fs::write(&path, m).expect("write manifest");
    path
}

/// Runs ivsctl `args` in `n` processes at once; returns their results.
fn at_once(endpoint: &str, runs: Vec<Vec<String>>) -> Vec<(i32, String, String)> {
    let handles: Vec<_> = runs
        .into_iter()
        .map(|args| {
            let endpoint = endpoint.to_string();
            std::thread::spawn(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                common::ivsctl(&endpoint, &args)
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect()
}

fn throttled(emu: &BackgroundEmulator, operation: &str) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.operation == operation && r.status == 429)
        .count()
}

#[test]
fn three_full_refresh_plans_of_the_same_rooms_at_once_all_succeed() {
    let emu = aws_quotas();
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(dir.path(), "shared", 60);
    let m = m.to_str().unwrap().to_string();
    let (code, out, err) = common::ivsctl(&emu.endpoint(), &["apply", "-f", &m, "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    emu.clear_requests();
    let plan = vec![
        "plan".to_string(),
        "-f".into(),
        m.clone(),
        "--refresh".into(),
        "full".into(),
        "--detailed-exitcode".into(),
    ];
    let results = at_once(&emu.endpoint(), vec![plan.clone(), plan.clone(), plan]);
    for (code, out, err) in &results {
        assert_eq!(*code, 0, "every plan succeeds (no changes):\n{out}\n{err}");
        assert!(out.contains("No changes."), "{out}");
    }
    // Each read every room; the quota was contended, and the throttled
    // answers were absorbed.
    let ok = emu
        .requests()
        .iter()
        .filter(|r| r.operation == "GetRoom" && r.status == 200)
        .count();
    assert_eq!(ok, 180);
    eprintln!("GetRoom throttled {} times", throttled(&emu, "GetRoom"));
}

#[test]
fn two_applies_of_different_stacks_at_once_both_succeed() {
    let emu = aws_quotas();
    let dir = tempfile::tempdir().unwrap();
    let a = manifest(dir.path(), "stack-a", 30);
    let b = manifest(dir.path(), "stack-b", 30);
    let run = |m: &PathBuf| {
        vec![
            "apply".to_string(),
            "-f".into(),
            m.to_str().unwrap().into(),
            "--auto-approve".into(),
        ]
    };
    let results = at_once(&emu.endpoint(), vec![run(&a), run(&b)]);
    for (code, out, err) in &results {
        assert_eq!(*code, 0, "{out}\n{err}");
        assert!(out.contains("Apply complete! Resources: 30 added"), "{out}");
    }
    let created = emu
        .requests()
        .iter()
        .filter(|r| r.operation == "CreateRoom" && r.status == 200)
        .count();
    assert_eq!(created, 60, "no duplicate, none missing");
}

/// An application of the account calls GetRoom twice a second while a plan
/// runs with `--api-share 50`: the plan keeps to 2.5 calls a second, so the
/// application is never throttled.
#[test]
fn api_share_leaves_the_rest_of_the_quota_to_the_accounts_applications() {
    let emu = aws_quotas();
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(dir.path(), "polite", 40);
    let m = m.to_str().unwrap().to_string();
    let (code, out, err) = common::ivsctl(&emu.endpoint(), &["apply", "-f", &m, "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let sdk = common::sdk(&emu.endpoint());
    let room = emu
        .block_on(sdk.list_rooms().max_results(1).send())
        .expect("ListRooms")
        .rooms()[0]
        .arn()
        .unwrap()
        .to_string();

    // Let the bucket refill after the apply.
    std::thread::sleep(Duration::from_millis(1200));
    emu.clear_requests();
    let done = Arc::new(AtomicBool::new(false));
    let (app_calls, app_throttled) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let app = {
        let (done, calls, throttled) = (done.clone(), app_calls.clone(), app_throttled.clone());
        let handle = emu.handle();
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut n = 0u32;
            while !done.load(Ordering::SeqCst) {
                let due = started + Duration::from_millis(500) * n;
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                n += 1;
                match handle.block_on(sdk.get_room().identifier(&room).send()) {
                    Ok(_) => {}
                    Err(e) if common::status(&e) == 429 => {
                        throttled.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => panic!("GetRoom: {e:?}"),
                }
                calls.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let started = Instant::now();
    let (code, out, err) = common::ivsctl(
        &emu.endpoint(),
        &["plan", "-f", &m, "--refresh", "full", "--api-share", "50"],
    );
    let took = started.elapsed();
    done.store(true, Ordering::SeqCst);
    app.join().expect("application thread");
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("No changes."), "{out}");
    assert!(
        app_calls.load(Ordering::SeqCst) >= 10,
        "the application ran alongside"
    );
    assert_eq!(
        app_throttled.load(Ordering::SeqCst),
        0,
        "the application was throttled while ivsctl used half the quota"
    );
    eprintln!("plan with --api-share 50: {took:?}");

    // The environment variable works too, and bad values are refused.
    let (code, _, err) = common::ivsctl(&emu.endpoint(), &["plan", "-f", &m, "--api-share", "0"]);
    assert_eq!(code, 1);
    assert!(err.contains("--api-share"), "{err}");
}
