//! Reuse within manifests: variables, `x-` anchors, merge keys, aliases and
//! defaults give exactly the stack their written-out form gives; variables
//! take their values from `--var`, then the environment, then `vars`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ivsctl::manifest::{
    load_files, load_str, load_workspace_strs, render_plain, Manifest, ManifestError, Vars,
};
use ivsctl::model::{Address, LoggingConfigurationRef, Move};

fn load(name: &str) -> Manifest {
    let path = PathBuf::from(format!("tests/manifests/valid/{name}"));
    load_files(&[path]).unwrap_or_else(|e| panic!("{name} should load:\n{}", render_plain(&e)))
}

fn vars(pairs: &[(&str, &str)]) -> Vars {
    Vars::new(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn one(text: &str, vars: &Vars) -> Result<Manifest, ManifestError> {
    let mut ws = load_workspace_strs(&[("m.yaml", text)], vars)?;
    assert_eq!(ws.stacks.len(), 1);
    Ok(ws.stacks.remove(0))
}

#[test]
fn reuse_gives_the_stack_of_the_written_out_manifest() {
    let reused = load("reuse.yaml").desired;
    let expanded = load("reuse-expanded.yaml").desired;
    assert_eq!(reused, expanded);
    // A few of the values, to be sure both say what is meant.
    assert_eq!(reused.stack, "chat-prod");
    let lobby = &reused.rooms["lobby"];
    assert_eq!(lobby.name, "lobby-prod");
    assert_eq!(lobby.maximum_message_length, 280);
    assert_eq!(lobby.tags["tier"], "premium");
    assert_eq!(
        lobby.import.as_deref(),
        Some("arn:aws:ivschat:us-west-2:123456789012:room/AbCdEf123456")
    );
    assert_eq!(reused.rooms["support"].message_review_handler, None);
    assert_eq!(reused.rooms["quiet"].maximum_message_length, 50);
    assert_eq!(reused.rooms["price"].tags["note"], "costs ${PRICE}");
    assert_eq!(
        reused.rooms["quiet"].logging_configurations[2],
        LoggingConfigurationRef::Stack {
            stack: "shared".into(),
            key: "archive".into()
        }
    );
    assert!(reused.logging_configurations["archive"].protect);
    assert!(!reused.logging_configurations["audit"].protect);
    assert_eq!(
        reused.moved,
        vec![
            Move::Address {
                from: Address::room("main"),
                to: Address::room("lobby")
            },
            Move::Stack {
                from_stack: "chat-legacy".into()
            }
        ]
    );
}

#[test]
fn a_variable_comes_from_the_flag_then_the_environment_then_the_default() {
    let text = "version: 1\nstack: s\nvars: {LEN: 100, RATE: 5, ENV: dev}\nrooms:\n  r:\n    maximumMessageLength: ${LEN}\n    maximumMessageRatePerSecond: ${RATE}\n    name: r-${ENV}\n";
    let env = [
        ("IVSCTL_VAR_LEN", "200"),
        ("IVSCTL_VAR_RATE", "7"),
        ("HOME", "/root"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    let flags = ["LEN=300".to_string()];
    let vars = Vars::from_env_and_flags(&flags, env.into_iter()).expect("valid flags");
    let room = |vars: &Vars| {
        let m = one(text, vars).unwrap_or_else(|e| panic!("{}", render_plain(&e)));
        let r = &m.desired.rooms["r"];
        (
            r.maximum_message_length,
            r.maximum_message_rate_per_second,
            r.name.clone(),
        )
    };
    // Flag beats environment beats default.
    assert_eq!(room(&vars), (300, 7, "r-dev".to_string()));
    // Defaults alone.
    assert_eq!(room(&Vars::default()), (100, 5, "r-dev".to_string()));
    // `load_str` reads the defaults too.
    let m = load_str("m.yaml", text).unwrap_or_else(|e| panic!("{}", render_plain(&e)));
    assert_eq!(m.desired.rooms["r"].maximum_message_length, 100);
}

#[test]
fn substituted_text_is_read_as_the_field_type() {
    let text = "version: 1\nstack: s\nrooms:\n  r: {name: \"${N}\", protect: \"${P}\", maximumMessageLength: \"${L}\"}\n";
    let m = one(text, &vars(&[("N", "123"), ("P", "true"), ("L", "42")]))
        .unwrap_or_else(|e| panic!("{}", render_plain(&e)));
    let r = &m.desired.rooms["r"];
    assert_eq!(
        (r.name.as_str(), r.protect, r.maximum_message_length),
        ("123", true, 42)
    );
    // Not a number: the usual located type error, naming the value.
    let err = one(text, &vars(&[("N", "x"), ("P", "yes"), ("L", "0x")])).unwrap_err();
    let d = err.diagnostics();
    assert_eq!(d.len(), 2, "{}", render_plain(&err));
    assert_eq!(
        d[0].message,
        "rooms.r.protect must be a boolean, found `yes` (from `\"${P}\"`)"
    );
    assert_eq!(
        (d[1].code.as_str(), d[1].line, d[1].column),
        ("manifest::wrong_type", 4, 60)
    );
    // A variable's value is checked like any value.
    let err = one(text, &vars(&[("N", "a b"), ("P", "true"), ("L", "600")])).unwrap_err();
    let codes: Vec<String> = err.diagnostics().into_iter().map(|d| d.code).collect();
    assert_eq!(codes, ["manifest::invalid_value", "manifest::out_of_range"]);
}

#[test]
fn the_stack_name_may_use_a_variable() {
    let a = "version: 1\nstack: chat-${ENV}\nvars: {ENV: dev}\nrooms:\n  a: {}\n";
    let b = "version: 1\nstack: chat-${ENV}\nvars: {ENV: dev}\nrooms:\n  b: {}\n";
    let ws = load_workspace_strs(&[("a.yaml", a), ("b.yaml", b)], &vars(&[("ENV", "prod")]))
        .unwrap_or_else(|e| panic!("{}", render_plain(&e)));
    assert_eq!(ws.stacks.len(), 1);
    assert_eq!(ws.stacks[0].desired.stack, "chat-prod");
    assert_eq!(ws.stacks[0].desired.rooms.len(), 2);
    // Declared in the other file only: unset here, with a hint why.
    let c = "version: 1\nstack: chat-${ENV}\nrooms:\n  c: {}\n";
    let err = load_workspace_strs(&[("a.yaml", a), ("c.yaml", c)], &Vars::default()).unwrap_err();
    let d = err.diagnostics();
    assert_eq!(d.len(), 1, "{}", render_plain(&err));
    assert_eq!(
        (d[0].file.as_str(), d[0].line, d[0].column),
        ("c.yaml", 2, 13)
    );
    assert!(d[0]
        .help
        .as_deref()
        .unwrap_or("")
        .contains("before the files are grouped"));
}

#[test]
fn defaults_apply_across_the_files_of_a_stack_only() {
    let base = "version: 1\nstack: s\ndefaults:\n  rooms: {maximumMessageLength: 42, tags: {tier: gold}}\n";
    let rooms = "version: 1\nstack: s\nrooms:\n  a: {}\n  b: {maximumMessageLength: 7, tags: {tier: own, x: y}}\n  c: {maximumMessageLength: null}\n";
    let other = "version: 1\nstack: t\nrooms:\n  z: {}\n";
    let ws = load_workspace_strs(
        &[
            ("base.yaml", base),
            ("rooms.yaml", rooms),
            ("other.yaml", other),
        ],
        &Vars::default(),
    )
    .unwrap_or_else(|e| panic!("{}", render_plain(&e)));
    let s = &ws.stack("s").expect("stack s").desired;
    assert_eq!(s.rooms["a"].maximum_message_length, 42);
    assert_eq!(s.rooms["a"].tags["tier"], "gold");
    assert_eq!(s.rooms["b"].maximum_message_length, 7);
    assert_eq!(
        (
            s.rooms["b"].tags["tier"].as_str(),
            s.rooms["b"].tags["x"].as_str()
        ),
        ("own", "y")
    );
    // Written as null: the field's own default, not the stack's.
    assert_eq!(s.rooms["c"].maximum_message_length, 500);
    let t = &ws.stack("t").expect("stack t").desired;
    assert_eq!(t.rooms["z"].maximum_message_length, 500);
    assert!(t.rooms["z"].tags.is_empty());
}

#[test]
fn default_tags_count_in_the_tag_budget() {
    let tags: Vec<String> = (0..40).map(|i| format!("d{i}: v")).collect();
    let text = format!(
        "version: 1\nstack: s\ndefaults:\n  rooms:\n    tags: {{{}}}\n    protect: true\nrooms:\n  a: {{tags: {{{}}}}}\n",
        tags.join(", "),
        (0..7).map(|i| format!("o{i}: v")).collect::<Vec<_>>().join(", ")
    );
    let err = load_str("m.yaml", &text).unwrap_err();
    let d = err.diagnostics();
    assert_eq!(d.len(), 1, "{}", render_plain(&err));
    assert_eq!(d[0].message, "rooms.a would carry 51 tags, more than 50");
    assert!(d[0]
        .help
        .as_deref()
        .unwrap_or("")
        .contains("40 default tags"));
}

#[test]
fn errors_in_merged_values_name_both_places_as_data() {
    let text = "version: 1\nstack: s\nx-base: &base\n  maximumMessageRatePerSecond: 500\nrooms:\n  a:\n    <<: *base\n";
    let err = load_str("m.yaml", text).unwrap_err();
    let d = err.diagnostics();
    assert_eq!(d.len(), 1);
    let d = &d[0];
    assert_eq!(
        (d.code.as_str(), d.line, d.column, d.end_line, d.end_column),
        ("manifest::out_of_range", 4, 32, 4, 35)
    );
    assert_eq!(d.severity, "error");
    assert_eq!(d.label.as_deref(), Some("not between 1 and 100"));
    assert_eq!(d.related.len(), 1);
    assert_eq!(
        (
            d.related[0].message.as_str(),
            d.related[0].line,
            d.related[0].column
        ),
        ("merged here through `*base`", 7, 9)
    );
    let json = serde_json::to_value(err.diagnostics()).expect("serializable");
    assert_eq!(json[0]["end_column"], 35);
}

#[test]
fn error_at_locates_a_path_for_plan_time_errors() {
    let a = "version: 1\nstack: s\ndefaults:\n  rooms:\n    loggingConfigurations: [other/x]\n";
    let b = "version: 1\nstack: s\nrooms:\n  lobby:\n    loggingConfigurations:\n      - shared/archive\n  side: {}\n";
    let ws = load_workspace_strs(&[("a.yaml", a), ("b.yaml", b)], &Vars::default())
        .unwrap_or_else(|e| panic!("{}", render_plain(&e)));
    let m = &ws.stacks[0];
    let err = m.error_at(
        &["rooms", "lobby", "loggingConfigurations", "0"],
        "no such logging configuration",
        "stack `shared` declares no logging configuration `archive`",
        "declare it in stack `shared`",
    );
    let d = err.diagnostics();
    assert_eq!(
        (
            d[0].file.as_str(),
            d[0].line,
            d[0].column,
            d[0].code.as_str()
        ),
        ("b.yaml", 6, 9, "manifest::plan")
    );
    assert_eq!(d[0].help.as_deref(), Some("declare it in stack `shared`"));
    let text = render_plain(&err);
    assert!(
        text.contains("[b.yaml:6:9]") && text.contains("no such logging configuration"),
        "{text}"
    );
    // A value from `defaults` is located there, with the resource in a note.
    let err = m.error_at(
        &["rooms", "side", "loggingConfigurations", "0"],
        "here",
        "m",
        "h",
    );
    let d = &err.diagnostics()[0];
    assert_eq!((d.file.as_str(), d.line, d.column), ("a.yaml", 5, 29));
    assert_eq!(
        (d.related[0].file.as_str(), d.related[0].line),
        ("b.yaml", 7)
    );
    // A path not written: its longest written prefix.
    let err = m.error_at(&["rooms", "lobby", "tags", "x"], "here", "m", "h");
    let d = &err.diagnostics()[0];
    assert_eq!((d.file.as_str(), d.line, d.column), ("b.yaml", 4, 3));
}

#[test]
fn the_complete_examples_of_the_manifest_docs_load() {
    let doc = std::fs::read_to_string("docs/manifest.md").expect("docs/manifest.md");
    let mut examples = 0;
    for block in doc.split("```yaml\n").skip(1) {
        let text = block.split("```").next().unwrap_or_default();
        if !text.contains("version: 1") {
            continue;
        }
        examples += 1;
        if let Err(e) = load_str("docs.yaml", text) {
            panic!(
                "an example of docs/manifest.md does not load:\n{text}\n{}",
                render_plain(&e)
            );
        }
    }
    assert!(examples >= 2);
}
