//! A local emulator of the Amazon IVS Chat control-plane API (REST-JSON,
//! 2020-07-14), faithful enough that the AWS SDKs and the AWS CLI cannot tell it
//! from the service on everything ivsctl and its users do.
//!
//! It shares no code path with ivsctl's client side: it speaks only the wire
//! format of the service model (`data/ivschat-service-2.json`).
//!
//! - `smithy`: the service model as data, and validation driven by it
//! - `ops`: the operations' business rules
//! - `store`: resources per region, ordering, change tracking
//! - `persist`: the `--state` file (snapshot + append-only log, group commit)
//! - `server`: HTTP, routing, the request pipeline
//! - `knobs`: rate quotas, injected faults, random ids
//! - `log`: the request log; `control`: the `/_emulator/` endpoints
//! - `wire`: errors and timestamps as the service sends them
//!
//! Where real AWS behaviour is unknown, the emulator picks the strict option;
//! each such choice is listed in `docs/emulator.md`.

pub mod chat;
mod control;
pub mod knobs;
pub mod log;
pub mod ops;
pub mod persist;
pub mod review;
pub mod server;
pub mod smithy;
pub mod store;
pub mod wire;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use knobs::{FaultInjector, RateLimiter, Rng};
use log::{RequestLog, RequestRecord};
use persist::Persister;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::Regions;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use wire::ApiError;

/// Whether AWS's per-operation rate quotas are enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Quotas {
    /// Enforce AWS's per-operation rate quotas (429 ThrottlingException) and resource quotas.
    Aws,
    /// Enforce resource quotas only.
    #[default]
    Off,
}

/// Everything `ivsctl emulator` can be told.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub listen: SocketAddr,
    pub state_file: Option<PathBuf>,
    /// The default region: for requests whose SigV4 credential scope names
    /// none, and for the `/_emulator/` endpoints. Every other request works in
    /// the region of its credential scope.
    pub region: String,
    pub account_id: String,
    pub quotas: Quotas,
    pub latency: Duration,
    pub fault_rate: f64,
    pub seed: Option<u64>,
    pub logging_config_delay: Duration,
    pub request_log_file: Option<PathBuf>,
    pub room_quota: usize,
    pub logging_configuration_quota: usize,
    /// `--lambda-endpoint`: where message review handlers are invoked
    /// (`http://HOST:PORT`, the Lambda Invoke API). None: no review.
    pub lambda_endpoint: Option<String>,
    /// How long review may take before the room's fallbackResult applies.
    pub lambda_timeout: Duration,
    /// How long a chat token can be used to connect (AWS: one minute).
    pub chat_token_validity: Duration,
    /// The length of one minute of a chat session (`sessionDurationInMinutes`);
    /// 60 s unless a test wants sessions to end sooner.
    pub chat_session_minute: Duration,
}

pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";
pub const DEFAULT_ROOM_QUOTA: usize = 50_000;
pub const DEFAULT_LOGGING_CONFIGURATION_QUOTA: usize = 10;

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_file: None,
            region: DEFAULT_REGION.into(),
            account_id: DEFAULT_ACCOUNT_ID.into(),
            quotas: Quotas::Off,
            latency: Duration::ZERO,
            fault_rate: 0.0,
            seed: None,
            logging_config_delay: Duration::ZERO,
            request_log_file: None,
            room_quota: DEFAULT_ROOM_QUOTA,
            logging_configuration_quota: DEFAULT_LOGGING_CONFIGURATION_QUOTA,
            lambda_endpoint: None,
            lambda_timeout: review::DEFAULT_TIMEOUT,
            chat_token_validity: Duration::from_secs(60),
            chat_session_minute: Duration::from_secs(60),
        }
    }
}

/// State shared by all connections.
pub(crate) struct Shared {
    limits: ops::Limits,
    default_region: String,
    quotas: Quotas,
    state: Mutex<Regions>,
    rng: Mutex<Rng>,
    persister: Option<Persister>,
    limiter: Option<RateLimiter>,
    faults: FaultInjector,
    latency: Duration,
    log: RequestLog,
    chat: chat::Hub,
    reviewer: review::Reviewer,
}

impl Shared {
    fn request_id(&self) -> String {
        self.rng
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .request_id()
    }

