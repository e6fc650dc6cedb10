//! The emulator against raw HTTP: malformed and hostile requests are answered
//! with a 4xx in the AWS error format, never a panic, a hang or a 5xx; every
//! API request is logged once; and it stays correct under concurrent
//! requests. Rows are described at `emulator_support::raw_rows`.

mod common;
mod emulator_support;

use emulator_support::{assert_failures, raw_room_members, raw_rows, MISSING_ROOM};
use serde_json::{json, Value};
use std::io::{Read, Write};

const UNKNOWN: &str = "UnknownOperationException";
const INVALID: &str = "ValidationException";

#[test]
fn protocol_errors_are_answered_in_the_aws_format() {
    let emu = common::default_emulator();
    let big = json!({ "name": "a".repeat(1024 * 1024 + 10) }).to_string();
    let near = json!({ "name": "a".repeat(1000 * 1000) }).to_string();
    let denied = "AccessDeniedException";
    let mut failures = raw_rows(
        &emu,
        json!([
            // missing_authorization_is_403
            {"step": "no Authorization", "path": "/CreateRoom", "body": "{}", "auth": false,
             "status": 403, "err": denied, "record": {"operation": "CreateRoom"}},
            {"step": "Authorization that is not SigV4", "path": "/ListRooms", "body": "{}",
             "auth": false, "headers": {"Authorization": "Basic dXNlcjpwdw=="},
             "status": 403, "err": denied},
            {"step": "nothing was created", "path": "/ListRooms", "body": "{}", "status": 200,
             "json": {"rooms": []}},
            // wrong_type_in_json_is_a_field_error
            {"step": "wrong types in JSON: one field error each, in order", "path": "/CreateRoom",
             "body": r#"{"maximumMessageLength": "500", "tags": []}"#,
             "status": 400, "err": INVALID,
             "json": {"fieldList": [{"name": "maximumMessageLength"}, {"name": "tags"}]}},
            // wrong_method_is_405_and_unknown_path_404
            {"step": "GET of a POST operation", "method": "GET", "path": "/CreateRoom",
             "status": 405, "err": UNKNOWN},
            {"step": "PUT of a tags route", "method": "PUT", "path": "/tags/arn%3Aaws",
             "body": "{}", "status": 405, "err": UNKNOWN},
            // body_over_one_mib_is_413
            {"step": "declared length over 1 MiB", "path": "/CreateRoom", "body": big,
             "status": 413, "err": INVALID},
            {"step": "chunked, so the size is only known while reading", "path": "/CreateRoom",
             "body": big, "chunked": true, "status": 413, "err": INVALID},
            {"step": "a body just under the limit is read (and then fails validation on length)",
             "path": "/CreateRoom", "body": near, "status": 400, "err": INVALID},
            // every_answer_is_logged_and_no_answer_is_5xx
            {"step": "GetRoom of a missing room", "path": "/GetRoom",
             "body": {"identifier": MISSING_ROOM},
             "status": 404, "err": "ResourceNotFoundException",
             "record": {"operation": "GetRoom", "error": "ResourceNotFoundException"}},
            {"step": "GetRoom without its identifier", "path": "/GetRoom", "body": "{}",
             "status": 400, "err": INVALID},
        ]),
    );
    // malformed_json_is_400_serialization
    for body in ["{nope", "[1,2]", "\"room\"", "{\"name\": \"a\"", "nul"] {
        failures.extend(raw_rows(&emu, json!([
            {"step": format!("malformed JSON {body}"), "path": "/CreateRoom", "body": body,
             "status": 400, "err": "SerializationException", "record": {"operation": "CreateRoom"}},
        ])));
    }
    let unknown = [
        "/",
        "/CreateRooms",
        "/createroom",
        "/tags",
        "/tags/",
        "/GetRoom/extra",
        "/Nope",
    ];
    for path in unknown {
        failures.extend(raw_rows(
            &emu,
            json!([
                {"step": format!("unknown path {path}"), "path": path, "body": "{}", "status": 404,
                 "err": UNKNOWN, "record": {"operation": "-"}},
            ]),
        ));
    }
    assert_failures(failures);
}

