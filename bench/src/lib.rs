//! The servers `bench/run.sh` compares: `echo-fc` (an fc function), `echo-axum` (the
//! same FC work written by hand on axum) and `echo-hyper` (by hand on hyper, the
//! floor). Each answers `POST /invoke` with `{"echo": <event>}`, prints FC's markers,
//! and listens on `FC_SERVER_PORT`.

/// The port FC gives: `FC_CUSTOM_LISTEN_PORT`, else `FC_SERVER_PORT`, else 9000.
pub fn port() -> u16 {
    ["FC_CUSTOM_LISTEN_PORT", "FC_SERVER_PORT"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
        .unwrap_or(9000)
}

/// The echo both hand-written servers compute: parse the event, wrap it, serialize.
pub fn echo(event: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    let value: serde_json::Value = serde_json::from_slice(event)?;
    serde_json::to_vec(&serde_json::json!({ "echo": value }))
}

/// gRPC's `helloworld.Greeter`, the service `grpc-fc` (through fc) and `grpc-tonic`
/// (tonic's own server) both serve to `grpc-client`.
#[cfg(feature = "grpc")]
pub mod greeter {
    #[allow(unreachable_pub, missing_docs, clippy::all, reason = "generated code")]
    mod helloworld {
        include!("../../protocols/examples/proto/helloworld.rs");
    }

    pub use helloworld::greeter_client::GreeterClient;
    pub use helloworld::greeter_server::GreeterServer;
    pub use helloworld::{HelloReply, HelloRequest};

    /// Answers `Hello <name>`: the same work behind both servers.
    #[derive(Debug, Default)]
    pub struct Greeter;

    #[tonic::async_trait]
    impl helloworld::greeter_server::Greeter for Greeter {
        async fn say_hello(
            &self,
            request: tonic::Request<HelloRequest>,
        ) -> Result<tonic::Response<HelloReply>, tonic::Status> {
            Ok(tonic::Response::new(HelloReply {
                message: format!("Hello {}", request.get_ref().name),
            }))
        }
    }
}
