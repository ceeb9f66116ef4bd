//! gRPC on FC: tonic services as HTTP functions (feature `grpc`).
//!
//! FC carries gRPC to a function over HTTP/2 in cleartext with prior knowledge (h2c)
//! on the function's port; fc serves it there beside HTTP/1.1. An `#[fc::http]`
//! function returns the services as tonic's [`Routes`](tonic::service::Routes), or as
//! an `axum::Router` built from them (`routes.into_axum_router()`) to serve ordinary
//! routes beside them:
//!
//! ```ignore
//! #[fc::http]
//! fn app() -> tonic::service::Routes {
//!     tonic::service::Routes::new(GreeterServer::new(MyGreeter))
//! }
//! ```
//!
//! Each call is an invocation: `FC Invoke Start/End` lines around it (End when a
//! streaming response ends), its request id from the `x-fc-request-id` metadata (or
//! generated), the function's deadline, and a [`Context`] and the instance
//! [`State`]s, which a handler reads from its request with [`RequestExt`]. fc's own
//! failures answer as gRPC statuses: a panic is `INTERNAL` naming the request id
//! (the panic's message goes to the log only), the deadline `DEADLINE_EXCEEDED`, an
//! initializer that failed `INTERNAL`; the other calls go on.
//!
//! tonic decodes messages of up to 4 MB by default; FC lets 32 MB through. Raise it
//! per service: `GreeterServer::new(g).max_decoding_message_size(32 << 20)`.
//!
//! The `examples/grpc.rs` example in fc's repository is a complete function with the
//! standard health service; the README's "gRPC on FC" shows the `build.rs` that
//! compiles `.proto` files without a system `protoc`, and the deployment settings.

use std::sync::Arc;

use crate::context::Context;
use crate::state::{State, States};

/// What an fc-served tonic handler reads from its request: the invocation's
/// [`Context`] and the instance [`State`].
///
/// ```
/// use fc::grpc::RequestExt;
///
/// struct Greeting(&'static str);
///
/// async fn say_hello(request: tonic::Request<String>) -> Result<tonic::Response<String>, tonic::Status> {
///     let ctx = request.context();
///     let greeting = request.state::<Greeting>()?;
///     tracing::info!(request_id = ctx.request_id(), "greeting");
///     Ok(tonic::Response::new(format!("{} {}", greeting.0, request.get_ref())))
/// }
/// ```
///
/// Both also sit in [`tonic::Request::extensions`]: `Context` as itself,
/// which a tower layer around the service can read too.
pub trait RequestExt {
    /// The invocation's context. Outside fc (a service served some other way), one
    /// read from the request's metadata.
    fn context(&self) -> Context;

    /// The instance state of type `T`: what `#[fc::initialize]` returned, or a value
    /// set with [`App::state`](crate::App::state). When there is none, an
    /// `INTERNAL` status saying so (and an error line in the log), for `?`.
    fn state<T: Send + Sync + 'static>(&self) -> Result<State<T>, tonic::Status>;
}

impl<M> RequestExt for tonic::Request<M> {
    fn context(&self) -> Context {
        match self.extensions().get::<Context>() {
            Some(context) => context.clone(),
            None => Context::from_headers(self.metadata().clone().into_headers()),
        }
    }

    fn state<T: Send + Sync + 'static>(&self) -> Result<State<T>, tonic::Status> {
        let found = match self.extensions().get::<Arc<States>>() {
            Some(states) => states
                .get::<T>()
                .map_err(|failure| failure.body.error_message),
            None => Err("fc::State is only available in apps served by fc".to_owned()),
        };
        found.map_err(|message| {
            tracing::error!("{message}");
            tonic::Status::internal(message)
        })
    }
}
