//! A minimal FC custom runtime on hyper and tokio-tungstenite alone, without fc: HTTP/1.1
//! (with upgrades) and h2c on one port, a WebSocket echo at `/ws` (one invocation from
//! the upgrade to the close), a health path at `/healthz`, a streaming echo at
//! `/stream`, and every other request answered with what it got as JSON.
//! fc-local's tests run `check --http` and `serve --http` on it, independently of fc's
//! own WebSocket and HTTP/2 support:
//! `fc-local check --http --websocket-path /ws --health-path /healthz -- target/debug/examples/wire`.
//!
//! `WIRE_FAULTS` (comma-separated) breaks the contract on purpose: `ws-no-connection`
//! (a 101 without `Connection: upgrade`), `ws-end-at-upgrade` (the End marker at the
//! upgrade), `health-503`, `health-markers` (Invoke markers for the probe),
//! `h2-no-status` (HTTP/2 answers without `x-fc-status`), `no-h2` (HTTP/1.1 only).

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::{HeaderValue, Request, Response, StatusCode, Version, header};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

type Body = BoxBody<Bytes, hyper::Error>;

/// The faults `WIRE_FAULTS` asks for.
struct Faults(String);

impl Faults {
    fn has(&self, fault: &str) -> bool {
        self.0.split(',').any(|f| f.trim() == fault)
    }
}

fn marker(edge: &str, id: &str) {
    // One write per line, so lines of concurrent requests do not interleave.
    println!("FC Invoke {edge} RequestId: {id}");
}

fn full(text: impl Into<Bytes>) -> Body {
    Full::new(text.into())
        .map_err(|never| match never {})
        .boxed()
}

fn answer(
    status: StatusCode,
    fc_status: Option<&'static str>,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    if let Some(fc_status) = fc_status {
        response
            .headers_mut()
            .insert("x-fc-status", HeaderValue::from_static(fc_status));
    }
    response
}

async fn handle(faults: Arc<Faults>, mut req: Request<Incoming>) -> Response<Body> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let control = header("x-fc-control-path");
    let id = match header("x-fc-request-id") {
        id if id.is_empty() => "local".to_owned(),
        id => id,
    };
    let path = req.uri().path().to_owned();
    match (control.as_str(), path.as_str()) {
        ("", "/pre-stop") => {
            println!("FC PreStop Start RequestId: {id}");
            println!("FC PreStop End RequestId: {id}");
            return answer(StatusCode::OK, None, "");
        }
        ("/initialize", _) => {
            println!("FC Initialize Start RequestId: {id}");
            println!("FC Initialize End RequestId: {id}");
            return answer(StatusCode::OK, Some("200"), "");
        }
        (_, "/healthz") => {
            if faults.has("health-markers") {
                marker("Start", &id);
                marker("End", &id);
            }
            if faults.has("health-503") {
                return answer(StatusCode::SERVICE_UNAVAILABLE, None, "not ready");
            }
            return answer(StatusCode::OK, None, "ok");
        }
        _ => {}
    }
    marker("Start", &id);
    let upgrade = header("upgrade").eq_ignore_ascii_case("websocket");
    if path == "/ws" && upgrade {
        let key = header("sec-websocket-key");
        let on_upgrade = hyper::upgrade::on(&mut req);
        let end_at_close = !faults.has("ws-end-at-upgrade");
        if !end_at_close {
            marker("End", &id);
        }
        let socket_id = id.clone();
        tokio::spawn(async move {
            if let Ok(upgraded) = on_upgrade.await {
                let io = TokioIo::new(upgraded);
                let mut socket = WebSocketStream::from_raw_socket(io, Role::Server, None).await;
                while let Some(Ok(message)) = socket.next().await {
                    if message.is_text() || message.is_binary() {
                        if socket.send(message).await.is_err() {
                            break;
                        }
                    } else if message.is_close() {
                        break;
                    }
                }
            }
            if end_at_close {
                marker("End", &socket_id);
            }
        });
        let mut response = answer(StatusCode::SWITCHING_PROTOCOLS, None, "");
        let headers = response.headers_mut();
        if !faults.has("ws-no-connection") {
            headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        }
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
            headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
        }
        return response;
    }
    let h2 = req.version() == Version::HTTP_2;
    let fc_status = (!(h2 && faults.has("h2-no-status"))).then_some("200");
    if path == "/stream" {
        // Each part of the request body goes back as soon as it arrives.
        marker("End", &id);
        let mut response = Response::new(req.into_body().boxed());
        if let Some(fc_status) = fc_status {
            response
                .headers_mut()
                .insert("x-fc-status", HeaderValue::from_static(fc_status));
        }
        return response;
    }
    let method = req.method().to_string();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let version = format!("{:?}", req.version());
    let body = match req.into_body().collect().await {
        Ok(body) => String::from_utf8_lossy(&body.to_bytes()).into_owned(),
        Err(e) => format!("<unreadable body: {e}>"),
    };
    marker("End", &id);
    let echoed = serde_json::json!({
        "method": method,
        "path": path,
        "query": query,
        "version": version,
        "body": body,
    });
    let mut response = answer(StatusCode::OK, fc_status, echoed.to_string());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let faults = Arc::new(Faults(std::env::var("WIRE_FAULTS").unwrap_or_default()));
    let port = std::env::var("FC_SERVER_PORT").unwrap_or_else(|_| "9000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("0.0.0.0:{port}")).await?;
    println!("FunctionCompute wire runtime inited.");
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => accepted?,
            _ = sigterm.recv() => return Ok(()),
        };
        let _ = stream.set_nodelay(true);
        let faults = Arc::clone(&faults);
        tokio::spawn(async move {
            let http1_only = faults.has("no-h2");
            let service = hyper::service::service_fn(move |req| {
                let faults = Arc::clone(&faults);
                async move { Ok::<_, Infallible>(handle(faults, req).await) }
            });
            let io = TokioIo::new(stream);
            if http1_only {
                // (auto's `http1_only` does not apply to connections with upgrades.)
                let _ = hyper::server::conn::http1::Builder::new()
                    .auto_date_header(false)
                    .serve_connection(io, service)
                    .with_upgrades()
                    .await;
                return;
            }
            let mut builder = auto::Builder::new(TokioExecutor::new());
            // FC forbids a `date` header on an HTTP function's responses.
            builder.http1().auto_date_header(false).keep_alive(true);
            builder.http2().auto_date_header(false);
            let _ = builder.serve_connection_with_upgrades(io, service).await;
        });
    }
}
