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

/// How long FC waits for a health check by default (`timeoutSeconds`: 1).
const FC_HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// A health check that must answer within FC's timeout (bounded, so a broken build
/// fails instead of hanging).
async fn timely_health(server: &common::Server) -> (u16, String) {
    let started = std::time::Instant::now();
    let resp = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        server.send(Req::new("GET", "/healthz")),
    )
    .await
    .expect("the health check never answered");
    let took = started.elapsed();
    assert!(took < FC_HEALTH_TIMEOUT, "the health check took {took:?}");
    (resp.status, resp.text())
}

#[fc::http]
async fn slow_app() -> axum::Router {
    tokio::time::sleep(std::time::Duration::from_secs(8)).await;
    axum::Router::new().route("/hello", axum::routing::get(|| async { "hello" }))
}

#[tokio::test]
async fn a_slow_http_builder_does_not_hold_the_health_check_and_is_started_by_it() {
    let app = fc::App::from(fc::routes![slow_app]).health_check(fc::DEFAULT_HEALTH_PATH);
    let server = start(app).await;
    // No request has come: the first check starts the build and answers at once.
    for _ in 0..3 {
        assert_eq!(
            timely_health(&server).await,
            (503, "not ready: the HTTP app is being built".to_owned())
        );
    }
    // Once the builder (8 s) has finished: ready, and the app serves.
    let ready = async {
        loop {
            if timely_health(&server).await.0 == 200 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), ready)
        .await
        .expect("the app was never built");
    let hello = server.send(Req::new("GET", "/hello")).await;
    assert_eq!(hello.text(), "hello");
    server.stop().await;
}

#[fc::http]
async fn hanging_app() -> axum::Router {
    std::future::pending().await
}

#[tokio::test]
async fn a_hanging_http_builder_answers_503_with_the_reason_every_time() {
    let app = fc::App::from(fc::routes![hanging_app]).health_check(fc::DEFAULT_HEALTH_PATH);
    let server = start(app).await;
    // A request for the app starts the build and waits for it, up to its deadline.
    let mut client = server.connect().await;
    let waiting = tokio::spawn(async move {
        let req = Req::new("GET", "/hello")
            .header("x-fc-control-path", "/http-invoke")
            .header("x-fc-function-timeout", "3");
        client.send(req).await
    });
    for _ in 0..5 {
        assert_eq!(
            timely_health(&server).await,
            (503, "not ready: the HTTP app is being built".to_owned())
        );
    }
    let timed_out = tokio::time::timeout(std::time::Duration::from_secs(30), waiting)
        .await
        .expect("the request for the app never ended")
        .unwrap()
        .expect_failure();
    assert_eq!(timed_out["errorType"], "FunctionTimeout");
    assert_eq!(
        timely_health(&server).await,
        (503, "not ready: the HTTP app is being built".to_owned())
    );
    server.stop().await;
}

/// Holds the one permit of the concurrency limit until released.
static HOLD: Semaphore = Semaphore::const_new(0);
static HOLDING: AtomicBool = AtomicBool::new(false);

#[fc::invoke]
async fn hold() {
    HOLDING.store(true, Ordering::SeqCst);
    let _ = HOLD.acquire().await;
}

#[tokio::test]
async fn the_health_check_and_hooks_pass_the_users_concurrency_limit() {
    let app = fc::App::from(fc::routes![hold])
        .layer(tower::limit::ConcurrencyLimitLayer::new(1))
        .health_check(fc::DEFAULT_HEALTH_PATH);
    let server = start(app).await;
    let mut client = server.connect().await;
    let held = tokio::spawn(async move { client.send(Req::invoke("holder", "{}")).await });
    tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while !HOLDING.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the first invocation never started");
    // The permit is held: FC's probe and the hooks are still answered at once.
    assert_eq!(timely_health(&server).await, (200, "ready".to_owned()));
    let pre_stop = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        server.send(Req::new("GET", "/pre-stop")),
    )
    .await
    .expect("the pre-stop hook waited for the concurrency limit");
    assert_eq!(pre_stop.status, 200);
    // An invocation does wait for the permit, as the layer says.
    let queued = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        server.invoke("queued", "{}"),
    )
    .await;
    assert!(
        queued.is_err(),
        "the second invocation passed the limit of 1"
    );
    HOLD.add_permits(2);
    tokio::time::timeout(std::time::Duration::from_secs(30), held)
        .await
        .expect("the held invocation never ended")
        .unwrap()
        .expect_ok();
    server.stop().await;
}
