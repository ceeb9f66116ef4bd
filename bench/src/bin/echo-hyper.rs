//! The floor: the same FC work by hand on hyper alone, no router, no layers.

use std::convert::Infallible;
use std::io::Write;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

async fn invoke(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let id = req
        .headers()
        .get("x-fc-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("local")
        .to_owned();
    let _ = writeln!(std::io::stdout().lock(), "FC Invoke Start RequestId: {id}");
    let body = match req.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let (status, fc_status, json) = match fc_bench::echo(&body) {
        Ok(json) => (StatusCode::OK, "200", json),
        Err(e) => (StatusCode::NOT_FOUND, "404", e.to_string().into_bytes()),
    };
    let _ = writeln!(std::io::stdout().lock(), "FC Invoke End RequestId: {id}");
    let mut response = Response::new(Full::new(Bytes::from(json)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        "x-fc-status",
        hyper::header::HeaderValue::from_static(fc_status),
    );
    Ok(response)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", fc_bench::port())).await?;
    println!("FunctionCompute hyper runtime inited.");
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(invoke);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
