//! HTTP/2 in cleartext with prior knowledge (h2c), as FC's gateway speaks it to a
//! function's port, beside HTTP/1.1 on the same port: hyper's own HTTP/2 client
//! against a plain axum HTTP function.

use crate::common;

use axum::Router;
use axum::body::Bytes;
use axum::routing::{get, post};
use common::{Client, H2Client, Req, invoke_markers, start, wait_for_markers};

/// Released by the drain test once its request is in flight.
static RELEASE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(0);

/// Released by the busy-connection test once the others are answered.
static HELD: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(0);

#[fc::http]
fn app() -> Router {
    Router::new()
        .route(
            "/hello",
            get(|ctx: fc::Context| async move { format!("hello {}", ctx.request_id()) }),
        )
        .route(
            "/count",
            post(|body: Bytes| async move {
                let sum: u64 = body.iter().map(|&b| u64::from(b)).sum();
                format!("{} {sum}", body.len())
            }),
        )
        .route(
            "/held",
            get(|ctx: fc::Context| async move {
                HELD.acquire().await.map(|p| p.forget()).ok();
                format!("held {}", ctx.request_id())
            }),
        )
        .route(
            "/slow",
            get(|| async {
                RELEASE.acquire().await.map(|p| p.forget()).ok();
                "done"
            }),
        )
}

fn http(method: &'static str, path: &str, id: &str) -> Req {
    Req::new(method, path)
        .header("x-fc-control-path", "/http-invoke")
        .header("x-fc-request-id", id)
}

#[tokio::test]
async fn h2c_prior_knowledge_reaches_a_plain_axum_function() {
    let server = start(fc::routes![app].into()).await;
    let mut h2 = H2Client::connect(server.addr).await;
    let resp = h2.send(http("GET", "/hello", "h2-1")).await;
    resp.expect_ok();
    assert_eq!(resp.text(), "hello h2-1");
    assert!(resp.headers.get("date").is_none(), "{:?}", resp.headers);
    wait_for_markers(&server, "h2-1", &invoke_markers("h2-1")).await;

    // Streams on the same connection, at once, each its own invocation.
    let calls = (0..20).map(|i| {
        let mut h2 = h2.clone();
        async move {
            let id = format!("h2-many-{i}");
            let resp = h2.send(http("GET", "/hello", &id)).await;
            resp.expect_ok();
            assert_eq!(resp.text(), format!("hello {id}"));
            id
        }
    });
    for id in futures_util::future::join_all(calls).await {
        wait_for_markers(&server, &id, &invoke_markers(&id)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn http1_and_h2c_on_the_same_port() {
    let server = start(fc::routes![app].into()).await;
    let mut h1 = Client::connect(server.addr).await;
    let mut h2 = H2Client::connect(server.addr).await;
    for round in 0..3 {
        let id1 = format!("same-port-h1-{round}");
        let id2 = format!("same-port-h2-{round}");
        let (r1, r2) = tokio::join!(
            h1.send(http("GET", "/hello", &id1)),
            h2.send(http("GET", "/hello", &id2)),
        );
        r1.expect_ok();
        r2.expect_ok();
        assert_eq!(r1.text(), format!("hello {id1}"));
        assert_eq!(r2.text(), format!("hello {id2}"));
        assert!(r1.headers.get("date").is_none());
        assert!(r2.headers.get("date").is_none());
        wait_for_markers(&server, &id1, &invoke_markers(&id1)).await;
        wait_for_markers(&server, &id2, &invoke_markers(&id2)).await;
    }
    // Both connections were kept alive through every round.
    assert!(!h1.is_closed());
    server.stop().await;
}

#[tokio::test]
async fn a_32_megabyte_body_over_h2c() {
    let server = start(fc::routes![app].into()).await;
    let mut h2 = H2Client::connect(server.addr).await;
    let body: Vec<u8> = (0..32 * 1024 * 1024)
        .map(|i: u32| (i % 251) as u8)
        .collect();
    let sum: u64 = body.iter().map(|&b| u64::from(b)).sum();
    let started = std::time::Instant::now();
    let resp = h2.send(http("POST", "/count", "h2-big").body(body)).await;
    // Printed for the record (`--nocapture`), not asserted.
    eprintln!("32 MB over h2c in {:?}", started.elapsed());
    resp.expect_ok();
    assert_eq!(resp.text(), format!("{} {sum}", 32 * 1024 * 1024));
    wait_for_markers(&server, "h2-big", &invoke_markers("h2-big")).await;
    server.stop().await;
}

#[tokio::test]
async fn shutdown_lets_an_h2_stream_in_flight_finish() {
    let server = start(fc::routes![app].into()).await;
    let mut h2 = H2Client::connect(server.addr).await;
    let request = tokio::spawn(async move { h2.send(http("GET", "/slow", "h2-drain")).await });
    // The request is in flight once its Start marker is out.
    wait_for_markers(
        &server,
        "h2-drain",
        &["FC Invoke Start RequestId: h2-drain".to_owned()],
    )
    .await;
    let (addr, output) = (server.addr, server.output.clone());
    let stopping = tokio::spawn(server.stop());
    // The shutdown has started once the port refuses new connections.
    for _ in 0..1000 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the server still accepts"
    );
    assert!(
        !stopping.is_finished(),
        "the server stopped with a stream in flight"
    );
    RELEASE.add_permits(1);
    let resp = request.await.expect("join");
    resp.expect_ok();
    assert_eq!(resp.text(), "done");
    stopping
        .await
        .expect("the server stops once the stream is done");
    let markers: Vec<String> = output
        .captured()
        .lines()
        .filter(|l| l.ends_with("RequestId: h2-drain"))
        .map(str::to_owned)
        .collect();
    assert_eq!(markers, invoke_markers("h2-drain"));
}

/// On a busy connection a write waits while answers beside it are about to run, and
/// each of them wakes it when polled, even one that then waits: 10 quick requests and
/// 40 held ones leave together on one connection, the quick ones come back while the
/// 40 are held, and then the 40 do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_come_back_while_many_others_on_the_connection_are_held() {
    let server = start(fc::routes![app].into()).await;
    let mut h2 = H2Client::connect(server.addr).await;
    // The quick ones first: their answers are ready while the held ones are about to
    // run, so their writes wait on them.
    let quick = (0..10).map(|i| http("GET", "/hello", &format!("beside-held-{i}")));
    let held = (0..40).map(|i| http("GET", "/held", &format!("held-{i}")));
    let mut answers = h2.send_together(quick.chain(held)).await.into_iter();
    let quick: Vec<_> = answers.by_ref().take(10).map(tokio::spawn).collect();
    let held: Vec<_> = answers.map(tokio::spawn).collect();
    let answered = async {
        for (i, request) in quick.into_iter().enumerate() {
            let resp = request.await.expect("join");
            resp.expect_ok();
            assert_eq!(resp.text(), format!("hello beside-held-{i}"));
        }
    };
    // A bound on a hang, not a measurement: each answer takes microseconds.
    tokio::time::timeout(std::time::Duration::from_secs(20), answered)
        .await
        .expect("answers beside 40 held ones come back");
    HELD.add_permits(40);
    for (i, request) in held.into_iter().enumerate() {
        let resp = request.await.expect("join");
        resp.expect_ok();
        assert_eq!(resp.text(), format!("held held-{i}"));
    }
    server.stop().await;
}
