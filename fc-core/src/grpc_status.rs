//! A failure as a gRPC client reads it: HTTP 200 with `grpc-status` and
//! `grpc-message` and no body ("trailers-only", as the gRPC over HTTP/2 protocol
//! spells it). Needs no gRPC library: a gRPC call fails this way whether or not the
//! app behind it is tonic.

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue};

/// The gRPC status codes fc answers with (the protocol's numbering).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Code {
    /// The function's deadline passed.
    DeadlineExceeded = 4,
    /// No handler for the call.
    Unimplemented = 12,
    /// A panic, an initializer that failed, anything else fc answers for the app.
    Internal = 13,
}

/// Whether a request's `content-type` is gRPC's ([`crate::header::is_grpc_content_type`]),
/// for tests that classify a request by its headers.
#[cfg(test)]
pub(crate) fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .is_some_and(crate::header::is_grpc_content_type)
}

/// A gRPC status fc answers a failed call with.
#[derive(Clone, Debug)]
pub(crate) struct GrpcStatus {
    pub(crate) code: Code,
    pub(crate) message: Arc<str>,
}

impl GrpcStatus {
    /// The trailers-only answer: HTTP 200, `content-type: application/grpc`,
    /// `grpc-status` and the percent-encoded `grpc-message`, no body.
    pub(crate) fn into_response(self) -> Response {
        let mut response = Response::new(Body::empty());
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
        self.write(headers);
        response
    }

    /// Writes `grpc-status` and `grpc-message` (into headers, or trailers).
    pub(crate) fn write(&self, headers: &mut HeaderMap) {
        headers.insert("grpc-status", HeaderValue::from(self.code as u16));
        if let Ok(message) = HeaderValue::from_str(&percent_encode(&self.message)) {
            headers.insert("grpc-message", message);
        }
    }
}

/// `grpc-message` encoding: bytes outside printable ASCII, and `%`, as `%XX`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if (0x20..=0x7e).contains(&byte) && byte != b'%' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderName;

    #[test]
    fn grpc_content_types() {
        let cases = [
            ("application/grpc", true),
            ("application/grpc+proto", true),
            ("application/GRPC+json", true),
            ("application/grpc; charset=utf-8", true),
            ("application/grpc-web", false),
            ("application/grpc-web+proto", false),
            ("application/grpcx", false),
            ("application/json", false),
            ("", false),
        ];
        for (value, want) in cases {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
            assert_eq!(is_grpc(&headers), want, "{value:?}");
        }
        assert!(!is_grpc(&HeaderMap::new()));
    }

    #[test]
    fn trailers_only_answer() {
        let status = GrpcStatus {
            code: Code::Internal,
            message: Arc::from("100% broken: ünïcode\nline"),
        };
        let response = status.into_response();
        assert_eq!(response.status(), 200);
        let header = |name: &'static str| &response.headers()[HeaderName::from_static(name)];
        assert_eq!(header("content-type"), "application/grpc");
        assert_eq!(header("grpc-status"), "13");
        assert_eq!(
            header("grpc-message"),
            "100%25 broken: %C3%BCn%C3%AFcode%0Aline"
        );
    }
}
