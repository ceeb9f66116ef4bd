//! Upgraded connections (a WebSocket after its `101 Switching Protocols`) as
//! invocations that last as long as the socket.
//!
//! `server::handle_connection` wraps each connection's TCP stream in an [`Io`], which
//! holds a drain [`Watcher`] (a shutdown waits for the connection and, after an
//! upgrade, for the socket) and an empty slot. A request that asks for an upgrade
//! carries a [`Slot`] handle in its extensions. When the app answers `101`, the
//! invocation layer parks in the slot what the invocation keeps until the socket
//! closes ([`Parked`]: the End-marker guard, the span, the deadline) instead of
//! handing it to the response body. hyper's `Upgraded` owns the `Io`, so all of it
//! drops when the app drops the socket (it closed from either side, the app's task
//! ended or panicked) or the upgrade fails: the End marker prints then.
//!
//! With a deadline, the `Io` starts a watchdog when it writes the `101`. At the
//! deadline the watchdog logs why, shuts the TCP connection down without a close frame
//! (the client sees close code 1006, as when FC itself closes it at the function's
//! timeout; the app's reads and writes fail, so its socket loop ends) and prints the
//! End marker. It works whatever the app's task does, without its help.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::task::{Context as TaskContext, Poll};

use hyper::upgrade::OnUpgrade;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tracing::Span;

use crate::context::Context;
use crate::log::marker::MarkerGuard;
use crate::server::Watcher;

/// What an upgraded invocation keeps until its socket closes.
pub(crate) struct Parked {
    /// Prints the End marker when dropped: with the `Io`, or at the deadline.
    guard: Mutex<Option<MarkerGuard>>,
    /// The invocation's span: fc's own lines about the socket carry its request id.
    span: Span,
    context: Context,
    /// When fc closes the socket: the function's timeout, if enforced.
    deadline: Option<Instant>,
}

impl Parked {
    pub(crate) fn new(
        guard: Option<MarkerGuard>,
        span: Span,
        context: Context,
        deadline: Option<Instant>,
    ) -> Self {
        Self {
            guard: Mutex::new(guard),
            span,
            context,
            deadline,
        }
    }

    /// The deadline passed: logs why, closes the connection and ends the invocation.
    fn expire(&self, socket: &std::net::TcpStream) {
        {
            let _entered = self.span.enter();
            let seconds = self.context.function_timeout().map_or(0, |d| d.as_secs());
            tracing::warn!(
                "the upgraded connection (WebSocket) outlived the function's timeout of \
                 {seconds} s: fc closes it, as FC would (the client sees close code 1006)"
            );
        }
        if let Err(e) = socket.shutdown(std::net::Shutdown::Both) {
            tracing::debug!("shutting the upgraded connection down: {e}");
        }
        drop(
            self.guard
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
    }
}

/// A connection's TCP stream, with the slot where an upgrade parks its invocation.
pub(crate) struct Io {
    inner: TcpStream,
    parked: Arc<OnceLock<Parked>>,
    /// Whether the slot still needs looking at (nothing parked yet).
    waiting: bool,
    /// Dropped with the `Io`: stops the watchdog when the socket closes first.
    _stop_watchdog: Option<oneshot::Sender<()>>,
    _watcher: Watcher,
}

/// A handle to a connection's slot, in the extensions of a request that asks for an
/// upgrade. Weak: only the connection's IO keeps what is parked alive.
#[derive(Clone)]
pub(crate) struct Slot(Weak<OnceLock<Parked>>);

impl Slot {
    /// Gives a request that asks for an upgrade (hyper put an `OnUpgrade` in its
    /// extensions) a handle to the slot; other requests get nothing.
    pub(crate) fn offer<B>(&self, req: &mut http::Request<B>) {
        if req.extensions().get::<OnUpgrade>().is_some() {
            req.extensions_mut().insert(self.clone());
        }
    }

    /// Parks `parked` until the connection's IO drops. When the IO is already gone (or
    /// something was parked before), it drops now, printing the End marker.
    pub(crate) fn park(self, parked: Parked) {
        if let Some(slot) = self.0.upgrade() {
            let _ = slot.set(parked);
        }
    }
}

impl Io {
    pub(crate) fn new(inner: TcpStream, watcher: Watcher) -> Self {
        Self {
            inner,
            parked: Arc::new(OnceLock::new()),
            waiting: true,
            _stop_watchdog: None,
            _watcher: watcher,
        }
    }

    /// A handle to this connection's slot, for its requests.
    pub(crate) fn slot(&self) -> Slot {
        Slot(Arc::downgrade(&self.parked))
    }

    /// Starts the watchdog once an invocation with a deadline is parked. hyper writes
    /// the `101` through this `Io` right after the invocation layer parks, so the
    /// first write after parking starts it.
    fn watch(&mut self) {
        let Some(parked) = self.parked.get() else {
            return;
        };
        self.waiting = false;
        let Some(deadline) = parked.deadline else {
            return;
        };
        let socket = match clone_socket(&self.inner) {
            Ok(socket) => socket,
            Err(e) => {
                let _entered = parked.span.enter();
                tracing::warn!("fc cannot close this WebSocket at the function's timeout: {e}");
                return;
            }
        };
        let (stop, stopped) = oneshot::channel::<()>();
        self._stop_watchdog = Some(stop);
        let parked = Arc::downgrade(&self.parked);
        tokio::spawn(async move {
            tokio::select! {
                // The socket closed first (the sender dropped with the `Io`).
                _ = stopped => {}
                () = tokio::time::sleep_until(deadline) => {
                    if let Some(parked) = parked.upgrade() {
                        if let Some(parked) = parked.get() {
                            parked.expire(&socket);
                        }
                    }
                }
            }
        });
    }
}

/// A second handle to the connection's socket, for the watchdog to shut it down.
#[cfg(unix)]
fn clone_socket(stream: &TcpStream) -> io::Result<std::net::TcpStream> {
    use std::os::fd::AsFd;
    Ok(stream.as_fd().try_clone_to_owned()?.into())
}

#[cfg(not(unix))]
fn clone_socket(_: &TcpStream) -> io::Result<std::net::TcpStream> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "not supported on this platform",
    ))
}

impl AsyncRead for Io {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.waiting {
            self.watch();
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.waiting {
            self.watch();
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
