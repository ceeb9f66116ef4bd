//! HTTP functions over real HTTP: FC forwards the original request with
//! `x-fc-control-path: /http-invoke`; a local browser sends no FC header at all.

#![allow(clippy::unwrap_used, reason = "handlers in a test")]

use crate::common;

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use common::{Client, Req, assert_markers, invoke_markers, log_lines, start};
use serde::Deserialize;
use serde_json::json;

fn http(method: &'static str, path: &str, id: &str) -> Req {
    Req::new(method, path)
        .header("x-fc-control-path", "/http-invoke")
        .header("x-fc-request-id", id)
}

#[derive(Deserialize)]
struct Page {
    page: Option<u32>,
}

struct Greeting(&'static str);

#[fc::initialize]
async fn init() -> Result<Greeting, fc::Error> {
    Ok(Greeting("hello"))
}

async fn user(
    Path(id): Path<u64>,
    Query(page): Query<Page>,
    uri: OriginalUri,
    ctx: fc::Context,
    greeting: fc::State<Greeting>,
) -> Json<serde_json::Value> {
    tracing::info!(id, "fetching user");
    Json(json!({
        "id": id,
        "page": page.page,
        "path": uri.0.path(),
        "request_id": ctx.request_id(),
        "base_path": ctx.base_path(),
        "greeting": greeting.0,
    }))
}

async fn echo(
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Json<serde_json::Value> {
    Json(json!({
        "method": method.as_str(),
        "uri": uri.to_string(),
        "x_custom": headers.get("x-custom").and_then(|v| v.to_str().ok()),
        "len": body.len(),
        "sum": body.iter().map(|&b| u64::from(b)).sum::<u64>(),
    }))
}

/// What an app's handler reads of its context: FC's headers and the request's own.
async fn context_seen(ctx: fc::Context) -> Json<serde_json::Value> {
    Json(json!({
        "request_id": ctx.request_id(),
        "function_name": ctx.function_name(),
        "access_key_id": ctx.credentials().map(|c| c.access_key_id().to_owned()),
        "x_custom": ctx.headers().get("x-custom").and_then(|v| v.to_str().ok()),
        "base_path": ctx.base_path(),
    }))
}

async fn unavailable() -> impl IntoResponse {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [("retry-after", "5")],
        "come back later",
    )
}

async fn explode() -> &'static str {
    let secret_detail = "panic text with a secret 5150";
    panic!("{secret_detail}")
}

async fn forbidden_headers() -> Response {
    Response::builder()
        .status(201)
        .header("x-fc-status", "500")
        .header("x-fc-request-id", "forged")
        .header("connection", "close")
        .header("keep-alive", "timeout=1")
        .header("server", "my-app/1.0")
        .header("date", "Thu, 01 Jan 1970 00:00:00 GMT")
        .header("content-disposition", "attachment; filename=\"x.csv\"")
        .header("content-length", "2")
        .header("x-kept", "yes")
        .header("cache-control", "no-store")
        .body(Body::from("ok"))
        .unwrap()
}

/// Released by the SSE test once it has received the first event.
static FIRST_EVENT_SEEN: tokio::sync::Notify = tokio::sync::Notify::const_new();

