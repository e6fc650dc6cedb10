//! Plans to render, built the real way: `plan::plan(desired, live, region)`
//! on plain data.

use crate::model::*;
use crate::plan::{plan, Plan};

use crate::fixtures::{d_lc, d_room, l_lc, l_room, recorded, tags, T1};
pub use crate::fixtures::{lc_arn, STACK};

const REGION: &str = "us-west-2";
const REVIEW: &str = "arn:aws:lambda:us-west-2:123456789012:function:review";

fn key(k: &str) -> LoggingConfigurationRef {
    LoggingConfigurationRef::Key(k.into())
}

fn run(d: &DesiredStack, l: &LiveState) -> Plan {
    plan(d, l, REGION).expect("plan")
}

/// One plan with every kind of change:
/// - `loggingConfigurations.archive`: create;
/// - `loggingConfigurations.keep`: no-op (shown only in JSON);
/// - `rooms.hall`: create, with a handler and references to a planned and a
///   live configuration;
/// - `rooms.lobby`: update with drift (rate edited in the console) and tags;
/// - `rooms.logged`: logging list change to a planned configuration and a
///   foreign ARN;
/// - `rooms.old`: delete;
/// - `rooms.review`: handler removal;
/// - `rooms.tagged`: tag-only update (an `aws:` tag is left alone);
/// - `rooms.vip`: blocked delete (protected).
pub fn everything() -> Plan {
    let shared = {
        let mut lc = l_lc("SHAREDSHARED", "shared", "other-team-logs");
        lc.tags = tags(&[(TAG_STACK, "other-stack"), (TAG_KEY, "shared")]);
        lc
    };
    let mut d = DesiredStack {
        stack: STACK.into(),
        ..Default::default()
    };
    d.logging_configurations
        .insert("archive".into(), d_lc("archive", "my-chat-logs"));
    d.logging_configurations
        .insert("keep".into(), d_lc("keep", "kept-logs"));

    let mut hall = d_room("hall");
    hall.maximum_message_length = 200;
    hall.message_review_handler = Some(MessageReviewHandler {
        uri: REVIEW.into(),
        fallback_result: FallbackResult::Deny,
    });
    hall.logging_configurations = vec![key("archive"), key("keep")];
    hall.tags = tags(&[("env", "prod")]);
    d.rooms.insert("hall".into(), hall);

    let mut lobby = d_room("lobby");
    lobby.tags = tags(&[("env", "prod"), ("new", "1")]);
    d.rooms.insert("lobby".into(), lobby);
    let mut live_lobby = l_room("AbCdEfGhIjKl", "lobby");
    live_lobby.maximum_message_rate_per_second = Some(50);
    live_lobby.update_time = T1.into();
    live_lobby
        .tags
        .extend(tags(&[("env", "dev"), ("stray", "x")]));

    let mut logged = d_room("logged");
    logged.logging_configurations = vec![
        key("archive"),
        LoggingConfigurationRef::Arn(shared.arn.clone()),
    ];
    d.rooms.insert("logged".into(), logged);
    let mut live_logged = l_room("LoGgEdLoGgEd", "logged");
    live_logged.logging_configuration_arns = vec![lc_arn("KEEPKEEPKEEP")];
    let live_logged = recorded(live_logged);

    d.rooms.insert("review".into(), d_room("review"));
    let mut live_review = l_room("ReViEwReViEw", "review");
    live_review.message_review_handler = Some(MessageReviewHandler {
        uri: REVIEW.into(),
        fallback_result: FallbackResult::Allow,
    });
    let live_review = recorded(live_review);

    let mut tagged = d_room("tagged");
    tagged.tags = tags(&[("cost-center", "42")]);
    d.rooms.insert("tagged".into(), tagged);
    let mut live_tagged = l_room("TaGgEdTaGgEd", "tagged");
    live_tagged
        .tags
        .insert("aws:cloudformation:stack-name".into(), "legacy".into());
    let live_tagged = recorded(live_tagged);

    let mut live_vip = l_room("VipVipVipVip", "vip");
    live_vip.tags.insert(TAG_PROTECT.into(), "true".into());
    let live_vip = recorded(live_vip);

    let live = LiveState {
        logging_configurations: vec![l_lc("KEEPKEEPKEEP", "keep", "kept-logs"), shared],
        rooms: vec![
            live_lobby,
            live_logged,
            l_room("OlDoLdOlDoLd", "old"),
            live_review,
            live_tagged,
            live_vip,
        ],
    };
    run(&d, &live)
}

/// A manifest the account already matches.
pub fn no_changes() -> Plan {
    let mut d = DesiredStack {
        stack: STACK.into(),
        ..Default::default()
    };
    d.logging_configurations
        .insert("keep".into(), d_lc("keep", "kept-logs"));
    let mut lobby = d_room("lobby");
    lobby.logging_configurations = vec![key("keep")];
    d.rooms.insert("lobby".into(), lobby);
    let mut live_lobby = l_room("AbCdEfGhIjKl", "lobby");
    live_lobby.logging_configuration_arns = vec![lc_arn("KEEPKEEPKEEP")];
    let live = LiveState {
        logging_configurations: vec![l_lc("KEEPKEEPKEEP", "keep", "kept-logs")],
        rooms: vec![recorded(live_lobby)],
    };
    run(&d, &live)
}

