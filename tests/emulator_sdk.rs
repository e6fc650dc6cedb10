//! The emulator as the real `aws-sdk-ivschat` client sees it.
//!
//! Tables of rows drive all 17 operations through the SDK (retries off) and
//! assert what a user of the SDK would observe: statuses, error codes, the
//! typed errors and their members, field names, values. The expected
//! behaviour is the service model (`data/ivschat-service-2.json`) and the
//! emulator's documented choices (`docs/emulator.md`).
//!
//! A row is JSON in the wire's shape (see `emulator_support::rows`): the SDK
//! sends it as a typed call and its typed answer is compared, as JSON, with
//! the row's pattern. Each scenario below runs on a fresh emulator and bears
//! the name of the test it replaces; every failing row is reported by name.

mod common;
mod emulator_support;

use aws_sdk_ivschat::operation::list_rooms::builders::ListRoomsFluentBuilder;
use emulator_support::{
    act, burst, expect_eq, faulty, judge, model, now_ms, rows, run, run_configured, steps, with,
    Checks, Ctx, Step, ACCOUNT, CONFLICT, LAMBDA, LAMBDA_2, MISSING_LC, MISSING_ROOM, NOT_FOUND,
    QUOTA,
};
use ivsctl::emulator::{EmulatorConfig, Quotas};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

fn s3(bucket: &str) -> Value {
    json!({ "s3": { "bucketName": bucket } })
}

fn firehose(stream: &str) -> Value {
    json!({ "firehose": { "deliveryStreamName": stream } })
}

fn lc_arn(id: &str) -> String {
    format!("arn:aws:ivschat:us-east-1:{ACCOUNT}:logging-configuration/{id}")
}

/// A scenario on an emulator whose logging configurations stay CREATING /
/// UPDATING for a second.
fn delayed(name: &str, steps: Vec<Step>) -> (&str, EmulatorConfig, Vec<Step>) {
    let config = EmulatorConfig {
        logging_config_delay: Duration::from_millis(1000),
        ..EmulatorConfig::default()
    };
    (name, config, steps)
}

// ---------------------------------------------------------------------------
// 1. Every operation, with the response shape AWS sends
// ---------------------------------------------------------------------------

#[test]
fn every_operation_answers_the_aws_shape() {
    let default_room = json!({
        "id": "$id", "arn": "arn:aws:ivschat:us-east-1:123456789012:room/${id}", "name": "",
        "maximumMessageLength": 500, "maximumMessageRatePerSecond": 10,
        "messageReviewHandler": null, "loggingConfigurationIdentifiers": null, "tags": {},
        "createTime": "$created", "updateTime": "$created",
    });
    let lobby_in = json!({
        "name": "lobby", "maximumMessageLength": 300, "maximumMessageRatePerSecond": 50,
        "messageReviewHandler": {"uri": LAMBDA, "fallbackResult": "DENY"},
        "loggingConfigurationIdentifiers": ["$lc"], "tags": {"team": "video"},
    });
    let lobby = with(
        &lobby_in,
        json!({"arn": "$room", "id": "$id", "createTime": "$created", "updateTime": "$updated"}),
    );
    // A summary has no limits.
    let mut lobby_summary = lobby.clone();
    for limit in ["maximumMessageLength", "maximumMessageRatePerSecond"] {
        lobby_summary.as_object_mut().unwrap().remove(limit);
    }
    run(vec![
        (
            "create_room_without_options_answers_the_aws_shape",
            rows(json!([
                {"step": "CreateRoom {}: defaults, \"\" name, tags {}, no handler or list, createTime == updateTime, whole ms, a request id",
                 "op": "CreateRoom", "save": {"id": "id", "created": "createTime"},
                 "ok": with(&default_room, json!({"id": "<id>", "createTime": "<now>", "x-amzn-RequestId": "<uuid>"}))},
                {"step": "GetRoom answers the same", "op": "GetRoom",
                 "in": {"identifier": "arn:aws:ivschat:us-east-1:123456789012:room/${id}"}, "ok": default_room},
            ])),
        ),
        (
            "room_operations_round_trip",
            rows(json!([
                {"step": "a logging configuration", "op": "CreateLoggingConfiguration", "in": {"destinationConfiguration": s3("chat-logs")}, "save": {"lc": "arn"}, "ok": {}},
                {"step": "CreateRoom with every member", "op": "CreateRoom", "in": lobby_in,
                 "save": {"room": "arn", "id": "id", "created": "createTime", "updated": "updateTime"}, "ok": lobby},
                {"step": "GetRoom answers what CreateRoom answered", "op": "GetRoom", "in": {"identifier": "$room"}, "ok": lobby},
                {"step": "ListRooms answers the summary", "op": "ListRooms", "ok": {"rooms": [lobby_summary], "nextToken": null}},
                {"step": "UpdateRoom answers the whole room, updated", "op": "UpdateRoom",
                 "in": {"identifier": "$room", "name": "lobby-2", "maximumMessageLength": 10},
                 "ok": {"arn": "$room", "name": "lobby-2", "maximumMessageLength": 10, "maximumMessageRatePerSecond": 50,
                        "createTime": "$created", "updateTime": "<after $updated>", "tags": {"team": "video"}}},
                {"step": "DeleteRoom", "op": "DeleteRoom", "in": {"identifier": "$room"}, "ok": {}},
                {"step": "GetRoom after DeleteRoom", "op": "GetRoom", "in": {"identifier": "$room"}, "err": "404 ResourceNotFoundException"},
                {"step": "ListRooms after DeleteRoom", "op": "ListRooms", "ok": {"rooms": []}},
                {"step": "DeleteRoom twice", "op": "DeleteRoom", "in": {"identifier": "$room"}, "err": "404 ResourceNotFoundException"},
                {"step": "204 on the wire for the delete", "op": "logged", "in": {"op": "DeleteRoom", "statuses": [204, 404]}},
            ])),
        ),
        (
            "logging_configuration_operations_round_trip_for_each_destination",
            lc_round_trip(),
        ),
        (
            "tag_operations_work_on_rooms_and_logging_configurations",
            steps(vec![
                rows(json!([
                    {"step": "CreateRoom with a tag", "op": "CreateRoom", "in": {"tags": {"initial": "1"}}, "save": {"room": "arn"}, "ok": {}},
                    {"step": "CreateLoggingConfiguration with a tag", "op": "CreateLoggingConfiguration",
                     "in": {"destinationConfiguration": s3("bucket"), "tags": {"initial": "1"}}, "save": {"lc": "arn"}, "ok": {}},
                ])),
                tag_round_trip("$room"),
                tag_round_trip("$lc"),
                rows(json!([
                    {"step": "GetRoom shows the same tags", "op": "GetRoom", "in": {"identifier": "$room"}, "ok": {"tags": {"a": "1"}}},
                    {"step": "GetLoggingConfiguration shows the same tags", "op": "GetLoggingConfiguration", "in": {"identifier": "$lc"}, "ok": {"tags": {"a": "1"}}},
                ])),
            ]),
        ),
        (
            "chat_operations_answer_the_documented_shapes",
            rows(json!([
                {"step": "a room", "op": "CreateRoom", "save": {"room": "arn"}, "ok": {}},
                {"step": "CreateChatToken: token, expiry in 1 minute, session of 60 minutes (default)", "op": "CreateChatToken",
                 "in": {"roomIdentifier": "$room", "userId": "user-1"}, "save": {"token": "token"},
                 "ok": {"token": "<nonempty>", "tokenExpirationTime": "<now+1m>", "sessionExpirationTime": "<now+60m>"}},
                {"step": "CreateChatToken with every member: a new token, session of 180 minutes", "op": "CreateChatToken",
                 "in": {"roomIdentifier": "$room", "userId": "user-2", "capabilities": ["SEND_MESSAGE", "DISCONNECT_USER", "DELETE_MESSAGE"],
                        "sessionDurationInMinutes": 180, "attributes": {"displayName": "Ada"}},
                 "ok": {"token": "<nonempty> <not $token>", "tokenExpirationTime": "<now+1m>", "sessionExpirationTime": "<now+180m>"}},
                {"step": "SendEvent answers an id", "op": "SendEvent", "save": {"event": "id"}, "ok": {"id": "<id>"},
                 "in": {"roomIdentifier": "$room", "eventName": "app:announcement", "attributes": {"text": "hello"}}},
                {"step": "DeleteMessage answers a fresh id, not the message's", "op": "DeleteMessage",
                 "in": {"roomIdentifier": "$room", "id": "AbCdEfGhIjKl", "reason": "spam"}, "ok": {"id": "<id> <not AbCdEfGhIjKl> <not $event>"}},
                {"step": "a fresh id per event", "op": "SendEvent", "in": {"roomIdentifier": "$room", "eventName": "app:announcement"}, "ok": {"id": "<id> <not $event>"}},
                {"step": "DisconnectUser", "op": "DisconnectUser", "in": {"roomIdentifier": "$room", "userId": "user-1", "reason": "bye"}, "ok": {}},
                {"step": "DisconnectUser answered 200", "op": "logged", "in": {"op": "DisconnectUser", "statuses": [200]}},
            ])),
        ),
    ]);
}

