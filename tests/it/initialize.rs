//! The initializer: at most one successful run per instance, over real HTTP.
//!
//! Each test has its own initializer (and counters), since the attribute registers
//! a function, not a closure.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Req, assert_markers, invoke_markers, log_lines, start};

fn initialize_markers(id: &str) -> [String; 2] {
    [
        format!("FC Initialize Start RequestId: {id}"),
        format!("FC Initialize End RequestId: {id}"),
    ]
}

static TWICE_RUNS: AtomicUsize = AtomicUsize::new(0);

struct Config {
    greeting: String,
}

#[fc::initialize]
async fn init_twice(ctx: fc::Context) -> Result<Config, fc::Error> {
    TWICE_RUNS.fetch_add(1, Ordering::SeqCst);
    tracing::info!("initializing {}", ctx.request_id());
    Ok(Config {
        greeting: "hi".into(),
    })
}

#[fc::invoke]
async fn greet(name: String, config: fc::State<Config>) -> String {
    format!("{} {name}", config.greeting)
}

#[tokio::test]
async fn initialize_twice_runs_once() {
    let server = start(fc::routes![init_twice, greet].into()).await;
    server.send(Req::initialize("init-a")).await.expect_ok();
    server.send(Req::initialize("init-b")).await.expect_ok();
    assert_eq!(TWICE_RUNS.load(Ordering::SeqCst), 1);
    // Both calls are framed by markers; only the first ran the function.
    assert_markers(&server, "init-a", &initialize_markers("init-a"));
    assert_markers(&server, "init-b", &initialize_markers("init-b"));
    assert_eq!(log_lines("init-a"), vec![log_lines("init-a")[0].clone()]);
    assert!(log_lines("init-a")[0].ends_with("[INFO] initializing init-a"));
    assert!(log_lines("init-b").is_empty());

    let resp = server.invoke("init-c", "Ana").await;
    assert_eq!(resp.expect_ok().text(), "hi Ana");
    assert_eq!(TWICE_RUNS.load(Ordering::SeqCst), 1);
    assert_markers(&server, "init-c", &invoke_markers("init-c"));
    server.stop().await;
}

static CONCURRENT_RUNS: AtomicUsize = AtomicUsize::new(0);

