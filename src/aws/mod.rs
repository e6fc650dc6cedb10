//! The connection to IVS Chat shared by the reading side (`live.rs`), the
//! writing side (`apply/`) and the chat operations: SDK client configuration
//! from the standard AWS chain, pacing to the API's rate quotas (`pacer`),
//! the one retry loop (`retry`), and API errors in user terms (`error`).
//! Nothing here reads or writes resources.

mod check;
mod error;
mod pacer;
mod retry;

pub use check::judge as judge_response;
pub use error::{ApiError, HasStatus, NotIvsChat, Retryable, Source};
pub use pacer::{rate_quota, Pacer};
pub use retry::{backoff, Retry, DEFAULT_DEADLINE};

use aws_sdk_ivschat::config::retry::RetryConfig;
use aws_sdk_ivschat::config::{BehaviorVersion, Credentials, Region};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a connection may take to open: a refused or black-holed
/// endpoint fails within this, naming the endpoint.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The response header with which `ivsctl emulator` says whether it
/// enforces rate quotas (`aws`) or not (`off`).
pub const RATE_QUOTAS_HEADER: &str = "x-ivsctl-rate-quotas";

/// Where and as whom to call the API (global options and the manifest).
#[derive(Debug, Clone)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// Static dummy credentials (for `--local`: the emulator accepts any).
    pub dummy_credentials: bool,
    pub verbose: u8,
    /// `--api-share`: the percentage (1..=100) of each rate quota to use.
    pub api_share: u8,
    /// No pacing at all (the in-process emulator of `--local`).
    pub unpaced: bool,
}

impl Default for AwsSettings {
    fn default() -> Self {
        AwsSettings {
            region: None,
            profile: None,
            endpoint_url: None,
            dummy_credentials: false,
            verbose: 0,
            api_share: 100,
            unpaced: false,
        }
    }
}

/// Why there is no connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum ConnectError {
    #[error("no AWS region: set `region` in the manifest, pass --region, or set AWS_REGION")]
    #[diagnostic(
        code(ivsctl::config::no_region),
        help("IVS Chat resources live in one region; ivsctl never guesses it")
    )]
    NoRegion,
}

/// Told about what the API layer does, for `-v` and progress displays.
pub trait Observer: Send + Sync {
    /// A call is about to be sent (after pacing).
    fn calling(&self, _operation: &'static str, _target: &str) {}
    /// A call failed and is retried after `delay`.
    fn retrying(
        &self,
        _operation: &'static str,
        _target: &str,
        _error: &ApiError,
        _delay: Duration,
    ) {
    }
}

/// `-v`: every call; `-vv`: every retry too, with its cause and delay.
#[derive(Debug, Clone, Copy)]
pub struct Trace {
    pub verbose: u8,
}

impl Observer for Trace {
    fn calling(&self, operation: &'static str, target: &str) {
        if self.verbose > 0 {
            let sep = if target.is_empty() { "" } else { " " };
            crate::trace::line(format_args!("api: {operation}{sep}{target}"));
        }
    }

    fn retrying(&self, operation: &'static str, target: &str, error: &ApiError, delay: Duration) {
        if self.verbose > 1 {
            let sep = if target.is_empty() { "" } else { " " };
            crate::trace::line(format_args!(
                "api: retrying {operation}{sep}{target} in {} ms: {error}",
                delay.as_millis()
            ));
        }
    }
}

/// A configured client plus the pacer every call goes through. Cheap to
/// clone (clones share the pacer).
#[derive(Clone)]
pub struct Api {
    pub client: aws_sdk_ivschat::Client,
    pub region: String,
    pub pacer: Arc<Pacer>,
    pub observer: Arc<dyn Observer>,
    /// How long one call keeps retrying throttled answers.
    pub retry_deadline: Duration,
    /// The URL calls go to (for error messages).
    pub endpoint: String,
}

impl Api {
    /// Builds the client from the standard chain (environment, profiles, SSO,
    /// web identity, instance metadata), with `settings` on top. Fails
    /// clearly when no region is known.
    pub async fn connect(settings: &AwsSettings) -> Result<Api, ConnectError> {
        // Retries are ivsctl's own (`retry`), paced and per call class; the
        // SDK's would retry creates on 500s and bypass the pacer.
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                aws_sdk_ivschat::config::timeout::TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .build(),
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
            .ok_or(ConnectError::NoRegion)?;
        let endpoint = config
            .endpoint_url()
            .map(str::to_string)
            .unwrap_or_else(|| format!("https://ivschat.{region}.amazonaws.com"));
        let pacer = Arc::new(Pacer::new(settings.api_share));
        pacer.set_unpaced(settings.unpaced);
        let sdk_config = aws_sdk_ivschat::config::Builder::from(&config)
            .interceptor(QuotaSignal {
                pacer: Arc::clone(&pacer),
            })
            .interceptor(check::ResponseCheck)
            .build();
        Ok(Api {
            client: aws_sdk_ivschat::Client::from_conf(sdk_config),
            region,
            pacer,
            observer: Arc::new(Trace {
                verbose: settings.verbose,
            }),
            retry_deadline: DEFAULT_DEADLINE,
            endpoint,
        })
    }

    /// Waits for a slot of `operation`'s rate quota, then reports the call.
    pub async fn pace(&self, operation: &'static str, target: &str) {
        self.pacer.acquire(operation).await;
        self.observer.calling(operation, target);
        crate::heartbeat::called(operation);
    }
}

/// Reads `x-ivsctl-rate-quotas` from every response: `off` turns pacing off
/// (an emulator that enforces no rate quota), `aws` back on.
#[derive(Debug)]
struct QuotaSignal {
    pacer: Arc<Pacer>,
}

impl aws_sdk_ivschat::config::Intercept for QuotaSignal {
    fn name(&self) -> &'static str {
        "ivsctl-rate-quota-signal"
    }

    fn read_after_transmit(
        &self,
        context: &aws_sdk_ivschat::config::interceptors::BeforeDeserializationInterceptorContextRef<
            '_,
        >,
        _runtime_components: &aws_sdk_ivschat::config::RuntimeComponents,
        _cfg: &mut aws_sdk_ivschat::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        match context.response().headers().get(RATE_QUOTAS_HEADER) {
            Some("off") => self.pacer.set_unpaced(true),
            Some("aws") => self.pacer.set_unpaced(false),
            _ => {}
        }
        Ok(())
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
