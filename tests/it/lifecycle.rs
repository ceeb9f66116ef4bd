//! The instance's lifecycle over real HTTP: pre-stop and pre-freeze hooks, deadlines,
//! graceful shutdown on SIGTERM, and what `panic = "abort"` still gets.

#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

use crate::common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use common::{Client, Req, assert_markers, hook_markers, invoke_markers, log_lines, start};

static STOPS: AtomicUsize = AtomicUsize::new(0);

#[fc::pre_stop]
async fn flush(ctx: fc::Context) -> Result<(), fc::Error> {
    STOPS.fetch_add(1, Ordering::SeqCst);
    tracing::info!("flushing for {}", ctx.request_id());
    match ctx.headers().get("x-test").and_then(|v| v.to_str().ok()) {
        Some("fail") => Err("could not flush".into()),
        Some("panic") => panic!("flush exploded"),
        _ => Ok(()),
    }
}

#[fc::pre_freeze]
async fn pause() {
    tracing::info!("pausing");
}

#[fc::invoke]
async fn echo(event: String) -> String {
    event
}

#[tokio::test]
async fn hooks_answer_200_or_404_in_a_span_between_their_markers() {
    let server = start(fc::routes![echo, flush, pause].into()).await;
    let resp = server
        .send(Req::new("GET", "/pre-stop").header("x-fc-request-id", "stop-1"))
        .await;
    resp.expect_ok();
    assert!(
        log_lines("stop-1")
            .iter()
            .any(|l| l.ends_with("[INFO] flushing for stop-1"))
    );
    assert_markers(&server, "stop-1", &hook_markers("PreStop", "stop-1"));

    let error = server
        .send(
            Req::new("GET", "/pre-stop")
                .header("x-fc-request-id", "stop-2")
                .header("x-test", "fail"),
        )
        .await
        .expect_failure();
    assert_eq!(error["errorMessage"], "could not flush");
    assert_markers(&server, "stop-2", &hook_markers("PreStop", "stop-2"));

    let resp = server
        .send(
            Req::new("GET", "/pre-stop")
                .header("x-fc-request-id", "stop-3")
                .header("x-test", "panic"),
        )
        .await;
    assert_eq!(resp.expect_failure()["errorType"], "Panic");
    assert!(
        log_lines("stop-3")
            .iter()
            .any(|l| l.ends_with("flush exploded"))
    );
    assert_markers(&server, "stop-3", &hook_markers("PreStop", "stop-3"));
    assert_eq!(STOPS.load(Ordering::SeqCst), 3);

    let resp = server
        .send(Req::new("GET", "/pre-freeze").header("x-fc-request-id", "freeze-1"))
        .await;
    resp.expect_ok();
    assert!(
        log_lines("freeze-1")
            .iter()
            .any(|l| l.ends_with("[INFO] pausing"))
    );
    assert_markers(&server, "freeze-1", &hook_markers("PreFreeze", "freeze-1"));
    // Still serving events.
    server.invoke("after-hooks", "x").await.expect_ok();
    server.stop().await;
}

#[fc::invoke]
async fn slow(ms: u64, ctx: fc::Context) -> String {
    tracing::info!("remaining {:?} ms", ctx.remaining().map(|d| d.as_millis()));
    tokio::time::sleep(Duration::from_millis(ms)).await;
    tracing::info!("finished sleeping");
    "done".to_owned()
}

#[tokio::test]
async fn an_invocation_past_its_deadline_is_a_timeout_failure() {
    let server = start(fc::routes![slow].into()).await;
    // The handler would sleep 60 s: the answer can only come from the deadline.
    let resp = server
        .send(Req::invoke("late-1", "60000").header("x-fc-function-timeout", "1"))
        .await;
    let error = resp.expect_failure();
    assert_eq!(error["errorType"], "FunctionTimeout");
    assert!(error["errorMessage"].as_str().unwrap().contains("1 s"));
    assert_markers(&server, "late-1", &invoke_markers("late-1"));
    let lines = log_lines("late-1");
    let remaining: u128 = lines[0]
        .split("remaining Some(")
        .nth(1)
        .and_then(|rest| rest.strip_suffix(") ms"))
        .and_then(|ms| ms.parse().ok())
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert!((1..=1000).contains(&remaining), "{remaining} ms");
    // The handler's future was dropped at the deadline: it never finishes.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !log_lines("late-1")
            .iter()
            .any(|l| l.ends_with("finished sleeping"))
    );
    assert!(
        lines.iter().any(|l| l.contains("[ERROR] FunctionTimeout:")),
        "{lines:?}"
    );

    // In time, and without the header: no deadline.
    let resp = server
        .send(Req::invoke("late-2", "10").header("x-fc-function-timeout", "1"))
        .await;
    assert_eq!(resp.expect_ok().text(), "done");
    assert_eq!(
        server.invoke("late-3", "1200").await.expect_ok().text(),
        "done"
    );
    server.stop().await;

    let server = start(
        fc::App::new()
            .routes(fc::routes![slow])
            .enforce_deadline(false),
    )
    .await;
    let resp = server
        .send(Req::invoke("late-4", "1200").header("x-fc-function-timeout", "1"))
        .await;
    assert_eq!(resp.expect_ok().text(), "done");
    server.stop().await;
}

