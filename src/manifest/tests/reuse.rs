//! Rules of reuse and of several stacks: defaults, merges and aliases,
//! variables, `import`, `moved`, `STACK/KEY` references.

use super::super::{load_strs, load_workspace_strs, Vars};
use super::{errors, errors_of, ok, with};

fn codes(result: Result<super::super::Workspace, super::super::ManifestError>) -> Vec<String> {
    match result {
        Ok(ws) => panic!("expected errors, got {ws:#?}"),
        Err(e) => e.diagnostics().into_iter().map(|d| d.code).collect(),
    }
}

#[test]
fn a_default_destination_completes_logging_configurations() {
    let m = ok(&with(
        "defaults:\n  loggingConfigurations:\n    destination: {firehose: {deliveryStreamName: s}}\nloggingConfigurations:\n  a: {}\n  b: {destination: {s3: {bucketName: abc}}}\n",
    ));
    assert_eq!(
        m.desired.logging_configurations["a"]
            .destination
            .to_string(),
        "firehose delivery stream s"
    );
    assert_eq!(
        m.desired.logging_configurations["b"]
            .destination
            .to_string(),
        "s3 bucket abc"
    );
    // Written as null, a destination is missing whatever the defaults say.
    let all = errors(&with(
        "defaults:\n  loggingConfigurations:\n    destination: {firehose: {deliveryStreamName: s}}\nloggingConfigurations:\n  a: {destination: null}\n",
    ));
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(all[0].0.contains("has no `destination`"), "{all:#?}");
    // Defaults in another file of the stack count too.
    let a = "version: 1\nstack: s\ndefaults:\n  loggingConfigurations: {destination: {s3: {bucketName: abc}}}\n";
    let b = "version: 1\nstack: s\nloggingConfigurations:\n  x: {}\n";
    load_strs(&[("a.yaml", a), ("b.yaml", b)]).unwrap();
}

#[test]
fn the_same_variable_may_be_declared_with_the_same_default() {
    let a = "version: 1\nstack: s\nvars: {ENV: prod}\nrooms:\n  a: {name: \"a-${ENV}\"}\n";
    let b = "version: 1\nstack: s\nvars: {ENV: prod, X: ~}\nrooms:\n  b: {name: \"b-${ENV}\"}\n";
    let m = load_strs(&[("a.yaml", a), ("b.yaml", b)]).unwrap();
    assert_eq!(m.desired.rooms["b"].name, "b-prod");
}

#[test]
fn keys_are_not_substituted_and_x_keys_only_at_the_top() {
    let all = errors(&with("rooms:\n  ${ROOM}: {}\n  a:\n    x-note: 1\n"));
    assert_eq!(all.len(), 2, "{all:#?}");
    assert!(all[0].0.contains("invalid logical key"), "{all:#?}");
    assert!(
        all[1].0.contains("unknown field in rooms.a: `x-note`"),
        "{all:#?}"
    );
}

#[test]
fn an_unresolved_value_is_reported_once() {
    let ws = load_workspace_strs(
        &[(
            "a.yaml",
            "version: 1\nstack: ${S}\nrooms:\n  r:\n    maximumMessageLength: ${L}\n",
        )],
        &Vars::default(),
    );
    assert_eq!(
        codes(ws),
        ["manifest::unset_variable", "manifest::unset_variable"]
    );
}

#[test]
fn an_aliased_room_with_an_error_names_the_anchor_and_the_alias() {
    let err = super::super::load_str(
        "m.yaml",
        &with("rooms:\n  a: &room {protect: maybe}\n  b: *room\n"),
    )
    .unwrap_err();
    let d = err.diagnostics();
    assert_eq!(d.len(), 2, "{}", super::super::render_plain(&err));
    assert_eq!(
        d[0].message,
        "rooms.a.protect must be a boolean, found a string `maybe`"
    );
    assert!(d[0].related.is_empty());
    assert_eq!(
        d[1].message,
        "rooms.b.protect must be a boolean, found a string `maybe`"
    );
    assert_eq!((d[1].line, d[1].column), (4, 22));
    assert_eq!(d[1].related[0].message, "used here through `*room`");
    assert_eq!((d[1].related[0].line, d[1].related[0].column), (5, 6));
}

#[test]
fn merge_keys_follow_the_yaml_rules() {
    let m = ok(&with(
        "x-a: &a {maximumMessageLength: 1, protect: true}\nx-b: &b {maximumMessageLength: 2, maximumMessageRatePerSecond: 3}\nrooms:\n  r:\n    <<: [*a, *b]\n    protect: false\n",
    ));
    let r = &m.desired.rooms["r"];
    assert_eq!(
        (
            r.maximum_message_length,
            r.maximum_message_rate_per_second,
            r.protect
        ),
        (1, 3, false)
    );
    let all = errors(&with("rooms:\n  r: {<<: {name: a}, <<: {name: b}}\n"));
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(all[0].0.contains("duplicate merge key"), "{all:#?}");
}

#[test]
fn imports_are_unique_across_the_workspace() {
    let arn = "arn:aws:ivschat:us-west-2:123456789012:room/AbC";
    let text = format!(
        "version: 1\nstack: s\nrooms:\n  a: {{import: '{arn}'}}\n  b: {{import: '{arn}'}}\n"
    );
    let all = errors_of(load_strs(&[("m.yaml", &text)]));
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(
        all[0]
            .0
            .contains("imported twice: by s/rooms.a and by s/rooms.b"),
        "{all:#?}"
    );
    assert_eq!((all[0].2, all[0].3), (5, 15));
    // Without a region in the manifest, any region's ARN may be imported.
    let text = "version: 1\nstack: s\nloggingConfigurations:\n  a: {destination: {s3: {bucketName: abc}}, import: 'arn:aws:ivschat:eu-west-1:1:logging-configuration/x'}\n";
    let m = ok(text);
    assert!(m.desired.logging_configurations["a"].import.is_some());
}

#[test]
fn moved_rules_span_the_files_of_a_stack() {
    let a =
        "version: 1\nstack: s\nrooms:\n  new: {}\nmoved:\n  - {from: rooms.old, to: rooms.new}\n";
    let b =
        "version: 1\nstack: s\nmoved:\n  - {from: rooms.old, to: rooms.new}\n  - {fromStack: t}\n";
    let ws = load_workspace_strs(&[("a.yaml", a), ("b.yaml", b)], &Vars::default());
    assert_eq!(
        codes(ws),
        ["manifest::moved_duplicate", "manifest::moved_duplicate"]
    );
    // Moves of another stack are that stack's business.
    let c = "version: 1\nstack: t\nrooms:\n  old: {}\n";
    let ws = load_workspace_strs(&[("a.yaml", a), ("c.yaml", c)], &Vars::default()).unwrap();
    assert_eq!(ws.stacks.len(), 2);
}

#[test]
fn a_reference_to_another_stack_is_only_checked_for_its_form() {
    let m = ok(&with(
        "rooms:\n  r: {loggingConfigurations: [other/archive, 'arn:aws:ivschat:us-west-2:1:logging-configuration/x', other/archive2]}\n",
    ));
    assert_eq!(m.desired.rooms["r"].logging_configurations.len(), 3);
    let all = errors(&with(
        "rooms:\n  r: {loggingConfigurations: [other/archive, other/archive]}\n",
    ));
    assert!(all[0].0.contains("lists `other/archive` twice"), "{all:#?}");
}
