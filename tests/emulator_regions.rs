//! Regions and accounts: one store per region, taken from each request's SigV4
//! credential scope; ARNs carry that region and the configured account; the
//! state file holds every region. Also the rate-quota header.

mod common;

use aws_sdk_ivschat::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ivschat::Client;
use ivsctl::emulator::{EmulatorConfig, Quotas};

/// An SDK client signing for `region` (retries off).
fn sdk_in(endpoint: &str, region: &str) -> Client {
    let conf = aws_sdk_ivschat::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "t"))
        .endpoint_url(endpoint)
        .retry_config(aws_sdk_ivschat::config::retry::RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}

async fn room_arns(client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    let mut pages = client.list_rooms().into_paginator().send();
    while let Some(page) = pages.next().await {
        for r in page.expect("ListRooms").rooms() {
            out.push(r.arn().unwrap_or_default().to_string());
        }
    }
    out.sort();
    out
}

#[test]
fn two_regions_side_by_side() {
    let emu = common::emulator(EmulatorConfig {
        account_id: "210987654321".into(),
        ..Default::default()
    });
    let east = sdk_in(&emu.endpoint(), "us-east-1");
    let west = sdk_in(&emu.endpoint(), "us-west-2");
    emu.block_on(async {
        let a = east.create_room().name("a").send().await.unwrap();
        let b = west.create_room().name("b").send().await.unwrap();
        let a_arn = a.arn().unwrap().to_string();
        let b_arn = b.arn().unwrap().to_string();
        assert!(
            a_arn.starts_with("arn:aws:ivschat:us-east-1:210987654321:room/"),
            "{a_arn}"
        );
        assert!(
            b_arn.starts_with("arn:aws:ivschat:us-west-2:210987654321:room/"),
            "{b_arn}"
        );
        // Listings are apart.
        assert_eq!(room_arns(&east).await, vec![a_arn.clone()]);
        assert_eq!(room_arns(&west).await, vec![b_arn.clone()]);
        // A room of another region is not found, as in AWS (the endpoint is regional).
        let err = east.get_room().identifier(&b_arn).send().await.unwrap_err();
        assert_eq!(common::status(&err), 404);
        west.get_room().identifier(&b_arn).send().await.unwrap();
        // Tags through /tags/{arn} likewise.
        let err = west
            .list_tags_for_resource()
            .resource_arn(&a_arn)
            .send()
            .await
            .unwrap_err();
        assert_eq!(common::status(&err), 404);
        // Logging configurations are per region too, and a room cannot
        // reference another region's.
        let lc = east
            .create_logging_configuration()
            .destination_configuration(common::s3_destination("logs"))
            .send()
            .await
            .unwrap();
        let lc_arn = lc.arn().unwrap();
        assert!(lc_arn.contains(":us-east-1:"), "{lc_arn}");
        assert!(west
            .list_logging_configurations()
            .send()
            .await
            .unwrap()
            .logging_configurations()
            .is_empty());
        let err = west
            .update_room()
            .identifier(&b_arn)
            .logging_configuration_identifiers(lc_arn)
            .send()
            .await
            .unwrap_err();
        assert_eq!(common::status(&err), 404);
    });
    assert_eq!(emu.regions(), vec!["us-east-1", "us-west-2"]);
    assert_eq!(emu.account_id(), "210987654321");
}

#[test]
fn resource_quotas_are_per_region() {
    let emu = common::emulator(EmulatorConfig {
        room_quota: 1,
        ..Default::default()
    });
    let east = sdk_in(&emu.endpoint(), "us-east-1");
    let west = sdk_in(&emu.endpoint(), "eu-west-1");
    emu.block_on(async {
        east.create_room().send().await.unwrap();
        let err = east.create_room().send().await.unwrap_err();
        assert_eq!(common::status(&err), 402);
        west.create_room()
            .send()
            .await
            .expect("another region has its own quota");
    });
}

#[test]
fn a_request_without_a_scope_uses_the_default_region() {
    let emu = common::emulator(EmulatorConfig {
        region: "ap-south-1".into(),
        ..Default::default()
    });
    let req = b"POST /CreateRoom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
Authorization: AWS4-HMAC-SHA256 Credential=AKID, SignedHeaders=host, Signature=x\r\n\
Content-Length: 2\r\n\r\n{}";
    let (status, _, body) = common::raw_http(emu.addr(), req);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("arn:aws:ivschat:ap-south-1:"), "{body}");
    // A scope with a region that cannot be in an ARN is refused.
    let req = b"POST /ListRooms HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261126/Bad_Region/ivschat/aws4_request, SignedHeaders=host, Signature=x\r\n\
Content-Length: 2\r\n\r\n{}";
    let (status, headers, _) = common::raw_http(emu.addr(), req);
    assert_eq!(status, 403);
    assert_eq!(
        common::header(&headers, "x-amzn-errortype"),
        Some("AccessDeniedException")
    );
    // The control endpoint forces a state in the region of the ARN.
    let west = sdk_in(&emu.endpoint(), "us-west-2");
    let arn = emu.block_on(async {
        west.create_logging_configuration()
            .destination_configuration(common::s3_destination("logs"))
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_string()
    });
    emu.set_logging_configuration_state(&arn, "CREATE_FAILED")
        .unwrap();
    let state = emu.block_on(async {
        west.get_logging_configuration()
            .identifier(&arn)
            .send()
            .await
            .unwrap()
            .state()
            .cloned()
    });
    assert_eq!(state.unwrap().as_str(), "CREATE_FAILED");
}

