//! The innermost service: runs the user's function for the kind of request.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, header::CONTENT_LENGTH, header::CONTENT_TYPE};
use http_body_util::BodyExt;
use tower::Service;

use crate::context::Context;
use crate::dispatch::Kind;
use crate::error::Failure;
use crate::grpc_status::Code;
use crate::health::HealthCheck;
use crate::http_function::HttpFunction;
use crate::instance::Instance;
use crate::macro_support::event::Invocation;
use crate::macro_support::reply::Reply;
use crate::routes::{BoxFuture, HookFn, InvokeFn, Named};

/// Runs the event handler, the initializer, a lifecycle hook or the HTTP function.
pub(crate) struct Endpoint {
    pub(crate) invoke: Option<Named<InvokeFn>>,
    pub(crate) http: Option<HttpFunction>,
    pub(crate) pre_stop: Option<Named<HookFn>>,
    pub(crate) pre_freeze: Option<Named<HookFn>>,
    pub(crate) health: Option<HealthCheck>,
    pub(crate) instance: Arc<Instance>,
    pub(crate) body_limit: usize,
}

/// The endpoint as a service: cloned for every request, so one reference count.
#[derive(Clone)]
pub(crate) struct EndpointService(pub(crate) Arc<Endpoint>);

impl Service<Request> for EndpointService {
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    /// Behind the user's layers: the kind and the context come in the request's
    /// extensions (without user layers, the invocation layer calls [`Endpoint::answer`]
    /// directly).
    fn call(&mut self, req: Request) -> Self::Future {
        let endpoint = Arc::clone(&self.0);
        Box::pin(async move {
            let kind = req.extensions().get::<Kind>().copied();
            let context = req.extensions().get::<Context>().cloned();
            let (Some(kind), Some(context)) = (kind, context) else {
                return Ok(Failure::new(
                    "InternalError",
                    "the request did not pass through fc's invocation layer",
                )
                .into_response());
            };
            Ok(endpoint.answer(kind, context, req).await)
        })
    }
}