/// Create, Get, List, Update and Delete of a logging configuration per
/// destination type.
fn lc_round_trip() -> Vec<Step> {
    let destinations = [
        ("to-s3", s3("chat-logs-bucket")),
        (
            "to-cwl",
            json!({"cloudWatchLogs": {"logGroupName": "/aws/ivschat/chat_logs#1"}}),
        ),
        ("to-firehose", firehose("chat.logs_stream-1")),
    ];
    let shape = |i: usize| {
        let (name, dest) = &destinations[i];
        json!({"name": name, "destinationConfiguration": dest, "state": "ACTIVE", "tags": {"dest": name}})
    };
    let mut table = Vec::new();
    for (i, (name, dest)) in destinations.iter().enumerate() {
        let whole = with(
            &shape(i),
            json!({"id": format!("$id{i}"), "arn": lc_arn(&format!("${{id{i}}}")), "updateTime": format!("$t{i}")}),
        );
        table.push(json!({"step": format!("Create to {name}"), "op": "CreateLoggingConfiguration",
            "in": {"name": name, "destinationConfiguration": dest, "tags": {"dest": name}},
            "save": {format!("id{i}"): "id", format!("t{i}"): "createTime", format!("lc{i}"): "arn"},
            "ok": with(&whole, json!({"id": "<id>", "createTime": "<now>"}))}));
        table.push(json!({"step": format!("Get to {name}: the destination round-trips"), "op": "GetLoggingConfiguration",
            "in": {"identifier": lc_arn(&format!("${{id{i}}}"))}, "ok": with(&whole, json!({"createTime": format!("$t{i}")}))}));
    }
    let newest_first: Vec<Value> = (0..3)
        .rev()
        .map(|i| with(&shape(i), json!({"arn": format!("$lc{i}"), "id": "<id>"})))
        .collect();
    table.push(
        json!({"step": "List: newest first, every field", "op": "ListLoggingConfigurations",
        "ok": {"loggingConfigurations": newest_first, "nextToken": null}}),
    );
    table.push(json!({"step": "Update: name and destination type change; the answer is ACTIVE", "op": "UpdateLoggingConfiguration",
        "in": {"identifier": "$lc0", "name": "now-firehose", "destinationConfiguration": firehose("other-stream")},
        "ok": {"arn": "$lc0", "name": "now-firehose", "destinationConfiguration": firehose("other-stream"), "state": "ACTIVE", "tags": {"dest": "to-s3"}}}));
    table.push(json!({"step": "Get after Update", "op": "GetLoggingConfiguration", "in": {"identifier": "$lc0"},
        "ok": {"name": "now-firehose", "destinationConfiguration": firehose("other-stream")}}));
    for i in 0..3 {
        table.push(json!({"step": format!("Delete $lc{i}"), "op": "DeleteLoggingConfiguration", "in": {"identifier": format!("$lc{i}")}, "ok": {}}));
        table.push(json!({"step": format!("Get $lc{i} after Delete"), "op": "GetLoggingConfiguration", "in": {"identifier": format!("$lc{i}")},
            "err": "404 ResourceNotFoundException"}));
    }
    table.push(json!({"step": "an empty list after the deletes", "op": "ListLoggingConfigurations", "ok": {"loggingConfigurations": []}}));
    table.push(json!({"step": "204 for each delete", "op": "logged", "in": {"op": "DeleteLoggingConfiguration", "statuses": [204, 204, 204]}}));
    rows(Value::Array(table))
}

/// TagResource merges and replaces; UntagResource of an absent key is no error.
fn tag_round_trip(arn: &str) -> Vec<Step> {
    let tags = |tags: Value| json!({"step": format!("ListTagsForResource {arn}"), "op": "ListTagsForResource", "in": {"resourceArn": arn}, "ok": {"tags": tags}});
    rows(json!([
        tags(json!({"initial": "1"})),
        {"step": "TagResource", "op": "TagResource", "in": {"resourceArn": arn, "tags": {"a": "1", "initial": "replaced"}}, "ok": {}},
        tags(json!({"initial": "replaced", "a": "1"})),
        {"step": "UntagResource (an absent key is not an error)", "op": "UntagResource", "in": {"resourceArn": arn, "tagKeys": ["initial", "not-there"]}, "ok": {}},
        tags(json!({"a": "1"})),
    ]))
}

// ---------------------------------------------------------------------------
// 2. Each error type with its status and members
// ---------------------------------------------------------------------------

#[test]
fn missing_resources_are_404_naming_them() {
    let missing = |id: &str| json!({"status": 404, "code": NOT_FOUND, "resourceId": id, "resourceType": "ROOM", "message": "<nonempty>"});
    let (room, lc) = (missing("AAAAAAAAAAAA"), missing("BBBBBBBBBBBB"));
    let mut table = json!([
        {"step": "GetRoom", "op": "GetRoom", "in": {"identifier": MISSING_ROOM}, "err": room},
        {"step": "UpdateRoom", "op": "UpdateRoom", "in": {"identifier": MISSING_ROOM}, "err": room},
        {"step": "DeleteRoom", "op": "DeleteRoom", "in": {"identifier": MISSING_ROOM}, "err": room},
        {"step": "GetLoggingConfiguration", "op": "GetLoggingConfiguration", "in": {"identifier": MISSING_LC}, "err": lc},
        {"step": "UpdateLoggingConfiguration", "op": "UpdateLoggingConfiguration", "in": {"identifier": MISSING_LC, "name": "x"}, "err": lc},
        {"step": "DeleteLoggingConfiguration", "op": "DeleteLoggingConfiguration", "in": {"identifier": MISSING_LC}, "err": lc},
        {"step": "CreateChatToken", "op": "CreateChatToken", "in": {"roomIdentifier": MISSING_ROOM, "userId": "u"}, "err": room},
        {"step": "SendEvent", "op": "SendEvent", "in": {"roomIdentifier": MISSING_ROOM, "eventName": "e"}, "err": room},
        {"step": "DeleteMessage", "op": "DeleteMessage", "in": {"roomIdentifier": MISSING_ROOM, "id": "AbCdEfGhIjKl"}, "err": room},
        {"step": "DisconnectUser", "op": "DisconnectUser", "in": {"roomIdentifier": MISSING_ROOM, "userId": "u"}, "err": room},
    ]);
    for (arn, err) in [(MISSING_ROOM, &room), (MISSING_LC, &lc)] {
        let more = json!([
            {"step": format!("TagResource {arn}"), "op": "TagResource", "in": {"resourceArn": arn, "tags": {"k": "v"}}, "err": err},
            {"step": format!("UntagResource {arn}"), "op": "UntagResource", "in": {"resourceArn": arn, "tagKeys": ["k"]}, "err": err},
            {"step": format!("ListTagsForResource {arn}"), "op": "ListTagsForResource", "in": {"resourceArn": arn}, "err": err},
        ]);
        table
            .as_array_mut()
            .unwrap()
            .extend(more.as_array().unwrap().clone());
    }
    run(vec![
        ("resource_not_found_is_404_naming_the_resource, tag_operations_on_an_unknown_arn_are_404, chat_operations_on_a_missing_room_are_404", rows(table)),
        ("conflict_is_409_naming_the_resource", rows(json!([
            {"step": "a logging configuration", "op": "CreateLoggingConfiguration", "in": {"destinationConfiguration": s3("bucket")}, "save": {"lc": "arn", "id": "id"}, "ok": {}},
            {"step": "a room referencing it", "op": "CreateRoom", "in": {"loggingConfigurationIdentifiers": ["$lc"]}, "ok": {}},
            {"step": "delete a referenced logging configuration", "op": "DeleteLoggingConfiguration", "in": {"identifier": "$lc"},
             "err": {"status": 409, "code": CONFLICT, "resourceId": "$id", "resourceType": "ROOM", "message": "<nonempty>"}},
        ]))),
    ]);
}

#[test]
fn throttling_is_429_when_aws_rate_quotas_are_enforced() {
    let emu = common::emulator(EmulatorConfig {
        quotas: Quotas::Aws,
        ..EmulatorConfig::default()
    });
    let cx = Ctx::new(&emu);
    let mut checks = Checks::default();
    // A burst of 8 concurrent CreateRoom: the bucket holds 5 (5/s).
    let answers = burst(
        &cx,
        8,
        "CreateRoom",
        |i| json!({ "name": format!("burst-{i}") }),
    );
    checks.eq(
        "5 of 8 pass",
        answers.iter().filter(|a| a.is_ok()).count(),
        5,
    );
    for a in answers.iter().filter(|a| a.is_err()) {
        let throttled = json!({"status": 429, "code": "ThrottlingException", "kind": "Unhandled"});
        checks.matches("the others are throttled", throttled, a);
    }
    checks.eq("all 8 are logged", emu.count("CreateRoom"), 8);
    let log = emu.requests();
    let logged = log
        .iter()
        .filter(|r| r.error.as_deref() == Some("ThrottlingException"));
    checks.eq("3 are logged as throttled", logged.count(), 3);
    // Throttled requests were not applied: exactly 5 rooms. Quotas are per
    // operation, so ListRooms has its own bucket.
    let listed = cx.call("ListRooms", json!({}));
    checks.matches("5 rooms", json!({"rooms": "<len 5>"}), &listed);
    // The bucket refills at 5/s: CreateRoom works again shortly.
    let start = Instant::now();
    while let Err(e) = cx.call("CreateRoom", json!({})) {
        checks.matches("throttled while refilling", json!({"status": 429}), &Err(e));
        if start.elapsed() > Duration::from_secs(5) {
            checks.is("refill", false, "the bucket never refilled");
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // The typed error and its members, on an operation that models it.
    let room = listed
        .map(|l| l["rooms"][0]["arn"].clone())
        .unwrap_or_default();
    let answers = burst(
        &cx,
        200,
        "SendEvent",
        |_| json!({ "roomIdentifier": room, "eventName": "burst" }),
    );
    let ok = answers.iter().filter(|a| a.is_ok()).count();
    checks.is(
        "the first 100 of a burst pass",
        ok >= 100,
        format!("{ok} passed"),
    );
    checks.is(
        "200 concurrent SendEvent exceed 100/s",
        ok < 200,
        "none throttled",
    );
    for a in answers.iter().filter(|a| a.is_err()) {
        let typed = json!({"status": 429, "kind": "ThrottlingException", "limit": 100, "resourceId": "SendEvent", "resourceType": "ROOM"});
        checks.matches("SendEvent throttled, typed, with its members", typed, a);
    }
    checks.finish();
}

#[test]
fn internal_server_error_is_500_when_faults_are_injected() {
    let emu = faulty(1.0, 7);
    let cx = Ctx::new(&emu);
    let mut checks = Checks::default();
    let answers: BTreeSet<String> = (0..20)
        .map(|_| {
            let e = cx.call("CreateRoom", json!({})).err().unwrap_or_default();
            format!("{} {}", e["status"], e["code"].as_str().unwrap_or(""))
        })
        .collect();
    // Half the faults are throttling.
    let both = ["429 ThrottlingException", "500 InternalServerException"].map(String::from);
    checks.eq(
        "faulted CreateRoom: 500 and 429, nothing else",
        answers,
        BTreeSet::from(both),
    );
    // The typed error, on an operation that models it.
    let typed = (0..20).find_map(|_| {
        let e = cx
            .call(
                "ListTagsForResource",
                json!({ "resourceArn": MISSING_ROOM }),
            )
            .err()?;
        (e["status"] == 500).then_some(e)
    });
    checks.is(
        "ListTagsForResource: 500 InternalServerException, typed",
        typed.is_some_and(|e| e["kind"] == "InternalServerException"),
        "never",
    );
    // Faults are answered before the operation runs: even a request for a
    // missing resource is never a 404, and nothing was applied.
    let statuses: BTreeSet<u16> = emu.requests().iter().map(|r| r.status).collect();
    checks.eq(
        "only 500 and 429 were answered",
        statuses,
        BTreeSet::from([429, 500]),
    );
    checks.finish();
}

// ---------------------------------------------------------------------------
// 3. Every constraint of the model, driven by the model; and the rules the
//    model does not state
// ---------------------------------------------------------------------------

/// The kinds of constraint the model states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Class {
    Required,
    Length,
    Pattern,
    Range,
    Enum,
    ListSize,
    MapSize,
}

/// A violating value for one member.
#[derive(Debug, Clone)]
enum Bad {
    Omit,
    Str(String),
    Int(i64),
    /// A list or map with this many (valid) entries.
    Count(usize),
}

/// One violation: `target` is the member's path (`a.b`), with `#item`,
/// `#key`, `#value` for list items and map keys/values; `field` is the name
/// the fieldList must carry.
#[derive(Debug)]
struct Violation {
    op: String,
    target: String,
    field: String,
    class: Class,
    bad: Bad,
}

/// Walks input shapes of the model and lists one violation per constraint.
struct Walker<'m> {
    shapes: &'m serde_json::Map<String, Value>,
    op: String,
    found: Vec<Violation>,
}

