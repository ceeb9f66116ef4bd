//! HTTP mode: each request goes to the function whole (method, path, query, headers,
//! body) with `x-fc-control-path: /http-invoke`, and its response streams back.
//! [`Door::http_invoke`] reads as its steps: the base path, the request for the
//! function, sending it, and the answer (or a switched protocol, [`super::upgrade`]).

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Request, Response, StatusCode, Version};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use tokio::sync::OwnedSemaphorePermit;

use super::instance::Instance;
use super::tail::Tail;
use super::{Door, door_answer, headers, upgrade};
use crate::client::{Body, BoxError, Conn, Reply};
use crate::identity::{self, Control};
use crate::marker::Kind;
use crate::serve::SERVICE;
use crate::ui::Style;

/// One HTTP invocation in flight: what its log heading and its concurrency slot
/// need until the answer has ended.
pub(super) struct Invocation {
    pub(super) id: String,
    /// `GET /path?query`, for the heading.
    pub(super) label: String,
    /// Held until the answer is complete (an HTTP body to its end, a socket closed).
    pub(super) slot: Option<OwnedSemaphorePermit>,
}

impl Door {
    /// Forwards one request and gives the function's response back.
    pub(super) async fn http_invoke(
        self: &Arc<Self>,
        instance: &Arc<Instance>,
        mut req: Request<Incoming>,
        slot: Option<OwnedSemaphorePermit>,
    ) -> Response<Body> {
        if let Some(refused) = self.outside_base_path(req.uri().path()) {
            return refused;
        }
        let h2 = req.version() == Version::HTTP_2;
        // A WebSocket (or other) upgrade: the client's side of the connection, once
        // the function has switched protocols.
        let upgrade = upgrade::requested(req.headers()).map(|protocol| {
            let client = hyper::upgrade::on(&mut req);
            (protocol, client)
        });
        let id = identity::request_id();
        let (request, label) = self.request(instance, req, &id, h2, upgrade.as_ref());
        let invocation = Invocation { id, label, slot };

        self.tracker.open(&invocation.id, Kind::Invoke);
        let start = Instant::now();
        let mut response = match send(instance, request, h2, upgrade.is_some()).await {
            Ok(response) => response,
            Err(e) => {
                let heading = self.heading(&invocation.label, &invocation.id, &Err(e.clone()));
                drop(self.tracker.close(&invocation.id, heading));
                return door_answer(StatusCode::BAD_GATEWAY, format!("fc-local: {e}\n"));
            }
        };
        if let Some((_, client)) = upgrade {
            if response.status() == StatusCode::SWITCHING_PROTOCOLS {
                let function = hyper::upgrade::on(&mut response);
                return self.switch(instance, response, (client, function), invocation);
            }
        }
        self.answer(instance, response, start, invocation)
    }

    /// With `--base-path`: the answer to a request outside it.
    fn outside_base_path(&self, path: &str) -> Option<Response<Body>> {
        let base = self.base_path.as_ref()?;
        let bare = base.trim_end_matches('/');
        (path != bare && !path.starts_with(base.as_str())).then(|| {
            door_answer(
                StatusCode::NOT_FOUND,
                format!("fc-local: this front door serves {base} (FC 2.0's default domain)\n"),
            )
        })
    }

    /// The request for the function, as FC's gateway makes it from the client's:
    /// FC's headers, the client's that cross ([`headers::from_client`]), the upgrade
    /// asked, FC 2.0's base path, the client's `Host`; and its label for the log.
    fn request(
        &self,
        instance: &Instance,
        req: Request<Incoming>,
        id: &str,
        h2: bool,
        upgrade: Option<&(HeaderValue, hyper::upgrade::OnUpgrade)>,
    ) -> (Request<Body>, String) {
        let path_and_query = req
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
        let label = format!("{} {}", req.method(), path_and_query);
        let (parts, body) = req.into_parts();
        let body: Body = body.map_err(BoxError::from).boxed();
        let mut request =
            instance
                .requests
                .build(parts.method, &path_and_query, id, Control::HttpInvoke, body);
        headers::from_client(request.headers_mut(), &parts.headers, h2);
        if let Some((protocol, _)) = upgrade {
            let headers = request.headers_mut();
            headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
            headers.insert(header::UPGRADE, protocol.clone());
        }
        if let Some(base) = &self.base_path {
            if let Ok(value) = HeaderValue::from_str(base) {
                request.headers_mut().insert("x-fc-base-path", value);
            }
            request
                .headers_mut()
                .insert("x-fc-service-name", HeaderValue::from_static(SERVICE));
        }
        let host = parts.headers.get(header::HOST).cloned().or_else(|| {
            let authority = parts.uri.authority()?;
            HeaderValue::from_str(authority.as_str()).ok()
        });
        if let Some(host) = host {
            request.headers_mut().insert(header::HOST, host);
        }
        (request, label)
    }

    /// The function's response for the client, its body streamed; the invocation's
    /// log is shown (and its slot freed) when the body ends.
    fn answer(
        self: &Arc<Self>,
        instance: &Arc<Instance>,
        response: Response<Incoming>,
        start: Instant,
        invocation: Invocation,
    ) -> Response<Body> {
        let (mut parts, body) = response.into_parts();
        let summary = Reply {
            status: parts.status,
            version: parts.version,
            headers: parts.headers.clone(),
            body: Bytes::new(),
            elapsed: start.elapsed(),
        };
        let failed = !summary.succeeded();
        // What the client sees: the app's response without FC's own headers.
        headers::to_client(&mut parts.headers, &invocation.id, failed);
        let door = Arc::clone(self);
        // The instance counts as busy until the body has ended (see `drain`).
        let busy = Arc::clone(instance);
        let on_end = move |outcome: Option<String>| {
            let Invocation { id, label, slot } = invocation;
            drop((slot, busy));
            let mut heading = door.heading(&label, &id, &Ok(summary));
            if let Some(note) = outcome {
                heading.push_str(&door.ui.paint(Style::Yellow, &format!(" ({note})")));
            }
            drop(door.tracker.close(&id, heading));
        };
        Response::from_parts(parts, Tail::new(body, Box::new(on_end)).boxed())
    }
}

/// Sends `request` to the function: over HTTP/2 as a stream of the instance's one
/// h2c connection, as FC's gateway does; an upgrade on a connection of its own
/// (the socket's alone, never pooled); anything else on a pooled connection.
async fn send(
    instance: &Instance,
    request: Request<Body>,
    h2: bool,
    upgrade: bool,
) -> Result<Response<Incoming>, String> {
    let timeout = instance.timeout;
    let late = || format!("no response within {} s", timeout.as_secs());
    if h2 {
        let mut conn = instance.h2().await?;
        return match tokio::time::timeout(timeout, conn.send(request)).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(e)) => Err(instance.why_not_h2(e).await),
            Err(_) => Err(late()),
        };
    }
    let mut conn = if upgrade {
        Conn::connect(instance.addr).await?
    } else {
        instance.pool.get().await?
    };
    let response = tokio::time::timeout(timeout, conn.send(request))
        .await
        .map_err(|_| late())??;
    if !upgrade {
        instance.pool.put(conn);
    }
    Ok(response)
}