    /// Runs one operation in `region` under the state lock. A write's
    /// changes are queued for the state file under the lock, and the answer
    /// waits until they are on disk (group commit: concurrent writes share one
    /// fsync).
    async fn execute(
        &self,
        region: &str,
        operation: &str,
        input: &serde_json::Value,
    ) -> Result<ops::Reply, ApiError> {
        let now = wire::now_millis();
        let (reply, seq) = {
            let mut state = self.lock_state();
            let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
            let mut ctx = ops::Ctx {
                limits: &self.limits,
                region,
                now,
                rng: &mut rng,
            };
            let store = state.store_mut(region);
            let result = ops::execute(store, &mut ctx, operation, input);
            let seq = match &self.persister {
                Some(p) => {
                    let changes = store.take_changes();
                    (!changes.is_empty()).then(|| p.submit(changes))
                }
                None => {
                    store.discard_changes();
                    None
                }
            };
            let reply = result?;
            (reply, seq)
        };
        if let (Some(p), Some(seq)) = (&self.persister, seq) {
            if let Err(e) = p.wait(seq).await {
                self.recover();
                return Err(ApiError::internal(e));
            }
        }
        self.after_chat_operation(region, operation, input, &reply, now);
        Ok(reply)
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, Regions> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// After a failed write: serve what the state file holds (the last
    /// acknowledged state), so that what is served never differs from what
    /// survives a restart.
    fn recover(&self) {
        let Some(p) = &self.persister else { return };
        let mut state = self.lock_state();
        if !p.failed() {
            return; // another writer has already recovered
        }
        match p.reload().and_then(Regions::from_loaded) {
            Ok(regions) => *state = regions,
            Err(e) => eprintln!("emulator: cannot reload state after a failed write: {e}"),
        }
    }

    fn set_logging_configuration_state(&self, arn: &str, state: &str) -> Result<(), String> {
        const STATES: [&str; 7] = [
            "CREATING",
            "CREATE_FAILED",
            "DELETING",
            "DELETE_FAILED",
            "UPDATING",
            "UPDATE_FAILED",
            "ACTIVE",
        ];
        if !STATES.contains(&state) {
            return Err(format!(
                "unknown state {state}; one of {}",
                STATES.join(", ")
            ));
        }
        let region = store::arn_region(arn).unwrap_or(&self.default_region);
        let seq = {
            let mut regions = self.lock_state();
            let store = regions.store_mut(region);
            let Some(mut lc) = store.logging_configurations.get(arn).cloned() else {
                return Err(format!("no logging configuration {arn}"));
            };
            lc.state = state.to_string();
            lc.transition = None;
            store.insert_logging_configuration(lc);
            let changes = store.take_changes();
            self.persister.as_ref().map(|p| p.submit(changes))
        };
        if let (Some(p), Some(seq)) = (&self.persister, seq) {
            p.wait_blocking(seq).map_err(|e| {
                self.recover();
                format!("cannot persist: {e}")
            })?;
        }
        Ok(())
    }
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    State(String),
    #[error("cannot open request log {path}: {source}")]
    RequestLog {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid option: {0}")]
    Option(String),
}

impl Emulator {
    /// Binds, loads `--state`, and starts serving on the current tokio runtime.
    pub async fn start(config: EmulatorConfig) -> Result<Emulator, StartError> {
        if !(0.0..=1.0).contains(&config.fault_rate) {
            return Err(StartError::Option(format!(
                "--fault-rate must be between 0 and 1, got {}",
                config.fault_rate
            )));
        }
        let lambda_endpoint = match &config.lambda_endpoint {
            Some(url) => Some(review::LambdaEndpoint::parse(url).map_err(StartError::Option)?),
            None => None,
        };
        let (persister, state) = match config.state_file.as_deref() {
            Some(path) => {
                let (p, loaded) = Persister::open(path).map_err(StartError::State)?;
                (
                    Some(p),
                    Regions::from_loaded(loaded).map_err(StartError::State)?,
                )
            }
            None => (None, Regions::default()),
        };
        let log_file = match &config.request_log_file {
            Some(path) => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|source| StartError::RequestLog {
                        path: path.clone(),
                        source,
                    })?,
            ),
            None => None,
        };
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Listen {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
        let (id_seed, fault_seed) = match config.seed {
            Some(s) => (s ^ 0x05EE_D1D5, s),
            None => {
                let mut r = Rng::from_time();
                (r.next_u64(), r.next_u64())
            }
        };
        let shared = Arc::new(Shared {
            limits: ops::Limits {
                account_id: config.account_id.clone(),
                room_quota: config.room_quota,
                logging_configuration_quota: config.logging_configuration_quota,
                logging_config_delay_ms: config.logging_config_delay.as_millis() as i64,
                chat_token_validity_ms: config.chat_token_validity.as_millis() as i64,
                chat_session_minute_ms: config.chat_session_minute.as_millis() as i64,
            },
            default_region: config.region.clone(),
            quotas: config.quotas,
            state: Mutex::new(state),
            rng: Mutex::new(Rng::new(id_seed)),
            persister,
            limiter: (config.quotas == Quotas::Aws).then(RateLimiter::default),
            faults: FaultInjector::new(config.fault_rate, fault_seed),
            latency: config.latency,
            log: RequestLog::with_file(log_file),
            chat: chat::Hub::default(),
            reviewer: review::Reviewer::new(lambda_endpoint, config.lambda_timeout),
        });
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(serve(listener, Arc::clone(&shared), rx));
        Ok(Emulator {
            addr,
            shared,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Starts the emulator on a runtime of its own, for synchronous tests
    /// (which may block their thread, e.g. waiting for a child process).
    pub fn start_background(config: EmulatorConfig) -> Result<BackgroundEmulator, StartError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| StartError::Option(format!("cannot start a runtime: {e}")))?;
        let emulator = runtime.block_on(Emulator::start(config))?;
        Ok(BackgroundEmulator {
            emulator: Some(emulator),
            runtime: Some(runtime),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for `--endpoint-url`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The default region (`--region`): for requests whose credential scope
    /// names none, and for the `/_emulator/` endpoints.
    pub fn region(&self) -> &str {
        &self.shared.default_region
    }

    pub fn account_id(&self) -> &str {
        &self.shared.limits.account_id
    }

    /// The regions that hold resources or have been used, sorted.
    pub fn regions(&self) -> Vec<String> {
        self.shared.lock_state().stores.keys().cloned().collect()
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.log.records()
    }

    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.shared.log.counts()
    }

    pub fn count(&self, operation: &str) -> u64 {
        self.shared.log.count(operation)
    }

    pub fn clear_requests(&self) {
        self.shared.log.clear()
    }

    /// Chat (WebSocket) connections open in a room.
    pub fn chat_connections(&self, room_arn: &str) -> usize {
        self.shared.chat.connections(room_arn)
    }

    /// Forces a logging configuration's state (e.g. `CREATE_FAILED`).
    pub fn set_logging_configuration_state(&self, arn: &str, state: &str) -> Result<(), String> {
        self.shared.set_logging_configuration_state(arn, state)
    }

    /// Stops accepting, lets in-flight requests finish (up to 5 s), compacts
    /// the state file, and returns.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.close_state();
    }

    fn close_state(&self) {
        if let Some(p) = &self.shared.persister {
            if let Err(e) = p.close() {
                eprintln!("emulator: {e}");
            }
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Leaves the state file compacted (a snapshot alone), as after stop().
        self.close_state();
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut shutdown: oneshot::Receiver<()>) {
    // Graceful shutdown by hand (hyper-util's does not cover connections that
    // can upgrade to WebSocket): every connection holds a clone of `alive`;
    // on shutdown each is told to finish, and the server waits (up to 5 s)
    // until every clone is dropped.
    let (stopping_tx, stopping_rx) = tokio::sync::watch::channel(false);
    let (alive, mut all_done) = tokio::sync::mpsc::channel::<()>(1);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                let service =
                    service_fn(move |req| server::handle(Arc::clone(&shared), req, peer));
                let conn = http1::Builder::new()
                    .half_close(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades();
                let mut stopping = stopping_rx.clone();
                let alive = alive.clone();
                tokio::spawn(async move {
                    let _alive = alive;
                    let mut conn = std::pin::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = stopping.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    shared.chat.close_all();
    let _ = stopping_tx.send(true);
    drop(alive);
    let _ = tokio::time::timeout(Duration::from_secs(5), all_done.recv()).await;
}

/// An emulator on its own runtime. `block_on` runs client code (e.g. the SDK)
/// on that runtime too. Drop it outside any async context.
pub struct BackgroundEmulator {
    emulator: Option<Emulator>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl BackgroundEmulator {
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime
            .as_ref()
            .expect("runtime lives until drop")
            .block_on(f)
    }

    pub fn handle(&self) -> tokio::runtime::Handle {
        self.runtime
            .as_ref()
            .expect("runtime lives until drop")
            .handle()
            .clone()
    }
}

impl std::ops::Deref for BackgroundEmulator {
    type Target = Emulator;
    fn deref(&self) -> &Emulator {
        self.emulator.as_ref().expect("emulator lives until drop")
    }
}

impl Drop for BackgroundEmulator {
    fn drop(&mut self) {
        if let (Some(e), Some(rt)) = (self.emulator.take(), self.runtime.take()) {
            rt.block_on(e.stop());
            rt.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

/// `ivsctl emulator`: serve until SIGINT / SIGTERM.
pub async fn run(config: EmulatorConfig) -> Result<(), StartError> {
    let emulator = Emulator::start(config).await?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", emulator.endpoint());
        let _ = out.flush();
    }
    wait_for_signal().await;
    emulator.stop().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
