//! The connection to IVS Chat shared by the reading side (`live.rs`) and the
//! writing side (`apply/`): SDK client configuration from the standard AWS
//! chain, client-side pacing to the API's rate quotas, and API errors in user
//! terms. Nothing here reads or writes resources.

use aws_sdk_ivschat::config::retry::RetryConfig;
use aws_sdk_ivschat::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ivschat::error::{ProvideErrorMetadata, SdkError};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where and as whom to call the API (global options and the manifest).
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// Static dummy credentials (for `--local`: the emulator accepts any).
    pub dummy_credentials: bool,
    pub verbose: u8,
}

/// A configured client plus the pacer every call goes through. Cheap to
/// clone (clones share the pacer).
#[derive(Clone)]
pub struct Api {
    pub client: aws_sdk_ivschat::Client,
    pub region: String,
    pub pacer: std::sync::Arc<Pacer>,
    pub verbose: u8,
}

/// Total attempts per call (first try + retries) for throttling and 5xx.
const MAX_ATTEMPTS: u32 = 8;

impl Api {
    /// Builds the client from the standard chain (environment, profiles, SSO,
    /// web identity, instance metadata), with `settings` on top. Fails
    /// clearly when no region is known.
    pub async fn connect(settings: &AwsSettings) -> Result<Api, ApiError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(10)),
        );
        if let Some(r) = &settings.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(p) = &settings.profile {
            loader = loader.profile_name(p);
        }
        if let Some(e) = &settings.endpoint_url {
            loader = loader.endpoint_url(e);
        }
        if settings.dummy_credentials {
            loader = loader.credentials_provider(Credentials::new(
                "local",
                "local",
                None,
                None,
                "ivsctl-local",
            ));
        }
        let config = loader.load().await;
        let region = config
            .region()
            .map(|r| r.to_string())
            .ok_or_else(|| ApiError {
                operation: "configuration".into(),
                code: None,
                status: None,
                message:
                    "no AWS region: set `region` in the manifest, pass --region, or set AWS_REGION"
                        .into(),
            })?;
        Ok(Api {
            client: aws_sdk_ivschat::Client::new(&config),
            region,
            pacer: std::sync::Arc::new(Pacer::default()),
            verbose: settings.verbose,
        })
    }

    /// Waits for a slot of `operation`'s rate quota, then logs the call at -v.
    pub async fn pace(&self, operation: &'static str, target: &str) {
        self.pacer.acquire(operation).await;
        if self.verbose > 0 {
            let sep = if target.is_empty() { "" } else { " " };
            crate::trace::line(format_args!("api: {operation}{sep}{target}"));
        }
    }
}

/// An API timestamp as ISO-8601 with milliseconds (`2026-11-26T01:02:03.456Z`),
/// the form the API sends; empty when absent.
pub fn iso_time(t: Option<&aws_sdk_ivschat::primitives::DateTime>) -> String {
    t.and_then(|d| std::time::SystemTime::try_from(*d).ok())
        .map(|s| humantime::format_rfc3339_millis(s).to_string())
        .unwrap_or_default()
}

