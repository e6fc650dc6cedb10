//! Adoption, renames and forgetting through the real binary against the
//! emulator: `import:` and `moved:` in the manifest (tag writes only, the
//! ARN kept, then a no-op plan), `ivsctl forget`, and
//! `ivsctl export --unmanaged`.

mod common;

use common::TestContext;
use serde_json::json;

const STACK_ROOMS: &str =
    "version: 1\nstack: keep\nrooms:\n  lobby: {}\n  vip:\n    protect: true\n";

#[test]
fn forget_removes_only_ivsctls_tags_and_refuses_protected_ones_unless_forced() {
    let ctx = TestContext::new();
    let m = ctx.file("m.yaml", STACK_ROOMS);
    ctx.apply_ok(&m);
    let arns = ctx.owned("keep");
    let (lobby, vip) = (arns["rooms.lobby"].clone(), arns["rooms.vip"].clone());
    ctx.tag(&lobby, json!({"team": "video"}));

    // Protected: refused, nothing written.
    ctx.reset_log();
    ctx.ivsctl(&format!("forget -f {m} rooms.lobby rooms.vip"))
        .failure()
        .stderr_contains("rooms.vip is protected");
    ctx.assert_no_writes("forget refused");

    ctx.reset_log();
    let out = ctx.ivsctl(&format!("forget -f {m} rooms.lobby"));
    out.success()
        .stdout_contains(&format!("Forgot keep/rooms.lobby ({lobby})"))
        .stdout_contains("still in the manifest");
    // Both lists run concurrently (in either order), then one untag.
    let mut ops = ctx.ops();
    ops[..2].sort();
    assert_eq!(
        ops,
        ["ListLoggingConfigurations", "ListRooms", "UntagResource"]
    );
    let untag = &ctx.inputs("UntagResource")[0];
    let mut keys: Vec<&str> = untag["tagKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    keys.sort();
    assert_eq!(keys, ["ivsctl:applied", "ivsctl:key", "ivsctl:stack"]);
    let room = ctx
        .emu
        .block_on(ctx.sdk.get_room().identifier(&lobby).send())
        .expect("the room is still there");
    assert_eq!(
        room.tags().unwrap().keys().collect::<Vec<_>>(),
        ["team"],
        "the user's tags stay"
    );

    // Forced: the protected one goes too, ivsctl:protect included.
    ctx.reset_log();
    ctx.ivsctl(&format!("forget -f {m} rooms.vip --force"))
        .success();
    let untag = &ctx.inputs("UntagResource")[0];
    assert_eq!(untag["resourceArn"], json!(vip));
    assert!(untag["tagKeys"]
        .as_array()
        .unwrap()
        .contains(&json!("ivsctl:protect")));
    assert!(ctx.owned("keep").is_empty());

    // Unknown and malformed addresses.
    ctx.ivsctl(&format!("forget -f {m} rooms.lobby"))
        .failure()
        .stderr_contains("does not exist");
    ctx.ivsctl(&format!("forget -f {m} lobby"))
        .failure()
        .stderr_contains("not a resource address");
}
