//! Event mode: the body of each `POST` is an event, sent as `POST /invoke`; the
//! caller gets what FC's InvokeFunction answers.

use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use super::instance::Instance;
use super::{Door, door_answer, headers};
use crate::client::{self, Body, Reply};
use crate::identity;
use crate::marker::Kind;

/// FC's limit for a synchronous invocation's event.
const MAX_EVENT: usize = 32 * 1024 * 1024;

impl Door {
    /// What FC's InvokeFunction answers: the body, the request id, and on failure
    /// `x-fc-error-type: UnhandledInvocationError`.
    pub(super) fn event_answer(&self, id: &str, reply: Reply) -> Response<Body> {
        let failed = !reply.succeeded();
        let mut response = Response::new(client::full(reply.body));
        headers::set_request_id(response.headers_mut(), id);
        if failed {
            headers::set_failed(response.headers_mut());
        }
        response
    }

    /// Forwards one event.
    pub(super) async fn invoke(
        &self,
        instance: &Instance,
        req: Request<Incoming>,
    ) -> Response<Body> {
        if req.method() != Method::POST {
            return door_answer(
                StatusCode::METHOD_NOT_ALLOWED,
                "fc-local serve (event mode): POST an event; the request's body is the event \
                 (use --http to serve HTTP requests)\n"
                    .to_owned(),
            );
        }
        let label = format!("{} {}", req.method(), req.uri().path());
        let body = match http_body_util::Limited::new(req.into_body(), MAX_EVENT)
            .collect()
            .await
        {
            Ok(body) => body.to_bytes(),
            Err(e) => {
                return door_answer(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "fc-local: the event could not be read (FC accepts up to 32 MB): {e}\n"
                    ),
                );
            }
        };
        let id = identity::request_id();
        let request = instance.requests.event(&id, body);
        self.tracker.open(&id, Kind::Invoke);
        let result = instance.exchange(request, instance.timeout).await;
        drop(self.tracker.close(&id, self.heading(&label, &id, &result)));
        match result {
            Ok(reply) => self.event_answer(&id, reply),
            Err(e) => door_answer(StatusCode::BAD_GATEWAY, format!("fc-local: {e}\n")),
        }
    }
}