/// A valid value of a string shape, to pad into a too-long one that still
/// matches the shape's pattern.
fn valid_prefix(shape: &str) -> &'static str {
    match shape {
        "RoomIdentifier" | "RoomArn" | "ResourceArn" => {
            "arn:aws:ivschat:us-east-1:123456789012:room/a"
        }
        "LoggingConfigurationIdentifier" => {
            "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/a"
        }
        "LambdaArn" => "arn:aws:lambda:us-east-1:123456789012:function:f",
        _ => "",
    }
}

fn anchored(pattern: &str) -> regex::Regex {
    regex::Regex::new(&format!("^(?:{pattern})$")).expect("model pattern compiles")
}

impl Walker<'_> {
    fn push(&mut self, target: &str, field: &str, class: Class, bad: Bad) {
        self.found.push(Violation {
            op: self.op.clone(),
            target: target.to_string(),
            field: field.to_string(),
            class,
            bad,
        });
    }

    fn structure(&mut self, shape: &str, prefix: &str) {
        let s = &self.shapes[shape];
        let required: Vec<&str> = s["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (name, member) in s["members"].as_object().expect("members") {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            if required.contains(&name.as_str()) {
                self.push(&path, &path, Class::Required, Bad::Omit);
            }
            let member_shape = member["shape"].as_str().expect("member shape");
            self.member(member_shape, &path, &path);
        }
    }

    fn member(&mut self, shape_name: &str, target: &str, field: &str) {
        let s = &self.shapes[shape_name];
        let min = s["min"].as_i64();
        let max = s["max"].as_i64();
        let (class, parts): (Class, &[(&str, &str)]) = match s["type"].as_str().unwrap_or("") {
            "structure" => return self.structure(shape_name, target),
            "string" => return self.string(shape_name, s, target, field),
            "integer" | "long" => {
                for bad in [min.map(|m| m - 1), max.map(|m| m + 1)]
                    .into_iter()
                    .flatten()
                {
                    self.push(target, field, Class::Range, Bad::Int(bad));
                }
                return;
            }
            "list" => (Class::ListSize, &[("#item", "member")]),
            "map" => (Class::MapSize, &[("#key", "key"), ("#value", "value")]),
            _ => return,
        };
        if let Some(max) = max {
            self.push(target, field, class, Bad::Count(max as usize + 1));
        }
        if let Some(min) = min.filter(|m| *m > 0) {
            self.push(target, field, class, Bad::Count(min as usize - 1));
        }
        for (suffix, part) in parts {
            let shape = s[*part]["shape"].as_str().expect("item shape");
            self.member(shape, &format!("{target}{suffix}"), field);
        }
    }

    fn string(&mut self, shape_name: &str, s: &Value, target: &str, field: &str) {
        let min = s["min"].as_u64().unwrap_or(0) as usize;
        let max = s["max"].as_u64().map(|m| m as usize);
        let pattern = s["pattern"].as_str().map(anchored);
        if let Some(values) = s["enum"].as_array() {
            let bad = ["MAYBE", "NOT_A_VALUE"]
                .into_iter()
                .find(|b| !values.iter().any(|v| v == b))
                .unwrap();
            self.push(target, field, Class::Enum, Bad::Str(bad.into()));
        }
        if min > 0 {
            self.push(target, field, Class::Length, Bad::Str("a".repeat(min - 1)));
        }
        if let Some(max) = max {
            let prefix = valid_prefix(shape_name);
            let long = format!("{prefix}{}", "a".repeat(max + 1 - prefix.len()));
            // Only the length is wrong (ResourceArn's modelled pattern is the
            // documented bug: it matches no real ARN).
            if let Some(p) = pattern.as_ref().filter(|_| shape_name != "ResourceArn") {
                assert!(
                    p.is_match(&long),
                    "{shape_name}: {long} must match the pattern"
                );
            }
            self.push(target, field, Class::Length, Bad::Str(long));
        }
        if let Some(p) = pattern {
            // Within the length bounds; a space matches no pattern of the model.
            let mut bad = "bad value ".to_string();
            while bad.len() < min {
                bad.push('x');
            }
            bad.truncate(max.unwrap_or(bad.len()));
            assert!(!p.is_match(&bad), "{shape_name}: {bad:?} must violate {p}");
            self.push(target, field, Class::Pattern, Bad::Str(bad));
        }
    }
}

/// One violation per constraint of every operation's input.
fn violations(model: &Value) -> Vec<Violation> {
    let mut walker = Walker {
        shapes: model["shapes"].as_object().expect("shapes"),
        op: String::new(),
        found: Vec::new(),
    };
    for (op, def) in model["operations"].as_object().expect("operations") {
        if let Some(input) = def["input"]["shape"].as_str() {
            walker.op = op.clone();
            walker.structure(input, "");
        }
    }
    walker.found
}

/// A valid input of each operation, on the fixture room and configuration.
fn valid_input(op: &str) -> Value {
    let (room, lc) = ("$room", "$lc");
    match op {
        "CreateChatToken" | "DisconnectUser" => json!({"roomIdentifier": room, "userId": "user-1"}),
        "CreateLoggingConfiguration" => json!({"destinationConfiguration": s3("fixture-bucket")}),
        "DeleteMessage" => json!({"roomIdentifier": room, "id": "AbCdEfGhIjKl"}),
        "DeleteRoom" | "GetRoom" | "UpdateRoom" => json!({ "identifier": room }),
        "DeleteLoggingConfiguration" | "GetLoggingConfiguration" | "UpdateLoggingConfiguration" => {
            json!({ "identifier": lc })
        }
        "ListTagsForResource" => json!({ "resourceArn": room }),
        "SendEvent" => json!({"roomIdentifier": room, "eventName": "app:event"}),
        "TagResource" => json!({"resourceArn": room, "tags": {"added": "1"}}),
        "UntagResource" => json!({"resourceArn": room, "tagKeys": ["added"]}),
        _ => json!({}),
    }
}

/// `valid_input(op)` with the violation put in.
fn violating_input(v: &Violation) -> Value {
    let mut input = valid_input(&v.op);
    let (path, part) = v.target.split_once('#').unwrap_or((&v.target, ""));
    let segments: Vec<&str> = path.split('.').collect();
    if segments[0] == "destinationConfiguration" && segments.len() > 1 {
        // A union: the violated member is its only one.
        input[segments[0]] = json!({ segments[1]: {} });
    }
    let (last, parents) = segments.split_last().expect("a path");
    let parent = parents.iter().fold(&mut input, |v, p| &mut v[*p]);
    let item = |i: usize| match *last {
        "capabilities" => json!("SEND_MESSAGE"),
        "loggingConfigurationIdentifiers" => json!(lc_arn(&format!("Synthetic{i:03}"))),
        _ => json!(format!("key{i:02}")),
    };
    let value = match (&v.bad, part) {
        (Bad::Omit, _) => None,
        (Bad::Int(n), _) => Some(json!(n)),
        (Bad::Count(n), _) if v.class == Class::MapSize => Some(
            (0..*n)
                .map(|i| (format!("key{i:02}"), json!("v")))
                .collect(),
        ),
        (Bad::Count(n), _) => Some((0..*n).map(item).collect()),
        (Bad::Str(s), "item") => Some(json!([s])),
        (Bad::Str(s), "key") => Some(json!({ s: "v" })),
        (Bad::Str(s), "value") => Some(json!({ "key": s })),
        (Bad::Str(s), _) => Some(json!(s)),
    };
    match value {
        Some(value) => parent[*last] = value,
        None => {
            parent.as_object_mut().expect("an object").remove(*last);
        }
    }
    input
}

/// The rooms and logging configurations tables 3 and 4 start from.
fn fixture() -> Vec<Step> {
    rows(json!([
        {"step": "fixture room", "op": "CreateRoom", "in": {"tags": {"fine": "1"}}, "save": {"room": "arn"}, "ok": {}},
        {"step": "fixture logging configuration", "op": "CreateLoggingConfiguration",
         "in": {"destinationConfiguration": s3("fixture-bucket")}, "save": {"lc": "arn"}, "ok": {}},
    ]))
}

