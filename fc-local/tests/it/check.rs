//! `fc-local check` against our examples, fc-local's echo function, and two Python
//! runtimes: one that follows FC's contract and one that breaks it.

use crate::common;

use std::time::Duration;

use common::{Run, echo_example, example, fc_local, python_fixture, run, wire_example};

const LIMIT: Duration = Duration::from_secs(90);

fn check(args: &[&str], command: &[&str]) -> Run {
    run(
        fc_local()
            .arg("check")
            .args(["--idle", "0.3"])
            .args(args)
            .arg("--")
            .args(command),
        LIMIT,
    )
}

fn assert_all_pass(run: &Run, expected: &[&str]) {
    assert_eq!(run.code, Some(0), "{run}");
    for name in expected {
        assert!(run.check_line(name).starts_with("pass"), "{name}: {run}");
    }
    assert!(!run.stdout.contains("FAIL"), "{run}");
    assert!(!run.stdout.contains('\x1b'), "colour on a pipe: {run}");
}

const EVENT_CHECKS: [&str; 11] = [
    "port",
    "interfaces",
    "inited-line",
    "initialize",
    "invoke",
    "failure",
    "concurrency",
    "keep-alive",
    "markers",
    "pre-stop",
    "sigterm",
];

const HTTP_CHECKS: [&str; 11] = [
    "port",
    "interfaces",
    "inited-line",
    "initialize",
    "http-invoke",
    "concurrency",
    "keep-alive",
    "markers",
    "headers",
    "pre-stop",
    "sigterm",
];

