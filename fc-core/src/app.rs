//! [`App`]: everything configurable about a function's server, and the stack it
//! builds.

use std::any::TypeId;
use std::borrow::Cow;
use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use tokio::net::TcpListener;
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceExt};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::util::SubscriberInitExt;

use crate::context::Env;
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::health::{HealthCheck, HealthProbe};
use crate::http_function::HttpFunction;
use crate::instance::Instance;
use crate::layers::invocation::Shared;
use crate::layers::{self, LayerFn, Svc};
use crate::log::{self, Output};
use crate::panic;
use crate::routes::{AnyArc, Routes};
use crate::server;
use crate::state::States;

/// FC's limit for a synchronous invocation's body, and fc's default (32 MiB).
pub const DEFAULT_BODY_LIMIT: usize = 32 * 1024 * 1024;
/// The name in the start-up line `FunctionCompute <name> runtime inited.`; not an
/// official FC language name, as FC asks.
pub const DEFAULT_RUNTIME_NAME: &str = "fc-rust";
/// How long a shutdown waits for invocations in flight, by default.
pub const DEFAULT_DRAIN_TIME: Duration = Duration::from_secs(10);

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
    health: Option<HealthCheck>,
    #[cfg(feature = "http2")]
    http2_keep_alive: Option<Duration>,
}

impl Default for App {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("App");
        debug
            .field("routes", &self.routes)
            .field("port", &self.port)
            .field("runtime_name", &self.runtime_name)
            .field("body_limit", &self.body_limit)
            .field("layers", &self.layers.len())
            .field("states", &self.states.len())
            .field("drain_time", &self.drain_time)
            .field("enforce_deadline", &self.enforce_deadline)
            .field("health_check", &self.health.as_ref().map(|h| &h.path));
        #[cfg(feature = "http2")]
        debug.field("http2_keep_alive", &self.http2_keep_alive);
        debug.finish()
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
            health: None,
            #[cfg(feature = "http2")]
            http2_keep_alive: None,
        }
    }

    /// Adds the functions collected by `fc::routes![..]`.
    ///
    /// # Panics
    /// When two functions of one kind meet (two `#[fc::invoke]`, two `#[fc::http]`, …);
    /// the message names both.
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

    /// How long a shutdown (SIGTERM, SIGINT) lets invocations in flight (open
    /// WebSockets included) finish before the server returns anyway, with a warning
    /// (default 10 s).
    pub fn drain_time(mut self, drain_time: Duration) -> Self {
        self.drain_time = drain_time;
        self
    }

    /// Whether fc answers FC itself when an invocation outlives the function's
    /// timeout (`x-fc-function-timeout`, counted from the request's arrival): 404 with
    /// `errorType` `FunctionTimeout`, logged, with the End marker. On by default; the
    /// handler's future is dropped at that point. An upgraded connection (WebSocket)
    /// is closed then, without a close frame. Without the header there is no deadline.
    pub fn enforce_deadline(mut self, enforce: bool) -> Self {
        self.enforce_deadline = enforce;
        self
    }

    /// Answers FC's health check (`healthCheckConfig.httpGetUrl` in `s.yaml`) at
    /// `path`, e.g. [`DEFAULT_HEALTH_PATH`](crate::DEFAULT_HEALTH_PATH) (`/healthz`),
    /// which the deploy templates use: a `GET` or `HEAD` of it answers 200 once the
    /// instance can serve (the initializer succeeded, is absent or has not run yet;
    /// the HTTP function's app is built) and 503 with the reason while the
    /// initializer runs or after it failed. No markers: it is not an invocation. It
    /// answers at once, never behind a running initializer, and takes the path
    /// before an HTTP function's own routes.
    ///
    /// ```no_run
    /// #[fc::http]
    /// fn app() -> axum::Router {
    ///     axum::Router::new()
    /// }
    ///
    /// fn main() {
    ///     fc::run(fc::App::from(fc::routes![app]).health_check(fc::DEFAULT_HEALTH_PATH));
    /// }
    /// ```
    pub fn health_check(mut self, path: impl Into<String>) -> Self {
        self.health = Some(HealthCheck::new(path.into()));
        self
    }

    /// [`App::health_check`], and once the instance is ready, also `check` (a
    /// database ping, a model loaded): its `Err`, a panic, or no answer within
    /// [`CHECK_TIMEOUT`](crate::health::CHECK_TIMEOUT) answers 503 with the reason.
    /// See [`HealthProbe`] for an example.
    pub fn health_check_with<F, Fut>(mut self, path: impl Into<String>, check: F) -> Self
    where
        F: Fn(HealthProbe) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Error>> + Send + 'static,
    {
        self.health = Some(HealthCheck::with(path.into(), check));
        self
    }

    /// Sends an HTTP/2 keep-alive ping on each h2c connection every `interval`, and
    /// closes a connection whose ping goes unanswered for 20 s. Off by default, as it
    /// should stay on FC: FC's connection to an instance is never idle-closed, and a
    /// frozen instance answers no ping (its connection would be closed on thaw). For
    /// clients behind NATs or proxies that drop quiet connections. Feature `http2`.
    #[cfg(feature = "http2")]
    pub fn http2_keep_alive(mut self, interval: Duration) -> Self {
        self.http2_keep_alive = Some(interval);
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
    /// FC's health check ([`App::health_check`]) and the pre-stop and pre-freeze hooks
    /// bypass them, so a concurrency or rate limit never queues FC's probe; the
    /// layers see every invocation and `/initialize`.
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

    /// fc's stack around the user's functions: see [`layers::stack`].
    fn into_service(self) -> layers::Stack {
        panic::install_hook();
        let instance = Arc::new(Instance::new(
            self.routes.initialize,
            States::new(self.states),
            self.output.clone(),
        ));
        let health_path = self.health.as_ref().map(|h| h.path.clone());
        let endpoint = Endpoint {
            invoke: self.routes.invoke,
            http: self
                .routes
                .http
                .map(|build| HttpFunction::new(build, self.body_limit)),
            pre_stop: self.routes.pre_stop,
            pre_freeze: self.routes.pre_freeze,
            health: self.health,
            instance: Arc::clone(&instance),
            body_limit: self.body_limit,
        };
        let shared = Shared {
            env: Env::process(),
            instance,
            output: self.output,
            enforce_deadline: self.enforce_deadline,
            health_path,
        };
        layers::stack(shared, self.layers, endpoint)
    }

    /// The port to listen on: [`App::port`], else `FC_CUSTOM_LISTEN_PORT`, else
    /// `FC_SERVER_PORT`, else 9000.
    fn resolve_port(&self) -> io::Result<u16> {
        if let Some(port) = self.port {
            return Ok(port);
        }
        server::port_from(|k| std::env::var(k).ok())
    }

    /// Binds `0.0.0.0` on the port FC gives, prints the runtime-inited line, and serves
    /// until SIGTERM or SIGINT. Installs fc's log subscriber unless one is set.
    pub async fn serve(self) -> io::Result<()> {
        install_subscriber(&self.output);
        let port = self.resolve_port()?;
        let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, port))
            .await
            .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on port {port}: {e}")))?;
        self.serve_with(listener, server::shutdown_signal()).await
    }

    /// Serves on a listener you bound (tests bind `127.0.0.1:0`) until `shutdown`
    /// completes, then lets invocations in flight finish (up to [`App::drain_time`]). Prints the
    /// runtime-inited line once listening.
    pub async fn serve_with(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> io::Result<()> {
        let settings = server::Settings {
            output: self.output.clone(),
            drain_time: self.drain_time,
            runtime_name: self.runtime_name.clone(),
            message_limit: self.body_limit,
            #[cfg(feature = "http2")]
            http2_keep_alive: self.http2_keep_alive,
        };
        let served = server::serve(listener, self.into_service(), settings, shutdown).await;
        // With `otel`: spans that ended after their request leave now.
        #[cfg(feature = "otel")]
        crate::otel::flush().await;
        served
    }
}

