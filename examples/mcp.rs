//! An MCP server on FC: the official Rust SDK (`rmcp`) serving its Streamable HTTP
//! transport at `/mcp` inside an `#[fc::http]` axum app, with two tools, `add` and
//! `echo`. Each MCP session gets its own `Tools` value, kept in the instance's memory
//! until the client ends the session (`DELETE /mcp`) or the instance goes; FC's
//! `MCP_STREAMABLE` session affinity sends every request of a session to the instance
//! that holds it (README: "An MCP server on FC").
//! Run: `cargo run --example mcp --features mcp`, then point an MCP client at
//! http://localhost:9000/mcp (e.g. `npx @modelcontextprotocol/inspector`).

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{ProtocolVersion, ServerCapabilities, ServerConfig};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ServerHandler, schemars, tool, tool_handler, tool_router};
use serde::Deserialize;

#[derive(Deserialize, schemars::JsonSchema)]
pub(crate) struct AddArgs {
    /// The first addend.
    a: i64,
    /// The second addend.
    b: i64,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub(crate) struct EchoArgs {
    /// The text to send back.
    text: String,
}

/// The tools of one MCP session: rmcp makes one per session, so anything kept here
/// (here, a count of calls) is that session's state.
#[derive(Clone)]
pub(crate) struct Tools {
    calls: Arc<AtomicU64>,
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Tools {
    fn new() -> Self {
        Self {
            calls: Arc::default(),
            tool_router: Self::tool_router(),
        }
    }

    #[tool(description = "Add two integers; answers their sum")]
    fn add(&self, Parameters(AddArgs { a, b }): Parameters<AddArgs>) -> String {
        let calls = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::info!(a, b, calls, "add");
        a.wrapping_add(b).to_string()
    }

    #[tool(description = "Answer the text it is given")]
    fn echo(&self, Parameters(EchoArgs { text }): Parameters<EchoArgs>) -> String {
        let calls = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::info!(bytes = text.len(), calls, "echo");
        text
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Tools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }

    /// MCP 2026-07-28 has no sessions (and no `initialize`), and FC's session affinity
    /// reads `Mcp-Session-Id` from the initialize response: this server speaks the
    /// versions that have them, and clients that also speak 2026-07-28 fall back.
    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(ProtocolVersion::known_up_to(
            &ProtocolVersion::LATEST_WITH_INITIALIZE,
        ))
    }
}

#[fc::http]
pub(crate) fn app() -> Router {
    let mut config = StreamableHttpServerConfig::default();
    if std::env::var_os("FC_FUNCTION_NAME").is_some() {
        // rmcp accepts only loopback `Host`s by default (against DNS rebinding of a
        // local server). On FC the host is the trigger's domain, and FC's gateway
        // routes only the function's own domains to it.
        config = config.disable_allowed_hosts();
    }
    let mcp = StreamableHttpService::new(
        || Ok(Tools::new()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    Router::new().nest_service("/mcp", mcp)
}

#[allow(dead_code, reason = "tests/mcp.rs includes this file as a module")]
fn main() {
    fc::run(fc::routes![app]);
}
