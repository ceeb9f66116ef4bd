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
//! # A gRPC function, step by step
//!
//! (The code blocks below are `ignore`d: they need tonic, protox and generated code.)
//!
//! FC 3.0 carries gRPC to a function through an **HTTP trigger**: the client speaks gRPC over
//! TLS to a custom domain (or the trigger's `*.fcapp.run` address) on port 443, FC's gateway
//! ends the TLS and opens **HTTP/2 in cleartext with prior knowledge (h2c)** to the function's
//! port, one connection per instance whose streams are the instance's concurrent invocations.
//! fc serves h2c and HTTP/1.1 on the same port (feature `http2`), and a tonic service as the
//! HTTP function (feature `grpc`, which implies `http2`):
//!
//! ```toml
//! [dependencies]
//! fc-rs = { version = "0.1", features = ["grpc"] }
//! tonic = "0.14"
//! tonic-prost = "0.14"
//! prost = "0.14"
//!
//! [build-dependencies]
//! tonic-prost-build = "0.14"
//! protox = "0.9"   # a protobuf compiler in pure Rust: no `protoc` to install
//! ```
//!
//! `build.rs` compiles the `.proto` files:
//!
//! ```rust,ignore
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let descriptors = protox::compile(["proto/helloworld.proto"], ["proto"])?;
//!     tonic_prost_build::configure().compile_fds(descriptors)?;
//!     println!("cargo:rerun-if-changed=proto");
//!     Ok(())
//! }
//! ```
//!
//! and the function serves the generated service:
//!
//! ```rust,ignore
//! use fc::grpc::RequestExt;
//! use tonic::{Request, Response, Status};
//!
//! pub mod helloworld {
//!     tonic::include_proto!("helloworld");
//! }
//! use helloworld::greeter_server::{Greeter, GreeterServer};
//! use helloworld::{HelloReply, HelloRequest};
//!
//! struct MyGreeter;
//!
//! #[tonic::async_trait]
//! impl Greeter for MyGreeter {
//!     async fn say_hello(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
//!         let ctx = request.context(); // fc::Context; `request.state::<T>()?` for fc::State<T>
//!         tracing::info!(request_id = ctx.request_id(), "greeting");
//!         Ok(Response::new(HelloReply { message: format!("Hello {}", request.get_ref().name) }))
//!     }
//! }
//!
//! #[fc::http]
//! fn app() -> tonic::service::Routes {
//!     tonic::service::Routes::new(GreeterServer::new(MyGreeter))
//!     // ordinary routes beside it: return `routes.into_axum_router().route("/", get(home))`
//! }
//!
//! fn main() {
//!     fc::run(fc::routes![app]);
//! }
//! ```
//!
//! `protocols/examples/grpc.rs` in fc's repository is that function with the standard health service
//! (`grpc.health.v1.Health`, from `tonic-health`) and a name that panics: `cargo run
//! -p fc-protocols --example grpc`, then `grpcurl -plaintext -import-path protocols/examples/proto
//! -proto helloworld.proto -d '{"name": "FC"}' localhost:9000 helloworld.Greeter/SayHello`.
//! (The example commits its generated code instead of a `build.rs`, so that fc's own users
//! never compile a protobuf compiler; a test regenerates it and fails when it differs.)
//!
//! Every call is an invocation: `FC Invoke Start/End` around it (End when a streaming
//! response ends), the request id from the `x-fc-request-id` metadata or generated, the
//! function's deadline from `x-fc-function-timeout` when present. fc's own failures are gRPC
//! statuses on HTTP 200 with `x-fc-status: 404`: a panic is `INTERNAL` naming the request id
//! (the panic's message goes to the log only), the deadline `DEADLINE_EXCEEDED`; the other
//! calls on the connection go on. tonic decodes messages of up to 4 MB unless told otherwise:
//! FC lets 32 MB through, so raise it per service
//! (`GreeterServer::new(g).max_decoding_message_size(32 << 20)`).
//!
//! HTTP/2 as fc serves it: no idle timeout (FC's connection lives as long as the instance), no
//! keep-alive pings (a frozen instance cannot answer them; `App::http2_keep_alive` turns them
//! on for other setups), up to 1,000 concurrent streams per connection, flow-control windows of
//! 4 MB per stream and 16 MB per connection, frames up to 256 KB, no `date` header.
//!
//! What a call costs: `bench/run.sh --grpc` (`bench/grpc.md` in fc's repository) sends
//! `SayHello` over one h2c connection, as FC's gateway does, to the greeter served through fc
//! and to the same greeter on tonic's own server, which does none of FC's work. fc executes
//! about 1.07× tonic's instructions a call (the difference is the invocation: the Context and
//! its copy of the headers, the span, the two marker lines, `x-fc-status`), built as a crate
//! made by `fc-local new` is: with `tracing`'s `release_max_level_debug`, without which h2's
//! trace callsites, live under fc's subscriber, cost 1.6 k instructions more. At 200
//! concurrent streams fc answers as many calls a second as tonic's server, since it writes the
//! answers of a busy connection in batches; at 16 streams with tonic's client, 0.83× to
//! 0.88×. fc writes each marker line at once, because an instance may freeze right after
//! its response, and a buffered line would reach FC's log only after the next thaw. The
//! README's Performance section has the figures of the latest run.
//!
//! Deploy with the HTTP trigger, and a custom domain with HTTPS for clients on port 443
//! (`s.yaml` for Serverless Devs, components `fc3` and `fc3-domain`):
//!
//! ```yaml
//! resources:
//!   greeter:
//!     component: fc3
//!     props:
//!       # … as in deploy/s.code.yaml, and:
//!       instanceConcurrency: 200        # one HTTP/2 stream is one unit of concurrency
//!       timeout: 600                    # also the longest a streaming call may last
//!       triggers:
//!         - triggerName: grpc
//!           triggerType: http
//!           triggerConfig:
//!             authType: anonymous
//!             methods: [POST]           # every gRPC call is a POST
//!             disableURLInternet: false # keeps the *.fcapp.run address
//!   greeter-domain:
//!     component: fc3-domain
//!     props:
//!       region: cn-hangzhou
//!       domainName: grpc.example.com    # a CNAME to the function's FC endpoint
//!       protocol: HTTPS                 # gRPC clients use TLS: https://grpc.example.com:443
//!       certConfig:
//!         certName: grpc-example
//!         certificate: ./certs/grpc.example.com.pem
//!         privateKey: ./certs/grpc.example.com.key
//!       routeConfig:
//!         routes:
//!           - path: /*
//!             functionName: greeter
//!             methods: [POST]
//! ```
//!
//! A client then dials `grpc.example.com:443` with TLS (`grpcurl -d '{"name": "FC"}'
//! grpc.example.com:443 helloworld.Greeter/SayHello`), or the trigger's `*.fcapp.run` host
//! on 443 the same way. Whether FC sends `x-fc-*` metadata (request id, timeout) with gRPC
//! calls is not documented: without them fc generates the id and sets no deadline of its own,
//! and FC ends a call at the function's timeout.
//!
//! The `grpc` feature's dependencies (tonic 0.14) build with the workspace's Rust 1.85:
//! Cargo's resolver picks tonic 0.14.5, since later 0.14 releases need Rust 1.88.

use crate::context::Context;
use crate::state::State;

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
        let found = match self.extensions().get::<Context>().and_then(Context::states) {
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
