//! `fc-local serve`: a front door forwarding events and HTTP requests as FC does,
//! stopping the function with pre-stop and SIGTERM on Ctrl-C.

mod common;

use common::{Serving, echo_example, example, header, http};

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
