//! The real `ivsctl emulator` binary as a child process, for what only a
//! process can show: `kill -9`, signals, startup errors, the state file
//! across restarts (emulator_knobs.rs, emulator_state.rs).
//!
//! Invariant: a process is killed when its handle is dropped, so a failing
//! test leaves no emulator behind.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running `ivsctl emulator` child process.
pub struct EmulatorProcess {
    pub child: Child,
    pub addr: SocketAddr,
}

impl EmulatorProcess {
    /// `ivsctl emulator --listen 127.0.0.1:0 ARGS`, once it says where it
    /// listens (its first line on stdout); `stderr`: where its stderr goes
    /// (piped for [`term`](Self::term) to read it).
    pub fn start(args: &[&str], stderr: Stdio) -> EmulatorProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ivsctl"))
            .arg("emulator")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn ivsctl emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read listening line");
        let url = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        EmulatorProcess {
            child,
            addr: url.parse().expect("host:port"),
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn kill9(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }

    /// SIGTERM, a clean exit (0), and the stderr it wrote (when piped).
    pub fn term(mut self) -> String {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        let mut err = String::new();
        let mut stderr = self.child.stderr.take().expect("stderr piped");
        stderr.read_to_string(&mut err).expect("read stderr");
        assert_eq!(self.child.wait().unwrap().code(), Some(0));
        err
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A runtime for the SDK calls of a test that runs the emulator as a
/// process (two workers: writers run while the test waits).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A state file in a fresh directory, and a runtime for the SDK.
pub struct StateDir {
    _dir: tempfile::TempDir,
    /// The state file (the snapshot).
    pub path: PathBuf,
    /// The same, as a string for arguments.
    pub file: String,
    pub rt: tokio::runtime::Runtime,
}

impl Default for StateDir {
    fn default() -> Self {
        Self::new()
    }
}

impl StateDir {
    pub fn new() -> StateDir {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let file = path.to_string_lossy().into_owned();
        StateDir {
            _dir: dir,
            path,
            file,
            rt: runtime(),
        }
    }

    /// `FILE.log`: the changes after the snapshot.
    pub fn log(&self) -> PathBuf {
        self.path.with_file_name("state.json.log")
    }

    /// `ivsctl emulator --state FILE ARGS`, its stderr going to `stderr`.
    pub fn start(&self, args: &[&str], stderr: Stdio) -> EmulatorProcess {
        EmulatorProcess::start(&[&["--state", &self.file], args].concat(), stderr)
    }
}
