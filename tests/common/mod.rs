//! Test support: a real fc server on 127.0.0.1:0, an HTTP/1.1 client that speaks to
//! it the way FC does, and the log lines of one request.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::OnceLock;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing_subscriber::layer::SubscriberExt;

/// A server started for one test.
pub struct Server {
    pub addr: SocketAddr,
    /// Marker lines (and nothing else: log lines go to [`logs`]).
    pub output: fc::log::Output,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Starts `app` on 127.0.0.1:0 with its markers captured.
pub async fn start(app: fc::App) -> Server {
    logs(); // log lines of every test go to one captured subscriber
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let output = fc::log::Output::capture();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(app.output(output.clone()).serve_with(listener, async {
        let _ = rx.await;
    }));
    Server {
        addr,
        output,
        shutdown: Some(tx),
        task,
    }
}

impl Server {
    /// A new keep-alive connection.
    pub async fn connect(&self) -> Client {
        Client::connect(self.addr).await
    }

    /// One request on a fresh connection.
    pub async fn send(&self, req: Req) -> Resp {
        self.connect().await.send(req).await
    }

    /// `POST /invoke` with `x-fc-control-path: /invoke` and a request id.
    pub async fn invoke(&self, request_id: &str, body: impl Into<Bytes>) -> Resp {
        self.send(Req::invoke(request_id, body)).await
    }

    /// Stops accepting, waits for the server to return.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await.expect("join").expect("serve");
    }

    /// The marker lines printed so far.
    pub fn markers(&self) -> Vec<String> {
        self.output.captured().lines().map(str::to_owned).collect()
    }
}