/// Nothing a refused request sent was applied: the fixture is as it was.
fn fixture_unchanged(rooms: &[&str], lcs: usize) -> Vec<Step> {
    let rooms: Vec<Value> = rooms.iter().map(|r| json!({ "arn": r })).collect();
    rows(json!([
        {"step": "no room was created", "op": "ListRooms", "ok": {"rooms": rooms}},
        {"step": "the fixture room is unchanged", "op": "GetRoom", "in": {"identifier": "$room"},
         "ok": {"name": "", "maximumMessageLength": 500, "tags": {"fine": "1"}, "loggingConfigurationIdentifiers": null}},
        {"step": "no logging configuration was created", "op": "ListLoggingConfigurations", "ok": {"loggingConfigurations": format!("<len {lcs}>")}},
        {"step": "the fixture configuration is unchanged", "op": "GetLoggingConfiguration", "in": {"identifier": "$lc"},
         "ok": {"name": "", "destinationConfiguration": s3("fixture-bucket")}},
    ]))
}

#[test]
fn every_model_constraint_is_enforced_through_the_sdk() {
    let all = violations(model());
    let emu = common::default_emulator();
    let mut cx = Ctx::new(&emu);
    let mut checks = Checks(cx.run(&fixture()));
    let mut skipped = BTreeSet::new();
    let mut classes = BTreeSet::new();
    for v in &all {
        let answer = cx.call(&v.op, violating_input(v));
        if answer.as_ref().is_err_and(|e| e["kind"] == "NotSent") {
            // The SDK refuses it before sending.
            skipped.insert((v.op.clone(), v.target.clone(), v.class));
            continue;
        }
        classes.insert(v.class);
        let what = format!("{} {} {:?} {:?}", v.op, v.target, v.class, v.bad);
        checks.that(
            &what,
            judge(
                &v.op,
                &answer,
                &json!({ "invalid": [v.field] }),
                now_ms(),
                &cx.vars,
            ),
        );
    }
    // What the SDK refuses client-side, and only that, was left out: a union
    // member without its required field, and an absent or empty URI label.
    let mut expected_skips = BTreeSet::new();
    for op in ["CreateLoggingConfiguration", "UpdateLoggingConfiguration"] {
        for member in [
            "s3.bucketName",
            "cloudWatchLogs.logGroupName",
            "firehose.deliveryStreamName",
        ] {
            expected_skips.insert((
                op.to_string(),
                format!("destinationConfiguration.{member}"),
                Class::Required,
            ));
        }
    }
    for op in ["ListTagsForResource", "TagResource", "UntagResource"] {
        expected_skips.insert((op.to_string(), "resourceArn".to_string(), Class::Required));
        expected_skips.insert((op.to_string(), "resourceArn".to_string(), Class::Length));
    }
    checks.eq("left out", skipped, expected_skips);
    let every_class = [
        Class::Required,
        Class::Length,
        Class::Pattern,
        Class::Range,
        Class::Enum,
        Class::ListSize,
        Class::MapSize,
    ];
    checks.eq("classes sent", classes, BTreeSet::from(every_class));
    checks.is(
        "the walk finds every constraint",
        all.len() > 80,
        format!("only {}", all.len()),
    );
    checks.0.extend(cx.run(&fixture_unchanged(&["$room"], 1)));
    checks.finish();
}

/// 1024 bytes of attributes (UTF-8 bytes of keys and values: "é" is 2).
fn attributes(over: usize) -> [Value; 3] {
    [
        json!({ "k": "v".repeat(1023 + over) }),
        json!({ "ab": "é".repeat(511 + over) }),
        json!({"a": "x".repeat(500), "b": "y".repeat(522 + over)}),
    ]
}

#[test]
fn rules_beyond_the_model_constraints_are_enforced() {
    let mut table = json!([
        {"step": "ValidationException: 400, reason, fieldList with a message", "op": "CreateRoom", "in": {"maximumMessageLength": 501},
         "err": {"status": 400, "code": "ValidationException", "reason": "FIELD_VALIDATION_FAILED",
                 "fieldList": [{"name": "maximumMessageLength", "message": "<nonempty>"}], "message": "<starts 1 validation error detected>"}},
        {"step": "every violation gets its own entry", "op": "CreateRoom", "in": {"maximumMessageLength": 0, "maximumMessageRatePerSecond": 101},
         "err": {"status": 400, "code": "ValidationException", "fieldList": [{"name": "maximumMessageLength"}, {"name": "maximumMessageRatePerSecond"}], "message": "<starts 2 validation errors detected>"}},
        {"step": "a room ARN to GetLoggingConfiguration", "op": "GetLoggingConfiguration", "in": {"identifier": "$room"}, "invalid": ["identifier"]},
        {"step": "a logging-configuration ARN to GetRoom", "op": "GetRoom", "in": {"identifier": "$lc"}, "invalid": ["identifier"]},
        {"step": "an identifier that is not an ARN", "op": "DeleteRoom", "in": {"identifier": "lobby"}, "invalid": ["identifier"]},
        {"step": "a room ARN as a logging configuration", "op": "CreateRoom", "in": {"loggingConfigurationIdentifiers": ["$room"]}, "invalid": ["loggingConfigurationIdentifiers"]},
        {"step": "bucketName AB (too short and upper case)", "op": "CreateLoggingConfiguration", "in": {"destinationConfiguration": s3("AB")},
         "invalid": ["destinationConfiguration.s3.bucketName"]},
        {"step": "an ARN of another resource type", "op": "TagResource",
         "in": {"resourceArn": "arn:aws:ivschat:us-east-1:123456789012:channel/abc", "tags": {"k": "v"}}, "invalid": ["resourceArn"]},
        {"step": "room name with a space", "op": "CreateRoom", "in": {"name": "has space"}, "invalid": ["name"]},
        {"step": "validation is complete: one entry per violated member, nested ones too", "op": "CreateRoom",
         "in": {"name": "x".repeat(129), "messageReviewHandler": {"uri": "not-a-lambda", "fallbackResult": "MAYBE"}},
         "invalid": ["messageReviewHandler.fallbackResult", "messageReviewHandler.uri", "name"]},
        {"step": "CreateRoom with the same logging configuration twice", "op": "CreateRoom", "in": {"loggingConfigurationIdentifiers": ["$lc", "$lc"]},
         "invalid": ["loggingConfigurationIdentifiers"]},
        {"step": "UpdateRoom with the same logging configuration twice", "op": "UpdateRoom",
         "in": {"identifier": "$room", "loggingConfigurationIdentifiers": ["$lc", "$lc"]}, "invalid": ["loggingConfigurationIdentifiers"]},
        {"step": "CreateRoom with an aws: tag key", "op": "CreateRoom", "in": {"tags": {"aws:team": "x"}}, "invalid": ["tags"]},
        {"step": "CreateLoggingConfiguration with an AWS: tag key (any case)", "op": "CreateLoggingConfiguration",
         "in": {"destinationConfiguration": s3("bucket"), "tags": {"AWS:Team": "x"}}, "invalid": ["tags"]},
        {"step": "TagResource with an aws: key changes nothing", "op": "TagResource",
         "in": {"resourceArn": "$room", "tags": {"fine": "changed", "new": "1", "aws:cloudformation:stack-name": "x"}}, "invalid": ["tags"]},
        {"step": "UntagResource with an aws: key removes nothing", "op": "UntagResource",
         "in": {"resourceArn": "$room", "tagKeys": ["fine", "aws:team"]}, "invalid": ["tagKeys"]},
        {"step": "a forged ListRooms token", "op": "ListRooms", "in": {"nextToken": "forged"}, "invalid": ["nextToken"]},
        {"step": "a forged ListLoggingConfigurations token", "op": "ListLoggingConfigurations", "in": {"nextToken": "forged"}, "invalid": ["nextToken"]},
        {"step": "an issued token, tampered with", "op": "ListRooms", "in": {"maxResults": 1, "nextToken": "$tampered"}, "invalid": ["nextToken"]},
        {"step": "an issued token reused with another filter", "op": "ListRooms", "in": {"maxResults": 1, "name": "a", "nextToken": "$token"}, "invalid": ["nextToken"]},
        {"step": "a rooms token to ListLoggingConfigurations", "op": "ListLoggingConfigurations", "in": {"maxResults": 1, "nextToken": "$token"},
         "invalid": ["nextToken"]},
    ]);
    let mut accepted = json!([
        {"step": "the issued token works", "op": "ListRooms", "in": {"maxResults": 1, "nextToken": "$token"}, "ok": {"rooms": "<len 1>"}},
    ]);
    for (i, (fits, over)) in attributes(0).into_iter().zip(attributes(1)).enumerate() {
        let more = json!([
            {"step": format!("CreateChatToken with attributes over 1 KB ({i})"), "op": "CreateChatToken",
             "in": {"roomIdentifier": "$room", "userId": "u", "attributes": over}, "invalid": ["attributes"]},
            {"step": format!("SendEvent with attributes over 1 KB ({i})"), "op": "SendEvent",
             "in": {"roomIdentifier": "$room", "eventName": "e", "attributes": over}, "invalid": ["attributes"]},
        ]);
        table
            .as_array_mut()
            .unwrap()
            .extend(more.as_array().unwrap().clone());
        let more = json!([
            {"step": format!("CreateChatToken with 1024 bytes of attributes ({i})"), "op": "CreateChatToken",
             "in": {"roomIdentifier": "$room", "userId": "u", "attributes": fits}, "ok": {}},
            {"step": format!("SendEvent with 1024 bytes of attributes ({i})"), "op": "SendEvent",
             "in": {"roomIdentifier": "$room", "eventName": "e", "attributes": fits}, "ok": {}},
        ]);
        accepted
            .as_array_mut()
            .unwrap()
            .extend(more.as_array().unwrap().clone());
    }
    let more_rooms_and_a_token = rows(json!([
        {"step": "a second logging configuration", "op": "CreateLoggingConfiguration", "in": {"destinationConfiguration": s3("bucket")}, "ok": {}},
        {"step": "a third logging configuration", "op": "CreateLoggingConfiguration", "in": {"destinationConfiguration": s3("bucket")}, "ok": {}},
        {"step": "room a", "op": "CreateRoom", "in": {"name": "a"}, "save": {"a1": "arn"}, "ok": {}},
        {"step": "another room a", "op": "CreateRoom", "in": {"name": "a"}, "save": {"a2": "arn"}, "ok": {}},
        {"step": "room b", "op": "CreateRoom", "in": {"name": "b"}, "save": {"b": "arn"}, "ok": {}},
        {"step": "a page of one room and a token", "op": "ListRooms", "in": {"maxResults": 1}, "save": {"token": "nextToken"}, "ok": {}},
    ]));
    let tamper = act("tamper with the token", |cx| {
        let mut token = cx.text("token");
        let last = token.pop().ok_or("no token")?;
        token.push(if last == '0' { '1' } else { '0' });
        cx.set("tampered", token);
        Ok(())
    });
    run(vec![(
        "identifiers_of_the_wrong_kind_and_mixed_violations_are_refused, validation_exception_is_400_with_reason_and_field_list, \
         a_next_token_the_emulator_did_not_issue_is_a_validation_exception, aws_prefixed_tag_keys_are_refused, \
         the_same_logging_configuration_twice_is_400, chat_attributes_are_limited_to_1_kb",
        steps(vec![
            fixture(),
            more_rooms_and_a_token,
            vec![tamper],
            rows(table),
            fixture_unchanged(&["$b", "$a2", "$a1", "$room"], 3),
            rows(accepted),
            rows(json!([
                {"step": "a key merely containing \"aws:\" is fine", "op": "TagResource", "in": {"resourceArn": "$room", "tags": {"my-aws:key": "1"}}, "ok": {}},
            ])),
        ]),
    )]);
}

