//! HTTP: the accept loop, routing, and the request pipeline.
//!
//! Every request, good or bad, gets an answer in the AWS error format and a
//! request-log record; nothing here panics on client input. The pipeline:
//! authorization (403) -> route (404 / 405) -> body (413, 400) -> injected
//! latency -> rate quota (429) -> injected fault (500 / 429, nothing applied)
//! -> model validation (400) -> the operation -> persistence -> response.

use super::log::RequestRecord;
use super::ops;
use super::smithy::{model, Location, Shape};
use super::wire::ApiError;
use super::Shared;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

/// Largest request body accepted (the SDKs never come near it).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

type Body = Full<Bytes>;

/// What a request turned out to be, for the log.
struct Outcome {
    operation: String,
    input: Value,
    result: Result<ops::Reply, ApiError>,
}

pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    peer: std::net::SocketAddr,
) -> Result<Response<Body>, Infallible> {
    if super::chat::is_upgrade(&req) {
        // The Messaging API (WebSocket) on the same listener.
        let mut resp = super::chat::upgrade(Arc::clone(&shared), req, peer);
        add_quota_header(&shared, &mut resp);
        return Ok(resp);
    }
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    if path.starts_with("/_emulator/") {
        let mut resp = super::control::handle(&shared, req).await;
        add_quota_header(&shared, &mut resp);
        return Ok(resp);
    }
    let outcome = pipeline(&shared, req).await;
    let request_id = shared.request_id();
    let (mut response, status, error) = match &outcome.result {
        Ok(reply) => (success(reply, &request_id), reply.status, None),
        Err(e) => (
            error_response(e, &request_id),
            e.status(),
            Some(e.code.type_name().to_string()),
        ),
    };
    shared.log.record(RequestRecord {
        seq: 0,
        operation: outcome.operation,
        method: method.to_string(),
        path,
        status,
        error,
        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
        input: outcome.input,
    });
    add_quota_header(&shared, &mut response);
    Ok(response)
}

/// Tells clients whether rate quotas are enforced (`aws`) or not (`off`), so
/// that ivsctl can stop pacing its calls against an emulator without them.
pub const QUOTA_HEADER: &str = "x-ivsctl-rate-quotas";

pub(crate) fn add_quota_header<B>(shared: &Shared, resp: &mut Response<B>) {
    let value = match shared.quotas {
        super::Quotas::Aws => "aws",
        super::Quotas::Off => "off",
    };
    resp.headers_mut()
        .insert(QUOTA_HEADER, HeaderValue::from_static(value));
}

async fn pipeline(shared: &Arc<Shared>, req: Request<Incoming>) -> Outcome {
    let mut outcome = Outcome {
        operation: "-".into(),
        input: Value::Null,
        result: Ok(ops::Reply {
            status: 200,
            body: None,
        }),
    };
    // Route first only to name the operation in the log: an unsigned request
    // is refused before anything else, as AWS does.
    let routed = route(req.method(), req.uri().path());
    if let Ok((operation, _)) = &routed {
        outcome.operation = operation.to_string();
    }
    let region = match check_authorization(&req) {
        Ok(scope) => scope.unwrap_or_else(|| shared.default_region.clone()),
        Err(e) => {
            outcome.result = Err(e);
            return outcome;
        }
    };
    let (operation, label) = match routed {
        Ok(r) => r,
        Err(e) => {
            outcome.result = Err(e);
            return outcome;
        }
    };
    let query = req.uri().query().unwrap_or("").to_string();
    let input = match read_input(req).await {
        Ok(body) => merge_location_members(operation, body, label, &query),
        Err(e) => {
            outcome.result = Err(e);
            return outcome;
        }
    };
    outcome.input = input.clone();
    outcome.result = run(shared, &region, operation, input).await;
    outcome
}

