//! The layer that turns a panic, in a service's `poll_ready` or `call`, while its
//! future is polled or when it is dropped, into FC's 404 answer naming the request
//! id (a panic while dropped is logged; the answer is then the deadline's).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use axum::extract::Request;
use axum::response::Response;
use tower::{Layer, Service};

use crate::context::Context;
use crate::error::Failure;
use crate::panic::{CatchUnwind, catching};

/// Wraps a service so that a panic in `call` or in its future becomes FC's 404.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CatchPanicLayer;

impl<S> Layer<S> for CatchPanicLayer {
    type Service = CatchPanicService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        CatchPanicService {
            inner,
            ready_panicked: false,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct CatchPanicService<S> {
    inner: S,
    /// The inner `poll_ready` panicked: this clone (one per request) is ready only
    /// to answer with the panic.
    ready_panicked: bool,
}

impl<S> Service<Request> for CatchPanicService<S>
where
    S: Service<Request, Response = Response>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = S::Error;
    type Future = CatchPanicFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        if self.ready_panicked {
            return Poll::Ready(Ok(()));
        }
        let inner = &mut self.inner;
        match catching(|| inner.poll_ready(cx)) {
            Ok(poll) => poll,
            Err(_payload) => {
                self.ready_panicked = true;
                Poll::Ready(Ok(()))
            }
        }
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // Only read on a panic; a clone of the context is one reference count.
        let context = req.extensions().get::<Context>().cloned();
        if self.ready_panicked {
            return CatchPanicFuture::Panicked(Some(context));
        }
        let inner = &mut self.inner;
        match catching(|| inner.call(req)) {
            Ok(future) => CatchPanicFuture::Running {
                future: CatchUnwind::new(future),
                context,
            },
            Err(_payload) => CatchPanicFuture::Panicked(Some(context)),
        }
    }
}

pub(crate) enum CatchPanicFuture<F> {
    Running {
        future: CatchUnwind<F>,
        context: Option<Context>,
    },
    Panicked(Option<Option<Context>>),
}

impl<F, E> Future for CatchPanicFuture<F>
where
    F: Future<Output = Result<Response, E>> + Unpin,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            CatchPanicFuture::Running { future, context } => match Pin::new(future).poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Ok(result)) => Poll::Ready(result),
                Poll::Ready(Err(())) => Poll::Ready(Ok(panicked(context.as_ref()))),
            },
            CatchPanicFuture::Panicked(context) => {
                Poll::Ready(Ok(panicked(context.take().flatten().as_ref())))
            }
        }
    }
}

/// FC's answer to a caught panic.
pub(crate) fn panicked(context: Option<&Context>) -> Response {
    Failure::panic(context.map_or("", Context::request_id)).into_response()
}
