//! Tags: an owned resource carries exactly the stack's tags, its own (which
//! win), and ivsctl's ownership tags; any other tag is removed, except keys
//! starting with `aws:`, which are never touched.

use crate::model::{DesiredStack, Tags, AWS_TAG_PREFIX, TAG_KEY, TAG_PROTECT, TAG_STACK};
use crate::plan::FieldChange;
use crate::record::{Record, TAG_APPLIED};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The tags an owned resource must have: stack tags, then resource tags
/// (which win), then ivsctl's own.
pub(crate) fn desired_tags(
    stack: &DesiredStack,
    key: &str,
    resource_tags: &Tags,
    protect: bool,
) -> Tags {
    let mut tags = stack.tags.clone();
    tags.extend(resource_tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    tags.insert(TAG_STACK.to_string(), stack.stack.clone());
    tags.insert(TAG_KEY.to_string(), key.to_string());
    if protect {
        tags.insert(TAG_PROTECT.to_string(), "true".to_string());
    }
    tags
}

/// The tag calls that turn `live` into `desired` (tags to set, keys to
/// remove), leaving `aws:` keys and the applied record alone (the record is
/// planned apart), and their field changes (`tags.KEY`), each marked as
/// drift when the live value is not what `applied` records.
pub(crate) fn tag_changes(
    live: &Tags,
    desired: &Tags,
    applied: Option<&Record>,
) -> (Tags, Vec<String>, Vec<FieldChange>) {
    let mut set = Tags::new();
    let mut remove = Vec::new();
    let mut fields = Vec::new();
    let keys: BTreeSet<&String> = live.keys().chain(desired.keys()).collect();
    for k in keys {
        if k.to_ascii_lowercase().starts_with(AWS_TAG_PREFIX) || k == TAG_APPLIED {
            continue;
        }
        let drift = applied.is_some_and(|r| r.tag_differs(k, live.get(k).map(String::as_str)));
        match (live.get(k), desired.get(k)) {
            (Some(a), Some(b)) if a == b => {}
            (before, Some(b)) => {
                set.insert(k.clone(), b.clone());
                fields.push(FieldChange {
                    field: format!("tags.{k}"),
                    before: before.map(|s| json!(s)).unwrap_or(Value::Null),
                    after: json!(b),
                    drift,
                });
            }
            (Some(a), None) => {
                remove.push(k.clone());
                fields.push(FieldChange {
                    field: format!("tags.{k}"),
                    before: json!(a),
                    after: Value::Null,
                    drift,
                });
            }
            (None, None) => {}
        }
    }
    (set, remove, fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{desired, tags};

    #[test]
    fn resource_tags_win_and_ownership_tags_are_added() {
        let mut d = desired();
        d.tags = tags(&[("team", "video"), ("env", "stack")]);
        let t = desired_tags(&d, "lobby", &tags(&[("env", "prod")]), true);
        assert_eq!(
            t,
            tags(&[
                ("env", "prod"),
                ("team", "video"),
                (TAG_STACK, crate::fixtures::STACK),
                (TAG_KEY, "lobby"),
                (TAG_PROTECT, "true"),
            ])
        );
    }

    #[test]
    fn changes_set_remove_and_leave_aws_keys_alone() {
        let live = tags(&[("a", "1"), ("b", "2"), ("aws:x", "y"), ("AWS:z", "w")]);
        let want = tags(&[("a", "1"), ("b", "3"), ("c", "4")]);
        let (set, remove, fields) = tag_changes(&live, &want, None);
        assert_eq!(set, tags(&[("b", "3"), ("c", "4")]));
        assert!(remove.is_empty());
        assert_eq!(fields.len(), 2);
        let (_, remove, _) = tag_changes(&tags(&[("gone", "x")]), &Tags::new(), None);
        assert_eq!(remove, ["gone"]);
    }
}