/// A sorted string map as the SDK's `HashMap` (tags, attributes).
pub fn sdk_map(m: &std::collections::BTreeMap<String, String>) -> HashMap<String, String> {
    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// AWS's per-operation rate quotas for IVS Chat, in requests per second
/// (ivschat-facts.md; not adjustable).
pub fn rate_quota(operation: &str) -> f64 {
    match operation {
        "CreateRoom" | "GetRoom" | "ListRooms" | "UpdateRoom" | "DeleteRoom" => 5.0,
        "CreateLoggingConfiguration"
        | "GetLoggingConfiguration"
        | "ListLoggingConfigurations"
        | "UpdateLoggingConfiguration"
        | "DeleteLoggingConfiguration" => 3.0,
        "TagResource" | "UntagResource" | "ListTagsForResource" => 10.0,
        "CreateChatToken" => 200.0,
        _ => 100.0,
    }
}

/// Client-side pacing: per operation, a generic cell-rate scheduler that
/// sends a burst of one second's worth *minus one* call, then one call per
/// 1/rate seconds. Against the service's token bucket (one second's worth,
/// refilled at the rate) this keeps one token in reserve, so a call that
/// arrives early by network jitter (up to 1/rate seconds) still passes, while
/// the sustained rate is the full quota. Concurrent callers reserve slots in
/// turn and sleep until theirs.
#[derive(Debug, Default)]
pub struct Pacer {
    /// operation -> theoretical arrival time of the next call.
    tat: Mutex<HashMap<&'static str, Instant>>,
}

impl Pacer {
    /// How long the caller must wait for its slot (and reserves it).
    pub fn reserve(&self, operation: &'static str, now: Instant) -> Duration {
        let rate = rate_quota(operation);
        let interval = Duration::from_secs_f64(1.0 / rate);
        // A burst of B calls = B - 1 intervals ahead of the schedule.
        let burst_calls = (rate.floor() - 1.0).max(1.0);
        let burst = Duration::from_secs_f64((burst_calls - 1.0) * interval.as_secs_f64());
        let mut tat = self.tat.lock().unwrap_or_else(|p| p.into_inner());
        let t = tat.entry(operation).or_insert(now);
        let start = (*t).max(now);
        let allowed_at = start.checked_sub(burst).unwrap_or(now);
        *t = start + interval;
        allowed_at.saturating_duration_since(now)
    }

    pub async fn acquire(&self, operation: &'static str) {
        let wait = self.reserve(operation, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// An API call that failed, in user terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} failed: {message}{}", code.as_ref().map(|c| format!(" ({c}{})", status.map(|s| format!(", HTTP {s}")).unwrap_or_default())).unwrap_or_default())]
pub struct ApiError {
    pub operation: String,
    /// The service's error code, e.g. `ConflictException`.
    pub code: Option<String>,
    pub status: Option<u16>,
    pub message: String,
}

impl ApiError {
    pub fn from_sdk<E, R>(operation: &str, err: SdkError<E, R>) -> ApiError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + HasStatus,
    {
        let status = err.raw_response().map(|r| r.status_code());
        let code = err.code().map(String::from);
        let message = match &err {
            SdkError::ServiceError(_) => err.message().unwrap_or("no message").to_string(),
            SdkError::TimeoutError(_) => "the request timed out".to_string(),
            SdkError::DispatchFailure(e) => {
                let cause = e
                    .as_connector_error()
                    .map(|c| source_chain(c))
                    .unwrap_or_else(|| format!("{e:?}"));
                format!("could not reach the IVS Chat endpoint: {cause}")
            }
            other => source_chain(other),
        };
        ApiError {
            operation: operation.to_string(),
            code,
            status,
            message,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.code.as_deref() == Some("ResourceNotFoundException") || self.status == Some(404)
    }
}

/// Error text with its causes ("a: b: c").
fn source_chain(e: &dyn std::error::Error) -> String {
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

    #[test]
    fn pacer_allows_one_second_burst_then_paces() {
        let p = Pacer::default();
        let now = Instant::now();
        let waits: Vec<Duration> = (0..8).map(|_| p.reserve("GetRoom", now)).collect();
        assert!(waits[..4].iter().all(|w| w.is_zero()), "{waits:?}");
        // A burst of 4 (one token kept in reserve), then one call per 1/5 s.
        assert!((waits[4].as_secs_f64() - 0.2).abs() < 0.01, "{waits:?}");
        assert!((waits[5].as_secs_f64() - 0.4).abs() < 0.01, "{waits:?}");
        // Operations have separate budgets.
        assert!(p.reserve("TagResource", now).is_zero());
    }

    #[test]
    fn paced_calls_pass_a_token_bucket_of_the_quota() {
        // The service (and the emulator) hold one second's worth of tokens and
        // refill at the quota: every paced call finds two tokens or more, so
        // it still passes if jitter makes it arrive up to 1/rate s early.
        for (op, rate) in [
            ("CreateRoom", 5.0),
            ("GetLoggingConfiguration", 3.0),
            ("TagResource", 10.0),
        ] {
            let p = Pacer::default();
            let now = Instant::now();
            let times: Vec<f64> = (0..60).map(|_| p.reserve(op, now).as_secs_f64()).collect();
            let (mut tokens, mut last) = (rate, 0.0);
            for t in times {
                tokens = (tokens + (t - last) * rate).min(rate);
                last = t;
                assert!(tokens >= 2.0 - 1e-6, "{op}: no reserve at {t}: {tokens}");
                tokens -= 1.0;
            }
        }
    }
}