/// A request as FC would send it.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Req {
    pub fn new(method: &'static str, path: &str) -> Self {
        Req {
            method,
            path: path.to_owned(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    pub fn invoke(request_id: &str, body: impl Into<Bytes>) -> Self {
        Req::new("POST", "/invoke")
            .header("x-fc-control-path", "/invoke")
            .header("x-fc-request-id", request_id)
            .header("content-type", "application/octet-stream")
            .body(body)
    }

    pub fn initialize(request_id: &str) -> Self {
        Req::new("POST", "/initialize")
            .header("x-fc-control-path", "/initialize")
            .header("x-fc-request-id", request_id)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn fc_status(&self) -> &str {
        self.headers
            .get("x-fc-status")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("<missing>")
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// Asserts 404 with `x-fc-status: 404` and FC's error body; returns the body.
    pub fn expect_failure(&self) -> serde_json::Value {
        assert_eq!(
            (self.status, self.fc_status()),
            (404, "404"),
            "{}",
            self.text()
        );
        let json = self.json();
        for key in ["errorMessage", "errorType", "stackTrace"] {
            assert!(json.get(key).is_some(), "no {key} in {json}");
        }
        json
    }

    /// Asserts 200 with `x-fc-status: 200`.
    pub fn expect_ok(&self) -> &Self {
        assert_eq!(
            (self.status, self.fc_status()),
            (200, "200"),
            "{}",
            self.text()
        );
        self
    }
}

/// One HTTP/1.1 keep-alive connection.
pub struct Client {
    sender: SendRequest<Full<Bytes>>,
    connection: JoinHandle<()>,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        let connection = tokio::spawn(async move {
            let _ = connection.await;
        });
        Client { sender, connection }
    }

    /// Sends a request; panics when the connection fails.
    pub async fn send(&mut self, req: Req) -> Resp {
        self.try_send(req).await.expect("request failed")
    }

    pub async fn try_send(&mut self, req: Req) -> Result<Resp, hyper::Error> {
        self.sender.ready().await?;
        let mut builder = hyper::Request::builder()
            .method(req.method)
            .uri(&req.path)
            .header("host", "127.0.0.1");
        for (name, value) in &req.headers {
            builder = builder.header(name, value);
        }
        let request = builder.body(Full::new(req.body)).expect("request");
        let response = self.sender.send_request(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Resp {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }

    pub fn is_closed(&self) -> bool {
        self.sender.is_closed() || self.connection.is_finished()
    }
}

/// One HTTP/2 connection in cleartext with prior knowledge (h2c), as FC's gateway
/// opens it; clones share it, each request is a stream of its own.
#[derive(Clone)]
pub struct H2Client {
    sender: hyper::client::conn::http2::SendRequest<Full<Bytes>>,
}

impl H2Client {
    pub async fn connect(addr: SocketAddr) -> H2Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let (sender, connection) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            TokioIo::new(stream),
        )
        .await
        .expect("h2 handshake");
        tokio::spawn(async move {
            let _ = connection.await;
        });
        H2Client { sender }
    }

    /// Sends a request on a new stream; panics when it fails.
    pub async fn send(&mut self, req: Req) -> Resp {
        self.sender.ready().await.expect("h2 connection ready");
        let response = self.sender.send_request(Self::request(req));
        Self::answer(response.await).await
    }

    /// Puts every request on its stream before any is awaited, so that they leave
    /// together; returns a future per request, in their order.
    pub async fn send_together(
        &mut self,
        reqs: impl IntoIterator<Item = Req>,
    ) -> Vec<std::pin::Pin<Box<dyn Future<Output = Resp> + Send>>> {
        self.sender.ready().await.expect("h2 connection ready");
        reqs.into_iter()
            .map(|req| {
                let response = self.sender.send_request(Self::request(req));
                Box::pin(async move { Self::answer(response.await).await }) as _
            })
            .collect()
    }

    fn request(req: Req) -> hyper::Request<Full<Bytes>> {
        let mut builder = hyper::Request::builder()
            .method(req.method)
            .uri(format!("http://127.0.0.1{}", req.path));
        for (name, value) in &req.headers {
            builder = builder.header(name, value);
        }
        builder.body(Full::new(req.body)).expect("request")
    }

    async fn answer(response: hyper::Result<hyper::Response<hyper::body::Incoming>>) -> Resp {
        let (parts, body) = response.expect("h2 request").into_parts();
        let body = body.collect().await.expect("h2 body").to_bytes();
        Resp {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }
}

/// Waits until the marker lines for `request_id` are exactly `expected` (an End line
/// may print just after the client has its answer: the server drops the response
/// body after sending its last frame), then asserts them. Gives up after 10 s.
pub async fn wait_for_markers(server: &Server, request_id: &str, expected: &[String]) {
    let suffix = format!("RequestId: {request_id}");
    for _ in 0..1000 {
        let count = server
            .markers()
            .iter()
            .filter(|l| l.ends_with(&suffix))
            .count();
        if count >= expected.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_markers(server, request_id, expected);
}

/// The global captured log output of this test binary: every `tracing` line any test
/// logs, in FC's format.
pub fn logs() -> &'static fc::log::Output {
    static LOGS: OnceLock<fc::log::Output> = OnceLock::new();
    LOGS.get_or_init(|| {
        let output = fc::log::Output::capture();
        let subscriber = tracing_subscriber::registry().with(fc::log::layer(output.clone()));
        tracing::subscriber::set_global_default(subscriber)
            .expect("one subscriber per test binary");
        output
    })
}

/// The captured log lines that carry `request_id`.
pub fn log_lines(request_id: &str) -> Vec<String> {
    let needle = format!(" {request_id} [");
    logs()
        .captured()
        .lines()
        .filter(|line| line.contains(&needle))
        .map(str::to_owned)
        .collect()
}

/// The markers FC expects around one invocation.
pub fn invoke_markers(request_id: &str) -> [String; 2] {
    [
        format!("FC Invoke Start RequestId: {request_id}"),
        format!("FC Invoke End RequestId: {request_id}"),
    ]
}

/// The markers FC's runtimes print around a lifecycle hook (`PreStop`, `PreFreeze`).
pub fn hook_markers(word: &str, request_id: &str) -> [String; 2] {
    [
        format!("FC {word} Start RequestId: {request_id}"),
        format!("FC {word} End RequestId: {request_id}"),
    ]
}

/// Asserts the marker lines for `request_id` are exactly `expected`, in order.
pub fn assert_markers(server: &Server, request_id: &str, expected: &[String]) {
    let suffix = format!("RequestId: {request_id}");
    let got: Vec<String> = server
        .markers()
        .into_iter()
        .filter(|l| l.ends_with(&suffix))
        .collect();
    assert_eq!(got, expected, "markers of {request_id}");
}
