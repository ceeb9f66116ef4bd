//! WebSocket routes of an HTTP function, driven by a real client (tokio-tungstenite)
//! over a real server on 127.0.0.1:0: the handshake, one invocation per socket (Start
//! at the upgrade, End at the close, the request id on the lines in between), the
//! deadline, panics, vanished clients and a shutdown with sockets open.

use crate::common;

use std::time::Duration;

use axum::Router;
use axum::extract::ws::{Message as AxumMessage, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use common::{Server, assert_markers, invoke_markers, log_lines, start};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Echoes text and binary messages, logging each, until the socket closes.
async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        match message {
            AxumMessage::Text(text) if text.as_str() == "panic" => panic!("asked to panic"),
            AxumMessage::Text(ref text) => tracing::info!("echo {}", text.as_str()),
            AxumMessage::Binary(_) => tracing::info!("echo binary"),
            _ => continue,
        }
        if socket.send(message).await.is_err() {
            break;
        }
    }
    tracing::info!("socket closed");
}

async fn with_helper(ws: WebSocketUpgrade) -> Response {
    fc::ws::on_upgrade(ws, echo)
}

/// axum's own `on_upgrade`, as an existing app has it.
async fn plain_axum(ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(echo)
}

/// A socket task that never reads or writes its socket again.
async fn idle(ws: WebSocketUpgrade) -> Response {
    fc::ws::on_upgrade(ws, |socket| async move {
        let _socket = socket;
        std::future::pending::<()>().await;
    })
}

#[fc::http]
fn app() -> Router {
    Router::new()
        .route("/ws", get(with_helper))
        .route("/plain", get(plain_axum))
        .route("/idle", get(idle))
        .route("/", get(|| async { "an ordinary page" }))
}

async fn server() -> Server {
    start(fc::App::from(fc::routes![app])).await
}

/// Opens a socket as FC forwards it: the upgrade request with FC's headers.
async fn connect(
    server: &Server,
    path: &str,
    headers: &[(&str, &str)],
) -> (Client, fc::http::HeaderMap) {
    let mut request = format!("ws://{}{path}", server.addr)
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("x-fc-control-path", "/http-invoke".parse().expect("value"));
    for (name, value) in headers {
        request.headers_mut().insert(
            fc::http::HeaderName::from_bytes(name.as_bytes()).expect("name"),
            value.parse().expect("value"),
        );
    }
    let (client, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("handshake");
    (client, response.headers().clone())
}

/// How long a test waits for something that must happen before it calls it broken:
/// the bound only keeps a broken build from hanging the suite; nothing is asserted
/// about how long anything takes.
const PATIENCE: Duration = Duration::from_secs(30);

/// Waits until `done` holds (within [`PATIENCE`]).
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..PATIENCE.as_millis() / 10 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never happened: {what}");
}

fn has_end(server: &Server, request_id: &str) -> bool {
    let end = format!("FC Invoke End RequestId: {request_id}");
    server.markers().contains(&end)
}

/// A client frame's mask (any four bytes do).
fn rand_mask() -> [u8; 4] {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.subsec_nanos());
    nanos.to_le_bytes()
}

async fn round_trip(client: &mut Client, text: &str) {
    client.send(Message::text(text)).await.expect("send");
    match client.next().await {
        Some(Ok(Message::Text(echoed))) => assert_eq!(echoed.as_str(), text),
        other => panic!("expected the echo of {text:?}, got {other:?}"),
    }
}

async fn close(mut client: Client) {
    client
        .close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "bye".into(),
        }))
        .await
        .expect("close");
    // The server answers the close frame; the stream ends after it.
    while let Some(Ok(_)) = client.next().await {}
}

