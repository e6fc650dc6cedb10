//! Imports, moves, the renamed-stack warning, and references to other
//! stacks: the parts of a plan that cross ownership.

use super::*;
use super::{d_lc, l_lc};
use crate::fixtures::{d_room, desired, l_room, recorded, room_arn, tags, STACK};
use crate::model::*;
use crate::plan::{plan_in_run, Action, Adoption, Op, Run};
use crate::record::TAG_APPLIED;

fn unowned(id: &str, name: &str) -> LiveRoom {
    let mut r = l_room(id, name);
    r.tags = Tags::new();
    r
}

fn tag_changes(c: &crate::plan::ResourceChange) -> Vec<String> {
    c.changes
        .iter()
        .filter(|f| f.field.starts_with("tags."))
        .map(|f| format!("{} {} -> {}", f.field, f.before, f.after))
        .collect()
}

#[test]
fn an_import_adopts_an_unowned_resource_with_tag_writes_and_its_field_changes() {
    let mut d = desired();
    let mut r = d_room("lobby");
    r.maximum_message_length = 200;
    r.import = Some(room_arn("UNOWNEDUNOWN"));
    d.rooms.insert("lobby".into(), r);
    let live = LiveState {
        rooms: vec![unowned("UNOWNEDUNOWN", "lobby")],
        ..Default::default()
    };
    let p = run(&d, &live);
    let c = only(&p);
    assert_eq!(c.action(), Action::Update);
    assert_eq!(
        c.arn(),
        Some(room_arn("UNOWNEDUNOWN").as_str()),
        "the ARN is kept"
    );
    assert_eq!(
        c.adoption,
        Some(Adoption::Import {
            arn: room_arn("UNOWNEDUNOWN")
        })
    );
    assert_eq!(fields(c)[0], "maximumMessageLength");
    assert_eq!(
        tag_changes(c),
        [
            "tags.ivsctl:key null -> \"lobby\"",
            format!("tags.ivsctl:stack null -> \"{STACK}\"").as_str()
        ]
    );
    assert!(!c.drift, "an import is not drift");
    assert_eq!(p.summary().import, 1);
    assert!(p.without_record.is_empty(), "the import writes the record");
    let Op::Update(u) = &c.op else { panic!() };
    assert!(u.record.is_some(), "written with the update");
}

#[test]
fn an_import_already_done_is_a_no_op_and_refusals_name_the_reason() {
    let mut d = desired();
    let mut r = d_room("lobby");
    r.import = Some(room_arn("AAAAAAAAAAAA"));
    d.rooms.insert("lobby".into(), r.clone());
    // Owned by this key already (imported by an earlier apply).
    let live = LiveState {
        rooms: vec![l_room("AAAAAAAAAAAA", "lobby")],
        ..Default::default()
    };
    assert!(!run(&d, &live).has_changes());
    // Another resource at this key.
    let live = LiveState {
        rooms: vec![
            l_room("BBBBBBBBBBBB", "lobby"),
            unowned("AAAAAAAAAAAA", "x"),
        ],
        ..Default::default()
    };
    assert!(matches!(
        plan(&d, &live, "us-west-2"),
        Err(PlanError::ImportConflict { .. })
    ));
    // Owned by another stack.
    let mut other = l_room("AAAAAAAAAAAA", "x");
    other.tags = tags(&[(TAG_STACK, "other"), (TAG_KEY, "x")]);
    let live = LiveState {
        rooms: vec![other],
        ..Default::default()
    };
    let err = plan(&d, &live, "us-west-2").unwrap_err();
    assert!(
        err.to_string().contains("stack other already owns"),
        "{err}"
    );
    // Not there.
    assert!(matches!(
        plan(&d, &LiveState::default(), "us-west-2"),
        Err(PlanError::ImportNotFound { .. })
    ));
}