#[test]
fn state_file_round_trip_with_two_regions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let config = || EmulatorConfig {
        state_file: Some(path.clone()),
        ..Default::default()
    };
    let (east_arns, west_arns) = {
        let emu = common::emulator(config());
        let east = sdk_in(&emu.endpoint(), "us-east-1");
        let west = sdk_in(&emu.endpoint(), "us-west-2");
        emu.block_on(async {
            for i in 0..3 {
                east.create_room()
                    .name(format!("e{i}"))
                    .send()
                    .await
                    .unwrap();
            }
            for i in 0..2 {
                west.create_room()
                    .name(format!("w{i}"))
                    .tags("k", "v")
                    .send()
                    .await
                    .unwrap();
            }
            (room_arns(&east).await, room_arns(&west).await)
        })
    };
    // A clean stop leaves one snapshot holding both regions.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(doc["formatVersion"], 2);
    assert_eq!(doc["rooms"].as_array().unwrap().len(), 5);
    assert!(!dir.path().join("state.json.log").exists());
    let emu = common::emulator(config());
    let east = sdk_in(&emu.endpoint(), "us-east-1");
    let west = sdk_in(&emu.endpoint(), "us-west-2");
    emu.block_on(async {
        assert_eq!(room_arns(&east).await, east_arns);
        assert_eq!(room_arns(&west).await, west_arns);
        let tags = west
            .list_tags_for_resource()
            .resource_arn(&west_arns[0])
            .send()
            .await
            .unwrap();
        assert_eq!(tags.tags().get("k").map(String::as_str), Some("v"));
    });
}

#[test]
fn the_single_region_format_of_earlier_versions_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.json");
    let arn = "arn:aws:ivschat:eu-central-1:123456789012:room/AbCdEfGhIjKl";
    std::fs::write(
        &path,
        serde_json::json!({
            "formatVersion": 1,
            "rooms": [{
                "id": "AbCdEfGhIjKl", "arn": arn, "name": "legacy",
                "createTime": 1_700_000_000_000i64, "updateTime": 1_700_000_000_000i64,
                "maximumMessageLength": 300, "maximumMessageRatePerSecond": 7,
                "loggingConfigurationIdentifiers": [], "tags": {"t": "1"}
            }],
            "loggingConfigurations": []
        })
        .to_string(),
    )
    .unwrap();
    let emu = common::emulator(EmulatorConfig {
        state_file: Some(path.clone()),
        region: "eu-central-1".into(),
        ..Default::default()
    });
    let client = sdk_in(&emu.endpoint(), "eu-central-1");
    let room = emu.block_on(async { client.get_room().identifier(arn).send().await.unwrap() });
    assert_eq!(room.name(), Some("legacy"));
    assert_eq!(room.maximum_message_length(), Some(300));
    assert_eq!(room.maximum_message_rate_per_second(), Some(7));
    // Written back in the current format on the next change.
    emu.block_on(async {
        client.create_room().send().await.unwrap();
    });
    drop(emu);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(doc["formatVersion"], 2);
    assert_eq!(doc["rooms"].as_array().unwrap().len(), 2);
}

#[test]
fn every_response_says_whether_rate_quotas_are_enforced() {
    for (quotas, expected) in [(Quotas::Off, "off"), (Quotas::Aws, "aws")] {
        let emu = common::emulator(EmulatorConfig {
            quotas,
            ..Default::default()
        });
        let cases = [
            common::request("POST", "/ListRooms", "{}", true), // success
            common::request("POST", "/GetRoom", "{}", true),   // validation error
            common::request("POST", "/ListRooms", "{}", false), // unsigned: 403
            common::request("POST", "/Nope", "{}", true),      // unknown operation
            common::request("GET", "/_emulator/health", "", false), // control endpoint
        ];
        for req in cases {
            let (status, headers, _) = common::raw_http(emu.addr(), &req);
            assert!(status > 0);
            assert_eq!(
                common::header(&headers, "x-ivsctl-rate-quotas"),
                Some(expected),
                "status {status} with --quotas {expected}"
            );
        }
    }
}
