//! Speaking HTTP/1.1 to the function over long-lived keep-alive connections, as FC
//! does, and HTTP/2 in cleartext with prior knowledge (h2c) over one long-lived
//! connection, as FC's gateway does for gRPC (contract §10).

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode, Version};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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
    sender: http1::SendRequest<Body>,
}

/// A TCP connection to the function, without Nagle's delay.
async fn tcp(addr: SocketAddr) -> Result<TcpStream, String> {
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| format!("connecting to {addr} timed out"))?
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

impl Conn {
    pub(crate) async fn connect(addr: SocketAddr) -> Result<Conn, String> {
        let stream = tcp(addr).await?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake with {addr}: {e}"))?;
        tokio::spawn(async move {
            // Ends when the function closes the connection (the next send says so),
            // or hands the connection over after a `101 Switching Protocols`.
            let _ = connection.with_upgrades().await;
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

/// One HTTP/2 connection to the function in cleartext with prior knowledge (h2c):
/// requests are its streams, side by side. Clones share the connection.
#[derive(Debug, Clone)]
pub(crate) struct H2 {
    addr: SocketAddr,
    sender: http2::SendRequest<Body>,
}

impl H2 {
    /// Opens the connection: the client preface goes out at once; whether the
    /// function speaks HTTP/2 shows at the first request ([`refuses_h2c`] tells why
    /// not).
    pub(crate) async fn connect(addr: SocketAddr) -> Result<H2, String> {
        let stream = tcp(addr).await?;
        let mut builder = http2::Builder::new(TokioExecutor::new());
        // FC's connection is long-lived and never pinged (a frozen instance could not
        // answer); windows large enough for FC's 32 MB messages to flow.
        builder
            .initial_stream_window_size(4 * 1024 * 1024)
            .initial_connection_window_size(16 * 1024 * 1024);
        let (sender, connection) = builder
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP/2 handshake with {addr}: {e}"))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(H2 { addr, sender })
    }

    /// Whether the connection is gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Sends `request` as a new stream and waits for the response head. The request
    /// becomes HTTP/2's: version 2, its `Host` as the `:authority` (the function's
    /// address without one).
    pub(crate) async fn send(
        &mut self,
        mut request: Request<Body>,
    ) -> Result<Response<Incoming>, String> {
        *request.version_mut() = Version::HTTP_2;
        let authority = request
            .headers_mut()
            .remove(http::header::HOST)
            .and_then(|host| host.to_str().ok().map(str::to_owned))
            .unwrap_or_else(|| self.addr.to_string());
        let path = request
            .uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned();
        *request.uri_mut() = format!("http://{authority}{path}")
            .parse()
            .map_err(|e| format!("the request's authority `{authority}`: {e}"))?;
        self.sender
            .ready()
            .await
            .map_err(|e| format!("the HTTP/2 connection is gone: {e}"))?;
        self.sender
            .send_request(request)
            .await
            .map_err(|e| format!("no HTTP/2 response: {e}"))
    }
}

/// Why the function at `addr` is not an HTTP/2 server, when it is not: it answers the
/// HTTP/2 client preface with anything but a SETTINGS frame (which an HTTP/2 server
/// sends first), such as an HTTP/1 status line, or closes the connection.
pub(crate) async fn refuses_h2c(addr: SocketAddr) -> Option<String> {
    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    /// A frame header's length, and where its type is.
    const FRAME_HEADER: usize = 9;
    const TYPE: usize = 3;
    const SETTINGS: u8 = 0x4;
    let mut stream = tcp(addr).await.ok()?;
    stream.write_all(PREFACE).await.ok()?;
    let mut first = [0u8; 64];
    let mut n = 0;
    let read = tokio::time::timeout(CONNECT_TIMEOUT, async {
        while n < FRAME_HEADER {
            match stream.read(&mut first[n..]).await {
                Ok(0) | Err(_) => break,
                Ok(more) => n += more,
            }
        }
    })
    .await;
    let first = &first[..n];
    if read.is_err() && first.is_empty() {
        // Silent: waiting for more of a request, as an HTTP/1 server would.
        return Some("it answered nothing to the HTTP/2 preface".into());
    }
    if first.len() > TYPE && first[TYPE] == SETTINGS {
        return None;
    }
    if first.is_empty() {
        return Some("it closed the connection at the HTTP/2 preface".into());
    }
    let text = String::from_utf8_lossy(first);
    let line = text.lines().next().unwrap_or_default().trim();
    if first.starts_with(b"HTTP/") {
        Some(format!(
            "it answered the HTTP/2 preface in HTTP/1 (`{line}`)"
        ))
    } else {
        Some(format!(
            "it answered the HTTP/2 preface with something other than HTTP/2 (`{line}`)"
        ))
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
    collect(conn.send(request), timeout).await
}

/// Sends `request` as a stream on `h2` and reads the whole response, within `timeout`.
pub(crate) async fn exchange_h2(
    h2: &mut H2,
    request: Request<Body>,
    timeout: Duration,
) -> Result<Reply, String> {
    collect(h2.send(request), timeout).await
}

/// The whole response `sent` answers with, within `timeout`.
async fn collect(
    sent: impl Future<Output = Result<Response<Incoming>, String>>,
    timeout: Duration,
) -> Result<Reply, String> {
    let start = Instant::now();
    let work = async {
        let response = sent.await?;
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
