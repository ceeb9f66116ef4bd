//! [`App`]: router assembly, the server loop and start-up; [`run`].

use std::any::TypeId;
use std::borrow::Cow;
use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceExt};

use crate::context::Env;
use crate::endpoint::{Endpoint, EndpointService};
use crate::handler::Routes;
use crate::instance::Instance;
use crate::layers::catch_panic::{self, CatchPanicLayer};
use crate::layers::invocation::{InvocationService, Shared};
use crate::log::{self, Output};
use crate::state::States;

/// FC's limit for a synchronous invocation's body, and fc's default (32 MiB).
pub const DEFAULT_BODY_LIMIT: usize = 32 * 1024 * 1024;
/// The name in the start-up line `FunctionCompute <name> runtime inited.`; not an
/// official FC language name, as FC asks.
pub const DEFAULT_RUNTIME_NAME: &str = "fc-rust";
/// How long a shutdown waits for invocations in flight, by default.
pub const DEFAULT_DRAIN_TIME: Duration = Duration::from_secs(10);

type Svc = BoxCloneSyncService<Request, Response, Infallible>;
type LayerFn = Box<dyn FnOnce(Svc) -> Svc + Send>;
type AnyArc = Arc<dyn std::any::Any + Send + Sync>;

/// Everything configurable about a function's server.
///
/// ```no_run
/// #[fc::invoke]
/// async fn echo(event: fc::Bytes) -> fc::Bytes {
///     event
/// }
///
/// #[tokio::main]
/// async fn main() -> std::io::Result<()> {
///     fc::App::new()
///         .routes(fc::routes![echo])
///         .runtime_name("my-runtime")
///         .body_limit(8 * 1024 * 1024)
///         .serve()
///         .await
/// }
/// ```
pub struct App {
    routes: Routes,
    port: Option<u16>,
    runtime_name: Cow<'static, str>,
    body_limit: usize,
    layers: Vec<LayerFn>,
    states: HashMap<TypeId, AnyArc>,
    output: Output,
    drain_time: Duration,
    enforce_deadline: bool,
}

impl Default for App {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("routes", &self.routes)
            .field("port", &self.port)
            .field("runtime_name", &self.runtime_name)
            .field("body_limit", &self.body_limit)
            .field("layers", &self.layers.len())
            .field("states", &self.states.len())
            .field("drain_time", &self.drain_time)
            .field("enforce_deadline", &self.enforce_deadline)
            .finish()
    }
}

impl From<Routes> for App {
    fn from(routes: Routes) -> Self {
        App::new().routes(routes)
    }
}

impl App {
    /// An app with no functions, listening where FC says (see [`App::port`]).
    pub fn new() -> Self {
        Self {
            routes: Routes::default(),
            port: None,
            runtime_name: Cow::Borrowed(DEFAULT_RUNTIME_NAME),
            body_limit: DEFAULT_BODY_LIMIT,
            layers: Vec::new(),
            states: HashMap::new(),
            output: Output::stdout(),
            drain_time: DEFAULT_DRAIN_TIME,
            enforce_deadline: true,
        }
    }

    /// Adds the functions collected by `fc::routes![..]`.
    ///
    /// # Panics
    /// When two `#[fc::invoke]` (or two `#[fc::initialize]`) functions meet; the
    /// message names both.
    pub fn routes(mut self, routes: Routes) -> Self {
        self.routes = std::mem::take(&mut self.routes).merge(routes);
        self
    }

