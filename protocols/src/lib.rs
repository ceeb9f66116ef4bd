//! fc's protocol examples and their tests: gRPC (tonic), WebSocket, OpenTelemetry and
//! an MCP server, each an ordinary fc function in `examples/`, driven by the protocol's
//! own client libraries in `tests/`.
//!
//! A workspace member that is never published, as `bench/` is, so that the published
//! crates' dev-dependencies are only what their own tests need: tonic, protox, rmcp and
//! OpenTelemetry's protocol types are built here, for these examples alone. The
//! library is empty; run an example with `cargo run -p fc-protocols --example <name>`.
