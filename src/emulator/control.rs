//! The emulator's own endpoints under `/_emulator/`, for tests and tooling.
//! They are not part of the IVS Chat API, need no signature, and are neither
//! rate-limited, faulted nor logged.
//!
//! - `GET /_emulator/requests`: `{"requests": [...], "counts": {op: n}}`
//! - `DELETE /_emulator/requests`: clears the request log
//! - `POST /_emulator/logging-configuration-state` with
//!   `{"arn": "...", "state": "CREATE_FAILED"}`: forces a logging
//!   configuration's state (to exercise clients' handling of failed states)
//! - `GET /_emulator/health`: `{"status": "ok"}`

use super::server::json_response;
use super::Shared;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use serde_json::{json, Value};

pub async fn handle(shared: &Shared, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    match (req.method().clone(), path.as_str()) {
        (Method::GET, "/_emulator/health") => json_response(200, json!({"status": "ok"})),
        (Method::GET, "/_emulator/requests") => json_response(
            200,
            json!({"requests": shared.log.records(), "counts": shared.log.counts()}),
        ),
        (Method::DELETE, "/_emulator/requests") => {
            shared.log.clear();
            json_response(200, json!({}))
        }
        (Method::POST, "/_emulator/logging-configuration-state") => {
            let body = match Limited::new(req.into_body(), 64 * 1024).collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => {
                    return json_response(400, json!({"message": format!("cannot read body: {e}")}))
                }
            };
            let Ok(v) = serde_json::from_slice::<Value>(&body) else {
                return json_response(
                    400,
                    json!({"message": "body must be JSON {\"arn\": ..., \"state\": ...}"}),
                );
            };
            let (Some(arn), Some(state)) = (v["arn"].as_str(), v["state"].as_str()) else {
                return json_response(
                    400,
                    json!({"message": "body must be JSON {\"arn\": ..., \"state\": ...}"}),
                );
            };
            match shared.set_logging_configuration_state(arn, state) {
                Ok(()) => json_response(200, json!({})),
                Err(message) => json_response(400, json!({ "message": message })),
            }
        }
        (method, path) => json_response(
            404,
            json!({"message": format!("no emulator endpoint {method} {path}")}),
        ),
    }
}
