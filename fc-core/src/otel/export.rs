//! Where finished spans wait, and how they leave: not on a background thread or
//! timer (a frozen instance runs neither), but from the invocation itself, awaited
//! before its response goes out.
//!
//! [`PendingProcessor`] is the tracer provider's only span processor: every span that
//! ends is kept in [`Pending`]. When a request is done, [`Exporter::flush`] takes
//! everything pending and sends it in one OTLP request, bounded by the export
//! timeout. Under concurrency an invocation may carry another's finished spans too:
//! whichever request flushes first sends them, and every flush happens while a
//! request is still in flight, so all of them leave before FC can freeze the
//! instance.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};
use tracing::instrument::WithSubscriber;
use tracing::subscriber::NoSubscriber;

/// The most spans kept between two flushes. Beyond it new spans are dropped (and
/// counted, and reported at the next flush), so a program that makes spans outside
/// any invocation cannot grow without bound.
const MAX_PENDING: usize = 8192;

/// Spans that ended and were not yet exported.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    spans: Mutex<Vec<SpanData>>,
    dropped: AtomicUsize,
    /// An exporter is installed: until then spans are not kept (nothing would send
    /// them).
    enabled: AtomicBool,
}

impl Pending {
    pub(crate) fn enable(&self) {
        self.enabled.store(true, Ordering::Release);
    }

    fn push(&self, span: SpanData) {
        if !self.enabled.load(Ordering::Acquire) {
            return;
        }
        let mut spans = self.spans.lock().unwrap_or_else(PoisonError::into_inner);
        if spans.len() < MAX_PENDING {
            spans.push(span);
        } else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Everything pending, and how many spans were dropped since the last take.
    pub(crate) fn take(&self) -> (Vec<SpanData>, usize) {
        let spans = std::mem::take(&mut *self.spans.lock().unwrap_or_else(PoisonError::into_inner));
        (spans, self.dropped.swap(0, Ordering::Relaxed))
    }
}

/// Keeps every sampled span that ends in [`Pending`], for the next flush.
#[derive(Debug)]
pub(crate) struct PendingProcessor(pub(crate) Arc<Pending>);

impl SpanProcessor for PendingProcessor {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if span.span_context.is_sampled() {
            self.0.push(span);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        // fc flushes asynchronously, from the request (see `Exporter::flush`).
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// The OTLP exporter, with fc's bound on how long one export may take.
#[derive(Debug)]
pub(crate) struct Exporter {
    pub(crate) inner: opentelemetry_otlp::SpanExporter,
    pub(crate) endpoint: String,
    pub(crate) timeout: Duration,
    /// The last export failed: the failure was logged, the next ones are not.
    failing: AtomicBool,
}

impl Exporter {
    pub(crate) fn new(
        inner: opentelemetry_otlp::SpanExporter,
        endpoint: String,
        timeout: Duration,
    ) -> Self {
        Self {
            inner,
            endpoint,
            timeout,
            failing: AtomicBool::new(false),
        }
    }

    /// Exports every pending span, waiting at most the export timeout. Never fails:
    /// a failure is logged once, when exports start failing, and once more when they
    /// work again.
    pub(crate) async fn flush(&self, pending: &Pending) {
        let (batch, dropped) = pending.take();
        if dropped > 0 {
            tracing::warn!(
                "OpenTelemetry: {dropped} span(s) dropped: more than {MAX_PENDING} were waiting for export"
            );
        }
        if batch.is_empty() {
            return;
        }
        let count = batch.len();
        // Whatever the exporter and its HTTP client log stays out of the function's
        // log and out of its spans.
        let export = self
            .inner
            .export(batch)
            .with_subscriber(NoSubscriber::new());
        let problem = match tokio::time::timeout(self.timeout, export).await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(_) => Some(format!("no answer within {:?}", self.timeout)),
        };
        match problem {
            None => {
                if self.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("OpenTelemetry: exporting to {} works again", self.endpoint);
                }
            }
            Some(problem) => {
                if !self.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        "OpenTelemetry: exporting {count} span(s) to {} failed: {problem}; \
                         invocations go on, spans are dropped until exports work again \
                         (logged once)",
                        self.endpoint
                    );
                }
            }
        }
    }
}
