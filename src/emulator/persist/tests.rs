//! The persister end to end on a temporary directory: the log round trip,
//! torn and damaged records, background compaction, records the snapshot covers.

use super::snapshot::Shadow;
use super::*;
use std::collections::BTreeMap;

fn room(id: &str, t: i64) -> Room {
    Room {
        id: id.into(),
        arn: format!("arn:aws:ivschat:us-east-1:123456789012:room/{id}"),
        name: String::new(),
        create_time: t,
        update_time: t,
        maximum_message_length: 500,
        maximum_message_rate_per_second: 10,
        message_review_handler: None,
        logging_configuration_identifiers: vec![],
        tags: BTreeMap::new(),
    }
}

#[test]
fn log_round_trip_and_compaction_on_close() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let (p, loaded) = Persister::open(&path).unwrap();
    assert!(loaded.rooms.is_empty());
    assert!(path.exists(), "an empty snapshot is written on first start");
    let s1 = p.submit(vec![Record::room(&room("a", 1))]);
    let s2 = p.submit(vec![Record::room(&room("b", 2))]);
    let s3 = p.submit(vec![Record::deleted(Kind::Room, &room("a", 1).arn)]);
    for s in [s1, s2, s3] {
        p.wait_blocking(s).unwrap();
    }
    let log = std::fs::read_to_string(dir.path().join("state.json.log")).unwrap();
    assert_eq!(log.lines().count(), 3, "{log}");
    // Loading without a close replays the log.
    let l = load(&path).unwrap();
    assert_eq!(l.rooms.len(), 1);
    assert_eq!(l.rooms[0].id, "b");
    assert_eq!((l.seq, l.log_records), (3, 3));
    p.close().unwrap();
    assert!(!dir.path().join("state.json.log").exists());
    let l = load(&path).unwrap();
    assert_eq!((l.rooms.len(), l.seq, l.log_records), (1, 3, 0));
}

#[test]
fn torn_last_record_is_ignored_and_damage_elsewhere_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let mut log = Vec::new();
    Record::room(&room("a", 1)).line(1, &mut log);
    Record::room(&room("b", 2)).line(2, &mut log);
    let mut torn = log.clone();
    let mut third = Vec::new();
    Record::room(&room("c", 3)).line(3, &mut third);
    torn.extend_from_slice(&third[..third.len() / 2]);
    std::fs::write(dir.path().join("s.json.log"), &torn).unwrap();
    let l = load(&path).unwrap();
    assert!(l.torn_tail);
    assert_eq!(l.rooms.len(), 2);
    // A damaged line followed by good ones is not a torn tail.
    let mut bad = b"{\"seq\":1,\"kind\":\"room\"\n".to_vec();
    bad.extend_from_slice(&log);
    std::fs::write(dir.path().join("s.json.log"), &bad).unwrap();
    assert!(load(&path).unwrap_err().contains("line 1 is damaged"));
}

#[test]
fn background_compaction_keeps_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    // Compact as soon as the log is as large as the snapshot.
    let (p, _) = Persister::open_with(&path, 1).unwrap();
    let mut last = 0;
    for i in 0..200 {
        last = p.submit(vec![Record::room(&room(&format!("r{i}"), i))]);
        if i % 20 == 0 {
            p.wait_blocking(last).unwrap();
        }
    }
    p.wait_blocking(last).unwrap();
    // Background compactions happened: the snapshot holds rooms already
    // (a compaction may still be under way: give it time).
    let mut compacted = false;
    for _ in 0..200 {
        let snapshot: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        if snapshot["logSeq"].as_u64().unwrap_or(0) > 0
            && !snapshot["rooms"].as_array().unwrap().is_empty()
        {
            compacted = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(compacted, "no background compaction");
    // After the close (which waits for a compaction under way), the
    // snapshot alone holds everything.
    p.close().unwrap();
    let l = load(&path).unwrap();
    assert_eq!((l.rooms.len(), l.log_records, l.seq), (200, 0, 200));
    assert!(!dir.path().join("s.json.log.old").exists());
}

#[test]
fn records_covered_by_the_snapshot_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let mut shadow = Shadow::default();
    shadow.apply(&Record::room(&room("a", 1)));
    std::fs::write(&path, shadow.snapshot_bytes(5)).unwrap();
    let mut log = Vec::new();
    Record::deleted(Kind::Room, &room("a", 1).arn).line(5, &mut log); // covered
    Record::room(&room("b", 2)).line(6, &mut log);
    std::fs::write(dir.path().join("s.json.log.old"), &log).unwrap();
    let l = load(&path).unwrap();
    let ids: Vec<&str> = l.rooms.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(l.seq, 6);
}
