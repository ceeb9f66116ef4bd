//! Fewer writes on a busy HTTP/2 connection.
//!
//! FC's gateway sends up to 200 invocations at once as streams of one h2c connection.
//! Each stream's task, when its answer is ready, wakes the connection's task, and
//! Tokio runs a task just woken next: so the connection would write every answer in a
//! system call of its own (tonic's own server does) while the next answers are a
//! moment away.
//!
//! Here a connection's write waits while [`LEAST`] or more answers of its own are about
//! to run (counted, not yet polled once: their tasks are scheduled) and fewer than
//! [`BATCH`] are ready since its last write. Every counted answer wakes the connection
//! each time it is polled, so the write goes as soon as either stops holding, and an
//! answer waiting on I/O never holds it: it is no longer about to run. The bounds keep
//! a window of calls flowing: a client with fewer than [`LEAST`] calls in flight gets
//! each answer at once, and a larger window gets them in batches while the server goes
//! on with the rest (waiting for a whole window, measured, left the server idle while
//! the client turned the batch around).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context as TaskContext, Poll, Waker};

/// How many answers about to run make a write wait.
pub(crate) const LEAST: usize = 8;

/// How many ready answers a write waits for at most.
pub(crate) const BATCH: usize = 8;

/// A connection's answers, each counted from its request until its response starts.
#[derive(Clone, Debug, Default)]
pub(crate) struct Answers(Arc<Shared>);