    /// Listens on this port instead of `FC_CUSTOM_LISTEN_PORT`, `FC_SERVER_PORT` or
    /// 9000. Port 0 picks a free one (logged at start-up).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// The `<name>` in `FunctionCompute <name> runtime inited.` (default `fc-rust`).
    pub fn runtime_name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.runtime_name = name.into();
        self
    }

    /// The largest event accepted, in bytes (default 32 MiB, FC's own limit). A larger
    /// one is answered with 404 and `errorType` `EventTooLarge`.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Sets instance state that handlers receive as `fc::State<T>`, for state that
    /// needs no initializer, or for tests.
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        States::insert_fixed(&mut self.states, value);
        self
    }

    /// How long a shutdown (SIGTERM, SIGINT) lets invocations in flight finish before
    /// the server returns anyway, with a warning (default 10 s).
    pub fn drain_time(mut self, drain_time: Duration) -> Self {
        self.drain_time = drain_time;
        self
    }

    /// Whether fc answers FC itself when an invocation outlives the function's
    /// timeout (`x-fc-function-timeout`, counted from the request's arrival): 404 with
    /// `errorType` `FunctionTimeout`, logged, with the End marker. On by default; the
    /// handler's future is dropped at that point. Without the header there is no
    /// deadline.
    pub fn enforce_deadline(mut self, enforce: bool) -> Self {
        self.enforce_deadline = enforce;
        self
    }

    /// Where markers and (with fc's subscriber) log lines go; stdout by default.
    pub fn output(mut self, output: Output) -> Self {
        self.output = output;
        self
    }

    /// Wraps every invocation in a tower layer (timeouts, metrics, …). Layers run
    /// inside fc's own: they see the request with its [`Context`](crate::Context) in
    /// the extensions, their panics are caught, and a status other than 200 from an
    /// event invocation reaches FC as 404. The last layer added is the outermost.
    ///
    /// The headers of event, initializer and hook requests (all FC's `x-fc-*`) have
    /// moved into the context by then: read them with
    /// [`Context::headers`](crate::Context::headers). HTTP invocations keep theirs.
    ///
    /// ```
    /// let app = fc::App::new().layer(tower::limit::ConcurrencyLimitLayer::new(64));
    /// ```
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<Svc> + Send + 'static,
        L::Service: Service<Request, Error = Infallible> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.layers.push(Box::new(move |svc: Svc| {
            BoxCloneSyncService::new(layer.layer(svc).map_response(IntoResponse::into_response))
        }));
        self
    }

    /// The app as an `axum::Router`, for tests (`tower::ServiceExt::oneshot`) or to
    /// serve it yourself. Every request goes through fc's dispatch.
    pub fn into_router(self) -> Router {
        Router::new().fallback_service(self.into_service())
    }

    fn into_service(self) -> InvocationService {
        catch_panic::install_hook();
        let instance = Arc::new(Instance::new(
            self.routes.initialize,
            States::new(self.states),
            self.output.clone(),
        ));
        let endpoint = Endpoint {
            invoke: self.routes.invoke,
            http: self.routes.http,
            pre_stop: self.routes.pre_stop,
            pre_freeze: self.routes.pre_freeze,
            app: Arc::default(),
            instance: Arc::clone(&instance),
            body_limit: self.body_limit,
        };
        let mut svc: Svc = BoxCloneSyncService::new(EndpointService(Arc::new(endpoint)));
        for layer in self.layers {
            svc = layer(svc);
        }
        InvocationService {
            inner: CatchPanicLayer.layer(svc),
            shared: Arc::new(Shared {
                env: Env::process(),
                instance,
                output: self.output,
                enforce_deadline: self.enforce_deadline,
            }),
        }
    }

    /// The port to listen on: [`App::port`], else `FC_CUSTOM_LISTEN_PORT`, else
    /// `FC_SERVER_PORT`, else 9000.
    fn resolve_port(&self) -> io::Result<u16> {
        if let Some(port) = self.port {
            return Ok(port);
        }
        port_from(|k| std::env::var(k).ok())
    }

    /// Binds `0.0.0.0` on the port FC gives, prints the runtime-inited line, and serves
    /// until SIGTERM or SIGINT. Installs fc's log subscriber unless one is set.
    pub async fn serve(self) -> io::Result<()> {
        log::init(&self.output);
        let port = self.resolve_port()?;
        let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, port))
            .await
            .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on port {port}: {e}")))?;
        self.serve_with(listener, shutdown_signal()).await
    }

    /// Serves on a listener you bound (tests bind `127.0.0.1:0`) until `shutdown`
    /// completes, then lets invocations in flight finish (up to [`App::drain_time`]). Prints the
    /// runtime-inited line once listening.
    pub async fn serve_with(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> io::Result<()> {
        let address: SocketAddr = listener.local_addr()?;
        let output = self.output.clone();
        let drain_time = self.drain_time;
        let runtime_name = self.runtime_name.clone();
        let service = self.into_router();
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

        let graceful = GracefulShutdown::new();
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
            let _ = stream.set_nodelay(true);
            let service = service.clone();
            let hyper_service = hyper::service::service_fn(move |req: Request<Incoming>| {
                service.clone().oneshot(req.map(axum::body::Body::new))
            });
            let mut http = hyper::server::conn::http1::Builder::new();
            // FC keeps connections open for long: no idle or header-read timeout
            // (hyper's 30 s default applies only once a timer is set; we set none and
            // say so explicitly).
            // FC forbids a `date` header on HTTP functions' responses: hyper's goes.
            http.keep_alive(true)
                .header_read_timeout(None)
                .auto_date_header(false);
            let connection = http.serve_connection(TokioIo::new(stream), hyper_service);
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!("connection ended: {e}");
                }
            });
        }

        tracing::info!("shutting down: waiting for invocations in flight");
        drop(listener);
        if tokio::time::timeout(drain_time, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("invocations still running after {drain_time:?}; stopping anyway");
        }
        output.flush();
        Ok(())
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

async fn shutdown_signal() {
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
