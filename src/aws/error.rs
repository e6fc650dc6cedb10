//! API failures in user terms. Each variant keeps the SDK error it came from
//! as its `source`, so `-v` and miette's cause chain can show it, and carries
//! a help line saying what to do about it.

use aws_sdk_ivschat::error::{ProvideErrorMetadata, SdkError};
use std::error::Error as StdError;
use std::sync::Arc;

/// The SDK error behind an `ApiError` (shared, so the error stays `Clone`).
pub type Source = Arc<dyn StdError + Send + Sync + 'static>;

/// An IVS Chat API call that failed. `endpoint` is the URL called, filled
/// in by `Api::call` (the one way calls are made).
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
        endpoint: Option<String>,
        #[source]
        source: Option<Source>,
    },
    /// No connection could be made (refused, no route, no answer within the
    /// connect timeout), or it broke before an answer.
    #[error(
        "{operation} failed: could not reach the IVS Chat endpoint{}: {cause}",
        at(endpoint)
    )]
    Unreachable {
        operation: &'static str,
        cause: String,
        endpoint: Option<String>,
        #[source]
        source: Option<Source>,
    },
    /// No answer within the timeout.
    #[error(
        "{operation} failed: no answer from the IVS Chat endpoint{} in time",
        at(endpoint)
    )]
    Timeout {
        operation: &'static str,
        endpoint: Option<String>,
        #[source]
        source: Option<Source>,
    },
    /// An answer that is not what the API sends (not JSON, JSON of another
    /// shape, a field missing, an unknown variant).
    #[error(
        "{operation} failed: the answer{} is not an IVS Chat response: {detail}",
        from(endpoint)
    )]
    Malformed {
        operation: &'static str,
        detail: String,
        endpoint: Option<String>,
        #[source]
        source: Option<Source>,
    },
    /// The credential chain found no credentials: nothing was sent.
    #[error("{operation} not sent: no AWS credentials found")]
    NoCredentials {
        operation: &'static str,
        endpoint: Option<String>,
        #[source]
        source: Option<Source>,
    },
}

fn at(endpoint: &Option<String>) -> String {
    endpoint
        .as_deref()
        .map(|e| format!(" {e}"))
        .unwrap_or_default()
}

fn from(endpoint: &Option<String>) -> String {
    endpoint
        .as_deref()
        .map(|e| format!(" from {e}"))
        .unwrap_or_default()
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
            ApiError::NoCredentials { .. } => "ivsctl::api::no_credentials",
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
                "something other than IVS Chat answered (a proxy, a login page, another \
                 service?); check --endpoint-url / AWS_ENDPOINT_URL and the region"
                    .into()
            }
            ApiError::NoCredentials { .. } => {
                "set AWS_PROFILE (or --profile) to a profile of ~/.aws/config, run \
                 `aws sso login` for an SSO profile, or set AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY; in CI, give the job a role (e.g. GitHub OIDC). To work \
                 without an AWS account, use --local"
                    .into()
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
        if find_in_chain::<aws_credential_types::provider::error::CredentialsError>(&err).is_some()
        {
            // The innermost cause says what the credential chain tried; the
            // SDK's layers around it ("dispatch failure", "other") add nothing.
            return ApiError::NoCredentials {
                operation,
                endpoint: None,
                source: Some(Arc::new(Cause(innermost(&err)))),
            };
        }
        if let Some(not_ivs) = find_in_chain::<NotIvsChat>(&err) {
            // The detail says it all; the SDK's layers around it add nothing.
            return ApiError::Malformed {
                operation,
                detail: not_ivs.to_string(),
                endpoint: None,
                source: None,
            };
        }
        match &err {
            SdkError::ServiceError(_) => ApiError::Service {
                operation,
                message: err.message().unwrap_or("no message").to_string(),
                code,
                status,
                endpoint: None,
                source: Some(Arc::new(err)),
            },
            SdkError::TimeoutError(_) => ApiError::Timeout {
                operation,
                endpoint: None,
                source: Some(Arc::new(err)),
            },
            SdkError::DispatchFailure(e) => {
                let cause = match e.as_connector_error() {
                    Some(c) if c.is_timeout() => format!(
                        "no connection within {} s",
                        super::CONNECT_TIMEOUT.as_secs()
                    ),
                    Some(c) => innermost(c),
                    None => format!("{e:?}"),
                };
                ApiError::Unreachable {
                    operation,
                    cause,
                    endpoint: None,
                    source: Some(Arc::new(err)),
                }
            }
            SdkError::ResponseError(_) => ApiError::Malformed {
                operation,
                detail: source_chain(&err),
                endpoint: None,
                source: Some(Arc::new(err)),
            },
            _ => ApiError::Service {
                operation,
                message: source_chain(&err),
                code,
                status,
                endpoint: None,
                source: Some(Arc::new(err)),
            },
        }
    }

    /// The error with the endpoint that was called (set by `Api::call`).
    pub fn with_endpoint(mut self, url: &str) -> ApiError {
        match &mut self {
            ApiError::Service { endpoint, .. }
            | ApiError::Unreachable { endpoint, .. }
            | ApiError::Timeout { endpoint, .. }
            | ApiError::Malformed { endpoint, .. }
            | ApiError::NoCredentials { endpoint, .. } => *endpoint = Some(url.to_string()),
        }
        self
    }

    /// The endpoint that was called, once `Api::call` has set it.
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            ApiError::Service { endpoint, .. }
            | ApiError::Unreachable { endpoint, .. }
            | ApiError::Timeout { endpoint, .. }
            | ApiError::Malformed { endpoint, .. }
            | ApiError::NoCredentials { endpoint, .. } => endpoint.as_deref(),
        }
    }

    /// A response that lacks something the API always sends.
    pub fn malformed(operation: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::Malformed {
            operation,
            detail: detail.into(),
            endpoint: None,
            source: None,
        }
    }

    pub fn operation(&self) -> &'static str {
        match self {
            ApiError::Service { operation, .. }
            | ApiError::Unreachable { operation, .. }
            | ApiError::Timeout { operation, .. }
            | ApiError::Malformed { operation, .. }
            | ApiError::NoCredentials { operation, .. } => operation,
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

/// The first error of type `T` in `err`'s chain of sources.
fn find_in_chain<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(t) = e.downcast_ref::<T>() {
            return Some(t);
        }
        cur = e.source();
    }
    None
}

/// The innermost cause of a connection failure ("Connection refused (os
/// error 111)"), which says what happened without the layers around it.
fn innermost(e: &(dyn StdError + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// The text of an error's innermost cause, kept as a source.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Cause(String);

/// An answer that cannot come from IVS Chat (see `ResponseCheck`).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct NotIvsChat(pub String);

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
            endpoint: None,
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
            "ListRooms failed: the answer is not an IVS Chat response: the response has no `arn`"
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
