//! Which headers cross the front door. FC's reserved headers (`x-fc-*`) are the
//! platform's own: never taken from a client, never passed back to one (the door
//! sets `x-fc-request-id` and, on a failure, `x-fc-error-type` itself). Hop-by-hop
//! headers belong to one connection and are not forwarded either way.

use http::HeaderMap;
use http::header::{self, HeaderName, HeaderValue};

/// FC's reserved headers: the rule both directions follow.
fn reserved(name: &HeaderName) -> bool {
    name.as_str().starts_with("x-fc-")
}

/// Hop-by-hop headers, never forwarded.
fn hop_by_hop(name: &HeaderName) -> bool {
    [
        header::CONNECTION,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
        header::PROXY_AUTHORIZATION,
    ]
    .contains(name)
        || name.as_str() == "keep-alive"
        || name.as_str() == "proxy-connection"
}

/// The client's headers added to a request that already holds FC's: all but FC's
/// reserved ones, hop-by-hop ones (except gRPC's `te: trailers` over HTTP/2) and
/// `Host`; where both set one, FC's wins.
pub(super) fn from_client(request: &mut HeaderMap, client: &HeaderMap, h2: bool) {
    let fc = std::mem::take(request);
    for (name, value) in client {
        // gRPC's `te: trailers` is the one TE HTTP/2 allows, and gRPC servers want it.
        let trailers = h2 && name == header::TE && value == "trailers";
        if (trailers || !hop_by_hop(name)) && !reserved(name) && name != header::HOST {
            request.append(name, value.clone());
        }
    }
    for (name, value) in &fc {
        request.insert(name, value.clone());
    }
}

/// A function's response headers as the client gets them: without FC's reserved
/// ones or hop-by-hop ones, `x-fc-error-type: UnhandledInvocationError` when the
/// invocation failed, and the request id.
pub(super) fn to_client(headers: &mut HeaderMap, id: &str, failed: bool) {
    remove(headers, |name| reserved(name) || hop_by_hop(name));
    if failed {
        set_failed(headers);
    }
    set_request_id(headers, id);
}

/// A function's `101` as the client gets it: its `Connection`, `Upgrade` and
/// `Sec-WebSocket-*` kept (they are the switch), FC's reserved headers removed, and
/// the request id.
pub(super) fn switch_to_client(headers: &mut HeaderMap, id: &str) {
    remove(headers, reserved);
    set_request_id(headers, id);
}

/// `x-fc-request-id: id`, as FC answers every invocation.
pub(super) fn set_request_id(headers: &mut HeaderMap, id: &str) {
    if let Ok(value) = HeaderValue::from_str(id) {
        headers.insert("x-fc-request-id", value);
    }
}

/// `x-fc-error-type: UnhandledInvocationError`, as FC marks a failed invocation.
pub(super) fn set_failed(headers: &mut HeaderMap) {
    headers.insert(
        "x-fc-error-type",
        HeaderValue::from_static("UnhandledInvocationError"),
    );
}

/// Removes every header whose name `drop` picks.
fn remove(headers: &mut HeaderMap, drop: impl Fn(&HeaderName) -> bool) {
    let names: Vec<HeaderName> = headers.keys().filter(|name| drop(name)).cloned().collect();
    for name in names {
        headers.remove(&name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    fn names(headers: &HeaderMap) -> Vec<&str> {
        headers.keys().map(HeaderName::as_str).collect()
    }

    #[test]
    fn a_client_sets_no_reserved_header_and_fcs_own_win() {
        let mut request = map(&[("x-fc-request-id", "1-real"), ("accept", "fc/1")]);
        let client = map(&[
            ("x-fc-request-id", "forged"),
            ("x-fc-anything", "forged"),
            ("accept", "client/1"),
            ("connection", "keep-alive"),
            ("te", "trailers"),
            ("host", "example.com"),
            ("user-agent", "test"),
        ]);
        from_client(&mut request, &client, false);
        assert_eq!(request["x-fc-request-id"], "1-real");
        assert_eq!(request["accept"], "fc/1");
        assert_eq!(request["user-agent"], "test");
        assert!(request.get("x-fc-anything").is_none());
        assert!(request.get("connection").is_none());
        assert!(request.get("te").is_none());
        assert!(request.get("host").is_none());
        let mut h2 = HeaderMap::new();
        from_client(&mut h2, &client, true);
        assert_eq!(h2["te"], "trailers");
    }

    #[test]
    fn a_response_loses_reserved_and_hop_by_hop_headers_and_a_101_keeps_its_switch() {
        let function = map(&[
            ("x-fc-status", "200"),
            ("x-fc-request-id", "forged"),
            ("connection", "upgrade"),
            ("upgrade", "websocket"),
            ("content-type", "text/plain"),
        ]);
        let mut response = function.clone();
        to_client(&mut response, "1-real", true);
        assert_eq!(response["x-fc-request-id"], "1-real");
        assert_eq!(response["x-fc-error-type"], "UnhandledInvocationError");
        assert!(response.get("x-fc-status").is_none());
        assert!(response.get("connection").is_none() && response.get("upgrade").is_none());
        let mut ok = function.clone();
        to_client(&mut ok, "1-real", false);
        assert!(ok.get("x-fc-error-type").is_none());

        let mut switched = function;
        switch_to_client(&mut switched, "1-real");
        let mut kept = names(&switched);
        kept.sort_unstable();
        assert_eq!(
            kept,
            ["connection", "content-type", "upgrade", "x-fc-request-id"]
        );
        assert_eq!(switched["x-fc-request-id"], "1-real");
    }
}