pin_project_lite::pin_project! {
    /// The endpoint's answer to a request: its function's response, or its failure's.
    /// The two paths every invocation of a function takes (an event for its handler,
    /// a request for its HTTP app once built) are futures of their own, which hold the
    /// request's body, or the request and its context and then the app's call, and
    /// nothing else; the rest (the initializer, hooks, the health check, a request
    /// nothing serves, the app's first build) is boxed. So the future an HTTP/2
    /// stream's task boxes stays small: a gRPC call's is 0.87 KB (it was 1.9 KB),
    /// under the 1 KB that glibc's allocator serves from its per-thread cache, and 100
    /// fewer instructions a call move it.
    #[project = AnswerProjection]
    pub(crate) enum Answer<E, H> {
        Event { #[pin] run: E },
        Http { #[pin] run: H },
        Other { run: BoxFuture<Result<Response, Failure>> },
    }
}

impl<E, H> Future for Answer<E, H>
where
    E: Future<Output = Result<Response, Failure>>,
    H: Future<Output = Response>,
{
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Response> {
        let result = match self.project() {
            AnswerProjection::Event { run } => run.poll(cx),
            AnswerProjection::Http { run } => return run.poll(cx),
            AnswerProjection::Other { run } => run.as_mut().poll(cx),
        };
        result.map(|result| result.unwrap_or_else(Failure::into_response))
    }
}

impl Endpoint {
    /// Runs the function for a request of `kind`; a failure is its response. The
    /// future owns what it needs.
    pub(crate) fn answer(
        self: Arc<Self>,
        kind: Kind,
        context: Context,
        req: Request,
    ) -> Answer<
        impl Future<Output = Result<Response, Failure>> + Send + 'static + use<>,
        impl Future<Output = Response> + Send + 'static + use<>,
    > {
        if kind == Kind::Invoke {
            return Answer::Event {
                run: self.event(context, req),
            };
        }
        let http = self
            .http
            .as_ref()
            .filter(|_| matches!(kind, Kind::Http | Kind::Grpc));
        match http.and_then(|http| Some((http, http.built()?))) {
            Some((http, app)) => Answer::Http {
                run: http.forward_to(app, req, context),
            },
            None => Answer::Other {
                run: Box::pin(self.run(kind, context, req)),
            },
        }
    }

    /// An event for the handler. The request is taken apart here, so that its future
    /// holds the body alone.
    fn event(
        self: Arc<Self>,
        context: Context,
        req: Request,
    ) -> impl Future<Output = Result<Response, Failure>> + Send + 'static + use<> {
        // An event's headers are in its context (`Policy::keeps_headers`).
        let declared = declared_length(context.headers());
        self.invoke(context, req.into_body(), declared)
    }

    /// An event's body read whole, then the handler's reply.
    async fn invoke(
        self: Arc<Self>,
        context: Context,
        body: Body,
        declared: Option<usize>,
    ) -> Result<Response, Failure> {
        let Some(invoke) = &self.invoke else {
            return Err(Failure::new(
                "NotFound",
                "this function has no #[fc::invoke] handler",
            ));
        };
        let body = read_body(body, declared, self.body_limit).await?;
        let invocation = Invocation {
            body,
            context,
            states: Arc::clone(&self.instance.states),
        };
        let reply = (invoke.handler)(invocation).await.map_err(|f| f.0)?;
        Ok(ok(reply))
    }

    /// What [`answer`](Endpoint::answer) boxes: the initializer, the hooks, the health
    /// check, a request nothing serves, and an HTTP request while the app is still
    /// being built. (Events have a future of their own; their arm here keeps the match
    /// whole.)
    async fn run(
        self: Arc<Self>,
        kind: Kind,
        context: Context,
        req: Request,
    ) -> Result<Response, Failure> {
        match kind {
            Kind::Invoke => self.event(context, req).await,
            Kind::Initialize => {
                self.instance.initialize(&context).await?;
                Ok(ok(Reply::empty()))
            }
            Kind::PreStop => hook("pre-stop", self.pre_stop.as_ref(), context).await,
            Kind::PreFreeze => hook("pre-freeze", self.pre_freeze.as_ref(), context).await,
            // Only classified when configured.
            Kind::Health => match &self.health {
                Some(health) => Ok(health.answer(&self.instance, self.http.as_ref()).await),
                None => Err(Failure::new("NotFound", "no health check is configured")),
            },
            Kind::Http | Kind::Grpc => match &self.http {
                Some(http) => Ok(http.forward(req, context).await),
                None => Err(Failure::new(
                    "NotFound",
                    format!(
                        "no HTTP handler for {} {}: this function serves events at POST /invoke",
                        req.method(),
                        req.uri().path()
                    ),
                )
                .with_grpc_code(Code::Unimplemented)),
            },
        }
    }
}

/// Runs a lifecycle hook. No hook registered: nothing to do, which FC counts as
/// success.
async fn hook(
    which: &str,
    hook: Option<&Named<HookFn>>,
    context: Context,
) -> Result<Response, Failure> {
    if let Some(hook) = hook {
        tracing::info!("running the {which} hook `{}`", hook.name);
        (hook.handler)(context).await.map_err(|f| f.0)?;
    }
    Ok(ok(Reply::empty()))
}

/// A success: 200 with the reply's body and content type (the invocation layer adds
/// `x-fc-status`).
fn ok(reply: Reply) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    response
}

/// The body's length as `Content-Length` declares it.
fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
}

/// Reads the whole body, refusing more than `limit` bytes. A body that arrives in
/// one piece is not copied; otherwise the buffer is sized from `declared`
/// (`Content-Length`).
async fn read_body(
    mut body: Body,
    declared: Option<usize>,
    limit: usize,
) -> Result<Bytes, Failure> {
    let too_large = || {
        Failure::new(
            "EventTooLarge",
            format!("the event is larger than the limit of {limit} bytes"),
        )
    };
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut first: Option<Bytes> = None;
    let mut buffer: Option<BytesMut> = None;
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|e| Failure::new("BodyReadError", format!("could not read the event: {e}")))?;
        let Ok(chunk) = frame.into_data() else {
            continue; // trailers
        };
        let received = first.as_ref().map_or(0, Bytes::len)
            + buffer.as_ref().map_or(0, BytesMut::len)
            + chunk.len();
        if received > limit {
            return Err(too_large());
        }
        match (&mut buffer, first.take()) {
            (Some(buffer), _) => buffer.extend_from_slice(&chunk),
            (None, None) => first = Some(chunk),
            (None, Some(previous)) => {
                let capacity = declared.unwrap_or(0).max(received).min(limit);
                let mut joined = BytesMut::with_capacity(capacity);
                joined.extend_from_slice(&previous);
                joined.extend_from_slice(&chunk);
                buffer = Some(joined);
            }
        }
    }
    Ok(match (first, buffer) {
        (_, Some(buffer)) => buffer.freeze(),
        (Some(first), None) => first,
        (None, None) => Bytes::new(),
    })
}