/// A built example or fixture binary with its stdout collected.
struct Process {
    child: std::process::Child,
    lines: Arc<Mutex<Vec<String>>>,
    addr: SocketAddr,
}

impl Process {
    fn start(binary: &Path) -> Process {
        let mut child = Command::new(binary)
            .env("FC_SERVER_PORT", "0")
            .env_remove("FC_CUSTOM_LISTEN_PORT")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let sink = Arc::clone(&lines);
        let pipe = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("listening on ").nth(1) {
                    let _ = tx.send(addr.trim().to_owned());
                }
                sink.lock().unwrap().push(line);
            }
        });
        let addr = rx.recv_timeout(Duration::from_secs(30)).expect("listening");
        let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
        Process {
            child,
            lines,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let status = self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let lines = self.lines.lock().unwrap().clone();
        (status, lines)
    }
}

fn target_dir() -> PathBuf {
    std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .unwrap()
        .to_owned()
}

fn example(name: &str) -> PathBuf {
    let path = target_dir().join("debug/examples").join(name);
    if !path.exists() {
        let ok = Command::new(env!("CARGO"))
            .args(["build", "--example", name])
            .status()
            .unwrap()
            .success();
        assert!(ok, "building example {name}");
    }
    path
}

#[tokio::test]
async fn sigterm_lets_the_invocation_in_flight_finish_then_exits_0() {
    let process = Process::start(&example("failures"));
    let addr = process.addr;
    let in_flight = tokio::spawn(async move {
        Client::connect(addr)
            .await
            .send(Req::invoke("term-1", r#"{"action": "sleep", "ms": 800}"#))
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    process.signal("-TERM");
    let resp = in_flight.await.unwrap();
    assert_eq!(resp.expect_ok().text(), "slept\n");
    // No new connection is accepted once shutting down.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still accepting"
    );
    let (status, lines) = process.wait();
    assert_eq!(status.code(), Some(0), "{lines:#?}");
    assert!(lines.contains(&"FC Invoke End RequestId: term-1".to_owned()));
}

#[test]
fn panic_abort_is_warned_about_and_still_logs_and_ends_every_invocation() {
    // Built here with its own target dir: a crate whose profile sets panic = "abort".
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/abort/Cargo.toml");
    let fixture_target = target_dir().join("fixtures");
    let built = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&fixture_target)
        .status()
        .unwrap();
    assert!(built.success(), "building the panic = \"abort\" fixture");
    let process = Process::start(&fixture_target.join("debug/fc-abort-fixture"));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let addr = process.addr;
        let sleeper = tokio::spawn(async move {
            Client::connect(addr)
                .await
                .try_send(Req::invoke("abort-sleeper", "sleep"))
                .await
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        let boom = Client::connect(addr)
            .await
            .try_send(Req::invoke("abort-boom", "panic"))
            .await;
        assert!(boom.is_err(), "no answer can come from an aborted process");
        assert!(sleeper.await.unwrap().is_err());
    });
    let (status, lines) = process.wait();
    assert!(!status.success(), "the process aborts");
    assert!(
        lines[0].contains("[WARN] built with panic = \"abort\""),
        "{lines:#?}"
    );
    let panic_line = lines
        .iter()
        .position(|l| {
            l.contains(" abort-boom [ERROR] panicked at src/main.rs:")
                && l.ends_with("nothing can catch this")
        })
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(lines[panic_line + 1].ends_with(" abort-boom [ERROR] stack backtrace:"));
    for id in ["abort-boom", "abort-sleeper"] {
        let end = format!("FC Invoke End RequestId: {id}");
        let at = lines
            .iter()
            .position(|l| *l == end)
            .unwrap_or_else(|| panic!("no {end} in {lines:#?}"));
        assert!(at > panic_line, "the End marker follows the panic's log");
    }
}
