//! The innermost service: runs the user's function for the kind of request.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, header::CONTENT_LENGTH, header::CONTENT_TYPE};
use http_body_util::BodyExt;
use tokio::sync::OnceCell;
use tower::{Service, ServiceExt};

use crate::context::{Context, header};
use crate::dispatch::Kind;
use crate::error::Failure;
use crate::handler::{BoxFuture, HookFn, HttpFn, Invocation, InvokeFn, Named, Reply};
use crate::http_app::{sanitize, strip_base_path};
use crate::instance::Instance;

/// Runs the event handler, the initializer or a lifecycle hook.
pub(crate) struct Endpoint {
    pub(crate) invoke: Option<Named<InvokeFn>>,
    pub(crate) http: Option<Named<HttpFn>>,
    pub(crate) pre_stop: Option<Named<HookFn>>,
    pub(crate) pre_freeze: Option<Named<HookFn>>,
    /// The HTTP function's router, built on its first invocation.
    pub(crate) app: Arc<OnceCell<Router>>,
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

    fn call(&mut self, req: Request) -> Self::Future {
        let endpoint = Arc::clone(&self.0);
        Box::pin(async move {
            Ok(endpoint
                .run(req)
                .await
                .unwrap_or_else(Failure::into_response))
        })
    }
}

impl Endpoint {
    async fn run(&self, req: Request) -> Result<Response, Failure> {
        let kind = req.extensions().get::<Kind>().copied();
        let context = req.extensions().get::<Context>().cloned();
        let (Some(kind), Some(context)) = (kind, context) else {
            return Err(Failure::new(
                "InternalError",
                "the request did not pass through fc's invocation layer",
            ));
        };
        match kind {
            Kind::Invoke => {
                let Some(invoke) = &self.invoke else {
                    return Err(Failure::new(
                        "NotFound",
                        "this function has no #[fc::invoke] handler",
                    ));
                };
                let body = read_body(req, context.headers(), self.body_limit).await?;
                let invocation = Invocation {
                    body,
                    context,
                    states: Arc::clone(&self.instance.states),
                };
                let reply = (invoke.handler)(invocation).await.map_err(|f| f.0)?;
                Ok(ok(reply))
            }
            Kind::Initialize => {
                self.instance.initialize(&context, false).await?;
                Ok(ok(empty()))
            }
            Kind::PreStop | Kind::PreFreeze => {
                let hook = match kind {
                    Kind::PreStop => &self.pre_stop,
                    _ => &self.pre_freeze,
                };
                // No hook registered: nothing to do, which FC counts as success.
                if let Some(hook) = hook {
                    tracing::info!("running the {} hook `{}`", kind.hook_name(), hook.name);
                    (hook.handler)(context).await.map_err(|f| f.0)?;
                }
                Ok(ok(empty()))
            }
            Kind::Http => self.http(req, &context).await,
        }
    }

    /// Forwards an HTTP invocation to the app, whole, and returns its response with
    /// the headers FC forbids removed.
    async fn http(&self, mut req: Request, context: &Context) -> Result<Response, Failure> {
        let Some(http) = &self.http else {
            return Err(Failure::new(
                "NotFound",
                format!(
                    "no HTTP handler for {} {}: this function serves events at POST /invoke",
                    req.method(),
                    req.uri().path()
                ),
            ));
        };
        let limit = self.body_limit;
        let router = self
            .app
            .get_or_init(|| async move {
                // axum's extractors refuse bodies over 2 MB unless told otherwise.
                (http.handler)().await.layer(DefaultBodyLimit::max(limit))
            })
            .await
            .clone();
        strip_base_path(&mut req, context.base_path());
        req.extensions_mut()
            .insert(Arc::clone(&self.instance.states));
        let mut response = match router.oneshot(req).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        sanitize(response.headers_mut());
        Ok(response)
    }
}

fn empty() -> Reply {
    Reply {
        body: Bytes::new(),
        content_type: "application/octet-stream",
    }
}

/// FC's success: 200 with `x-fc-status: 200`.
fn ok(reply: Reply) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    let headers = response.headers_mut();
    headers.insert(header::STATUS, HeaderValue::from_static("200"));
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    response
}

/// Reads the whole body, refusing more than `limit` bytes. A body that arrives in
/// one piece is not copied; otherwise the buffer is sized from `Content-Length`.
async fn read_body(req: Request, headers: &HeaderMap, limit: usize) -> Result<Bytes, Failure> {
    let too_large = || {
        Failure::new(
            "EventTooLarge",
            format!("the event is larger than the limit of {limit} bytes"),
        )
    };
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = req.into_body();
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
