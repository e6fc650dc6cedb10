//! [`Cmd`]: one run of the real `ivsctl` binary (arguments, environment,
//! directory, stdin, time limit) in the isolated environment, and [`words`],
//! which splits a command line the way the tests write them.

use super::isolated_env;
use super::output::Output;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A run of the real binary: arguments, environment, directory, stdin and a
/// time limit. [`TestContext::cmd`] gives one aimed at the context's emulator.
#[derive(Debug, Clone)]
pub struct Cmd {
    args: Vec<String>,
    endpoint: String,
    cwd: Option<PathBuf>,
    stdin: Option<String>,
    env: Vec<(String, String)>,
    env_remove: Vec<String>,
    timeout: Option<Duration>,
}

impl Cmd {
    /// `ivsctl ARGS` with no endpoint, in the current directory.
    pub fn new<S: AsRef<str>>(args: &[S]) -> Cmd {
        Cmd {
            args: args.iter().map(|a| a.as_ref().to_string()).collect(),
            endpoint: String::new(),
            cwd: None,
            stdin: None,
            env: Vec::new(),
            env_remove: Vec::new(),
            timeout: None,
        }
    }

    pub fn args<S: AsRef<str>>(mut self, args: &[S]) -> Cmd {
        self.args
            .extend(args.iter().map(|a| a.as_ref().to_string()));
        self
    }

    /// AWS_ENDPOINT_URL; none when empty.
    pub fn endpoint(mut self, endpoint: &str) -> Cmd {
        self.endpoint = endpoint.to_string();
        self
    }

    pub fn cwd(mut self, dir: &Path) -> Cmd {
        self.cwd = Some(dir.to_path_buf());
        self
    }

    /// Piped to stdin (otherwise stdin is /dev/null; never a terminal).
    pub fn stdin(mut self, text: &str) -> Cmd {
        self.stdin = Some(text.to_string());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Cmd {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Removes a variable of the isolated environment (e.g. the test
    /// credentials).
    pub fn env_remove(mut self, key: &str) -> Cmd {
        self.env_remove.push(key.to_string());
        self
    }

    /// Kills the run after `limit`: `run` then fails the test.
    pub fn timeout(mut self, limit: Duration) -> Cmd {
        self.timeout = Some(limit);
        self
    }

    /// Runs to the end (panics if the time limit passes).
    #[track_caller]
    pub fn run(self) -> Output {
        let what = format!("{:?}", self.args);
        self.try_run()
            .unwrap_or_else(|| panic!("ivsctl {what} did not finish in time"))
    }

    /// Runs; None when the time limit passed (the child is killed).
    pub fn try_run(self) -> Option<Output> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ivsctl"));
        cmd.args(&self.args);
        isolated_env(&mut cmd, &self.endpoint);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        for k in &self.env_remove {
            cmd.env_remove(k);
        }
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn ivsctl");
        if let Some(input) = &self.stdin {
            let _ = child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.as_bytes());
        }
        let reader = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = pipe.read_to_end(&mut buf);
                String::from_utf8_lossy(&buf).into_owned()
            })
        };
        let stdout = reader(Box::new(child.stdout.take().expect("stdout")));
        let stderr = reader(Box::new(child.stderr.take().expect("stderr")));
        let deadline = self.timeout.map(|t| Instant::now() + t);
        let status = loop {
            let Some(deadline) = deadline else {
                break Some(child.wait().expect("wait for ivsctl"));
            };
            if let Some(status) = child.try_wait().expect("wait for ivsctl") {
                break Some(status);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
        status.map(|s| Output {
            args: self.args,
            code: s.code().unwrap_or(-1),
            stdout,
            stderr,
        })
    }
}
/// `line` split on white space, where `''` is an empty word and `'a b'` one
/// word with a space.
pub fn words(line: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for word in line.split_whitespace() {
        let quoted = word.trim_start_matches('\'').trim_end_matches('\'');
        match (
            open,
            word.starts_with('\''),
            word.len() > 1 && word.ends_with('\''),
        ) {
            (true, _, closes) => {
                let last = out.last_mut().unwrap();
                last.push(' ');
                last.push_str(quoted);
                open = !closes;
            }
            (false, true, closes) => {
                out.push(quoted.to_string());
                open = !closes && word != "''";
            }
            (false, false, _) => out.push(word.to_string()),
        }
    }
    out
}
