//! The one builder of requests to a function: FC's common headers, the kind in
//! `x-fc-control-path`, `Host` with the function's port, and an event's content type.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HOST};
use http::{HeaderValue, Method, Request};

use crate::client::{self, Body};
use crate::identity::{Control, Identity};

/// Builds the requests FC sends one running function.
#[derive(Debug, Clone)]
pub(crate) struct Requests {
    identity: Arc<Identity>,
    port: u16,
}

impl Requests {
    pub(crate) fn new(identity: Arc<Identity>, port: u16) -> Self {
        Self { identity, port }
    }

    /// The function as FC describes it.
    pub(crate) fn identity(&self) -> &Arc<Identity> {
        &self.identity
    }

    /// A request as FC sends it: the common headers, `request_id`, `control` in
    /// `x-fc-control-path`; an event (`Control::Invoke`) as
    /// `application/octet-stream`, as FC sends events.
    pub(crate) fn build<B>(
        &self,
        method: Method,
        path_and_query: &str,
        request_id: &str,
        control: Control,
        body: B,
    ) -> Request<B> {
        let mut request = Request::new(body);
        *request.method_mut() = method;
        *request.uri_mut() = path_and_query
            .parse()
            .unwrap_or_else(|_| http::Uri::from_static("/"));
        *request.headers_mut() = self.identity.headers(request_id, control);
        if let Ok(host) = HeaderValue::from_str(&format!("127.0.0.1:{}", self.port)) {
            request.headers_mut().insert(HOST, host);
        }
        if control == Control::Invoke {
            request.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
        }
        request
    }

    /// `POST /invoke` with `event` as its body.
    pub(crate) fn event(&self, request_id: &str, event: impl Into<Bytes>) -> Request<Body> {
        self.build(
            Method::POST,
            "/invoke",
            request_id,
            Control::Invoke,
            client::full(event),
        )
    }

    /// `POST /initialize`, without a body.
    pub(crate) fn initialize(&self, request_id: &str) -> Request<Body> {
        self.build(
            Method::POST,
            "/initialize",
            request_id,
            Control::Initialize,
            client::full(Bytes::new()),
        )
    }

    /// `GET /pre-stop`, without a control path (FC does not document one for hooks;
    /// they go by method and path).
    pub(crate) fn pre_stop(&self, request_id: &str) -> Request<Body> {
        self.build(
            Method::GET,
            "/pre-stop",
            request_id,
            Control::None,
            client::full(Bytes::new()),
        )
    }
}
