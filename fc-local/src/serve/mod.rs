//! `fc-local serve`: a local front door in front of a running function, forwarding
//! what arrives the way FC forwards it.
//!
//! - Event mode: the body of each `POST` (to any path) is an event, sent as
//!   `POST /invoke` with `x-fc-control-path: /invoke`; the caller gets the function's
//!   body, as FC's InvokeFunction returns it (a failure carries
//!   `x-fc-error-type: UnhandledInvocationError`).
//! - HTTP mode: each request goes to the function whole (method, path, query,
//!   headers, body) with `x-fc-control-path: /http-invoke`, and its response comes back
//!   without FC's reserved headers; bodies stream both ways. With `--base-path`, the
//!   front door answers under FC 2.0's default-domain prefix
//!   `/2016-08-15/proxy/<service>/<function>/` and says so in `x-fc-base-path`.
//!   A WebSocket upgrade is forwarded both ways ([`door`]); a client speaking
//!   HTTP/2 with prior knowledge (h2c, as gRPC clients do) reaches the function over
//!   one h2c connection, as FC's gateway reaches it for gRPC.

mod door;

pub(crate) use door::Door;

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

use crate::args::ServeArgs;
use crate::error::{Error, Kind};
use crate::function::Function;
use crate::group::Tracker;
use crate::logs::Logs;
use crate::ui::{Style, Ui};

/// The service name in FC 2.0's base path and `x-fc-service-name`.
const SERVICE: &str = "fc-local";

pub(crate) async fn run(args: ServeArgs, ui: Arc<Ui>) -> Result<(), Error> {
    let (listener, local) = bind(args.port).await?;
    let logs = Logs::new();
    let tracker = Tracker::follow(&logs, Arc::clone(&ui));
    let mut function = Function::start(&args.function, logs, &ui)?;
    function.listening(&args.function, &ui).await?;
    let base_path = args
        .base_path
        .then(|| base_path(&function.requests.identity().function_name));
    let door = Door::new(args.http, base_path, &tracker, &ui);
    let instance = door.start(&function, args.initializer).await;
    if !function
        .emulation
        .health_check_at_start(&function.requests, function.addr, &ui)
        .await
    {
        // The health check said why.
        function.stop(&ui, &tracker).await;
        return Err(Error::quiet(Kind::Fatal));
    }
    announce(&ui, &function.program, local, &door);

    let result = accept_loop(&listener, &door, &mut function, &ui).await;
    drop(listener);
    function.emulation.warn_disagreements(
        &function.logs.snapshot(),
        &instance.initialize_ids(),
        &ui,
    );
    function.stop(&ui, &tracker).await;
    result
}

/// FC 2.0's default-domain prefix for `function_name`.
pub(crate) fn base_path(function_name: &str) -> String {
    format!("/2016-08-15/proxy/{SERVICE}/{function_name}/")
}

/// The front door's listener on 127.0.0.1:`port`, and its address.
pub(crate) async fn bind(port: u16) -> Result<(TcpListener, SocketAddr), Error> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .await
        .map_err(|e| Error::fatal(format!("fc-local: cannot listen on 127.0.0.1:{port}: {e}")))?;
    let local = listener
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    Ok((listener, local))
}

/// `fc-local: serving `…` at http://127.0.0.1:9000/ (event mode: …); Ctrl-C stops it`.
pub(crate) fn announce(ui: &Ui, program: &str, local: SocketAddr, door: &Door) {
    let url = format!("http://{local}{}", door.base_path().unwrap_or("/"));
    let mode = if door.is_http() {
        "HTTP mode: every request is an HTTP invocation"
    } else {
        "event mode: POST an event to any path"
    };
    ui.say(&format!(
        "fc-local: serving `{program}` at {} ({mode}); Ctrl-C stops it",
        ui.paint(Style::Bold, &url)
    ));
}

async fn accept_loop(
    listener: &TcpListener,
    door: &Arc<Door>,
    function: &mut Function,
    ui: &Ui,
) -> Result<(), Error> {
    let mut shutdown = std::pin::pin!(shutdown_signal());
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                spawn_connection(stream, door);
            }
            () = &mut shutdown => {
                ui.say(&ui.paint(Style::Dim, "fc-local: stopping the function"));
                return Ok(());
            }
            _ = tick.tick() => {
                if let Some(status) = function.exited() {
                    // Said now: stopping it says more.
                    ui.say(&ui.paint(Style::Red, &format!("fc-local: the function exited ({status})")));
                    return Err(Error::quiet(Kind::Failed));
                }
            }
        }
    }
}

/// Serves one client connection through the door: HTTP/1.1 (keep-alive on,
/// upgrades allowed) or HTTP/2 with prior knowledge, told apart by its first bytes.
pub(crate) fn spawn_connection(stream: tokio::net::TcpStream, door: &Arc<Door>) {
    let door = Arc::clone(door);
    tokio::spawn(async move {
        let service = hyper::service::service_fn(move |req| {
            let door = Arc::clone(&door);
            async move { Ok::<_, Infallible>(door.handle(req).await) }
        });
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder.http1().keep_alive(true);
        let _ = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .await;
    });
}

/// Ctrl-C or SIGTERM.
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
