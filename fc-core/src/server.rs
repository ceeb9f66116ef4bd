//! The server loop: accept connections, serve each with hyper as FC expects, drain on
//! shutdown; and [`run`], which starts a Tokio runtime around it.

use std::borrow::Cow;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

use crate::drain::{Drain, Watcher};
use crate::layers::Stack;
use crate::log::Output;
use crate::upgrade;

/// What the loop needs besides the listener and the app.
pub(crate) struct Settings {
    pub(crate) output: Output,
    pub(crate) drain_time: Duration,
    pub(crate) runtime_name: Cow<'static, str>,
    /// The largest WebSocket message a client may send: the app's body limit.
    pub(crate) message_limit: usize,
    /// HTTP/2 keep-alive pings: their interval, if any (`App::http2_keep_alive`).
    #[cfg(feature = "http2")]
    pub(crate) http2_keep_alive: Option<Duration>,
}

/// Serves fc's stack on `listener` until `shutdown` completes, then lets connections in
/// flight finish (up to the drain time). Prints the runtime-inited line once
/// listening.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Stack,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let http = connection_builder(&settings);
    let Settings {
        output,
        drain_time,
        runtime_name,
        message_limit,
        ..
    } = settings;
    let address: SocketAddr = listener.local_addr()?;
    if cfg!(panic = "abort") {
        tracing::warn!(
            "built with panic = \"abort\": a panic ends the process and every invocation \
             in flight; build with panic = \"unwind\" to answer it with a 404 instead"
        );
    }
    tracing::info!("listening on {address}");
    output.line(format_args!(
        "FunctionCompute {runtime_name} runtime inited."
    ));

    let drain = Drain::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut accept_errors = AcceptErrors::default();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    if let Some(line) = accept_errors.accepted() {
                        tracing::info!("{line}");
                    }
                    stream
                }
                Err(e) => {
                    // Out of file descriptors and the like: keep serving the others,
                    // and say so once, then once a minute with a count.
                    if let Some(line) = accept_errors.failed(tokio::time::Instant::now(), &e) {
                        tracing::error!("{line}");
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        handle_connection(stream, app.clone(), &http, drain.watcher(), message_limit);
    }

    tracing::info!("shutting down: waiting for invocations in flight");
    drop(listener);
    if tokio::time::timeout(drain_time, drain.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("invocations still running after {drain_time:?}; stopping anyway");
    }
    output.flush();
    Ok(())
}

/// How often a failing `accept` is logged while it keeps failing.
const ACCEPT_ERROR_INTERVAL: Duration = Duration::from_secs(60);

/// The accept loop's failures, logged once and then as a count once a minute: out of
/// file descriptors, `accept` fails 20 times a second for as long as it lasts.
#[derive(Debug, Default)]
struct AcceptErrors {
    /// When the last line was logged, while failures go on.
    logged: Option<tokio::time::Instant>,
    /// Failures since that line.
    unlogged: u64,
}

impl AcceptErrors {
    /// The line to log for a failure at `now`, if any.
    fn failed(&mut self, now: tokio::time::Instant, error: &io::Error) -> Option<String> {
        match self.logged {
            None => {
                self.logged = Some(now);
                Some(format!(
                    "accepting a connection failed: {error} (while it fails, a count is \
                     logged once a minute)"
                ))
            }
            Some(at) if now.duration_since(at) < ACCEPT_ERROR_INTERVAL => {
                self.unlogged += 1;
                None
            }
            Some(_) => {
                self.logged = Some(now);
                let count = std::mem::take(&mut self.unlogged) + 1;
                Some(format!(
                    "accepting a connection failed {count} more time(s) in the last minute: \
                     {error}"
                ))
            }
        }
    }

    /// The line to log when a connection is accepted after failures, if any.
    fn accepted(&mut self) -> Option<String> {
        self.logged.take()?;
        let count = std::mem::take(&mut self.unlogged);
        Some(format!(
            "accepting connections works again ({count} more failure(s) since the last line)"
        ))
    }
}

