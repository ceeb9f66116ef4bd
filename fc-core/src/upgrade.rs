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
//!
//! After a WebSocket upgrade the `Io` also guards the socket, whatever library the app
//! answers it with (fc's `ws::on_upgrade` or axum's own `on_upgrade`), since the
//! socket's bytes pass through it ([`Guard`]):
//! - it reads from the client only while the connection takes writes: a client that
//!   floods pings and never reads its pongs stalls itself instead of growing the
//!   WebSocket library's write buffer without bound;
//! - it reads the header of every frame the client sends, and a data message whose
//!   size passes the app's body limit (FC's 32 MB) is refused with a close frame, code
//!   1009 (message too big), before the library buffers it.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::task::{Context as TaskContext, Poll, Wake, Waker};

use hyper::upgrade::OnUpgrade;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tracing::Span;

use crate::context::Context;
use crate::drain::Watcher;
use crate::log::marker::MarkerGuard;

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
    parked: Arc<OnceLock<Upgrade>>,
    /// Whether the slot still needs looking at (nothing parked yet).
    waiting: bool,
    /// The largest WebSocket message a client may send (the app's body limit).
    message_limit: usize,
    /// After a WebSocket upgrade: the socket's guard.
    guard: Option<Box<Guard>>,
    /// Dropped with the `Io`: stops the watchdog when the socket closes first.
    _stop_watchdog: Option<oneshot::Sender<()>>,
    _watcher: Watcher,
    /// This connection's HTTP/2 answers: a write waits while enough are about to run
    /// (`coalesce`).
    #[cfg(feature = "http2")]
    answers: crate::coalesce::Answers,
}

/// What a connection's slot holds after an upgrade.
struct Upgrade {
    parked: Parked,
    /// The request asked for `Upgrade: websocket`: the socket gets a [`Guard`].
    websocket: bool,
}

/// A handle to a connection's slot, in the extensions of a request that asks for an
/// upgrade. Weak: only the connection's IO keeps what is parked alive.
#[derive(Clone)]
pub(crate) struct Slot {
    slot: Weak<OnceLock<Upgrade>>,
    websocket: bool,
}

impl Slot {
    /// Gives a request that asks for an upgrade (hyper put an `OnUpgrade` in its
    /// extensions) a handle to the slot; other requests get nothing.
    pub(crate) fn offer<B>(&self, req: &mut http::Request<B>) {
        if req.extensions().get::<OnUpgrade>().is_some() {
            let websocket = req
                .headers()
                .get(http::header::UPGRADE)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
            req.extensions_mut().insert(Slot {
                slot: self.slot.clone(),
                websocket,
            });
        }
    }

    /// Parks `parked` until the connection's IO drops. When the IO is already gone (or
    /// something was parked before), it drops now, printing the End marker.
    pub(crate) fn park(self, parked: Parked) {
        if let Some(slot) = self.slot.upgrade() {
            let _ = slot.set(Upgrade {
                parked,
                websocket: self.websocket,
            });
        }
    }
}

impl Io {
    /// `message_limit`: the largest WebSocket message a client may send.
    pub(crate) fn new(inner: TcpStream, watcher: Watcher, message_limit: usize) -> Self {
        Self {
            inner,
            parked: Arc::new(OnceLock::new()),
            waiting: true,
            message_limit,
            guard: None,
            _stop_watchdog: None,
            _watcher: watcher,
            #[cfg(feature = "http2")]
            answers: crate::coalesce::Answers::default(),
        }
    }

    /// The count of this connection's answers, for its HTTP/2 requests to keep.
    #[cfg(feature = "http2")]
    pub(crate) fn answers(&self) -> crate::coalesce::Answers {
        self.answers.clone()
    }

    /// A handle to this connection's slot, for its requests.
    pub(crate) fn slot(&self) -> Slot {
        Slot {
            slot: Arc::downgrade(&self.parked),
            websocket: false,
        }
    }

