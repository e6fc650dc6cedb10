//! Tags: reading them (ListTagsForResource), TagResource, UntagResource, and
//! the rule on keys every operation that takes tags shares.
//!
//! Invariants: tagging never moves `updateTime`; a request that would leave
//! more than 50 tags, or names a key starting with `aws:`, changes nothing.

use super::{str_of, string_map, Reply};
use crate::emulator::store::Store;
use crate::emulator::wire::ApiError;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const MAX_TAGS: usize = 50;

/// Keys starting with `aws:` are reserved for AWS.
pub(super) fn check_tag_keys<'a>(
    field: &str,
    keys: impl IntoIterator<Item = &'a String>,
) -> Result<(), ApiError> {
    for k in keys {
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(ApiError::field(
                field,
                format!(
                    "tag key '{k}' is invalid: keys starting with 'aws:' are reserved for AWS use"
                ),
            ));
        }
    }
    Ok(())
}

pub(super) fn tags_of<'a>(
    store: &'a Store,
    arn: &str,
) -> Result<&'a BTreeMap<String, String>, ApiError> {
    if let Some(r) = store.rooms.get(arn) {
        return Ok(&r.tags);
    }
    if let Some(lc) = store.logging_configurations.get(arn) {
        return Ok(&lc.tags);
    }
    Err(ApiError::not_found("Resource", arn))
}

/// Tagging replaces values of existing keys and adds new ones; it does not
/// move updateTime.
pub(super) fn tag_resource(store: &mut Store, input: &Value) -> Result<Reply, ApiError> {
    let arn = str_of(input, "resourceArn");
    let new = string_map(input.get("tags"));
    check_tag_keys("tags", new.keys())?;
    let mut tags = tags_of(store, arn)?.clone();
    tags.extend(new);
    if tags.len() > MAX_TAGS {
        return Err(ApiError::field(
            "tags",
            format!(
                "a resource can have at most {MAX_TAGS} tags; this request would give it {}",
                tags.len()
            ),
        ));
    }
    store.set_tags(arn, tags);
    Ok(Reply::ok(json!({})))
}

pub(super) fn untag_resource(store: &mut Store, input: &Value) -> Result<Reply, ApiError> {
    let arn = str_of(input, "resourceArn");
    let keys: Vec<String> = input
        .get("tagKeys")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    check_tag_keys("tagKeys", keys.iter())?;
    let mut tags = tags_of(store, arn)?.clone();
    for k in &keys {
        tags.remove(k);
    }
    store.set_tags(arn, tags);
    Ok(Reply::ok(json!({})))
}