// ---------------------------------------------------------------------------
// 4. Pagination and ListRooms filters
// ---------------------------------------------------------------------------

/// All pages of `op` by hand, starting from `input`: the page sizes and the
/// entries of `list`. A nextToken is never empty; the last page has none.
fn by_hand(
    cx: &Ctx,
    op: &str,
    list: &str,
    mut input: Value,
) -> Result<(Vec<usize>, Vec<Value>), String> {
    let (mut sizes, mut entries) = (Vec::new(), Vec::new());
    while sizes.len() < 200 {
        let page = cx.call(op, input.clone()).map_err(|e| e.to_string())?;
        let items = page[list].as_array().cloned().unwrap_or_default();
        sizes.push(items.len());
        entries.extend(items);
        match page["nextToken"].as_str() {
            Some("") => return Err("an empty nextToken".into()),
            Some(token) => input["nextToken"] = json!(token),
            None => return Ok((sizes, entries)),
        }
    }
    Err("pagination does not end".into())
}

fn arns(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e["arn"].as_str().unwrap_or("").to_string())
        .collect()
}

/// `$prefix{n-1}` … `$prefix0`: what was created, newest first.
fn newest_first(cx: &Ctx, prefix: &str, indices: &[usize]) -> Vec<String> {
    indices
        .iter()
        .rev()
        .map(|i| cx.text(&format!("{prefix}{i}")))
        .collect()
}

/// Every room `req` lists, through the SDK's paginator: (pages, ARNs).
fn paginate_rooms(cx: &Ctx, req: ListRoomsFluentBuilder, page_size: i32) -> (usize, Vec<String>) {
    cx.rt.block_on(async {
        let mut stream = req.into_paginator().page_size(page_size).send();
        let (mut pages, mut arns) = (0, Vec::new());
        while let Some(page) = stream.next().await {
            pages += 1;
            arns.extend(
                page.expect("ListRooms page")
                    .rooms()
                    .iter()
                    .map(|r| r.arn().unwrap_or("").to_string()),
            );
        }
        (pages, arns)
    })
}

/// Every logging configuration, through the SDK's paginator: (pages, ARNs).
fn paginate_lcs(cx: &Ctx, page_size: i32) -> (usize, Vec<String>) {
    cx.rt.block_on(async {
        let mut stream = cx
            .client
            .list_logging_configurations()
            .into_paginator()
            .page_size(page_size)
            .send();
        let (mut pages, mut arns) = (0, Vec::new());
        while let Some(page) = stream.next().await {
            pages += 1;
            let page = page.expect("ListLoggingConfigurations page");
            arns.extend(
                page.logging_configurations()
                    .iter()
                    .map(|l| l.arn().unwrap_or("").to_string()),
            );
        }
        (pages, arns)
    })
}

/// Rows creating `n` resources with `input(i)`, saved as `$prefix{i}`.
fn create_n(n: usize, op: &str, prefix: &str, input: impl Fn(usize) -> Value) -> Vec<Step> {
    let table = (0..n).map(|i| {
        json!({"step": format!("{op} {prefix}{i}"), "op": op, "in": input(i), "save": {format!("{prefix}{i}"): "arn"}, "ok": {}})
    });
    rows(table.collect())
}

#[test]
fn lists_paginate_newest_first() {
    let all: Vec<usize> = (0..120).collect();
    let by_hand_rooms = move |cx: &mut Ctx| {
        let (sizes, entries) = by_hand(cx, "ListRooms", "rooms", json!({ "maxResults": 50 }))?;
        expect_eq(sizes, vec![50, 50, 20])?;
        expect_eq(arns(&entries).iter().collect::<BTreeSet<_>>().len(), 120)?;
        expect_eq(arns(&entries), newest_first(cx, "r", &all))?;
        let times: Vec<i64> = entries
            .iter()
            .map(|e| e["updateTime"].as_i64().unwrap_or(0))
            .collect();
        match times.windows(2).all(|w| w[0] > w[1]) {
            true => Ok(()),
            false => Err(format!("updateTime not strictly decreasing: {times:?}")),
        }
    };
    let paginator_rooms = |cx: &mut Ctx| {
        let all: Vec<usize> = (0..120).collect();
        expect_eq(
            paginate_rooms(cx, cx.client.list_rooms(), 50),
            (3, newest_first(cx, "r", &all)),
        )?;
        expect_eq(
            paginate_rooms(cx, cx.client.list_rooms(), 7),
            (18, newest_first(cx, "r", &all)),
        )
    };
    let lcs = |cx: &mut Ctx| {
        let (sizes, entries) = by_hand(
            cx,
            "ListLoggingConfigurations",
            "loggingConfigurations",
            json!({ "maxResults": 2 }),
        )?;
        expect_eq(
            (sizes, arns(&entries)),
            (vec![2, 2, 1], newest_first(cx, "l", &[0, 1, 2, 3, 4])),
        )?;
        expect_eq(
            paginate_lcs(cx, 2),
            (3, newest_first(cx, "l", &[0, 1, 2, 3, 4])),
        )
    };
    run(vec![
        (
            "list_rooms_paginates_120_rooms_newest_first",
            steps(vec![
                create_n(
                    120,
                    "CreateRoom",
                    "r",
                    |i| json!({ "name": format!("room-{i:03}") }),
                ),
                vec![
                    act(
                        "by hand: pages of 50, 50, 20; all 120 once, newest updateTime first",
                        by_hand_rooms,
                    ),
                    act(
                        "the SDK's paginator sees the same, in pages of 50 and of 7",
                        paginator_rooms,
                    ),
                ],
                rows(json!([
                    {"step": "the default page size is 50", "op": "ListRooms", "ok": {"rooms": "<len 50>", "nextToken": "<nonempty>"}},
                    {"step": "an update of the oldest room", "op": "UpdateRoom", "in": {"identifier": "$r0"}, "ok": {}},
                    {"step": "moves it to the front", "op": "ListRooms", "in": {"maxResults": 1}, "ok": {"rooms": [{"arn": "$r0"}]}},
                ])),
            ]),
        ),
        (
            "list_logging_configurations_paginates",
            steps(vec![
                create_n(
                    5,
                    "CreateLoggingConfiguration",
                    "l",
                    |i| json!({ "destinationConfiguration": s3(&format!("bucket-{i}")) }),
                ),
                vec![act(
                    "pages of 2 by hand and through the SDK's paginator: 2, 2, 1, newest first",
                    lcs,
                )],
            ]),
        ),
    ]);
}

/// A ListRooms row: with `input`, exactly the rooms `arns`, in order.
fn filtered(what: &str, input: Value, arns: &[&str]) -> Value {
    let rooms: Vec<Value> = arns.iter().map(|a| json!({ "arn": a })).collect();
    json!({"step": what, "op": "ListRooms", "in": input, "ok": {"rooms": rooms, "nextToken": null}})
}

