//! The tower layers fc wraps around every request, and [`stack`], the one place they
//! are put together.

pub(crate) mod catch_panic;
pub(crate) mod invocation;

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::Request;
use axum::response::Response;
use tower::util::BoxCloneSyncService;
use tower::{Layer, ServiceBuilder};

use crate::dispatch::Kind;
use crate::endpoint::{Endpoint, EndpointService};
use catch_panic::{CatchPanicLayer, CatchPanicService};
use invocation::{InvocationLayer, InvocationService, Shared};

/// A service in the stack, boxed so the user's layers can wrap it.
pub(crate) type Svc = BoxCloneSyncService<Request, Response, Infallible>;
/// One of the user's layers (`App::layer`), boxed.
pub(crate) type LayerFn = Box<dyn FnOnce(Svc) -> Svc + Send>;
/// The whole stack.
pub(crate) type Stack = InvocationService;

/// What runs inside fc's invocation layer: the endpoint itself, or the user's layers
/// around it. Without user layers nothing is boxed: the invocation's future holds the
/// endpoint's inline, with panics caught around it.
#[derive(Clone)]
pub(crate) enum Inner {
    Endpoint(Arc<Endpoint>),
    /// The user's layers around the endpoint, panics caught around them, and the
    /// endpoint alone for what FC's platform sends ([`bypasses_layers`]).
    Layered(CatchPanicService<Svc>, Arc<Endpoint>),
}

/// Where one request goes: straight to the endpoint, or through the user's layers.
pub(crate) enum Route {
    Endpoint(Arc<Endpoint>),
    Layered(CatchPanicService<Svc>),
}

impl Inner {
    /// Where a request of `kind` goes.
    pub(crate) fn route(&self, kind: Kind) -> Route {
        match self {
            Inner::Endpoint(endpoint) => Route::Endpoint(Arc::clone(endpoint)),
            Inner::Layered(_, endpoint) if bypasses_layers(kind) => {
                Route::Endpoint(Arc::clone(endpoint))
            }
            Inner::Layered(layered, _) => Route::Layered(layered.clone()),
        }
    }
}

/// FC's health check and the lifecycle hooks go to the endpoint past the user's
/// layers: a concurrency limit or a rate limit there must not queue FC's probe (or
/// the pre-stop hook) behind invocations.
fn bypasses_layers(kind: Kind) -> bool {
    matches!(kind, Kind::Health | Kind::PreStop | Kind::PreFreeze)
}

/// fc's stack, outermost first. A request passes down through each layer and its
/// response comes back up through them in reverse.
pub(crate) fn stack(shared: Shared, user_layers: Vec<LayerFn>, endpoint: Endpoint) -> Stack {
    // The endpoint: runs the user's function for the kind of request.
    let endpoint = Arc::new(endpoint);
    // The user's own layers (`App::layer`), the last added outermost: they see the
    // request with its `Context` and `Kind` in the extensions. Panics in them, at
    // `poll_ready`, `call` or while polled, become FC's 404 naming the request id.
    // FC's health check and hooks skip them (`bypasses_layers`).
    let inner = if user_layers.is_empty() {
        Inner::Endpoint(endpoint)
    } else {
        let mut layered: Svc = BoxCloneSyncService::new(EndpointService(Arc::clone(&endpoint)));
        for layer in user_layers {
            layered = layer(layered);
        }
        let layered = ServiceBuilder::new()
            .layer(CatchPanicLayer)
            .service(layered);
        Inner::Layered(layered, endpoint)
    };
    // The request's kind, context, span, markers, initializer first and deadline;
    // panics in the endpoint caught; on the way out the failure report is logged and
    // the status made one FC understands (`x-fc-status`).
    InvocationLayer::new(shared).layer(inner)
}
