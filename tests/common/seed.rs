//! Seeding the account through the SDK: rooms, logging configurations and
//! tags from API-shaped JSON specs (`{label}`s resolved), out-of-band
//! updates, and whole seed documents.
//!
//! Invariant: a seeded resource with ownership tags gets the applied record
//! ivsctl would have written, so it stands for one ivsctl made (unless the
//! spec says `"record": false`: a resource from an older ivsctl).

use super::context::TestContext;
use aws_sdk_ivschat::types::{
    CloudWatchLogsDestinationConfiguration, DestinationConfiguration, FallbackResult,
    FirehoseDestinationConfiguration, MessageReviewHandler, S3DestinationConfiguration,
};
use serde_json::{json, Value};

/// Sets the members of `$spec` that CreateRoom and UpdateRoom share on
/// `$builder` (absent members are not sent).
macro_rules! room_fields {
    ($builder:expr, $spec:expr) => {{
        let spec: &Value = $spec;
        let int = |key: &str| spec[key].as_i64().map(|n| n as i32);
        let lcs = spec["loggingConfigurations"].as_array().map(|list| {
            let arn = |v: &Value| v.as_str().expect("an ARN").to_string();
            list.iter().map(arn).collect::<Vec<_>>()
        });
        $builder
            .set_name(spec["name"].as_str().map(String::from))
            .set_maximum_message_length(int("maximumMessageLength"))
            .set_maximum_message_rate_per_second(int("maximumMessageRatePerSecond"))
            .set_message_review_handler(spec.get("messageReviewHandler").map(handler))
            .set_logging_configuration_identifiers(lcs.filter(|l| !l.is_empty()))
    }};
}
impl TestContext {
    /// CreateRoom from an API-shaped spec (absent members are not sent):
    /// `name`, `maximumMessageLength`, `maximumMessageRatePerSecond`,
    /// `messageReviewHandler {uri, fallbackResult}`, `loggingConfigurations`
    /// (ARNs or `{label}`s), `tags`. Returns the ARN.
    pub fn room(&self, spec: Value) -> String {
        let spec = self.resolve_json(spec);
        let b = room_fields!(self.sdk.create_room(), &spec);
        let b = b.set_tags(tag_map(&spec["tags"]));
        let arn = self
            .emu
            .block_on(b.send())
            .expect("CreateRoom")
            .arn
            .unwrap();
        self.record_seeded(true, &arn, &spec);
        self.labels
            .lock()
            .unwrap()
            .learn("room", &[with_arn(spec, &arn)]);
        arn
    }

    /// A seeded resource with ownership tags stands for one ivsctl made: it
    /// gets the applied record ivsctl would have written (as created), unless
    /// the spec says `"record": false` (a resource from an older ivsctl).
    fn record_seeded(&self, room: bool, arn: &str, spec: &Value) {
        let (Some(stack), Some(key)) = (
            spec["tags"]["ivsctl:stack"].as_str(),
            spec["tags"]["ivsctl:key"].as_str(),
        ) else {
            return;
        };
        if spec["record"] == json!(false) {
            return;
        }
        let endpoint = self.endpoint();
        let record = self.emu.block_on(async {
            let api = ivsctl::aws::Api::connect(&ivsctl::aws::AwsSettings {
                region: Some("us-east-1".into()),
                endpoint_url: Some(endpoint),
                dummy_credentials: true,
                ..Default::default()
            })
            .await
            .expect("connect");
            let none = ivsctl::model::Tags::new();
            if room {
                let r = ivsctl::live::get_room(&api, arn).await.expect("GetRoom");
                ivsctl::record::of_room(&r.expect("the room"), stack, key, &none)
            } else {
                let l = ivsctl::live::get_logging_configuration(&api, arn)
                    .await
                    .expect("GetLoggingConfiguration");
                ivsctl::record::of_logging_configuration(
                    &l.expect("the configuration"),
                    stack,
                    key,
                    &none,
                )
            }
        });
        let req = self
            .sdk
            .tag_resource()
            .resource_arn(arn)
            .tags(ivsctl::record::TAG_APPLIED, record);
        self.emu.block_on(req.send()).expect("TagResource");
    }