/// `s` percent-encoded as a URI label.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn routes_bodies_and_control_endpoints() {
    let emu = common::default_emulator();
    // empty_body_means_empty_input
    let mut failures = raw_rows(
        &emu,
        json!([
            {"step": "an empty body is {}", "path": "/ListRooms", "status": 200},
            {"step": "CreateRoom with an empty body", "path": "/CreateRoom", "status": 200,
             "json": {"name": "", "tags": {}, "messageReviewHandler": null,
                      "loggingConfigurationIdentifiers": null}},
        ]),
    );
    // tag_routes_take_encoded_and_plain_arns
    let arn = raw_room_members(emu.addr(), "arn")
        .pop()
        .unwrap_or_default();
    let tags = format!("/tags/{}", percent_encode(&arn));
    let odd = json!({"team name/primary": "video", "x": ""});
    failures.extend(raw_rows(&emu, json!([
        {"step": "TagResource, encoded ARN", "path": tags, "body": {"tags": odd}, "status": 200},
        {"step": "an unencoded ARN in the path (some hand-written clients do that)",
         "method": "GET", "path": format!("/tags/{arn}"), "status": 200, "json": {"tags": odd}},
        {"step": "UntagResource with repeated tagKeys", "method": "DELETE",
         "path": format!("{tags}?tagKeys=team%20name%2Fprimary&tagKeys=x"), "status": 200},
        {"step": "untagged", "method": "GET", "path": tags, "status": 200, "json": {"tags": {}}},
        {"step": "UntagResource without tagKeys: tagKeys is required", "method": "DELETE",
         "path": tags, "status": 400, "err": INVALID, "json": {"fieldList": [{"name": "tagKeys"}]}},
        {"step": "a malformed ARN in the path is a field error, not a 404 or a 5xx",
         "method": "GET", "path": "/tags/not-an-arn%ZZ", "status": 400, "err": INVALID,
         "json": {"fieldList": [{"name": "resourceArn"}]}},
    ])));
    // control_endpoints_need_no_signature_and_are_not_logged
    emu.clear_requests();
    let created = json!([{"operation": "CreateRoom", "status": 200}]);
    failures.extend(raw_rows(&emu, json!([
        {"step": "a logged request", "path": "/CreateRoom", "body": "{}", "status": 200},
        {"step": "the log over HTTP, unsigned", "method": "GET", "path": "/_emulator/requests",
         "auth": false, "status": 200, "json": {"counts": {"CreateRoom": 1}, "requests": created}},
        {"step": "cleared over HTTP", "method": "DELETE", "path": "/_emulator/requests",
         "auth": false, "status": 200},
        {"step": "the log is empty", "method": "GET", "path": "/_emulator/requests",
         "auth": false, "status": 200, "json": {"requests": []}},
        {"step": "health", "method": "GET", "path": "/_emulator/health", "auth": false,
         "status": 200, "json": {"status": "ok"}},
        {"step": "an unknown control endpoint", "method": "GET", "path": "/_emulator/nope",
         "auth": false, "status": 404},
    ])));
    if !emu.requests().is_empty() {
        failures.push(format!("the log is not empty: {:?}", emu.requests()));
    }
    assert_failures(failures);
}

#[test]
fn garbage_on_the_wire_does_not_stop_the_server() {
    let emu = common::default_emulator();
    for junk in [
        &b"\x00\x01\x02 not http\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"POST /CreateRoom HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
    ] {
        let mut s = std::net::TcpStream::connect(emu.addr()).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let _ = s.write_all(junk);
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        let (status, _, _) = common::parse_response(&buf);
        assert!(status == 0 || (400..500).contains(&status), "got {status}");
    }
    // A client that connects and goes silent does not block others.
    let _idle = std::net::TcpStream::connect(emu.addr()).unwrap();
    assert_failures(raw_rows(
        &emu,
        json!([
            {"step": "still answering", "path": "/ListRooms", "body": "{}", "status": 200},
        ]),
    ));
}

#[test]
fn concurrent_writes_are_all_applied_once() {
    let emu = common::default_emulator();
    let addr = emu.addr();
    let threads: Vec<_> = (0..16)
        .map(|t| {
            std::thread::spawn(move || {
                (0..25)
                    .map(|i| {
                        let body =
                            json!({"name": format!("r-{t}-{i}"), "tags": {"t": t.to_string()}});
                        let request =
                            common::request("POST", "/CreateRoom", &body.to_string(), true);
                        let (status, _, body) = common::raw_http(addr, &request);
                        assert_eq!(status, 200, "{body}");
                        let room: Value = serde_json::from_str(&body).unwrap();
                        room["id"].as_str().unwrap().to_string()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids: Vec<String> = threads
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 400);
    // Every room is listed exactly once across pages.
    let mut seen = raw_room_members(addr, "id");
    seen.sort();
    assert_eq!(seen, ids);
    assert_eq!(emu.count("CreateRoom"), 400);
}
