//! Event invocations over real HTTP, as FC sends them.

use crate::common;

use std::collections::BTreeSet;

use common::{Req, assert_markers, hook_markers, invoke_markers, log_lines, start};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Deserialize)]
struct Order {
    id: u64,
    qty: u32,
}

#[derive(Serialize)]
struct Receipt {
    id: u64,
    total: u64,
    request_id: String,
}

#[fc::invoke]
async fn order(order: Order, ctx: fc::Context) -> Result<Receipt, fc::Error> {
    tracing::info!(id = order.id, "pricing");
    Ok(Receipt {
        id: order.id,
        total: 7 * u64::from(order.qty),
        request_id: ctx.request_id().to_owned(),
    })
}

#[tokio::test]
async fn typed_json_event_and_json_reply() {
    let server = start(fc::routes![order].into()).await;
    let resp = server.invoke("inv-typed-1", r#"{"id": 9, "qty": 3}"#).await;
    resp.expect_ok();
    assert_eq!(resp.headers["content-type"], "application/json");
    assert_eq!(
        resp.json(),
        json!({"id": 9, "total": 21, "request_id": "inv-typed-1"})
    );
    assert_markers(&server, "inv-typed-1", &invoke_markers("inv-typed-1"));
    let lines = log_lines("inv-typed-1");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].ends_with(" inv-typed-1 [INFO] pricing id=9"),
        "{lines:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn malformed_json_and_wrong_shape_name_the_problem() {
    let server = start(fc::routes![order].into()).await;
    let cases = [
        (
            "inv-bad-1",
            "{not json",
            "invalid event: key must be a string at line 1 column 2",
        ),
        (
            "inv-bad-2",
            r#"{"id": 1, "qty": "three"}"#,
            "invalid event: qty: invalid type: string \"three\", expected u32 at line 1 column 24",
        ),
        (
            "inv-bad-3",
            r#"{"id": 1}"#,
            "invalid event: missing field `qty` at line 1 column 9",
        ),
        (
            "inv-bad-4",
            "",
            "invalid event: EOF while parsing a value at line 1 column 0",
        ),
        (
            "inv-bad-5",
            r#""an order""#,
            "invalid event: invalid type: string \"an order\", expected struct Order at line 1 column 10",
        ),
    ];
    for (id, body, message) in cases {
        let resp = server.invoke(id, body).await;
        let error = resp.expect_failure();
        assert_eq!(error["errorType"], "InvalidEvent", "{id}");
        assert_eq!(error["errorMessage"], message, "{id}");
        assert_markers(&server, id, &invoke_markers(id));
        assert!(
            log_lines(id)
                .iter()
                .any(|l| l.contains("[ERROR] InvalidEvent: invalid event")),
            "{id}: {:?}",
            log_lines(id)
        );
    }
    // Still serving.
    server
        .invoke("inv-bad-after", r#"{"id": 1, "qty": 1}"#)
        .await
        .expect_ok();
    server.stop().await;
}

#[fc::invoke]
async fn echo_string(event: String) -> String {
    event
}

#[fc::invoke]
async fn echo_bytes(event: Vec<u8>) -> Vec<u8> {
    event
}

#[fc::invoke]
async fn echo_value(event: serde_json::Value) -> serde_json::Value {
    json!({ "echo": event })
}

#[fc::invoke]
async fn nothing() {}

#[tokio::test]
async fn raw_events_and_replies() {
    let server = start(fc::routes![echo_string].into()).await;
    let resp = server.invoke("raw-1", "plain text, not JSON").await;
    resp.expect_ok();
    assert_eq!(resp.text(), "plain text, not JSON");
    assert_eq!(resp.headers["content-type"], "text/plain; charset=utf-8");
    let error = server
        .invoke("raw-2", vec![0xff_u8, 0xfe])
        .await
        .expect_failure();
    assert_eq!(error["errorType"], "InvalidEvent");
    server.stop().await;

    let server = start(fc::routes![echo_bytes].into()).await;
    let binary: Vec<u8> = (0..=255).collect();
    let resp = server.invoke("raw-3", binary.clone()).await;
    resp.expect_ok();
    assert_eq!(resp.body.to_vec(), binary);
    server.stop().await;

    let server = start(fc::routes![echo_value].into()).await;
    let resp = server.invoke("raw-4", r#"[1, "two", null]"#).await;
    assert_eq!(resp.expect_ok().json(), json!({"echo": [1, "two", null]}));
    server.stop().await;

    let server = start(fc::routes![nothing].into()).await;
    let resp = server.invoke("raw-5", "ignored").await;
    resp.expect_ok();
    assert!(resp.body.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn twenty_megabyte_event_and_the_limit() {
    let server = start(fc::App::new().routes(fc::routes![echo_bytes])).await;
    let big = vec![b'x'; 20 * 1024 * 1024];
    let resp = server.invoke("big-1", big.clone()).await;
    resp.expect_ok();
    assert_eq!(resp.body.len(), big.len());
    assert!(resp.body == big);
    server.stop().await;

    let server = start(
        fc::App::new()
            .routes(fc::routes![echo_bytes])
            .body_limit(1024),
    )
    .await;
    let error = server
        .invoke("big-2", vec![b'x'; 1025])
        .await
        .expect_failure();
    assert_eq!(error["errorType"], "EventTooLarge");
    assert_markers(&server, "big-2", &invoke_markers("big-2"));
    server.invoke("big-3", vec![b'x'; 1024]).await.expect_ok();
    server.stop().await;
}

#[tokio::test]
async fn no_fc_headers_at_all() {
    let server = start(fc::routes![order].into()).await;
    // What a developer's curl sends.
    let resp = server
        .send(Req::new("POST", "/invoke").body(r#"{"id": 1, "qty": 2}"#))
        .await;
    resp.expect_ok();
    let generated = resp.json()["request_id"].as_str().unwrap().to_owned();
    assert!(
        generated.starts_with("1-") && generated.len() == 32,
        "{generated}"
    );
    assert_markers(&server, &generated, &invoke_markers(&generated));
    server.stop().await;
}

#[tokio::test]
async fn dispatch_by_control_path_then_method_and_path() {
    let server = start(fc::routes![echo_string].into()).await;
    // The header decides, whatever the path.
    let resp = server
        .send(
            Req::new("POST", "/")
                .header("x-fc-control-path", "/invoke")
                .body("a"),
        )
        .await;
    assert_eq!(resp.expect_ok().text(), "a");
    // An HTTP invocation of path /invoke is not an event.
    let resp = server
        .send(
            Req::new("POST", "/invoke")
                .header("x-fc-control-path", "/http-invoke")
                .body("b"),
        )
        .await;
    let error = resp.expect_failure();
    assert_eq!(error["errorType"], "NotFound");
    // Browsers and other paths: no HTTP function here.
    let error = server.send(Req::new("GET", "/")).await.expect_failure();
    assert!(error["errorMessage"].as_str().unwrap().contains("GET /"));
    // Lifecycle hooks with nothing registered succeed, between their markers.
    server
        .send(Req::new("GET", "/pre-stop").header("x-fc-request-id", "no-stop"))
        .await
        .expect_ok();
    assert_markers(&server, "no-stop", &hook_markers("PreStop", "no-stop"));
    server
        .send(Req::new("GET", "/pre-freeze").header("x-fc-request-id", "no-freeze"))
        .await
        .expect_ok();
    assert_markers(
        &server,
        "no-freeze",
        &hook_markers("PreFreeze", "no-freeze"),
    );
    // No initializer: /initialize succeeds.
    server.send(Req::initialize("disp-2")).await.expect_ok();
    server.stop().await;
}

#[tokio::test]
async fn sixty_four_concurrent_invocations_keep_their_own_ids() {
    let server = start(fc::routes![order].into()).await;
    let addr = server.addr;
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            tokio::spawn(async move {
                let id = format!("conc-{i:02}");
                let mut client = common::Client::connect(addr).await;
                let body = format!(r#"{{"id": {i}, "qty": 1}}"#);
                let resp = client.send(Req::invoke(&id, body)).await;
                (id, i, resp)
            })
        })
        .collect();
    let mut seen = BTreeSet::new();
    for task in tasks {
        let (id, i, resp) = task.await.unwrap();
        let json = resp.expect_ok().json();
        assert_eq!(json["request_id"], id.as_str());
        assert_eq!(json["id"], i);
        let lines = log_lines(&id);
        assert_eq!(lines.len(), 1, "{id}: {lines:?}");
        assert!(
            lines[0].ends_with(&format!(" {id} [INFO] pricing id={i}")),
            "{lines:?}"
        );
        assert_markers(&server, &id, &invoke_markers(&id));
        seen.insert(id);
    }
    assert_eq!(seen.len(), 64);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_invocations_on_a_multi_thread_runtime() {
    let server = start(fc::routes![order].into()).await;
    let addr = server.addr;
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            tokio::spawn(async move {
                let id = format!("mt-{i:02}");
                let resp = common::Client::connect(addr)
                    .await
                    .send(Req::invoke(&id, format!(r#"{{"id": {i}, "qty": 2}}"#)))
                    .await;
                (id, resp)
            })
        })
        .collect();
    for task in tasks {
        let (id, resp) = task.await.unwrap();
        assert_eq!(resp.expect_ok().json()["request_id"], id.as_str());
        assert_eq!(log_lines(&id).len(), 1, "{id}");
        assert_markers(&server, &id, &invoke_markers(&id));
    }
    server.stop().await;
}
