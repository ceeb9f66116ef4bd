//! Deadlines around the initializer: an invocation's deadline covers the initializer
//! it runs first, and `/initialize` is bounded by `x-fc-initialization-timeout`. A run
//! that outlives its caller keeps going, once, and the next invocation gets its state.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Req, start};

/// How long the slow initializers take; the deadlines below are 1 s.
const INIT: Duration = Duration::from_secs(4);

struct Loaded(&'static str);

static IMPLICIT_RUNS: AtomicUsize = AtomicUsize::new(0);

#[fc::initialize]
async fn slow_implicit() -> Result<Loaded, fc::Error> {
    IMPLICIT_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(INIT).await;
    Ok(Loaded("implicit"))
}

#[fc::invoke]
async fn which(state: fc::State<Loaded>) -> String {
    state.0.to_owned()
}

#[tokio::test]
async fn the_invocation_deadline_covers_the_initializer_it_runs_first() {
    let server = start(fc::routes![slow_implicit, which].into()).await;
    let started = Instant::now();
    let resp = tokio::time::timeout(
        Duration::from_secs(20),
        server.send(Req::invoke("init-late", "").header("x-fc-function-timeout", "1")),
    )
    .await
    .expect("an answer within 20 s");
    let took = started.elapsed();
    eprintln!(
        "a 4 s initializer under a 1 s deadline: {} after {took:?}",
        resp.status
    );
    let error = resp.expect_failure();
    assert_eq!(error["errorType"], "FunctionTimeout", "{error}");
    assert!(
        took < INIT - Duration::from_millis(500),
        "answered at the deadline, not after the initializer: {took:?}"
    );
    // The initializer's Start line, then the invocation's own pair; the
    // initializer's End line comes when the run ends.
    let [start, end] = common::invoke_markers("init-late");
    let init_start = "FC Initialize Start RequestId: init-late".to_owned();
    common::wait_for_markers(&server, "init-late", &[init_start, start, end]).await;

    // The initializer goes on: the next invocation waits for the same run (no second
    // one) and gets its state.
    let resp = tokio::time::timeout(
        Duration::from_secs(20),
        server.send(Req::invoke("init-next", "").header("x-fc-function-timeout", "30")),
    )
    .await
    .expect("an answer within 20 s");
    assert_eq!(resp.expect_ok().text(), "implicit");
    assert_eq!(IMPLICIT_RUNS.load(Ordering::SeqCst), 1);
    let markers = server.markers();
    assert!(
        markers.contains(&"FC Initialize Start RequestId: init-late".to_owned())
            && markers.contains(&"FC Initialize End RequestId: init-late".to_owned()),
        "the run keeps the markers of the invocation that started it: {markers:#?}"
    );
    server.stop().await;
}

static EXPLICIT_RUNS: AtomicUsize = AtomicUsize::new(0);

#[fc::initialize]
async fn slow_explicit() -> Result<Loaded, fc::Error> {
    EXPLICIT_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(INIT).await;
    Ok(Loaded("explicit"))
}

#[tokio::test]
async fn initialize_is_bounded_by_the_initialization_timeout() {
    let server = start(fc::routes![slow_explicit, which].into()).await;
    let started = Instant::now();
    let resp = tokio::time::timeout(
        Duration::from_secs(20),
        server.send(Req::initialize("init-bounded").header("x-fc-initialization-timeout", "1")),
    )
    .await
    .expect("an answer within 20 s");
    let took = started.elapsed();
    eprintln!(
        "a 4 s initializer, initialization timeout 1 s: {} after {took:?}",
        resp.status
    );
    let error = resp.expect_failure();
    assert_eq!(error["errorType"], "InitializationTimeout", "{error}");
    assert!(
        took < INIT - Duration::from_millis(500),
        "answered at the initialization timeout: {took:?}"
    );
    // Without the header, /initialize waits as long as it takes: here, for the run
    // already under way, which it does not start again.
    let resp = tokio::time::timeout(
        Duration::from_secs(20),
        server.send(Req::initialize("init-again")),
    )
    .await
    .expect("an answer within 20 s");
    resp.expect_ok();
    let resp = server.invoke("init-used", "").await;
    assert_eq!(resp.expect_ok().text(), "explicit");
    assert_eq!(EXPLICIT_RUNS.load(Ordering::SeqCst), 1);
    server.stop().await;
}
