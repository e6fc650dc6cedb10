//! The IVS Chat wire format as the emulator speaks it: the error type with its
//! HTTP status and JSON body, timestamps, and JSON responses.
//!
//! Errors carry the code in the `x-amzn-ErrorType` header and as `__type` in the
//! body, with `message` and the modelled members, at the status the service
//! model (`data/ivschat-service-2.json`) gives each error; `docs/emulator.md`
//! lists them.

use serde_json::{json, Map, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Every error code the emulator answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Validation,
    ServiceQuotaExceeded,
    AccessDenied,
    ResourceNotFound,
    Conflict,
    Throttling,
    InternalServer,
    /// Not in the model: a malformed request body (as AWS answers it).
    Serialization,
    /// Not in the model: no operation at that path (404) or method (405).
    UnknownOperation,
}

impl ErrorCode {
    pub fn type_name(self) -> &'static str {
        match self {
            ErrorCode::Validation => "ValidationException",
            ErrorCode::ServiceQuotaExceeded => "ServiceQuotaExceededException",
            ErrorCode::AccessDenied => "AccessDeniedException",
            ErrorCode::ResourceNotFound => "ResourceNotFoundException",
            ErrorCode::Conflict => "ConflictException",
            ErrorCode::Throttling => "ThrottlingException",
            ErrorCode::InternalServer => "InternalServerException",
            ErrorCode::Serialization => "SerializationException",
            ErrorCode::UnknownOperation => "UnknownOperationException",
        }
    }

    /// The HTTP status the service model assigns to the error.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::Validation => 400,
            ErrorCode::ServiceQuotaExceeded => 402,
            ErrorCode::AccessDenied => 403,
            ErrorCode::ResourceNotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::Throttling => 429,
            ErrorCode::InternalServer => 500,
            ErrorCode::Serialization => 400,
            ErrorCode::UnknownOperation => 404,
        }
    }
}

/// `ValidationExceptionReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationReason {
    FieldValidationFailed,
    Other,
}

impl ValidationReason {
    fn as_str(self) -> &'static str {
        match self {
            ValidationReason::FieldValidationFailed => "FIELD_VALIDATION_FAILED",
            ValidationReason::Other => "OTHER",
        }
    }
}

/// One entry of a ValidationException's `fieldList`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub name: String,
    pub message: String,
}

impl FieldError {
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            name: name.into(),
            message: message.into(),
        }
    }
}

/// An error response. Build it with the constructors; `status_override` is for
/// the few protocol-level errors (405, 413) whose status is not modelled.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    members: Map<String, Value>,
    status_override: Option<u16>,
}

/// The modelled `ResourceType` enum has one value, `ROOM`; the emulator sends it
/// for every resource (the strict, modelled choice) and names the resource in
/// `resourceId` and in the message.
const RESOURCE_TYPE: &str = "ROOM";

