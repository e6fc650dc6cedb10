//! `ivsctl emulator`'s clap type, its value parsers, and its one conversion
//! into `emulator::EmulatorConfig` (`into_config`, with the global
//! `--region`).

use crate::emulator::{self, EmulatorConfig, Quotas};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(
    after_help = "Point clients at it with --endpoint-url http://127.0.0.1:4566 (or AWS_ENDPOINT_URL) \
        and any credentials, e.g.\n  AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws ivschat list-rooms \
        --endpoint-url http://127.0.0.1:4566 --region us-east-1"
)]
pub struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free port (printed on start).
    #[arg(long, default_value = "127.0.0.1:4566", value_name = "HOST:PORT")]
    pub listen: SocketAddr,
    /// Keep state (every region) in FILE across restarts: a snapshot plus an
    /// append-only log FILE.log; every change is on disk before it is
    /// acknowledged. Without it, state is in memory.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Account id used in ARNs.
    #[arg(long, default_value = emulator::DEFAULT_ACCOUNT_ID, value_name = "ID",
          value_parser = parse_account_id)]
    pub account_id: String,
    /// `aws`: enforce AWS's per-operation rate quotas; `off`: resource quotas only.
    #[arg(long, value_enum, default_value_t = Quotas::Off)]
    pub quotas: Quotas,
    /// Delay every response by N milliseconds.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub latency_ms: u64,
    /// Answer a fraction P (0..=1) of requests with a retryable error
    /// (500 InternalServerException or 429 ThrottlingException) without applying them.
    #[arg(long, default_value_t = 0.0, value_name = "P", value_parser = parse_fraction)]
    pub fault_rate: f64,
    /// Seed for injected faults and generated ids, to make runs repeatable.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// New or updated logging configurations stay CREATING / UPDATING for N ms.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub logging_config_delay_ms: u64,
    /// Append one JSON line per request (operation, status, latency, input) to FILE.
    #[arg(long, value_name = "FILE")]
    pub request_log: Option<PathBuf>,
    /// Rooms per region before CreateRoom answers 402 ServiceQuotaExceededException.
    #[arg(long, default_value_t = emulator::DEFAULT_ROOM_QUOTA, value_name = "N")]
    pub room_quota: usize,
    /// Logging configurations per region (AWS's default quota is 10, adjustable).
    #[arg(long, default_value_t = emulator::DEFAULT_LOGGING_CONFIGURATION_QUOTA, value_name = "N")]
    pub logging_configuration_quota: usize,
    /// Invoke rooms' message review handlers through the Lambda Invoke API at URL
    /// (e.g. `sam local start-lambda`: http://127.0.0.1:3001). Without it, messages are not reviewed.
    #[arg(long, value_name = "URL")]
    pub lambda_endpoint: Option<String>,
    /// Time a review handler has to answer before the room's fallbackResult applies.
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub lambda_timeout_ms: u64,
    /// How long a chat token can be used to connect (AWS: 60000).
    #[arg(long, default_value_t = 60_000, value_name = "N", hide = true)]
    pub chat_token_validity_ms: u64,
    /// The length of one minute of a chat session, for tests (AWS: 60000).
    #[arg(long, default_value_t = 60_000, value_name = "N", hide = true)]
    pub chat_session_minute_ms: u64,
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    let p: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("must be between 0 and 1, got {p}"))
    }
}

fn parse_account_id(s: &str) -> Result<String, String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err("an AWS account id is 12 digits".into())
    }
}

impl EmulatorArgs {
    pub(super) fn into_config(self, region: Option<String>) -> EmulatorConfig {
        EmulatorConfig {
            listen: self.listen,
            state_file: self.state,
            region: region.unwrap_or_else(|| emulator::DEFAULT_REGION.to_string()),
            account_id: self.account_id,
            quotas: self.quotas,
            latency: Duration::from_millis(self.latency_ms),
            fault_rate: self.fault_rate,
            seed: self.seed,
            logging_config_delay: Duration::from_millis(self.logging_config_delay_ms),
            request_log_file: self.request_log,
            room_quota: self.room_quota,
            logging_configuration_quota: self.logging_configuration_quota,
            lambda_endpoint: self.lambda_endpoint,
            lambda_timeout: Duration::from_millis(self.lambda_timeout_ms),
            chat_token_validity: Duration::from_millis(self.chat_token_validity_ms),
            chat_session_minute: Duration::from_millis(self.chat_session_minute_ms),
        }
    }
}
