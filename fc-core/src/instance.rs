//! The instance: its initializer, run at most once successfully, and its state.
//!
//! The initializer runs in a task of its own, so a caller that stops waiting (its
//! deadline passed, its client went away) does not cancel it: the run goes on, once,
//! and the next caller waits for that same run instead of starting another. The
//! instance is never left half-initialised, and a slow initializer still finishes
//! even when every invocation's deadline is shorter than it.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context as TaskContext, Poll, ready};

use tokio::sync::OnceCell;
use tokio::task::JoinHandle;
use tracing::instrument::WithSubscriber;
use tracing::{Instrument, Span};

use crate::context::Context;
use crate::error::Failure;
use crate::log::Output;
use crate::log::marker::Marker;
use crate::panic::CatchUnwind;
use crate::routes::{InitFn, Named};
use crate::state::States;

/// One per server: what `/initialize` runs, and what handlers share.
pub(crate) struct Instance {
    init: Option<Named<InitFn>>,
    done: OnceCell<()>,
    /// The initializer's run whose caller stopped waiting for it: under way, or
    /// finished with nobody yet to read its outcome.
    left: Mutex<Option<Run>>,
    /// The initializer is running now.
    running: Arc<AtomicBool>,
    /// Why the initializer's last run failed, until a run succeeds.
    failed: Arc<Mutex<Option<String>>>,
    pub(crate) states: Arc<States>,
    output: Output,
    /// No invocation has started yet: the next one is the cold start.
    cold: AtomicBool,
}

/// Whether the instance can serve, as a health check asks, without waiting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Readiness {
    /// No initializer, it succeeded, or it has not run yet (the first invocation
    /// will run it).
    Ready,
    /// The initializer is running.
    Initializing,
    /// The initializer's last run failed, for this reason.
    Failed(String),
}

impl Instance {
    pub(crate) fn new(init: Option<Named<InitFn>>, states: States, output: Output) -> Self {
        Self {
            init,
            done: OnceCell::new(),
            left: Mutex::new(None),
            running: Arc::new(AtomicBool::new(false)),
            failed: Arc::new(Mutex::new(None)),
            states: Arc::new(states),
            output,
            cold: AtomicBool::new(true),
        }
    }