async fn run(
    shared: &Arc<Shared>,
    region: &str,
    operation: &'static str,
    input: Value,
) -> Result<ops::Reply, ApiError> {
    if !shared.latency.is_zero() {
        tokio::time::sleep(shared.latency).await;
    }
    if let Some(limiter) = &shared.limiter {
        if !limiter.try_acquire(region, operation) {
            return Err(ApiError::throttling(
                operation,
                super::knobs::rate_quota(operation),
            ));
        }
    }
    if let Some(fault) = shared.faults.decide() {
        return Err(match fault {
            super::knobs::Fault::Internal => {
                ApiError::internal("Injected fault: internal server error (nothing was applied)")
            }
            super::knobs::Fault::Throttling => {
                ApiError::throttling(operation, super::knobs::rate_quota(operation))
            }
        });
    }
    let errors = model().validate_input(operation, &input);
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    shared.execute(region, operation, &input).await
}

/// Requests must carry a SigV4 `Authorization` header, as AWS requires. The
/// signature itself is not verified: any credentials work. Answers the region
/// of the credential scope (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`),
/// `None` when the scope names none.
fn check_authorization<B>(req: &Request<B>) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(hyper::header::AUTHORIZATION) else {
        return Err(ApiError::access_denied(
            "Missing Authentication Token: requests must be signed with AWS Signature Version 4",
        ));
    };
    let value = value.to_str().unwrap_or("");
    if !(value.starts_with("AWS4-HMAC-SHA256 ")
        && value.contains("Credential=")
        && value.contains("Signature="))
    {
        return Err(ApiError::access_denied(
            "Authorization header is not an AWS Signature Version 4 signature (AWS4-HMAC-SHA256 Credential=..., Signature=...)",
        ));
    }
    scope_region(value)
}

/// The region element of the credential scope. A scope of the full form
/// must name a region usable in an ARN (`[a-z0-9-]+`); a shorter credential
/// (no scope) leaves the region to the default.
fn scope_region(authorization: &str) -> Result<Option<String>, ApiError> {
    let credential = authorization
        .split("Credential=")
        .nth(1)
        .unwrap_or("")
        .split([',', ' '])
        .next()
        .unwrap_or("");
    let parts: Vec<&str> = credential.split('/').collect();
    if parts.len() < 5 {
        return Ok(None);
    }
    let region = parts[parts.len() - 3];
    if region.is_empty()
        || region.len() > 64
        || !region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(ApiError::access_denied(format!(
            "The credential scope names the region '{region}', which is not a valid region name"
        )));
    }
    Ok(Some(region.to_string()))
}

/// Maps method and path to an operation of the model, and the raw (still
/// percent-encoded) URI label for `/tags/{resourceArn}`.
fn route(method: &Method, path: &str) -> Result<(&'static str, Option<String>), ApiError> {
    let mut allowed = Vec::new();
    for op in &model().operations {
        let label = match op.uri.split_once('{') {
            Some((prefix, _)) => match path.strip_prefix(prefix) {
                Some(rest) if !rest.is_empty() => Some(rest.to_string()),
                _ => continue,
            },
            None if op.uri == path => None,
            None => continue,
        };
        if op.method == method.as_str() {
            return Ok((op.name.as_str(), label));
        }
        allowed.push(op.method.clone());
    }
    if allowed.is_empty() {
        Err(
            ApiError::unknown_operation(format!("Unknown operation: {method} {path}"))
                .with_status(404),
        )
    } else {
        Err(ApiError::unknown_operation(format!(
            "Method {method} is not allowed on {path}; allowed: {}",
            allowed.join(", ")
        ))
        .with_status(405))
    }
}