#[test]
fn list_rooms_filters() {
    let combined = |cx: &mut Ctx| {
        let (lobby, logged) = (
            newest_first(cx, "r", &[0, 3, 6]),
            newest_first(cx, "r", &[0, 2, 4, 6, 8]),
        );
        let (sizes, entries) = by_hand(
            cx,
            "ListRooms",
            "rooms",
            json!({"name": "lobby", "maxResults": 1}),
        )?;
        expect_eq((sizes, arns(&entries)), (vec![1, 1, 1], lobby.clone()))
            .map_err(|e| format!("by hand, one per page, no trailing empty page: {e}"))?;
        let list = || cx.client.list_rooms();
        let lc = cx.text("lc");
        expect_eq(paginate_rooms(cx, list().name("lobby"), 1), (3, lobby))?;
        expect_eq(
            paginate_rooms(cx, list().logging_configuration_identifier(&lc), 1),
            (5, logged),
        )?;
        expect_eq(
            paginate_rooms(cx, list().message_review_handler_uri(LAMBDA), 1),
            (3, newest_first(cx, "r", &[0, 4, 8])),
        )?;
        let both = list().name("lobby").logging_configuration_identifier(&lc);
        expect_eq(
            paginate_rooms(cx, both, 1),
            (2, newest_first(cx, "r", &[0, 6])),
        )
    };
    run(vec![
        (
            "list_rooms_filters_by_name_handler_and_logging_configuration",
            rows(json!([
                {"step": "lc1", "op": "CreateLoggingConfiguration", "in": {"destinationConfiguration": s3("one")}, "save": {"lc1": "arn"}, "ok": {}},
                {"step": "lc2", "op": "CreateLoggingConfiguration", "in": {"destinationConfiguration": s3("two")}, "save": {"lc2": "arn"}, "ok": {}},
                {"step": "a1: lobby, LAMBDA, lc1", "op": "CreateRoom", "save": {"a1": "arn"}, "ok": {},
                 "in": {"name": "lobby", "messageReviewHandler": {"uri": LAMBDA}, "loggingConfigurationIdentifiers": ["$lc1"]}},
                {"step": "a2: lobby, lc1 and lc2", "op": "CreateRoom", "save": {"a2": "arn"}, "ok": {},
                 "in": {"name": "lobby", "loggingConfigurationIdentifiers": ["$lc1", "$lc2"]}},
                {"step": "a3: lobby-2, LAMBDA_2", "op": "CreateRoom", "save": {"a3": "arn"}, "ok": {},
                 "in": {"name": "lobby-2", "messageReviewHandler": {"uri": LAMBDA_2}}},
                {"step": "a4: lc2", "op": "CreateRoom", "in": {"loggingConfigurationIdentifiers": ["$lc2"]}, "save": {"a4": "arn"}, "ok": {}},
                filtered("name lobby", json!({"name": "lobby"}), &["$a2", "$a1"]),
                filtered("name lobby-2", json!({"name": "lobby-2"}), &["$a3"]),
                filtered("name is an exact match", json!({"name": "lobb"}), &[]),
                filtered("handler LAMBDA", json!({"messageReviewHandlerUri": LAMBDA}), &["$a1"]),
                filtered("handler LAMBDA_2", json!({"messageReviewHandlerUri": LAMBDA_2}), &["$a3"]),
                filtered("an empty uri filters nothing", json!({"messageReviewHandlerUri": ""}), &["$a4", "$a3", "$a2", "$a1"]),
                filtered("logging configuration lc1", json!({"loggingConfigurationIdentifier": "$lc1"}), &["$a2", "$a1"]),
                filtered("logging configuration lc2", json!({"loggingConfigurationIdentifier": "$lc2"}), &["$a4", "$a2"]),
                {"step": "a logging configuration that does not exist", "op": "ListRooms",
                 "in": {"loggingConfigurationIdentifier": MISSING_LC}, "err": "404 ResourceNotFoundException"},
                filtered("name and handler combine", json!({"name": "lobby", "messageReviewHandlerUri": LAMBDA}), &["$a1"]),
                filtered("name and logging configuration combine", json!({"name": "lobby", "loggingConfigurationIdentifier": "$lc2"}), &["$a2"]),
                filtered("no room has both", json!({"name": "lobby-2", "loggingConfigurationIdentifier": "$lc1"}), &[]),
            ])),
        ),
        (
            "list_rooms_filters_combine_with_pagination",
            steps(vec![
                rows(
                    json!([{"step": "lc", "op": "CreateLoggingConfiguration", "in": {"destinationConfiguration": s3("bucket")}, "save": {"lc": "arn"}, "ok": {}}]),
                ),
                create_n(9, "CreateRoom", "r", |i| {
                    let mut input = json!({});
                    if i % 3 == 0 {
                        input["name"] = json!("lobby");
                    }
                    if i % 2 == 0 {
                        input["loggingConfigurationIdentifiers"] = json!(["$lc"]);
                    }
                    if i % 4 == 0 {
                        input["messageReviewHandler"] = json!({ "uri": LAMBDA });
                    }
                    input
                }),
                vec![act(
                    "each filter, one room per page, by hand and through the SDK's paginator",
                    combined,
                )],
            ]),
        ),
    ]);
}

// ---------------------------------------------------------------------------
// 5. Tags
// ---------------------------------------------------------------------------

fn tags_are(arn: &str, tags: Value) -> Value {
    json!({"step": format!("the tags of {arn}"), "op": "ListTagsForResource", "in": {"resourceArn": arn}, "ok": {"tags": tags}})
}

/// At most 50 tags, counted after merging.
fn fifty_tags(arn: &str) -> Vec<Step> {
    let forty_nine: BTreeMap<String, String> = (0..49)
        .map(|i| (format!("key{i:02}"), format!("v{i}")))
        .collect();
    let mut fifty = forty_nine.clone();
    fifty.insert("key00".into(), "replaced".into());
    fifty.insert("new-1".into(), "x".into());
    rows(json!([
        {"step": "49 tags", "op": "TagResource", "in": {"resourceArn": arn, "tags": forty_nine}, "ok": {}},
        {"step": "49 + 2 tags", "op": "TagResource", "in": {"resourceArn": arn, "tags": {"new-1": "x", "new-2": "x"}}, "invalid": ["tags"]},
        tags_are(arn, json!(forty_nine)),
        {"step": "49 + 1 new + 1 replaced = 50: replacing does not count twice", "op": "TagResource",
         "in": {"resourceArn": arn, "tags": {"key00": "replaced", "new-1": "x"}}, "ok": {}},
        tags_are(arn, json!(fifty)),
        {"step": "a 51st tag", "op": "TagResource", "in": {"resourceArn": arn, "tags": {"new-3": "x"}}, "invalid": ["tags"]},
    ]))
}

#[test]
fn tags() {
    let odd = json!({"team name/primary": "video", "a:b": "", "x=y&z": "q?r#s", "c++": "100% sure", "keep": "me"});
    let untag_odd = |arn: &str| {
        rows(json!([
            tags_are(arn, odd.clone()),
            {"step": "UntagResource with odd keys", "op": "UntagResource",
             "in": {"resourceArn": arn, "tagKeys": ["team name/primary", "a:b", "x=y&z", "c++"]}, "ok": {}},
            tags_are(arn, json!({"keep": "me"})),
        ]))
    };
    let room_and_lc = rows(json!([
        {"step": "a room", "op": "CreateRoom", "save": {"room": "arn"}, "ok": {}},
        {"step": "a logging configuration", "op": "CreateLoggingConfiguration", "in": {"destinationConfiguration": s3("bucket")}, "save": {"lc": "arn"}, "ok": {}},
    ]));
    let tag_untag = |arn: &str| {
        rows(json!([
            {"step": format!("tag {arn}"), "op": "TagResource", "in": {"resourceArn": arn, "tags": {"k": "v"}}, "ok": {}},
            {"step": format!("untag {arn}"), "op": "UntagResource", "in": {"resourceArn": arn, "tagKeys": ["k"]}, "ok": {}},
        ]))
    };
    run(vec![
        (
            "tags_with_spaces_slashes_and_colons_round_trip_and_untag",
            steps(vec![
                rows(json!([
                    {"step": "CreateRoom with odd tag keys", "op": "CreateRoom", "in": {"tags": odd}, "save": {"room": "arn"}, "ok": {}},
                    {"step": "a logging configuration", "op": "CreateLoggingConfiguration", "in": {"destinationConfiguration": s3("bucket")}, "save": {"lc": "arn"}, "ok": {}},
                    {"step": "TagResource with odd tag keys", "op": "TagResource", "in": {"resourceArn": "$lc", "tags": odd}, "ok": {}},
                ])),
                untag_odd("$room"),
                untag_odd("$lc"),
                rows(
                    json!([{"step": "GetRoom agrees", "op": "GetRoom", "in": {"identifier": "$room"}, "ok": {"tags": {"keep": "me"}}}]),
                ),
            ]),
        ),
        (
            "tag_resource_enforces_fifty_tags_after_merging",
            steps(vec![room_and_lc, fifty_tags("$room"), fifty_tags("$lc")]),
        ),
        (
            "tagging_does_not_move_update_time",
            steps(vec![
                rows(json!([
                    {"step": "a room", "op": "CreateRoom", "save": {"room": "arn", "room_time": "updateTime"}, "ok": {}},
                    {"step": "a logging configuration", "op": "CreateLoggingConfiguration", "in": {"destinationConfiguration": s3("bucket")},
                     "save": {"lc": "arn", "lc_time": "updateTime"}, "ok": {}},
                ])),
                tag_untag("$room"),
                tag_untag("$lc"),
                rows(json!([
                    {"step": "the room's updateTime stays", "op": "GetRoom", "in": {"identifier": "$room"}, "ok": {"updateTime": "$room_time"}},
                    {"step": "the configuration's updateTime stays", "op": "GetLoggingConfiguration", "in": {"identifier": "$lc"}, "ok": {"updateTime": "$lc_time"}},
                    {"step": "a second room", "op": "CreateRoom", "save": {"second": "arn"}, "ok": {}},
                    {"step": "tag the first", "op": "TagResource", "in": {"resourceArn": "$room", "tags": {"k": "v"}}, "ok": {}},
                    filtered("nor the room's place in ListRooms", json!({}), &["$second", "$room"]),
                ])),
            ]),
        ),
    ]);
}

// ---------------------------------------------------------------------------
// 6. Update semantics
// ---------------------------------------------------------------------------

/// 10 back-to-back updates of `$var` with `input(i)`, each moving updateTime
/// past the last (`$var_t0`, `$var_t1`, …) and keeping createTime
/// (`$var_created`).
fn back_to_back(var: &str, op: &str, input: impl Fn(usize) -> Value) -> Vec<Step> {
    let table = (0..10).map(|i| {
        let mut input = input(i);
        input["identifier"] = json!(format!("${var}"));
        let ok = json!({"updateTime": format!("<after ${var}_t{i}>"), "createTime": format!("${var}_created")});
        json!({"step": format!("{op} {input}: updateTime moves"), "op": op, "in": input,
               "save": {format!("{var}_t{}", i + 1): "updateTime"}, "ok": ok})
    });
    rows(table.collect())
}

