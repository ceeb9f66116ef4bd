//! OpenTelemetry traces (feature `otel`): each invocation becomes a span, a child of
//! the span FC hands the function, with the handler's own `tracing` spans beneath
//! it, exported over OTLP/HTTP (protobuf) **before the invocation's response leaves**.
//!
//! # Turning it on
//!
//! Enable the feature and set the standard endpoint variable on the function:
//!
//! ```toml
//! fc = { version = "0.1", features = ["otel"] }
//! ```
//!
//! ```text
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://collector.internal:4318
//! ```
//!
//! [`fc::run`](crate::run) (and `App::serve`) then reads the configuration with
//! [`Config::from_env`], installs the exporter ([`install`]) and adds [`layer`] to
//! the log subscriber it installs. Without an endpoint nothing is exported and
//! nothing changes.
//!
//! # What is exported
//!
//! For every invocation (`POST /invoke`, and each request of an HTTP function), one
//! span of kind `SERVER`:
//! - its parent is [`Context::trace_context`](crate::Context::trace_context): the
//!   W3C `traceparent` (with `tracestate`) FC 3.0 sends, else FC's Jaeger header
//!   (a 64-bit trace id left-padded to 128 bits); without either it starts a trace;
//! - its name is the function's name for events, the HTTP method for HTTP functions;
//! - its attributes follow OpenTelemetry's FaaS conventions: `faas.invocation_id`
//!   (the request id), `faas.name`, `faas.coldstart` (true on the instance's first
//!   invocation), `faas.trigger`, `cloud.provider` (`alibaba_cloud`),
//!   `cloud.platform` (`alibaba_cloud_fc`), `cloud.region`, `cloud.account.id`, and
//!   for HTTP functions `http.request.method`, `url.path` and
//!   `http.response.status_code`;
//! - `faas.trigger` is `http` for HTTP functions and `other` for events: FC does not
//!   tell the runtime which trigger (timer, OSS, a queue, an SDK call) sent an event;
//! - its status is `Error` when FC is told the invocation failed (404), or an HTTP
//!   function answers 5xx.
//!
//! The resource carries `service.name` (`OTEL_SERVICE_NAME`, else `service.name`
//! in `OTEL_RESOURCE_ATTRIBUTES`, else the function's name, `FC_FUNCTION_NAME`),
//! the `cloud.*` attributes above, `faas.name`, `faas.version`, `faas.instance` and
//! `faas.max_memory` from the instance's environment, and whatever
//! `OTEL_RESOURCE_ATTRIBUTES` adds.
//!
//! The handler's own `tracing` spans (`#[tracing::instrument]`, `info_span!`) become
//! children of the invocation's span, in the same trace, and its events inside them
//! become span events. A span created in a task the handler spawns has no parent
//! unless the task is instrumented with one (`.instrument(Span::current())`).
//!
//! # When spans leave
//!
//! An instance may be frozen as soon as its response is sent, and a frozen instance
//! runs no background thread and no timer. So fc exports from the request itself:
//! when a request is done, its span is ended and every span that ended so far is
//! sent in one OTLP/HTTP request, and only then does the response go out. There is
//! no flush to call. For HTTP functions the span ends when the response's headers
//! are ready: a streamed body is not part of it.
//!
//! An export never fails an invocation. It waits at most the export timeout:
//! `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT` or `OTEL_EXPORTER_OTLP_TIMEOUT` (milliseconds),
//! else [`DEFAULT_EXPORT_TIMEOUT`] (1 s), with no retry, and never past the
//! invocation's deadline ([`Context::deadline`](crate::Context::deadline)). FC's
//! health check and the pre-freeze hook never export. After a failed export (an
//! error, or no answer within the timeout), exports are skipped for 5 s, doubling
//! up to 60 s while they keep failing, and then one request tries again: a collector
//! that is down or blackholed costs the other requests nothing. The first failure is
//! logged (a warning), the next ones are not until an export works again, which is
//! logged with the number of spans dropped meanwhile. Spans that could not be sent
//! are dropped. The endpoint is logged without its userinfo (`user:password@`).
//!
//! Spans that end after their request (in a spawned task) leave with the next
//! request, at the pre-stop hook (`GET /pre-stop`, which fc always flushes after,
//! with or without a `#[fc::pre_stop]` function), or when the server shuts down.
//! [`flush`] sends them at once.
//!
//! # Configuration
//!
//! The standard variables: `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces` is
//! appended) or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is),
//! `OTEL_EXPORTER_OTLP_HEADERS` / `_TRACES_HEADERS`, `…_TIMEOUT`, `OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` / `_ARG` (default: follow the
//! parent's sampled flag, sample roots), `OTEL_SDK_DISABLED=true` and
//! `OTEL_TRACES_EXPORTER=none` to turn it off. The protocol is HTTP with protobuf
//! (`OTEL_EXPORTER_OTLP_PROTOCOL` other than `http/protobuf` is ignored, with a
//! warning). fc's own HTTP client speaks plain `http://`, without a TLS stack; for
//! an `https://` collector pass a TLS-capable client with [`Config::http_client`].
//!
//! # With your own subscriber
//!
//! When the program sets its own `tracing` subscriber, fc does not add anything to
//! it: add [`layer`] yourself, with a level filter (otherwise every span of every
//! library is exported). `fc::run` still installs the exporter from the
//! environment.
//!
//! ```no_run
//! use tracing_subscriber::filter::LevelFilter;
//! use tracing_subscriber::layer::{Layer, SubscriberExt};
//!
//! let subscriber = tracing_subscriber::registry()
//!     .with(fc::log::layer(fc::log::Output::stdout()).with_filter(LevelFilter::INFO))
//!     .with(fc::otel::layer().with_filter(LevelFilter::INFO));
//! tracing::subscriber::set_global_default(subscriber).unwrap();
//! ```
//!
//! To send somewhere other than the environment says (tests point it at their own
//! receiver), call [`install`] before the server starts:
//!
//! ```no_run
//! fc::otel::install(fc::otel::Config::new("http://127.0.0.1:4318").service_name("orders")).unwrap();
//! ```
//!
//! # Calling other services
//!
//! [`inject`] writes the current span's context as `traceparent`/`tracestate` into
//! an outgoing request's headers, so the service called joins the trace.
//!
//! # Cost
//!
//! Off by default; with it off nothing is compiled in. On, it adds 25 crates
//! (`opentelemetry`, `opentelemetry_sdk`, `opentelemetry-otlp`, `opentelemetry-http`,
//! `opentelemetry-proto`, `tracing-opentelemetry`, `prost` and their dependencies; no TLS
//! stack, no gRPC, no second HTTP client) and about 1 MB to a release binary (the `hello`
//! function: 1.57 MB off, 2.55 MB on, with fc's release profile). A clean release build of
//! that function took 335 s off and 1129 s on, on a 2-core machine shared with other builds
//! (load average 10 to 15): read the build times as a rough ratio, not as a benchmark.