/// Installs fc's subscriber as the global default, unless one is set already: FC's
/// text format, or JSON lines with `RUST_LOG_FORMAT=json`. With
/// the `otel` feature it first installs the exporter the `OTEL_*` variables name, and
/// adds the OpenTelemetry layer (same filter) when there is one.
fn install_subscriber(output: &Output) {
    #[cfg(feature = "otel")]
    let otel = crate::otel::install_from_env();
    if tracing::dispatcher::has_been_set() {
        return;
    }
    let rust_log = std::env::var("RUST_LOG").ok();
    let (filter, problem) = match log::filter_from(rust_log.as_deref()) {
        Ok(filter) => (filter, None),
        Err(problem) => (
            Targets::new().with_default(LevelFilter::INFO),
            Some(problem),
        ),
    };
    // A level asked for and left out of the build is said, not silently missing.
    let compiled_out = log::compiled_out(&filter, tracing::level_filters::STATIC_MAX_LEVEL);
    // The filter applies to the whole subscriber (fc's layers share it): cheaper per
    // span and event than a filter per layer.
    let format = std::env::var("RUST_LOG_FORMAT").ok();
    let (format, format_problem) = log::Format::from_env(format.as_deref());
    if format == log::Format::Json {
        log::stdout::report_in_json();
    }
    // fc's own subscriber, unless spans are exported: the OpenTelemetry layer needs
    // tracing-subscriber's registry, with fc's layer beside it.
    let installed = match () {
        #[cfg(feature = "otel")]
        () if otel => {
            use tracing_subscriber::layer::SubscriberExt;
            tracing_subscriber::registry()
                .with(filter)
                .with(log::format_layer(output.clone(), format))
                .with(crate::otel::layer())
                .try_init()
        }
        () => log::FcSubscriber::new(filter, output.clone(), format).try_init(),
    }
    .is_ok();
    if let (true, Some(problem)) = (installed, problem) {
        tracing::warn!("ignoring unreadable {problem}; logging at INFO");
    }
    if let (true, Some(problem)) = (installed, format_problem) {
        tracing::warn!("ignoring {problem}; logging in FC's text format");
    }
    if let (true, Some(problem)) = (installed, compiled_out) {
        tracing::warn!("{problem}");
    }
}

/// Starts a Tokio runtime and serves `app` (an [`App`], or the `Routes` of
/// `fc::routes![..]`) until SIGTERM or SIGINT, lets invocations in flight finish (up
/// to [`App::drain_time`]) and returns; blocking tasks (`spawn_blocking`) still
/// running get one more second, and are then left behind as the process exits.
/// Exits the process with status 1 when the server cannot start.
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
    // Dropping the runtime would wait for every `spawn_blocking` task still running,
    // however long: the drain time is the bound, plus this grace.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
}

/// How long [`run`] waits, after the drain, for blocking tasks (`spawn_blocking`)
/// still running before the process exits anyway.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

fn fail_to_start(error: &dyn std::error::Error) -> ! {
    tracing::error!("fc: the function could not start: {error}");
    eprintln!("fc: the function could not start: {error}");
    std::process::exit(1)
}