/// How connections are served: HTTP/1.1 only, or (feature `http2`) HTTP/1.1 and h2c
/// prior knowledge, told apart by each connection's first bytes.
#[cfg(not(feature = "http2"))]
type ConnectionBuilder = hyper::server::conn::http1::Builder;
#[cfg(feature = "http2")]
type ConnectionBuilder = hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>;

/// HTTP/2 streams one connection may have open at once. FC sends all of an
/// instance's gRPC calls over one connection, up to 200 at once (its instance
/// concurrency); the headroom keeps streams that are ending from holding new ones up.
#[cfg(feature = "http2")]
pub(crate) const HTTP2_MAX_CONCURRENT_STREAMS: u32 = 1000;
/// HTTP/2 flow control: how much a client may send on one stream, and on the whole
/// connection, before the app has read it. hyper's 1 MB would let 200 streams share
/// 1 MB; these let a 32 MB message through in a few window updates, and bound what
/// one connection buffers.
#[cfg(feature = "http2")]
pub(crate) const HTTP2_STREAM_WINDOW: u32 = 4 * 1024 * 1024;
#[cfg(feature = "http2")]
pub(crate) const HTTP2_CONNECTION_WINDOW: u32 = 16 * 1024 * 1024;
/// The largest HTTP/2 frame fc accepts (the protocol's default is 16 KB): fewer
/// frames for large messages.
#[cfg(feature = "http2")]
pub(crate) const HTTP2_MAX_FRAME_SIZE: u32 = 256 * 1024;

/// The per-connection protocol settings, the same for every connection.
#[cfg(not(feature = "http2"))]
fn connection_builder(_: &Settings) -> ConnectionBuilder {
    let mut http = hyper::server::conn::http1::Builder::new();
    // FC keeps connections open for long: no idle or header-read timeout (hyper's
    // 30 s default applies only once a timer is set; we set none and say so
    // explicitly). FC forbids a `date` header on HTTP functions' responses: hyper's
    // goes.
    http.keep_alive(true)
        .header_read_timeout(None)
        .auto_date_header(false);
    http
}

/// The per-connection protocol settings, the same for every connection.
#[cfg(feature = "http2")]
fn connection_builder(settings: &Settings) -> ConnectionBuilder {
    let mut builder = ConnectionBuilder::new(hyper_util::rt::TokioExecutor::new());
    // HTTP/1.1 exactly as without the feature: keep-alive, no idle or header-read
    // timeout (the timer set below is HTTP/2's alone), no `date` header.
    builder
        .http1()
        .keep_alive(true)
        .header_read_timeout(None)
        .auto_date_header(false);
    // FC's one h2c connection per instance lives as long as the instance: hyper has
    // no idle timeout for HTTP/2, and pings are off unless configured (a frozen
    // instance cannot answer them, and would find its connection closed on thaw).
    let mut http2 = builder.http2();
    http2
        .auto_date_header(false)
        .max_concurrent_streams(HTTP2_MAX_CONCURRENT_STREAMS)
        .initial_stream_window_size(HTTP2_STREAM_WINDOW)
        .initial_connection_window_size(HTTP2_CONNECTION_WINDOW)
        .max_frame_size(HTTP2_MAX_FRAME_SIZE);
    if let Some(interval) = settings.http2_keep_alive {
        http2
            .timer(hyper_util::rt::TokioTimer::new())
            .keep_alive_interval(interval);
    }
    builder
}

