//! `ivsctl export` through the real binary against the in-process emulator:
//! an exported stack plans as no changes; several stacks need a choice or a
//! directory; nothing owned points to `import`.

mod common;

use common::plan::{owned_room, plan_doc};
use common::TestContext;
use serde_json::json;

/// tests/plan/rich-seed.yaml: a stack `rich` using every field, another
/// stack, an unowned room.
fn seed_rich(ctx: &TestContext) {
    ctx.set_stack("rich");
    ctx.seed(&serde_yaml::from_str(include_str!("plan/rich-seed.yaml")).unwrap());
}

#[test]
fn export_of_a_rich_stack_plans_as_no_changes() {
    let ctx = TestContext::new();
    seed_rich(&ctx);
    ctx.reset_log();
    let export = ctx.ivsctl("export --stack rich");
    // Ownership tags are not user tags; protection is exported; only the
    // stack asked for.
    export
        .success()
        .stdout_contains("stack: rich")
        .stdout_lacks("ivsctl:")
        .stdout_contains("protect: true");
    export
        .stdout_lacks("stack: other")
        .stdout_lacks("other-logs");
    ctx.assert_reads_only("export");
    let m = ctx.file("rich.yaml", &export.stdout);
    ctx.ivsctl(&format!("validate -f {m}"))
        .success()
        .stdout_contains("stack rich, 3 logging configurations, 4 rooms");
    ctx.reset_log();
    ctx.assert_no_changes(&m);
    // Every resource of the stack, as a no-op.
    let doc = plan_doc(&ctx, &m, 0);
    assert_eq!(
        doc["resource_changes"].as_array().unwrap().len(),
        7,
        "{doc:#}"
    );
    assert!(doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["action"] == "no-op"));
    ctx.assert_reads_only("plan of the export");
}

#[test]
fn export_of_several_stacks_needs_a_choice_or_a_directory() {
    let ctx = TestContext::new();
    seed_rich(&ctx);
    ctx.reset_log();
    // Two stacks and no --stack: the error names both and how to choose.
    ctx.ivsctl("export")
        .failure()
        .stderr_names(&["rich", "other", "--stack", "--output-dir"])
        .stdout_empty();
    ctx.ivsctl("export --output-dir stacks").success();
    let mut written: Vec<String> = std::fs::read_dir(ctx.dir().join("stacks"))
        .expect("the directory exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, ["other.yaml", "rich.yaml"]);
    for name in &written {
        ctx.assert_no_changes(&format!("stacks/{name}"));
    }
    ctx.assert_reads_only("export --output-dir");
}

#[test]
fn export_without_owned_resources_points_to_import() {
    // An empty account, then one with unmanaged resources only.
    let ctx = TestContext::new();
    ctx.ivsctl("export").failure().stderr_contains("import");
    ctx.room(json!({"name": "unmanaged", "tags": {"team": "video"}}));
    ctx.lc(json!({"name": "unmanaged-lc", "destination": {"s3": {"bucketName": "bbb"}}}));
    ctx.reset_log();
    ctx.ivsctl("export")
        .failure()
        .stderr_contains("import")
        .stdout_empty();
    ctx.assert_reads_only("export");
}

#[test]
fn export_of_a_stack_with_no_resources_is_an_error() {
    let ctx = TestContext::new();
    owned_room(&ctx, "real", "lobby");
    ctx.room(json!({"name": "unmanaged"}));
    ctx.ivsctl("export --stack typo")
        .failure()
        .stderr_names(&["typo", "import"]);
}