    /// CreateLoggingConfiguration: `name`, `destination` (manifest shape:
    /// `{"s3": {"bucketName": ..}}` and siblings), `tags`. Returns the ARN.
    pub fn lc(&self, spec: Value) -> String {
        let mut b = self
            .sdk
            .create_logging_configuration()
            .destination_configuration(destination(&spec["destination"]));
        if let Some(n) = spec["name"].as_str() {
            b = b.name(n);
        }
        b = b.set_tags(tag_map(&spec["tags"]));
        let arn = self
            .emu
            .block_on(b.send())
            .expect("CreateLoggingConfiguration");
        let arn = arn.arn.unwrap();
        self.record_seeded(false, &arn, &spec);
        self.labels
            .lock()
            .unwrap()
            .learn("lc", &[with_arn(spec, &arn)]);
        arn
    }

    /// TagResource: `tags` is a JSON object of strings.
    pub fn tag(&self, arn: &str, tags: Value) {
        let req = self
            .sdk
            .tag_resource()
            .resource_arn(self.resolve(arn))
            .set_tags(tag_map(&tags));
        self.emu.block_on(req.send()).expect("TagResource");
    }

    /// UpdateRoom (out of band): `name`, `maximumMessageLength`,
    /// `maximumMessageRatePerSecond`, `messageReviewHandler`,
    /// `loggingConfigurations`.
    pub fn update_room(&self, arn: &str, spec: Value) {
        let spec = self.resolve_json(spec);
        let b = self.sdk.update_room().identifier(self.resolve(arn));
        let b = room_fields!(b, &spec);
        self.emu.block_on(b.send()).expect("UpdateRoom");
    }

    /// UpdateLoggingConfiguration (out of band): `name`, `destination`.
    pub fn update_lc(&self, arn: &str, spec: Value) {
        let mut b = self
            .sdk
            .update_logging_configuration()
            .identifier(self.resolve(arn));
        if let Some(n) = spec["name"].as_str() {
            b = b.name(n);
        }
        if spec.get("destination").is_some() {
            b = b.destination_configuration(destination(&spec["destination"]));
        }
        self.emu
            .block_on(b.send())
            .expect("UpdateLoggingConfiguration");
    }

    /// Seeds from a document `{loggingConfigurations: [spec], rooms: [spec],
    /// tags: [{resource, tags}]}`, in that order; `{label}`s are resolved as
    /// each step is made (rooms can use the configurations made before them).
    pub fn seed(&self, doc: &Value) {
        for spec in doc["loggingConfigurations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            self.lc(spec.clone());
        }
        for spec in doc["rooms"].as_array().into_iter().flatten() {
            self.room(spec.clone());
        }
        for t in doc["tags"].as_array().into_iter().flatten() {
            self.tag(t["resource"].as_str().expect("resource"), t["tags"].clone());
        }
    }

    fn resolve_json(&self, spec: Value) -> Value {
        serde_json::from_str(&self.resolve(&spec.to_string())).unwrap()
    }
}

/// `spec` with `arn` added (for learning its label).
fn with_arn(mut spec: Value, arn: &str) -> Value {
    spec["arn"] = json!(arn);
    spec
}

fn handler(h: &Value) -> MessageReviewHandler {
    MessageReviewHandler::builder()
        .uri(h["uri"].as_str().expect("handler uri"))
        .set_fallback_result(h["fallbackResult"].as_str().map(FallbackResult::from))
        .build()
}

fn tag_map(tags: &Value) -> Option<std::collections::HashMap<String, String>> {
    let tags = tags.as_object()?;
    let tag = |(k, v): (&String, &Value)| (k.clone(), v.as_str().expect("a string tag").into());
    Some(tags.iter().map(tag).collect())
}

/// A destination in the manifest's shape.
pub fn destination(d: &Value) -> DestinationConfiguration {
    let field = |kind: &str, member: &str| d[kind][member].as_str().map(String::from);
    if let Some(b) = field("s3", "bucketName") {
        let c = S3DestinationConfiguration::builder().bucket_name(b);
        DestinationConfiguration::S3(c.build().unwrap())
    } else if let Some(g) = field("cloudWatchLogs", "logGroupName") {
        let c = CloudWatchLogsDestinationConfiguration::builder().log_group_name(g);
        DestinationConfiguration::CloudWatchLogs(c.build().unwrap())
    } else if let Some(s) = field("firehose", "deliveryStreamName") {
        let c = FirehoseDestinationConfiguration::builder().delivery_stream_name(s);
        DestinationConfiguration::Firehose(c.build().unwrap())
    } else {
        panic!("unknown destination {d}")
    }
}
