//! API failures in user terms. Each variant keeps the SDK error it came from
//! as its `source`, so `-v` and miette's cause chain can show it, and carries
//! a help line saying what to do about it.

use aws_sdk_ivschat::error::{ProvideErrorMetadata, SdkError};
use std::error::Error as StdError;
use std::sync::Arc;

/// The SDK error behind an `ApiError` (shared, so the error stays `Clone`).
pub type Source = Arc<dyn StdError + Send + Sync + 'static>;

/// An IVS Chat API call that failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The service (or the endpoint in its place) answered with an error.
    #[error("{operation} failed: {message}{}", suffix(code.as_deref(), *status))]
    Service {
        operation: &'static str,
        /// The service's error code, e.g. `ConflictException`.
        code: Option<String>,
        status: Option<u16>,
        message: String,
        #[source]
        source: Option<Source>,
    },
    /// No connection could be made, or it broke before an answer.
    #[error("{operation} failed: could not reach the IVS Chat endpoint: {cause}")]
    Unreachable {
        operation: &'static str,
        cause: String,
        #[source]
        source: Option<Source>,
    },
    /// No answer within the timeout.
    #[error("{operation} failed: the request timed out")]
    Timeout {
        operation: &'static str,
        #[source]
        source: Option<Source>,
    },
    /// An answer that is not what the API sends (a field missing, an
    /// unknown variant, a body that does not parse).
    #[error("{operation} failed: {detail}")]
    Malformed {
        operation: &'static str,
        detail: String,
        #[source]
        source: Option<Source>,
    },
}

fn suffix(code: Option<&str>, status: Option<u16>) -> String {
    match (code, status) {
        (Some(c), Some(s)) => format!(" ({c}, HTTP {s})"),
        (Some(c), None) => format!(" ({c})"),
        (None, _) => String::new(),
    }
}

impl miette::Diagnostic for ApiError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        let code = match self {
            ApiError::Service { .. } => "ivsctl::api::service",
            ApiError::Unreachable { .. } => "ivsctl::api::unreachable",
            ApiError::Timeout { .. } => "ivsctl::api::timeout",
            ApiError::Malformed { .. } => "ivsctl::api::malformed",
        };
        Some(Box::new(code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        let help: String = match self {
            ApiError::Service {
                code, operation, ..
            } => match code.as_deref() {
                Some("ThrottlingException") => {
                    "the account's rate quota is shared by everything that calls IVS Chat in this \
                     region; ivsctl retried until its deadline. Run again later, or lower ivsctl's \
                     share with --api-share"
                        .into()
                }
                Some("AccessDeniedException") | Some("UnrecognizedClientException") => format!(
                    "the credentials in use may not call ivschat:{operation}; check the IAM policy \
                     of the role or user (`aws sts get-caller-identity` shows which one it is)"
                ),
                Some("ResourceNotFoundException") => {
                    "the resource is gone; plan again to see the account as it is now".into()
                }
                Some("ConflictException") => {
                    "another change to the same resource is in progress; run again in a moment"
                        .into()
                }
                Some("ServiceQuotaExceededException") => {
                    "a resource quota of the region is reached (10 logging configurations and \
                     50,000 rooms by default); delete unused resources or ask AWS for more"
                        .into()
                }
                Some("ValidationException") => {
                    "the API refused a value; `ivsctl validate` checks the manifest against the \
                     API's rules, please report this as an ivsctl bug if it passed"
                        .into()
                }
                _ => return None,
            },
            ApiError::Unreachable { .. } => {
                "check the network, the region, and --endpoint-url / AWS_ENDPOINT_URL; \
                 to work without AWS, use --local"
                    .into()
            }
            ApiError::Timeout { .. } => "the endpoint is slow or unreachable; run again".into(),
            ApiError::Malformed { .. } => {
                "the endpoint did not answer as IVS Chat does; check --endpoint-url".into()
            }
        };
        Some(Box::new(help))
    }
}

/// How an error may be retried (see `retry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retryable {
    /// ThrottlingException / 429: nothing was applied; slow down and retry.
    Throttled,
    /// 5xx, timeouts, dropped connections: the call may or may not have been
    /// applied.
    Transient,
    /// 409: another change is in progress.
    Conflict,
    /// Anything else: retrying cannot help.
    No,
}

