//! Each field and tag: create, update, no-op, drift.

use super::*;
use crate::fixtures::{d_room, desired, l_room, lc_arn, tags, STACK, T1};
use crate::model::*;
use crate::plan::{Action, Op, Summary};
use crate::schema::{Field, Value};
use serde_json::json;

#[test]
fn create_room_carries_every_field_and_tags() {
    let mut d = desired();
    d.tags = tags(&[("team", "video"), ("env", "stack")]);
    let mut r = d_room("lobby");
    r.tags = tags(&[("env", "prod")]);
    r.protect = true;
    d.rooms.insert("lobby".into(), r);
    let p = run(&d, &LiveState::default());
    let c = only(&p);
    assert_eq!(
        (c.action(), c.address.to_string().as_str(), c.arn()),
        (Action::Create, "rooms.lobby", None)
    );
    let Op::Create(create) = &c.op else {
        panic!("{:?}", c.op)
    };
    assert_eq!(create.values[&Field::Name], Value::Text("lobby".into()));
    assert_eq!(
        (
            &create.values[&Field::MaximumMessageLength],
            &create.values[&Field::MaximumMessageRatePerSecond]
        ),
        (&Value::Int(500), &Value::Int(10))
    );
    assert_eq!(
        set_tags(c),
        tags(&[
            ("env", "prod"),
            ("team", "video"),
            (TAG_STACK, STACK),
            (TAG_KEY, "lobby"),
            (TAG_PROTECT, "true")
        ])
    );
    assert!(removed_tags(c).is_empty());
    assert_eq!(
        p.summary(),
        Summary {
            add: 1,
            change: 0,
            destroy: 0,
            ..Default::default()
        }
    );
    assert!(!c.drift);
}

#[test]
fn matching_room_is_a_no_op() {
    let mut d = desired();
    d.rooms.insert("lobby".into(), d_room("lobby"));
    let live = LiveState {
        rooms: vec![l_room("AAAAAAAAAAAA", "lobby")],
        ..Default::default()
    };
    let p = run(&d, &live);
    assert_eq!(p.resource_changes.len(), 1);
    assert_eq!(p.resource_changes[0].action(), Action::NoOp);
    assert!(!p.has_changes());
    assert_eq!(p.resource_changes[0].observed, None);
}

#[test]
fn each_room_field_updates_alone() {
    type Edit = fn(&mut DesiredRoom);
    let cases: Vec<(&str, Edit, serde_json::Value, serde_json::Value)> = vec![
        (
            "name",
            |r| r.name = "hall".into(),
            json!("lobby"),
            json!("hall"),
        ),
        (
            "maximumMessageLength",
            |r| r.maximum_message_length = 200,
            json!(500),
            json!(200),
        ),
        (
            "maximumMessageRatePerSecond",
            |r| r.maximum_message_rate_per_second = 5,
            json!(10),
            json!(5),
        ),
    ];
    for (field, edit, before, after) in cases {
        let mut r = d_room("lobby");
        edit(&mut r);
        let mut d = desired();
        d.rooms.insert("lobby".into(), r);
        let live = LiveState {
            rooms: vec![l_room("AAAAAAAAAAAA", "lobby")],
            ..Default::default()
        };
        let p = run(&d, &live);
        let c = only(&p);
        assert_eq!(c.action(), Action::Update);
        assert_eq!(fields(c), [field]);
        assert_eq!(
            (&c.changes[0].before, &c.changes[0].after),
            (&before, &after)
        );
        assert_eq!(
            sent(c).keys().map(|f| f.name()).collect::<Vec<_>>(),
            [field],
            "only the changed field is sent"
        );
        assert!(set_tags(c).is_empty() && removed_tags(c).is_empty());
        assert!(
            !c.drift,
            "a fresh resource's difference comes from the manifest"
        );
        assert!(c.observed.is_some());
    }
}

fn handler(uri: &str, fallback: FallbackResult) -> MessageReviewHandler {
    MessageReviewHandler {
        uri: uri.into(),
        fallback_result: fallback,
    }
}

