//! The JSON format: snapshots, and exactly the documented keys.

use super::{fixtures, render};
use crate::render::Format;
use serde_json::Value;
use std::collections::BTreeSet;

fn json(plan: &crate::plan::Plan) -> Value {
    let text = render(plan, Format::Json, false);
    assert!(text.ends_with("}\n"), "one document and a newline");
    serde_json::from_str(&text).expect("valid JSON")
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(ks: &[&'a str]) -> BTreeSet<&'a str> {
    ks.iter().copied().collect()
}

#[test]
fn snapshot_every_kind_of_change() {
    let text = render(&fixtures::everything(), Format::Json, false);
    insta::assert_snapshot!("json_everything", text);
}

#[test]
fn snapshot_no_changes() {
    let text = render(&fixtures::no_changes(), Format::Json, false);
    insta::assert_snapshot!("json_no_changes", text);
}

#[test]
fn has_exactly_the_documented_keys() {
    let doc = json(&fixtures::everything());
    assert_eq!(
        keys(&doc),
        set(&[
            "format_version",
            "stack",
            "region",
            "summary",
            "resource_changes",
            "without_record",
            "warnings"
        ])
    );
    assert_eq!(doc["format_version"], "1");
    assert_eq!(
        keys(&doc["summary"]),
        set(&["add", "change", "destroy", "import", "move"])
    );
    let base = [
        "address", "type", "key", "action", "arn", "changes", "drift",
    ];
    for c in doc["resource_changes"].as_array().unwrap() {
        let mut want = set(&base);
        if c["action"] == "delete" && c["key"] == "vip" {
            want.insert("blocked");
            assert_eq!(keys(&c["blocked"]), set(&["reason", "unblock"]));
        }
        assert_eq!(keys(c), want, "{c}");
        for f in c["changes"].as_array().unwrap() {
            assert_eq!(keys(f), set(&["field", "before", "after", "drift"]));
        }
    }
    let text = doc.to_string();
    for internal in ["\"write\"", "\"observed\"", "\"tags\"", "\"set\""] {
        assert!(!text.contains(internal), "{internal} leaked");
    }
}

#[test]
fn values_follow_the_contract() {
    let doc = json(&fixtures::everything());
    assert_eq!(
        doc["summary"],
        serde_json::json!({"add": 2, "change": 4, "destroy": 2, "import": 0, "move": 0})
    );
    let changes = doc["resource_changes"].as_array().unwrap();
    let by = |address: &str| {
        changes
            .iter()
            .find(|c| c["address"] == address)
            .unwrap_or_else(|| panic!("{address}"))
    };
    let keep = by("loggingConfigurations.keep");
    assert_eq!(keep["action"], "no-op", "no-ops are included");
    assert_eq!(keep["changes"], serde_json::json!([]));
    let archive = by("loggingConfigurations.archive");
    assert_eq!(
        (&archive["action"], &archive["arn"], &archive["type"]),
        (
            &Value::from("create"),
            &Value::Null,
            &Value::from("loggingConfiguration")
        )
    );
    let lobby = by("rooms.lobby");
    assert_eq!(
        (&lobby["type"], &lobby["drift"]),
        (&Value::from("room"), &Value::Bool(true))
    );
    assert!(lobby["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["field"] == "tags.stray" && f["after"].is_null()));
    // JSON keeps raw values: references stay ARNs or planned addresses.
    let logged = by("rooms.logged");
    assert_eq!(
        logged["changes"][0]["before"],
        serde_json::json!([fixtures::lc_arn("KEEPKEEPKEEP")])
    );
}

#[test]
fn no_changes_has_zero_summary_and_no_op_resources() {
    let doc = json(&fixtures::no_changes());
    assert_eq!(
        doc["summary"],
        serde_json::json!({"add": 0, "change": 0, "destroy": 0, "import": 0, "move": 0})
    );
    let actions: Vec<&Value> = doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["action"])
        .collect();
    assert_eq!(actions, [&Value::from("no-op"), &Value::from("no-op")]);
}
