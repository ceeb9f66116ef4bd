//! The HTTP client the OTLP exporter sends with: hyper's, on the Tokio runtime fc
//! already runs, plain HTTP, with a short pool idle timeout because the instance may
//! have been frozen since a connection was last used.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use opentelemetry_http::{HttpClient, HttpError, Request, Response};

/// A pooled connection unused for this long is not reused. Collectors close idle
/// connections after tens of seconds, and a frozen instance does not notice: one
/// kept longer may be dead on thaw.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);
/// The most of a collector's answer read (it is a small protobuf message).
const MAX_RESPONSE_BODY: usize = 1024 * 1024;

/// Sends OTLP/HTTP requests with hyper. `http://` endpoints only: for `https://`,
/// pass your own client to [`Config::http_client`](super::Config::http_client).
#[derive(Clone, Debug)]
pub(crate) struct HyperClient {
    inner: Client<HttpConnector, Full<Bytes>>,
}

impl HyperClient {
    pub(crate) fn new() -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let inner = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_timer(TokioTimer::new())
            .build(connector);
        Self { inner }
    }
}

#[async_trait]
impl HttpClient for HyperClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let (parts, body) = request.into_parts();
        let first = self
            .inner
            .request(Request::from_parts(parts.clone(), Full::new(body.clone())))
            .await;
        let response = match first {
            Ok(response) => response,
            // A connection that could not be made: the collector is down; no retry.
            Err(e) if e.is_connect() => return Err(Box::new(e)),
            // A pooled connection the peer closed while the instance was frozen:
            // once more, on a new connection.
            Err(_) => {
                self.inner
                    .request(Request::from_parts(parts, Full::new(body)))
                    .await?
            }
        };
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, MAX_RESPONSE_BODY)
            .collect()
            .await?
            .to_bytes();
        Ok(Response::from_parts(parts, body))
    }
}