    /// Starts the watchdog once an invocation with a deadline is parked. hyper writes
    /// the `101` through this `Io` right after the invocation layer parks, so the
    /// first write after parking starts it.
    fn watch(&mut self) {
        let Some(upgrade) = self.parked.get() else {
            return;
        };
        self.waiting = false;
        if upgrade.websocket {
            self.guard = Some(Box::new(Guard::new(self.message_limit)));
        }
        let parked = &upgrade.parked;
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
                        if let Some(upgrade) = parked.get() {
                            upgrade.parked.expire(&socket);
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
        let this = &mut *self;
        match this.guard.as_deref_mut() {
            None => Pin::new(&mut this.inner).poll_read(cx, buf),
            Some(guard) => guard.poll_read(&mut this.inner, cx, buf),
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        #[cfg(feature = "http2")]
        if self.answers.write_waits(cx) {
            return Poll::Pending;
        }
        if self.waiting {
            let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
            // The `101` is written: the socket's guard starts after it.
            self.watch();
            return polled;
        }
        let this = &mut *self;
        match this.guard.as_deref_mut() {
            None => Pin::new(&mut this.inner).poll_write(cx, buf),
            Some(guard) => guard.poll_write(cx, |cx| Pin::new(&mut this.inner).poll_write(cx, buf)),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        #[cfg(feature = "http2")]
        if self.answers.write_waits(cx) {
            return Poll::Pending;
        }
        if self.waiting {
            let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
            self.watch();
            return polled;
        }
        let this = &mut *self;
        match this.guard.as_deref_mut() {
            None => Pin::new(&mut this.inner).poll_write_vectored(cx, bufs),
            Some(guard) => guard.poll_write(cx, |cx| {
                Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
            }),
        }
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

/// The close frame fc sends for a message over the limit: code 1009, "message too
/// big" (RFC 6455 §7.4.1). A server's frames are not masked.
const CLOSE_TOO_BIG: &[u8] = b"\x88\x11\x03\xf1message too big";

/// What fc enforces on an upgraded WebSocket, below the app's WebSocket library.
/// It starts once the `101` is written: a client waits for it before its first
/// frame (one that does not only confuses the guard of its own socket).
struct Guard {
    message_limit: usize,
    /// The client's frames, header by header.
    frames: FrameReader,
    /// The last write did not take all it was given (or none): the client is not
    /// reading, so fc does not read from it either until the socket is writable.
    write_blocked: bool,
    /// Over the limit: what is left of the client's bytes is discarded, up to its
    /// close frame.
    refused: Option<Refused>,
    /// Wakes the socket's reader and writer alike: a read that waits for the socket
    /// to be writable must not take the writer's place in Tokio's one write slot.
    wakers: Arc<Wakers>,
    waker: Waker,
}

/// After a message over the limit was refused.
struct Refused {
    /// How much more fc discards before it closes the connection outright.
    budget: usize,
}

impl Guard {
    fn new(message_limit: usize) -> Self {
        let wakers = Arc::new(Wakers::default());
        Self {
            message_limit,
            frames: FrameReader::default(),
            write_blocked: false,
            refused: None,
            waker: Waker::from(Arc::clone(&wakers)),
            wakers,
        }
    }

    fn poll_write(
        &mut self,
        cx: &mut TaskContext<'_>,
        write: impl FnOnce(&mut TaskContext<'_>) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        self.wakers.set(&self.wakers.write, cx.waker());
        let polled = write(&mut TaskContext::from_waker(&self.waker));
        self.write_blocked = polled.is_pending();
        if self.write_blocked {
            // Whoever waits to read waits for this write too.
            return Poll::Pending;
        }
        polled
    }

    fn poll_read(
        &mut self,
        inner: &mut TcpStream,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.write_blocked && self.refused.is_none() {
            self.wakers.set(&self.wakers.read, cx.waker());
            match inner.poll_write_ready(&mut TaskContext::from_waker(&self.waker)) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(_) => self.write_blocked = false,
            }
        }
        if self.refused.is_some() {
            return self.discard(inner, cx);
        }
        let start = buf.filled().len();
        std::task::ready!(Pin::new(&mut *inner).poll_read(cx, buf))?;
        let limit = self.message_limit;
        let over = self.frames.feed(&buf.filled()[start..], |header| {
            header.is_data() && header.message_len > limit as u64
        });
        let Some(at) = over else {
            return Poll::Ready(Ok(()));
        };
        // The app's library gets what came before the refused frame, and then the end
        // of the stream, once fc has told the client why.
        buf.set_filled(start + at);
        tracing::warn!(
            "a WebSocket client sent a message over the {limit}-byte limit (the app's body \
             limit): fc closes the socket with code 1009 (message too big)"
        );
        // The close frame goes out only between two of the app's frames, and whole;
        // otherwise the client is not reading anyway, and the connection just ends.
        let whole = !self.write_blocked
            && inner
                .try_write(CLOSE_TOO_BIG)
                .is_ok_and(|n| n == CLOSE_TOO_BIG.len());
        if whole {
            self.refused = Some(Refused {
                budget: limit.saturating_add(1024 * 1024),
            });
        } else {
            let _ = std::pin::pin!(&mut *inner).poll_shutdown(cx);
            self.refused = Some(Refused { budget: 0 });
        }
        if at > 0 {
            return Poll::Ready(Ok(()));
        }
        self.discard(inner, cx)
    }

    /// After the close frame: reads and drops what the client still sends (the rest of
    /// its message) until its own close frame, then ends the stream; the app's socket
    /// closes, and the client has read fc's close frame before the connection ends.
    fn discard(&mut self, inner: &mut TcpStream, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        let mut scratch = [0u8; 16 * 1024];
        loop {
            let Some(refused) = self.refused.as_mut() else {
                return Poll::Ready(Ok(()));
            };
            if refused.budget == 0 {
                let _ = Pin::new(&mut *inner).poll_shutdown(cx);
                return Poll::Ready(Ok(()));
            }
            let mut read = ReadBuf::new(&mut scratch);
            std::task::ready!(Pin::new(&mut *inner).poll_read(cx, &mut read))?;
            let bytes = read.filled();
            if bytes.is_empty() {
                return Poll::Ready(Ok(()));
            }
            refused.budget = refused.budget.saturating_sub(bytes.len());
            if self
                .frames
                .feed(bytes, |header| header.opcode == 8)
                .is_some()
            {
                let _ = Pin::new(&mut *inner).poll_shutdown(cx);
                return Poll::Ready(Ok(()));
            }
        }
    }
}

/// The last reader's and the last writer's wakers, woken together.
#[derive(Default)]
struct Wakers {
    read: Mutex<Option<Waker>>,
    write: Mutex<Option<Waker>>,
}

impl Wakers {
    fn set(&self, slot: &Mutex<Option<Waker>>, waker: &Waker) {
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }
}

impl Wake for Wakers {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        for slot in [&self.read, &self.write] {
            let waker = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

/// A frame header the client sent, with the size of the message so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Header {
    opcode: u8,
    /// This frame's payload, plus the earlier frames of a fragmented message.
    message_len: u64,
}

impl Header {
    /// Text, binary or a continuation of either (not a control frame).
    fn is_data(&self) -> bool {
        self.opcode & 0x8 == 0
    }
}

/// Follows a stream of WebSocket frames (RFC 6455 §5.2) header by header, skipping
/// the payloads.
#[derive(Debug, Default)]
struct FrameReader {
    header: [u8; 14],
    /// Header bytes read so far.
    have: usize,
    /// Payload bytes still to skip.
    payload: u64,
    /// The data message so far (its earlier frames).
    message: u64,
}

impl FrameReader {
    /// Reads `bytes`, calling `refuse` with each complete header; returns the offset
    /// in `bytes` where the first refused frame's header starts (0 when it started in
    /// an earlier call).
    fn feed(&mut self, bytes: &[u8], mut refuse: impl FnMut(Header) -> bool) -> Option<usize> {
        let mut i = 0;
        while i < bytes.len() {
            if self.payload > 0 {
                let skip = self.payload.min((bytes.len() - i) as u64);
                self.payload -= skip;
                i += skip as usize; // at most `bytes.len()`
                continue;
            }
            let start = i.saturating_sub(self.have);
            self.header[self.have] = bytes[i];
            self.have += 1;
            i += 1;
            let Some(len) = self.header_len() else {
                continue;
            };
            if self.have < len {
                continue;
            }
            let payload = self.payload_len();
            let opcode = self.header[0] & 0x0f;
            let fin = self.header[0] & 0x80 != 0;
            let data = opcode & 0x8 == 0;
            let message_len = if data {
                self.message.saturating_add(payload)
            } else {
                payload
            };
            self.have = 0;
            self.payload = payload;
            if data {
                self.message = if fin { 0 } else { message_len };
            }
            if refuse(Header {
                opcode,
                message_len,
            }) {
                return Some(start);
            }
        }
        None
    }

    /// The header's whole length, once its first two bytes say it.
    fn header_len(&self) -> Option<usize> {
        if self.have < 2 {
            return None;
        }
        let mask = if self.header[1] & 0x80 != 0 { 4 } else { 0 };
        let extended = match self.header[1] & 0x7f {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        Some(2 + extended + mask)
    }

    fn payload_len(&self) -> u64 {
        match self.header[1] & 0x7f {
            126 => u64::from(u16::from_be_bytes([self.header[2], self.header[3]])),
            127 => {
                let mut len = [0u8; 8];
                len.copy_from_slice(&self.header[2..10]);
                u64::from_be_bytes(len)
            }
            n => u64::from(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client frame: masked, with `len` payload bytes.
    fn frame(fin: bool, opcode: u8, len: usize) -> Vec<u8> {
        let mut f = vec![u8::from(fin) << 7 | opcode];
        match len {
            0..=125 => f.push(0x80 | len as u8),
            126..=65535 => {
                f.push(0x80 | 126);
                f.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                f.push(0x80 | 127);
                f.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        f.extend_from_slice(&[1, 2, 3, 4]);
        f.resize(f.len() + len, b'x');
        f
    }

    fn headers(stream: &[u8], chunk: usize) -> Vec<Header> {
        let mut reader = FrameReader::default();
        let mut seen = Vec::new();
        for part in stream.chunks(chunk) {
            reader.feed(part, |h| {
                seen.push(h);
                false
            });
        }
        seen
    }

    #[test]
    fn frames_are_followed_across_any_split() {
        let mut stream = frame(true, 1, 5);
        stream.extend(frame(false, 2, 300));
        stream.extend(frame(true, 9, 100)); // a ping between fragments
        stream.extend(frame(false, 0, 70_000));
        stream.extend(frame(true, 0, 1));
        stream.extend(frame(true, 8, 2));
        let want = [
            Header {
                opcode: 1,
                message_len: 5,
            },
            Header {
                opcode: 2,
                message_len: 300,
            },
            Header {
                opcode: 9,
                message_len: 100,
            },
            Header {
                opcode: 0,
                message_len: 70_300,
            },
            Header {
                opcode: 0,
                message_len: 70_301,
            },
            Header {
                opcode: 8,
                message_len: 2,
            },
        ];
        for chunk in [1, 2, 3, 7, 100, 4096, stream.len()] {
            assert_eq!(headers(&stream, chunk), want, "chunks of {chunk}");
        }
    }

    #[test]
    fn the_refused_frame_starts_where_its_header_does() {
        let mut stream = frame(true, 1, 10);
        let at = stream.len();
        stream.extend(frame(true, 2, 1000));
        let mut reader = FrameReader::default();
        assert_eq!(reader.feed(&stream, |h| h.message_len > 100), Some(at));
        // A header split over two reads: the offset in the second is 0.
        let mut reader = FrameReader::default();
        assert_eq!(
            reader.feed(&stream[..at + 1], |h| h.message_len > 100),
            None
        );
        assert_eq!(
            reader.feed(&stream[at + 1..], |h| h.message_len > 100),
            Some(0)
        );
        // A header that claims 2^62 bytes.
        let mut huge = vec![0x82, 0x80 | 127];
        huge.extend_from_slice(&(1u64 << 62).to_be_bytes());
        huge.extend_from_slice(&[0; 4]);
        let mut reader = FrameReader::default();
        assert_eq!(reader.feed(&huge, |h| h.message_len > 100), Some(0));
    }
}
