//! The server loop: accept connections, serve each with hyper as FC expects, drain on
//! shutdown; and [`run`], which starts a Tokio runtime around it.

use std::borrow::Cow;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

use crate::app::App;
use crate::log::Output;
use crate::upgrade;

/// What the loop needs besides the listener and the app.
pub(crate) struct Settings {
    pub(crate) output: Output,
    pub(crate) drain_time: Duration,
    pub(crate) runtime_name: Cow<'static, str>,
}

/// Serves `app` on `listener` until `shutdown` completes, then lets connections in
/// flight finish (up to the drain time). Prints the runtime-inited line once
/// listening.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let Settings {
        output,
        drain_time,
        runtime_name,
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
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: keep serving the others.
                    tracing::error!("accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        handle_connection(stream, app.clone(), drain.watcher());
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

/// Serves one connection on a task of its own until it closes, or, once a shutdown
/// starts, until its requests in flight are answered.
fn handle_connection(stream: TcpStream, app: Router, mut watcher: Watcher) {
    let _ = stream.set_nodelay(true);
    // The IO outlives this task when the connection is upgraded (a WebSocket): it
    // holds a watcher, and the invocation of the upgrade (`upgrade`).
    let io = upgrade::Io::new(stream, watcher.clone());
    let slot = io.slot();
    let hyper_service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        slot.offer(&mut req);
        app.clone().oneshot(req.map(axum::body::Body::new))
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    // FC keeps connections open for long: no idle or header-read timeout (hyper's
    // 30 s default applies only once a timer is set; we set none and say so
    // explicitly). FC forbids a `date` header on HTTP functions' responses: hyper's
    // goes.
    http.keep_alive(true)
        .header_read_timeout(None)
        .auto_date_header(false);
    // With upgrades, an HTTP function's `101 Switching Protocols` hands the socket to
    // the app (WebSocket).
    let connection = http
        .serve_connection(TokioIo::new(io), hyper_service)
        .with_upgrades();
    tokio::spawn(async move {
        let mut connection = std::pin::pin!(connection);
        let result = tokio::select! {
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

/// What a shutdown waits for: every connection (and anything else that holds a
/// [`Watcher`]) is told to finish, and the shutdown completes once all are gone.
struct Drain {
    tx: watch::Sender<bool>,
}

impl Drain {
    fn new() -> Self {
        Self {
            tx: watch::Sender::new(false),
        }
    }

    fn watcher(&self) -> Watcher {
        Watcher(self.tx.subscribe())
    }

    /// Tells every watcher to finish, and waits until all have been dropped.
    async fn shutdown(&self) {
        self.tx.send_replace(true);
        self.tx.closed().await;
    }
}

/// Held by work a shutdown waits for.
#[derive(Clone)]
pub(crate) struct Watcher(watch::Receiver<bool>);

impl Watcher {
    /// Completes once a shutdown has started.
    async fn stopping(&mut self) {
        // An error means the drain is gone: nothing is waiting any more.
        let _ = self.0.wait_for(|stopping| *stopping).await;
    }
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

/// Starts a Tokio runtime and serves `app` (an [`App`], or the `Routes` of
/// `fc::routes![..]`) until SIGTERM or SIGINT. Exits the process with status 1 when
/// the server cannot start.
///
/// ```no_run
/// #[fc::invoke]
/// async fn hello(name: String) -> String {
///     format!("hello, {name}")
/// }
///
/// fn main() {
///     fc::run(fc::routes![hello]);
/// }
/// ```
pub fn run(app: impl Into<App>) {
    let app = app.into();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => fail_to_start(&e),
    };
    if let Err(e) = runtime.block_on(app.serve()) {
        fail_to_start(&e);
    }
}

fn fail_to_start(error: &dyn std::error::Error) -> ! {
    tracing::error!("fc: the function could not start: {error}");
    eprintln!("fc: the function could not start: {error}");
    std::process::exit(1)
}

#[cfg(test)]
mod tests {
    use super::*;

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
