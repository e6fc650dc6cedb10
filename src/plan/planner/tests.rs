//! Planner unit tests on plain data: every field and transition.

use super::*;
use crate::model::*;
use crate::plan::{Action, Op, Plan, ResourceChange, Summary};
use crate::schema::{Field, Value};
use serde_json::json;

use crate::fixtures::{d_room, desired, l_room, lc_arn, room_arn, tags, STACK, T1};

fn d_lc(name: &str) -> DesiredLoggingConfiguration {
    crate::fixtures::d_lc(name, "chat-logs")
}

fn l_lc(id: &str, key: &str) -> LiveLoggingConfiguration {
    crate::fixtures::l_lc(id, key, "chat-logs")
}

fn run(d: &DesiredStack, l: &LiveState) -> Plan {
    plan(d, l, "us-west-2").expect("plan")
}

fn only(p: &Plan) -> &ResourceChange {
    let changed: Vec<&ResourceChange> = p
        .resource_changes
        .iter()
        .filter(|c| c.action() != Action::NoOp)
        .collect();
    assert_eq!(changed.len(), 1, "{:#?}", p.resource_changes);
    changed[0]
}

fn fields(c: &ResourceChange) -> Vec<&str> {
    c.changes.iter().map(|f| f.field.as_str()).collect()
}

/// The tags a change sets (all of a create's).
fn set_tags(c: &ResourceChange) -> Tags {
    match &c.op {
        Op::Create(create) => create.tags.clone(),
        Op::Update(u) => u.tag.clone(),
        _ => Tags::new(),
    }
}

fn removed_tags(c: &ResourceChange) -> Vec<String> {
    match &c.op {
        Op::Update(u) => u.untag.clone(),
        _ => vec![],
    }
}

/// The fields an update sends.
fn sent(c: &ResourceChange) -> &crate::schema::Values {
    let Op::Update(u) = &c.op else {
        panic!("an update: {:?}", c.op)
    };
    &u.values
}

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
            destroy: 0
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

#[test]
fn owned_resources_missing_from_the_manifest_are_deleted_rooms_after_configurations_listed() {
    let d = desired();
    let lc = l_lc("LCAAAAAAAAAA", "archive");
    let mut lr = l_room("AAAAAAAAAAAA", "old");
    lr.maximum_message_length = None; // deletes need no GetRoom
    lr.maximum_message_rate_per_second = None;
    lr.logging_configuration_arns = vec![lc.arn.clone()];
    let p = run(
        &d,
        &LiveState {
            rooms: vec![lr.clone()],
            logging_configurations: vec![lc.clone()],
        },
    );
    assert_eq!(
        p.summary(),
        Summary {
            add: 0,
            change: 0,
            destroy: 2
        }
    );
    let addrs: Vec<String> = p
        .resource_changes
        .iter()
        .map(|c| c.address.to_string())
        .collect();
    assert_eq!(addrs, ["loggingConfigurations.archive", "rooms.old"]);
    assert!(
        p.resource_changes.iter().all(|c| c.blocked.is_none()),
        "our room stops referencing it"
    );
    assert!(matches!(p.resource_changes[1].op, Op::Delete(_)));
    assert_eq!(p.resource_changes[1].observed.as_ref().unwrap().arn, lr.arn);
}

#[test]
fn protected_delete_is_blocked_but_shown() {
    let d = desired();
    let mut lr = l_room("AAAAAAAAAAAA", "vip");
    lr.tags.insert(TAG_PROTECT.into(), "true".into());
    let p = run(
        &d,
        &LiveState {
            rooms: vec![lr],
            ..Default::default()
        },
    );
    let c = only(&p);
    assert_eq!(c.action(), Action::Delete);
    let b = c.blocked.as_ref().unwrap();
    assert!(b.reason.contains("protected"));
    assert!(b.unblock.contains("protect: false"));
    assert_eq!(p.blocked().count(), 1);
}

