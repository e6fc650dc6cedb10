//! Drift: a change whose cause is an out-of-band edit of a live resource.
//!
//! ivsctl keeps no state, so it cannot know what it wrote last; the evidence it
//! has is the resource itself. Every Create call ivsctl makes writes every
//! field, so a resource ivsctl created and nobody updated has
//! `updateTime == createTime`: a difference from the manifest on such a
//! resource comes from the manifest. A resource whose updateTime moved past its
//! createTime was edited after creation; if it now differs from the manifest,
//! the difference is marked as drift.
//!
//! Known limits, documented for users: after ivsctl itself has updated a
//! resource, a later manifest change to it is also marked as drift; tag edits
//! leave no trace (tagging does not move updateTime), so tag-only changes are
//! never marked.

use std::time::SystemTime;

/// True when the resource was modified after it was created.
pub fn updated_since_create(create_time: &str, update_time: &str) -> bool {
    match (parse(create_time), parse(update_time)) {
        (Some(c), Some(u)) => u > c,
        _ => update_time > create_time,
    }
}

fn parse(s: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_are_not_drift() {
        assert!(!updated_since_create(
            "2026-11-26T01:00:00.000Z",
            "2026-11-26T01:00:00.000Z"
        ));
        assert!(updated_since_create(
            "2026-11-26T01:00:00.000Z",
            "2026-11-26T01:00:00.001Z"
        ));
        assert!(updated_since_create(
            "2026-11-26T01:00:00Z",
            "2026-11-26T01:00:00.5Z"
        ));
        assert!(!updated_since_create(
            "2026-11-26T02:00:00Z",
            "2026-11-26T01:59:59.999Z"
        ));
    }
}
