//! Helpers of the emulator suites (`emulator_sdk`, `emulator_http`,
//! `emulator_knobs`); only those files include this module.
//!
//! - [`call`]: any IVS Chat operation through the real aws-sdk-ivschat client.
//!   The input is written as the wire's JSON; the typed output, or the typed
//!   error, comes back as JSON. So one table row can drive any operation and
//!   still prove that the SDK reads what the emulator answers.
//! - [`Step`] and [`run`]: rows run in order against one emulator; every row
//!   that fails is reported by name, once, at the end.
//! - [`check`]: the pattern language the rows' expectations are written in.
//! - [`raw_rows`]: tables of raw HTTP exchanges.
//!
//! One file a job: `sdk.rs` ([`call`], [`failure`]), `patterns.rs`
//! ([`check`], [`resolve`]), `scenarios.rs` ([`Step`], [`Ctx`], [`run`],
//! [`Checks`]), `raw.rs` ([`raw_rows`]); this file holds the constants and
//! the model, and re-exports every helper so suites import from
//! `emulator_support` alone.
#![allow(dead_code)]

mod patterns;
mod raw;
mod scenarios;
mod sdk;

#[allow(unused_imports)]
pub use patterns::*;
#[allow(unused_imports)]
pub use raw::*;
#[allow(unused_imports)]
pub use scenarios::*;
#[allow(unused_imports)]
pub use sdk::*;

use crate::common;
use ivsctl::emulator::{BackgroundEmulator, EmulatorConfig};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";
pub const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:review";
pub const LAMBDA_2: &str = "arn:aws:lambda:us-east-1:123456789012:function:other";
/// Well-formed ARNs of resources that do not exist.
pub const MISSING_ROOM: &str = "arn:aws:ivschat:us-east-1:123456789012:room/AAAAAAAAAAAA";
pub const MISSING_LC: &str =
    "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/BBBBBBBBBBBB";
/// Window for comparing server timestamps with the test's clock.
pub const CLOCK_SLACK_MS: i64 = 5_000;
pub const NOT_FOUND: &str = "ResourceNotFoundException";
pub const CONFLICT: &str = "ConflictException";
pub const QUOTA: &str = "ServiceQuotaExceededException";

pub type Vars = BTreeMap<String, Value>;

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64
}

/// An emulator that answers a fraction `rate` of API requests with an
/// injected fault, repeatably (`seed`).
pub fn faulty(rate: f64, seed: u64) -> BackgroundEmulator {
    common::emulator(EmulatorConfig {
        fault_rate: rate,
        seed: Some(seed),
        ..EmulatorConfig::default()
    })
}

/// The service model the emulator validates against.
pub fn model() -> &'static Value {
    static MODEL: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/ivschat-service-2.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("model readable"))
            .expect("model is JSON")
    })
}

/// Whether the model lists `code` among `op`'s errors (then the SDK must
/// parse it into that typed variant, else into `Unhandled`).
pub fn models_error(op: &str, code: &str) -> bool {
    model()["operations"][op]["errors"]
        .as_array()
        .is_some_and(|errors| errors.iter().any(|e| e["shape"] == code))
}