async fn events() -> Response {
    // Two events; the second is produced only once the client has seen the first,
    // so a server that buffered the stream would never finish it.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, Infallible>>(1);
    tokio::spawn(async move {
        let _ = tx.send(Ok("data: first\n\n".into())).await;
        FIRST_EVENT_SEEN.notified().await;
        let _ = tx.send(Ok("data: second\n\n".into())).await;
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap()
}

async fn stream_then_panic() -> Response {
    let stream = futures_util::stream::unfold(0_u8, |n| async move {
        match n {
            0 => Some((Ok::<_, Infallible>("partial ".to_owned()), 1)),
            _ => panic!("the stream broke"),
        }
    });
    Response::new(Body::from_stream(stream))
}

#[fc::http]
fn app() -> Router {
    Router::new()
        .route("/users/{id}", get(user))
        .route("/echo", post(echo).put(echo))
        .route("/invoke", post(|| async { "the app's own /invoke" }))
        .route(
            "/initialize",
            post(|| async { "the app's own /initialize" }),
        )
        .route("/context", get(context_seen))
        .route("/unavailable", get(unavailable))
        .route("/explode", get(explode))
        .route("/headers", get(forbidden_headers))
        .route("/events", get(events))
        .route("/stream-panic", get(stream_then_panic))
        .route("/", get(|| async { "home" }))
}

#[fc::invoke]
async fn event(name: String) -> String {
    format!("event {name}")
}

#[tokio::test]
async fn path_query_context_state_and_log_lines() {
    let server = start(fc::routes![init, app].into()).await;
    let resp = server.send(http("GET", "/users/7?page=3", "http-1")).await;
    assert_eq!(resp.expect_ok().json()["id"], 7);
    assert_eq!(
        resp.json(),
        json!({"id": 7, "page": 3, "path": "/users/7", "request_id": "http-1", "base_path": null, "greeting": "hello"})
    );
    let [s, e] = [
        "FC Initialize Start RequestId: http-1".to_owned(),
        "FC Initialize End RequestId: http-1".to_owned(),
    ];
    let [is, ie] = invoke_markers("http-1");
    assert_markers(&server, "http-1", &[s, e, is, ie]);
    let lines = log_lines("http-1");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].ends_with(" http-1 [INFO] fetching user id=7"),
        "{lines:?}"
    );
    server.stop().await;
}

/// The app's context holds every header of the request, whether fc copies them where
/// the request reaches the app (no layers of the user's) or before the user's layers,
/// which read the context too; and the base path is read before it is stripped.
#[tokio::test]
async fn the_apps_context_reads_every_header_with_and_without_layers() {
    let layered = fc::App::from(fc::routes![app]).layer(axum::middleware::from_fn(
        |req: axum::extract::Request, next: axum::middleware::Next| async move {
            let seen = req
                .extensions()
                .get::<fc::Context>()
                .and_then(|ctx| ctx.function_name().map(str::to_owned))
                .unwrap_or_default();
            let mut response = next.run(req).await;
            response
                .headers_mut()
                .insert("x-layer-saw", seen.parse().unwrap());
            response
        },
    ));
    for (app, layers) in [(fc::App::from(fc::routes![app]), false), (layered, true)] {
        let server = start(app).await;
        let resp = server
            .send(
                http("GET", "/shop/context", "ctx-1")
                    .header("x-fc-base-path", "/shop")
                    .header("x-fc-function-name", "shop-api")
                    .header("x-fc-access-key-id", "STS.key")
                    .header("x-fc-access-key-secret", "secret")
                    .header("x-custom", "yes"),
            )
            .await;
        assert_eq!(
            resp.expect_ok().json(),
            json!({
                "request_id": "ctx-1",
                "function_name": "shop-api",
                "access_key_id": "STS.key",
                "x_custom": "yes",
                "base_path": "/shop",
            }),
            "layers: {layers}"
        );
        let saw = resp.headers.get("x-layer-saw").map(|v| v.to_str().unwrap());
        assert_eq!(saw, layers.then_some("shop-api"));
        server.stop().await;
    }
}

/// What the initializer saw of the request that ran it.
struct Seen(Option<String>, Option<String>);

#[fc::initialize]
async fn init_reads_its_context(ctx: fc::Context) -> Result<Seen, fc::Error> {
    let custom = ctx.headers().get("x-custom").and_then(|v| v.to_str().ok());
    Ok(Seen(
        ctx.function_name().map(str::to_owned),
        custom.map(str::to_owned),
    ))
}

#[fc::http]
fn seen_app() -> Router {
    Router::new().route(
        "/seen",
        get(|seen: fc::State<Seen>| async move { Json(json!([seen.0, seen.1])) }),
    )
}

