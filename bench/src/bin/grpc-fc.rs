//! `helloworld.Greeter` served through fc (an `#[fc::http]` function over h2c), measured
//! by `bench/run.sh --grpc` against `grpc-tonic`.

use fc_bench::greeter::{Greeter, GreeterServer};

#[fc::http]
fn app() -> tonic::service::Routes {
    tonic::service::Routes::new(GreeterServer::new(Greeter))
}

fn main() {
    fc::run(fc::routes![app]);
}