#[test]
fn updates_change_only_the_given_members() {
    let handler = json!({"uri": LAMBDA, "fallbackResult": "DENY"});
    let handler_2 = json!({"uri": LAMBDA_2, "fallbackResult": "DENY"});
    let lcs = ["one", "two", "three"].map(|b| json!({"step": b, "op": "CreateLoggingConfiguration", "in": {"destinationConfiguration": s3(b)}, "save": {b: "arn"}, "ok": {}}));
    run(vec![
        (
            "update_room_changes_only_the_given_members",
            rows(json!([
                lcs[0],
                {"step": "a room with every member", "op": "CreateRoom", "save": {"room": "arn", "created": "createTime"}, "ok": {},
                 "in": {"name": "lobby", "maximumMessageLength": 300, "maximumMessageRatePerSecond": 20, "messageReviewHandler": handler,
                        "loggingConfigurationIdentifiers": ["$one"], "tags": {"team": "video"}}},
                {"step": "rename", "op": "UpdateRoom", "in": {"identifier": "$room", "name": "renamed"},
                 "ok": {"name": "renamed", "maximumMessageLength": 300, "maximumMessageRatePerSecond": 20, "messageReviewHandler": handler,
                        "loggingConfigurationIdentifiers": ["$one"], "tags": {"team": "video"}}},
                {"step": "a new rate", "op": "UpdateRoom", "in": {"identifier": "$room", "maximumMessageRatePerSecond": 100}, "ok": {}},
                {"step": "only the rate changed", "op": "GetRoom", "in": {"identifier": "$room"},
                 "ok": {"name": "renamed", "maximumMessageLength": 300, "maximumMessageRatePerSecond": 100, "messageReviewHandler": handler,
                        "loggingConfigurationIdentifiers": ["$one"], "createTime": "$created"}},
                {"step": "an empty name is a value, not an omission", "op": "UpdateRoom", "in": {"identifier": "$room", "name": ""}, "ok": {}},
                {"step": "the name is empty", "op": "GetRoom", "in": {"identifier": "$room"}, "ok": {"name": "", "maximumMessageRatePerSecond": 100}},
            ])),
        ),
        (
            "update_room_sets_and_removes_the_handler",
            rows(json!([
                {"step": "a room", "op": "CreateRoom", "save": {"room": "arn"}, "ok": {}},
                {"step": "fallbackResult defaults to ALLOW", "op": "UpdateRoom", "in": {"identifier": "$room", "messageReviewHandler": {"uri": LAMBDA}},
                 "ok": {"messageReviewHandler": {"uri": LAMBDA, "fallbackResult": "ALLOW"}}},
                {"step": "another handler", "op": "UpdateRoom", "in": {"identifier": "$room", "messageReviewHandler": handler_2}, "ok": {}},
                {"step": "replaces it", "op": "GetRoom", "in": {"identifier": "$room"}, "ok": {"messageReviewHandler": handler_2}},
                {"step": "another member only", "op": "UpdateRoom", "in": {"identifier": "$room", "name": "x"}, "ok": {}},
                {"step": "the handler stays", "op": "GetRoom", "in": {"identifier": "$room"}, "ok": {"messageReviewHandler": handler_2}},
                {"step": "an empty uri removes it", "op": "UpdateRoom", "in": {"identifier": "$room", "messageReviewHandler": {"uri": ""}},
                 "ok": {"messageReviewHandler": null}},
                {"step": "no handler after uri \"\"", "op": "GetRoom", "in": {"identifier": "$room"}, "ok": {"messageReviewHandler": null}},
                {"step": "nor in ListRooms", "op": "ListRooms", "ok": {"rooms": [{"messageReviewHandler": null}]}},
            ])),
        ),
        (
            "update_room_logging_configuration_list_replaces_and_clears",
            rows(json!([
                lcs[0], lcs[1], lcs[2],
                {"step": "a room", "op": "CreateRoom", "save": {"room": "arn"}, "ok": {}},
                {"step": "set two", "op": "UpdateRoom", "in": {"identifier": "$room", "loggingConfigurationIdentifiers": ["$one", "$two"]},
                 "ok": {"loggingConfigurationIdentifiers": ["$one", "$two"]}},
                {"step": "set two others", "op": "UpdateRoom", "in": {"identifier": "$room", "loggingConfigurationIdentifiers": ["$three", "$one"]}, "ok": {}},
                {"step": "a new list replaces the old one, in order", "op": "GetRoom", "in": {"identifier": "$room"}, "ok": {"loggingConfigurationIdentifiers": ["$three", "$one"]}},
                {"step": "the list omitted", "op": "UpdateRoom", "in": {"identifier": "$room", "name": "n"}, "ok": {}},
                {"step": "is unchanged", "op": "GetRoom", "in": {"identifier": "$room"}, "ok": {"loggingConfigurationIdentifiers": ["$three", "$one"]}},
                {"step": "[] clears", "op": "UpdateRoom", "in": {"identifier": "$room", "loggingConfigurationIdentifiers": []}, "ok": {"loggingConfigurationIdentifiers": null}},
                {"step": "an emptied list is absent", "op": "GetRoom", "in": {"identifier": "$room"}, "ok": {"loggingConfigurationIdentifiers": null}},
                {"step": "nothing references two any more", "op": "DeleteLoggingConfiguration", "in": {"identifier": "$two"}, "ok": {}},
            ])),
        ),
        (
            "update_time_strictly_increases_on_back_to_back_updates",
            steps(vec![
                rows(
                    json!([{"step": "a room", "op": "CreateRoom", "save": {"room": "arn", "room_t0": "updateTime", "room_created": "createTime"}, "ok": {}}]),
                ),
                // No member changes at all: updateTime still moves.
                back_to_back("room", "UpdateRoom", |_| json!({})),
                rows(json!([
                    {"step": "GetRoom has the last", "op": "GetRoom", "in": {"identifier": "$room"}, "ok": {"updateTime": "$room_t10"}},
                    {"step": "a logging configuration", "op": "CreateLoggingConfiguration", "in": {"destinationConfiguration": s3("bucket")},
                     "save": {"lc": "arn", "lc_t0": "updateTime", "lc_created": "createTime"}, "ok": {}},
                ])),
                back_to_back(
                    "lc",
                    "UpdateLoggingConfiguration",
                    |i| json!({ "name": format!("n{i}") }),
                ),
                rows(
                    json!([{"step": "GetLoggingConfiguration has the last", "op": "GetLoggingConfiguration", "in": {"identifier": "$lc"}, "ok": {"updateTime": "$lc_t10"}}]),
                ),
            ]),
        ),
        (
            "update_logging_configuration_changes_only_the_given_members",
            rows(json!([
                {"step": "a logging configuration", "op": "CreateLoggingConfiguration", "save": {"lc": "arn", "created": "createTime"}, "ok": {},
                 "in": {"name": "original", "destinationConfiguration": {"cloudWatchLogs": {"logGroupName": "group"}}, "tags": {"t": "1"}}},
                {"step": "rename", "op": "UpdateLoggingConfiguration", "in": {"identifier": "$lc", "name": "renamed"},
                 "ok": {"name": "renamed", "destinationConfiguration": {"cloudWatchLogs": {"logGroupName": "group"}}, "tags": {"t": "1"}}},
                {"step": "a new destination", "op": "UpdateLoggingConfiguration", "in": {"identifier": "$lc", "destinationConfiguration": s3("bucket")}, "ok": {}},
                {"step": "only the destination changed", "op": "GetLoggingConfiguration", "in": {"identifier": "$lc"},
                 "ok": {"name": "renamed", "destinationConfiguration": s3("bucket"), "createTime": "$created"}},
            ])),
        ),
    ]);
}

// ---------------------------------------------------------------------------
// 7. References, resource quotas, logging-configuration states
// ---------------------------------------------------------------------------

const NEW_LC: &str = "CreateLoggingConfiguration";

