//! `fc::Context` over real HTTP: an invocation with every common header, empty
//! headers as FC 3.0 sends them, and credentials that never reach a log line.

use crate::common;

use common::{Req, log_lines, start};
use serde_json::json;

#[fc::invoke]
async fn describe(ctx: fc::Context) -> serde_json::Value {
    // What careless user code does: log the whole context and its credentials.
    tracing::info!("context: {ctx:?}");
    tracing::info!(credentials = ?ctx.credentials(), "credentials");
    let creds = ctx.credentials();
    json!({
        "request_id": ctx.request_id(),
        "function_name": ctx.function_name(),
        "function_handler": ctx.function_handler(),
        "service_name": ctx.service_name(),
        "region": ctx.region(),
        "account_id": ctx.account_id(),
        "qualifier": ctx.qualifier(),
        "version_id": ctx.version_id(),
        "memory_mb": ctx.memory_mb(),
        "function_timeout": ctx.function_timeout().map(|d| d.as_secs()),
        "initialization_timeout": ctx.initialization_timeout().map(|d| d.as_secs()),
        "retry_count": ctx.retry_count(),
        "log_project": ctx.log_project(),
        "log_store": ctx.log_store(),
        "control_path": ctx.control_path(),
        "access_key_id": creds.as_ref().map(|c| c.access_key_id().to_owned()),
        "secret_length": creds.as_ref().map(|c| c.access_key_secret().len()),
        "token_length": creds.as_ref().and_then(|c| c.security_token()).map(str::len),
        "trace": ctx.headers().get("x-fc-tracing-opentracing-span-context").and_then(|v| v.to_str().ok()),
    })
}

const SECRET: &str = "SeCrEt-9f8e7d6c5b4a";
const TOKEN: &str = "CAIS-token-0123456789abcdef";

#[tokio::test]
async fn every_common_header() {
    let server = start(fc::routes![describe].into()).await;
    let req = Req::invoke("1-67adb489-15d49184-2d4fa002fa2b", "{}")
        .header("x-fc-access-key-id", "STS.NUxyz")
        .header("x-fc-access-key-secret", SECRET)
        .header("x-fc-security-token", TOKEN)
        .header("x-fc-function-name", "orders")
        .header("x-fc-function-handler", "index.handler")
        .header("x-fc-function-memory", "512")
        .header("x-fc-function-timeout", "60")
        .header("x-fc-initialization-timeout", "30")
        .header("x-fc-region", "cn-hangzhou")
        .header("x-fc-account-id", "1234567890")
        .header("x-fc-qualifier", "LATEST")
        .header("x-fc-version-id", "3")
        .header("x-fc-service-name", "shop")
        .header("x-fc-service-logproject", "shop-logs")
        .header("x-fc-service-logstore", "function-logs")
        .header("x-fc-retry-count", "2")
        .header("x-fc-tracing-opentracing-span-context", "abc:def:0:1");
    let resp = server.send(req).await;
    assert_eq!(
        resp.expect_ok().json(),
        json!({
            "request_id": "1-67adb489-15d49184-2d4fa002fa2b",
            "function_name": "orders",
            "function_handler": "index.handler",
            "service_name": "shop",
            "region": "cn-hangzhou",
            "account_id": "1234567890",
            "qualifier": "LATEST",
            "version_id": "3",
            "memory_mb": 512,
            "function_timeout": 60,
            "initialization_timeout": 30,
            "retry_count": 2,
            "log_project": "shop-logs",
            "log_store": "function-logs",
            "control_path": "/invoke",
            "access_key_id": "STS.NUxyz",
            "secret_length": SECRET.len(),
            "token_length": TOKEN.len(),
            "trace": "abc:def:0:1",
        })
    );
    let lines = log_lines("1-67adb489-15d49184-2d4fa002fa2b");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains("function_name: Some(\"orders\")"),
        "{lines:?}"
    );
    let everything = common::logs().captured() + &server.output.captured();
    assert!(!everything.contains(SECRET), "the secret reached the log");
    assert!(!everything.contains(TOKEN), "the token reached the log");
    server.stop().await;
}

// No socket needed: the in-process kit sends FC's headers through the same stack.
#[tokio::test]
async fn empty_and_malformed_headers_are_absent() {
    let app = fc::testing::TestApp::new(fc::routes![describe]);
    let mut invocation = fc::testing::Invocation::event("{}").request_id("ctx-empty");
    for name in [
        "x-fc-access-key-id",
        "x-fc-access-key-secret",
        "x-fc-security-token",
        "x-fc-function-name",
        "x-fc-region",
        "x-fc-qualifier",
    ] {
        invocation = invocation.header(name, "");
    }
    let invocation = invocation
        .header("x-fc-function-memory", "lots")
        .header("x-fc-function-timeout", "-5")
        .header("x-fc-retry-count", "1.5");
    let resp = app.send(invocation).await;
    assert!(resp.is_success());
    let json: serde_json::Value = resp.json();
    for key in [
        "function_name",
        "region",
        "qualifier",
        "memory_mb",
        "function_timeout",
        "retry_count",
        "access_key_id",
    ] {
        assert_eq!(json[key], serde_json::Value::Null, "{key} in {json}");
    }
}
