//! The runtime of [`fc`](https://docs.rs/fc): the server FC talks to, dispatch on
//! `x-fc-control-path`, [`Context`], error and panic mapping, marker lines and FC's
//! log format.
//!
//! Use it through the `fc` crate, which adds the attributes
//! (`#[fc::invoke]`, `#[fc::initialize]`) and `fc::routes!`.

mod context;
mod dispatch;
mod endpoint;
mod error;
mod handler;
mod instance;
mod layers;
pub mod log;
mod server;
mod state;

pub use bytes::Bytes;
pub use context::{Context, Credentials};
pub use error::{BoxError, Error};
pub use handler::Routes;
pub use server::{App, DEFAULT_BODY_LIMIT, DEFAULT_RUNTIME_NAME, run};
pub use state::State;

/// The `http` crate's types (`HeaderMap`, `StatusCode`, …), as fc uses them.
pub mod http {
    pub use ::http::*;
}

/// What the attributes and `fc::routes!` expand to. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::handler::{
        DecodeJson, DecodeRaw, Fail, InitRoute, Invocation, InvokeRoute, Probe, ReplyJson,
        ReplyRaw, RoutesBuilder, SplitPlain, SplitResult, keep_state, probe,
    };
    pub use crate::{Context, State};
}
