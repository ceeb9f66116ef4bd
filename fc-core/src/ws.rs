//! WebSocket routes in HTTP functions (feature `ws`): axum's own
//! [`WebSocketUpgrade`] works unchanged, and
//! [`on_upgrade`] runs the socket's task inside its invocation.
//!
//! fc serves a WebSocket as one invocation: `FC Invoke Start` when the upgrade request
//! arrives, `FC Invoke End` when the socket closes, from either side (the app dropped
//! it, the client went away, the task ended or panicked), not when the `101` is sent.
//! The `101 Switching Protocols` keeps `Connection`, `Upgrade` and `Sec-WebSocket-*`
//! (FC's forbidden `connection` header is for ordinary responses). At the function's
//! timeout (`x-fc-function-timeout`, [`Context::deadline`](crate::Context::deadline))
//! fc logs why and closes the connection without a close frame, as FC itself does:
//! the client sees close code 1006, and the app's next `recv` or `send` fails (a task
//! waiting in `recv` is woken for it). A shutdown (SIGTERM) waits for open sockets as
//! for any invocation in flight, up to [`App::drain_time`](crate::App::drain_time).
//!
//! axum's `on_upgrade` spawns the socket's task outside the invocation's span, so
//! the lines that task logs carry no request id, and a panic in it goes to the
//! default panic hook (the socket still closes, alone, and the End marker still
//! prints). [`on_upgrade`] runs the task in the span: its lines carry the request id,
//! and a panic is logged as fc logs a panicking invocation.
//!
//! # Limits
//!
//! Every WebSocket fc serves, through [`on_upgrade`] or through axum's own
//! `WebSocketUpgrade::on_upgrade`, is guarded below the app's WebSocket library:
//! - a data message (all its frames) larger than the app's body limit
//!   ([`App::body_limit`](crate::App::body_limit), FC's 32 MB by default) is refused
//!   before it is buffered: fc sends a close frame with code 1009 (message too big)
//!   and ends the socket (the app's next `recv` ends);
//! - fc reads from the client only while the connection takes writes, so a client
//!   that sends (pings, say) and never reads stalls itself: its pongs do not pile up
//!   in the server's memory.
//!
//! [`on_upgrade`] also sets the socket's own limits to FC's: messages and frames up to
//! 32 MB ([`DEFAULT_BODY_LIMIT`](crate::DEFAULT_BODY_LIMIT)), and a write buffer
//! bounded at 128 KiB plus one such message. axum's own `WebSocketUpgrade` keeps
//! axum's: frames up to 16 MB (a larger frame closes the socket without a close
//! frame; set `max_frame_size` to accept one), an unbounded write buffer (bounded in
//! practice by fc's reads, above).
//!
//! ```
//! use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
//! use axum::response::Response;
//! use axum::routing::get;
//! use axum::Router;
//!
//! async fn echo(mut socket: WebSocket) {
//!     while let Some(Ok(message)) = socket.recv().await {
//!         tracing::info!("echo"); // carries the request id of the upgrade
//!         if let Message::Text(_) | Message::Binary(_) = message {
//!             if socket.send(message).await.is_err() {
//!                 break;
//!             }
//!         }
//!     }
//! }
//!
//! async fn socket(ws: WebSocketUpgrade) -> Response {
//!     fc::ws::on_upgrade(ws, echo) // instead of `ws.on_upgrade(echo)`
//! }
//!
//! #[fc::http]
//! fn app() -> Router {
//!     Router::new().route("/ws", get(socket))
//! }
//! # fn main() {}
//! ```

use std::future::Future;

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::response::Response;
use tracing::{Instrument, Span};

use crate::panic::CatchUnwind;

/// tungstenite's `write_buffer_size`, which axum keeps: writes are flushed once this
/// much is buffered.
const WRITE_BUFFER: usize = 128 * 1024;

/// [`WebSocketUpgrade::on_upgrade`], with the socket's task run inside the
/// invocation: its log lines carry the request id of the upgrade request, and a panic
/// in it is logged with that id. Call it in the handler that answers the upgrade.
///
/// A panic ends this socket alone (the client sees close code 1006); the process
/// keeps serving. The socket takes FC's limits (see [the module's docs](self#limits)).
pub fn on_upgrade<C, Fut>(ws: WebSocketUpgrade, callback: C) -> Response
where
    C: FnOnce(WebSocket) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let span = Span::current();
    let ws = ws
        .max_message_size(crate::DEFAULT_BODY_LIMIT)
        .max_frame_size(crate::DEFAULT_BODY_LIMIT)
        .max_write_buffer_size(WRITE_BUFFER + crate::DEFAULT_BODY_LIMIT);
    ws.on_upgrade(move |socket| {
        async move {
            if CatchUnwind::new(Box::pin(callback(socket))).await.is_err() {
                tracing::error!("the WebSocket task panicked: its socket is closed");
            }
        }
        .instrument(span)
    })
}
