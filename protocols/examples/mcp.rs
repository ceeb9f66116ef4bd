//! An MCP server on FC: the official Rust SDK (`rmcp`) serving its Streamable HTTP
//! transport at `/mcp` inside an `#[fc::http]` axum app, with two tools, `add` and
//! `echo`. Each MCP session gets its own `Tools` value, kept in the instance's memory
//! until the client ends the session (`DELETE /mcp`) or the instance goes; FC's
//! `MCP_STREAMABLE` session affinity sends every request of a session to the instance
//! that holds it (protocols/README.md: "An MCP server on FC").
//! Run: `cargo run -p fc-protocols --example mcp`, then point an MCP client at
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

    /// FC's MCP Streamable HTTP affinity is built on protocol versions 2025-03-26 and
    /// 2025-06-18: it reads `Mcp-Session-Id` from the initialize response. Newer
    /// versions change the handshake (2026-07-28 drops sessions), so this server
    /// offers those FC documents; a client that prefers a newer one settles on them.
    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(ProtocolVersion::known_up_to(&ProtocolVersion::V_2025_06_18))
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

#[allow(dead_code, reason = "tests/it/mcp.rs includes this file as a module")]
fn main() {
    fc::run(fc::routes![app]);
}