mod client;
mod export;
mod invocation;

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider, SpanExporter as _};
use tracing::{Metadata, Subscriber};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::FilterFn;
use tracing_subscriber::registry::LookupSpan;

pub(crate) use invocation::InvocationTrace;

/// The version of the `opentelemetry` API crate fc is built with, for code that uses
/// its types with fc's (a `Context`, a `Tracer` from `global`).
pub use opentelemetry;
/// The `HttpClient` trait, to pass your own client to [`Config::http_client`].
pub use opentelemetry_http;

use export::{Exporter, Pending, PendingProcessor};

/// How long one export may take when `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT` and
/// `OTEL_EXPORTER_OTLP_TIMEOUT` are unset: the most a slow collector adds to a
/// request. OpenTelemetry's own default, 10 s, is too long to add to an invocation.
pub const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_secs(1);

/// The tracer provider and the spans it collects: one per process, as the tracing
/// subscriber it feeds.
struct Pipeline {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
    pending: Arc<Pending>,
    exporter: OnceLock<Exporter>,
}

static PIPELINE: OnceLock<Pipeline> = OnceLock::new();

/// The pipeline, made on first use (by [`layer`] or [`install`]).
fn pipeline() -> &'static Pipeline {
    PIPELINE.get_or_init(|| {
        let pending = Arc::new(Pending::default());
        let provider = SdkTracerProvider::builder()
            .with_span_processor(PendingProcessor(Arc::clone(&pending)))
            .build();
        let scope = InstrumentationScope::builder("fc")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        let tracer = provider.tracer_with_scope(scope);
        Pipeline {
            provider,
            tracer,
            pending,
            exporter: OnceLock::new(),
        }
    })
}