#[test]
fn a_move_rewrites_the_key_tag_keeps_the_arn_and_is_not_drift() {
    let mut d = desired();
    let mut r = d_room("lobby");
    r.name = "old".into();
    d.rooms.insert("new".into(), r);
    d.moved = vec![Move::Address {
        from: Address::room("old"),
        to: Address::room("new"),
    }];
    let live = LiveState {
        rooms: vec![l_room("AAAAAAAAAAAA", "old")],
        ..Default::default()
    };
    let p = run(&d, &live);
    let c = only(&p);
    assert_eq!(c.address, Address::room("new"));
    assert_eq!(c.action(), Action::Update, "no delete, no create");
    assert_eq!(c.arn(), Some(room_arn("AAAAAAAAAAAA").as_str()));
    assert_eq!(tag_changes(c), ["tags.ivsctl:key \"old\" -> \"new\""]);
    assert!(!c.drift, "the record is read under the old address");
    assert_eq!(p.summary().moves, 1);
    let Op::Update(u) = &c.op else { panic!() };
    assert!(u.values.is_empty(), "tag writes only");
    assert!(u.tag.contains_key(TAG_APPLIED), "the record moves too");
    assert!(p.without_record.is_empty());
    // Once done, the entry is a no-op.
    let mut moved = l_room("AAAAAAAAAAAA", "new");
    moved.name = "old".into();
    let live = LiveState {
        rooms: vec![recorded(moved)],
        ..Default::default()
    };
    assert!(!run(&d, &live).has_changes());
}

#[test]
fn a_stack_rename_moves_with_from_stack_or_warns_without_it() {
    let mut d = desired();
    d.logging_configurations
        .insert("archive".into(), d_lc("archive"));
    d.rooms.insert("lobby".into(), d_room("lobby"));
    let mut lc = l_lc("LCLCLCLCLCLC", "archive");
    lc.tags = tags(&[(TAG_STACK, "old-name"), (TAG_KEY, "archive")]);
    let mut room = l_room("AAAAAAAAAAAA", "lobby");
    room.tags = tags(&[(TAG_STACK, "old-name"), (TAG_KEY, "lobby")]);
    let live = LiveState {
        logging_configurations: vec![crate::fixtures::recorded_lc(lc)],
        rooms: vec![recorded(room)],
    };
    // The record of a resource of stack old-name was written for old-name.
    let p = run(&d, &live);
    assert_eq!(p.summary().add, 2, "without moved: new resources");
    assert_eq!(p.warnings.len(), 1);
    assert!(
        p.warnings[0].contains("stack old-name owns 2 resources")
            && p.warnings[0].contains("moved: [{fromStack: old-name}]"),
        "{:?}",
        p.warnings
    );
    // Another environment of the same manifests names its resources apart:
    // no warning.
    let mut other_env = d.clone();
    for r in other_env.rooms.values_mut() {
        r.name = format!("{}-prod", r.name);
    }
    for l in other_env.logging_configurations.values_mut() {
        l.name = format!("{}-prod", l.name);
    }
    assert!(run(&other_env, &live).warnings.is_empty());
    d.moved = vec![Move::Stack {
        from_stack: "old-name".into(),
    }];
    let p = run(&d, &live);
    assert!(p.warnings.is_empty());
    assert_eq!(p.summary().moves, 2);
    assert_eq!(p.summary().add, 0);
    for c in &p.resource_changes {
        assert_eq!(
            tag_changes(c),
            [format!("tags.ivsctl:stack \"old-name\" -> \"{STACK}\"")],
            "{c:?}"
        );
        assert!(!c.drift);
    }
}

#[test]
fn a_reference_to_another_stack_resolves_or_waits_for_its_create_or_fails() {
    let mut d = desired();
    let mut r = d_room("lobby");
    r.logging_configurations = vec![LoggingConfigurationRef::Stack {
        stack: "shared".into(),
        key: "archive".into(),
    }];
    d.rooms.insert("lobby".into(), r);
    // Live, owned by stack shared: resolved to its ARN.
    let mut lc = l_lc("SHAREDSHARED", "archive");
    lc.tags = tags(&[(TAG_STACK, "shared"), (TAG_KEY, "archive")]);
    let live = LiveState {
        logging_configurations: vec![lc.clone()],
        ..Default::default()
    };
    let p = run(&d, &live);
    assert_eq!(
        only(&p).changes[0..1]
            .iter()
            .map(|f| f.field.as_str())
            .collect::<Vec<_>>(),
        ["name"]
    );
    let Op::Create(c) = &only(&p).op else {
        panic!()
    };
    assert_eq!(
        c.values[&crate::schema::Field::LoggingConfigurations],
        crate::schema::Value::Refs(vec![LoggingConfigurationRef::Arn(lc.arn.clone())])
    );
    assert!(p.resource_changes.iter().all(|c| c.depends_on.is_empty()));
    // Not live, but created by stack shared in this run: waits for it.
    let run_ctx = Run {
        creates: [StackAddress::new(
            "shared",
            Address::logging_configuration("archive"),
        )]
        .into(),
        ..Default::default()
    };
    let p = plan_in_run(&d, &LiveState::default(), "us-west-2", &run_ctx).unwrap();
    assert_eq!(
        only(&p).depends_on,
        [StackAddress::new(
            "shared",
            Address::logging_configuration("archive")
        )]
    );
    // Neither: an error naming the reference.
    let err = plan(&d, &LiveState::default(), "us-west-2").unwrap_err();
    assert!(
        matches!(&err, PlanError::UnknownStackReference { stack, key, .. } if stack == "shared" && key == "archive"),
        "{err}"
    );
}

