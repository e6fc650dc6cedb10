//! The valid fixtures under `tests/manifests/valid/` load into the expected
//! desired stacks.

use std::path::PathBuf;

use ivsctl::manifest::{load_files, render_plain, Manifest};
use ivsctl::model::{
    Destination, FallbackResult, LoggingConfigurationRef, MessageReviewHandler, Tags,
};

fn load(name: &str) -> Manifest {
    let path = PathBuf::from(format!("tests/manifests/valid/{name}"));
    match load_files(&[path]) {
        Ok(m) => m,
        Err(e) => panic!("{name} should load:\n{}", render_plain(&e)),
    }
}

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn every_valid_fixture_loads() {
    let mut count = 0;
    for entry in std::fs::read_dir("tests/manifests/valid").expect("the valid corpus") {
        let path = entry.expect("an entry").path();
        if let Err(e) = load_files(std::slice::from_ref(&path)) {
            panic!("{} should load:\n{}", path.display(), render_plain(&e));
        }
        count += 1;
    }
    assert!(count >= 3);
}

#[test]
fn full_manifest_has_every_value() {
    let m = load("full.yaml");
    assert_eq!(m.files, vec!["tests/manifests/valid/full.yaml".to_string()]);
    let d = &m.desired;
    assert_eq!(d.stack, "prod-chat");
    assert_eq!(d.region.as_deref(), Some("us-west-2"));
    assert_eq!(d.tags, tags(&[("team", "video"), ("cost-center", "42")]));

    let archive = &d.logging_configurations["archive"];
    assert_eq!(archive.name, "chat-archive");
    assert_eq!(
        archive.destination,
        Destination::S3 {
            bucket_name: "my-chat-logs".into()
        }
    );
    assert_eq!(archive.tags, tags(&[("retention", "90d")]));
    assert!(archive.protect);
    let audit = &d.logging_configurations["audit"];
    assert_eq!(audit.name, "audit");
    assert_eq!(
        audit.destination,
        Destination::CloudWatchLogs {
            log_group_name: "/aws/ivschat/audit".into()
        }
    );
    assert!(!audit.protect && audit.tags.is_empty());
    assert_eq!(
        d.logging_configurations["stream"].destination,
        Destination::Firehose {
            delivery_stream_name: "chat-stream.v1".into()
        }
    );

    let lobby = &d.rooms["lobby"];
    assert_eq!(lobby.name, "main-lobby");
    assert_eq!(lobby.maximum_message_length, 280);
    assert_eq!(lobby.maximum_message_rate_per_second, 5);
    assert_eq!(
        lobby.message_review_handler,
        Some(MessageReviewHandler {
            uri: "arn:aws:lambda:us-west-2:123456789012:function:review".into(),
            fallback_result: FallbackResult::Deny,
        })
    );
    assert_eq!(
        lobby.logging_configurations,
        vec![
            LoggingConfigurationRef::Key("archive".into()),
            LoggingConfigurationRef::Key("audit".into()),
            LoggingConfigurationRef::Arn(
                "arn:aws:ivschat:us-west-2:123456789012:logging-configuration/AbCdEfGh1234".into()
            ),
        ]
    );
    assert_eq!(lobby.tags, tags(&[("env", "prod"), ("team", "chat")]));
    assert!(lobby.protect);

    let support = &d.rooms["support"];
    assert_eq!(support.name, "support");
    assert_eq!(
        (
            support.maximum_message_length,
            support.maximum_message_rate_per_second
        ),
        (500, 10)
    );
    assert_eq!(support.message_review_handler, None);
    assert!(
        support.logging_configurations.is_empty() && support.tags.is_empty() && !support.protect
    );
}

#[test]
fn minimal_manifest_is_an_empty_stack() {
    let d = load("minimal.yaml").desired;
    assert_eq!(d.stack, "dev");
    assert_eq!(d.region, None);
    assert!(d.is_empty() && d.tags.is_empty());
}

#[test]
fn product_example_loads_as_documented() {
    let d = load("product-example.yaml").desired;
    let lobby = &d.rooms["lobby"];
    assert_eq!(
        lobby
            .message_review_handler
            .as_ref()
            .map(|h| h.fallback_result),
        Some(FallbackResult::Allow)
    );
    assert_eq!(
        lobby.logging_configurations,
        vec![LoggingConfigurationRef::Key("archive".into())]
    );
    assert_eq!(
        d.logging_configurations["archive"].tags,
        tags(&[("cost-center", "42")])
    );
}

#[test]
fn a_directory_of_files_is_one_stack() {
    let m = load("split");
    assert_eq!(
        m.files,
        vec![
            "tests/manifests/valid/split/10-base.yaml",
            "tests/manifests/valid/split/20-rooms.yml"
        ]
    );
    let d = &m.desired;
    assert_eq!(
        (d.stack.as_str(), d.region.as_deref()),
        ("prod-chat", Some("us-west-2"))
    );
    assert_eq!(d.tags, tags(&[("team", "video"), ("env", "prod")]));
    assert_eq!(
        d.rooms["lobby"].logging_configurations,
        vec![LoggingConfigurationRef::Key("archive".into())]
    );
    assert!(d.rooms.contains_key("support") && d.logging_configurations.contains_key("archive"));
}