/// The pipeline, once an exporter is installed. Never makes one: a program that
/// does not use OpenTelemetry pays one atomic load per request.
fn active() -> Option<(&'static Pipeline, &'static Exporter)> {
    let pipeline = PIPELINE.get()?;
    Some((pipeline, pipeline.exporter.get()?))
}

/// Where and how spans are exported. See the [module docs](self) for the variables
/// [`Config::from_env`] reads.
pub struct Config {
    /// The full URL spans are posted to (`…/v1/traces`).
    endpoint: String,
    timeout: Duration,
    service_name: Option<String>,
    http_client: Option<Arc<dyn opentelemetry_http::HttpClient>>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("endpoint", &export::redact(&self.endpoint))
            .field("timeout", &self.timeout)
            .field("service_name", &self.service_name)
            .field("http_client", &self.http_client.is_some())
            .finish()
    }
}

impl Config {
    /// Export to the collector at `endpoint`, as `OTEL_EXPORTER_OTLP_ENDPOINT` names
    /// it (`http://host:4318`; `/v1/traces` is appended).
    pub fn new(endpoint: impl AsRef<str>) -> Self {
        Self {
            endpoint: traces_url(endpoint.as_ref()),
            timeout: DEFAULT_EXPORT_TIMEOUT,
            service_name: None,
            http_client: None,
        }
    }

    /// The configuration the standard `OTEL_*` variables give, or `None` when they
    /// name no endpoint or turn tracing off (`OTEL_SDK_DISABLED=true`,
    /// `OTEL_TRACES_EXPORTER=none`).
    pub fn from_env() -> Option<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let var = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        if var("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            || var("OTEL_TRACES_EXPORTER").is_some_and(|v| v.eq_ignore_ascii_case("none"))
        {
            return None;
        }
        let endpoint = match var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            Some(url) => url,
            None => traces_url(&var("OTEL_EXPORTER_OTLP_ENDPOINT")?),
        };
        let timeout = var("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT")
            .or_else(|| var("OTEL_EXPORTER_OTLP_TIMEOUT"))
            .and_then(|ms| ms.parse().ok())
            .map_or(DEFAULT_EXPORT_TIMEOUT, Duration::from_millis);
        Some(Self {
            endpoint,
            timeout,
            service_name: None,
            http_client: None,
        })
    }

    /// The longest one export may take (default [`DEFAULT_EXPORT_TIMEOUT`], or the
    /// `…_TIMEOUT` variable).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The resource's `service.name`, above `OTEL_SERVICE_NAME` and the function's
    /// name.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Sends with this HTTP client instead of fc's plain-HTTP hyper client: for an
    /// `https://` collector, a client with TLS. It runs on fc's Tokio runtime, inside
    /// the invocation, and must not block.
    pub fn http_client(mut self, client: impl opentelemetry_http::HttpClient + 'static) -> Self {
        self.http_client = Some(Arc::new(client));
        self
    }
}

/// `OTEL_EXPORTER_OTLP_ENDPOINT`'s rule: the signal's path appended to the base.
fn traces_url(base: &str) -> String {
    format!("{}/v1/traces", base.trim_end_matches('/'))
}

/// Why [`install`] did not install.
#[derive(Debug)]
#[non_exhaustive]
pub enum InstallError {
    /// An exporter is installed already (the first one stays).
    AlreadyInstalled,
    /// The OTLP exporter could not be built (an invalid endpoint or header).
    Exporter(opentelemetry_otlp::ExporterBuildError),
}

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyInstalled => f.write_str("an OpenTelemetry exporter is installed already"),
            Self::Exporter(e) => write!(f, "the OTLP exporter could not be built: {e}"),
        }
    }
}

impl std::error::Error for InstallError {}

