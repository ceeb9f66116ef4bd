//! The examples as real processes, driven the way FC drives a custom runtime: port
//! from the environment, the runtime-inited line, markers and logs on the real
//! stdout, SIGTERM to stop.

#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

use crate::common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Client, Req};

/// The example's binary, built by `cargo test` (or here, when run alone).
fn example(name: &str) -> PathBuf {
    let dir = std::env::current_exe()
        .expect("test binary path")
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir")
        .join("examples");
    let path = dir.join(name);
    if !path.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", name])
            .status()
            .expect("cargo build");
        assert!(status.success(), "building example {name}");
    }
    path
}

/// A running function process with its stdout collected line by line.
struct Function {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    addr: SocketAddr,
}

impl Function {
    fn start(name: &str, env: &[(&str, &str)]) -> Function {
        let mut command = Command::new(example(name));
        command
            .env_remove("FC_CUSTOM_LISTEN_PORT")
            .env_remove("RUST_LOG")
            .env("FC_SERVER_PORT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("spawn example");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = mpsc::channel();
        let lines = Arc::clone(&stdout);
        let pipe = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("listening on ").nth(1) {
                    let _ = ready_tx.send(addr.trim().to_owned());
                }
                lines.lock().unwrap().push(line);
            }
        });
        let addr = ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the function logs where it listens");
        let port = addr.rsplit(':').next().unwrap().parse::<u16>().unwrap();
        let function = Function {
            child,
            stdout,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        function.wait_for_line(|l| l == "FunctionCompute fc-rust runtime inited.");
        function
    }

    fn lines(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    fn wait_for_line(&self, pred: impl Fn(&str) -> bool) {
        let start = Instant::now();
        while !self.lines().iter().any(|l| pred(l)) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "line not seen in {:#?}",
                self.lines()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGTERM, then the exit code.
    fn terminate(mut self) -> (i32, Vec<String>) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let code = self.child.wait().expect("wait").code().unwrap_or(-1);
        // Let the reader thread drain the pipe.
        std::thread::sleep(Duration::from_millis(50));
        (code, self.lines())
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[tokio::test]
async fn hello_serves_invocations_and_exits_cleanly_on_sigterm() {
    let function = Function::start("hello", &[]);
    let mut client = Client::connect(function.addr).await;
    let secret = "PrOcEsS-SeCrEt-31337";
    let resp = client
        .send(
            Req::invoke("proc-1", r#"{"name": "FC"}"#)
                .header("x-fc-access-key-id", "STS.proc")
                .header("x-fc-access-key-secret", secret)
                .header("x-fc-security-token", "proc-token-42"),
        )
        .await;
    assert_eq!(resp.expect_ok().text(), "hello, FC! (request proc-1)\n");
    // A developer's curl: no FC headers at all.
    let resp = client
        .send(Req::new("POST", "/invoke").body(r#"{"name": "curl"}"#))
        .await;
    assert!(
        resp.expect_ok()
            .text()
            .starts_with("hello, curl! (request 1-")
    );
    function.wait_for_line(|l| l == "FC Invoke End RequestId: proc-1");

    let (code, lines) = function.terminate();
    assert_eq!(code, 0, "{lines:#?}");
    let inited: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("runtime inited"))
        .collect();
    assert_eq!(inited, ["FunctionCompute fc-rust runtime inited."]);
    let proc_1: Vec<&str> = lines
        .iter()
        .filter(|l| l.contains("proc-1"))
        .map(String::as_str)
        .collect();
    assert_eq!(proc_1.len(), 3, "{proc_1:#?}");
    assert_eq!(proc_1[0], "FC Invoke Start RequestId: proc-1");
    assert!(
        proc_1[1].ends_with(" proc-1 [INFO] greeting name=FC"),
        "{proc_1:#?}"
    );
    assert_eq!(proc_1[2], "FC Invoke End RequestId: proc-1");
    let all = lines.join("\n");
    assert!(
        !all.contains(secret) && !all.contains("proc-token-42"),
        "credentials on stdout"
    );
}

#[tokio::test]
async fn a_panic_does_not_stop_the_process() {
    let function = Function::start("failures", &[]);
    let mut client = Client::connect(function.addr).await;
    let error = client
        .send(Req::invoke("proc-panic", r#"{"action": "panic"}"#))
        .await
        .expect_failure();
    assert_eq!(error["errorType"], "Panic");
    assert!(!error.to_string().contains("index out of bounds"));
    let resp = client
        .send(Req::invoke("proc-after", r#"{"action": "ok"}"#))
        .await;
    assert_eq!(resp.expect_ok().text(), "fine\n");
    function.wait_for_line(|l| l == "FC Invoke End RequestId: proc-after");
    let lines = function.lines();
    assert!(lines.contains(&"FC Invoke End RequestId: proc-panic".to_owned()));
    assert!(
        lines.iter().any(
            |l| l.contains(" proc-panic [ERROR] panicked at examples/failures.rs:")
                && l.ends_with("index out of bounds: the len is 0 but the index is 0")
        ),
        "{lines:#?}"
    );
    assert_eq!(function.terminate().0, 0);
}

#[tokio::test]
async fn orders_runs_its_initializer_before_the_first_invocation() {
    let function = Function::start("orders", &[("FC_FUNCTION_NAME", "orders-fn")]);
    let mut client = Client::connect(function.addr).await;
    let resp = client
        .send(Req::invoke("proc-order", r#"{"id": 4, "qty": 3}"#))
        .await;
    assert_eq!(
        resp.expect_ok().json(),
        serde_json::json!({"id": 4, "total": 21, "request_id": "proc-order"})
    );
    let error = client
        .send(Req::invoke("proc-zero", r#"{"id": 4, "qty": 0}"#))
        .await
        .expect_failure();
    assert_eq!(error["errorMessage"], "quantity must be positive");
    let (code, lines) = function.terminate();
    assert_eq!(code, 0);
    let order: Vec<&str> = lines
        .iter()
        .filter(|l| l.contains("proc-order"))
        .map(String::as_str)
        .collect();
    assert_eq!(order[0], "FC Initialize Start RequestId: proc-order");
    assert!(
        order[1].ends_with(" proc-order [INFO] loading prices function=\"orders-fn\""),
        "{order:#?}"
    );
    assert_eq!(
        &order[2..],
        [
            "FC Initialize End RequestId: proc-order",
            "FC Invoke Start RequestId: proc-order",
            "FC Invoke End RequestId: proc-order"
        ]
    );
}

#[test]
fn fc_custom_listen_port_wins_and_a_bad_port_stops_start_up() {
    // FC_CUSTOM_LISTEN_PORT (0: any free port) is read before FC_SERVER_PORT.
    let function = Function::start(
        "hello",
        &[
            ("FC_CUSTOM_LISTEN_PORT", "0"),
            ("FC_SERVER_PORT", "not-a-port"),
        ],
    );
    assert_eq!(function.terminate().0, 0);

    let output = Command::new(example("hello"))
        .env("FC_CUSTOM_LISTEN_PORT", "ninety")
        .output()
        .expect("run hello");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("FC_CUSTOM_LISTEN_PORT=\"ninety\" is not a port number"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("runtime inited"));
}

#[tokio::test]
async fn rust_log_filters_log_lines_but_never_markers() {
    // A fixed port, as FC gives one; RUST_LOG=warn hides the "listening on" line.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = Command::new(example("hello"))
        .env("FC_SERVER_PORT", port.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn hello");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let start = Instant::now();
    let mut client = loop {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(_) => break Client::connect(addr).await,
            Err(_) if start.elapsed() < Duration::from_secs(10) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("hello did not listen on {port}: {e}"),
        }
    };
    let resp = client
        .send(Req::invoke("quiet-1", r#"{"name": "x"}"#))
        .await;
    resp.expect_ok();
    drop(client);
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout,
        "FunctionCompute fc-rust runtime inited.\n\
         FC Invoke Start RequestId: quiet-1\n\
         FC Invoke End RequestId: quiet-1\n"
    );
}

/// `healthCheckConfig.httpGetUrl` in a deploy template.
fn template_health_path(template: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(template);
    let text = std::fs::read_to_string(&path).unwrap();
    let url = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("httpGetUrl:"))
        .unwrap_or_else(|| panic!("no httpGetUrl in {}", path.display()));
    url.trim().to_owned()
}

#[tokio::test]
async fn the_deploy_templates_health_check_passes_against_the_http_example() {
    let code = template_health_path("s.code.yaml");
    assert_eq!(code, template_health_path("s.container.yaml"));
    assert_eq!(code, fc::DEFAULT_HEALTH_PATH);
    let function = Function::start("http", &[]);
    let mut client = Client::connect(function.addr).await;
    // As FC does: /initialize, then GET <httpGetUrl>; 200 to 399 passes.
    client
        .send(Req::initialize("health-init"))
        .await
        .expect_ok();
    let resp = client
        .send(Req::new("GET", &code).header("x-fc-request-id", "health-1"))
        .await;
    assert!((200..400).contains(&resp.status), "{}", resp.status);
    assert_eq!(resp.text(), "ready");
    let (exit, lines) = function.terminate();
    assert_eq!(exit, 0);
    // Not an invocation: no markers for it.
    assert!(
        !lines.iter().any(|l| l.ends_with("RequestId: health-1")),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn sigterm_does_not_wait_for_blocking_work_beyond_the_drain() {
    let mut function = Function::start("failures", &[]);
    let mut client = Client::connect(function.addr).await;
    let resp = client
        .send(Req::invoke(
            "proc-blocking",
            r#"{"action": "blocking", "ms": 30000}"#,
        ))
        .await;
    assert_eq!(resp.expect_ok().text(), "blocking in the background\n");
    drop(client);
    let started = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &function.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    // Nothing is in flight, so the drain ends at once; the blocking task gets a
    // second's grace, not its 30 s. Bounded: a process still running at 15 s fails.
    let code = loop {
        if let Some(status) = function.child.try_wait().expect("wait") {
            break status.code();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still running {:?} after SIGTERM, waiting for the blocking task",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    eprintln!("exited {code:?} {took:?} after SIGTERM");
    assert_eq!(code, Some(0));
    assert!(took < Duration::from_secs(5), "exit took {took:?}");
}