#[derive(Debug, Default)]
struct Shared {
    /// Counted and not polled yet: their tasks are scheduled.
    unstarted: AtomicUsize,
    /// Ready since the connection's last write.
    ready: AtomicUsize,
    /// A write of the connection's waits: wake `waker` at the next answer polled.
    waiting: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Answers {
    /// An answer of the connection's, counted from now (its request came): about to
    /// run until it is first polled through [`poll_counted`].
    pub(crate) fn count(&self) -> Count {
        self.0.unstarted.fetch_add(1, Ordering::SeqCst);
        Count {
            answers: self.clone(),
            started: false,
        }
    }

    /// Whether the connection's write should wait: `true`, with the task's waker kept
    /// for the next answer polled, while [`LEAST`] answers or more are about to run
    /// and fewer than [`BATCH`] are ready.
    pub(crate) fn write_waits(&self, cx: &mut TaskContext<'_>) -> bool {
        let shared = &self.0;
        let goes = || {
            shared.unstarted.load(Ordering::SeqCst) < LEAST
                || shared.ready.load(Ordering::Relaxed) >= BATCH
        };
        if !goes() {
            *lock(&shared.waker) = Some(cx.waker().clone());
            shared.waiting.store(true, Ordering::SeqCst);
            // An answer polled on another worker between the look and now found no
            // one waiting: look again, so that no wake-up is lost.
            if !goes() {
                return true;
            }
        }
        shared.waiting.store(false, Ordering::SeqCst);
        shared.ready.store(0, Ordering::Relaxed);
        false
    }

    /// Wakes the connection's task if a write of its waits.
    fn nudge(&self) {
        if self.0.waiting.swap(false, Ordering::SeqCst) {
            let waker = lock(&self.0.waker).take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing panics while it is held.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One answer counted among its connection's answers, from its request until its
/// response starts. Dropped before its answer was first polled (its stream was reset),
/// it is no longer about to run.
#[derive(Debug)]
pub(crate) struct Count {
    answers: Answers,
    started: bool,
}

impl Drop for Count {
    fn drop(&mut self) {
        if !self.started {
            self.answers.0.unstarted.fetch_sub(1, Ordering::SeqCst);
            self.answers.nudge();
        }
    }
}

/// Polls an answer (`poll`) that `count` counts: its first poll takes it off those
/// about to run, a ready one counts toward the batch, and either way a write waiting
/// is woken (ready or waiting on something else, the answer is no longer about to
/// run). Once it is ready the count is gone. Without a count, just `poll`.
pub(crate) fn poll_counted<T>(
    count: &mut Option<Count>,
    poll: impl FnOnce() -> Poll<T>,
) -> Poll<T> {
    let Some(counted) = count.as_mut() else {
        return poll();
    };
    if !std::mem::replace(&mut counted.started, true) {
        counted.answers.0.unstarted.fetch_sub(1, Ordering::SeqCst);
    }
    let polled = poll();
    if polled.is_ready() {
        counted.answers.0.ready.fetch_add(1, Ordering::Relaxed);
    }
    counted.answers.nudge();
    if polled.is_ready() {
        *count = None;
    }
    polled
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::Wake;

    use super::*;

    /// A future counted as the invocation's future is.
    struct Counted<F> {
        inner: Pin<Box<F>>,
        count: Option<Count>,
    }

    impl<F: Future> Future for Counted<F> {
        type Output = F::Output;

        fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
            let this = &mut *self;
            poll_counted(&mut this.count, || this.inner.as_mut().poll(cx))
        }
    }

    impl Answers {
        fn count_if<F: Future>(&self, counted: bool, inner: F) -> Counted<F> {
            Counted {
                inner: Box::pin(inner),
                count: counted.then(|| self.count()),
            }
        }
    }

    #[derive(Default)]
    struct Wakes(AtomicUsize);

    impl Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting_waker() -> (Arc<Wakes>, Waker) {
        let wakes = Arc::new(Wakes::default());
        (Arc::clone(&wakes), Waker::from(wakes))
    }

    #[test]
    fn a_write_waits_while_enough_answers_are_about_to_run() {
        let (wakes, waker) = counting_waker();
        let mut cx = TaskContext::from_waker(&waker);
        let answers = Answers::default();
        let count = || Box::pin(answers.count_if(true, std::future::pending::<()>()));
        let mut scheduled: Vec<_> = (0..LEAST - 1).map(|_| count()).collect();
        assert!(
            !answers.write_waits(&mut cx),
            "below LEAST, a write goes at once"
        );
        scheduled.push(count());
        assert!(answers.write_waits(&mut cx), "at LEAST, it waits");
        assert_eq!(wakes.0.load(Ordering::SeqCst), 0);
        // The next answer polled (here it waits on something) wakes the write.
        let (_, other) = counting_waker();
        let mut answer_cx = TaskContext::from_waker(&other);
        let mut polled = scheduled.pop().unwrap();
        assert!(polled.as_mut().poll(&mut answer_cx).is_pending());
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
        assert!(
            !answers.write_waits(&mut cx),
            "one fewer about to run: it goes"
        );
        // Polled again, it wakes no one: nothing waits.
        assert!(polled.as_mut().poll(&mut answer_cx).is_pending());
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
        // An HTTP/1.1 answer is not counted.
        let _alone = answers.count_if(false, std::future::pending::<()>());
        assert!(!answers.write_waits(&mut cx));
        // Dropped before it ran, an answer wakes a waiting write too.
        scheduled.push(count());
        assert!(answers.write_waits(&mut cx));
        drop(scheduled.pop());
        assert_eq!(wakes.0.load(Ordering::SeqCst), 2);
        assert!(!answers.write_waits(&mut cx));
    }

    #[test]
    fn a_write_waits_for_a_batch_at_most() {
        let (wakes, waker) = counting_waker();
        let mut cx = TaskContext::from_waker(&waker);
        let answers = Answers::default();
        let mut scheduled: Vec<_> = (0..LEAST + BATCH)
            .map(|i| Box::pin(answers.count_if(true, async move { i })))
            .collect();
        assert!(answers.write_waits(&mut cx));
        for (done, mut answer) in scheduled.drain(..BATCH).enumerate() {
            assert!(answer.as_mut().poll(&mut cx).is_ready());
            assert_eq!(wakes.0.load(Ordering::SeqCst), done + 1);
            assert_eq!(answers.write_waits(&mut cx), done + 1 < BATCH, "{done}");
        }
        // The batch went: the next write waits again while LEAST are about to run.
        assert!(answers.write_waits(&mut cx));
        drop(scheduled);
        assert!(!answers.write_waits(&mut cx));
    }
}
