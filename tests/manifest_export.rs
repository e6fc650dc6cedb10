//! `to_yaml` writes a minimal manifest that loads back into the same stack.

use std::collections::BTreeMap;

use ivsctl::manifest::{load_str, render_plain, to_yaml};
use ivsctl::model::{
    Address, DesiredLoggingConfiguration, DesiredRoom, DesiredStack, Destination, FallbackResult,
    LoggingConfigurationRef, MessageReviewHandler, Move, Tags,
};

fn round_trip(desired: &DesiredStack) -> String {
    let text = to_yaml(desired, None);
    match load_str("export.yaml", &text) {
        Ok(m) => assert_eq!(
            &m.desired, desired,
            "the round trip changed the stack; text:\n{text}"
        ),
        Err(e) => panic!("the export does not load:\n{text}\n{}", render_plain(&e)),
    }
    text
}

fn room(name: &str) -> DesiredRoom {
    DesiredRoom {
        name: name.to_string(),
        maximum_message_length: 500,
        maximum_message_rate_per_second: 10,
        message_review_handler: None,
        logging_configurations: Vec::new(),
        tags: Tags::new(),
        protect: false,
        import: None,
    }
}

#[test]
fn defaults_are_left_out() {
    let mut d = DesiredStack {
        stack: "s".into(),
        ..DesiredStack::default()
    };
    d.rooms.insert("lobby".into(), room("lobby"));
    d.logging_configurations.insert(
        "archive".into(),
        DesiredLoggingConfiguration {
            name: "archive".into(),
            destination: Destination::S3 {
                bucket_name: "my-logs".into(),
            },
            tags: Tags::new(),
            protect: false,
            import: None,
        },
    );
    let text = round_trip(&d);
    assert_eq!(
        text,
        "version: 1\nstack: s\nloggingConfigurations:\n  archive:\n    destination:\n      s3:\n        bucketName: my-logs\nrooms:\n  lobby: {}\n"
    );
}

#[test]
fn schema_reference_is_the_first_line() {
    let d = DesiredStack {
        stack: "s".into(),
        ..DesiredStack::default()
    };
    let text = to_yaml(&d, Some("../schemas/ivsctl.schema.json"));
    assert_eq!(
        text,
        "# yaml-language-server: $schema=../schemas/ivsctl.schema.json\nversion: 1\nstack: s\n"
    );
    assert_eq!(load_str("e.yaml", &text).map(|m| m.desired).ok(), Some(d));
}

#[test]
fn every_field_round_trips() {
    let mut d = DesiredStack {
        stack: "prod-chat".into(),
        region: Some("us-west-2".into()),
        ..DesiredStack::default()
    };
    d.tags.insert("team".into(), "video".into());
    for (key, destination) in [
        (
            "a",
            Destination::S3 {
                bucket_name: "b.u-c".into(),
            },
        ),
        (
            "c",
            Destination::CloudWatchLogs {
                log_group_name: "/aws/#chat".into(),
            },
        ),
        (
            "f",
            Destination::Firehose {
                delivery_stream_name: "x_y.z".into(),
            },
        ),
    ] {
        d.logging_configurations.insert(
            key.into(),
            DesiredLoggingConfiguration {
                name: format!("{key}-name"),
                destination,
                tags: [("k".to_string(), "v".to_string())].into(),
                protect: true,
                import: None,
            },
        );
    }
    let mut lobby = room("");
    lobby.maximum_message_length = 1;
    lobby.maximum_message_rate_per_second = 100;
    lobby.message_review_handler = Some(MessageReviewHandler {
        uri: "arn:aws:lambda:us-west-2:123456789012:function:review".into(),
        fallback_result: FallbackResult::Deny,
    });
    lobby.logging_configurations = vec![
        LoggingConfigurationRef::Key("f".into()),
        LoggingConfigurationRef::Arn(
            "arn:aws:ivschat:us-west-2:123456789012:logging-configuration/AbC".into(),
        ),
        LoggingConfigurationRef::Key("a".into()),
    ];
    lobby.protect = true;
    d.rooms.insert("lobby".into(), lobby);
    let mut allow = room("x");
    allow.message_review_handler = Some(MessageReviewHandler {
        uri: "arn:aws:lambda:eu-west-1:123456789012:function:f".into(),
        fallback_result: FallbackResult::Allow,
    });
    d.rooms.insert("x".into(), allow);
    let text = round_trip(&d);
    assert!(text.contains("name: \"\""), "{text}");
    assert!(!text.contains("fallbackResult: ALLOW"), "{text}");
}

