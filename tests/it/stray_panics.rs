//! Panics outside the handler's poll, where fc must still catch them: a `Drop` that
//! panics when the deadline drops the handler's future, and a user layer whose
//! `poll_ready` panics. Each is FC's 404 (`FunctionTimeout` at the deadline, `Panic`
//! for `poll_ready`), the panic logged in FC's format under the request id, over
//! HTTP/1.1 and, with `http2`, over h2 with the other streams of the connection
//! unaffected.

use crate::common;

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::response::Response;
use common::{Req, Resp, invoke_markers, log_lines, start, wait_for_markers};

/// Panics when dropped: a guard or pool handle with a bad `Drop`.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("guard dropped at the deadline");
        }
    }
}

/// `"hang"` holds a [`PanicOnDrop`] across an await that outlives the deadline;
/// anything else answers at once.
#[fc::invoke]
async fn act(event: String) -> String {
    if event == "hang" {
        let _guard = PanicOnDrop;
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    event
}

/// A user layer whose `poll_ready` panics once [`armed`] sets its flag (thread-local:
/// the tests' current-thread runtime runs the server too).
#[derive(Clone)]
struct ReadyPanics<S>(S);

impl<S> tower::Service<Request> for ReadyPanics<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        if ARMED.with(std::cell::Cell::take) {
            panic!("poll_ready exploded");
        }
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let fut = self.0.call(req);
        Box::pin(fut)
    }
}

thread_local! {
    static ARMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[derive(Clone)]
struct ReadyPanicsLayer;

impl<S> tower::Layer<S> for ReadyPanicsLayer {
    type Service = ReadyPanics<S>;
    fn layer(&self, inner: S) -> ReadyPanics<S> {
        ReadyPanics(inner)
    }
}

fn app() -> fc::App {
    fc::App::new()
        .routes(fc::routes![act])
        .layer(ReadyPanicsLayer)
}

/// The invocation whose handler's guard panics when the deadline drops it.
fn at_deadline(id: &str) -> Req {
    Req::invoke(id, "hang").header("x-fc-function-timeout", "1")
}

fn expect_timeout(resp: &Resp, id: &str) {
    let error = resp.expect_failure();
    assert_eq!(error["errorType"], "FunctionTimeout", "{error}");
    let lines = log_lines(id);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("[ERROR] panicked at")
                && l.ends_with("guard dropped at the deadline")),
        "the Drop's panic is logged under {id}: {lines:#?}"
    );
}

fn expect_ready_panic(resp: &Resp, id: &str) {
    let error = resp.expect_failure();
    assert_eq!(error["errorType"], "Panic", "{error}");
    assert!(!resp.text().contains("exploded"), "{}", resp.text());
    let lines = log_lines(id);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("[ERROR] panicked at") && l.ends_with("poll_ready exploded")),
        "the poll_ready panic is logged under {id}: {lines:#?}"
    );
}

/// Sends `req` with `poll_ready` armed to panic. The arming is thread-local, so the
/// server must run on this test's current-thread runtime.
async fn armed<F: Future<Output = Resp>>(send: F) -> Resp {
    ARMED.set(true);
    let resp = send.await;
    ARMED.set(false);
    resp
}

#[tokio::test]
async fn http1_a_drop_that_panics_at_the_deadline_is_function_timeout() {
    let server = start(app()).await;
    let mut client = server.connect().await;
    let resp = tokio::time::timeout(
        Duration::from_secs(20),
        client.try_send(at_deadline("drop-h1")),
    )
    .await
    .expect("an answer within 20 s")
    .expect("an answer, not an empty reply");
    expect_timeout(&resp, "drop-h1");
    wait_for_markers(&server, "drop-h1", &invoke_markers("drop-h1")).await;
    // The connection and the server keep serving.
    client
        .send(Req::invoke("drop-h1-after", "ok"))
        .await
        .expect_ok();
    server.stop().await;
}

#[tokio::test]
async fn http1_a_panicking_poll_ready_is_fcs_panic_error() {
    let server = start(app()).await;
    let mut client = server.connect().await;
    let resp = tokio::time::timeout(
        Duration::from_secs(20),
        armed(async {
            client
                .try_send(Req::invoke("ready-h1", "ok"))
                .await
                .expect("an answer, not an empty reply")
        }),
    )
    .await
    .expect("an answer within 20 s");
    expect_ready_panic(&resp, "ready-h1");
    wait_for_markers(&server, "ready-h1", &invoke_markers("ready-h1")).await;
    client
        .send(Req::invoke("ready-h1-after", "ok"))
        .await
        .expect_ok();
    server.stop().await;
}

#[cfg(feature = "http2")]
mod h2 {
    use super::*;
    use common::H2Client;

    #[tokio::test]
    async fn a_drop_that_panics_at_the_deadline_is_function_timeout_and_other_streams_live() {
        let server = start(app()).await;
        let h2 = H2Client::connect(server.addr).await;
        let mut hanging = h2.clone();
        let mut other = h2.clone();
        let (resp, fine) = tokio::time::timeout(Duration::from_secs(20), async {
            tokio::join!(hanging.send(at_deadline("drop-h2")), async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                other.send(Req::invoke("drop-h2-other", "ok")).await
            })
        })
        .await
        .expect("answers within 20 s");
        expect_timeout(&resp, "drop-h2");
        fine.expect_ok();
        wait_for_markers(&server, "drop-h2", &invoke_markers("drop-h2")).await;
        let mut after = h2.clone();
        after
            .send(Req::invoke("drop-h2-after", "ok"))
            .await
            .expect_ok();
        server.stop().await;
    }

    #[tokio::test]
    async fn a_panicking_poll_ready_is_fcs_panic_error_and_other_streams_live() {
        let server = start(app()).await;
        let h2 = H2Client::connect(server.addr).await;
        let mut client = h2.clone();
        let resp = tokio::time::timeout(
            Duration::from_secs(20),
            armed(client.send(Req::invoke("ready-h2", "ok"))),
        )
        .await
        .expect("an answer within 20 s");
        expect_ready_panic(&resp, "ready-h2");
        wait_for_markers(&server, "ready-h2", &invoke_markers("ready-h2")).await;
        let mut after = h2.clone();
        after
            .send(Req::invoke("ready-h2-after", "ok"))
            .await
            .expect_ok();
        server.stop().await;
    }
}
