//! `fc-local serve`: a front door forwarding events and HTTP requests as FC does,
//! stopping the function with pre-stop and SIGTERM on Ctrl-C.

use crate::common;

use common::{Serving, echo_example, example, header, http, wire_example};

#[test]
fn events_are_forwarded_and_ctrl_c_stops_the_function() {
    let orders = example("orders");
    let serving = Serving::start(&["--initializer", "--", orders.to_str().unwrap()]);
    assert!(serving.url.ends_with('/'), "{}", serving.url);

    let (status, headers, body) = http("POST", &serving.url, r#"{"id": 2, "qty": 5}"#);
    assert_eq!(status, 200, "{body}");
    let receipt: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(receipt["total"], 35);
    assert_eq!(
        header(&headers, "x-fc-request-id"),
        receipt["request_id"].as_str()
    );
    assert_eq!(header(&headers, "x-fc-error-type"), None);

    // A failure: FC's InvokeFunction answer, the error body with its error-type header.
    let url = format!("{}2023-03-30/functions/orders/invocations", serving.url);
    let (status, headers, body) = http("POST", &url, r#"{"id": 2, "qty": 0}"#);
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "x-fc-error-type"),
        Some("UnhandledInvocationError")
    );
    assert!(body.contains("quantity must be positive"), "{body}");

    let (status, _, body) = http("GET", &serving.url, "");
    assert_eq!(status, 405, "{body}");

    let (code, stderr) = serving.interrupt();
    assert_eq!(code, Some(0), "{stderr}");
    // Initialize once, then each invocation grouped under its own heading.
    assert_eq!(
        stderr.matches("FC Initialize Start RequestId").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("\nPOST / 1-"), "{stderr}");
    assert!(
        stderr.contains("\nPOST /2023-03-30/functions/orders/invocations 1-"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[ERROR] Error: quantity must be positive"),
        "{stderr}"
    );
    assert!(
        stderr.contains("fc-local: stopped: /pre-stop 200, exited 0"),
        "{stderr}"
    );
}

#[test]
fn http_requests_are_forwarded_whole() {
    let echo = echo_example();
    let serving = Serving::start(&["--http", "--", echo.to_str().unwrap()]);
    let url = format!("{}some/path?a=1&b=two%20words", serving.url);
    let (status, headers, body) = http("PATCH", &url, "the body");
    assert_eq!(status, 200, "{body}");
    let echoed: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(echoed["method"], "PATCH");
    assert_eq!(echoed["path"], "/some/path");
    assert_eq!(echoed["query"], "a=1&b=two%20words");
    assert_eq!(echoed["body"], "the body");
    assert!(header(&headers, "x-fc-request-id").is_some_and(|id| id.starts_with("1-")));
    assert_eq!(
        header(&headers, "x-fc-status"),
        None,
        "FC's own headers stay inside"
    );
    let (code, stderr) = serving.interrupt();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("\nPATCH /some/path?a=1&b=two%20words 1-"),
        "{stderr}"
    );
}

#[test]
fn fc_2_base_path_is_sent_and_stripped_by_fc() {
    let app = example("http");
    let serving = Serving::start(&["--http", "--base-path", "--", app.to_str().unwrap()]);
    assert!(
        serving.url.ends_with("/2016-08-15/proxy/fc-local/http/"),
        "{}",
        serving.url
    );
    let (status, _, body) = http(
        "GET",
        &format!("{}api/orders/7?currency=USD", serving.url),
        "",
    );
    assert_eq!(status, 200, "{body}");
    let order: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (order["id"].as_u64(), order["currency"].as_str()),
        (Some(7), Some("USD"))
    );
    // The page links under the base path, which fc read from x-fc-base-path.
    let (_, _, page) = http("GET", &serving.url, "");
    assert!(
        page.contains("href=\"/2016-08-15/proxy/fc-local/http/api/orders/7\""),
        "{page}"
    );
    let root = serving.url.split("/2016-08-15").next().unwrap().to_owned();
    let (status, _, _) = http("GET", &format!("{root}/elsewhere"), "");
    assert_eq!(status, 404);
    let (code, _) = serving.interrupt();
    assert_eq!(code, Some(0));
}