#[test]
fn delete_of_configuration_used_by_a_foreign_room_is_blocked() {
    let d = desired();
    let lc = l_lc("LCAAAAAAAAAA", "archive");
    let mut foreign = l_room("FFFFFFFFFFFF", "x");
    foreign.tags = tags(&[(TAG_STACK, "other"), (TAG_KEY, "x")]);
    foreign.logging_configuration_arns = vec![lc.arn.clone()];
    let p = run(
        &d,
        &LiveState {
            rooms: vec![foreign.clone()],
            logging_configurations: vec![lc],
        },
    );
    let c = only(&p);
    assert!(c.blocked.as_ref().unwrap().reason.contains(&foreign.arn));
}

#[test]
fn unowned_and_foreign_resources_are_never_planned() {
    let d = desired();
    let mut unowned = l_room("UUUUUUUUUUUU", "x");
    unowned.tags = tags(&[("team", "video")]);
    let mut foreign = l_room("FFFFFFFFFFFF", "y");
    foreign.tags = tags(&[(TAG_STACK, "other-stack"), (TAG_KEY, "y")]);
    let mut half = l_room("HHHHHHHHHHHH", "z");
    half.tags = tags(&[(TAG_STACK, STACK)]); // no key: not a claim
    let mut lc = l_lc("LCAAAAAAAAAA", "a");
    lc.tags = Tags::new();
    let p = run(
        &d,
        &LiveState {
            rooms: vec![unowned, foreign, half],
            logging_configurations: vec![lc],
        },
    );
    assert!(p.resource_changes.is_empty());
}

#[test]
fn duplicate_claims_stop_the_plan_naming_both_arns() {
    let mut d = desired();
    d.rooms.insert("lobby".into(), d_room("lobby"));
    let live = LiveState {
        rooms: vec![
            l_room("AAAAAAAAAAAA", "lobby"),
            l_room("BBBBBBBBBBBB", "lobby"),
        ],
        ..Default::default()
    };
    let err = plan(&d, &live, "us-west-2").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&room_arn("AAAAAAAAAAAA")) && msg.contains(&room_arn("BBBBBBBBBBBB")),
        "{msg}"
    );
    assert!(msg.contains("rooms.lobby"));
}

#[test]
fn logging_configuration_fields_and_tags() {
    let mut d = desired();
    let mut want = d_lc("archive-2");
    want.destination = Destination::Firehose {
        delivery_stream_name: "stream".into(),
    };
    want.tags = tags(&[("cost", "42")]);
    d.logging_configurations.insert("archive".into(), want);
    let p = run(
        &d,
        &LiveState {
            logging_configurations: vec![l_lc("LCAAAAAAAAAA", "archive")],
            ..Default::default()
        },
    );
    let c = only(&p);
    assert_eq!(fields(c), ["name", "destination", "tags.cost"]);
    assert_eq!(
        c.changes[1].before,
        json!({"s3": {"bucketName": "chat-logs"}})
    );
    assert_eq!(
        c.changes[1].after,
        json!({"firehose": {"deliveryStreamName": "stream"}})
    );
    assert_eq!(sent(c)[&Field::Name], Value::Text("archive-2".into()));
    assert!(sent(c).contains_key(&Field::Destination));
}

#[test]
fn plan_is_deterministic_and_in_address_order() {
    let mut d = desired();
    for k in ["zeta", "alpha", "mid"] {
        d.rooms.insert(k.into(), d_room(k));
        d.logging_configurations.insert(k.into(), d_lc(k));
    }
    let a = run(&d, &LiveState::default());
    let b = run(&d, &LiveState::default());
    assert_eq!(a, b);
    let addrs: Vec<String> = a
        .resource_changes
        .iter()
        .map(|c| c.address.to_string())
        .collect();
    assert_eq!(
        addrs,
        [
            "loggingConfigurations.alpha",
            "loggingConfigurations.mid",
            "loggingConfigurations.zeta",
            "rooms.alpha",
            "rooms.mid",
            "rooms.zeta"
        ]
    );
}