/// Installs the exporter for the whole process: from then on every invocation is
/// traced and exported (see the [module docs](self)). Once per process; also makes
/// fc's tracer provider and the W3C propagator OpenTelemetry's global ones.
pub fn install(config: Config) -> Result<(), InstallError> {
    let pipeline = pipeline();
    if pipeline.exporter.get().is_some() {
        return Err(InstallError::AlreadyInstalled);
    }
    let client: Arc<dyn opentelemetry_http::HttpClient> = match config.http_client {
        Some(client) => client,
        None => Arc::new(client::HyperClient::new()),
    };
    let mut exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(config.endpoint.clone())
        .with_timeout(config.timeout)
        .with_http_client(ArcClient(client))
        .with_retry_policy(opentelemetry_otlp::RetryPolicy::disabled())
        .build()
        .map_err(InstallError::Exporter)?;
    exporter.set_resource(&resource(config.service_name, |k| std::env::var(k).ok()));
    let exporter = Exporter::new(exporter, &config.endpoint, config.timeout);
    pipeline
        .exporter
        .set(exporter)
        .map_err(|_| InstallError::AlreadyInstalled)?;
    pipeline.pending.enable();
    opentelemetry::global::set_tracer_provider(pipeline.provider.clone());
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    Ok(())
}

