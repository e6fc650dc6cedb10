//! Raw HTTP: tables of exact request bytes and the answers expected
//! ([`raw_rows`]), for what the SDK would never send.

use super::{check, expect_eq, now_ms, with};
use crate::common;
use ivsctl::emulator::BackgroundEmulator;
use serde_json::{json, Value};

/// `Host` and `Connection: close`, the Authorization header unless `auth` is
/// false, `headers`, and `body` (a string as is, JSON serialized; default
/// empty), with Content-Length, or chunked in 64 KiB chunks when `chunked`.
fn raw_request(row: &Value) -> Vec<u8> {
    let method = row["method"].as_str().unwrap_or("POST");
    let path = row["path"].as_str().expect("a raw row needs a path");
    let body = match &row["body"] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        json => json.to_string(),
    };
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    if row["auth"] != false {
        head.push_str(&format!("Authorization: {}\r\n", common::AUTH));
    }
    for (name, value) in row["headers"].as_object().into_iter().flatten() {
        head.push_str(&format!(
            "{name}: {}\r\n",
            value.as_str().expect("a header value")
        ));
    }
    if row["chunked"] != true {
        head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        return head.into_bytes();
    }
    let mut bytes = format!("{head}Transfer-Encoding: chunked\r\n\r\n").into_bytes();
    for chunk in body.as_bytes().chunks(64 * 1024) {
        bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        bytes.extend_from_slice(chunk);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"0\r\n\r\n");
    bytes
}

/// One raw exchange of a table (see [`raw_rows`]).
fn raw_row(emu: &BackgroundEmulator, row: &Value) -> Result<(), String> {
    let before = emu.requests().len();
    let (status, headers, body) = common::raw_http(emu.addr(), &raw_request(row));
    let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    expect_eq(Some(status), row["status"].as_u64().map(|s| s as u16))
        .map_err(|e| format!("status: {e}; body {body}"))?;
    if let Some(code) = row["err"].as_str() {
        // The AWS error format: the code twice, a message and a request id.
        let header = |name: &str| common::header(&headers, name).unwrap_or("");
        let got = json!({
            "x-amzn-ErrorType": header("x-amzn-errortype"),
            "x-amzn-RequestId": header("x-amzn-requestid"),
            "Content-Type": header("content-type"),
            "__type": json["__type"],
            "message": json["message"],
        });
        let want = json!({
            "x-amzn-ErrorType": code, "x-amzn-RequestId": "<uuid>",
            "Content-Type": "application/json", "__type": code, "message": "<nonempty>",
        });
        check(&want, &got, now_ms())?;
    }
    if let Some(pattern) = row.get("json") {
        check(pattern, &json, now_ms())?;
    }
    // Every API request is logged once with its answer; control endpoints are not.
    let api = !row["path"]
        .as_str()
        .unwrap_or("")
        .starts_with("/_emulator/");
    let log = emu.requests();
    let new: Vec<Value> = log[before.min(log.len())..]
        .iter()
        .map(|r| json!({"operation": r.operation, "status": r.status, "error": r.error}))
        .collect();
    match (api, new.as_slice()) {
        (false, []) => Ok(()),
        (true, [record]) => check(
            &with(
                &json!({ "status": status }),
                row.get("record").cloned().unwrap_or(json!({})),
            ),
            record,
            0,
        ),
        _ => Err(format!("logged {new:?}")),
    }
}

/// Runs raw HTTP rows in order against `emu`: each a JSON object with `step`
/// (its name), the request (see `raw_request`: `method`, `path`, `auth`,
/// `headers`, `body`, `chunked`), the `status` it must answer, and
/// optionally `err` (the answer is an AWS error with this code: the
/// `x-amzn-ErrorType` header and `__type`, a message, a request id), `json`
/// (a pattern for the JSON body, see [`check`]) and `record` (a pattern for
/// the request-log record, whose status must be the answer's). Every API
/// request must add exactly one record to the log; a control endpoint none.
/// Returns one line per failed row.
pub fn raw_rows(emu: &BackgroundEmulator, table: Value) -> Vec<String> {
    const KEYS: [&str; 11] = [
        "step", "method", "path", "auth", "headers", "body", "chunked", "status", "err", "json",
        "record",
    ];
    let rows = table
        .as_array()
        .cloned()
        .expect("a table is an array of rows");
    rows.iter()
        .filter_map(|row| {
            let name = row["step"].as_str().unwrap_or("(unnamed)");
            let unknown = row
                .as_object()
                .and_then(|o| o.keys().find(|k| !KEYS.contains(&k.as_str())));
            let result = match unknown {
                Some(k) => Err(format!("unknown key {k:?} in the row")),
                None => raw_row(emu, row),
            };
            result.err().map(|e| format!("{name}: {e}"))
        })
        .collect()
}

/// An API request over raw HTTP with the Authorization header, retried while
/// injected faults (500, 429) answer it; the 200 answer's JSON.
pub fn retry_raw(addr: std::net::SocketAddr, path: &str, body: &str) -> Value {
    for _ in 0..100 {
        let (status, _, text) = common::raw_http(addr, &common::request("POST", path, body, true));
        if status == 200 {
            return serde_json::from_str(&text).expect("JSON answer");
        }
        assert!(status == 500 || status == 429, "{status} {text}");
    }
    panic!("100 faults in a row");
}

/// Every room's `member` across all ListRooms pages, over raw HTTP.
pub fn raw_room_members(addr: std::net::SocketAddr, member: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut body = json!({});
    loop {
        let page = retry_raw(addr, "/ListRooms", &body.to_string());
        for r in page["rooms"].as_array().expect("rooms") {
            out.push(r[member].as_str().expect("member").to_string());
        }
        match page["nextToken"].as_str() {
            Some(t) => body = json!({ "nextToken": t }),
            None => return out,
        }
    }
}
