//! The instance: its initializer, run at most once successfully, and its state.

use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::context::Context;
use crate::error::Failure;
use crate::handler::{InitFn, Named};
use crate::layers::catch_panic::CatchUnwind;
use crate::log::{Marker, Output};
use crate::state::States;

/// One per server: what `/initialize` runs, and what handlers share.
pub(crate) struct Instance {
    init: Option<Named<InitFn>>,
    done: OnceCell<()>,
    pub(crate) states: Arc<States>,
    output: Output,
}

impl Instance {
    pub(crate) fn new(init: Option<Named<InitFn>>, states: States, output: Output) -> Self {
        Self {
            init,
            done: OnceCell::new(),
            states: Arc::new(states),
            output,
        }
    }

    /// True while an initializer is declared and has not yet succeeded.
    pub(crate) fn needs_init(&self) -> bool {
        self.init.is_some() && !self.done.initialized()
    }

    /// Runs the initializer unless it already succeeded. Concurrent callers wait for
    /// the one that runs it; when it fails (or panics), that caller gets the failure
    /// and the next caller tries again. With `markers`, the run is framed by
    /// `FC Initialize Start/End` lines (an invocation that runs the initializer
    /// first); `/initialize` itself prints them around the whole request.
    pub(crate) async fn initialize(&self, ctx: &Context, markers: bool) -> Result<(), Failure> {
        let Some(init) = &self.init else {
            return Ok(());
        };
        self.done
            .get_or_try_init(|| async {
                let _marker = markers.then(|| Marker::Initialize.start(ctx, &self.output));
                let handler = Arc::clone(&init.handler);
                let context = ctx.clone();
                let run = CatchUnwind::new(Box::pin(async move { handler(context).await }));
                match run.await {
                    Ok(Ok(state)) => {
                        self.states.set_initialized(state);
                        Ok(())
                    }
                    Ok(Err(fail)) => Err(fail.0),
                    Err(()) => Err(Failure::panic(ctx.request_id())),
                }
            })
            .await
            .map(|&()| ())
            .map_err(|mut failure| {
                failure.log = format!("initializer `{}` failed: {}", init.name, failure.log);
                failure
            })
    }
}
