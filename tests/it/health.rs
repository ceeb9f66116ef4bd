//! FC's health check over real HTTP: `App::health_check` answers its path itself,
//! before, during and after a failing and a succeeding initializer, without markers,
//! and with the user's own check.

use crate::common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::{Req, assert_markers, start};
use tokio::sync::Semaphore;

/// Lets the gated initializer finish one run at a time.
static GATE: Semaphore = Semaphore::const_new(0);
static FAIL_INIT: AtomicBool = AtomicBool::new(true);

struct Db {
    healthy: AtomicBool,
}

#[fc::initialize]
async fn gated() -> Result<Db, fc::Error> {
    GATE.acquire().await?.forget();
    if FAIL_INIT.load(Ordering::SeqCst) {
        return Err("database unreachable".into());
    }
    Ok(Db {
        healthy: AtomicBool::new(true),
    })
}

#[fc::invoke]
async fn echo(event: String) -> String {
    event
}

async fn health(server: &common::Server, request_id: &str) -> (u16, String) {
    let resp = server
        .send(Req::new("GET", "/healthz").header("x-fc-request-id", request_id))
        .await;
    // Not an invocation: no markers.
    assert_markers(server, request_id, &[]);
    (resp.status, resp.text())
}

#[tokio::test]
async fn health_follows_the_initializer_without_waiting_for_it() {
    let app = fc::App::from(fc::routes![gated, echo]).health_check(fc::DEFAULT_HEALTH_PATH);
    let server = start(app).await;

    // Before any /initialize: ready, since the first invocation will run it.
    assert_eq!(health(&server, "h-before").await, (200, "ready".to_owned()));

    // While /initialize runs (held at the gate), the health check answers at once.
    let mut init = server.connect().await;
    let running = tokio::spawn(async move { init.send(Req::initialize("init-1")).await });
    let (status, text) = loop {
        let answer = health(&server, "h-during").await;
        if answer.0 == 503 {
            break answer;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(status, 503);
    assert_eq!(text, "not ready: the initializer is running");

    // It fails: 503 with the reason.
    GATE.add_permits(1);
    running.await.unwrap().expect_failure();
    let (status, text) = health(&server, "h-failed").await;
    assert_eq!(status, 503);
    assert!(text.contains("the initializer failed"), "{text}");
    assert!(text.contains("database unreachable"), "{text}");

    // A second /initialize succeeds: ready.
    FAIL_INIT.store(false, Ordering::SeqCst);
    GATE.add_permits(1);
    server.send(Req::initialize("init-2")).await.expect_ok();
    assert_eq!(health(&server, "h-after").await, (200, "ready".to_owned()));
    // HEAD works too, and events still do.
    let head = server.send(Req::new("HEAD", "/healthz")).await;
    assert_eq!(head.status, 200);
    server.invoke("after-health", "x").await.expect_ok();
    server.stop().await;
}

static CHECKS: AtomicUsize = AtomicUsize::new(0);

#[fc::initialize]
async fn connect() -> Result<Db, fc::Error> {
    Ok(Db {
        healthy: AtomicBool::new(true),
    })
}

#[fc::http]
fn web() -> axum::Router {
    axum::Router::new()
        .route("/healthz", axum::routing::get(|| async { "the app's own" }))
        .route("/hello", axum::routing::get(|| async { "hello" }))
}

#[tokio::test]
async fn the_users_check_runs_once_ready_and_its_failures_answer_503() {
    let app = fc::App::from(fc::routes![connect, web]).health_check_with(
        "/healthz",
        |probe: fc::HealthProbe| async move {
            CHECKS.fetch_add(1, Ordering::SeqCst);
            let db = probe.state::<Db>()?;
            if !db.healthy.load(Ordering::SeqCst) || DB_DOWN.load(Ordering::SeqCst) {
                return Err("the database does not answer".into());
            }
            Ok(())
        },
    );
    let server = start(app).await;
    server.send(Req::initialize("init")).await.expect_ok();

    // fc's health path wins over the app's own route of that path; the rest is the
    // app's.
    assert_eq!(health(&server, "c-1").await, (200, "ready".to_owned()));
    assert_eq!(CHECKS.load(Ordering::SeqCst), 1);
    let hello = server.send(Req::new("GET", "/hello")).await;
    assert_eq!(hello.text(), "hello");

    // FC's HTTP trigger marks requests for the app; the health path is still fc's.
    let marked = server
        .send(Req::new("GET", "/healthz").header("x-fc-control-path", "/http-invoke"))
        .await;
    assert_eq!((marked.status, marked.text()), (200, "ready".to_owned()));

    // The database goes down: 503 with the check's reason; the app still serves.
    DB_DOWN.store(true, Ordering::SeqCst);
    let (status, text) = health(&server, "c-2").await;
    assert_eq!(status, 503);
    assert_eq!(text, "not ready: the database does not answer");
    assert_eq!(server.send(Req::new("GET", "/hello")).await.text(), "hello");
    server.stop().await;
}

static DB_DOWN: AtomicBool = AtomicBool::new(false);

#[fc::invoke]
async fn noop() {}

#[tokio::test]
async fn failing_panicking_and_state_less_checks_answer_503_with_the_reason() {
    let failing = fc::App::from(fc::routes![noop])
        .health_check_with("/ready", |_probe: fc::HealthProbe| async {
            Err::<(), fc::Error>("model not loaded".into())
        });
    let server = start(failing).await;
    let resp = server.send(Req::new("GET", "/ready")).await;
    assert_eq!(
        (resp.status, resp.text()),
        (503, "not ready: model not loaded".to_owned())
    );
    server.stop().await;

    let panicking = fc::App::from(fc::routes![noop])
        .health_check_with("/ready", |_probe: fc::HealthProbe| async {
            panic!("check exploded")
        });
    let server = start(panicking).await;
    let resp = server.send(Req::new("GET", "/ready")).await;
    assert_eq!(
        (resp.status, resp.text()),
        (503, "not ready: the health check panicked".to_owned())
    );
    // The panic text stays in the log, and the server keeps serving.
    server.send(Req::invoke("still", "")).await.expect_ok();
    server.stop().await;

    // A check asking for a state nobody set.
    let missing = fc::App::from(fc::routes![noop])
        .health_check_with("/ready", |probe: fc::HealthProbe| async move {
            probe.state::<Db>().map(|_| ())
        });
    let server = start(missing).await;
    let resp = server.send(Req::new("GET", "/ready")).await;
    assert_eq!(resp.status, 503);
    assert!(resp.text().starts_with("not ready: "), "{}", resp.text());
    server.stop().await;
}

#[tokio::test]
async fn without_a_health_check_the_path_is_the_apps() {
    let server = start(fc::routes![echo].into()).await;
    let error = server
        .send(Req::new("GET", "/healthz"))
        .await
        .expect_failure();
    assert_eq!(error["errorType"], "NotFound");
    server.stop().await;
}
