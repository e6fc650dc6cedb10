//! Rules over the whole stack: the tag budget, and stacks of several files.

use crate::model::LoggingConfigurationRef;

use super::super::load_strs;
use super::{assert_error, error, errors_of, ok, with};

fn tags_yaml(prefix: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{prefix}{i}: v"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn tag_budget_counts_stack_resource_and_ownership_tags() {
    // 46 stack + 1 own + 3 of ivsctl's (stack, key, applied record) = 50: fine.
    ok(&with(&format!(
        "tags: {{{}}}\nrooms:\n  a: {{tags: {{own: v}}}}\n",
        tags_yaml("s", 46)
    )));
    // ... and protect adds ivsctl:protect: 51.
    let (m, h, line, col) = error(&with(&format!(
        "tags: {{{}}}\nrooms:\n  a: {{tags: {{own: v}}, protect: true}}\n",
        tags_yaml("s", 46)
    )));
    assert!(
        m.contains("rooms.a would carry 51 tags, more than 50"),
        "{m}"
    );
    assert!(
        h.contains("protect: true adds") && h.contains("remove 1"),
        "{h}"
    );
    assert_eq!((line, col), (5, 7));
    // A resource tag overriding a stack tag is counted once.
    ok(&with(&format!(
        "tags: {{{}}}\nrooms:\n  a: {{tags: {{s0: other}}}}\n",
        tags_yaml("s", 47)
    )));
    // Without tags of its own, the label goes on the resource key.
    ok(&with(&format!(
        "tags: {{{}}}\nrooms:\n  a: {{}}\n",
        tags_yaml("s", 47)
    )));
    assert_error(
        &with(&format!(
            "tags: {{{}}}\nrooms:\n  a: {{protect: true}}\n",
            tags_yaml("s", 47)
        )),
        "would carry 51 tags",
        "remove 1",
        (5, 3),
    );
    // Too many stack tags is said once, at the stack's tags.
    assert_error(
        &with(&format!(
            "tags: {{{}}}\nrooms:\n  a: {{}}\n  b: {{}}\n",
            tags_yaml("s", 48)
        )),
        "the stack has 48 tags",
        "at most 47 stack tags",
        (3, 1),
    );
    // Resource tags alone.
    assert_error(&with(&format!("loggingConfigurations:\n  a:\n    destination: {{s3: {{bucketName: abc}}}}\n    tags: {{{}}}\n", tags_yaml("t", 48))), "loggingConfigurations.a would carry 51 tags", "48 own tags", (6, 5));
}

#[test]
fn several_files_form_one_stack() {
    let a = "version: 1\nstack: s\nregion: us-west-2\ntags: {team: video}\nloggingConfigurations:\n  archive: {destination: {s3: {bucketName: abc}}}\n";
    let b = "version: 1\nstack: s\ntags: {env: prod}\nrooms:\n  lobby: {loggingConfigurations: [archive]}\n";
    let m = load_strs(&[("a.yaml", a), ("b.yaml", b)]).unwrap();
    assert_eq!(m.desired.region.as_deref(), Some("us-west-2"));
    assert_eq!(m.desired.tags.len(), 2);
    assert_eq!(m.files, vec!["a.yaml", "b.yaml"]);
    assert_eq!(
        m.desired.rooms["lobby"].logging_configurations,
        vec![LoggingConfigurationRef::Key("archive".into())]
    );
}

#[test]
fn files_of_one_stack_must_agree() {
    let a = "version: 1\nstack: s\nregion: us-west-2\ntags: {team: video}\nrooms:\n  lobby: {}\n";
    let check = |b: &str, message: &str, help: &str| {
        let all = errors_of(load_strs(&[("a.yaml", a), ("b.yaml", b)]));
        assert_eq!(all.len(), 1, "{all:#?}");
        assert!(all[0].0.contains(message), "{all:#?}");
        assert!(all[0].1.contains(help), "{all:#?}");
    };
    check(
        "version: 1\nstack: t\n",
        "`stack` differs",
        "a.yaml says `s`",
    );
    check(
        "version: 1\nstack: s\nregion: eu-west-1\n",
        "`region` differs",
        "a.yaml says `us-west-2`",
    );
    check(
        "version: 1\nstack: s\ntags: {team: other}\n",
        "stack tag `team` is given in two files",
        "a.yaml",
    );
    check(
        "version: 1\nstack: s\nrooms:\n  lobby: {}\n",
        "rooms.lobby is declared in two files",
        "already declared in a.yaml",
    );
    check("stack: s\n", "missing field `version`", "version: 1");
    // Same key in the other key space is fine.
    load_strs(&[("a.yaml", a), ("b.yaml", "version: 1\nstack: s\nloggingConfigurations:\n  lobby: {destination: {s3: {bucketName: abc}}}\n")]).unwrap();
    // Errors are sorted by file, then position.
    let err = load_strs(&[
        ("a.yaml", "version: 1\nstack: s\nx: 1\ny: 2\n"),
        ("b.yaml", "z: 1\n"),
    ])
    .unwrap_err();
    let order: Vec<(String, (usize, usize))> = err
        .errors()
        .iter()
        .map(|e| (e.file_name().to_string(), e.line_col().unwrap_or_default()))
        .collect();
    assert_eq!(order[0], ("a.yaml".to_string(), (3, 1)));
    assert_eq!(order[1], ("a.yaml".to_string(), (4, 1)));
    assert!(order[2..].iter().all(|(f, _)| f == "b.yaml"), "{order:?}");
}

#[test]
fn a_dangling_reference_is_not_reported_when_another_file_is_unreadable() {
    let err = load_strs(&[
        (
            "a.yaml",
            "version: 1\nstack: s\nrooms:\n  r: {loggingConfigurations: [x]}\n",
        ),
        ("b.yaml", "version: 1\nstack: [\n"),
    ])
    .unwrap_err();
    assert_eq!(err.errors().len(), 1);
    assert_eq!(err.errors()[0].file_name(), "b.yaml");
}
