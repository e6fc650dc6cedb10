//! Reading the account through the SDK, as the tests compare it: rooms
//! (brief, from ListRooms, or full, from GetRoom), logging configurations in
//! the manifest's shape, what a stack owns, and everything live redacted.
//!
//! Every read retries through injected faults (`retry`), so tests that turn
//! faults on still see the account exactly.

use super::context::TestContext;
use aws_sdk_ivschat::types::DestinationConfiguration;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::future::Future;

impl TestContext {
    /// Runs an SDK future on the emulator's runtime, retrying until it
    /// succeeds (injected faults apply nothing; for reads and idempotent
    /// set-up calls).
    pub fn retry<T, E: std::fmt::Debug, F: Future<Output = Result<T, E>>>(
        &self,
        mut call: impl FnMut() -> F,
    ) -> T {
        let mut last = None;
        for _ in 0..500 {
            match self.emu.block_on(call()) {
                Ok(v) => return v,
                Err(e) => last = Some(e),
            }
        }
        panic!("SDK call kept failing: {last:?}")
    }

    /// Every room from ListRooms (every page), newest first: `arn`, `name`,
    /// `loggingConfigurations` (sorted), `tags`.
    pub fn rooms_brief(&self) -> Vec<Value> {
        self.pages(|token| {
            let call = || {
                self.sdk
                    .list_rooms()
                    .max_results(50)
                    .set_next_token(token.clone())
                    .send()
            };
            let page = self.retry(call);
            let rooms = page.rooms().iter().map(|s| {
                let mut lcs = s.logging_configuration_identifiers().to_vec();
                lcs.sort();
                let (name, tags) = (s.name().unwrap_or_default(), tags_json(s.tags()));
                json!({"arn": s.arn(), "name": name, "loggingConfigurations": lcs, "tags": tags})
            });
            (rooms.collect(), page.next_token().map(String::from))
        })
    }

    /// Every item of every page: `page(token)` gives a page's items and the
    /// next token.
    fn pages(
        &self,
        mut page: impl FnMut(Option<String>) -> (Vec<Value>, Option<String>),
    ) -> Vec<Value> {
        let (mut out, mut token) = page(None);
        while token.is_some() {
            let (more, next) = page(token);
            out.extend(more);
            token = next;
        }
        out
    }

    /// Every room in full (GetRoom), newest first: `arn`, `name`,
    /// `maximumMessageLength`, `maximumMessageRatePerSecond`,
    /// `messageReviewHandler` (when set), `loggingConfigurations`, `tags`.
    pub fn rooms(&self) -> Vec<Value> {
        let brief = self.rooms_brief();
        brief
            .into_iter()
            .map(|b| {
                let arn = b["arn"].as_str().unwrap().to_string();
                let r = self.retry(|| self.sdk.get_room().identifier(&arn).send());
                let mut room = json!({
                    "arn": arn,
                    "name": r.name().unwrap_or_default(),
                    "maximumMessageLength": r.maximum_message_length(),
                    "maximumMessageRatePerSecond": r.maximum_message_rate_per_second(),
                    "loggingConfigurations": b["loggingConfigurations"],
                    "tags": tags_json(r.tags()),
                });
                if let Some(h) = r.message_review_handler() {
                    room["messageReviewHandler"] = json!({
                        "uri": h.uri(),
                        "fallbackResult": h.fallback_result().map(|f| f.as_str()),
                    });
                }
                room
            })
            .collect()
    }

    /// Every logging configuration: `arn`, `name`, `destination` (manifest
    /// shape), `state`, `tags`.
    pub fn logging_configurations(&self) -> Vec<Value> {
        self.pages(|token| {
            let list = self.sdk.list_logging_configurations().max_results(50);
            let page = self.retry(|| list.clone().set_next_token(token.clone()).send());
            let lcs = page.logging_configurations().iter().map(|s| {
                json!({
                    "arn": s.arn(),
                    "name": s.name().unwrap_or_default(),
                    "destination": destination_json(s.destination_configuration()),
                    "state": s.state().map(|x| x.as_str()),
                    "tags": tags_json(s.tags()),
                })
            });
            (lcs.collect(), page.next_token().map(String::from))
        })
    }

    /// ARNs of the resources stack `stack` owns, by address.
    pub fn owned(&self, stack: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let kinds = [
            ("rooms", self.rooms_brief()),
            ("loggingConfigurations", self.logging_configurations()),
        ];
        for (kind, list) in kinds {
            for r in list {
                if r["tags"]["ivsctl:stack"] == stack {
                    let key = format!("{kind}.{}", r["tags"]["ivsctl:key"].as_str().unwrap());
                    let arn = r["arn"].as_str().unwrap().to_string();
                    assert!(out.insert(key.clone(), arn).is_none(), "two {key}");
                }
            }
        }
        out
    }

    /// Every live resource in full, by label, ARNs as labels, one line each
    /// (sorted by label).
    pub fn live(&self) -> String {
        let (rooms, lcs) = self.quiet(|| {
            self.scan();
            (self.rooms(), self.logging_configurations())
        });
        let redactor = self.redactor();
        let mut lines: Vec<String> = rooms
            .into_iter()
            .chain(lcs)
            .map(|mut r| {
                let arn = r.as_object_mut().unwrap().remove("arn").unwrap();
                let label = self.label(arn.as_str().unwrap());
                if let Some(Value::Array(lcs)) = r.get_mut("loggingConfigurations") {
                    lcs.iter_mut()
                        .for_each(|a| *a = json!(format!("[{}]", self.label(a.as_str().unwrap()))));
                    lcs.sort_by_key(|a| a.to_string());
                }
                format!("{label}: {}", redactor.redact(&r.to_string()))
            })
            .collect();
        lines.sort();
        lines.join("\n")
    }
}

fn tags_json(tags: Option<&std::collections::HashMap<String, String>>) -> Value {
    let sorted: BTreeMap<_, _> = tags.into_iter().flatten().collect();
    json!(sorted)
}

fn destination_json(d: Option<&DestinationConfiguration>) -> Value {
    let mut out = Map::new();
    match d {
        Some(DestinationConfiguration::S3(s)) => {
            out.insert("s3".into(), json!({"bucketName": s.bucket_name()}));
        }
        Some(DestinationConfiguration::CloudWatchLogs(c)) => {
            let inner = json!({"logGroupName": c.log_group_name()});
            out.insert("cloudWatchLogs".into(), inner);
        }
        Some(DestinationConfiguration::Firehose(f)) => {
            let inner = json!({"deliveryStreamName": f.delivery_stream_name()});
            out.insert("firehose".into(), inner);
        }
        other => panic!("unexpected destination {other:?}"),
    }
    Value::Object(out)
}