#[test]
fn hello_passes() {
    let hello = example("hello");
    let run = check(
        &["--data", r#"{"name": "check"}"#],
        &[hello.to_str().unwrap()],
    );
    assert_all_pass(&run, &EVENT_CHECKS);
    // Without a sleeping event, concurrency is shown by holding requests open.
    assert!(
        run.check_line("concurrency")
            .contains("while 8 others were still arriving"),
        "{run}"
    );
    assert!(
        run.stdout.ends_with("11 passed, 0 failed, 0 skipped\n"),
        "{run}"
    );
}

#[test]
fn failures_passes_with_parallel_sleeping_invocations() {
    let failures = example("failures");
    let run = check(
        &[
            "--data",
            r#"{"action": "ok"}"#,
            "--fail-data",
            r#"{"action": "fail"}"#,
            "--sleep-data",
            r#"{"action": "sleep", "ms": 300}"#,
        ],
        &[failures.to_str().unwrap()],
    );
    assert_all_pass(&run, &EVENT_CHECKS);
    assert!(
        run.check_line("concurrency")
            .contains("8 sleeping invocations at once took"),
        "{run}"
    );
}

#[test]
fn the_http_example_passes() {
    let http = example("http");
    let run = check(
        &["--http", "--path", "/api/orders/7?currency=USD"],
        &[http.to_str().unwrap()],
    );
    assert_all_pass(&run, &HTTP_CHECKS);
    assert!(run.check_line("passthrough").starts_with("skip"), "{run}");
}

#[test]
fn an_fc_http_function_passes_passthrough_even_on_path_invoke() {
    let echo = echo_example();
    let run = check(
        &[
            "--http",
            "--echo-path",
            "/",
            "--sleep-path",
            "/slow?sleep_ms=300",
        ],
        &[echo.to_str().unwrap()],
    );
    assert_all_pass(&run, &HTTP_CHECKS);
    let passthrough = run.check_line("passthrough");
    assert!(passthrough.starts_with("pass"), "{run}");
    assert!(
        passthrough.contains("POST /invoke as an HTTP invocation reached the app"),
        "{run}"
    );
}

#[test]
fn a_conformant_python_runtime_passes() {
    let Some(conformant) = python_fixture("conformant.py") else {
        return;
    };
    let script = conformant.to_str().unwrap();
    let events = check(
        &["--sleep-data", r#"{"sleep_ms": 300}"#],
        &["python3", script],
    );
    assert_all_pass(&events, &EVENT_CHECKS);
    assert!(
        events
            .check_line("inited-line")
            .contains("FunctionCompute py-fixture runtime inited."),
        "{events}"
    );
    let http = check(
        &[
            "--http",
            "--echo-path",
            "/",
            "--sleep-path",
            "/s?sleep_ms=300",
        ],
        &["python3", script],
    );
    assert_all_pass(&http, &HTTP_CHECKS);
    assert!(http.check_line("passthrough").starts_with("pass"), "{http}");
}

#[test]
fn a_broken_python_runtime_fails_with_reasons() {
    let Some(broken) = python_fixture("broken.py") else {
        return;
    };
    let script = broken.to_str().unwrap();
    let run = check(
        &["--sleep-data", r#"{"sleep_ms": 200}"#],
        &["python3", script],
    );
    println!("{run}");
    assert_eq!(run.code, Some(1), "{run}");
    for (name, why) in [
        ("interfaces", "listens on 127.0.0.1 only"),
        (
            "inited-line",
            "`python3` is the name of an official FC runtime",
        ),
        ("failure", "answered 500 (no x-fc-status)"),
        ("concurrency", "did not run side by side"),
        ("keep-alive", "`Connection: close`"),
        ("markers", "ids fc-local never sent"),
        ("pre-stop", "answered 404"),
    ] {
        let line = run.check_line(name);
        assert!(line.starts_with("FAIL"), "{name}: {run}");
        assert!(line.contains(why), "{name} should say {why:?}: {run}");
    }
    for name in ["port", "initialize", "invoke", "sigterm"] {
        assert!(run.check_line(name).starts_with("pass"), "{name}: {run}");
    }
    assert!(
        run.stdout.ends_with("4 passed, 7 failed, 0 skipped\n"),
        "{run}"
    );

    // HTTP mode: the query is dropped, restricted headers are sent, and without a
    // sleeping path the held requests show it serves one request at a time.
    let http = check(
        &["--http", "--echo-path", "/", "--parallel", "2"],
        &["python3", script],
    );
    println!("{http}");
    assert_eq!(http.code, Some(1), "{http}");
    let passthrough = http.check_line("passthrough");
    assert!(
        passthrough.starts_with("FAIL") && passthrough.contains("lacks query alpha=1"),
        "{http}"
    );
    let headers = http.check_line("headers");
    assert!(headers.starts_with("FAIL"), "{http}");
    for name in ["server", "date", "connection", "x-fc-debug"] {
        assert!(headers.contains(name), "{name}: {http}");
    }
    let concurrency = http.check_line("concurrency");
    assert!(
        concurrency.starts_with("FAIL") && concurrency.contains("one at a time"),
        "{http}"
    );
}

/// `check --http` on the `wire` runtime (hyper and tokio-tungstenite, no fc) with
/// `faults` in WIRE_FAULTS, trying its WebSocket and health paths.
fn check_wire(faults: &str) -> Run {
    let wire = wire_example();
    run(
        fc_local()
            .env("WIRE_FAULTS", faults)
            .args(["check", "--http", "--idle", "0.3"])
            .args(["--websocket-path", "/ws", "--health-path", "/healthz"])
            .arg("--")
            .arg(wire),
        LIMIT,
    )
}

#[test]
fn a_runtime_with_websocket_h2c_and_a_health_path_passes_them() {
    let run = check_wire("");
    let mut expected = HTTP_CHECKS.to_vec();
    expected.extend(["websocket", "http2", "health"]);
    assert_all_pass(&run, &expected);
    assert!(
        run.check_line("websocket")
            .contains("Invoke Start at the upgrade and End after the close"),
        "{run}"
    );
    assert!(
        run.check_line("http2")
            .contains("over h2c (prior knowledge)"),
        "{run}"
    );
}

#[test]
fn websocket_h2c_and_health_faults_fail_with_reasons() {
    let run = check_wire("ws-no-connection,h2-no-status,health-503");
    assert_eq!(run.code, Some(1), "{run}");
    for (name, why) in [
        ("websocket", "the 101 lacks `Connection: upgrade`"),
        ("http2", "answered 200 (no x-fc-status)"),
        ("health", "answered 503"),
    ] {
        let line = run.check_line(name);
        assert!(
            line.starts_with("FAIL") && line.contains(why),
            "{name}: {run}"
        );
    }
    assert!(run.check_line("markers").starts_with("pass"), "{run}");

    let run = check_wire("ws-end-at-upgrade,health-markers,no-h2");
    assert_eq!(run.code, Some(1), "{run}");
    for (name, why) in [
        (
            "websocket",
            "`FC Invoke End` while the socket was still open",
        ),
        ("health", "printed FC marker lines for the probe"),
    ] {
        let line = run.check_line(name);
        assert!(
            line.starts_with("FAIL") && line.contains(why),
            "{name}: {run}"
        );
    }
    let http2 = run.check_line("http2");
    assert!(
        http2.starts_with("skip") && http2.contains("does not speak HTTP/2 with prior knowledge"),
        "{run}"
    );
}

#[test]
fn the_health_path_defaults_to_the_s_yaml_health_check() {
    let dir = std::env::temp_dir().join(format!("fc-local-health-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("s.yaml"),
        "resources:\n  wire:\n    component: fc3\n    props:\n      functionName: wire\n      \
         runtime: custom.debian12\n      customRuntimeConfig:\n        healthCheckConfig:\n          \
         httpGetUrl: /healthz\n",
    )
    .unwrap();
    let wire = wire_example();
    let run = run(
        fc_local()
            .current_dir(&dir)
            .env("WIRE_FAULTS", "health-503")
            .args(["check", "--http", "--idle", "0.3", "--"])
            .arg(wire),
        LIMIT,
    );
    let _ = std::fs::remove_dir_all(&dir);
    // FC's own first check at start fails, and so does the conformance check.
    let health = run.check_line("health");
    assert!(
        health.starts_with("FAIL") && health.contains("GET /healthz: answered 503"),
        "{run}"
    );
    assert!(run.check_line("websocket").starts_with("skip"), "{run}");
}

#[test]
fn a_function_that_does_not_start_fails_the_port_check() {
    let run = check(
        &["--start-timeout", "5"],
        &["sh", "-c", "echo 'no port for me' >&2; exit 3"],
    );
    assert_eq!(run.code, Some(1), "{run}");
    let port = run.check_line("port");
    assert!(
        port.starts_with("FAIL") && port.contains("exited 3 before listening"),
        "{run}"
    );
    assert!(
        run.stderr.contains("no port for me"),
        "its output is shown: {run}"
    );
}
