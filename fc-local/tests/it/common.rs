//! Running `fc-local` and the functions it is tested on.

#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The `fc-local` binary under test.
pub(crate) fn fc_local() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fc-local"));
    command.env_remove("NO_COLOR").env_remove("RUST_LOG");
    command
}

/// The workspace's root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// `target/debug` (or wherever this test binary was built).
pub(crate) fn profile_dir() -> PathBuf {
    std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_owned()
}

/// A debug build of one of `fc`'s examples (hello, orders, failures, http), built here
/// when `cargo test` did not build it (a run of this package alone).
pub(crate) fn example(name: &str) -> PathBuf {
    let path = profile_dir().join("examples").join(name);
    if !path.exists() {
        let status = Command::new(env!("CARGO"))
            .current_dir(root())
            .args(["build", "--package", "fc-rs", "--example", name])
            .status()
            .unwrap();
        assert!(status.success(), "building example {name}");
    }
    path
}

/// fc-local's own `echo` example (cargo builds it for the tests).
pub(crate) fn echo_example() -> PathBuf {
    local_example("echo")
}

/// fc-local's `wire` example: a runtime on hyper and tokio-tungstenite alone, with
/// WebSocket and h2c (faults by `WIRE_FAULTS`).
pub(crate) fn wire_example() -> PathBuf {
    local_example("wire")
}

/// One of fc-local's own examples (cargo builds them for the tests).
fn local_example(name: &str) -> PathBuf {
    let path = profile_dir().join("examples").join(name);
    if !path.exists() {
        let status = Command::new(env!("CARGO"))
            .current_dir(root())
            .args(["build", "--package", "fc-local", "--example", name])
            .status()
            .unwrap();
        assert!(status.success(), "building example {name}");
    }
    path
}

/// A Python fixture's path, or None (with a note) when python3 is missing.
pub(crate) fn python_fixture(name: &str) -> Option<PathBuf> {
    let found = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("note: python3 not found; skipping the {name} fixture");
        return None;
    }
    Some(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
}

/// What a finished run printed.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// The check line for `name`, e.g. `FAIL  keep-alive    …`.
    pub(crate) fn check_line(&self, name: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| {
                l.get(6..)
                    .is_some_and(|rest| rest.split_whitespace().next() == Some(name))
            })
            .unwrap_or_else(|| panic!("no `{name}` line in\n{}", self.stdout))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `command` to its end, killing it after `limit`.
pub(crate) fn run(command: &mut Command, limit: Duration) -> Run {
    run_with_input(command, None, limit)
}

pub(crate) fn run_with_input(command: &mut Command, input: Option<&[u8]>, limit: Duration) -> Run {
    command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn fc-local");
    if let Some(input) = input {
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input).unwrap();
    }
    let output = wait(child, limit);
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn wait(mut child: Child, limit: Duration) -> Output {
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let status = child.wait().unwrap();
            let stdout = String::from_utf8_lossy(&out.join().unwrap()).into_owned();
            let stderr = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
            panic!("still running after {limit:?} ({status}):\n{stdout}\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// A long-running `fc-local serve`, with its stderr collected.
pub(crate) struct Serving {
    pub(crate) child: Child,
    pub(crate) url: String,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Serving {
    /// Starts `fc-local serve --port 0 <args>` and waits for its address.
    pub(crate) fn start(args: &[&str]) -> Serving {
        Serving::start_in("serve", args, &std::env::current_dir().unwrap())
    }

    /// Starts `fc-local <subcommand> --port 0 <args>` in `dir` and waits for its
    /// address.
    pub(crate) fn start_in(subcommand: &str, args: &[&str], dir: &Path) -> Serving {
        let mut child = fc_local()
            .current_dir(dir)
            .arg(subcommand)
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let mut pipe = child.stderr.take().unwrap();
        let collected = std::sync::Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut text = collected.lock().unwrap();
                        text.push_str(&String::from_utf8_lossy(&buf[..n]));
                        if let Some(url) = text
                            .lines()
                            .find(|l| l.starts_with("fc-local: serving"))
                            .and_then(|l| l.split(" at ").nth(1))
                            .and_then(|rest| rest.split_whitespace().next())
                        {
                            let _ = tx.send(url.to_owned());
                        }
                    }
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(240))
            .unwrap_or_else(|_| panic!("serve did not start:\n{}", stderr.lock().unwrap()));
        Serving { child, url, stderr }
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// SIGINT (Ctrl-C), then the exit code and everything it printed.
    pub(crate) fn interrupt(mut self) -> (Option<i32>, String) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let start = Instant::now();
        let code = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code();
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "serve did not stop"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        std::thread::sleep(Duration::from_millis(50));
        (code, self.stderr())
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// A plain HTTP/1.1 exchange on a fresh connection: status, headers (lowercased
/// names), body.
pub(crate) fn http(method: &str, url: &str, body: &str) -> (u16, Vec<(String, String)>, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