/// An HTTP request that comes before any `/initialize` runs the initializer first,
/// with its context: FC's headers and the request's own are there.
#[tokio::test]
async fn an_http_request_runs_the_initializer_with_its_headers() {
    let server = start(fc::routes![init_reads_its_context, seen_app].into()).await;
    let resp = server
        .send(
            http("GET", "/seen", "seen-1")
                .header("x-fc-function-name", "shop-api")
                .header("x-custom", "yes"),
        )
        .await;
    assert_eq!(resp.expect_ok().json(), json!(["shop-api", "yes"]));
    server.stop().await;
}

#[tokio::test]
async fn http_invoke_reaches_the_app_even_on_invoke_and_initialize_paths() {
    let server = start(fc::routes![app, event].into()).await;
    let resp = server.send(http("POST", "/invoke", "hi-1").body("x")).await;
    assert_eq!(resp.expect_ok().text(), "the app's own /invoke");
    let resp = server.send(http("POST", "/initialize", "hi-2")).await;
    assert_eq!(resp.expect_ok().text(), "the app's own /initialize");
    // The event function beside it still answers events.
    let resp = server.invoke("hi-3", "e").await;
    assert_eq!(resp.expect_ok().text(), "event e");
    assert_markers(&server, "hi-1", &invoke_markers("hi-1"));
    server.stop().await;
}

#[tokio::test]
async fn base_path_is_stripped_and_the_original_kept() {
    let server = start(fc::routes![init, app].into()).await;
    let base = "/2016-08-15/proxy/shop/users-fn/";
    let resp = server
        .send(
            http(
                "GET",
                "/2016-08-15/proxy/shop/users-fn/users/42?page=1",
                "bp-1",
            )
            .header("x-fc-base-path", base),
        )
        .await;
    let json = resp.expect_ok().json();
    assert_eq!(json["id"], 42);
    assert_eq!(json["path"], "/2016-08-15/proxy/shop/users-fn/users/42");
    assert_eq!(json["base_path"], base);
    let resp = server
        .send(http("GET", "/2016-08-15/proxy/shop/users-fn", "bp-2").header("x-fc-base-path", base))
        .await;
    assert_eq!(resp.expect_ok().text(), "home");
    server.stop().await;
}