#[test]
fn the_owner_cannot_delete_a_configuration_another_stack_of_the_run_references() {
    // Stack prod-chat drops `archive`, which stack edge's room references.
    let d = desired();
    let live = LiveState {
        logging_configurations: vec![l_lc("LCLCLCLCLCLC", "archive")],
        ..Default::default()
    };
    let run_ctx = Run {
        references: [(
            StackAddress::new(STACK, Address::logging_configuration("archive")),
            StackAddress::new("edge", Address::room("lobby")),
        )]
        .into(),
        ..Default::default()
    };
    let p = plan_in_run(&d, &live, "us-west-2", &run_ctx).unwrap();
    let b = only(&p).blocked.as_ref().expect("blocked");
    assert!(b.reason.contains("edge/rooms.lobby"), "{b:?}");
}

/// Stack `a` owns rooms.lobby; stack `b` of the same run says
/// `moved: [{fromStack: a}]` and declares lobby.
fn moving_between_stacks() -> (DesiredStack, DesiredStack, LiveState) {
    let mut a = desired();
    a.stack = "a".into();
    let mut b = desired();
    b.stack = "b".into();
    b.rooms.insert("lobby".into(), d_room("lobby"));
    b.moved = vec![Move::Stack {
        from_stack: "a".into(),
    }];
    let mut room = l_room("AAAAAAAAAAAA", "lobby");
    room.tags = tags(&[(TAG_STACK, "a"), (TAG_KEY, "lobby")]);
    let live = LiveState {
        logging_configurations: vec![],
        rooms: vec![recorded(room)],
    };
    (a, b, live)
}

#[test]
fn a_resource_moved_between_two_stacks_of_a_run_is_moved_not_deleted() {
    let (a, b, live) = moving_between_stacks();
    let run_ctx = Run::of(&[&a, &b], &live);
    let pa = plan_in_run(&a, &live, "us-west-2", &run_ctx).unwrap();
    let pb = plan_in_run(&b, &live, "us-west-2", &run_ctx).unwrap();
    assert!(pa.resource_changes.is_empty(), "{:?}", pa.resource_changes);
    assert!(only(&pb).is_move());
    crate::plan::check_claims([&pa, &pb]).unwrap();
    // Planned alone, stack a deletes it (b is not there to take it).
    let alone = plan(&a, &live, "us-west-2").unwrap();
    assert_eq!(only(&alone).action(), Action::Delete);
}

#[test]
fn two_stacks_of_a_run_claiming_one_resource_is_an_error() {
    // a still declares lobby while b moves it in.
    let (mut a, b, live) = moving_between_stacks();
    a.rooms.insert("lobby".into(), d_room("lobby"));
    let run_ctx = Run::of(&[&a, &b], &live);
    let pa = plan_in_run(&a, &live, "us-west-2", &run_ctx).unwrap();
    let pb = plan_in_run(&b, &live, "us-west-2", &run_ctx).unwrap();
    let kept: Vec<Action> = pa.resource_changes.iter().map(|c| c.action()).collect();
    assert_eq!(kept, [Action::NoOp], "a keeps it");
    let err = crate::plan::check_claims([&pa, &pb]).unwrap_err();
    assert!(
        matches!(&err, PlanError::ClaimedByTwoStacks { arn, first, second }
            if arn == &room_arn("AAAAAAAAAAAA")
                && first.to_string() == "a/rooms.lobby"
                && second.to_string() == "b/rooms.lobby"),
        "{err:?}"
    );
    // Two stacks both moving it in from a third.
    let (_, b, live) = moving_between_stacks();
    let mut c = b.clone();
    c.stack = "c".into();
    let run_ctx = Run::of(&[&b, &c], &live);
    let pb = plan_in_run(&b, &live, "us-west-2", &run_ctx).unwrap();
    let pc = plan_in_run(&c, &live, "us-west-2", &run_ctx).unwrap();
    let err = crate::plan::check_claims([&pb, &pc]).unwrap_err();
    assert!(
        err.to_string()
            .contains("claimed by two stacks of this run: b/rooms.lobby and c/rooms.lobby"),
        "{err}"
    );
}
