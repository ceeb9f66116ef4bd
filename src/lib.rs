//! Plain async Rust functions as Alibaba Cloud Function Compute (FC) custom runtimes.
//!
//! Annotate a function with `#[fc::invoke]`, hand it to [`fc::run`](run), and you have
//! the HTTP server FC expects inside a custom runtime or custom container: `POST
//! /invoke` parsed into your event type, `POST /initialize` run once per instance,
//! dispatch on `x-fc-control-path`, a [`Context`] from the `x-fc-*` headers, errors
//! and panics answered with 404 and `x-fc-status: 404`, the `FC Invoke Start/End`
//! marker lines, and every log line in FC's format.
//!
//! ```no_run
//! use fc::{Context, Error};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize)]
//! struct Order { id: u64, qty: u32 }
//!
//! #[derive(Serialize)]
//! struct Receipt { id: u64, total: u64, request_id: String }
//!
//! struct Prices { unit: u64 }
//!
//! #[fc::initialize]
//! async fn init(ctx: Context) -> Result<Prices, Error> {
//!     tracing::info!(function = ctx.function_name(), "loading prices");
//!     Ok(Prices { unit: 7 })
//! }
//!
//! #[fc::invoke]
//! async fn handle(order: Order, ctx: Context, prices: fc::State<Prices>) -> Result<Receipt, Error> {
//!     if order.qty == 0 {
//!         return Err("quantity must be positive".into());
//!     }
//!     Ok(Receipt { id: order.id, total: prices.unit * order.qty as u64, request_id: ctx.request_id().to_owned() })
//! }
//!
//! fn main() {
//!     fc::run(fc::routes![init, handle]);
//! }
//! ```
//!
//! The attributes, one function of each kind at most, collected by [`routes!`]:
//! - [`#[fc::invoke]`](macro@invoke): the event handler, for `POST /invoke`;
//! - [`#[fc::initialize]`](macro@initialize): the instance initializer, whose result
//!   handlers receive as [`State`];
//! - [`#[fc::http]`](macro@http): an axum app (or one handler) serving HTTP
//!   invocations;
//! - [`#[fc::pre_stop]`](macro@pre_stop) and [`#[fc::pre_freeze]`](macro@pre_freeze):
//!   the lifecycle hooks FC calls before it stops or freezes the instance.
//!
//! # Cargo features
//!
//! | Feature | What it enables | Default |
//! |---|---|---|
//! | `events` | [`events`]: the typed trigger events and `fc::events::payloads`, a real body of each trigger (pulls in base64 and CBOR crates) | yes |
//! | `jemalloc` | jemalloc as the `#[global_allocator]`, on musl targets only (the static binary `fc-local package` builds); glibc targets compile nothing for it. Turn default features off to declare your own allocator | yes |
//! | `musl-memcpy` | `memcpy` and `memmove` for short copies in place of musl's (which take about a tenth of a server's CPU), on musl x86_64 targets only; other targets compile nothing for it | yes |
//! | `http2` | HTTP/2 in cleartext with prior knowledge (h2c) beside HTTP/1.1 on the function's port, as FC's gateway carries gRPC | no |
//! | `grpc` | `fc::grpc`: tonic services as HTTP functions; implies `http2` | no |
//! | `otel` | `fc::otel`: each invocation exported as an OpenTelemetry span over OTLP/HTTP, a child of FC's span | no |
//! | `ws` | `fc::ws` and axum's `ws` extractor (`fc::axum::extract::ws`): WebSocket routes in HTTP functions | no |
//!
//! A crate with its own allocator keeps the features it uses:
//! `fc-rs = { version = "0.1", default-features = false, features = ["events"] }`.
//! The protocol examples (WebSocket, gRPC, OpenTelemetry, MCP) live in the unpublished
//! workspace member `protocols/` of fc's repository: `cargo run -p fc-protocols --example <name>`.
//!
//! # What fc does for you
//!
//! | FC's contract | what fc does |
//! |---|---|
//! | listen on `0.0.0.0:$FC_CUSTOM_LISTEN_PORT` (else `FC_SERVER_PORT`, else 9000) | reads them in that order; `App::port` overrides; a bad value stops start-up with a message |
//! | print `FunctionCompute <runtime> runtime inited.` once | printed when the socket listens; the name is `fc-rust` (`App::runtime_name`) |
//! | keep-alive connections, never closed while idle | HTTP/1.1 keep-alive with no idle and no header-read timeout (tested idle for 31 s real and 16 min virtual) |
//! | dispatch by `x-fc-control-path` | `/invoke`, `/initialize`, `/http-invoke`; without it, `POST /invoke` and `POST /initialize` by path, `GET /pre-stop` and `GET /pre-freeze` succeed |
//! | context in `x-fc-*` headers, many sent empty | `fc::Context`: empty is absent, malformed is `None`, never a panic; environment fallback (`FC_*`, `ALIBABA_CLOUD_*`); a request id is generated when missing |
//! | credentials are secret | `Debug` of `Context` and `Credentials` redacts the secret and the token; the header values are marked sensitive |
//! | 200 + `x-fc-status: 200`, or 404 + `x-fc-status: 404` with `{errorMessage, errorType, stackTrace}` | on every path: `Err` (message, type, source chain), panic (generic message naming the request id), an event that does not parse (serde's message with field, line and column), a missing state, an event over the limit |
//! | panics must not take the instance down | caught where the handler (or a user layer) is called, made ready (`poll_ready`) and polled, and when its future is dropped (a panicking `Drop` at the deadline still answers `FunctionTimeout`); message, location and a backtrace (whatever `RUST_BACKTRACE` says) logged with the request id; the process keeps serving |
//! | `FC Invoke Start/End RequestId: <id>`, `FC Initialize Start/End RequestId: <id>` | printed for every invocation; the End line on success, error, panic, bad event and a dropped connection alike; `FC PreStop Start/End` and `FC PreFreeze Start/End` around the lifecycle hooks, as FC's own runtimes print them |
//! | log lines `<utc time> <requestId> [LEVEL] <message>` | a `tracing` subscriber in exactly that format (every line of a multi-line message prefixed), the request id taken from the invocation's span, `RUST_LOG` respected (default `info`); add `fc::log::layer` to your own subscriber instead if you have one; `RUST_LOG_FORMAT=json` writes one JSON object per event instead, for SLS to index (`fc::log::json_layer`) |
//! | HTTP functions: the original request, forwarded whole | `x-fc-control-path: /http-invoke` reaches the app even on paths `/invoke` and `/initialize`; without the header everything but `POST /invoke` and `POST /initialize` does, so a browser works locally; the app's status passes through with `x-fc-status: 200`; bodies up to the limit (axum's extractor limit raised to match) |
//! | HTTP: `x-fc-base-path` before the app's own path (FC 2.0's default domain) | stripped before routing (on a segment boundary); the original stays in `axum::extract::OriginalUri` and `Context::base_path` |
//! | HTTP: no `x-fc-*`, `connection`, `content-length`, `date`, `keep-alive`, `server`, `content-disposition: attachment` in responses; headers ≤ 8 KB | removed before the response leaves (a debug line names them; hyper's own `date` is off); a warning above 8 KB; a `101 Switching Protocols` keeps `connection` (the `ws` feature) |
//! | HTTP: streaming (SSE, chunked) | bodies pass through unbuffered; the End marker is printed when the stream ends, and a panic while streaming ends that response only |
//! | initializer: at most one success per instance | concurrent calls run it once; a failure answers 404 and may be retried; an invocation that comes first runs it first |
//! | events up to 32 MB, many invocations at once | 32 MiB body limit (axum's default is 2 MB), `App::body_limit` to change; no per-request global state |
//!
//! # Lifecycle
//!
//! - **Hooks.** `#[fc::pre_stop] async fn flush(ctx: fc::Context) -> Result<(), fc::Error>`
//!   answers `GET /pre-stop` (FC calls it before stopping an instance, at most 90 s);
//!   `#[fc::pre_freeze]` answers `GET /pre-freeze` (FC 2.0, before freezing). Both take an
//!   optional `fc::Context`, return `()` or `Result<(), E>`, go into `fc::routes![..]` with
//!   the rest, answer 200 + `x-fc-status: 200` on success and 404 + `x-fc-status: 404` on
//!   an `Err` or a panic, and run in a span with the request id between
//!   `FC PreStop Start/End RequestId: <id>` (or `FC PreFreeze …`) lines, as FC's own runtimes
//!   print them, on every path. Without a hook, the request succeeds, with its markers.
//! - **Health checks.** FC sends `GET <httpGetUrl>` (`healthCheckConfig`, under
//!   `customRuntimeConfig` or `customContainerConfig` in `s.yaml`) after the initializer and
//!   passes on 200–399; a failed first check means the instance failed to start. One line
//!   turns fc's answer on: `fc::App::from(fc::routes![..]).health_check(fc::DEFAULT_HEALTH_PATH)`
//!   (`/healthz`, what `deploy/s.code.yaml` and `deploy/s.container.yaml` configure). fc answers
//!   it itself, before an HTTP function's own routes and before your own layers
//!   (`App::layer`: a concurrency limit there does not queue FC's probe, nor the lifecycle
//!   hooks), without markers (it is not an invocation) and at once: 200 `ready` when the
//!   initializer succeeded, is absent or has not run yet (the first invocation runs it) and
//!   the HTTP app is built; 503 `not ready: <reason>` while the initializer runs or after it
//!   failed, and while an `#[fc::http]` builder runs: the first check starts the build in the
//!   background when no request has, and waits up to half a second for it, so a quick builder
//!   answers 200 and a slow or hanging one 503 `the HTTP app is being built` each time, never
//!   late. `health_check_with(path, |probe| async { .. })`
//!   adds your own check once the instance is ready (a database ping through
//!   `probe.state::<Db>()`, a model loaded): its `Err`, a panic or no answer within 3 s is a 503
//!   with the reason.
//! - **Graceful shutdown.** On SIGTERM or SIGINT the server stops accepting connections,
//!   lets invocations in flight finish (up to `App::drain_time`, 10 s by default; a warning
//!   says when it cut them short), flushes stdout and returns, so `fc::run` exits 0. Blocking
//!   tasks still running (`spawn_blocking`) get one more second, then the process exits
//!   without them.
//! - **Deadlines.** `Context::deadline()` and `Context::remaining()` come from
//!   `x-fc-function-timeout`, counted from the request's arrival. At the deadline fc stops
//!   waiting: the handler's future is dropped, FC gets 404 with `errorType`
//!   `FunctionTimeout`, the log says so with the request id, and the End marker is printed.
//!   No header, no deadline; `App::enforce_deadline(false)` turns this off.
//!   The deadline covers the initializer an invocation runs first; the initializer is not
//!   cancelled but runs on, once, in a task of its own, and the next invocation waits for that
//!   run (no second one) and gets its state. `/initialize` answers 404 `InitializationTimeout`
//!   at `x-fc-initialization-timeout` when FC sends it, the run going on the same way.
//! - **Log lines.** FC cuts log lines at 32 KB. fc never writes a longer line: a longer
//!   message continues on the next line, which carries the same timestamp, request id and
//!   level, so nothing is lost (`fc::log::MAX_LINE`). A carriage return inside a line is
//!   written as `\r`, so a message cannot fake a line of its own. Request ids are kept to 128
//!   characters.
//! - **A log reader that stops reading** never stops the runtime: when stdout is a pipe (as
//!   on FC) and the pipe is full, lines wait in a bounded queue (1 MiB) that a thread of fc's
//!   writes out; log lines are dropped before FC's marker lines (which have a reserved share)
//!   and counted in one `[WARN] fc dropped N log lines while stdout was not being read` line
//!   once the pipe drains; each invocation's lines keep their order; the health check and
//!   other invocations are answered meanwhile; and a response's last bytes wait up to 100 ms
//!   for its End marker to be written (once such a wait times out, none waits until the pipe
//!   moves again). Your own `println!` still blocks: log with `tracing`.
//! - **`panic = "abort"`.** Some release presets set it, and then no panic can be caught: the
//!   process ends with every invocation in it. fc warns at start-up, and its panic hook
//!   still logs the message, location, backtrace and request id and prints the End marker of
//!   every invocation in flight before the process dies. Keep `panic = "unwind"`.
//! - **Resilience, tested on loopback:** 2 000 invocations at concurrency 20 mixing success,
//!   `Err` and panic all answered correctly with bounded memory; 300 idle sockets (half of
//!   them mid-request) do not stop other invocations; a client sending its body one byte at a
//!   time does not hold up others; a client that disconnects mid-invocation still gets its
//!   End marker; header and event parsing are property-tested with arbitrary bytes.
//!
//! # Instances freeze after the response
//!
//! FC may freeze an instance as soon as it has answered every request in flight, and thaw it
//! for the next one minutes later (or never: reclaimed instances are not thawed). While
//! frozen, nothing in the process runs. In Rust that means:
//!
//! - **Spawned tasks stop.** `tokio::spawn(send_metrics())` after the handler returns may
//!   run for a millisecond, or not at all until the next invocation, or never. The same
//!   holds for threads, background flushers and batch exporters.
//! - **Timers fire late, in bursts.** The monotonic clock keeps running while the process
//!   is frozen, so on thaw every `tokio::time::sleep` is overdue at once, and a
//!   `tokio::time::interval` with the default `MissedTickBehavior::Burst` fires all the
//!   ticks it missed back to back.
//! - **Pooled connections may be dead.** A database, Redis or HTTP connection idle in a
//!   pool across a freeze may have been closed by the peer (or a NAT) meanwhile; the first
//!   request on it fails with a reset or "connection closed".
//!
//! What to do:
//!
//! - **Finish the work before returning.** Await it in the handler; if it must not delay
//!   the caller, make it an asynchronous invocation of its own (a destination, a queue) or
//!   run the function with instance "delayed release" or provisioned CPU.
//! - **`interval.set_missed_tick_behavior(MissedTickBehavior::Delay)`** (or `Skip`) for
//!   periodic work, and expect a tick after a long pause.
//! - **Short pool idle timeouts and one retry.** Keep pool idle timeouts below the peer's
//!   (a few seconds: e.g. hyper-util's `pool_idle_timeout`, `sqlx`'s `idle_timeout`), and
//!   retry an idempotent request once when it fails on a reused connection.
//! - **Flush in the hooks.** `#[fc::pre_freeze]` (FC 2.0) runs before a freeze and
//!   `#[fc::pre_stop]` before the instance stops: flush buffers there.
//!
//! What fc does for you: the response goes out only when the handler's future is done, and
//! the End marker only when the response body has been sent; stdout is written as each line
//! is logged and flushed at shutdown; with the `otel` feature, each invocation's spans are
//! exported before its response leaves (the `otel` feature), and what ended later leaves with the next
//! request, at pre-stop or at shutdown; its own exporter's connections are not reused after
//! 4 s idle, and a request on a dead one is retried once.