#[test]
fn handler_added_changed_removed() {
    let uri = "arn:aws:lambda:us-west-2:123456789012:function:review";
    let live_plain = l_room("AAAAAAAAAAAA", "lobby");
    let mut live_with = live_plain.clone();
    live_with.message_review_handler = Some(handler(uri, FallbackResult::Allow));

    // Added.
    let mut r = d_room("lobby");
    r.message_review_handler = Some(handler(uri, FallbackResult::Allow));
    let mut d = desired();
    d.rooms.insert("lobby".into(), r.clone());
    let p = run(
        &d,
        &LiveState {
            rooms: vec![live_plain.clone()],
            ..Default::default()
        },
    );
    let c = only(&p);
    assert_eq!(c.changes[0].before, serde_json::Value::Null);
    assert_eq!(
        c.changes[0].after,
        json!({"uri": uri, "fallbackResult": "ALLOW"})
    );
    assert_eq!(
        sent(c)[&Field::MessageReviewHandler],
        Value::Handler(Some(handler(uri, FallbackResult::Allow)))
    );

    // Changed (fallback only).
    let mut r2 = r.clone();
    r2.message_review_handler = Some(handler(uri, FallbackResult::Deny));
    d.rooms.insert("lobby".into(), r2);
    let p = run(
        &d,
        &LiveState {
            rooms: vec![live_with.clone()],
            ..Default::default()
        },
    );
    assert_eq!(only(&p).changes[0].after["fallbackResult"], "DENY");

    // Removed: cleared with an empty uri (Some(None)).
    d.rooms.insert("lobby".into(), d_room("lobby"));
    let p = run(
        &d,
        &LiveState {
            rooms: vec![live_with],
            ..Default::default()
        },
    );
    let c = only(&p);
    assert_eq!(c.changes[0].after, serde_json::Value::Null);
    // Sent as "no handler" (an empty uri), distinct from "no change".
    assert_eq!(sent(c)[&Field::MessageReviewHandler], Value::Handler(None));
}

#[test]
fn logging_list_is_a_set() {
    let (a, b) = (l_lc("LCAAAAAAAAAA", "a"), l_lc("LCBBBBBBBBBB", "b"));
    let mut r = d_room("lobby");
    r.logging_configurations = vec![
        LoggingConfigurationRef::Key("a".into()),
        LoggingConfigurationRef::Key("b".into()),
    ];
    let mut d = desired();
    d.logging_configurations.insert("a".into(), d_lc("a"));
    d.logging_configurations.insert("b".into(), d_lc("b"));
    d.rooms.insert("lobby".into(), r);
    let mut lr = l_room("AAAAAAAAAAAA", "lobby");
    lr.logging_configuration_arns = vec![b.arn.clone(), a.arn.clone()]; // other order
    let lr = crate::fixtures::recorded(lr);
    let live = LiveState {
        rooms: vec![lr.clone()],
        logging_configurations: vec![a.clone(), b.clone()],
    };
    assert!(
        !run(&d, &live).has_changes(),
        "order-only difference is a no-op"
    );

    // Referencing by ARN is the same reference.
    d.rooms.get_mut("lobby").unwrap().logging_configurations = vec![
        LoggingConfigurationRef::Arn(a.arn.clone()),
        LoggingConfigurationRef::Key("b".into()),
    ];
    assert!(!run(&d, &live).has_changes());

    // Emptied list: cleared with [].
    d.rooms.get_mut("lobby").unwrap().logging_configurations = vec![];
    let p = run(&d, &live);
    let c = only(&p);
    assert_eq!(fields(c), ["loggingConfigurations"]);
    assert_eq!(sent(c)[&Field::LoggingConfigurations], Value::Refs(vec![]));
}

