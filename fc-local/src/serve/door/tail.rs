//! A forwarded response body that says when it ends, so an invocation's log is shown
//! after its streamed response, not before.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body as _, Frame, Incoming};

use crate::client::BoxError;

/// Called once, when the body ends: with a note when it did not end well.
pub(super) type OnEnd = Box<dyn FnOnce(Option<String>) + Send + Sync>;

/// A forwarded response body that reports when it ends (or is dropped unfinished),
/// so the invocation's log is shown after a streamed response, not before.
pub(super) struct Tail {
    inner: Incoming,
    on_end: Option<OnEnd>,
}

impl Tail {
    /// `inner`, calling `on_end` when it ends.
    pub(super) fn new(inner: Incoming, on_end: OnEnd) -> Tail {
        Tail {
            inner,
            on_end: Some(on_end),
        }
    }

    fn end(&mut self, note: Option<String>) {
        if let Some(on_end) = self.on_end.take() {
            on_end(note);
        }
    }
}

impl hyper::body::Body for Tail {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match polled {
            Poll::Ready(None) => {
                self.end(None);
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                self.end(Some(format!("the response broke off: {e}")));
                Poll::Ready(Some(Err(e.into())))
            }
            Poll::Ready(Some(Ok(frame))) => {
                if self.inner.is_end_stream() {
                    self.end(None);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Tail {
    fn drop(&mut self) {
        let note = (!self.inner.is_end_stream()).then(|| "the client went away".to_owned());
        self.end(note);
    }
}
