//! Scenarios: [`Step`]s (table rows or Rust checks) run in order against one
//! emulator by [`Ctx`]; [`run`] reports every failing row by name, once, at
//! the end; [`Checks`] collects the failures of a hand-written test.

use super::{call, check, member, models_error, now_ms, resolve, Vars};
use crate::common;
use aws_sdk_ivschat::Client;
use ivsctl::emulator::{BackgroundEmulator, EmulatorConfig};
use serde_json::{json, Value};

type Action = Box<dyn Fn(&mut Ctx) -> Result<(), String>>;

/// One step of a scenario: a row of a table, or a check written in Rust.
pub enum Step {
    Row(Value),
    Act(String, Action),
}

/// The rows of a table, each a JSON object:
/// - `step`: what it shows (reported when it fails);
/// - `op`: an operation, sent through the SDK with `in` (default `{}`); the
///   answer must match `ok`, or `err` (a pattern, or `"STATUS CODE"`), or be
///   a ValidationException naming exactly the fields of `invalid`. Every
///   error must also be the SDK's typed variant when the model lists it for
///   the operation (else `Unhandled`);
/// - or `op` is an action: `force` (`in`: `arn`, `state`) forces a logging
///   configuration's state; `waitActive` (`in`: `arn`) polls until ACTIVE;
///   `logged` (`in`: `op`, `statuses`) checks the request log's statuses
///   for that operation;
/// - `save`: `{"var": "member.path"}` saves members of the answer as `$var`
///   before it is compared, so the pattern may use them.
///
/// `$var` and `${var}` are replaced in `in` and in the patterns; see
/// [`check`] for patterns.
pub fn rows(table: Value) -> Vec<Step> {
    match table {
        Value::Array(rows) => rows.into_iter().map(Step::Row).collect(),
        other => panic!("a table is an array of rows, not {other}"),
    }
}

/// A step that a row cannot express.
pub fn act(name: impl Into<String>, f: impl Fn(&mut Ctx) -> Result<(), String> + 'static) -> Step {
    Step::Act(name.into(), Box::new(f))
}

/// The steps of several parts, in order.
pub fn steps(parts: Vec<Vec<Step>>) -> Vec<Step> {
    parts.into_iter().flatten().collect()
}

/// `{ ...base, ...more }`.
pub fn with(base: &Value, more: Value) -> Value {
    let mut v = base.clone();
    v.as_object_mut()
        .expect("an object")
        .extend(more.as_object().expect("an object").clone());
    v
}

/// The error pattern of a row: `err` (a pattern or `"STATUS CODE"`) or
/// `invalid` (the fields of a ValidationException).
fn error_pattern(row: &Value) -> Option<Value> {
    if let Some(fields) = row.get("invalid") {
        let mut names: Vec<&str> = fields
            .as_array()
            .expect("invalid: [fields]")
            .iter()
            .map(|f| f.as_str().expect("a field name"))
            .collect();
        names.sort();
        let list: Vec<Value> = names.iter().map(|f| json!({ "name": f })).collect();
        return Some(json!({
            "status": 400,
            "code": "ValidationException",
            "reason": "FIELD_VALIDATION_FAILED",
            "fieldList": list,
        }));
    }
    Some(match row.get("err")? {
        Value::String(s) => {
            let (status, code) = s.split_once(' ').expect("err: \"STATUS CODE\"");
            json!({"status": status.parse::<u16>().expect("a status"), "code": code})
        }
        p => p.clone(),
    })
}

/// Whether `answer` is what a row expects: `Ok` matching `ok`, or an error
/// matching its error pattern and typed by the SDK as the model says.
pub fn judge(
    op: &str,
    answer: &Result<Value, Value>,
    row: &Value,
    now: i64,
    vars: &Vars,
) -> Result<(), String> {
    let (got, pattern) = match (answer, row.get("ok"), error_pattern(row)) {
        (Ok(v), Some(p), None) => (v, resolve(p, vars)?),
        (Err(v), None, Some(p)) => (v, resolve(&p, vars)?),
        (Ok(v), None, Some(p)) => return Err(format!("answered {v}, expected the error {p}")),
        (Err(v), Some(_), None) => return Err(format!("failed: {v}")),
        _ => return Err("a row needs exactly one of ok, err, invalid".into()),
    };
    if let Err(v) = answer {
        let code = v["code"].as_str().unwrap_or("");
        let kind = if models_error(op, code) {
            code
        } else {
            "Unhandled"
        };
        if v["status"] != 0 && v["kind"] != kind {
            return Err(format!(
                "the SDK typed the error as {}, not {kind}: {v}",
                v["kind"]
            ));
        }
    }
    check(&pattern, got, now)
}

/// An SDK client, the runtime it runs on, the in-process emulator it talks
/// to (if any), and the saved `$var`s.
pub struct Ctx<'e> {
    in_process: Option<&'e BackgroundEmulator>,
    pub rt: tokio::runtime::Handle,
    pub client: Client,
    pub vars: Vars,
}

