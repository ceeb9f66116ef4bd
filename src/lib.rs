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
//! Cargo features: `events` (default) adds `fc::events`, the typed trigger events;
//! `ws` adds WebSocket routes in HTTP functions (axum's `ws` feature, and `fc::ws`);
//! `mcp` only builds the `mcp` example (an MCP server on `rmcp`) and its test.

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

/// What the attributes and [`routes!`] expand to. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use fc_core::__private::*;
}
