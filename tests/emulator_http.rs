//! The emulator against raw HTTP: malformed and hostile requests are answered
//! with a 4xx in the AWS error format, never a panic, a hang or a 5xx; and it
//! stays correct under concurrent requests.

mod common;

use common::{header, raw_http, request, AUTH};
use serde_json::Value;
use std::io::{Read, Write};

/// Asserts an AWS-format error: status, `x-amzn-ErrorType`, JSON `__type` and
/// `message`, and a request id.
fn assert_aws_error(resp: &(u16, Vec<(String, String)>, String), status: u16, code: &str) -> Value {
    let (s, headers, body) = resp;
    assert_eq!(*s, status, "body: {body}");
    assert_eq!(header(headers, "x-amzn-errortype"), Some(code));
    assert!(header(headers, "x-amzn-requestid").is_some_and(|v| v.len() == 36));
    assert_eq!(header(headers, "content-type"), Some("application/json"));
    let json: Value = serde_json::from_str(body).expect("error body is JSON");
    assert_eq!(json["__type"], code);
    assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
    json
}

#[test]
fn missing_authorization_is_403() {
    let emu = common::default_emulator();
    let resp = raw_http(emu.addr(), &request("POST", "/CreateRoom", "{}", false));
    assert_aws_error(&resp, 403, "AccessDeniedException");
    let bad = b"POST /ListRooms HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic dXNlcjpwdw==\r\nContent-Length: 2\r\n\r\n{}";
    assert_aws_error(&raw_http(emu.addr(), bad), 403, "AccessDeniedException");
    // Nothing was created.
    let list = raw_http(emu.addr(), &request("POST", "/ListRooms", "{}", true));
    assert_eq!(list.0, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&list.2).unwrap()["rooms"],
        serde_json::json!([])
    );
}

#[test]
fn malformed_json_is_400_serialization() {
    let emu = common::default_emulator();
    for body in ["{nope", "[1,2]", "\"room\"", "{\"name\": \"a\"", "nul"] {
        let resp = raw_http(emu.addr(), &request("POST", "/CreateRoom", body, true));
        assert_aws_error(&resp, 400, "SerializationException");
    }
    assert_eq!(emu.count("CreateRoom"), 5);
    assert!(emu.requests().iter().all(|r| r.status == 400));
}

