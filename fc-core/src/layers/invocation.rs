//! The outermost layer: every request FC sends becomes an invocation with a
//! [`Context`], a span carrying its request id, FC's Start/End markers, a logged
//! failure report, and a status FC understands.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use axum::extract::Request;
use axum::response::Response;
use http::{HeaderValue, StatusCode};
use tower::util::{BoxCloneSyncService, Oneshot};
use tower::{Service, ServiceExt};
use tracing::Instrument;

use crate::context::{Context, Env, header};
use crate::dispatch::{self, Kind};
use crate::error::Report;
use crate::handler::BoxFuture;
use crate::instance::Instance;
use crate::layers::catch_panic::CatchPanicService;
use crate::log::{Marker, Output};

pub(crate) type Inner = CatchPanicService<BoxCloneSyncService<Request, Response, Infallible>>;

/// Turns requests into invocations around the inner stack (panic catching, the user's
/// layers, the endpoint).
#[derive(Clone)]
pub(crate) struct InvocationService {
    pub(crate) inner: Inner,
    pub(crate) shared: Arc<Shared>,
}

/// What every invocation needs, built once.
pub(crate) struct Shared {
    pub(crate) env: Arc<Env>,
    pub(crate) instance: Arc<Instance>,
    pub(crate) output: Output,
}

impl Service<Request> for InvocationService {
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        // The inner stack is driven to readiness per request by `Oneshot`.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let kind = dispatch::classify(req.method(), req.uri().path(), req.headers());
        let context = Context::new(req.headers().clone(), Arc::clone(&self.shared.env));
        // ERROR level so that no RUST_LOG filter drops the span and, with it, the
        // request id on the user's own log lines.
        let span = tracing::error_span!("fc_invocation", request_id = %context.request_id());
        req.extensions_mut().insert(kind);
        req.extensions_mut().insert(context.clone());
        let inner: Oneshot<Inner, Request> = self.inner.clone().oneshot(req);
        let shared = Arc::clone(&self.shared);
        Box::pin(
            async move {
                let output = &shared.output;
                let id = context.request_id();
                let marker = match kind {
                    Kind::Initialize => Marker::Initialize,
                    _ => Marker::Invoke,
                };
                if kind == Kind::Invoke && shared.instance.needs_init() {
                    // An invocation before any /initialize: run the initializer first.
                    if let Err(failure) = shared.instance.initialize(&context, true).await {
                        let _guard = marker.start(id, output);
                        return Ok(finish(kind, failure.into_response()));
                    }
                }
                let _guard = marker.start(id, output);
                let response = match inner.await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                Ok(finish(kind, response))
            }
            .instrument(span),
        )
    }
}

/// Logs the failure report, if any, and makes the status one FC understands: a
/// failure is 404 with `x-fc-status: 404`; an HTTP function's own status passes
/// through with `x-fc-status: 200`; anything else answers 200 or 404.
fn finish(kind: Kind, mut response: Response) -> Response {
    let failed = match response.extensions().get::<Report>() {
        Some(Report(text)) => {
            tracing::error!("{text}");
            true
        }
        None => false,
    };
    let status = response.status();
    let ok = if failed {
        false
    } else if kind == Kind::Http {
        true
    } else {
        if status != StatusCode::OK {
            tracing::error!("a layer answered {status}; FC is told 404");
        }
        status == StatusCode::OK
    };
    if kind != Kind::Http || failed {
        *response.status_mut() = if ok {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
    }
    let fc_status = HeaderValue::from_static(if ok { "200" } else { "404" });
    response.headers_mut().insert(header::STATUS, fc_status);
    response
}