#[test]
fn empty_manifest_deletes_every_owned_resource() {
    let live = LiveState {
        rooms: vec![l_room("AAAAAAAAAAAA", "a"), l_room("BBBBBBBBBBBB", "b")],
        logging_configurations: vec![l_lc("LCAAAAAAAAAA", "c")],
    };
    let p = run(&desired(), &live);
    assert_eq!(
        p.summary(),
        Summary {
            add: 0,
            change: 0,
            destroy: 3
        }
    );
}

#[test]
fn room_in_manifest_without_details_is_an_internal_error() {
    let mut d = desired();
    d.rooms.insert("lobby".into(), d_room("lobby"));
    let mut lr = l_room("AAAAAAAAAAAA", "lobby");
    lr.maximum_message_length = None;
    assert!(matches!(
        plan(
            &d,
            &LiveState {
                rooms: vec![lr],
                ..Default::default()
            },
            "us-west-2"
        ),
        Err(PlanError::RoomNotRead { .. })
    ));
}

#[test]
fn a_failed_configuration_the_manifest_keeps_stops_the_plan() {
    let mut d = desired();
    d.logging_configurations
        .insert("archive".into(), d_lc("archive"));
    let mut lc = l_lc("LCAAAAAAAAAA", "archive");
    lc.state = LoggingConfigurationState::CreateFailed;
    let live = LiveState {
        logging_configurations: vec![lc.clone()],
        ..Default::default()
    };
    let err = plan(&d, &live, "us-west-2").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("CREATE_FAILED")
            && msg.contains(&lc.arn)
            && miette::Diagnostic::help(&err)
                .is_some_and(|h| h.to_string().contains("delete-logging-configuration")),
        "{msg}"
    );
    // Leaving the manifest, it is simply deleted.
    let p = run(&desired(), &live);
    assert_eq!(only(&p).action(), Action::Delete);
    // A room referencing someone else's failed configuration by ARN: same stop.
    let mut foreign = lc.clone();
    foreign.tags = Tags::new();
    let mut r = d_room("lobby");
    r.logging_configurations = vec![LoggingConfigurationRef::Arn(foreign.arn.clone())];
    let mut d2 = desired();
    d2.rooms.insert("lobby".into(), r);
    let live2 = LiveState {
        logging_configurations: vec![foreign],
        ..Default::default()
    };
    assert!(matches!(
        plan(&d2, &live2, "us-west-2"),
        Err(PlanError::UnusableLoggingConfiguration { .. })
    ));
}

#[test]
fn room_writes_wait_for_existing_configurations_still_creating() {
    let mut d = desired();
    d.logging_configurations.insert("slow".into(), d_lc("slow"));
    d.logging_configurations.insert("busy".into(), {
        let mut l = d_lc("busy");
        l.destination = Destination::Firehose {
            delivery_stream_name: "s".into(),
        };
        l
    });
    let mut r = d_room("lobby");
    r.logging_configurations = vec![
        LoggingConfigurationRef::Key("slow".into()),
        LoggingConfigurationRef::Key("busy".into()),
    ];
    d.rooms.insert("lobby".into(), r);
    let mut slow = l_lc("LCSLOWSLOWSL", "slow");
    slow.state = LoggingConfigurationState::Creating;
    let mut busy = l_lc("LCBUSYBUSYBU", "busy");
    busy.state = LoggingConfigurationState::Updating;
    let live = LiveState {
        logging_configurations: vec![slow.clone(), busy],
        ..Default::default()
    };
    let p = run(&d, &live);
    let room = p
        .resource_changes
        .iter()
        .find(|c| c.address == Address::room("lobby"))
        .unwrap();
    // busy is updated by this plan (apply waits for it as a dependency); slow is not.
    assert_eq!(room.wait_for_active, [slow.arn.clone()]);
    // A room whose list does not change waits for nothing.
    let mut lr = l_room("AAAAAAAAAAAA", "lobby");
    lr.logging_configuration_arns = live
        .logging_configurations
        .iter()
        .map(|l| l.arn.clone())
        .collect();
    let live = LiveState {
        rooms: vec![lr],
        ..live
    };
    let p = run(&d, &live);
    assert!(p
        .resource_changes
        .iter()
        .all(|c| c.wait_for_active.is_empty()));
}
