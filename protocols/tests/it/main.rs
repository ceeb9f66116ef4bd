//! The protocol tests, one binary: gRPC, WebSocket and MCP over real servers on
//! 127.0.0.1:0, and the committed generated gRPC code. (`otel.rs` is a binary of its
//! own: it installs its own global subscriber.)

#[path = "../../../tests/common/mod.rs"]
mod common;

mod grpc;
mod grpc_codegen;
mod mcp;
mod websocket;
