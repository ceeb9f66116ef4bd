//! The `otel` feature against a collector that accepts connections and never
//! answers: the export stays within the invocation's deadline, the health check
//! never waits for it, after the first failure the next invocations do not pay the
//! export timeout, and the endpoint's `user:password@` is never logged.
//!
//! The exporter is process-wide and its circuit breaker with it: one test, in
//! phases, in its own binary.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::Req;
use fc::otel::opentelemetry::trace::{Span as _, Tracer as _};
use tokio::net::TcpListener;

#[fc::invoke]
async fn sleep(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Accepts every connection and holds it, never reading or answering.
async fn blackhole() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    addr
}

/// Sends `req` and returns how long the answer took (bounded: a hang fails).
async fn timed(server: &common::Server, req: Req) -> (u16, Duration) {
    let started = Instant::now();
    let resp = tokio::time::timeout(Duration::from_secs(30), server.send(req))
        .await
        .expect("no answer within 30 s");
    (resp.status, started.elapsed())
}

const EXPORT_TIMEOUT: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blackholed_collector_costs_invocations_and_the_health_check_nothing() {
    let collector = blackhole().await;
    let endpoint = format!("http://user:PASSW0RD@{collector}");
    let config = fc::otel::Config::new(&endpoint).timeout(EXPORT_TIMEOUT);
    let mut failures = Vec::new();
    if format!("{config:?}").contains("PASSW0RD") {
        failures.push(format!("the password is in the config's Debug: {config:?}"));
    }
    fc::otel::install(config).expect("install");
    let app = fc::App::from(fc::routes![sleep]).health_check(fc::DEFAULT_HEALTH_PATH);
    let server = common::start(app).await;

    // 1. A 900 ms handler under a 1 s timeout is answered within its deadline: the
    //    export gets what is left of it, not the export timeout.
    let req = Req::invoke("deadline", "900").header("x-fc-function-timeout", "1");
    let (status, took) = timed(&server, req).await;
    eprintln!("900 ms handler, 1 s timeout: {status} after {took:?}");
    if status != 200 || took >= Duration::from_millis(1500) {
        failures.push(format!(
            "900 ms handler under a 1 s timeout: {status} after {took:?}"
        ));
    }

    // 2. The health check with a span pending (one that ended outside any request)
    //    does not export it.
    let mut span = fc::otel::opentelemetry::global::tracer("test").start("background");
    span.end();
    let (status, took) = timed(&server, Req::new("GET", "/healthz")).await;
    eprintln!("health check with a pending span: {status} after {took:?}");
    if status != 200 || took >= Duration::from_millis(500) {
        failures.push(format!(
            "health check with a pending span: {status} after {took:?}"
        ));
    }

    // 3. The first invocation without a deadline pays the export timeout once; the
    //    next ones do not.
    let (status, first) = timed(&server, Req::invoke("first", "0")).await;
    eprintln!("first invocation: {status} after {first:?}");
    for id in ["second", "third"] {
        let (status, took) = timed(&server, Req::invoke(id, "0")).await;
        eprintln!("{id} invocation: {status} after {took:?}");
        if status != 200 || took >= EXPORT_TIMEOUT / 2 {
            failures.push(format!("{id} invocation after a failed export: {took:?}"));
        }
    }

    // 4. The failure was logged, once, without the endpoint's credentials.
    let logs = common::logs().captured();
    let warnings: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("OpenTelemetry: exporting"))
        .collect();
    eprintln!("{warnings:#?}");
    if logs.contains("PASSW0RD") {
        failures.push("the endpoint's password was logged".to_owned());
    }
    if warnings.len() != 1 || !warnings[0].contains(&format!("http://***@{collector}/v1/traces")) {
        failures.push(format!(
            "expected one warning naming the redacted endpoint: {warnings:#?}"
        ));
    }
    server.stop().await;
    assert!(failures.is_empty(), "{failures:#?}");
}