#[test]
fn references_quotas_and_states() {
    let lc = |var: &str| json!({"step": format!("logging configuration {var}"), "op": NEW_LC, "in": {"destinationConfiguration": s3("bucket")}, "save": {var: "arn"}, "ok": {}});
    let room = |var: &str, lcs: Value| json!({"step": format!("room {var}"), "op": "CreateRoom", "in": {"loggingConfigurationIdentifiers": lcs}, "save": {var: "arn"}, "ok": {}});
    let state = |s: &str| {
        rows(json!([
            {"step": format!("Get shows {s}"), "op": "GetLoggingConfiguration", "in": {"identifier": "$lc"}, "ok": {"state": s}},
            {"step": format!("List shows {s}"), "op": "ListLoggingConfigurations", "ok": {"loggingConfigurations": [{"arn": "$lc", "state": s}]}},
        ]))
    };
    let busy = |s: &str| {
        rows(json!([
            {"step": format!("Update while {s}"), "op": "UpdateLoggingConfiguration", "in": {"identifier": "$lc", "name": "x"}, "err": "409 ConflictException"},
            {"step": format!("Delete while {s}"), "op": "DeleteLoggingConfiguration", "in": {"identifier": "$lc"}, "err": "409 ConflictException"},
        ]))
    };
    let force = |s: &str| {
        rows(
            json!([{"step": format!("force {s}"), "op": "force", "in": {"arn": "$lc", "state": s}}]),
        )
    };
    let quota = |limit: usize| json!({"status": 402, "code": QUOTA, "limit": limit, "resourceId": ACCOUNT, "resourceType": "ROOM", "message": "<nonempty>"});
    let forced_states = ["CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED", "ACTIVE"]
        .map(|s| steps(vec![force(s), state(s)]));
    let elapsed = act("ACTIVE only after the delay", |cx| {
        let elapsed = now_ms() - cx.vars["started"].as_i64().unwrap_or(0);
        match elapsed + 50 >= 1000 {
            true => Ok(()),
            false => Err(format!("ACTIVE after {elapsed} ms")),
        }
    });
    let start = act("start the clock", |cx| {
        cx.set("started", now_ms());
        Ok(())
    });
    let bad_states = act(
        "forcing an unknown state or a missing configuration fails",
        |cx| {
            let err = cx
                .emu()
                .set_logging_configuration_state(&cx.text("lc"), "BROKEN")
                .err()
                .unwrap_or_default();
            expect_eq(err.contains("unknown state"), true)
                .map_err(|_| format!("BROKEN: {err:?}"))?;
            expect_eq(
                cx.emu()
                    .set_logging_configuration_state(MISSING_LC, "ACTIVE")
                    .is_err(),
                true,
            )
        },
    );
    run_configured(vec![
        (
            "room_referencing_a_missing_logging_configuration_is_404",
            EmulatorConfig::default(),
            rows(json!([
                lc("lc"),
                {"step": "CreateRoom", "op": "CreateRoom", "in": {"loggingConfigurationIdentifiers": ["$lc", MISSING_LC]},
                 "err": {"status": 404, "code": NOT_FOUND, "resourceId": "BBBBBBBBBBBB"}},
                {"step": "no room was created", "op": "ListRooms", "ok": {"rooms": []}},
                room("room", json!([])),
                {"step": "UpdateRoom", "op": "UpdateRoom", "in": {"identifier": "$room", "loggingConfigurationIdentifiers": [MISSING_LC]}, "err": "404 ResourceNotFoundException"},
                {"step": "nothing applied", "op": "GetRoom", "in": {"identifier": "$room"}, "ok": {"loggingConfigurationIdentifiers": null}},
            ])),
        ),
        (
            "a_referenced_logging_configuration_cannot_be_deleted_until_detached",
            EmulatorConfig::default(),
            rows(json!([
                lc("lc"), room("r1", json!(["$lc"])), room("r2", json!(["$lc"])),
                {"step": "referenced by two rooms", "op": "DeleteLoggingConfiguration", "in": {"identifier": "$lc"}, "err": "409 ConflictException"},
                {"step": "it still exists", "op": "GetLoggingConfiguration", "in": {"identifier": "$lc"}, "ok": {"state": "ACTIVE"}},
                {"step": "detach from r1", "op": "UpdateRoom", "in": {"identifier": "$r1", "loggingConfigurationIdentifiers": []}, "ok": {}},
                {"step": "still referenced by one room", "op": "DeleteLoggingConfiguration", "in": {"identifier": "$lc"}, "err": "409 ConflictException"},
                {"step": "delete r2", "op": "DeleteRoom", "in": {"identifier": "$r2"}, "ok": {}},
                {"step": "detached: delete works", "op": "DeleteLoggingConfiguration", "in": {"identifier": "$lc"}, "ok": {}},
                {"step": "deleted", "op": "GetLoggingConfiguration", "in": {"identifier": "$lc"}, "err": "404 ResourceNotFoundException"},
            ])),
        ),
        delayed(
            "referencing_a_logging_configuration_that_is_not_active_is_409",
            rows(json!([
                room("room", json!([])), lc("lc"),
                {"step": "CreateRoom referencing a CREATING configuration", "op": "CreateRoom", "in": {"loggingConfigurationIdentifiers": ["$lc"]}, "err": "409 ConflictException"},
                {"step": "UpdateRoom referencing a CREATING configuration", "op": "UpdateRoom",
                 "in": {"identifier": "$room", "loggingConfigurationIdentifiers": ["$lc"]}, "err": "409 ConflictException"},
                {"step": "wait", "op": "waitActive", "in": {"arn": "$lc"}},
                room("ACTIVE: CreateRoom works", json!(["$lc"])),
                lc("failed"),
                {"step": "force CREATE_FAILED", "op": "force", "in": {"arn": "$failed", "state": "CREATE_FAILED"}},
                {"step": "CreateRoom referencing a CREATE_FAILED configuration", "op": "CreateRoom", "in": {"loggingConfigurationIdentifiers": ["$failed"]},
                 "err": "409 ConflictException"},
            ])),
        ),
        (
            "logging_configuration_quota_is_ten_and_frees_up_on_delete",
            EmulatorConfig::default(),
            steps(vec![
                create_n(
                    10,
                    NEW_LC,
                    "lc",
                    |i| json!({ "destinationConfiguration": s3(&format!("bucket-{i}")) }),
                ),
                rows(json!([
                    {"step": "the 11th", "op": NEW_LC, "in": {"destinationConfiguration": s3("eleventh")}, "err": quota(10)},
                    {"step": "nothing created", "op": "ListLoggingConfigurations", "ok": {"loggingConfigurations": "<len 10>"}},
                    {"step": "delete one", "op": "DeleteLoggingConfiguration", "in": {"identifier": "$lc3"}, "ok": {}},
                    {"step": "frees a place", "op": NEW_LC, "in": {"destinationConfiguration": s3("replacement")}, "ok": {}},
                    {"step": "full again", "op": NEW_LC, "in": {"destinationConfiguration": s3("again")}, "err": "402 ServiceQuotaExceededException"},
                ])),
            ]),
        ),
        (
            "room_quota_answers_402_with_limit",
            EmulatorConfig {
                room_quota: 3,
                ..EmulatorConfig::default()
            },
            steps(vec![
                create_n(3, "CreateRoom", "r", |_| json!({})),
                rows(json!([
                    {"step": "the 4th room", "op": "CreateRoom", "in": {"name": "fourth"}, "err": quota(3)},
                    {"step": "nothing created", "op": "ListRooms", "ok": {"rooms": "<len 3>"}},
                    {"step": "delete one", "op": "DeleteRoom", "in": {"identifier": "$r0"}, "ok": {}},
                    {"step": "frees a place", "op": "CreateRoom", "ok": {}},
                ])),
            ]),
        ),
        delayed(
            "logging_configuration_state_transitions_with_a_delay",
            steps(vec![
                vec![start],
                rows(
                    json!([{"step": "Create answers ACTIVE", "op": NEW_LC, "in": {"destinationConfiguration": s3("bucket")}, "save": {"lc": "arn"}, "ok": {"state": "ACTIVE"}}]),
                ),
                state("CREATING"),
                busy("CREATING"),
                rows(json!([{"step": "wait", "op": "waitActive", "in": {"arn": "$lc"}}])),
                vec![elapsed],
                state("ACTIVE"),
                rows(
                    json!([{"step": "Update answers ACTIVE", "op": "UpdateLoggingConfiguration", "in": {"identifier": "$lc", "name": "later"}, "ok": {"state": "ACTIVE"}}]),
                ),
                state("UPDATING"),
                busy("UPDATING"),
                rows(json!([
                    {"step": "wait", "op": "waitActive", "in": {"arn": "$lc"}},
                    {"step": "the accepted update was applied", "op": "GetLoggingConfiguration", "in": {"identifier": "$lc"}, "ok": {"name": "later"}},
                    {"step": "ACTIVE: delete works", "op": "DeleteLoggingConfiguration", "in": {"identifier": "$lc"}, "ok": {}},
                ])),
            ]),
        ),
        (
            "forced_logging_configuration_state_is_visible_through_get_and_list",
            EmulatorConfig::default(),
            steps(vec![
                rows(json!([lc("lc")])),
                steps(forced_states.into()),
                vec![bad_states],
                state("ACTIVE"),
            ]),
        ),
        // docs/emulator.md: one that is CREATING / UPDATING can be neither
        // updated nor deleted (409).
        (
            "forced_transitional_state_blocks_update_and_delete",
            EmulatorConfig::default(),
            steps(vec![
                rows(json!([lc("lc")])),
                force("CREATING"),
                busy("CREATING"),
                force("UPDATING"),
                busy("UPDATING"),
            ]),
        ),
    ]);
}

// ---------------------------------------------------------------------------
// 8. The request log
// ---------------------------------------------------------------------------

#[test]
fn request_log_records_every_sdk_call_exactly() {
    let emu = common::default_emulator();
    let mut cx = Ctx::new(&emu);
    let mut checks = Checks(cx.run(&rows(json!([
        {"step": "CreateRoom", "op": "CreateRoom", "in": {"name": "logged", "tags": {"team": "video"}}, "save": {"arn": "arn"}, "ok": {}},
        {"step": "GetRoom", "op": "GetRoom", "in": {"identifier": "$arn"}, "ok": {}},
        {"step": "GetRoom of a missing room", "op": "GetRoom", "in": {"identifier": MISSING_ROOM}, "err": "404 ResourceNotFoundException"},
        {"step": "an invalid CreateRoom", "op": "CreateRoom", "in": {"maximumMessageLength": 0}, "invalid": ["maximumMessageLength"]},
        {"step": "TagResource", "op": "TagResource", "in": {"resourceArn": "$arn", "tags": {"a b": "1", "c/d": "2"}}, "ok": {}},
        {"step": "UntagResource", "op": "UntagResource", "in": {"resourceArn": "$arn", "tagKeys": ["a b", "c/d"]}, "ok": {}},
        {"step": "ListTagsForResource", "op": "ListTagsForResource", "in": {"resourceArn": "$arn"}, "ok": {}},
        {"step": "DeleteRoom", "op": "DeleteRoom", "in": {"identifier": "$arn"}, "ok": {}},
    ]))));
    let arn = cx.text("arn");
    checks.eq(
        "count(op)",
        ["CreateRoom", "GetRoom", "ListRooms"].map(|op| emu.count(op)),
        [2, 2, 0],
    );
    let counts = [
        ("CreateRoom", 2),
        ("DeleteRoom", 1),
        ("GetRoom", 2),
        ("ListTagsForResource", 1),
        ("TagResource", 1),
        ("UntagResource", 1),
    ];
    checks.eq(
        "counts()",
        emu.counts(),
        counts
            .into_iter()
            .map(|(op, n)| (op.to_string(), n))
            .collect(),
    );
    let log = emu.requests();
    let summary: Vec<Value> = log
        .iter()
        .map(|r| json!([r.seq, r.operation, r.method, r.status, r.error, r.input]))
        .collect();
    let expected = json!([
        [1, "CreateRoom", "POST", 200, null, {"name": "logged", "tags": {"team": "video"}}],
        [2, "GetRoom", "POST", 200, null, {"identifier": arn}],
        [3, "GetRoom", "POST", 404, NOT_FOUND, {"identifier": MISSING_ROOM}],
        [4, "CreateRoom", "POST", 400, "ValidationException", {"maximumMessageLength": 0}],
        [5, "TagResource", "POST", 200, null, {"resourceArn": arn, "tags": {"a b": "1", "c/d": "2"}}],
        [6, "UntagResource", "DELETE", 200, null, {"resourceArn": arn, "tagKeys": ["a b", "c/d"]}],
        [7, "ListTagsForResource", "GET", 200, null, {"resourceArn": arn}],
        [8, "DeleteRoom", "POST", 204, null, {"identifier": arn}],
    ]);
    checks.eq(
        "seq, operation, method, status, error, input",
        Value::Array(summary),
        expected,
    );
    checks.eq(
        "the path of an operation",
        log[0].path.as_str(),
        "/CreateRoom",
    );
    let tag_path = log[5].path.strip_prefix("/tags/").unwrap_or("not /tags/");
    checks.is(
        "the ARN travels percent-encoded",
        !tag_path.contains(['/', ':']),
        &log[5].path,
    );
    checks.is(
        "latencies",
        log.iter().all(|r| r.latency_ms >= 0.0),
        "negative",
    );
    emu.clear_requests();
    checks.eq(
        "cleared",
        (emu.requests().len(), emu.count("CreateRoom")),
        (0, 0),
    );
    checks.matches("ListRooms", json!({}), &cx.call("ListRooms", json!({})));
    let log = emu.requests();
    let summary: Vec<Value> = log
        .iter()
        .map(|r| json!([r.operation, r.status, r.input]))
        .collect();
    checks.eq(
        "only the new request",
        Value::Array(summary),
        json!([["ListRooms", 200, {}]]),
    );
    checks.finish();
}