#[test]
fn reference_to_a_configuration_created_in_the_same_plan() {
    let mut r = d_room("lobby");
    r.logging_configurations = vec![LoggingConfigurationRef::Key("archive".into())];
    let mut d = desired();
    d.logging_configurations
        .insert("archive".into(), d_lc("archive"));
    d.rooms.insert("lobby".into(), r);
    // Room exists without logging; the configuration is new.
    let live = LiveState {
        rooms: vec![l_room("AAAAAAAAAAAA", "lobby")],
        ..Default::default()
    };
    let p = run(&d, &live);
    assert_eq!(
        p.resource_changes[0].address,
        Address::logging_configuration("archive")
    );
    assert_eq!(p.resource_changes[0].action(), Action::Create);
    let room = &p.resource_changes[1];
    assert_eq!(
        sent(room)[&Field::LoggingConfigurations],
        Value::Refs(vec![LoggingConfigurationRef::Key("archive".into())])
    );
    assert_eq!(
        room.changes[0].after,
        json!(["loggingConfigurations.archive"])
    );
}

#[test]
fn unknown_arn_reference_is_an_error() {
    let mut r = d_room("lobby");
    r.logging_configurations = vec![LoggingConfigurationRef::Arn(lc_arn("NOPENOPENOPE"))];
    let mut d = desired();
    d.rooms.insert("lobby".into(), r);
    let err = plan(&d, &LiveState::default(), "us-west-2").unwrap_err();
    assert!(matches!(err, PlanError::UnknownLoggingConfiguration { .. }));
    assert!(err.to_string().contains("rooms.lobby"));
}

#[test]
fn tag_only_change_makes_no_update_call() {
    let mut d = desired();
    let mut r = d_room("lobby");
    r.tags = tags(&[("env", "prod"), ("new", "1")]);
    d.rooms.insert("lobby".into(), r);
    let mut lr = l_room("AAAAAAAAAAAA", "lobby");
    lr.tags.extend(tags(&[
        ("env", "dev"),
        ("stray", "x"),
        ("aws:cloudformation:stack-name", "s"),
    ]));
    // As ivsctl applied them (a manifest change, not drift).
    let lr = crate::fixtures::recorded(lr);
    let p = run(
        &d,
        &LiveState {
            rooms: vec![lr],
            ..Default::default()
        },
    );
    let c = only(&p);
    assert_eq!(c.action(), Action::Update);
    assert!(sent(c).is_empty(), "no Update call");
    assert_eq!(set_tags(c), tags(&[("env", "prod"), ("new", "1")]));
    assert_eq!(removed_tags(c), ["stray"]);
    assert_eq!(fields(c), ["tags.env", "tags.new", "tags.stray"]);
    assert!(!c.drift);
}

#[test]
fn protect_flag_is_a_tag() {
    let mut d = desired();
    let mut r = d_room("lobby");
    r.protect = true;
    d.rooms.insert("lobby".into(), r);
    let live = LiveState {
        rooms: vec![l_room("AAAAAAAAAAAA", "lobby")],
        ..Default::default()
    };
    let p = run(&d, &live);
    assert_eq!(set_tags(only(&p)), tags(&[(TAG_PROTECT, "true")]));
    // And back.
    d.rooms.get_mut("lobby").unwrap().protect = false;
    let mut lr = l_room("AAAAAAAAAAAA", "lobby");
    lr.tags.insert(TAG_PROTECT.into(), "true".into());
    let p = run(
        &d,
        &LiveState {
            rooms: vec![lr],
            ..Default::default()
        },
    );
    assert_eq!(removed_tags(only(&p)), [TAG_PROTECT]);
}

#[test]
fn drift_is_marked_on_resources_edited_after_creation() {
    let mut d = desired();
    d.rooms.insert("lobby".into(), d_room("lobby"));
    let mut lr = l_room("AAAAAAAAAAAA", "lobby");
    lr.maximum_message_rate_per_second = Some(50);
    lr.update_time = T1.into();
    let p = run(
        &d,
        &LiveState {
            rooms: vec![lr],
            ..Default::default()
        },
    );
    let c = only(&p);
    assert!(c.drift);
    assert_eq!(fields(c), ["maximumMessageRatePerSecond"]);
    assert_eq!(
        (&c.changes[0].before, &c.changes[0].after),
        (&json!(50), &json!(10))
    );
}