impl Ctx<'_> {
    pub fn new(emu: &BackgroundEmulator) -> Ctx<'_> {
        Ctx {
            in_process: Some(emu),
            rt: emu.handle(),
            client: common::sdk(&emu.endpoint()),
            vars: Vars::new(),
        }
    }

    /// For an emulator in another process, at `endpoint`.
    pub fn remote(rt: tokio::runtime::Handle, endpoint: &str) -> Ctx<'static> {
        Ctx {
            in_process: None,
            rt,
            client: common::sdk(endpoint),
            vars: Vars::new(),
        }
    }

    /// The in-process emulator (rows that force states or read the log need
    /// one).
    pub fn emu(&self) -> &BackgroundEmulator {
        self.in_process.expect("an in-process emulator")
    }

    /// [`call`], with `$var`s in `input` resolved.
    pub fn call(&self, op: &str, input: Value) -> Result<Value, Value> {
        let input = resolve(&input, &self.vars).map_err(Value::from)?;
        self.rt.block_on(call(&self.client, op, &input))
    }

    /// The text of `$var` (empty when unset).
    pub fn text(&self, var: &str) -> String {
        match self.vars.get(var) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }

    pub fn set(&mut self, var: &str, v: impl Into<Value>) {
        self.vars.insert(var.to_string(), v.into());
    }

    fn row(&mut self, row: &Value) -> Result<(), String> {
        const KEYS: [&str; 7] = ["step", "op", "in", "ok", "err", "invalid", "save"];
        if let Some(k) = row
            .as_object()
            .and_then(|o| o.keys().find(|k| !KEYS.contains(&k.as_str())))
        {
            return Err(format!("unknown key {k:?} in the row"));
        }
        let op = row["op"].as_str().ok_or("a row needs an op")?;
        let input = resolve(row.get("in").unwrap_or(&json!({})), &self.vars)?;
        let text = |k: &str| input[k].as_str().unwrap_or("").to_string();
        match op {
            "force" => {
                return self
                    .emu()
                    .set_logging_configuration_state(&text("arn"), &text("state"))
            }
            "waitActive" => return self.wait_active(&text("arn")),
            "logged" => {
                let got: Vec<u16> = self
                    .emu()
                    .requests()
                    .iter()
                    .filter(|r| r.operation == text("op"))
                    .map(|r| r.status)
                    .collect();
                return expect_eq(json!(got), input["statuses"].clone());
            }
            _ => {}
        }
        let now = now_ms();
        let answer = self.rt.block_on(call(&self.client, op, &input));
        if let Some(saves) = row.get("save").and_then(Value::as_object) {
            let got = answer.as_ref().unwrap_or_else(|e| e);
            for (var, path) in saves {
                let path = path.as_str().expect("save: {var: path}");
                let saved = member(got, path)
                    .ok_or_else(|| format!("no {path} to save as ${var} in {got}"))?;
                self.vars.insert(var.clone(), saved.clone());
            }
        }
        judge(op, &answer, row, now, &self.vars)
    }

    /// Polls GetLoggingConfiguration until `arn` is ACTIVE (at most 10 s).
    pub fn wait_active(&self, arn: &str) -> Result<(), String> {
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_secs(10) {
            match self.call("GetLoggingConfiguration", json!({ "identifier": arn })) {
                Ok(got) if got["state"] == "ACTIVE" => return Ok(()),
                Ok(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
                Err(e) => return Err(format!("GetLoggingConfiguration failed: {e}")),
            }
        }
        Err(format!("{arn} still not ACTIVE after 10 s"))
    }

    /// Runs `steps` in order; one line per failed step (later steps still run).
    pub fn run(&mut self, steps: &[Step]) -> Vec<String> {
        let mut failures = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            let (name, result) = match step {
                Step::Row(row) => (
                    row["step"].as_str().unwrap_or("(unnamed)").to_string(),
                    self.row(row),
                ),
                Step::Act(name, f) => (name.clone(), f(self)),
            };
            if let Err(e) = result {
                failures.push(format!("step {} {name:?}: {e}", i + 1));
            }
        }
        failures
    }
}

/// Sends `n` copies of a call at once; the answers in order.
pub fn burst(
    cx: &Ctx,
    n: usize,
    op: &'static str,
    input: impl Fn(usize) -> Value,
) -> Vec<Result<Value, Value>> {
    cx.rt.block_on(async {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (client, input) = (cx.client.clone(), input(i));
                tokio::spawn(async move { call(&client, op, &input).await })
            })
            .collect();
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.expect("task"));
        }
        answers
    })
}

pub fn expect_eq<T: PartialEq + std::fmt::Debug>(got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("got {got:?}, expected {want:?}"))
    }
}

/// Runs each scenario in order on a fresh emulator made with its config;
/// fails once, listing every failed step of every scenario.
pub fn run_configured(scenarios: Vec<(&str, EmulatorConfig, Vec<Step>)>) {
    let mut failures = Vec::new();
    for (name, config, steps) in scenarios {
        let emu = common::emulator(config);
        let mut cx = Ctx::new(&emu);
        failures.extend(cx.run(&steps).into_iter().map(|f| format!("{name}: {f}")));
    }
    assert_failures(failures);
}

/// [`run_configured`] with the default configuration for every scenario.
pub fn run(scenarios: Vec<(&str, Vec<Step>)>) {
    run_configured(
        scenarios
            .into_iter()
            .map(|(name, steps)| (name, EmulatorConfig::default(), steps))
            .collect(),
    );
}

/// Failures of a test written as code, collected so that one does not hide
/// the others; [`Checks::finish`] fails once, listing them all.
#[derive(Default)]
pub struct Checks(pub Vec<String>);

impl Checks {
    pub fn that(&mut self, what: &str, result: Result<(), String>) {
        if let Err(e) = result {
            self.0.push(format!("{what}: {e}"));
        }
    }

    pub fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, got: T, want: T) {
        self.that(what, expect_eq(got, want));
    }

    pub fn is(&mut self, what: &str, holds: bool, detail: impl std::fmt::Display) {
        if !holds {
            self.0.push(format!("{what}: {detail}"));
        }
    }

    /// `answer` (an output or an error) matches `pattern` (see [`check`]).
    pub fn matches(&mut self, what: &str, pattern: Value, answer: &Result<Value, Value>) {
        let got = answer.as_ref().unwrap_or_else(|e| e);
        self.that(what, check(&pattern, got, now_ms()));
    }

    pub fn finish(self) {
        assert_failures(self.0);
    }
}

pub fn assert_failures(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