async fn read_input(req: Request<Incoming>) -> Result<Value, ApiError> {
    let too_large = || {
        ApiError::validation_other(format!(
            "Request body is larger than the maximum of {MAX_BODY_BYTES} bytes"
        ))
        .with_status(413)
    };
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let bytes = match Limited::new(req.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return Err(too_large()),
        Err(e) => {
            return Err(ApiError::validation_other(format!(
                "Could not read the request body: {e}"
            )))
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(ApiError::serialization(
            "The request body must be a JSON object",
        )),
        Err(e) => Err(ApiError::serialization(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

/// Puts the URI label and query members into the input, as the model places
/// them, so one validation covers the whole input.
fn merge_location_members(
    operation: &str,
    body: Value,
    label: Option<String>,
    query: &str,
) -> Value {
    let mut input: Map<String, Value> = body.as_object().cloned().unwrap_or_default();
    let Some(shape) = model()
        .operation(operation)
        .and_then(|o| o.input.as_deref())
        .and_then(|s| model().shape(s))
    else {
        return Value::Object(input);
    };
    let Shape::Structure { members, .. } = shape else {
        return Value::Object(input);
    };
    for m in members {
        match &m.location {
            Location::Uri(_) => {
                if let Some(raw) = &label {
                    let decoded = percent_decode_str(raw).decode_utf8_lossy().to_string();
                    input.insert(m.name.clone(), json!(decoded));
                }
            }
            Location::Query(name) => {
                let values: Vec<Value> = query
                    .split('&')
                    .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
                    .filter(|(k, _)| percent_decode_str(k).decode_utf8_lossy() == name.as_str())
                    .map(|(_, v)| json!(percent_decode_str(v).decode_utf8_lossy()))
                    .collect();
                let is_list = matches!(model().shape(&m.shape), Some(Shape::List { .. }));
                if is_list && !values.is_empty() {
                    input.insert(m.name.clone(), Value::Array(values));
                } else if let Some(v) = values.into_iter().next() {
                    input.insert(m.name.clone(), v);
                }
            }
            Location::Body => {}
        }
    }
    Value::Object(input)
}

fn base_response(status: u16, request_id: &str, body: Option<Value>) -> Response<Body> {
    let bytes = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
    let mut resp = Response::new(Full::new(bytes));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-RequestId", v);
    }
    resp
}

fn success(reply: &ops::Reply, request_id: &str) -> Response<Body> {
    base_response(reply.status, request_id, reply.body.clone())
}

pub fn error_response(e: &ApiError, request_id: &str) -> Response<Body> {
    let mut resp = base_response(e.status(), request_id, Some(e.body()));
    resp.headers_mut().insert(
        "x-amzn-ErrorType",
        HeaderValue::from_static(e.code.type_name()),
    );
    resp
}

pub fn json_response(status: u16, body: Value) -> Response<Body> {
    base_response(status, "-", Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_every_operation_and_tags() {
        assert_eq!(
            route(&Method::POST, "/CreateRoom").unwrap(),
            ("CreateRoom", None)
        );
        let (op, label) = route(&Method::DELETE, "/tags/arn%3Aaws").unwrap();
        assert_eq!((op, label.as_deref()), ("UntagResource", Some("arn%3Aaws")));
        assert_eq!(
            route(&Method::GET, "/tags/x").unwrap().0,
            "ListTagsForResource"
        );
        assert_eq!(route(&Method::POST, "/tags/x").unwrap().0, "TagResource");
        assert_eq!(
            route(&Method::GET, "/CreateRoom").unwrap_err().status(),
            405
        );
        assert_eq!(route(&Method::POST, "/Nope").unwrap_err().status(), 404);
        assert_eq!(route(&Method::GET, "/tags/").unwrap_err().status(), 404);
    }

    #[test]
    fn region_comes_from_the_credential_scope() {
        let auth =
            |c: &str| format!("AWS4-HMAC-SHA256 Credential={c}, SignedHeaders=host, Signature=x");
        assert_eq!(
            scope_region(&auth("AKID/20261126/us-west-2/ivschat/aws4_request")).unwrap(),
            Some("us-west-2".into())
        );
        assert_eq!(
            scope_region(&auth("AK/ID/20261126/eu-west-1/ivschat/aws4_request")).unwrap(),
            Some("eu-west-1".into())
        );
        assert_eq!(scope_region(&auth("AKID")).unwrap(), None);
        assert_eq!(
            scope_region(&auth("AKID/20261126/US_WEST/ivschat/aws4_request"))
                .unwrap_err()
                .status(),
            403
        );
    }

    #[test]
    fn merges_arn_and_repeated_tag_keys() {
        let input = merge_location_members(
            "UntagResource",
            json!({}),
            Some("arn%3Aaws%3Aivschat%3Aus-east-1%3A1%3Aroom%2Fabc".into()),
            "tagKeys=a%20b&tagKeys=c%2Fd&other=1",
        );
        assert_eq!(input["resourceArn"], "arn:aws:ivschat:us-east-1:1:room/abc");
        assert_eq!(input["tagKeys"], json!(["a b", "c/d"]));
    }
}
