//! examples/mcp.rs driven by rmcp's own client over a real fc server on
//! 127.0.0.1:0: initialize, list the tools, call them, two sessions side by side, and
//! DELETE ending a session the way FC's MCP Streamable HTTP affinity expects.

use crate::common;

#[path = "../../examples/mcp.rs"]
mod example;

use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use common::{Req, Server, start};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, ClientConfig, ProtocolVersion};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;

/// One exchange with `/mcp`, as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    /// `Mcp-Session-Id` of the request.
    asked: Option<String>,
    status: u16,
    /// `Mcp-Session-Id` of the response (the initialize response names the session).
    given: Option<String>,
}

type Log = Arc<Mutex<Vec<Seen>>>;

fn session_id(headers: &fc::http::HeaderMap) -> Option<String> {
    headers
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The example's app, with a layer that notes every exchange.
async fn server() -> (Server, Log) {
    let log: Log = Arc::default();
    let noted = Arc::clone(&log);
    let app = fc::App::from(fc::routes![example::app]).layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let noted = Arc::clone(&noted);
            async move {
                let method = req.method().to_string();
                let asked = session_id(req.headers());
                let response: Response = next.run(req).await;
                noted
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Seen {
                        method,
                        asked,
                        status: response.status().as_u16(),
                        given: session_id(response.headers()),
                    });
                response
            }
        },
    ));
    (start(app).await, log)
}

fn seen(log: &Log) -> Vec<Seen> {
    log.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

async fn client(server: &Server) -> RunningService<RoleClient, ClientConfig> {
    let transport = StreamableHttpClientTransport::from_uri(format!("http://{}/mcp", server.addr));
    ClientConfig::default()
        .serve(transport)
        .await
        .expect("initialize")
}

async fn call(
    client: &RunningService<RoleClient, ClientConfig>,
    tool: &'static str,
    arguments: serde_json::Value,
) -> String {
    let arguments = match arguments {
        serde_json::Value::Object(map) => map,
        other => panic!("arguments must be an object: {other}"),
    };
    let result = client
        .call_tool(CallToolRequestParams::new(tool).with_arguments(arguments))
        .await
        .expect("call_tool");
    assert_ne!(result.is_error, Some(true), "{result:?}");
    result
        .content
        .first()
        .and_then(|content| content.as_text())
        .map(|text| text.text.clone())
        .unwrap_or_else(|| panic!("no text in {result:?}"))
}

/// The session ids the server handed out, in order.
fn sessions_given(log: &Log) -> Vec<String> {
    seen(log).into_iter().filter_map(|s| s.given).collect()
}

#[tokio::test]
async fn initialize_list_tools_and_call_them() {
    let (server, log) = server().await;
    let client = client(&server).await;

    let info = client.peer_info().expect("the server's initialize result");
    assert!(info.capabilities.tools.is_some(), "{info:?}");
    // A version FC's affinity is documented for, though the client offers a newer one.
    assert_eq!(info.protocol_version, ProtocolVersion::V_2025_06_18);
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .expect("list_tools")
        .into_iter()
        .map(|tool| tool.name.into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["add", "echo"]);

    assert_eq!(
        call(&client, "add", serde_json::json!({"a": 2, "b": 40})).await,
        "42"
    );
    assert_eq!(
        call(&client, "add", serde_json::json!({"a": -7, "b": 3})).await,
        "-4"
    );
    assert_eq!(
        call(&client, "echo", serde_json::json!({"text": "你好, FC"})).await,
        "你好, FC"
    );

    // The session FC's affinity pins: named by the initialize response, carried by
    // every later request of the client.
    let given = sessions_given(&log);
    assert_eq!(given.len(), 1, "{:#?}", seen(&log));
    let posts: Vec<Seen> = seen(&log)
        .into_iter()
        .filter(|s| s.method == "POST")
        .collect();
    assert_eq!(posts[0].asked, None);
    assert!(
        posts[1..]
            .iter()
            .all(|s| s.asked.as_ref() == Some(&given[0])),
        "{posts:#?}"
    );

    client.cancel().await.expect("close");
    server.stop().await;
}

#[tokio::test]
async fn two_sessions_side_by_side_and_delete_ends_one() {
    let (server, log) = server().await;
    let first = client(&server).await;
    let second = client(&server).await;
    let given = sessions_given(&log);
    assert_eq!(given.len(), 2, "{:#?}", seen(&log));
    assert_ne!(given[0], given[1]);
    let (first_id, second_id) = (given[0].clone(), given[1].clone());

    // Interleaved calls: each reaches its own session.
    let (a, b) = tokio::join!(
        call(&first, "add", serde_json::json!({"a": 1, "b": 1})),
        call(&second, "echo", serde_json::json!({"text": "second"})),
    );
    assert_eq!((a.as_str(), b.as_str()), ("2", "second"));
    assert_eq!(
        call(&first, "echo", serde_json::json!({"text": "first"})).await,
        "first"
    );
    let asked = |id: &str| {
        seen(&log)
            .iter()
            .filter(|s| s.asked.as_deref() == Some(id))
            .count()
    };
    assert!(
        asked(&first_id) >= 3 && asked(&second_id) >= 2,
        "{:#?}",
        seen(&log)
    );

    // Closing the client sends DELETE with its session id; the server ends it.
    first.cancel().await.expect("close");
    let deletes: Vec<Seen> = seen(&log)
        .into_iter()
        .filter(|s| s.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1, "{deletes:#?}");
    assert_eq!(deletes[0].asked.as_deref(), Some(first_id.as_str()));
    assert!((200..300).contains(&deletes[0].status), "{deletes:#?}");
    // The ended session is unknown from now on (404, as MCP prescribes; a live one
    // would open its event stream, which never ends: the bound catches that) …
    let stale = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        server.send(
            Req::new("GET", "/mcp")
                .header("accept", "text/event-stream")
                .header("mcp-session-id", &first_id),
        ),
    )
    .await
    .expect("the deleted session still answers with its event stream");
    assert_eq!(stale.status, 404, "{}", stale.text());
    // … and the other one is still served.
    assert_eq!(
        call(&second, "add", serde_json::json!({"a": 20, "b": 22})).await,
        "42"
    );
    second.cancel().await.expect("close");
    server.stop().await;
}
