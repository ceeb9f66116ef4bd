//! Failures over real HTTP: `Err`, panics (in the handler and in a user's layer),
//! layers that answer on their own. Every one is 404 + `x-fc-status: 404`, logged
//! with its request id, framed by both markers, and the server keeps serving.

use crate::common;

use std::convert::Infallible;
use std::task::{Context as TaskContext, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use common::{assert_markers, invoke_markers, log_lines, start};
use serde::Deserialize;

#[derive(Debug)]
struct LoadError(std::io::Error);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("could not load the price list")
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[derive(Deserialize)]
struct Command {
    action: String,
}

#[fc::invoke]
async fn act(command: Command) -> Result<String, fc::Error> {
    match command.action.as_str() {
        "ok" => Ok("done".into()),
        "err" => Err(LoadError(std::io::Error::other("disk on fire")).into()),
        "message" => Err("quantity must be positive".into()),
        "typed" => Err(fc::Error::new("no such order").with_type("OrderNotFound")),
        "panic-now" => panic!("secret detail 1234"),
        "panic-later" => {
            tokio::task::yield_now().await;
            let v: Vec<u8> = Vec::new();
            Ok(v[3].to_string())
        }
        other => Err(format!("unknown action {other}").into()),
    }
}

#[tokio::test]
async fn err_is_404_with_the_error_and_its_chain() {
    let server = start(fc::routes![act].into()).await;
    let error = server
        .invoke("err-1", r#"{"action": "err"}"#)
        .await
        .expect_failure();
    assert_eq!(error["errorMessage"], "could not load the price list");
    assert_eq!(error["errorType"], "it::errors::LoadError");
    assert_eq!(error["stackTrace"], serde_json::json!(["disk on fire"]));
    assert_eq!(
        log_lines("err-1")
            .iter()
            .map(|l| l.split_once(" err-1 ").unwrap().1)
            .collect::<Vec<_>>(),
        vec![
            "[ERROR] it::errors::LoadError: could not load the price list",
            "[ERROR] caused by: disk on fire",
        ]
    );
    assert_markers(&server, "err-1", &invoke_markers("err-1"));

    let error = server
        .invoke("err-2", r#"{"action": "message"}"#)
        .await
        .expect_failure();
    assert_eq!(
        error,
        serde_json::json!({"errorMessage": "quantity must be positive", "errorType": "Error", "stackTrace": []})
    );
    let error = server
        .invoke("err-3", r#"{"action": "typed"}"#)
        .await
        .expect_failure();
    assert_eq!(error["errorType"], "OrderNotFound");
    server
        .invoke("err-4", r#"{"action": "ok"}"#)
        .await
        .expect_ok();
    server.stop().await;
}

#[tokio::test]
async fn panics_are_404_logged_with_location_and_backtrace_and_never_in_the_body() {
    let server = start(fc::routes![act].into()).await;
    for (id, action, message) in [
        ("panic-1", "panic-now", "secret detail 1234"),
        (
            "panic-2",
            "panic-later",
            "index out of bounds: the len is 0 but the index is 3",
        ),
    ] {
        let resp = server
            .invoke(id, format!(r#"{{"action": "{action}"}}"#))
            .await;
        let error = resp.expect_failure();
        assert_eq!(error["errorType"], "Panic");
        assert!(
            !resp.text().contains(message),
            "panic text in the body: {}",
            resp.text()
        );
        assert!(error["errorMessage"].as_str().unwrap().contains(id));
        let lines = log_lines(id);
        let first = lines.first().expect("a log line");
        assert!(
            first.contains("[ERROR] panicked at tests/it/errors.rs:"),
            "{first}"
        );
        assert!(first.ends_with(message), "{first}");
        assert!(
            lines
                .iter()
                .any(|l| l.ends_with("[ERROR] stack backtrace:")),
            "{lines:?}"
        );
        assert!(lines.len() > 3, "a backtrace has frames: {lines:?}");
        assert_markers(&server, id, &invoke_markers(id));
    }
    // The process is alive and serves the next invocation.
    server
        .invoke("panic-3", r#"{"action": "ok"}"#)
        .await
        .expect_ok();
    server.stop().await;
}

/// A user layer whose `call` panics on a marked request, and answers 503 on another.
#[derive(Clone)]
struct Moody<S>(S);

impl<S> tower::Service<Request> for Moody<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let ctx = req
            .extensions()
            .get::<fc::Context>()
            .expect("Context in extensions");
        match ctx.request_id() {
            "layer-panic" => panic!("layer exploded in call"),
            "layer-busy" => Box::pin(async {
                Ok((axum::http::StatusCode::SERVICE_UNAVAILABLE, "busy").into_response())
            }),
            _ => {
                let fut = self.0.call(req);
                Box::pin(async move {
                    let resp = fut.await?;
                    Ok(resp)
                })
            }
        }
    }
}

#[derive(Clone)]
struct MoodyLayer;

impl<S> tower::Layer<S> for MoodyLayer {
    type Service = Moody<S>;
    fn layer(&self, inner: S) -> Moody<S> {
        Moody(inner)
    }
}

#[tokio::test]
async fn user_layers_see_the_context_and_their_panics_and_statuses_map_to_404() {
    let app = fc::App::new()
        .routes(fc::routes![act])
        .layer(MoodyLayer)
        .layer(tower::limit::ConcurrencyLimitLayer::new(8));
    let server = start(app).await;
    let error = server
        .invoke("layer-panic", r#"{"action": "ok"}"#)
        .await
        .expect_failure();
    assert_eq!(error["errorType"], "Panic");
    assert!(log_lines("layer-panic")[0].ends_with("layer exploded in call"));
    assert_markers(&server, "layer-panic", &invoke_markers("layer-panic"));

    let resp = server.invoke("layer-busy", r#"{"action": "ok"}"#).await;
    assert_eq!((resp.status, resp.fc_status()), (404, "404"));
    assert!(log_lines("layer-busy")[0].contains("a layer answered 503"));

    let resp = server.invoke("layer-ok", r#"{"action": "ok"}"#).await;
    assert_eq!(resp.expect_ok().text(), "done");
    server.stop().await;
}

#[fc::invoke]
async fn slow(event: String) -> String {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    event
}

#[tokio::test]
async fn a_client_that_disconnects_mid_invocation_still_gets_its_end_marker() {
    let server = start(fc::routes![slow].into()).await;
    let mut client = server.connect().await;
    let pending =
        tokio::spawn(async move { client.try_send(common::Req::invoke("gone-1", "x")).await });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    pending.abort(); // drops the client and its connection
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !server
        .markers()
        .contains(&"FC Invoke End RequestId: gone-1".to_owned())
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            server.markers()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_markers(&server, "gone-1", &invoke_markers("gone-1"));
    server.invoke("gone-2", "still serving").await.expect_ok();
    server.stop().await;
}