#[tokio::test]
async fn method_headers_and_a_five_megabyte_body_pass_through() {
    let server = start(fc::routes![app].into()).await;
    let body: Vec<u8> = (0..5 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let sum: u64 = body.iter().map(|&b| u64::from(b)).sum();
    let resp = server
        .send(
            http("PUT", "/echo?a=1&b=two", "big-http")
                .header("x-custom", "kept")
                .body(body.clone()),
        )
        .await;
    assert_eq!(
        resp.expect_ok().json(),
        json!({"method": "PUT", "uri": "/echo?a=1&b=two", "x_custom": "kept", "len": body.len(), "sum": sum})
    );
    server.stop().await;
}

/// The app's body limit reaches axum's extractors: over it, the extractor refuses
/// with 413 (an answer of the app's, so `x-fc-status` is 200); at it, the body is read.
#[tokio::test]
async fn the_apps_body_limit_reaches_axums_extractors() {
    let server = start(fc::App::new().routes(fc::routes![app]).body_limit(1024)).await;
    let resp = server
        .send(http("PUT", "/echo", "limit-over").body(vec![b'x'; 1025]))
        .await;
    assert_eq!(resp.status, 413, "{}", resp.text());
    assert_eq!(resp.headers["x-fc-status"], "200");
    assert_markers(&server, "limit-over", &invoke_markers("limit-over"));
    let resp = server
        .send(http("PUT", "/echo", "limit-at").body(vec![b'x'; 1024]))
        .await;
    assert_eq!(resp.expect_ok().json()["len"], 1024);
    server.stop().await;
}

#[tokio::test]
async fn the_apps_status_passes_through_with_fc_status_200() {
    let server = start(fc::routes![app].into()).await;
    let resp = server.send(http("GET", "/unavailable", "st-1")).await;
    assert_eq!((resp.status, resp.fc_status()), (503, "200"));
    assert_eq!(resp.headers["retry-after"], "5");
    assert_eq!(resp.text(), "come back later");
    let resp = server.send(http("GET", "/no/such/route", "st-2")).await;
    assert_eq!(
        (resp.status, resp.fc_status()),
        (404, "200"),
        "the app's own 404"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_panic_is_404_without_its_text_and_the_server_keeps_serving() {
    let server = start(fc::routes![app].into()).await;
    let resp = server.send(http("GET", "/explode", "boom-1")).await;
    let error = resp.expect_failure();
    assert_eq!(error["errorType"], "Panic");
    assert!(error["errorMessage"].as_str().unwrap().contains("boom-1"));
    assert!(
        !resp.text().contains("5150"),
        "panic text leaked: {}",
        resp.text()
    );
    let lines = log_lines("boom-1");
    assert!(
        lines[0].contains("panicked at tests/it/http.rs:"),
        "{lines:?}"
    );
    assert!(
        lines[0].ends_with("panic text with a secret 5150"),
        "{lines:?}"
    );
    assert_markers(&server, "boom-1", &invoke_markers("boom-1"));
    server.send(http("GET", "/", "boom-2")).await.expect_ok();
    server.stop().await;
}

#[tokio::test]
async fn restricted_response_headers_are_dropped_and_ordinary_ones_kept() {
    let server = start(fc::routes![app].into()).await;
    let resp = server.send(http("GET", "/headers", "hd-1")).await;
    assert_eq!((resp.status, resp.fc_status()), (201, "200"));
    assert_eq!(resp.headers["x-kept"], "yes");
    assert_eq!(resp.headers["cache-control"], "no-store");
    for name in [
        "x-fc-request-id",
        "connection",
        "keep-alive",
        "server",
        "date",
        "content-disposition",
    ] {
        assert!(
            resp.headers.get(name).is_none(),
            "{name} was sent: {:?}",
            resp.headers
        );
    }
    assert_eq!(resp.headers.get_all("x-fc-status").iter().count(), 1);
    assert_eq!(resp.text(), "ok");
    let lines = log_lines("hd-1");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].ends_with(
            "[DEBUG] dropped response headers FC does not allow: x-fc-status, x-fc-request-id, connection, keep-alive, server, date, content-disposition"
        ),
        "{lines:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_plain_local_get_without_fc_headers() {
    let server = start(fc::routes![app, event, init].into()).await;
    let resp = server.send(Req::new("GET", "/users/1")).await;
    let json = resp.expect_ok().json();
    assert!(json["request_id"].as_str().unwrap().starts_with("1-"));
    let resp = server.send(Req::new("GET", "/")).await;
    assert_eq!(resp.expect_ok().text(), "home");
    // Without the header, POST /invoke is the event function.
    let resp = server.send(Req::new("POST", "/invoke").body("local")).await;
    assert_eq!(resp.expect_ok().text(), "event local");
    server.stop().await;
}

#[tokio::test]
async fn server_sent_events_arrive_before_the_stream_ends() {
    use http_body_util::BodyExt;

    let server = start(fc::routes![app].into()).await;
    let stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake::<
        _,
        http_body_util::Empty<Bytes>,
    >(hyper_util::rt::TokioIo::new(stream))
    .await
    .unwrap();
    tokio::spawn(connection);
    let request = hyper::Request::get("/events")
        .header("host", "127.0.0.1")
        .header("x-fc-control-path", "/http-invoke")
        .header("x-fc-request-id", "sse-1")
        .body(http_body_util::Empty::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.headers()["x-fc-status"], "200");
    assert_eq!(response.headers()["transfer-encoding"], "chunked");
    let mut body = response.into_body();
    // A guard against a hang, not a measurement: the second event waits for us.
    let first = tokio::time::timeout(Duration::from_secs(10), body.frame())
        .await
        .expect("the first event arrives while the stream is still open")
        .unwrap()
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(first, "data: first\n\n");
    assert!(
        !server
            .markers()
            .contains(&"FC Invoke End RequestId: sse-1".to_owned()),
        "the End marker waits for the stream"
    );
    FIRST_EVENT_SEEN.notify_one();
    let second = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert_eq!(second, "data: second\n\n");
    assert!(body.frame().await.is_none());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_markers(&server, "sse-1", &invoke_markers("sse-1"));
    server.stop().await;
}

#[fc::http]
async fn whole(req: fc::http::Request) -> String {
    format!("{} {}", req.method(), req.uri())
}

#[fc::invoke]
async fn missing_state_event() -> &'static str {
    "unused"
}

#[tokio::test]
async fn a_single_handler_receives_every_request() {
    let server = start(fc::routes![whole].into()).await;
    let resp = server.send(http("DELETE", "/any/path?q=1", "one-1")).await;
    assert_eq!(resp.expect_ok().text(), "DELETE /any/path?q=1");
    server.stop().await;
}

#[fc::http]
fn needs_state() -> Router {
    Router::new().route("/", get(|s: fc::State<u128>| async move { s.to_string() }))
}

#[tokio::test]
async fn a_missing_state_is_a_framework_failure() {
    let server = start(fc::routes![needs_state, missing_state_event].into()).await;
    let error = server
        .send(http("GET", "/", "nostate-1"))
        .await
        .expect_failure();
    assert_eq!(error["errorType"], "MissingState");
    server.stop().await;

    let server = start(
        fc::App::new()
            .routes(fc::routes![needs_state])
            .state(7_u128),
    )
    .await;
    assert_eq!(
        server
            .send(http("GET", "/", "state-1"))
            .await
            .expect_ok()
            .text(),
        "7"
    );
    server.stop().await;
}

#[tokio::test]
async fn keep_alive_connection_serves_http_and_events_alike() {
    let server = start(fc::routes![app, event].into()).await;
    let mut client: Client = server.connect().await;
    for i in 0..5 {
        client
            .send(http("GET", "/", &format!("mix-{i}")))
            .await
            .expect_ok();
        client
            .send(Req::invoke(&format!("mix-e{i}"), "x"))
            .await
            .expect_ok();
    }
    server.stop().await;
}

#[tokio::test]
async fn a_panic_while_streaming_ends_that_response_only() {
    let server = start(fc::routes![app].into()).await;
    let mut client = server.connect().await;
    let result = client.try_send(http("GET", "/stream-panic", "sp-1")).await;
    assert!(
        result.is_err(),
        "the response must not look complete: {result:?}"
    );
    let lines = log_lines("sp-1");
    assert!(
        lines.iter().any(|l| l.ends_with("the stream broke")),
        "{lines:?}"
    );
    assert_markers(&server, "sp-1", &invoke_markers("sp-1"));
    server.send(http("GET", "/", "sp-2")).await.expect_ok();
    server.stop().await;
}

/// Says which of the request's headers are marked sensitive, as the app sees them.
#[fc::http]
async fn sensitivity(req: fc::http::Request) -> String {
    let names = [
        "x-fc-access-key-id",
        "x-fc-access-key-secret",
        "x-fc-security-token",
        "authorization",
        "accept",
    ];
    let marked: Vec<String> = names
        .iter()
        .map(|name| match req.headers().get(*name) {
            Some(value) => format!("{name}={}", value.is_sensitive()),
            None => format!("{name} missing"),
        })
        .collect();
    let debug = format!("{:?}", req.headers());
    format!(
        "{} secrets in Debug: {}",
        marked.join(" "),
        debug.contains("SECRET")
    )
}

#[tokio::test]
async fn credential_headers_reach_the_app_marked_sensitive() {
    let server = start(fc::routes![sensitivity].into()).await;
    let resp = server
        .send(
            http("GET", "/", "sensitive-1")
                .header("x-fc-access-key-id", "AKID")
                .header("x-fc-access-key-secret", "SECRET-1")
                .header("x-fc-security-token", "SECRET-2")
                .header("authorization", "Bearer SECRET-3")
                .header("accept", "text/plain"),
        )
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(
        resp.text(),
        "x-fc-access-key-id=true x-fc-access-key-secret=true x-fc-security-token=true \
         authorization=true accept=false secrets in Debug: false"
    );
    server.stop().await;
}