/// Serves one connection on a task of its own until it closes, or, once a shutdown
/// starts, until its requests in flight are answered (an HTTP/2 connection gets a
/// GOAWAY and finishes its open streams).
fn handle_connection(
    stream: TcpStream,
    app: Stack,
    http: &ConnectionBuilder,
    mut watcher: Watcher,
    message_limit: usize,
) {
    let _ = stream.set_nodelay(true);
    // The IO outlives this task when the connection is upgraded (a WebSocket): it
    // holds a watcher, and the invocation of the upgrade (`upgrade`).
    let io = upgrade::Io::new(stream, watcher.clone(), message_limit);
    let slot = io.slot();
    #[cfg(feature = "http2")]
    let answers = io.answers();
    // The stack is always ready (its services say so): each request is one `call`,
    // with no router in front.
    let hyper_service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        slot.offer(&mut req);
        // An HTTP/2 stream's answer is counted while it is being made: on a busy
        // connection, writes wait for the others (`coalesce`).
        #[cfg(feature = "http2")]
        let count = (req.version() == http::Version::HTTP_2).then(|| answers.count());
        #[cfg(not(feature = "http2"))]
        let count = Default::default();
        let invocation = app.invoke(req.map(axum::body::Body::new), count);
        // HTTP/1.1 keeps the invocation's future in the connection's own state. HTTP/2
        // spawns a task per stream and moves the future on its way there: a box makes
        // each of those moves a pointer's (callgrind: 1.8 k fewer instructions per
        // gRPC call boxed, 0.9 k more per HTTP/1.1 invocation).
        #[cfg(feature = "http2")]
        let invocation = Box::pin(invocation);
        invocation
    });
    // With upgrades, an HTTP function's `101 Switching Protocols` hands the socket to
    // the app (WebSocket).
    #[cfg(not(feature = "http2"))]
    let connection = http
        .serve_connection(TokioIo::new(io), hyper_service)
        .with_upgrades();
    #[cfg(feature = "http2")]
    let connection = http
        .serve_connection_with_upgrades(TokioIo::new(io), hyper_service)
        .into_owned();
    tokio::spawn(async move {
        let mut connection = std::pin::pin!(connection);
        // Biased: the connection first, with no random draw on each of its wake-ups.
        let result = tokio::select! {
            biased;
            result = connection.as_mut() => result,
            () = watcher.stopping() => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(e) = result {
            tracing::debug!("connection ended: {e}");
        }
        drop(watcher);
    });
}

/// The port from FC's environment variables.
pub(crate) fn port_from(get: impl Fn(&str) -> Option<String>) -> io::Result<u16> {
    for name in ["FC_CUSTOM_LISTEN_PORT", "FC_SERVER_PORT"] {
        if let Some(value) = get(name).filter(|v| !v.trim().is_empty()) {
            return value.trim().parse().map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{name}={value:?} is not a port number"),
                )
            });
        }
    }
    Ok(9000)
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_failures_are_logged_once_then_counted_once_a_minute() {
        let t0 = tokio::time::Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let error = io::Error::from_raw_os_error(24); // EMFILE
        let mut errors = AcceptErrors::default();
        assert_eq!(errors.accepted(), None);
        let first = errors.failed(at(0), &error).unwrap();
        assert!(
            first.starts_with("accepting a connection failed: "),
            "{first}"
        );
        // 20 a second for a minute: nothing more until the minute is over.
        let mut lines = Vec::new();
        for i in 1..=1200 {
            lines.extend(errors.failed(at(i * 50), &error));
        }
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with(
                "accepting a connection failed 1200 more time(s) in the last minute: "
            ),
            "{lines:?}"
        );
        // Three more, then a connection is accepted: one line with the count.
        for i in 1..=3 {
            assert_eq!(errors.failed(at(60_000 + i * 50), &error), None);
        }
        assert_eq!(
            errors.accepted().as_deref(),
            Some("accepting connections works again (3 more failure(s) since the last line)")
        );
        assert_eq!(errors.accepted(), None);
        // A new failure later is logged at once again.
        assert!(errors.failed(at(70_000), &error).is_some());
    }

    #[test]
    fn port_order() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(name, _)| *name == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(port_from(env(&[])).unwrap(), 9000);
        assert_eq!(port_from(env(&[("FC_SERVER_PORT", "8000")])).unwrap(), 8000);
        assert_eq!(
            port_from(env(&[
                ("FC_SERVER_PORT", "8000"),
                ("FC_CUSTOM_LISTEN_PORT", "7000")
            ]))
            .unwrap(),
            7000
        );
        assert_eq!(
            port_from(env(&[
                ("FC_CUSTOM_LISTEN_PORT", ""),
                ("FC_SERVER_PORT", "8000")
            ]))
            .unwrap(),
            8000
        );
        let err = port_from(env(&[("FC_CUSTOM_LISTEN_PORT", "nine")])).unwrap_err();
        assert!(err.to_string().contains("FC_CUSTOM_LISTEN_PORT"));
    }
}