#[doc(inline)]
pub use fc_macros::{http, initialize, invoke, pre_freeze, pre_stop, routes};

#[doc(inline)]
pub use fc_core::{
    App, BoxError, Bytes, Context, Credentials, DEFAULT_BODY_LIMIT, DEFAULT_DRAIN_TIME,
    DEFAULT_HEALTH_PATH, DEFAULT_RUNTIME_NAME, Error, HealthProbe, Routes, State, StateRejection,
    TraceContext, TraceSource, axum, health, http, log, run, testing,
};

#[cfg(feature = "events")]
#[doc(inline)]
pub use fc_core::events;

/// musl's own allocator costs a server throughput, p99 and instructions; with jemalloc a
/// static musl build serves as fast as a glibc one, in as little memory
/// (`bench/candidates.md`). The default feature `jemalloc`; only on musl targets.
#[cfg(all(feature = "jemalloc", target_env = "musl"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
#[cfg(feature = "grpc")]
#[doc(inline)]
pub use fc_core::grpc;
#[cfg(feature = "otel")]
#[doc(inline)]
pub use fc_core::otel;
#[cfg(feature = "ws")]
#[doc(inline)]
pub use fc_core::ws;
// musl's `memcpy` is slow for short copies (about a tenth of a server's CPU): the
// default feature `musl-memcpy` links fc-rs-memcpy's, taken before musl's. Musl x86_64
// targets only.
#[cfg(all(feature = "musl-memcpy", target_env = "musl", target_arch = "x86_64"))]
use fc_memcpy as _;

/// What the attributes and [`routes!`] expand to. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use fc_core::__private::*;
}
