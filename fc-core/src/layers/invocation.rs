//! The outermost layer: every request FC sends becomes an invocation with a
//! [`Context`], a span carrying its request id, FC's Start/End markers, a logged
//! failure report, and a status FC understands.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use std::pin::Pin;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::response::Response;
use http::{HeaderValue, StatusCode};
use http_body::{Frame, SizeHint};
use tower::util::{BoxCloneSyncService, Oneshot};
use tower::{Service, ServiceExt};
use tracing::{Instrument, Span};

use crate::context::{Context, Env, header};
use crate::dispatch::{self, Kind};
use crate::error::{Failure, Report};
use crate::handler::BoxFuture;
use crate::instance::Instance;
use crate::layers::catch_panic::{CatchPanicService, catching};
use crate::log::{Marker, MarkerGuard, Output};

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
    /// Answer with a timeout failure at `x-fc-function-timeout`.
    pub(crate) enforce_deadline: bool,
}

/// The failure FC gets when an invocation outlives the function's timeout.
fn timed_out(context: &Context) -> Failure {
    let seconds = context.function_timeout().map_or(0, |d| d.as_secs());
    Failure::new(
        "FunctionTimeout",
        format!("the invocation did not finish within the function's timeout of {seconds} s"),
    )
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
        // An HTTP function's app gets the request as it came, so its context reads a
        // copy of the headers. Any other request's headers (FC's own) move into the
        // context: no copy on the hot path; layers read them with `Context::headers`.
        let headers = match kind {
            Kind::Http => req.headers().clone(),
            _ => std::mem::take(req.headers_mut()),
        };
        let context = Context::new(headers, Arc::clone(&self.shared.env));
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
                // Hooks are not invocations: they run in the span, without markers.
                let marker = match kind {
                    Kind::Initialize => Some(Marker::Initialize),
                    Kind::Invoke | Kind::Http => Some(Marker::Invoke),
                    Kind::PreStop | Kind::PreFreeze => None,
                };
                let invocation = marker == Some(Marker::Invoke);
                if invocation && shared.instance.needs_init() {
                    // An invocation before any /initialize: run the initializer first.
                    if let Err(failure) = shared.instance.initialize(&context, true).await {
                        let guard = marker.map(|m| m.start(&context, output));
                        let response = finish(kind, failure.into_response());
                        return Ok(InvocationBody::wrap(response, guard));
                    }
                }
                let guard = marker.map(|m| m.start(&context, output));
                let deadline = context
                    .deadline()
                    .filter(|_| invocation && shared.enforce_deadline);
                let result = match deadline {
                    Some(deadline) => tokio::time::timeout_at(deadline.into(), inner).await,
                    None => Ok(inner.await),
                };
                let response = match result {
                    Ok(Ok(response)) => response,
                    Ok(Err(never)) => match never {},
                    // The handler's future is dropped: it stops at its next await.
                    Err(_elapsed) => timed_out(&context).into_response(),
                };
                Ok(InvocationBody::wrap(finish(kind, response), guard))
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

/// A response body that belongs to an invocation: it is polled inside the
/// invocation's span (a streaming body's log lines carry the request id), a panic
/// while producing it ends the response instead of the connection task, and the End
/// marker is printed when the body is finished or dropped, not when the headers go.
struct InvocationBody {
    inner: Body,
    span: Span,
    guard: Option<MarkerGuard>,
}

impl InvocationBody {
    fn wrap(response: Response, guard: Option<MarkerGuard>) -> Response {
        let span = Span::current();
        response.map(|inner| Body::new(InvocationBody { inner, span, guard }))
    }
}

impl HttpBody for InvocationBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        let _entered = this.span.enter();
        let inner = &mut this.inner;
        match catching(|| Pin::new(inner).poll_frame(cx)) {
            Ok(Poll::Ready(None)) => {
                this.guard.take();
                Poll::Ready(None)
            }
            Ok(poll) => poll,
            Err(_panic) => {
                this.guard.take();
                Poll::Ready(Some(Err(axum::Error::new("the response body panicked"))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
