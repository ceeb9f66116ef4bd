//! `helloworld.Greeter` served by tonic's own server: the floor `grpc-fc` is measured
//! against. It does none of FC's work (no markers, no context, no `x-fc-status`).

use fc_bench::greeter::{Greeter, GreeterServer};

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let addr = std::net::SocketAddr::from(([0, 0, 0, 0], fc_bench::port()));
    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        term.recv().await;
    };
    tonic::transport::Server::builder()
        .add_service(GreeterServer::new(Greeter))
        .serve_with_shutdown(addr, shutdown)
        .await
        .expect("serve");
}
