//! Message review: a room's `messageReviewHandler` (a Lambda ARN) is invoked
//! through the Lambda Invoke API (`POST /2015-03-31/functions/NAME/invocations`,
//! what `sam local start-lambda` serves) at `--lambda-endpoint`, with the
//! payload AWS documents:
//!
//! `{"Content", "MessageId", "RoomArn", "Attributes", "Sender": {"UserId", "Attributes", "Ip"}}`
//!
//! and the answer `{"ReviewResult": "ALLOW"|"DENY", "Content"?, "Attributes"?}`.
//! An error (connection refused, non-2xx status, `X-Amz-Function-Error`), a
//! timeout (200 ms by default, as on AWS) or an invalid answer applies the
//! room's `fallbackResult`. Without `--lambda-endpoint`, messages pass
//! unreviewed and the emulator says so once on stderr.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The default review timeout (AWS's).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(200);
const MAX_ANSWER_BYTES: usize = 256 * 1024;
/// Path segments keep letters, digits, `-`, `_` and `.` (Lambda names use no
/// others); everything else is percent-encoded.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.');

/// Where Lambda functions are invoked: `http://HOST:PORT[/PREFIX]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaEndpoint {
    authority: String,
    prefix: String,
}

impl LambdaEndpoint {
    pub fn parse(url: &str) -> Result<LambdaEndpoint, String> {
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            format!("--lambda-endpoint must be an http:// URL (a local Lambda runtime), got {url}")
        })?;
        let (authority, prefix) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(format!("--lambda-endpoint has no host: {url}"));
        }
        let authority = if authority.contains(':') && !authority.ends_with(']') {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        Ok(LambdaEndpoint {
            authority,
            prefix: prefix.to_string(),
        })
    }
}

/// What review decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Deliver, with the content and attributes as (possibly) rewritten.
    Allow {
        content: String,
        attributes: BTreeMap<String, String>,
    },
    Deny,
}

/// The message under review.
pub struct Submission<'a> {
    pub handler_uri: &'a str,
    pub fallback_result: &'a str,
    pub room_arn: &'a str,
    pub message_id: &'a str,
    pub content: &'a str,
    pub attributes: &'a BTreeMap<String, String>,
    pub user_id: &'a str,
    pub user_attributes: &'a BTreeMap<String, String>,
    pub ip: &'a str,
}

pub struct Reviewer {
    endpoint: Option<LambdaEndpoint>,
    timeout: Duration,
    warned: AtomicBool,
}

impl Reviewer {
    pub fn new(endpoint: Option<LambdaEndpoint>, timeout: Duration) -> Reviewer {
        Reviewer {
            endpoint,
            timeout,
            warned: AtomicBool::new(false),
        }
    }

    pub async fn review(&self, s: &Submission<'_>) -> Verdict {
        let allow_as_sent = || Verdict::Allow {
            content: s.content.to_string(),
            attributes: s.attributes.clone(),
        };
        let Some(endpoint) = &self.endpoint else {
            if !self.warned.swap(true, Ordering::Relaxed) {
                eprintln!(
                    "emulator: room {} has a message review handler ({}), but no --lambda-endpoint is set: messages are delivered without review",
                    s.room_arn, s.handler_uri
                );
            }
            return allow_as_sent();
        };
        let answer = tokio::time::timeout(self.timeout, invoke(endpoint, s)).await;
        let parsed = match answer {
            Ok(Ok(v)) => parse_answer(&v, s),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(format!("no answer within {} ms", self.timeout.as_millis())),
        };
        match parsed {
            Ok(v) => v,
            Err(e) => {
                eprintln!(
                    "emulator: message review by {} failed ({e}); applying fallbackResult {}",
                    s.handler_uri, s.fallback_result
                );
                if s.fallback_result == "DENY" {
                    Verdict::Deny
                } else {
                    allow_as_sent()
                }
            }
        }
    }
}

/// `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` -> (NAME, QUALIFIER).
pub fn function_of(uri: &str) -> (String, Option<String>) {
    match uri.split_once(":function:") {
        Some((_, rest)) => match rest.split_once(':') {
            Some((name, q)) if !q.is_empty() => (name.to_string(), Some(q.to_string())),
            _ => (rest.trim_end_matches(':').to_string(), None),
        },
        None => (uri.to_string(), None),
    }
}

fn payload(s: &Submission<'_>) -> Value {
    json!({
        "Content": s.content,
        "MessageId": s.message_id,
        "RoomArn": s.room_arn,
        "Attributes": s.attributes,
        "Sender": {
            "UserId": s.user_id,
            "Attributes": s.user_attributes,
            "Ip": s.ip,
        }
    })
}