#[fc::initialize]
async fn init_slow() -> Result<(), fc::Error> {
    CONCURRENT_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_initialize_calls_run_it_once() {
    let server = start(fc::routes![init_slow].into()).await;
    let addr = server.addr;
    let calls: Vec<_> = (0..8)
        .map(|i| {
            tokio::spawn(async move {
                common::Client::connect(addr)
                    .await
                    .send(Req::initialize(&format!("conc-init-{i}")))
                    .await
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().expect_ok();
    }
    assert_eq!(CONCURRENT_RUNS.load(Ordering::SeqCst), 1);
    server.stop().await;
}

static FLAKY_RUNS: AtomicUsize = AtomicUsize::new(0);

#[fc::initialize]
async fn init_flaky() -> Result<u32, std::io::Error> {
    match FLAKY_RUNS.fetch_add(1, Ordering::SeqCst) {
        0 => Err(std::io::Error::other("database not reachable")),
        1 => panic!("initializer exploded"),
        n => Ok(n as u32),
    }
}

#[fc::invoke]
async fn attempts(state: fc::State<u32>) -> String {
    state.to_string()
}

#[tokio::test]
async fn a_failed_initializer_reports_404_and_may_be_retried() {
    let server = start(fc::routes![attempts, init_flaky].into()).await;
    let error = server
        .send(Req::initialize("flaky-1"))
        .await
        .expect_failure();
    assert_eq!(error["errorMessage"], "database not reachable");
    assert_eq!(error["errorType"], "std::io::error::Error");
    assert!(
        log_lines("flaky-1").iter().any(|l| l.contains(
            "[ERROR] initializer `init_flaky` failed: std::io::error::Error: database not reachable"
        )),
        "{:?}",
        log_lines("flaky-1")
    );

    let error = server
        .send(Req::initialize("flaky-2"))
        .await
        .expect_failure();
    assert_eq!(error["errorType"], "Panic");
    assert!(
        !error.to_string().contains("exploded"),
        "panic text leaked: {error}"
    );
    assert!(
        log_lines("flaky-2")
            .iter()
            .any(|l| l.contains("[ERROR] panicked at tests/it/initialize.rs")
                && l.ends_with("initializer exploded")),
        "{:?}",
        log_lines("flaky-2")
    );
    assert_markers(&server, "flaky-2", &initialize_markers("flaky-2"));

    server.send(Req::initialize("flaky-3")).await.expect_ok();
    server.send(Req::initialize("flaky-4")).await.expect_ok();
    assert_eq!(FLAKY_RUNS.load(Ordering::SeqCst), 3);
    assert_eq!(server.invoke("flaky-5", "").await.expect_ok().text(), "2");
    server.stop().await;
}

static FIRST_RUNS: AtomicUsize = AtomicUsize::new(0);

#[fc::initialize]
async fn init_on_first_invoke(ctx: fc::Context) -> Result<String, fc::Error> {
    FIRST_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(format!("initialized by {}", ctx.request_id()))
}

#[fc::invoke]
async fn who_initialized(state: fc::State<String>) -> String {
    state.as_str().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invocations_before_initialize_run_it_first_once() {
    let server = start(fc::routes![init_on_first_invoke, who_initialized].into()).await;
    let addr = server.addr;
    let calls: Vec<_> = (0..6)
        .map(|i| {
            tokio::spawn(async move {
                let id = format!("first-{i}");
                let resp = common::Client::connect(addr)
                    .await
                    .send(Req::invoke(&id, ""))
                    .await;
                (id, resp)
            })
        })
        .collect();
    let mut initializer = None;
    for call in calls {
        let (id, resp) = call.await.unwrap();
        let text = resp.expect_ok().text();
        let by = text.strip_prefix("initialized by ").unwrap().to_owned();
        assert!(initializer.get_or_insert(by.clone()) == &by);
        assert_markers(
            &server,
            &id,
            &if by == id {
                let [s, e] = initialize_markers(&id);
                let [is, ie] = invoke_markers(&id);
                vec![s, e, is, ie]
            } else {
                invoke_markers(&id).to_vec()
            },
        );
    }
    assert_eq!(FIRST_RUNS.load(Ordering::SeqCst), 1);
    // A later /initialize does not run it again.
    server.send(Req::initialize("first-late")).await.expect_ok();
    assert_eq!(FIRST_RUNS.load(Ordering::SeqCst), 1);
    server.stop().await;
}

#[fc::initialize]
async fn init_fails_always() -> Result<u8, fc::Error> {
    Err("no config".into())
}

#[fc::invoke]
async fn needs_state(state: fc::State<u8>) -> String {
    state.to_string()
}

#[tokio::test]
async fn an_invocation_whose_initializer_fails_is_404_with_markers() {
    let server = start(fc::routes![init_fails_always, needs_state].into()).await;
    let error = server.invoke("initfail-1", "").await.expect_failure();
    assert_eq!(error["errorMessage"], "no config");
    let [s, e] = initialize_markers("initfail-1");
    let [is, ie] = invoke_markers("initfail-1");
    assert_markers(&server, "initfail-1", &[s, e, is, ie]);
    server.stop().await;
}

#[fc::invoke]
async fn uses_app_state(state: fc::State<u8>, missing: fc::State<u64>) -> String {
    format!("{} {}", *state, *missing)
}

#[tokio::test]
async fn app_state_without_initializer_and_missing_state() {
    let server = start(fc::App::new().routes(fc::routes![needs_state]).state(42_u8)).await;
    assert_eq!(server.invoke("state-1", "").await.expect_ok().text(), "42");
    server.stop().await;

    let server = start(
        fc::App::new()
            .routes(fc::routes![uses_app_state])
            .state(1_u8),
    )
    .await;
    let error = server.invoke("state-2", "").await.expect_failure();
    assert_eq!(error["errorType"], "MissingState");
    assert!(error["errorMessage"].as_str().unwrap().contains("`u64`"));
    server.stop().await;
}
