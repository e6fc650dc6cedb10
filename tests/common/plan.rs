//! Helpers of the plan suites (cli_plan, cli_plan_reads, cli_export,
//! cli_validate): ownership tags, owned rooms, and reading the JSON plan.

use super::TestContext;
use serde_json::{json, Value};

/// The ownership tags of `stack`/`key` plus `extra`.
pub fn owned(stack: &str, key: &str, extra: &[(&str, &str)]) -> Value {
    let mut tags = json!({"ivsctl:stack": stack, "ivsctl:key": key});
    for (k, v) in extra {
        tags[*k] = json!(v);
    }
    tags
}

/// A context whose `chat.yaml` holds `manifest`; its path.
pub fn with_manifest(manifest: &str) -> (TestContext, String) {
    let ctx = TestContext::new();
    let m = ctx.file("chat.yaml", manifest);
    (ctx, m)
}

/// A room named `key`, owned by `stack` as `key`; its ARN.
pub fn owned_room(ctx: &TestContext, stack: &str, key: &str) -> String {
    ctx.room(json!({"name": key, "tags": owned(stack, key, &[])}))
}

/// The resource change at `address`.
pub fn change<'a>(doc: &'a Value, address: &str) -> &'a Value {
    let changes = doc["resource_changes"]
        .as_array()
        .expect("resource_changes");
    let found = changes.iter().find(|c| c["address"] == address);
    found.unwrap_or_else(|| panic!("no resource change for {address} in\n{doc:#}"))
}

/// `address: action`, one line each.
pub fn actions(doc: &Value) -> String {
    let changes = doc["resource_changes"]
        .as_array()
        .expect("resource_changes");
    let lines: Vec<String> = changes
        .iter()
        .map(|c| {
            format!(
                "{}: {}",
                c["address"].as_str().unwrap(),
                c["action"].as_str().unwrap()
            )
        })
        .collect();
    lines.join("\n")
}

/// `plan --format json --detailed-exitcode`, which must exit `code`, parsed.
#[track_caller]
pub fn plan_doc(ctx: &TestContext, file: &str, code: i32) -> Value {
    let out = ctx.ivsctl(&format!("plan -f {file} --format json --detailed-exitcode"));
    out.code(code).json()
}
