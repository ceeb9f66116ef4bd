//! Panics: a hook that logs the ones fc catches (message, location, backtrace, in the
//! invocation's span so the line carries the request id), and the means of catching
//! them in a closure ([`catching`]) or a future ([`CatchUnwind`]).

use std::backtrace::Backtrace;
use std::cell::Cell;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::pin::Pin;
use std::sync::Once;
use std::task::{Context as TaskContext, Poll};

thread_local! {
    /// Set while this thread runs code under a [`CatchUnwind`]: a panic here is one
    /// fc will catch, so the hook logs it for the invocation instead of handing it on.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Installs, once per process, the hook that logs panics caught by fc. Panics
/// elsewhere (threads and tasks of the user's own) go to the hook that was there.
/// Built with `panic = "abort"`, every panic is logged and, since the process is
/// about to end, the End marker of every invocation in flight is printed.
pub(crate) fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if cfg!(panic = "abort") {
                // Nothing can catch it: the process ends with every invocation in it.
                log_panic(info);
                crate::log::marker::in_flight::end_all();
            } else if CATCHING.get() {
                log_panic(info);
            } else {
                previous(info);
            }
        }));
    });
}

/// Logs a panic inside the current span, so the line carries the request id.
fn log_panic(info: &PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>");
    let location = info
        .location()
        .map_or_else(|| "an unknown location".to_owned(), ToString::to_string);
    // Captured whatever RUST_BACKTRACE says: the log is the only place it can go.
    let backtrace = Backtrace::force_capture().to_string();
    let backtrace = trim(&backtrace).trim_end();
    tracing::error!("panicked at {location}: {message}\nstack backtrace:\n{backtrace}");
}

/// Drops the frames of the panic machinery (this hook, std's panic handler) down to
/// and including `__rust_end_short_backtrace`, as std's own short backtraces do.
fn trim(backtrace: &str) -> &str {
    let Some(marker) = backtrace.find("__rust_end_short_backtrace") else {
        return backtrace;
    };
    let after_line = |from: usize| {
        backtrace[from..]
            .find('\n')
            .map_or(backtrace.len(), |i| from + i + 1)
    };
    // Past the marker's line and its `at file:line` lines.
    let mut start = after_line(marker);
    while backtrace[start..].trim_start().starts_with("at ") {
        start = after_line(start);
    }
    &backtrace[start..]
}

/// Runs `f` with panics caught; the hook logs any panic as belonging to fc.
pub(crate) fn catching<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    let was = CATCHING.replace(true);
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.set(was);
    result
}

pin_project_lite::pin_project! {
    /// A future whose panics come out as `Err(())`, and whose drop cannot unwind: a
    /// panicking `Drop` inside it (a guard when the deadline drops the handler, a
    /// client gone away) is logged like any caught panic and goes no further.
    pub(crate) struct CatchUnwind<F> {
        // Pinned in place, so the future need not be boxed (or `Unpin`). `None` once
        // dropped.
        #[pin]
        inner: Option<F>,
    }

    impl<F> PinnedDrop for CatchUnwind<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut inner = this.project().inner;
            // Already unwinding (a panic while polled): a second catch cannot help.
            if std::thread::panicking() {
                inner.set(None);
            } else {
                // Dropped in place; a panic there leaves `None` behind all the same
                // (an assignment writes its value on the unwinding path too).
                let _ = catching(|| inner.set(None));
            }
        }
    }
}

impl<F> CatchUnwind<F> {
    pub(crate) fn new(inner: F) -> Self {
        Self { inner: Some(inner) }
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let Some(inner) = self.project().inner.as_pin_mut() else {
            return Poll::Pending;
        };
        match catching(|| inner.poll(cx)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(_payload) => Poll::Ready(Err(())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::trim;

    #[test]
    fn trims_the_panic_machinery() {
        let full = "   0: fc_core::log_panic\n             at ./src/a.rs:1:1\n   \
                    5: std::sys::backtrace::__rust_end_short_backtrace\n             at /rustc/x.rs:1:1\n   \
                    6: core::panicking::panic_fmt\n             at /rustc/y.rs:2:2\n   \
                    7: my_fn::handle\n";
        assert_eq!(
            trim(full),
            "   6: core::panicking::panic_fmt\n             at /rustc/y.rs:2:2\n   7: my_fn::handle\n"
        );
        assert_eq!(trim("disabled backtrace"), "disabled backtrace");
        assert_eq!(trim("  1: __rust_end_short_backtrace"), "");
    }
}