impl ApiError {
    /// Converts an SDK error, keeping it as the source.
    pub fn from_sdk<E, R>(operation: &'static str, err: SdkError<E, R>) -> ApiError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: std::fmt::Debug + HasStatus + Send + Sync + 'static,
    {
        let status = err.raw_response().map(|r| r.status_code());
        let code = err.code().map(String::from);
        match &err {
            SdkError::ServiceError(_) => ApiError::Service {
                operation,
                message: err.message().unwrap_or("no message").to_string(),
                code,
                status,
                source: Some(Arc::new(err)),
            },
            SdkError::TimeoutError(_) => ApiError::Timeout {
                operation,
                source: Some(Arc::new(err)),
            },
            SdkError::DispatchFailure(e) => {
                let cause = e
                    .as_connector_error()
                    .map(|c| source_chain(c))
                    .unwrap_or_else(|| format!("{e:?}"));
                ApiError::Unreachable {
                    operation,
                    cause,
                    source: Some(Arc::new(err)),
                }
            }
            SdkError::ResponseError(_) => ApiError::Malformed {
                operation,
                detail: source_chain(&err),
                source: Some(Arc::new(err)),
            },
            _ => ApiError::Service {
                operation,
                message: source_chain(&err),
                code,
                status,
                source: Some(Arc::new(err)),
            },
        }
    }

    /// A response that lacks something the API always sends.
    pub fn malformed(operation: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::Malformed {
            operation,
            detail: detail.into(),
            source: None,
        }
    }

    pub fn operation(&self) -> &'static str {
        match self {
            ApiError::Service { operation, .. }
            | ApiError::Unreachable { operation, .. }
            | ApiError::Timeout { operation, .. }
            | ApiError::Malformed { operation, .. } => operation,
        }
    }

    /// The service's error code, when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Service { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Service { status, .. } => *status,
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.code() == Some("ResourceNotFoundException") || self.status() == Some(404)
    }

    pub fn retryable(&self) -> Retryable {
        match self {
            ApiError::Service { .. } if self.code() == Some("ThrottlingException") => {
                Retryable::Throttled
            }
            ApiError::Service {
                status: Some(429), ..
            } => Retryable::Throttled,
            ApiError::Service { .. } if self.code() == Some("ConflictException") => {
                Retryable::Conflict
            }
            ApiError::Service {
                status: Some(500..=599),
                ..
            } => Retryable::Transient,
            ApiError::Timeout { .. } => Retryable::Transient,
            // A refused connection does not get better by waiting; a dropped
            // one is rare enough not to matter. Both fail fast.
            ApiError::Unreachable { .. } => Retryable::No,
            _ => Retryable::No,
        }
    }
}

/// Error text with its causes ("a: b: c"), each cause once.
pub(crate) fn source_chain(e: &dyn StdError) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// The HTTP status of a raw response, whatever the SDK's response type.
pub trait HasStatus {
    fn status_code(&self) -> u16;
}

impl HasStatus for aws_sdk_ivschat::config::http::HttpResponse {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: Option<&str>, status: Option<u16>) -> ApiError {
        ApiError::Service {
            operation: "GetRoom",
            code: code.map(String::from),
            status,
            message: "Rate exceeded".into(),
            source: None,
        }
    }

    #[test]
    fn messages_name_the_operation_code_and_status() {
        assert_eq!(
            service(Some("ThrottlingException"), Some(429)).to_string(),
            "GetRoom failed: Rate exceeded (ThrottlingException, HTTP 429)"
        );
        assert_eq!(
            service(None, Some(502)).to_string(),
            "GetRoom failed: Rate exceeded"
        );
        assert_eq!(
            ApiError::malformed("ListRooms", "the response has no `arn`").to_string(),
            "ListRooms failed: the response has no `arn`"
        );
    }

    #[test]
    fn retry_classes() {
        assert_eq!(
            service(Some("ThrottlingException"), Some(429)).retryable(),
            Retryable::Throttled
        );
        assert_eq!(service(None, Some(429)).retryable(), Retryable::Throttled);
        assert_eq!(
            service(Some("InternalServerException"), Some(500)).retryable(),
            Retryable::Transient
        );
        assert_eq!(
            service(Some("ConflictException"), Some(409)).retryable(),
            Retryable::Conflict
        );
        assert_eq!(
            service(Some("ValidationException"), Some(400)).retryable(),
            Retryable::No
        );
        assert!(service(Some("ResourceNotFoundException"), Some(404)).is_not_found());
    }
}