#[tokio::test]
async fn echo_with_the_handshake_fc_forwards_and_one_invocation_per_socket() {
    let server = server().await;
    let (mut client, headers) = connect(&server, "/ws", &[("x-fc-request-id", "ws-echo")]).await;
    // The 101 keeps what a WebSocket handshake needs (tungstenite checks them too).
    assert_eq!(headers["connection"], "upgrade");
    assert_eq!(headers["upgrade"], "websocket");
    assert!(headers.contains_key("sec-websocket-accept"));

    round_trip(&mut client, "hello").await;
    client
        .send(Message::binary(vec![1, 2, 3]))
        .await
        .expect("send");
    assert_eq!(
        client.next().await.expect("echo").expect("echo"),
        Message::binary(vec![1, 2, 3])
    );
    // The socket is open: the invocation has started and not ended, although the
    // 101 was sent long ago.
    assert_markers(&server, "ws-echo", &invoke_markers("ws-echo")[..1]);
    // Lines logged by the socket's task carry the upgrade's request id.
    let lines = log_lines("ws-echo");
    assert!(
        lines.iter().any(|l| l.ends_with("[INFO] echo hello")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.ends_with("[INFO] echo binary")),
        "{lines:#?}"
    );

    close(client).await;
    eventually("the End marker after the close", || {
        has_end(&server, "ws-echo")
    })
    .await;
    assert_markers(&server, "ws-echo", &invoke_markers("ws-echo"));
    assert!(
        log_lines("ws-echo")
            .iter()
            .any(|l| l.ends_with("[INFO] socket closed"))
    );

    // The connection that carried no upgrade is served as before.
    let page = server.send(common::Req::new("GET", "/")).await;
    assert_eq!(
        (page.status, page.text().as_str()),
        (200, "an ordinary page")
    );
    assert!(!page.headers.contains_key("connection"));
    server.stop().await;
}

#[tokio::test]
async fn an_existing_apps_own_on_upgrade_works_and_ends_its_invocation_at_close() {
    let server = server().await;
    let (mut client, headers) =
        connect(&server, "/plain", &[("x-fc-request-id", "ws-plain")]).await;
    assert_eq!(headers["connection"], "upgrade");
    round_trip(&mut client, "from an unchanged app").await;
    assert_markers(&server, "ws-plain", &invoke_markers("ws-plain")[..1]);
    close(client).await;
    eventually("the End marker after the close", || {
        has_end(&server, "ws-plain")
    })
    .await;
    assert_markers(&server, "ws-plain", &invoke_markers("ws-plain"));
    server.stop().await;
}

#[tokio::test]
async fn a_hundred_sockets_at_once() {
    let server = server().await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(100));
    let mut tasks = Vec::new();
    for i in 0..100 {
        let barrier = std::sync::Arc::clone(&barrier);
        let id = format!("ws-many-{i}");
        let (mut client, _) = connect(&server, "/ws", &[("x-fc-request-id", &id)]).await;
        let output = server.output.clone();
        tasks.push(tokio::spawn(async move {
            // All hundred are open before any of them speaks.
            barrier.wait().await;
            for n in 0..5 {
                round_trip(&mut client, &format!("{id} message {n}")).await;
            }
            let end = format!("FC Invoke End RequestId: {id}");
            assert!(!output.captured().contains(&end), "{id} ended while open");
            close(client).await;
        }));
    }
    for task in tasks {
        task.await.expect("client task");
    }
    for i in 0..100 {
        let id = format!("ws-many-{i}");
        eventually("every End marker", || has_end(&server, &id)).await;
        assert_markers(&server, &id, &invoke_markers(&id));
        let echoed = log_lines(&id)
            .iter()
            .filter(|l| l.contains(&format!("echo {id} message")))
            .count();
        assert_eq!(echoed, 5, "{id}");
    }
    server.stop().await;
}

/// Reads until the stream ends (within [`PATIENCE`]); true when a close frame came
/// first.
async fn got_close_frame(client: &mut Client) -> bool {
    tokio::time::timeout(PATIENCE, read_to_end(client))
        .await
        .expect("the socket was never closed")
}

async fn read_to_end(client: &mut Client) -> bool {
    loop {
        match client.next().await {
            Some(Ok(Message::Close(_))) => return true,
            Some(Ok(_)) => {}
            // No close frame: the connection was cut (code 1006 for a browser).
            Some(Err(tungstenite::Error::Protocol(
                tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
            )))
            | Some(Err(tungstenite::Error::Io(_)))
            | None => return false,
            Some(Err(e)) => panic!("unexpected error: {e}"),
        }
    }
}

