//! The same FC work as echo-fc, by hand on axum: markers on stdout, `x-fc-status`,
//! the JSON echo, 404 on a bad event.

use std::io::Write;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

async fn invoke(headers: HeaderMap, body: Bytes) -> Response {
    let id = headers
        .get("x-fc-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("local")
        .to_owned();
    let _ = writeln!(std::io::stdout().lock(), "FC Invoke Start RequestId: {id}");
    let response = match fc_bench::echo(&body) {
        Ok(json) => (
            StatusCode::OK,
            [("x-fc-status", "200"), ("content-type", "application/json")],
            json,
        )
            .into_response(),
        Err(e) => (
            StatusCode::NOT_FOUND,
            [("x-fc-status", "404"), ("content-type", "application/json")],
            serde_json::json!({"errorMessage": e.to_string(), "errorType": "InvalidEvent", "stackTrace": []})
                .to_string(),
        )
            .into_response(),
    };
    let _ = writeln!(std::io::stdout().lock(), "FC Invoke End RequestId: {id}");
    response
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let app = Router::new()
        .route("/invoke", post(invoke))
        .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024));
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", fc_bench::port())).await?;
    println!("FunctionCompute axum runtime inited.");
    axum::serve(listener, app).await
}