/// `fc::run`'s set-up: installs from the environment when it names an endpoint.
/// True when an exporter is installed.
pub(crate) fn install_from_env() -> bool {
    if let Some(protocol) = std::env::var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        .or_else(|_| std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL"))
        .ok()
        .filter(|p| !p.is_empty() && p != "http/protobuf")
    {
        tracing::warn!(
            "OpenTelemetry: protocol {protocol:?} is not supported; exporting http/protobuf"
        );
    }
    if let Some(config) = Config::from_env() {
        match install(config) {
            Ok(()) | Err(InstallError::AlreadyInstalled) => {}
            Err(e) => tracing::error!("OpenTelemetry: {e}; spans are not exported"),
        }
    }
    pipeline().exporter.get().is_some()
}

/// The HTTP client behind an `Arc`, as the exporter builder takes it by value.
#[derive(Debug)]
struct ArcClient(Arc<dyn opentelemetry_http::HttpClient>);

#[async_trait::async_trait]
impl opentelemetry_http::HttpClient for ArcClient {
    async fn send_bytes(
        &self,
        request: opentelemetry_http::Request<bytes::Bytes>,
    ) -> Result<opentelemetry_http::Response<bytes::Bytes>, opentelemetry_http::HttpError> {
        self.0.send_bytes(request).await
    }
}

/// The resource: fc's attributes from the instance's environment, then the
/// standard variables' (`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME`) over them,
/// then `service_name` if given.
fn resource(service_name: Option<String>, get: impl Fn(&str) -> Option<String>) -> Resource {
    let var = |name: &str| get(name).filter(|v| !v.is_empty());
    let mut builder = Resource::builder_empty().with_attributes([
        KeyValue::new("cloud.provider", "alibaba_cloud"),
        KeyValue::new("cloud.platform", "alibaba_cloud_fc"),
    ]);
    let from_env = [
        ("cloud.region", "FC_REGION"),
        ("cloud.account.id", "FC_ACCOUNT_ID"),
        ("faas.name", "FC_FUNCTION_NAME"),
        ("faas.instance", "FC_INSTANCE_ID"),
        ("faas.version", "FC_FUNCTION_VERSION"),
        ("service.name", "FC_FUNCTION_NAME"),
    ];
    for (key, name) in from_env {
        if let Some(value) = var(name) {
            builder = builder.with_attribute(KeyValue::new(key, value));
        }
    }
    if let Some(mb) = var("FC_FUNCTION_MEMORY_SIZE").and_then(|v| v.parse::<i64>().ok()) {
        builder = builder.with_attribute(KeyValue::new("faas.max_memory", mb * 1024 * 1024));
    }
    // The SDK's detectors: OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME (else an
    // `unknown_service` name, which must not hide the function's), telemetry.sdk.*.
    for (key, value) in Resource::builder().build().iter() {
        let unknown =
            key.as_str() == "service.name" && value.as_str().starts_with("unknown_service");
        if !unknown {
            builder = builder.with_attribute(KeyValue::new(key.clone(), value.clone()));
        }
    }
    if let Some(name) = service_name {
        builder = builder.with_service_name(name);
    }
    builder.build()
}

/// The `tracing` layer that turns spans into OpenTelemetry spans for fc's exporter:
/// add it to your own subscriber (see the [module docs](self)). fc's own per-request
/// span (`fc_invocation`, which carries the request id into log lines) is left out:
/// the exported invocation span is fc's, made apart from `tracing`.
pub fn layer<S>() -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    tracing_opentelemetry::layer()
        .with_tracer(pipeline().tracer.clone())
        .with_tracked_inactivity(false)
        .with_threads(false)
        .with_filter(FilterFn::new(
            not_fc_invocation as fn(&Metadata<'_>) -> bool,
        ))
}

fn not_fc_invocation(metadata: &Metadata<'_>) -> bool {
    !(metadata.name() == crate::log::SPAN_NAME && metadata.target().starts_with("fc_core"))
}

/// Writes the current span's context into `headers` as W3C `traceparent` (and
/// `tracestate`), so a service this invocation calls continues its trace. The
/// current span is the innermost `tracing` span exported through [`layer`], else
/// the invocation's own span. Writes nothing outside a traced invocation.
///
/// ```no_run
/// # async fn call() {
/// let mut request = fc::http::Request::new(());
/// fc::otel::inject(request.headers_mut());
/// # }
/// ```
pub fn inject(headers: &mut http::HeaderMap) {
    let mut cx = tracing::Span::current().context();
    if !cx.span().span_context().is_valid() {
        cx = opentelemetry::Context::current();
    }
    if cx.span().span_context().is_valid() {
        TraceContextPropagator::new()
            .inject_context(&cx, &mut opentelemetry_http::HeaderInjector(headers));
    }
}

/// Exports every span that has ended and not yet been exported, within the export
/// timeout. fc does this after every request and at shutdown; call it only for
/// spans that end outside any invocation.
pub async fn flush() {
    flush_within(None).await;
}

/// [`flush`], given at most `within` (what is left of an invocation's time).
pub(crate) async fn flush_within(within: Option<Duration>) {
    if let Some((pipeline, exporter)) = active() {
        exporter.flush(&pipeline.pending, within).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn config_from_env() {
        assert!(Config::from_lookup(lookup(&[])).is_none());
        let c = Config::from_lookup(lookup(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/")]))
            .unwrap();
        assert_eq!(c.endpoint, "http://c:4318/v1/traces");
        assert_eq!(c.timeout, DEFAULT_EXPORT_TIMEOUT);
        let c = Config::from_lookup(lookup(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:1/custom"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "250"),
        ]))
        .unwrap();
        assert_eq!(
            (c.endpoint.as_str(), c.timeout),
            ("http://t:1/custom", Duration::from_millis(250))
        );
        let c = Config::from_lookup(lookup(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "50"),
        ]))
        .unwrap();
        assert_eq!(c.timeout, Duration::from_millis(50));
        for off in [
            ("OTEL_SDK_DISABLED", "TRUE"),
            ("OTEL_TRACES_EXPORTER", "none"),
        ] {
            let pairs: &'static [(&str, &str)] = Box::leak(Box::new([
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                off,
            ]));
            assert!(Config::from_lookup(lookup(pairs)).is_none(), "{off:?}");
        }
        assert!(Config::from_lookup(lookup(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "  ")])).is_none());
    }

    #[test]
    fn resource_from_fc_environment() {
        let env = lookup(&[
            ("FC_FUNCTION_NAME", "orders"),
            ("FC_REGION", "cn-hangzhou"),
            ("FC_ACCOUNT_ID", "1234"),
            ("FC_FUNCTION_MEMORY_SIZE", "512"),
            ("FC_INSTANCE_ID", "c-1"),
        ]);
        let r = resource(None, env);
        let get = |k: &'static str| {
            r.get(&opentelemetry::Key::from_static_str(k))
                .map(|v| v.to_string())
        };
        assert_eq!(get("service.name").as_deref(), Some("orders"));
        assert_eq!(get("faas.name").as_deref(), Some("orders"));
        assert_eq!(get("cloud.provider").as_deref(), Some("alibaba_cloud"));
        assert_eq!(get("cloud.region").as_deref(), Some("cn-hangzhou"));
        assert_eq!(get("cloud.account.id").as_deref(), Some("1234"));
        assert_eq!(get("faas.max_memory").as_deref(), Some("536870912"));
        let named = resource(
            Some("billing".into()),
            lookup(&[("FC_FUNCTION_NAME", "orders")]),
        );
        assert_eq!(
            named
                .get(&opentelemetry::Key::from_static_str("service.name"))
                .map(|v| v.to_string())
                .as_deref(),
            Some("billing")
        );
    }
}