#[tokio::test]
async fn the_deadline_closes_the_socket_without_a_close_frame_and_ends_the_invocation() {
    let server = server().await;
    let headers = [
        ("x-fc-request-id", "ws-deadline"),
        ("x-fc-function-timeout", "1"),
    ];
    let (mut client, _) = connect(&server, "/ws", &headers).await;
    round_trip(&mut client, "before the deadline").await;
    // The client sends nothing more: the server's task waits in `recv` and is woken
    // at the deadline.
    assert!(!got_close_frame(&mut client).await);
    eventually("the End marker at the deadline", || {
        has_end(&server, "ws-deadline")
    })
    .await;
    assert_markers(&server, "ws-deadline", &invoke_markers("ws-deadline"));
    let lines = log_lines("ws-deadline");
    assert!(
        lines.iter().any(|l| l.contains(
            "[WARN] the upgraded connection (WebSocket) outlived the function's timeout of 1 s"
        )),
        "{lines:#?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_deadline_closes_a_socket_whose_task_never_touches_it() {
    // The task keeps its (closed) socket forever, so a shutdown waits for it up to
    // the drain time: keep that short.
    let app = fc::App::from(fc::routes![app]).drain_time(Duration::from_millis(100));
    let server = start(app).await;
    let headers = [
        ("x-fc-request-id", "ws-idle"),
        ("x-fc-function-timeout", "1"),
    ];
    let (mut client, _) = connect(&server, "/idle", &headers).await;
    assert!(!got_close_frame(&mut client).await);
    eventually("the End marker at the deadline", || {
        has_end(&server, "ws-idle")
    })
    .await;
    assert_markers(&server, "ws-idle", &invoke_markers("ws-idle"));
    server.stop().await;
}

#[tokio::test]
async fn a_panicking_socket_ends_alone_and_is_logged_with_its_request_id() {
    let server = server().await;
    let (mut other, _) = connect(&server, "/ws", &[("x-fc-request-id", "ws-bystander")]).await;
    let (mut doomed, _) = connect(&server, "/ws", &[("x-fc-request-id", "ws-panic")]).await;
    doomed.send(Message::text("panic")).await.expect("send");
    assert!(!got_close_frame(&mut doomed).await);
    eventually("the End marker of the panicked socket", || {
        has_end(&server, "ws-panic")
    })
    .await;
    assert_markers(&server, "ws-panic", &invoke_markers("ws-panic"));
    // Without fc's helper (axum's own task): the socket ends alone too, with its End.
    let (mut plain, _) = connect(&server, "/plain", &[("x-fc-request-id", "ws-panic-plain")]).await;
    plain.send(Message::text("panic")).await.expect("send");
    assert!(!got_close_frame(&mut plain).await);
    eventually("the End marker of the panicked plain socket", || {
        has_end(&server, "ws-panic-plain")
    })
    .await;
    assert_markers(&server, "ws-panic-plain", &invoke_markers("ws-panic-plain"));
    let lines = log_lines("ws-panic");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("[ERROR] panicked at") && l.contains("asked to panic")),
        "{lines:#?}"
    );
    // The other socket, and new ones, keep working.
    round_trip(&mut other, "still here").await;
    assert_markers(
        &server,
        "ws-bystander",
        &invoke_markers("ws-bystander")[..1],
    );
    let (mut fresh, _) = connect(&server, "/ws", &[("x-fc-request-id", "ws-after")]).await;
    round_trip(&mut fresh, "new socket").await;
    close(other).await;
    close(fresh).await;
    server.stop().await;
}

#[tokio::test]
async fn a_vanished_client_ends_the_invocation() {
    let server = server().await;
    let (mut client, _) = connect(&server, "/ws", &[("x-fc-request-id", "ws-vanished")]).await;
    round_trip(&mut client, "then gone").await;
    assert_markers(&server, "ws-vanished", &invoke_markers("ws-vanished")[..1]);
    // Half of a frame, made by the client library, then the TCP connection drops
    // without a close frame: the client is gone mid-message.
    let mut frame = Vec::new();
    let mut half = tungstenite::protocol::frame::Frame::message(
        "a message that never arrives whole",
        tungstenite::protocol::frame::coding::OpCode::Data(
            tungstenite::protocol::frame::coding::Data::Text,
        ),
        true,
    );
    half.header_mut().mask = Some(rand_mask());
    half.format(&mut frame).expect("format");
    let MaybeTlsStream::Plain(tcp) = client.get_mut() else {
        panic!("plain TCP expected");
    };
    tokio::io::AsyncWriteExt::write_all(tcp, &frame[..frame.len() / 2])
        .await
        .expect("write");
    drop(client);
    eventually("the End marker after the client vanished", || {
        has_end(&server, "ws-vanished")
    })
    .await;
    assert_markers(&server, "ws-vanished", &invoke_markers("ws-vanished"));
    server.stop().await;
}