#[test]
fn imports_moves_references_and_dollar_signs_round_trip() {
    let mut d = DesiredStack {
        stack: "s".into(),
        region: Some("us-west-2".into()),
        ..DesiredStack::default()
    };
    let mut lobby = room("lobby");
    lobby.import = Some("arn:aws:ivschat:us-west-2:123456789012:room/AbC".into());
    lobby.logging_configurations = vec![LoggingConfigurationRef::Stack {
        stack: "shared".into(),
        key: "archive".into(),
    }];
    // Text that looks like a variable is written so that it stays text.
    for (k, v) in [
        ("a", "costs ${X}"),
        ("b", "$${Y}"),
        ("c", "$$"),
        ("d", "${"),
    ] {
        lobby.tags.insert(k.into(), v.into());
    }
    d.rooms.insert("lobby".into(), lobby);
    d.logging_configurations.insert(
        "archive".into(),
        DesiredLoggingConfiguration {
            name: "archive".into(),
            destination: Destination::S3 {
                bucket_name: "my-logs".into(),
            },
            tags: Tags::new(),
            protect: false,
            import: Some("arn:aws:ivschat:us-west-2:123456789012:logging-configuration/AbC".into()),
        },
    );
    d.moved = vec![
        Move::Address {
            from: Address::room("old"),
            to: Address::room("lobby"),
        },
        Move::Stack {
            from_stack: "legacy".into(),
        },
    ];
    let text = round_trip(&d);
    assert!(
        text.contains("moved:\n  - from: rooms.old\n    to: rooms.lobby\n  - fromStack: legacy\n"),
        "{text}"
    );
}

#[test]
fn strings_that_yaml_would_misread_are_quoted() {
    let mut d = DesiredStack {
        stack: "s".into(),
        ..DesiredStack::default()
    };
    let values = [
        "true",
        "false",
        "yes",
        "No",
        "on",
        "null",
        "Null",
        "~",
        "",
        "042",
        "42",
        "-1",
        "1.5",
        "1e3",
        ".inf",
        "0x1F",
        "1_000",
        "12:30",
        " lead",
        "trail ",
        "a: b",
        "a #b",
        "#c",
        "- d",
        "*e",
        "&f",
        "!g",
        "%h",
        "@i",
        "`j",
        "'k'",
        "\"l\"",
        "[m]",
        "{n}",
        "o,p",
        "multi\nline",
        "tab\there",
        "back\\slash",
        "é ü",
        "emoji 🎉",
        "nul\u{0}",
        "bell\u{7}",
        "del\u{7f}",
        "nel\u{85}",
        "bom\u{feff}",
        "ls\u{2028}",
        "<<",
        "=",
        "?",
        ":",
        "-",
        "key:",
    ];
    let keys = [
        "with space",
        "a/b",
        "x:y",
        "aws-ish",
        "true",
        "42",
        "k.e.y",
        "_x",
        "ü",
        "a=b",
        "+1",
        "@x",
    ];
    // In chunks, to stay within the tag budget.
    for chunk in values.chunks(20) {
        let mut d = d.clone();
        for (i, v) in chunk.iter().enumerate() {
            d.tags.insert(format!("t{i}"), v.to_string());
            // Values as keys too, where they are valid keys.
            if !v.is_empty() {
                d.tags.insert(v.to_string(), "v".into());
            }
        }
        round_trip(&d);
    }
    let mut lobby = room("lobby");
    for (i, k) in keys.iter().enumerate() {
        lobby
            .tags
            .insert(k.to_string(), values[i % values.len()].to_string());
    }
    d.rooms.insert("lobby".into(), lobby);
    // Logical keys that look like other types.
    d.rooms.insert("042".into(), room("042"));
    d.rooms.insert("true".into(), room("n"));
    d.rooms.insert("1e3".into(), room("1e3"));
    round_trip(&d);
}

