//! Deletes, blocks, claims, failures and ordering of whole resources.

use super::*;
use crate::fixtures::{d_room, desired, l_room, room_arn, tags, STACK};
use crate::model::*;
use crate::plan::{Action, Op, Summary};
use crate::schema::{Field, Value};
use serde_json::json;

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
            destroy: 2,
            ..Default::default()
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
            destroy: 3,
            ..Default::default()
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