#[tokio::test]
async fn a_shutdown_waits_for_open_sockets() {
    let server = server().await;
    let (mut client, _) = connect(&server, "/ws", &[("x-fc-request-id", "ws-drain")]).await;
    round_trip(&mut client, "open").await;
    let addr = server.addr;
    let output = server.output.clone();
    let stopping = tokio::spawn(server.stop());
    // The server keeps serving the open socket while it drains.
    round_trip(&mut client, "still served while draining").await;
    assert!(!stopping.is_finished());
    close(client).await;
    stopping.await.expect("stop");
    assert!(
        output
            .captured()
            .contains("FC Invoke End RequestId: ws-drain")
    );
    // It no longer accepts new connections.
    assert!(TcpStream::connect(addr).await.is_err());
}

/// Reads until a close frame (within [`PATIENCE`]) and returns its code; `None` when
/// the connection ended without one.
async fn close_code(client: &mut Client) -> Option<CloseCode> {
    let read = async {
        loop {
            match client.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .expect("the socket was never closed")
}

#[tokio::test]
async fn a_message_over_the_body_limit_is_refused_with_close_code_1009_on_both_paths() {
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

    const LIMIT: usize = 1024 * 1024;
    let server = start(fc::App::from(fc::routes![app]).body_limit(LIMIT)).await;
    for path in ["/ws", "/plain"] {
        // At the limit: served.
        let (mut client, _) = connect(&server, path, &[]).await;
        client
            .send(Message::binary(vec![7u8; LIMIT]))
            .await
            .expect("send");
        match tokio::time::timeout(PATIENCE, client.next()).await {
            Ok(Some(Ok(Message::Binary(echoed)))) => assert_eq!(echoed.len(), LIMIT),
            other => panic!("{path}: expected the echo of {LIMIT} bytes, got {other:?}"),
        }
        // One byte over, in one frame: close code 1009, and the socket still answers
        // nothing after it.
        client
            .send(Message::binary(vec![7u8; LIMIT + 1]))
            .await
            .expect("send");
        assert_eq!(
            close_code(&mut client).await,
            Some(CloseCode::Size),
            "{path}"
        );

        // Over the limit in fragments that are each well under it.
        let (mut client, _) = connect(&server, path, &[]).await;
        let part = LIMIT / 4 + 1;
        client
            .send(Message::Frame(Frame::message(
                vec![1u8; part],
                OpCode::Data(Data::Binary),
                false,
            )))
            .await
            .expect("send");
        for fin in [false, false, true] {
            // The server may close before the last fragment is sent.
            let _ = client
                .send(Message::Frame(Frame::message(
                    vec![1u8; part],
                    OpCode::Data(Data::Continue),
                    fin,
                )))
                .await;
        }
        assert_eq!(
            close_code(&mut client).await,
            Some(CloseCode::Size),
            "{path}"
        );
    }
    // The server goes on serving.
    let (mut client, _) = connect(&server, "/ws", &[]).await;
    round_trip(&mut client, "still here").await;
    close(client).await;
    server.stop().await;
}

#[tokio::test]
async fn fcs_32_mb_limit_is_the_default_for_websocket_messages() {
    let server = server().await;
    let (mut client, _) = connect(&server, "/ws", &[]).await;
    client
        .send(Message::binary(vec![0u8; fc::DEFAULT_BODY_LIMIT + 1]))
        .await
        .expect("send");
    assert_eq!(close_code(&mut client).await, Some(CloseCode::Size));
    server.stop().await;
}