/// A deterministic generator: many varied stacks, each must round-trip.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    fn text(&mut self, alphabet: &[&str], max: u64) -> String {
        (0..self.below(max + 1))
            .map(|_| self.pick(alphabet))
            .collect()
    }
}

const WORD: &[&str] = &["a", "Z", "0", "9", "-", "_"];
const ANY: &[&str] = &[
    "a", "0", " ", ":", "/", "#", "'", "\"", "\\", "-", "é", "\n", "\t", "true", "null", "042",
    "~", "[", "{", ",", "&", "*", "!", "?", "%", "@", "`", "=", "+", ".",
];

fn tags(rng: &mut Rng, prefix: &str) -> Tags {
    let mut tags = Tags::new();
    for _ in 0..rng.below(5) {
        let mut key = format!("{prefix}{}", rng.text(ANY, 6));
        if key.is_empty()
            || key.to_ascii_lowercase().starts_with("aws:")
            || key.starts_with("ivsctl:")
        {
            key = format!("k{key}");
        }
        tags.insert(key, rng.text(ANY, 8));
    }
    tags
}

#[test]
fn generated_stacks_round_trip() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..300 {
        let mut d = DesiredStack {
            stack: format!("s{}", rng.text(WORD, 10)),
            region: if rng.below(2) == 0 {
                Some("eu-west-1".into())
            } else {
                None
            },
            tags: tags(&mut rng, "s"),
            ..DesiredStack::default()
        };
        let mut lc_keys = Vec::new();
        for _ in 0..rng.below(4) {
            let key = format!("l{}", rng.text(WORD, 6));
            let destination = match rng.below(3) {
                0 => Destination::S3 {
                    bucket_name: format!("b{}", rng.text(&["a", "0", "-", "."], 10)) + "zz",
                },
                1 => Destination::CloudWatchLogs {
                    log_group_name: format!("/{}", rng.text(&["a", "/", "#", "."], 10)),
                },
                _ => Destination::Firehose {
                    delivery_stream_name: format!("f{}", rng.text(&["a", "_", "."], 10)),
                },
            };
            let name = if rng.below(2) == 0 {
                key.clone()
            } else {
                rng.text(WORD, 12)
            };
            d.logging_configurations.insert(
                key.clone(),
                DesiredLoggingConfiguration {
                    name,
                    destination,
                    tags: tags(&mut rng, "l"),
                    protect: rng.below(2) == 0,
                    import: None,
                },
            );
            lc_keys.push(key);
        }
        for _ in 0..rng.below(4) {
            let key = rng.text(WORD, 8);
            let key = if key.is_empty() { "r".to_string() } else { key };
            let mut r = room(&key);
            if rng.below(2) == 0 {
                r.name = rng.text(WORD, 10);
            }
            r.maximum_message_length = 1 + rng.below(500) as i32;
            r.maximum_message_rate_per_second = 1 + rng.below(100) as i32;
            if rng.below(2) == 0 {
                r.message_review_handler = Some(MessageReviewHandler {
                    uri: format!(
                        "arn:aws:lambda:us-west-2:123456789012:function:{}",
                        rng.text(ANY, 10).replace('\n', "")
                    ) + "f",
                    fallback_result: if rng.below(2) == 0 {
                        FallbackResult::Allow
                    } else {
                        FallbackResult::Deny
                    },
                });
            }
            let mut refs: BTreeMap<String, LoggingConfigurationRef> = BTreeMap::new();
            for key in lc_keys.iter().take(rng.below(3) as usize) {
                refs.insert(key.clone(), LoggingConfigurationRef::Key(key.clone()));
            }
            if rng.below(3) == 0 {
                let arn = format!(
                    "arn:aws:ivschat:us-west-2:123456789012:logging-configuration/{}",
                    rng.text(&["a", "Z", "0", "-"], 8)
                ) + "x";
                refs.insert(arn.clone(), LoggingConfigurationRef::Arn(arn));
            }
            r.logging_configurations = refs.into_values().collect();
            r.tags = tags(&mut rng, "r");
            r.protect = rng.below(2) == 0;
            d.rooms.insert(key, r);
        }
        round_trip(&d);
    }
}