/// A tag-only update whose live tag value carries a terminal escape and a
/// newline (set outside ivsctl), and whose key carries a `|`.
pub fn hostile_tags() -> Plan {
    let mut d = DesiredStack {
        stack: STACK.into(),
        ..Default::default()
    };
    d.rooms.insert("lobby".into(), d_room("lobby"));
    let mut live_lobby = l_room("AbCdEfGhIjKl", "lobby");
    live_lobby
        .tags
        .insert("a|b".into(), "\u{1b}[31mred\nline".into());
    run(
        &d,
        &LiveState {
            rooms: vec![live_lobby],
            ..Default::default()
        },
    )
}

/// The example of docs/plan-format.md (and of the product brief): a create,
/// an update with drift and tag changes, a delete and a blocked delete.
pub fn example() -> Plan {
    let mut d = DesiredStack {
        stack: STACK.into(),
        ..Default::default()
    };
    d.logging_configurations
        .insert("archive".into(), d_lc("archive", "my-chat-logs"));
    let mut lobby = d_room("lobby");
    lobby.tags = tags(&[("env", "prod"), ("new", "1")]);
    d.rooms.insert("lobby".into(), lobby);
    let mut live_lobby = l_room("AbCdEfGhIjKl", "lobby");
    live_lobby.maximum_message_rate_per_second = Some(50);
    live_lobby.update_time = T1.into();
    live_lobby
        .tags
        .extend(tags(&[("env", "dev"), ("stray", "x")]));
    let mut live_vip = l_room("VipVipVipVip", "vip");
    live_vip.tags.insert(TAG_PROTECT.into(), "true".into());
    let live_vip = recorded(live_vip);
    let live = LiveState {
        rooms: vec![live_lobby, l_room("OlDoLdOlDoLd", "old"), live_vip],
        ..Default::default()
    };
    run(&d, &live)
}

/// A plan for apply reports with every kind of change and every outcome
/// (`tests::report::everything` says which entry does what):
/// - logging configurations: `archive` and `audit` created, `keep` no-op,
///   `legacy` and `old` deleted, `moved` updated (new bucket);
/// - rooms: `hall` created on `archive`, `vip` created on `audit`, `lobby`
///   updated (rate, and detached from `legacy`), `stage` updated (attached to
///   `audit`), `tagged` updated (tags only), `old` deleted.
pub fn apply_everything() -> Plan {
    let mut d = DesiredStack {
        stack: STACK.into(),
        ..Default::default()
    };
    for (k, bucket) in [
        ("archive", "my-chat-logs"),
        ("audit", "audit-logs"),
        ("keep", "kept-logs"),
        ("moved", "new-bucket"),
    ] {
        d.logging_configurations.insert(k.into(), d_lc(k, bucket));
    }
    let mut hall = d_room("hall");
    hall.logging_configurations = vec![key("archive")];
    d.rooms.insert("hall".into(), hall);
    let mut vip = d_room("vip");
    vip.logging_configurations = vec![key("audit")];
    d.rooms.insert("vip".into(), vip);
    d.rooms.insert("lobby".into(), d_room("lobby"));
    let mut stage = d_room("stage");
    stage.logging_configurations = vec![key("audit")];
    d.rooms.insert("stage".into(), stage);
    let mut tagged = d_room("tagged");
    tagged.tags = tags(&[("cost-center", "42")]);
    d.rooms.insert("tagged".into(), tagged);

    let mut live_lobby = l_room("AbCdEfGhIjKl", "lobby");
    live_lobby.maximum_message_rate_per_second = Some(50);
    live_lobby.logging_configuration_arns = vec![lc_arn("LeGaCyLeGaCy")];
    let live = LiveState {
        logging_configurations: vec![
            l_lc("KEEPKEEPKEEP", "keep", "kept-logs"),
            l_lc("LeGaCyLeGaCy", "legacy", "legacy-logs"),
            l_lc("MoVeDmOvEdMo", "moved", "old-bucket"),
            l_lc("OlDlCoLdLcOl", "old", "old-logs"),
        ],
        rooms: vec![
            live_lobby,
            l_room("OlDoLdOlDoLd", "old"),
            l_room("StAgEsTaGeSt", "stage"),
            l_room("TaGgEdTaGgEd", "tagged"),
        ],
    };
    run(&d, &live)
}

/// The apply example of docs/plan-format.md: `loggingConfigurations.archive`
/// and `rooms.hall` (which logs to it) created, `rooms.lobby` updated (its
/// rate set back to 10), `rooms.old` deleted.
pub fn apply_example() -> Plan {
    let mut d = DesiredStack {
        stack: STACK.into(),
        ..Default::default()
    };
    d.logging_configurations
        .insert("archive".into(), d_lc("archive", "my-chat-logs"));
    let mut hall = d_room("hall");
    hall.logging_configurations = vec![key("archive")];
    d.rooms.insert("hall".into(), hall);
    d.rooms.insert("lobby".into(), d_room("lobby"));
    let mut live_lobby = l_room("AbCdEfGhIjKl", "lobby");
    live_lobby.maximum_message_rate_per_second = Some(50);
    let live = LiveState {
        rooms: vec![live_lobby, l_room("OlDoLdOlDoLd", "old")],
        ..Default::default()
    };
    run(&d, &live)
}
