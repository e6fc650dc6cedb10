//! Is this answer IVS Chat's? An endpoint that is not IVS Chat (a proxy's
//! login page, another service, a typo in --endpoint-url) may answer 200
//! with HTML, which the SDK reports as "no message", or with JSON of
//! another shape, which the SDK reads as an empty result: a ListRooms that
//! says "no rooms" would make a plan create every room again. So every
//! answer is checked against what the operation's output is in the service
//! model before it is used; one that cannot be IVS Chat's fails the call
//! with [`NotIvsChat`], named by operation and endpoint.

use super::error::NotIvsChat;
use aws_sdk_ivschat::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_ivschat::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::client::orchestrator::Metadata;

/// The members an operation's answer always has (the model's `required`
/// output members, and the identifiers every answer of its kind carries),
/// and whether its output has any member at all.
fn expected(operation: &str) -> (&'static [&'static str], bool) {
    match operation {
        "ListRooms" => (&["rooms"], true),
        "ListLoggingConfigurations" => (&["loggingConfigurations"], true),
        "ListTagsForResource" => (&["tags"], true),
        "GetRoom"
        | "CreateRoom"
        | "UpdateRoom"
        | "GetLoggingConfiguration"
        | "CreateLoggingConfiguration"
        | "UpdateLoggingConfiguration" => (&["arn", "id"], true),
        "CreateChatToken" => (&["token"], true),
        "SendEvent" | "DeleteMessage" => (&["id"], true),
        // DeleteRoom, DeleteLoggingConfiguration (204), DisconnectUser,
        // TagResource, UntagResource: no member; the body is empty or `{}`.
        _ => (&[], false),
    }
}

/// What is wrong with an answer, if it cannot be IVS Chat's.
/// `error_type` says whether the answer has IVS Chat's `x-amzn-errortype`
/// header.
pub fn judge(
    operation: &str,
    status: u16,
    content_type: Option<&str>,
    error_type: bool,
    body: &[u8],
) -> Option<String> {
    let (required, has_members) = expected(operation);
    let blank = body.iter().all(u8::is_ascii_whitespace);
    let success = (200..300).contains(&status);
    if blank {
        // An empty success is fine only for an output without members. An
        // empty client error without an error type is not IVS Chat's (its
        // errors say what they are); an empty 5xx is left to the SDK, to be
        // retried as a server error.
        let not_ivs = if success {
            has_members
        } else {
            status < 500 && !error_type
        };
        return not_ivs.then(|| format!("HTTP {status} with an empty body"));
    }
    let describe = || {
        let kind = content_type.unwrap_or("no content type");
        format!("HTTP {status}, {kind}: {}", snippet(body))
    };
    let parsed: Result<serde_json::Value, _> = serde_json::from_slice(body);
    let object = match parsed {
        Ok(serde_json::Value::Object(map)) => map,
        Ok(_) => {
            return Some(format!(
                "the body is JSON but not an object ({})",
                describe()
            ))
        }
        Err(_) => return Some(format!("the body is not JSON ({})", describe())),
    };
    if !success {
        // IVS Chat's errors are JSON objects; which members they carry is
        // the SDK's business (it reads the code from a header too).
        return None;
    }
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|k| !object.contains_key(*k))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let got: Vec<&str> = object.keys().map(String::as_str).take(8).collect();
    Some(format!(
        "the JSON has no `{}` (its members: {})",
        missing.join("`, `"),
        if got.is_empty() {
            "none".to_string()
        } else {
            got.join(", ")
        }
    ))
}

/// The start of a body, on one line, for an error message.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(120)]);
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = one_line.split_whitespace().collect::<Vec<_>>().join(" ");
    if body.len() > 120 {
        format!("{trimmed}…")
    } else {
        trimmed
    }
}

/// The interceptor that applies [`judge`] to every answer.
#[derive(Debug)]
pub struct ResponseCheck;

impl Intercept for ResponseCheck {
    fn name(&self) -> &'static str {
        "ivsctl-response-check"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let Some(operation) = cfg.load::<Metadata>().map(|m| m.name().to_string()) else {
            return Ok(());
        };
        let response = context.response();
        // Non-streaming answers are read whole before deserialization.
        let Some(body) = response.body().bytes() else {
            return Ok(());
        };
        let headers = response.headers();
        let error_type = headers.contains_key("x-amzn-errortype");
        match judge(
            &operation,
            response.status().as_u16(),
            headers.get("content-type"),
            error_type,
            body,
        ) {
            Some(problem) => Err(Box::new(NotIvsChat(problem))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::judge;

    #[test]
    fn html_is_not_ivs_chat() {
        let why = judge(
            "ListRooms",
            200,
            Some("text/html"),
            false,
            b"<!doctype html>\n<html><body>Sign in</body></html>",
        )
        .unwrap();
        assert_eq!(
            why,
            "the body is not JSON (HTTP 200, text/html: <!doctype html> <html><body>Sign in</body></html>)"
        );
        // An HTML error page too (a proxy's 502).
        assert!(judge(
            "GetRoom",
            502,
            Some("text/html"),
            false,
            b"<html>Bad gateway</html>"
        )
        .is_some());
    }

    #[test]
    fn json_of_another_shape_is_not_ivs_chat() {
        assert_eq!(
            judge(
                "ListRooms",
                200,
                Some("application/json"),
                false,
                br#"{"items":[1]}"#
            )
            .unwrap(),
            "the JSON has no `rooms` (its members: items)"
        );
        assert!(judge("ListRooms", 200, None, false, b"[1,2]").is_some());
        assert!(judge("GetRoom", 200, None, false, b"{}").is_some());
        assert!(judge("ListRooms", 200, None, false, b"").is_some());
    }

    #[test]
    fn ivs_chat_answers_pass() {
        assert_eq!(
            judge("ListRooms", 200, None, false, br#"{"rooms":[]}"#),
            None
        );
        assert_eq!(judge("DeleteRoom", 204, None, false, b""), None);
        assert_eq!(judge("TagResource", 200, None, false, b"{}"), None);
        assert_eq!(judge("DisconnectUser", 200, None, false, b""), None);
        assert_eq!(
            judge("GetRoom", 404, None, false, br#"{"message":"not found"}"#),
            None
        );
        assert_eq!(judge("GetRoom", 500, None, false, b""), None);
        assert_eq!(judge("GetRoom", 404, None, true, b""), None);
        assert_eq!(
            judge("GetRoom", 404, None, false, b"").unwrap(),
            "HTTP 404 with an empty body"
        );
    }
}