#[test]
fn wrong_type_in_json_is_a_field_error() {
    let emu = common::default_emulator();
    let resp = raw_http(
        emu.addr(),
        &request(
            "POST",
            "/CreateRoom",
            r#"{"maximumMessageLength": "500", "tags": []}"#,
            true,
        ),
    );
    let json = assert_aws_error(&resp, 400, "ValidationException");
    let names: Vec<&str> = json["fieldList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["maximumMessageLength", "tags"]);
}

#[test]
fn wrong_method_is_405_and_unknown_path_404() {
    let emu = common::default_emulator();
    let resp = raw_http(emu.addr(), &request("GET", "/CreateRoom", "", true));
    assert_aws_error(&resp, 405, "UnknownOperationException");
    let resp = raw_http(emu.addr(), &request("PUT", "/tags/arn%3Aaws", "{}", true));
    assert_aws_error(&resp, 405, "UnknownOperationException");
    for path in [
        "/",
        "/CreateRooms",
        "/createroom",
        "/tags",
        "/tags/",
        "/GetRoom/extra",
    ] {
        let resp = raw_http(emu.addr(), &request("POST", path, "{}", true));
        assert_aws_error(&resp, 404, "UnknownOperationException");
    }
}

#[test]
fn body_over_one_mib_is_413() {
    let emu = common::default_emulator();
    let big = format!(r#"{{"name": "{}"}}"#, "a".repeat(1024 * 1024 + 10));
    // Declared length over the limit.
    let resp = raw_http(emu.addr(), &request("POST", "/CreateRoom", &big, true));
    assert_aws_error(&resp, 413, "ValidationException");
    // Chunked, so the size is only known while reading.
    let mut req = format!(
        "POST /CreateRoom HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: {AUTH}\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for chunk in big.as_bytes().chunks(64 * 1024) {
        req.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        req.extend_from_slice(chunk);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    assert_aws_error(&raw_http(emu.addr(), &req), 413, "ValidationException");
    // A body just under the limit is read (and then fails validation on length).
    let near = format!(r#"{{"name": "{}"}}"#, "a".repeat(1000 * 1000));
    let resp = raw_http(emu.addr(), &request("POST", "/CreateRoom", &near, true));
    assert_aws_error(&resp, 400, "ValidationException");
}

#[test]
fn empty_body_means_empty_input() {
    let emu = common::default_emulator();
    let resp = raw_http(emu.addr(), &request("POST", "/ListRooms", "", true));
    assert_eq!(resp.0, 200);
    let resp = raw_http(emu.addr(), &request("POST", "/CreateRoom", "", true));
    assert_eq!(resp.0, 200);
    let room: Value = serde_json::from_str(&resp.2).unwrap();
    assert_eq!(room["name"], "");
    assert_eq!(room["tags"], serde_json::json!({}));
    assert!(room.get("messageReviewHandler").is_none());
    assert!(room.get("loggingConfigurationIdentifiers").is_none());
}

#[test]
fn tag_routes_take_encoded_and_plain_arns() {
    let emu = common::default_emulator();
    let resp = raw_http(emu.addr(), &request("POST", "/CreateRoom", "{}", true));
    let arn = serde_json::from_str::<Value>(&resp.2).unwrap()["arn"]
        .as_str()
        .unwrap()
        .to_string();
    let encoded: String = percent_encode(&arn);
    let resp = raw_http(
        emu.addr(),
        &request(
            "POST",
            &format!("/tags/{encoded}"),
            r#"{"tags": {"team name/primary": "video", "x": ""}}"#,
            true,
        ),
    );
    assert_eq!(resp.0, 200, "{}", resp.2);
    // Unencoded ARN in the path (some hand-written clients do that).
    let resp = raw_http(
        emu.addr(),
        &request("GET", &format!("/tags/{arn}"), "", true),
    );
    assert_eq!(resp.0, 200);
    let tags: Value = serde_json::from_str(&resp.2).unwrap();
    assert_eq!(tags["tags"]["team name/primary"], "video");
    let resp = raw_http(
        emu.addr(),
        &request(
            "DELETE",
            &format!("/tags/{encoded}?tagKeys=team%20name%2Fprimary&tagKeys=x"),
            "",
            true,
        ),
    );
    assert_eq!(resp.0, 200, "{}", resp.2);
    let resp = raw_http(
        emu.addr(),
        &request("GET", &format!("/tags/{encoded}"), "", true),
    );
    assert_eq!(
        serde_json::from_str::<Value>(&resp.2).unwrap()["tags"],
        serde_json::json!({})
    );
    // UntagResource without tagKeys: tagKeys is required.
    let resp = raw_http(
        emu.addr(),
        &request("DELETE", &format!("/tags/{encoded}"), "", true),
    );
    let json = assert_aws_error(&resp, 400, "ValidationException");
    assert_eq!(json["fieldList"][0]["name"], "tagKeys");
    // A malformed ARN in the path is a field error, not a 404 or a 5xx.
    let resp = raw_http(emu.addr(), &request("GET", "/tags/not-an-arn%ZZ", "", true));
    let json = assert_aws_error(&resp, 400, "ValidationException");
    assert_eq!(json["fieldList"][0]["name"], "resourceArn");
}

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
    let resp = raw_http(emu.addr(), &request("POST", "/ListRooms", "{}", true));
    assert_eq!(resp.0, 200);
}

#[test]
fn every_answer_is_logged_and_no_answer_is_5xx() {
    let emu = common::default_emulator();
    let cases: Vec<Vec<u8>> = vec![
        request("POST", "/CreateRoom", "{}", false),
        request("POST", "/CreateRoom", "{bad", true),
        request("GET", "/CreateRoom", "", true),
        request("POST", "/Nope", "{}", true),
        request(
            "POST",
            "/GetRoom",
            r#"{"identifier": "arn:aws:ivschat:us-east-1:123456789012:room/AAAAAAAAAAAA"}"#,
            true,
        ),
        request("POST", "/GetRoom", "{}", true),
    ];
    for c in &cases {
        let (status, _, _) = raw_http(emu.addr(), c);
        assert!((400..500).contains(&status), "{status}");
    }
    let log = emu.requests();
    assert_eq!(log.len(), cases.len());
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [403, 400, 405, 404, 404, 400]);
    assert_eq!(log[4].operation, "GetRoom");
    assert_eq!(log[4].error.as_deref(), Some("ResourceNotFoundException"));
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
                        let body = format!(r#"{{"name": "r-{t}-{i}", "tags": {{"t": "{t}"}}}}"#);
                        let (status, _, body) =
                            raw_http(addr, &request("POST", "/CreateRoom", &body, true));
                        assert_eq!(status, 200, "{body}");
                        serde_json::from_str::<Value>(&body).unwrap()["id"]
                            .as_str()
                            .unwrap()
                            .to_string()
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
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let body = match &token {
            Some(t) => format!(r#"{{"nextToken": "{t}"}}"#),
            None => "{}".into(),
        };
        let (status, _, body) = raw_http(addr, &request("POST", "/ListRooms", &body, true));
        assert_eq!(status, 200);
        let page: Value = serde_json::from_str(&body).unwrap();
        for r in page["rooms"].as_array().unwrap() {
            seen.push(r["id"].as_str().unwrap().to_string());
        }
        match page["nextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ids);
    assert_eq!(emu.count("CreateRoom"), 400);
}

#[test]
fn control_endpoints_need_no_signature_and_are_not_logged() {
    let emu = common::default_emulator();
    raw_http(emu.addr(), &request("POST", "/CreateRoom", "{}", true));
    let (status, _, body) = raw_http(
        emu.addr(),
        &request("GET", "/_emulator/requests", "", false),
    );
    assert_eq!(status, 200);
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["counts"]["CreateRoom"], 1);
    assert_eq!(json["requests"][0]["operation"], "CreateRoom");
    assert_eq!(json["requests"][0]["status"], 200);
    let (status, _, _) = raw_http(
        emu.addr(),
        &request("DELETE", "/_emulator/requests", "", false),
    );
    assert_eq!(status, 200);
    assert!(emu.requests().is_empty());
    let (status, _, _) = raw_http(emu.addr(), &request("GET", "/_emulator/health", "", false));
    assert_eq!(status, 200);
    let (status, _, _) = raw_http(emu.addr(), &request("GET", "/_emulator/nope", "", false));
    assert_eq!(status, 404);
}
