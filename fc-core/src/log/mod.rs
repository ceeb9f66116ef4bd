//! Logging: FC's marker lines, FC's log line format, and where both are written.
//!
//! [`fc::run`](crate::run) installs a subscriber that writes every `tracing` event in
//! FC's format to stdout, filtered by `RUST_LOG` (default `info`), unless the program
//! set its own. To combine FC's format with your own layers, add [`layer`] to your
//! subscriber:
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt;
//! let subscriber = tracing_subscriber::registry().with(fc::log::layer(fc::log::Output::stdout()));
//! tracing::subscriber::set_global_default(subscriber).ok();
//! ```

mod format;

use std::io::{self, Write};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tracing::Subscriber;

use crate::context::Context;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::DefaultFields;
use tracing_subscriber::fmt::{FormattedFields, MakeWriter};
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

pub use format::{FcFormat, MAX_LINE, RequestIdLayer, UtcMillis};

/// Where fc writes marker lines and, with its own subscriber, log lines: stdout (what
/// FC collects), or an in-memory buffer for tests.
///
/// Every line is written whole under one lock, so concurrent invocations never
/// interleave within a line.
#[derive(Clone, Debug, Default)]
pub struct Output {
    buffer: Option<Arc<Mutex<Vec<u8>>>>,
}

impl Output {
    /// The process's stdout.
    pub fn stdout() -> Self {
        Self { buffer: None }
    }

    /// An in-memory buffer; read it with [`Output::captured`].
    pub fn capture() -> Self {
        Self {
            buffer: Some(Arc::default()),
        }
    }

    /// Everything written so far to a [`capture`](Output::capture) buffer (empty for
    /// stdout).
    pub fn captured(&self) -> String {
        match &self.buffer {
            Some(buffer) => String::from_utf8_lossy(&lock(buffer)).into_owned(),
            None => String::new(),
        }
    }

    /// Writes one whole line (a newline is added).
    pub(crate) fn line(&self, text: std::fmt::Arguments<'_>) {
        // Formatted straight into the locked writer: stdout's line buffer sends the
        // whole line in one write once the newline is in, and no other thread can
        // write in between.
        let _ = match &self.buffer {
            None => writeln!(io::stdout().lock(), "{text}"),
            Some(buffer) => writeln!(lock(buffer), "{text}"),
        };
    }

    /// Flushes stdout.
    pub(crate) fn flush(&self) {
        let _ = self.make_writer().flush();
    }
}

fn lock(buffer: &Mutex<Vec<u8>>) -> MutexGuard<'_, Vec<u8>> {
    buffer.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A writer for one line or one event, from [`Output`].
#[derive(Debug)]
pub struct OutputWriter<'a> {
    target: Target<'a>,
}

#[derive(Debug)]
enum Target<'a> {
    Stdout(io::Stdout),
    Buffer(&'a Mutex<Vec<u8>>),
}

impl Write for OutputWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &self.target {
            // `Stdout::write_all` holds the stdout lock for the whole buffer.
            Target::Stdout(stdout) => stdout.lock().write_all(buf),
            Target::Buffer(buffer) => {
                lock(buffer).extend_from_slice(buf);
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &self.target {
            Target::Stdout(stdout) => stdout.lock().flush(),
            Target::Buffer(_) => Ok(()),
        }
    }
}

impl<'a> MakeWriter<'a> for Output {
    type Writer = OutputWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        let target = match &self.buffer {
            Some(buffer) => Target::Buffer(buffer),
            None => Target::Stdout(io::stdout()),
        };
        OutputWriter { target }
    }
}

/// FC's format as a layer: [`FcFormat`] and the [`RequestIdLayer`] it reads the
/// request id from, writing to `output`.
pub fn layer<S>(output: Output) -> impl Layer<S> + Send + Sync + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    RequestIdLayer.and_then(SkipSpanFields).and_then(
        tracing_subscriber::fmt::layer()
            .event_format(FcFormat::new())
            .with_writer(output),
    )
}

/// FC's format prints no span fields, yet the fmt layer renders every new span's
/// fields into a string, once per invocation. An empty rendering left in the span's
/// extensions first tells it the work is done.
#[derive(Clone, Copy, Debug)]
struct SkipSpanFields;

impl<S> Layer<S> for SkipSpanFields
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        _: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if let Some(span) = ctx.span(id) {
            span.extensions_mut()
                .insert(FormattedFields::<DefaultFields>::new(String::new()));
        }
    }
}

/// The filter `RUST_LOG` asks for (`target=level` directives, comma separated), or
/// `info` when it is unset or unreadable.
pub(crate) fn filter_from(rust_log: Option<&str>) -> Result<Targets, String> {
    match rust_log.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Targets::new().with_default(LevelFilter::INFO)),
        Some(spec) => Targets::from_str(spec).map_err(|e| format!("RUST_LOG={spec:?}: {e}")),
    }
}

