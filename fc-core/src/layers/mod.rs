//! The tower layers fc wraps around every request, and [`stack`], the one place they
//! are put together.

pub(crate) mod catch_panic;
pub(crate) mod invocation;

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use axum::extract::Request;
use axum::response::Response;
use tower::util::BoxCloneSyncService;
use tower::{Service, ServiceBuilder, ServiceExt};

use crate::dispatch::Kind;
use crate::endpoint::{Endpoint, EndpointService};
use crate::routes::BoxFuture;
use catch_panic::{CatchPanicLayer, CatchPanicService};
use invocation::{InvocationLayer, InvocationService, Shared};

/// A service in the stack, boxed so the user's layers can wrap it.
pub(crate) type Svc = BoxCloneSyncService<Request, Response, Infallible>;
/// One of the user's layers (`App::layer`), boxed.
pub(crate) type LayerFn = Box<dyn FnOnce(Svc) -> Svc + Send>;
/// The whole stack.
pub(crate) type Stack = InvocationService<CatchPanicService<Inner>>;

/// What runs inside fc's layers: the endpoint itself, or the user's layers around it.
/// Without user layers nothing is boxed, and a request's clone of it is one reference
/// count.
#[derive(Clone)]
pub(crate) enum Inner {
    Endpoint(EndpointService),
    /// The user's layers around the endpoint, and the endpoint alone for what FC's
    /// platform sends ([`bypasses_layers`]).
    Layered(Svc, EndpointService),
}

/// FC's health check and the lifecycle hooks go to the endpoint past the user's
/// layers: a concurrency limit or a rate limit there must not queue FC's probe (or
/// the pre-stop hook) behind invocations.
fn bypasses_layers(req: &Request) -> bool {
    matches!(
        req.extensions().get::<Kind>(),
        Some(Kind::Health | Kind::PreStop | Kind::PreFreeze)
    )
}

impl Service<Request> for Inner {
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        match self {
            Inner::Endpoint(endpoint) => endpoint.poll_ready(cx),
            // Which service the request goes to is known only at `call`: the user's
            // layers are driven to readiness in the call's future (a request that
            // bypasses them must not wait for their readiness).
            Inner::Layered(..) => Poll::Ready(Ok(())),
        }
    }

    fn call(&mut self, req: Request) -> Self::Future {
        match self {
            Inner::Endpoint(endpoint) => endpoint.call(req),
            Inner::Layered(_, endpoint) if bypasses_layers(&req) => endpoint.call(req),
            Inner::Layered(layered, _) => Box::pin(layered.clone().oneshot(req)),
        }
    }
}

/// fc's stack, outermost first. A request passes down through each layer and its
/// response comes back up through them in reverse.
pub(crate) fn stack(shared: Shared, user_layers: Vec<LayerFn>, endpoint: Endpoint) -> Stack {
    // The endpoint: runs the user's function for the kind of request.
    let endpoint = EndpointService(Arc::new(endpoint));
    // The user's own layers (`App::layer`), the last added outermost: they see the
    // request with its `Context` and `Kind` in the extensions.
    // FC's health check and hooks skip them (`bypasses_layers`).
    let inner = if user_layers.is_empty() {
        Inner::Endpoint(endpoint)
    } else {
        let mut layered: Svc = BoxCloneSyncService::new(endpoint.clone());
        for layer in user_layers {
            layered = layer(layered);
        }
        Inner::Layered(layered, endpoint)
    };
    ServiceBuilder::new()
        // The request's kind, context, span, markers, initializer first and
        // deadline; on the way out the failure report is logged and the status made
        // one FC understands (`x-fc-status`).
        .layer(InvocationLayer::new(shared))
        // Panics in the user's layers or function, at call or while polled, become
        // FC's 404 naming the request id.
        .layer(CatchPanicLayer)
        .service(inner)
}