impl ApiError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            members: Map::new(),
            status_override: None,
        }
    }

    fn with(mut self, key: &str, value: Value) -> Self {
        self.members.insert(key.to_string(), value);
        self
    }

    /// FIELD_VALIDATION_FAILED with one entry per field; the message follows
    /// AWS's "N validation errors detected: ..." form.
    pub fn fields(errors: Vec<FieldError>) -> Self {
        let n = errors.len();
        let detail: Vec<String> = errors
            .iter()
            .map(|e| format!("'{}' {}", e.name, e.message))
            .collect();
        let message = format!(
            "{} validation error{} detected: {}",
            n,
            if n == 1 { "" } else { "s" },
            detail.join("; ")
        );
        let list: Vec<Value> = errors
            .iter()
            .map(|e| json!({"name": e.name, "message": e.message}))
            .collect();
        ApiError::new(ErrorCode::Validation, message)
            .with(
                "reason",
                json!(ValidationReason::FieldValidationFailed.as_str()),
            )
            .with("fieldList", Value::Array(list))
    }

    pub fn field(name: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::fields(vec![FieldError::new(name, message)])
    }

    /// A ValidationException that is not about one field (malformed body, ...).
    pub fn validation_other(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Validation, message)
            .with("reason", json!(ValidationReason::Other.as_str()))
    }

    pub fn unknown_operation(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::UnknownOperation, message)
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Serialization, message)
    }

    pub fn not_found(kind: &str, arn: &str) -> Self {
        ApiError::new(
            ErrorCode::ResourceNotFound,
            format!("{kind} not found: {arn}"),
        )
        .with("resourceId", json!(resource_id(arn)))
        .with("resourceType", json!(RESOURCE_TYPE))
    }

    pub fn conflict(arn: &str, message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Conflict, message)
            .with("resourceId", json!(resource_id(arn)))
            .with("resourceType", json!(RESOURCE_TYPE))
    }

    pub fn quota_exceeded(account_id: &str, message: impl Into<String>, limit: usize) -> Self {
        ApiError::new(ErrorCode::ServiceQuotaExceeded, message)
            .with("resourceId", json!(account_id))
            .with("resourceType", json!(RESOURCE_TYPE))
            .with("limit", json!(limit))
    }

    pub fn throttling(operation: &str, limit: u32) -> Self {
        ApiError::new(
            ErrorCode::Throttling,
            format!("Rate exceeded for {operation}: at most {limit} requests per second"),
        )
        .with("resourceId", json!(operation))
        .with("resourceType", json!(RESOURCE_TYPE))
        .with("limit", json!(limit))
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InternalServer, message)
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::AccessDenied, message)
    }

    /// Overrides the HTTP status (405 Method Not Allowed, 413 Payload Too Large).
    pub fn with_status(mut self, status: u16) -> Self {
        self.status_override = Some(status);
        self
    }

    pub fn status(&self) -> u16 {
        self.status_override.unwrap_or(self.code.status())
    }

    /// The JSON body: `__type`, `message` and the modelled members.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("__type".into(), json!(self.code.type_name()));
        body.insert("message".into(), json!(self.message));
        for (k, v) in &self.members {
            body.insert(k.clone(), v.clone());
        }
        Value::Object(body)
    }
}

/// The id part of an ARN (`.../room/ID` -> `ID`) when it has the modelled form;
/// otherwise a placeholder, since `resourceId` must match `[a-zA-Z0-9]+`.
fn resource_id(arn: &str) -> String {
    let id = arn.rsplit('/').next().unwrap_or("");
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()) {
        id.to_string()
    } else {
        "unknown".to_string()
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// ISO-8601 with milliseconds and `Z`, as the service sends timestamps.
pub fn timestamp(millis: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(millis.max(0) as u64);
    humantime::format_rfc3339_millis(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_millis_and_z() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(timestamp(1_764_000_000_123), "2025-11-24T16:00:00.123Z");
    }

    #[test]
    fn validation_body_has_reason_and_field_list() {
        let e = ApiError::field("maximumMessageLength", "must be at most 500");
        assert_eq!(e.status(), 400);
        let b = e.body();
        assert_eq!(b["__type"], "ValidationException");
        assert_eq!(b["reason"], "FIELD_VALIDATION_FAILED");
        assert_eq!(b["fieldList"][0]["name"], "maximumMessageLength");
        assert!(b["message"]
            .as_str()
            .unwrap()
            .starts_with("1 validation error detected"));
    }

    #[test]
    fn not_found_names_the_id() {
        let e = ApiError::not_found(
            "Room",
            "arn:aws:ivschat:us-east-1:123456789012:room/AbCdEfGhIjKl",
        );
        assert_eq!(e.status(), 404);
        assert_eq!(e.body()["resourceId"], "AbCdEfGhIjKl");
        assert_eq!(
            ApiError::not_found("Room", "garbage/").body()["resourceId"],
            "unknown"
        );
    }
}