/// Installs fc's subscriber as the global default, unless one is set already.
pub(crate) fn init(output: &Output) {
    if tracing::dispatcher::has_been_set() {
        return;
    }
    let rust_log = std::env::var("RUST_LOG").ok();
    let (filter, problem) = match filter_from(rust_log.as_deref()) {
        Ok(filter) => (filter, None),
        Err(problem) => (
            Targets::new().with_default(LevelFilter::INFO),
            Some(problem),
        ),
    };
    let installed = tracing_subscriber::registry()
        .with(layer(output.clone()).with_filter(filter))
        .try_init()
        .is_ok();
    if let (true, Some(problem)) = (installed, problem) {
        tracing::warn!("ignoring unreadable {problem}; logging at INFO");
    }
}

/// The kind of lines FC requires around an invocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    Invoke,
    Initialize,
}

impl Marker {
    fn word(self) -> &'static str {
        match self {
            Marker::Invoke => "Invoke",
            Marker::Initialize => "Initialize",
        }
    }

    /// Prints `FC <Kind> Start RequestId: <id>` now and the matching End line when the
    /// returned guard drops: on success, failure, panic, or a dropped request alike.
    pub(crate) fn start(self, context: &Context, output: &Output) -> MarkerGuard {
        let request_id = context.request_id();
        output.line(format_args!(
            "FC {} Start RequestId: {request_id}",
            self.word()
        ));
        let mut guard = MarkerGuard {
            marker: self,
            context: context.clone(),
            output: output.clone(),
            slot: None,
        };
        if cfg!(panic = "abort") {
            guard.slot = Some(in_flight::register(&guard));
        }
        guard
    }
}

/// Prints the End marker when dropped.
#[derive(Debug)]
pub(crate) struct MarkerGuard {
    marker: Marker,
    context: Context,
    output: Output,
    /// Where this invocation is listed among those in flight (`panic = "abort"` only).
    slot: Option<u64>,
}

impl MarkerGuard {
    fn end(&self) {
        self.output.line(format_args!(
            "FC {} End RequestId: {}",
            self.marker.word(),
            self.context.request_id()
        ));
    }
}

impl Drop for MarkerGuard {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            in_flight::unregister(slot);
        }
        self.end();
    }
}

/// With `panic = "abort"`, a panic ends the process before any guard drops: the panic
/// hook prints the End marker of every invocation in flight from this list.
pub(crate) mod in_flight {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Mutex, PoisonError};

    use super::{MarkerGuard, Output};

    type Entry = (u64, super::Marker, String, Output);
    static IN_FLIGHT: Mutex<Vec<Entry>> = Mutex::new(Vec::new());
    static NEXT: AtomicU64 = AtomicU64::new(0);

    pub(super) fn register(guard: &MarkerGuard) -> u64 {
        let slot = NEXT.fetch_add(1, Ordering::Relaxed);
        let entry = (
            slot,
            guard.marker,
            guard.context.request_id().to_owned(),
            guard.output.clone(),
        );
        IN_FLIGHT
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
        slot
    }

    pub(super) fn unregister(slot: u64) {
        let mut list = IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner);
        list.retain(|(s, ..)| *s != slot);
    }

    /// Prints the End marker of every invocation in flight and flushes: the process
    /// is about to abort. Never blocks (a panic hook must not deadlock).
    pub(crate) fn end_all() {
        let Ok(list) = IN_FLIGHT.try_lock() else {
            return;
        };
        for (_, marker, request_id, output) in list.iter() {
            output.line(format_args!(
                "FC {} End RequestId: {request_id}",
                marker.word()
            ));
            output.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_print_start_then_end_on_drop() {
        let context = |id: &str| {
            let mut headers = http::HeaderMap::new();
            headers.insert("x-fc-request-id", id.parse().unwrap());
            Context::from_headers(headers)
        };
        let output = Output::capture();
        let guard = Marker::Invoke.start(&context("req-1"), &output);
        assert_eq!(output.captured(), "FC Invoke Start RequestId: req-1\n");
        drop(guard);
        drop(Marker::Initialize.start(&context("req-2"), &output));
        assert_eq!(
            output.captured(),
            "FC Invoke Start RequestId: req-1\nFC Invoke End RequestId: req-1\n\
             FC Initialize Start RequestId: req-2\nFC Initialize End RequestId: req-2\n"
        );
    }

    #[test]
    fn rust_log_filters() {
        use tracing::Level;
        let default = filter_from(None).unwrap();
        assert!(default.would_enable("anything", &Level::INFO));
        assert!(!default.would_enable("anything", &Level::DEBUG));
        let custom = filter_from(Some("warn,my_fn=debug")).unwrap();
        assert!(custom.would_enable("my_fn::db", &Level::DEBUG));
        assert!(!custom.would_enable("hyper", &Level::INFO));
        assert!(
            filter_from(Some("   "))
                .unwrap()
                .would_enable("x", &Level::INFO)
        );
        assert!(filter_from(Some("my_fn=loud")).is_err());
    }
}