async fn invoke(endpoint: &LambdaEndpoint, s: &Submission<'_>) -> Result<Value, String> {
    let (name, qualifier) = function_of(s.handler_uri);
    let name = percent_encoding::utf8_percent_encode(&name, SEGMENT);
    let mut path = format!(
        "{}/2015-03-31/functions/{name}/invocations",
        endpoint.prefix
    );
    if let Some(q) = qualifier {
        path.push_str("?Qualifier=");
        path.push_str(&percent_encoding::utf8_percent_encode(&q, SEGMENT).to_string());
    }
    let stream = tokio::net::TcpStream::connect(&endpoint.authority)
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", endpoint.authority))?;
    let _ = stream.set_nodelay(true);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake with {} failed: {e}", endpoint.authority))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let body = payload(s).to_string();
    let req = Request::post(path)
        .header(hyper::header::HOST, &endpoint.authority)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header("X-Amz-Invocation-Type", "RequestResponse")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("cannot build the Invoke request: {e}"))?;
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| format!("Invoke failed: {e}"))?;
    let status = resp.status();
    let function_error = resp
        .headers()
        .get("x-amz-function-error")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let bytes = Limited::new(resp.into_body(), MAX_ANSWER_BYTES)
        .collect()
        .await
        .map_err(|e| format!("cannot read the Invoke answer: {e}"))?
        .to_bytes();
    if !status.is_success() {
        return Err(format!(
            "Invoke answered HTTP {status}: {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    if let Some(kind) = function_error {
        return Err(format!(
            "the function failed ({kind}): {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("the answer is not JSON: {e}"))
}

/// Checks the handler's answer.
fn parse_answer(v: &Value, s: &Submission<'_>) -> Result<Verdict, String> {
    let obj = v.as_object().ok_or("the answer is not a JSON object")?;
    let content = match obj.get("Content") {
        None | Some(Value::Null) => s.content.to_string(),
        Some(Value::String(c)) => c.clone(),
        Some(_) => return Err("Content is not a string".into()),
    };
    let attributes = match obj.get("Attributes") {
        None | Some(Value::Null) => s.attributes.clone(),
        Some(Value::Object(m)) => {
            string_map(m).ok_or("Attributes has a value that is not a string")?
        }
        Some(_) => return Err("Attributes is not an object".into()),
    };
    match obj.get("ReviewResult").and_then(Value::as_str) {
        Some("ALLOW") => Ok(Verdict::Allow {
            content,
            attributes,
        }),
        Some("DENY") => Ok(Verdict::Deny),
        Some(other) => Err(format!("ReviewResult is {other:?}, not ALLOW or DENY")),
        None => Err("ReviewResult is missing".into()),
    }
}

fn string_map(m: &Map<String, Value>) -> Option<BTreeMap<String, String>> {
    m.iter()
        .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_function_names() {
        let e = LambdaEndpoint::parse("http://127.0.0.1:3001").unwrap();
        assert_eq!(e.authority, "127.0.0.1:3001");
        assert_eq!(e.prefix, "");
        let e = LambdaEndpoint::parse("http://localhost/lambda/").unwrap();
        assert_eq!(
            (e.authority.as_str(), e.prefix.as_str()),
            ("localhost:80", "/lambda")
        );
        assert!(LambdaEndpoint::parse("https://x").is_err());
        assert!(LambdaEndpoint::parse("http://").is_err());
        assert_eq!(
            function_of("arn:aws:lambda:us-east-1:123456789012:function:review"),
            ("review".to_string(), None)
        );
        assert_eq!(
            function_of("arn:aws:lambda:us-east-1:123456789012:function:review:live"),
            ("review".to_string(), Some("live".to_string()))
        );
    }

    #[test]
    fn answers_are_checked() {
        let attrs = BTreeMap::new();
        let s = Submission {
            handler_uri: "h",
            fallback_result: "ALLOW",
            room_arn: "r",
            message_id: "m",
            content: "hi",
            attributes: &attrs,
            user_id: "u",
            user_attributes: &attrs,
            ip: "127.0.0.1",
        };
        assert_eq!(
            parse_answer(&json!({"ReviewResult": "ALLOW"}), &s).unwrap(),
            Verdict::Allow {
                content: "hi".into(),
                attributes: attrs.clone()
            }
        );
        assert_eq!(
            parse_answer(&json!({"ReviewResult": "DENY"}), &s).unwrap(),
            Verdict::Deny
        );
        let rewritten = parse_answer(
            &json!({"ReviewResult": "ALLOW", "Content": "**", "Attributes": {"a": "b"}}),
            &s,
        )
        .unwrap();
        assert!(
            matches!(rewritten, Verdict::Allow { ref content, ref attributes }
            if content == "**" && attributes["a"] == "b")
        );
        for bad in [
            json!({}),
            json!({"ReviewResult": "MAYBE"}),
            json!({"ReviewResult": "ALLOW", "Content": 3}),
            json!({"ReviewResult": "ALLOW", "Attributes": {"a": 1}}),
            json!([1]),
        ] {
            assert!(parse_answer(&bad, &s).is_err(), "{bad}");
        }
    }
}
