//! gRPC on FC: gRPC's canonical `helloworld.Greeter`, a tonic service served as an
//! HTTP function over h2c, beside the standard health service `grpc.health.v1.Health`,
//! which reports `SERVING` for the greeter once the initializer has run. A name of
//! `panic` panics: that call alone answers `INTERNAL`, and the server goes on.
//!
//! Run: `cargo run -p fc-protocols --example grpc`, then with any gRPC client, e.g.
//! `grpcurl -plaintext -import-path protocols/examples/proto -proto helloworld.proto
//! -d '{"name": "FC"}' localhost:9000 helloworld.Greeter/SayHello`.
//!
//! The code generated from `proto/helloworld.proto` is committed beside it (a test
//! checks it is current); in your own crate, generate it in `build.rs` as the docs of
//! `fc::grpc` show ("A gRPC function, step by step").

use std::sync::LazyLock;

use fc::grpc::RequestExt;
use tonic::service::Routes;
use tonic::{Request, Response, Status};
use tonic_health::pb::health_server::HealthServer;
use tonic_health::server::{HealthReporter, HealthService};

#[allow(unreachable_pub, clippy::all, reason = "generated code")]
mod helloworld {
    include!("proto/helloworld.rs");
}

use helloworld::greeter_server::{Greeter, GreeterServer};
use helloworld::{HelloReply, HelloRequest};

/// The greeting, from the initializer: instance state, as a tonic handler reads it.
struct Greeting(&'static str);

/// What `grpc.health.v1.Health` reports.
static HEALTH: LazyLock<HealthReporter> = LazyLock::new(HealthReporter::new);

#[fc::initialize]
async fn init() -> Result<Greeting, fc::Error> {
    HEALTH.set_serving::<GreeterServer<MyGreeter>>().await;
    Ok(Greeting("Hello"))
}

struct MyGreeter;

#[tonic::async_trait]
impl Greeter for MyGreeter {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let ctx = request.context();
        let greeting = request.state::<Greeting>()?;
        let name = &request.get_ref().name;
        tracing::info!(function = ctx.function_name(), "greeting {name}");
        if name == "panic" {
            panic!("asked to panic");
        }
        Ok(Response::new(HelloReply {
            message: format!("{} {name}", greeting.0),
        }))
    }
}

#[fc::http]
fn app() -> Routes {
    Routes::new(GreeterServer::new(MyGreeter)).add_service(HealthServer::new(
        HealthService::from_health_reporter(HEALTH.clone()),
    ))
}

fn main() {
    fc::run(fc::routes![init, app]);
}