    /// True for the instance's first invocation only (its cold start); each call
    /// counts as an invocation.
    #[cfg_attr(
        not(feature = "otel"),
        expect(dead_code, reason = "read by the otel feature")
    )]
    pub(crate) fn first_invocation(&self) -> bool {
        self.cold.swap(false, Ordering::Relaxed)
    }

    /// True while an initializer is declared and has not yet succeeded.
    pub(crate) fn needs_init(&self) -> bool {
        self.init.is_some() && !self.done.initialized()
    }

    /// Whether the instance can serve, answered at once: never behind a running
    /// initializer.
    pub(crate) fn readiness(&self) -> Readiness {
        if !self.needs_init() {
            return Readiness::Ready;
        }
        if self.running.load(Ordering::Acquire) {
            return Readiness::Initializing;
        }
        match &*lock(&self.failed) {
            Some(reason) => Readiness::Failed(reason.clone()),
            None => Readiness::Ready,
        }
    }

    /// `/initialize`: runs the initializer unless it already succeeded, answering at
    /// `x-fc-initialization-timeout` when FC sends it (the run goes on). The request
    /// itself is framed by `FC Initialize Start/End` lines.
    pub(crate) async fn initialize(&self, ctx: &Context) -> Result<(), Failure> {
        let run = self.run_once(ctx, None);
        let Some(timeout) = ctx.initialization_timeout() else {
            return run.await;
        };
        let deadline = ctx.arrived().checked_add(timeout);
        match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline.into(), run)
                .await
                .unwrap_or_else(|_elapsed| {
                    Err(Failure::new(
                        "InitializationTimeout",
                        format!(
                            "the initializer did not finish within the initialization timeout \
                             of {} s; it keeps running, and the next call waits for it",
                            timeout.as_secs()
                        ),
                    ))
                }),
            None => run.await,
        }
    }

    /// Before an invocation: runs the initializer if it has not yet succeeded (FC
    /// configured without one, a local run), framed by its own `FC Initialize
    /// Start/End` lines.
    pub(crate) async fn ensure_initialized(&self, ctx: &Context) -> Result<(), Failure> {
        if !self.needs_init() {
            return Ok(());
        }
        self.run_once(ctx, Some(&self.output)).await
    }

    /// Runs the initializer unless it already succeeded. Concurrent callers wait for
    /// the one that runs it; when it fails (or panics), that caller gets the failure
    /// and the next caller tries again. A caller that stops waiting leaves the run to
    /// the next. With `markers`, the run is framed by `FC Initialize Start/End` lines.
    async fn run_once(&self, ctx: &Context, markers: Option<&Output>) -> Result<(), Failure> {
        let Some(init) = &self.init else {
            return Ok(());
        };
        self.done
            .get_or_try_init(|| async {
                let left = lock(&self.left).take();
                let run = match left {
                    // Under way: wait for it rather than start a second run.
                    Some(run) if !run.0.is_finished() => run,
                    // Finished while nobody waited: its outcome, or another try.
                    Some(run) => match Waiting::new(&self.left, run, ctx).await {
                        Ok(()) => return Ok(()),
                        Err(failure) => {
                            tracing::warn!(
                                "the initializer's last run, which outlived the request that \
                                 started it, failed ({}); running it again",
                                failure.log
                            );
                            self.start(init, ctx, markers)
                        }
                    },
                    None => self.start(init, ctx, markers),
                };
                Waiting::new(&self.left, run, ctx).await
            })
            .await
            .map(|&()| ())
            .map_err(|mut failure| {
                failure.log = format!("initializer `{}` failed: {}", init.name, failure.log);
                failure
            })
    }

    /// Starts a run of the initializer in a task of its own, in the current span and
    /// subscriber (its log lines carry the id of the request that started it, and go
    /// where the request's go: `fc::testing` scopes a subscriber to the request).
    fn start(&self, init: &Named<InitFn>, ctx: &Context, markers: Option<&Output>) -> Run {
        let marker = markers.map(|output| Marker::Initialize.start(ctx, output));
        let running = Running::start(Arc::clone(&self.running));
        let handler = Arc::clone(&init.handler);
        let states = Arc::clone(&self.states);
        let failed = Arc::clone(&self.failed);
        let context = ctx.clone();
        let task = async move {
            let request_id = context.request_id().to_owned();
            // The call itself inside the catch too.
            let run = CatchUnwind::new(Box::pin(async move { handler(context).await }));
            let result = match run.await {
                Ok(Ok(state)) => {
                    states.set_initialized(state);
                    Ok(())
                }
                Ok(Err(fail)) => Err(fail.0),
                Err(()) => Err(Failure::panic(&request_id)),
            };
            *lock(&failed) = result.as_ref().err().map(|failure| {
                format!(
                    "{}: {}",
                    failure.body.error_type, failure.body.error_message
                )
            });
            // The flag clears, then the End marker prints.
            drop(running);
            drop(marker);
            result
        };
        Run(tokio::spawn(
            task.instrument(Span::current()).with_current_subscriber(),
        ))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A run of the initializer, in its own task.
struct Run(JoinHandle<Result<(), Failure>>);

/// Waits for a run; dropped before it ends (the caller's deadline), it leaves the run
/// for the next caller.
struct Waiting<'a> {
    left: &'a Mutex<Option<Run>>,
    run: Option<Run>,
    request_id: &'a str,
}

impl<'a> Waiting<'a> {
    fn new(left: &'a Mutex<Option<Run>>, run: Run, ctx: &'a Context) -> Self {
        Self {
            left,
            run: Some(run),
            request_id: ctx.request_id(),
        }
    }
}

impl Future for Waiting<'_> {
    type Output = Result<(), Failure>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(run) = this.run.as_mut() else {
            return Poll::Pending;
        };
        let joined = ready!(Pin::new(&mut run.0).poll(cx));
        this.run = None;
        Poll::Ready(match joined {
            Ok(result) => result,
            // The task catches the initializer's panics: it was cancelled (the
            // runtime is shutting down).
            Err(error) if error.is_panic() => Err(Failure::panic(this.request_id)),
            Err(_) => Err(Failure::new(
                "InitializationError",
                "the initializer's run was cancelled",
            )),
        })
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Some(run) = self.run.take() {
            *lock(self.left) = Some(run);
        }
    }
}

/// Marks the initializer as running until dropped: when it ends, fails or panics.
struct Running(Arc<AtomicBool>);

impl Running {
    fn start(flag: Arc<AtomicBool>) -> Self {
        flag.store(true, Ordering::Release);
        Running(flag)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}