#[test]
fn websockets_and_h2c_streams_go_through_serve_http() {
    use bytes::Bytes;
    use futures_util::{SinkExt, StreamExt};
    use http_body_util::{BodyExt, StreamBody};
    use hyper::body::Frame;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use tokio_tungstenite::tungstenite::Message;

    let wire = wire_example();
    let serving = Serving::start(&["--http", "--", wire.to_str().unwrap()]);
    let addr = serving
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let socket_id = runtime.block_on(async {
        // A WebSocket: FC's headers to the function, its 101 back, messages both ways.
        let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let (mut socket, response) =
            tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream)
                .await
                .unwrap();
        assert_eq!(response.status(), 101);
        let connection = response.headers()["connection"].to_str().unwrap();
        assert!(connection.eq_ignore_ascii_case("upgrade"), "{connection}");
        let id = response.headers()["x-fc-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        for n in 0..3 {
            let text = format!("hello {n}");
            socket.send(Message::text(text.clone())).await.unwrap();
            let echoed = socket.next().await.unwrap().unwrap();
            assert_eq!(echoed, Message::text(text));
        }
        socket.close(None).await.unwrap();
        while let Some(Ok(_)) = socket.next().await {}

        // h2c with prior knowledge: the function is reached over HTTP/2 too.
        let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(connection);
        let request = http::Request::get(format!("http://{addr}/some/path?a=1"))
            .body(http_body_util::Empty::<Bytes>::new().boxed())
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        assert_eq!(response.version(), http::Version::HTTP_2);
        assert!(response.headers().contains_key("x-fc-request-id"));
        assert!(!response.headers().contains_key("x-fc-status"));
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let echoed: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(echoed["version"], "HTTP/2.0");
        assert_eq!(echoed["path"], "/some/path");
        assert_eq!(echoed["query"], "a=1");

        // A stream both ways: each part comes back before the next is sent, so
        // nothing on the way buffers the body.
        let (parts, mut received) = tokio::sync::mpsc::channel::<Bytes>(1);
        let body = StreamBody::new(futures_util::stream::poll_fn(move |cx| {
            received
                .poll_recv(cx)
                .map(|part| part.map(|b| Ok::<_, std::convert::Infallible>(Frame::data(b))))
        }));
        let request = http::Request::post(format!("http://{addr}/stream"))
            .body(BodyExt::boxed(body))
            .unwrap();
        parts.send(Bytes::from_static(b"one")).await.unwrap();
        let mut response = sender.send_request(request).await.unwrap().into_body();
        for part in ["one", "two", "three"] {
            if part != "one" {
                parts.send(Bytes::from(part)).await.unwrap();
            }
            let frame = response.frame().await.unwrap().unwrap();
            assert_eq!(frame.into_data().unwrap(), part.as_bytes());
        }
        drop(parts);
        while let Some(frame) = response.frame().await {
            assert!(frame.unwrap().data_ref().is_none_or(|d| d.is_empty()));
        }
        id
    });
    let (code, stderr) = serving.interrupt();
    assert_eq!(code, Some(0), "{stderr}");
    // The socket is one invocation, shown once it has closed, with its End marker.
    assert!(
        stderr.contains(&format!("GET /ws {socket_id} switched protocols, closed")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("FC Invoke End RequestId: {socket_id}")),
        "{stderr}"
    );
    assert!(stderr.contains("\nGET /some/path?a=1 1-"), "{stderr}");
}

#[test]
fn serve_closes_a_websocket_at_the_function_timeout_as_fc_does() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let wire = wire_example();
    let serving = Serving::start(&["--http", "--timeout", "1", "--", wire.to_str().unwrap()]);
    let addr = serving
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (id, close_frame) = runtime.block_on(async {
        let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let (mut socket, response) =
            tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream)
                .await
                .unwrap();
        let id = response.headers()["x-fc-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        socket.send(Message::text("still here")).await.unwrap();
        assert_eq!(
            socket.next().await.unwrap().unwrap(),
            Message::text("still here")
        );
        // The client never closes: the socket ends when fc-local cuts it.
        let mut close_frame = false;
        while let Some(Ok(message)) = socket.next().await {
            close_frame |= message.is_close();
        }
        (id, close_frame)
    });
    // FC drops the connection without a close frame: clients see 1006.
    assert!(!close_frame);
    let (code, stderr) = serving.interrupt();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "GET /ws {id} switched protocols, closed by fc-local at the function's timeout (1 s)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("FC Invoke End RequestId: {id}")),
        "{stderr}"
    );
}
