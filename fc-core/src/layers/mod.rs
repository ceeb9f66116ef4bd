//! The tower layers fc wraps around every request, and [`stack`], the one place they
//! are put together.

pub(crate) mod catch_panic;
pub(crate) mod invocation;

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::Request;
use axum::response::Response;
use tower::ServiceBuilder;
use tower::util::BoxCloneSyncService;

use crate::endpoint::{Endpoint, EndpointService};
use catch_panic::{CatchPanicLayer, CatchPanicService};
use invocation::{InvocationLayer, InvocationService, Shared};

/// A service in the stack, boxed so the user's layers can wrap it.
pub(crate) type Svc = BoxCloneSyncService<Request, Response, Infallible>;
/// One of the user's layers (`App::layer`), boxed.
pub(crate) type LayerFn = Box<dyn FnOnce(Svc) -> Svc + Send>;
/// The whole stack.
pub(crate) type Stack = InvocationService<CatchPanicService<Svc>>;

/// fc's stack, outermost first. A request passes down through each layer and its
/// response comes back up through them in reverse.
pub(crate) fn stack(shared: Shared, user_layers: Vec<LayerFn>, endpoint: Endpoint) -> Stack {
    // The endpoint: runs the user's function for the kind of request.
    let mut inner: Svc = BoxCloneSyncService::new(EndpointService(Arc::new(endpoint)));
    // The user's own layers (`App::layer`), the last added outermost: they see the
    // request with its `Context` and `Kind` in the extensions.
    for layer in user_layers {
        inner = layer(inner);
    }
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
