//! What FC 3.0 forwards to an HTTP function beyond request and response (contract
//! §10): a WebSocket, through a real client, as one invocation from the upgrade to the
//! close; and HTTP/2 in cleartext with prior knowledge (h2c), FC's way to gRPC.

use futures_util::{SinkExt, StreamExt};
use http::header::{CONNECTION, HeaderValue, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE};
use http::{Method, Version};
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, error::ProtocolError};

use super::{Checker, LINE_GRACE, Outcome, REQUEST_TIMEOUT, Sent, Verdict, snippet};
use crate::client::{self, H2};
use crate::identity::{self, Control};
use crate::marker::{self, Kind};
use crate::ui;

impl Checker {
    /// A WebSocket to `path`: the `101` carries `Connection: upgrade` and `Upgrade:
    /// websocket`, a text message is answered, and the socket is one invocation (Start
    /// at the upgrade, End once it has closed).
    pub(super) async fn websocket(&mut self, path: Option<&str>) -> Outcome {
        let Some(path) = path else {
            let why = "no --websocket-path (a path where the app accepts WebSocket upgrades \
                       and answers a text message)";
            return (Verdict::Skip, why.into());
        };
        let id = identity::request_id();
        let mut request = self
            .requests
            .build(Method::GET, path, &id, Control::HttpInvoke, ());
        let uri = format!("ws://127.0.0.1:{}{path}", self.port);
        match uri.parse() {
            Ok(uri) => *request.uri_mut() = uri,
            Err(e) => return (Verdict::Fail, format!("--websocket-path `{path}`: {e}")),
        }
        let headers = request.headers_mut();
        headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
        if let Ok(key) = HeaderValue::from_str(&generate_key()) {
            headers.insert(SEC_WEBSOCKET_KEY, key);
        }
        let stream = match tokio::net::TcpStream::connect(self.addr).await {
            Ok(stream) => stream,
            Err(e) => return (Verdict::Fail, format!("cannot connect: {e}")),
        };
        let handshake = tokio::time::timeout(
            REQUEST_TIMEOUT,
            tokio_tungstenite::client_async(request, stream),
        )
        .await;
        self.sent.push(Sent {
            id: id.clone(),
            kind: Kind::Invoke,
        });
        let (mut socket, response) = match handshake {
            Ok(Ok(upgraded)) => upgraded,
            Ok(Err(e)) => return (Verdict::Fail, format!("GET {path}: {}", refused(&e))),
            Err(_) => {
                let why = format!(
                    "GET {path}: no answer to the upgrade within {} s",
                    REQUEST_TIMEOUT.as_secs()
                );
                return (Verdict::Fail, why);
            }
        };
        // The client library insists on both too; said here in FC's terms.
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        let connection = header(CONNECTION);
        if !connection.split(',').any(|t| t.trim() == "upgrade") || header(UPGRADE) != "websocket" {
            let why = format!(
                "the 101 lacks `Connection: upgrade` or `Upgrade: websocket` (got `{}`, `{}`)",
                header(CONNECTION),
                header(UPGRADE)
            );
            return (Verdict::Fail, why);
        }

        let token = format!("fc-local {}", identity::request_id());
        let answer = tokio::time::timeout(REQUEST_TIMEOUT, async {
            socket.send(Message::text(token.clone())).await?;
            while let Some(message) = socket.next().await {
                match message? {
                    Message::Text(text) => return Ok(Some(text.to_string())),
                    Message::Binary(bytes) => {
                        return Ok(Some(String::from_utf8_lossy(&bytes).into_owned()));
                    }
                    Message::Close(_) => return Ok(None),
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
                }
            }
            Ok::<_, WsError>(None)
        })
        .await;
        let answer = match answer {
            Ok(Ok(Some(answer))) => answer,
            Ok(Ok(None)) => {
                return (
                    Verdict::Fail,
                    format!("GET {path}: the socket closed instead of answering a text message"),
                );
            }
            Ok(Err(e)) => return (Verdict::Fail, format!("GET {path}: the socket: {e}")),
            Err(_) => {
                let why = format!(
                    "GET {path}: the text message got no answer within {} s",
                    REQUEST_TIMEOUT.as_secs()
                );
                return (Verdict::Fail, why);
            }
        };

        // Start at the upgrade; no End while the socket is open.
        let (start, end) = (Kind::Invoke.start(&id), Kind::Invoke.end(&id));
        let seen = |lines: &[crate::logs::Line], line: &str| {
            lines.iter().any(|l| marker::is(&l.text, line))
        };
        self.logs
            .wait_until(LINE_GRACE, |lines| seen(lines, &start))
            .await;
        let open = self.logs.snapshot();
        let mut problems = Vec::new();
        if !seen(&open, &start) {
            problems.push("no `FC Invoke Start` line for the upgrade request".to_owned());
        }
        if seen(&open, &end) {
            problems.push(
                "`FC Invoke End` while the socket was still open: a socket is one invocation \
                 until it closes"
                    .to_owned(),
            );
        }
        let closed = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let _ = socket.close(None).await;
            while let Some(Ok(_)) = socket.next().await {}
        })
        .await;
        if closed.is_err() {
            problems.push("the socket did not close after the client's close".to_owned());
        }
        let ended = self.logs.wait_until(LINE_GRACE, |l| seen(l, &end)).await;
        if !ended && !seen(&open, &end) {
            problems.push(format!(
                "no `FC Invoke End` line within {} s of the close",
                LINE_GRACE.as_secs()
            ));
        }
        if !problems.is_empty() {
            return (
                Verdict::Fail,
                format!("GET {path}: {}", problems.join("; ")),
            );
        }
        let why = format!(
            "GET {path} upgraded (101, Connection: upgrade, Upgrade: websocket), a text \
             message was answered (`{}`), Invoke Start at the upgrade and End after the close",
            answer.chars().take(60).collect::<String>()
        );
        (Verdict::Pass, why)
    }

    /// A request over HTTP/2 in cleartext with prior knowledge on the function's
    /// port, judged as an HTTP invocation; skipped when the runtime speaks HTTP/1 only.
    pub(super) async fn http2(&mut self, path: &str) -> Outcome {
        let not_h2 = |why: String| {
            let why = format!(
                "the runtime does not speak HTTP/2 with prior knowledge (h2c): {why}; FC \
                 needs it only for gRPC"
            );
            (Verdict::Skip, why)
        };
        let (id, request) = self.invocation(&[], path);
        let mut h2 = match H2::connect(self.addr).await {
            Ok(h2) => h2,
            Err(e) => return (Verdict::Fail, e),
        };
        let reply = match client::exchange_h2(&mut h2, request, REQUEST_TIMEOUT).await {
            Ok(reply) => reply,
            Err(e) => {
                return match client::refuses_h2c(self.addr).await {
                    Some(why) => not_h2(why),
                    None => (Verdict::Fail, format!("GET {path} over h2c: {e}")),
                };
            }
        };
        self.sent.push(Sent {
            id,
            kind: Kind::Invoke,
        });
        self.http_headers.push(reply.headers.clone());
        if reply.version != Version::HTTP_2 {
            let why = format!("GET {path} over h2c was answered in {:?}", reply.version);
            return (Verdict::Fail, why);
        }
        if reply.fc_status() == Some("200") {
            let why = format!(
                "GET {path} over h2c (prior knowledge) was answered {} in {}",
                reply.describe(),
                ui::duration(reply.elapsed)
            );
            (Verdict::Pass, why)
        } else {
            let why = format!(
                "GET {path} over h2c was answered {}; FC expects the app's status with \
                 x-fc-status: 200 {}",
                reply.describe(),
                snippet(&reply.text())
            );
            (Verdict::Fail, why)
        }
    }
}

/// Why the upgrade was refused, in FC's terms.
fn refused(e: &WsError) -> String {
    match e {
        WsError::Protocol(ProtocolError::MissingConnectionUpgradeHeader) => {
            "the 101 lacks `Connection: upgrade`, so WebSocket clients fail the connection \
             (RFC 6455 §4.1; FC forwards the 101 as the runtime sends it)"
                .to_owned()
        }
        WsError::Protocol(ProtocolError::MissingUpgradeWebSocketHeader) => {
            "the 101 lacks `Upgrade: websocket`, so WebSocket clients fail the connection"
                .to_owned()
        }
        WsError::Http(response) => {
            let body = response
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            format!(
                "answered {} instead of 101 Switching Protocols ({})",
                response.status().as_u16(),
                snippet(&body)
            )
        }
        other => format!("the WebSocket handshake failed: {other}"),
    }
}
