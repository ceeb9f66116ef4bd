//! The instance: its initializer, run at most once successfully, and its state.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

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
    /// The initializer is running now.
    running: AtomicBool,
    /// Why the initializer's last run failed, until a run succeeds.
    failed: Mutex<Option<String>>,
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
            running: AtomicBool::new(false),
            failed: Mutex::new(None),
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
    fn needs_init(&self) -> bool {
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
        match &*self.failed.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(reason) => Readiness::Failed(reason.clone()),
            None => Readiness::Ready,
        }
    }

    /// `/initialize`: runs the initializer unless it already succeeded. The request
    /// itself is framed by `FC Initialize Start/End` lines.
    pub(crate) async fn initialize(&self, ctx: &Context) -> Result<(), Failure> {
        self.run_once(ctx, None).await
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
    /// and the next caller tries again. With `markers`, the run is framed by
    /// `FC Initialize Start/End` lines.
    async fn run_once(&self, ctx: &Context, markers: Option<&Output>) -> Result<(), Failure> {
        let Some(init) = &self.init else {
            return Ok(());
        };
        self.done
            .get_or_try_init(|| async {
                let _marker = markers.map(|output| Marker::Initialize.start(ctx, output));
                let handler = Arc::clone(&init.handler);
                let context = ctx.clone();
                let run = CatchUnwind::new(Box::pin(async move { handler(context).await }));
                let _running = Running::start(&self.running);
                let result = match run.await {
                    Ok(Ok(state)) => {
                        self.states.set_initialized(state);
                        Ok(())
                    }
                    Ok(Err(fail)) => Err(fail.0),
                    Err(()) => Err(Failure::panic(ctx.request_id())),
                };
                *self.failed.lock().unwrap_or_else(PoisonError::into_inner) =
                    result.as_ref().err().map(|failure| {
                        format!(
                            "{}: {}",
                            failure.body.error_type, failure.body.error_message
                        )
                    });
                result
            })
            .await
            .map(|&()| ())
            .map_err(|mut failure| {
                failure.log = format!("initializer `{}` failed: {}", init.name, failure.log);
                failure
            })
    }
}

/// Marks the initializer as running until dropped: when it ends, fails, panics, or
/// the request that ran it goes away.
struct Running<'a>(&'a AtomicBool);

impl<'a> Running<'a> {
    fn start(flag: &'a AtomicBool) -> Self {
        flag.store(true, Ordering::Release);
        Running(flag)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}
