//! Fewer writes on a busy HTTP/2 connection.
//!
//! FC's gateway sends up to 200 invocations at once as streams of one h2c connection.
//! Each stream's task, when its answer is ready, wakes the connection's task, and
//! Tokio runs a task just woken next: so the connection writes every answer in a
//! system call of its own while the others are still being made. When many answers of
//! a connection are in progress ([`BUSY`] or more), its next write waits one turn of
//! the scheduler instead: the answers ready by then go out together, in one write.
//!
//! The wait is one turn, never longer: the write goes out the next time the
//! connection's task runs, whatever the other answers do. With fewer answers in
//! progress nothing waits: a client that keeps a few calls in flight gets each answer
//! at once (with every answer of a small window in one write, it would sit idle
//! until the batch came back).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context as TaskContext, Poll, ready};

/// How many answers of a connection in progress make its writes wait their turn.
/// Measured with h2load on one connection: at 200 streams, writes went from one per
/// call to one per 30 to 70 calls; at 16 streams (a window this small empties while
/// its answers wait) nothing changes.
pub(crate) const BUSY: usize = 16;

/// A connection's answers in progress: its HTTP/2 requests whose response has not
/// started.
#[derive(Clone, Debug, Default)]
pub(crate) struct Answers(Arc<AtomicUsize>);

impl Answers {
    /// `answer`, counted among the connection's answers until it is ready or dropped
    /// (if `counted`: an HTTP/1.1 request is answered alone, and left out).
    pub(crate) fn count_if<F: Future>(&self, counted: bool, answer: F) -> Counted<F> {
        let answers = counted.then(|| {
            self.0.fetch_add(1, Ordering::Relaxed);
            self.clone()
        });
        Counted {
            inner: answer,
            answers,
        }
    }

    fn in_progress(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

pin_project_lite::pin_project! {
    /// An answer counted among its connection's until it is ready or dropped.
    pub(crate) struct Counted<F> {
        #[pin]
        inner: F,
        answers: Option<Answers>,
    }

    impl<F> PinnedDrop for Counted<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(answers) = this.project().answers.take() {
                answers.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let output = ready!(this.inner.poll(cx));
        if let Some(answers) = this.answers.take() {
            answers.0.fetch_sub(1, Ordering::Relaxed);
        }
        Poll::Ready(output)
    }
}

/// A connection's writes: whether the next one waits its turn.
#[derive(Debug, Default)]
pub(crate) struct Writes {
    answers: Answers,
    /// The write asked for now has waited its turn.
    waited: bool,
}

impl Writes {
    /// The count its requests keep.
    pub(crate) fn answers(&self) -> Answers {
        self.answers.clone()
    }

    /// Whether a write should wait one turn: `true` (and the task is woken to come
    /// back) when [`BUSY`] answers or more are in progress and this write has not
    /// waited yet.
    pub(crate) fn wait(&mut self, cx: &mut TaskContext<'_>) -> bool {
        if self.waited || self.answers.in_progress() < BUSY {
            self.waited = false;
            return false;
        }
        self.waited = true;
        cx.waker().wake_by_ref();
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::task::{Wake, Waker};

    use super::*;

    #[derive(Default)]
    struct Wakes(AtomicUsize);

    impl Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn a_write_waits_one_turn_only_while_many_answers_are_in_progress() {
        let wakes = Arc::new(Wakes::default());
        let waker = Waker::from(Arc::clone(&wakes));
        let mut cx = TaskContext::from_waker(&waker);
        let mut writes = Writes::default();
        let answers = writes.answers();
        let mut in_progress: Vec<_> = (0..BUSY - 1)
            .map(|_| Box::pin(answers.count_if(true, std::future::pending::<()>())))
            .collect();
        assert!(!writes.wait(&mut cx), "below BUSY, a write goes at once");
        in_progress.push(Box::pin(
            answers.count_if(true, std::future::pending::<()>()),
        ));
        assert!(writes.wait(&mut cx), "at BUSY, it waits");
        assert_eq!(
            wakes.0.load(Ordering::Relaxed),
            1,
            "and its task comes back"
        );
        assert!(!writes.wait(&mut cx), "one turn, never two");
        assert!(writes.wait(&mut cx), "the next write waits its own turn");
        assert!(!writes.wait(&mut cx));
        // Answers dropped unfinished leave the count.
        in_progress.pop();
        assert!(!writes.wait(&mut cx));
        // An answer that is ready leaves it too.
        let mut ready = Box::pin(answers.count_if(true, async { 7 }));
        assert!(writes.wait(&mut cx));
        assert_eq!(ready.as_mut().poll(&mut cx), Poll::Ready(7));
        assert!(!writes.wait(&mut cx));
        assert!(!writes.wait(&mut cx));
        // An HTTP/1.1 answer is not counted.
        let _alone = answers.count_if(false, std::future::pending::<()>());
        assert!(!writes.wait(&mut cx));
        drop(in_progress);
        drop(ready);
        assert_eq!(answers.in_progress(), 0);
    }
}
