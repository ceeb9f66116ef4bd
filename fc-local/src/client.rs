//! Speaking HTTP/1.1 to the function over long-lived keep-alive connections, as FC
//! does.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode, Version};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// Every body sent: whole events, forwarded requests, bodies sent in parts.
pub(crate) type Body = BoxBody<Bytes, BoxError>;

/// How long connecting to the function may take once it listens.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// One keep-alive connection to the function.
#[derive(Debug)]
pub(crate) struct Conn {
    sender: SendRequest<Body>,
}

impl Conn {
    pub(crate) async fn connect(addr: SocketAddr) -> Result<Conn, String> {
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|_| format!("connecting to {addr} timed out"))?
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake with {addr}: {e}"))?;
        tokio::spawn(async move {
            // Ends when the function closes the connection; the next send says so.
            let _ = connection.await;
        });
        Ok(Conn { sender })
    }

    /// Whether the function has closed this connection.
    pub(crate) fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Waits until a request can go out; false when the function closed the
    /// connection (possibly only noticed now).
    pub(crate) async fn ready(&mut self) -> bool {
        self.sender.ready().await.is_ok()
    }

    /// Whether a request can go out now (no response still being read).
    fn is_ready(&self) -> bool {
        self.sender.is_ready()
    }

    /// Sends `request` and waits for the response head.
    pub(crate) async fn send(
        &mut self,
        request: Request<Body>,
    ) -> Result<Response<Incoming>, String> {
        self.sender
            .ready()
            .await
            .map_err(|e| format!("the connection is gone: {e}"))?;
        self.sender
            .send_request(request)
            .await
            .map_err(|e| format!("no response: {e}"))
    }
}

/// A whole response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) version: Version,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) elapsed: Duration,
}

impl Reply {
    /// The `x-fc-status` header, when present and text.
    pub(crate) fn fc_status(&self) -> Option<&str> {
        self.headers
            .get("x-fc-status")
            .and_then(|v| v.to_str().ok())
    }

    /// FC's reading of the answer: a success unless `x-fc-status` says otherwise (an
    /// answer without it counts as a success, as on FC).
    pub(crate) fn succeeded(&self) -> bool {
        self.fc_status().is_none_or(|s| s.trim() == "200")
    }

    /// `200 (x-fc-status: 200)`, or `500 (no x-fc-status)`.
    pub(crate) fn describe(&self) -> String {
        match self.fc_status() {
            Some(s) => format!("{} (x-fc-status: {s})", self.status.as_u16()),
            None => format!("{} (no x-fc-status)", self.status.as_u16()),
        }
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `request` on `conn` and reads the whole response, within `timeout`.
pub(crate) async fn exchange(
    conn: &mut Conn,
    request: Request<Body>,
    timeout: Duration,
) -> Result<Reply, String> {
    let start = Instant::now();
    let work = async {
        let response = conn.send(request).await?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| format!("reading the response body: {e}"))?
            .to_bytes();
        Ok(Reply {
            status: parts.status,
            version: parts.version,
            headers: parts.headers,
            body,
            elapsed: start.elapsed(),
        })
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| format!("no response within {} s", timeout.as_secs()))?
}

/// Idle keep-alive connections to the function, reused the way FC reuses them.
#[derive(Debug)]
pub(crate) struct Pool {
    addr: SocketAddr,
    idle: Mutex<Vec<Conn>>,
}

/// Idle connections kept at most.
const POOL_MAX_IDLE: usize = 64;

impl Pool {
    pub(crate) fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// An idle open connection, or a new one.
    pub(crate) async fn get(&self) -> Result<Conn, String> {
        {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            idle.retain(|c| !c.is_closed());
            if let Some(i) = idle.iter().position(Conn::is_ready) {
                return Ok(idle.swap_remove(i));
            }
        }
        Conn::connect(self.addr).await
    }

    /// Gives a connection back once its request is sent; it is reused when its
    /// response has been read.
    pub(crate) fn put(&self, conn: Conn) {
        if conn.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < POOL_MAX_IDLE {
            idle.push(conn);
        }
    }
}
