//! Where finished spans wait, and how they leave: not on a background thread or
//! timer (a frozen instance runs neither), but from the invocation itself, awaited
//! before its response goes out.
//!
//! [`PendingProcessor`] is the tracer provider's only span processor: every span that
//! ends is kept in [`Pending`]. When a request is done, [`Exporter::flush`] takes
//! everything pending and sends it in one OTLP request, bounded by the export
//! timeout and by what is left of the invocation's time; after a failure a
//! [`Breaker`] skips exports for a while, so a dead collector costs nothing. Under concurrency an invocation may carry another's finished spans too:
//! whichever request flushes first sends them, and every flush happens while a
//! request is still in flight, so all of them leave before FC can freeze the
//! instance.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

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
///
/// Concurrent invocations share it, so one invocation's flush can take (and export)
/// spans of another's that ended first. Each take gets a ticket, and a flush waits for
/// the exports of earlier tickets still under way: an invocation's spans have arrived
/// when its response leaves, whichever export carried them.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    queue: Mutex<Queue>,
    dropped: AtomicUsize,
    /// An exporter is installed: until then spans are not kept (nothing would send
    /// them).
    enabled: AtomicBool,
    /// An export under way finished.
    exported: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct Queue {
    spans: Vec<SpanData>,
    /// The ticket of the next take.
    next: u64,
    /// The tickets whose exports are under way.
    in_flight: BTreeSet<u64>,
}

/// What a flush took: the spans, how many were dropped since the last take, and its
/// place among the takes. Its export counts as under way until it is dropped (sent,
/// failed, skipped, or abandoned by a request that went away mid-export).
pub(crate) struct Taken<'a> {
    pub(crate) spans: Vec<SpanData>,
    pub(crate) dropped: usize,
    ticket: u64,
    pending: &'a Pending,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        self.pending.exported(self.ticket);
    }
}

impl Pending {
    pub(crate) fn enable(&self) {
        self.enabled.store(true, Ordering::Release);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, span: SpanData) {
        if !self.enabled.load(Ordering::Acquire) {
            return;
        }
        let mut queue = self.lock();
        if queue.spans.len() < MAX_PENDING {
            queue.spans.push(span);
        } else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Everything pending, and how many spans were dropped since the last take. A
    /// non-empty take counts as under way until it is dropped.
    pub(crate) fn take(&self) -> Taken<'_> {
        let mut queue = self.lock();
        let spans = std::mem::take(&mut queue.spans);
        let ticket = queue.next;
        queue.next += 1;
        if !spans.is_empty() {
            queue.in_flight.insert(ticket);
        }
        drop(queue);
        Taken {
            spans,
            dropped: self.dropped.swap(0, Ordering::Relaxed),
            ticket,
            pending: self,
        }
    }

    /// The export of `ticket`'s spans is over (sent, failed or abandoned).
    fn exported(&self, ticket: u64) {
        if self.lock().in_flight.remove(&ticket) {
            self.exported.notify_waiters();
        }
    }

    /// Until no export of a take before `ticket` is under way.
    async fn earlier_exported(&self, ticket: u64) {
        loop {
            let exported = self.exported.notified();
            tokio::pin!(exported);
            exported.as_mut().enable();
            if self.lock().in_flight.range(..ticket).next().is_none() {
                return;
            }
            exported.await;
        }
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

/// After a failed export, how long exports are skipped before the next one is tried;
/// each failure in a row doubles it, up to [`MAX_BACKOFF`].
pub(crate) const FIRST_BACKOFF: Duration = Duration::from_secs(5);
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// An export given less time than this is not started: the spans stay pending.
const MIN_BUDGET: Duration = Duration::from_millis(5);

/// The OTLP exporter, with fc's bounds on what an export may cost a request.
#[derive(Debug)]
pub(crate) struct Exporter {
    pub(crate) inner: opentelemetry_otlp::SpanExporter,
    /// The endpoint as logged: without its userinfo (`user:password@`).
    pub(crate) endpoint: String,
    /// The userinfo the endpoint had, scrubbed from error messages.
    userinfo: Option<String>,
    pub(crate) timeout: Duration,
    breaker: Mutex<Breaker>,
}

impl Exporter {
    pub(crate) fn new(
        inner: opentelemetry_otlp::SpanExporter,
        endpoint: &str,
        timeout: Duration,
    ) -> Self {
        Self {
            inner,
            endpoint: redact(endpoint).into_owned(),
            userinfo: userinfo(endpoint).map(str::to_owned),
            timeout,
            breaker: Mutex::new(Breaker::default()),
        }
    }

    /// Exports every pending span, waiting at most the export timeout, or `within`
    /// if shorter (what is left of the invocation's time). Never fails. After a
    /// failure, exports are skipped for a backoff window (the spans are dropped and
    /// counted), so a collector that is down costs requests nothing; then one export
    /// tries again. The first failure is logged, and the recovery, with the count.
    pub(crate) async fn flush(&self, pending: &Pending, within: Option<Duration>) {
        let budget = within.map_or(self.timeout, |left| left.min(self.timeout));
        if budget < MIN_BUDGET {
            return;
        }
        let now = Instant::now();
        let decision = self.lock().before(now);
        let probing = match decision {
            Decision::Skip => {
                let taken = pending.take();
                self.lock().dropped += taken.spans.len() + taken.dropped;
                return;
            }
            Decision::Export { probing } => probing,
        };
        // A probe whose request is dropped mid-export (the client went away) must not
        // leave the breaker waiting for it.
        let probe = ProbeGuard(probing.then_some(self));
        let mut taken = pending.take();
        let (batch, dropped) = (std::mem::take(&mut taken.spans), taken.dropped);
        // Spans of this invocation's that an earlier flush took arrive with that
        // export: wait for it too, within the same budget.
        let earlier = tokio::time::timeout_at(now + budget, pending.earlier_exported(taken.ticket));
        if dropped > 0 {
            tracing::warn!(
                "OpenTelemetry: {dropped} span(s) dropped: more than {MAX_PENDING} were waiting for export"
            );
        }
        if batch.is_empty() {
            drop((probe, taken));
            let _ = earlier.await;
            return;
        }
        let count = batch.len();
        // Whatever the exporter and its HTTP client log stays out of the function's
        // log and out of its spans.
        let export = self
            .inner
            .export(batch)
            .with_subscriber(NoSubscriber::new());
        let outcome = match tokio::time::timeout(budget, export).await {
            Ok(Ok(())) => Outcome::Sent,
            Ok(Err(e)) => Outcome::Failed(self.scrub(e.to_string())),
            Err(_) if budget < self.timeout => Outcome::OutOfTime,
            Err(_) => Outcome::Failed(format!("no answer within {:?}", self.timeout)),
        };
        let report = self.lock().after(Instant::now(), count, outcome);
        std::mem::forget(probe);
        drop(taken);
        let _ = earlier.await;
        match report {
            Report::Nothing => {}
            Report::Recovered { dropped } => tracing::info!(
                "OpenTelemetry: exporting to {} works again ({dropped} span(s) were dropped \
                 while it failed)",
                self.endpoint
            ),
            Report::Failing { problem, backoff } => tracing::warn!(
                "OpenTelemetry: exporting {count} span(s) to {} failed: {problem}; invocations \
                 go on, exports are skipped for {backoff:?} and then tried again, and spans \
                 are dropped until one works (logged once, with the count)",
                self.endpoint
            ),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Breaker> {
        self.breaker.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An error message without the endpoint's credentials.
    fn scrub(&self, message: String) -> String {
        match &self.userinfo {
            Some(userinfo) if message.contains(userinfo.as_str()) => {
                message.replace(userinfo.as_str(), "***")
            }
            _ => message,
        }
    }
}

/// Ends a probe that did not get to report its outcome (`Breaker::after` does
/// otherwise).
struct ProbeGuard<'a>(Option<&'a Exporter>);

impl Drop for ProbeGuard<'_> {
    fn drop(&mut self) {
        if let Some(exporter) = self.0 {
            exporter.lock().probing = false;
        }
    }
}

/// How an export ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Sent,
    /// The collector refused, failed or did not answer within the export timeout.
    Failed(String),
    /// Cut short by the invocation's deadline: the spans are lost, but that says
    /// nothing about the collector.
    OutOfTime,
}

/// Whether a flush exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// `probing`: the first export after a backoff window.
    Export {
        probing: bool,
    },
    Skip,
}

/// What a flush logs after its export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Report {
    Nothing,
    /// Exports started failing: exports are skipped for `backoff`.
    Failing {
        problem: String,
        backoff: Duration,
    },
    /// An export worked after failures; `dropped` spans were lost meanwhile.
    Recovered {
        dropped: usize,
    },
}

/// The exports' circuit breaker: closed while exports work; open for a backoff window
/// after a failure; then one export at a time probes the collector.
#[derive(Debug, Default)]
pub(crate) struct Breaker {
    /// Exports are skipped until then.
    open_until: Option<Instant>,
    /// The window after the next failure (0: none has failed yet).
    backoff: Duration,
    /// A probe is in flight: the others skip.
    probing: bool,
    /// Exports are failing (the failure was logged).
    failing: bool,
    /// Spans dropped since exports started failing.
    pub(crate) dropped: usize,
}

impl Breaker {
    pub(crate) fn before(&mut self, now: Instant) -> Decision {
        match self.open_until {
            None => Decision::Export { probing: false },
            Some(_) if self.probing => Decision::Skip,
            Some(until) if now < until => Decision::Skip,
            Some(_) => {
                self.probing = true;
                Decision::Export { probing: true }
            }
        }
    }

    pub(crate) fn after(&mut self, now: Instant, count: usize, outcome: Outcome) -> Report {
        self.probing = false;
        match outcome {
            Outcome::Sent => {
                self.open_until = None;
                self.backoff = Duration::ZERO;
                if std::mem::take(&mut self.failing) {
                    Report::Recovered {
                        dropped: std::mem::take(&mut self.dropped),
                    }
                } else {
                    Report::Nothing
                }
            }
            Outcome::OutOfTime => {
                if self.failing {
                    self.dropped += count;
                }
                Report::Nothing
            }
            Outcome::Failed(problem) => {
                self.dropped += count;
                self.backoff = if self.backoff.is_zero() {
                    FIRST_BACKOFF
                } else {
                    (self.backoff * 2).min(MAX_BACKOFF)
                };
                self.open_until = Some(now + self.backoff);
                if std::mem::replace(&mut self.failing, true) {
                    Report::Nothing
                } else {
                    Report::Failing {
                        problem,
                        backoff: self.backoff,
                    }
                }
            }
        }
    }
}

/// The userinfo (`user:password`) of a URL's authority, if it has one.
fn userinfo(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rsplit_once('@').map(|(info, _)| info)
}

/// `url` with its userinfo replaced by `***`, for logs and `Debug`.
pub(crate) fn redact(url: &str) -> std::borrow::Cow<'_, str> {
    match userinfo(url) {
        Some(info) => {
            let at = url.find(info).unwrap_or(0);
            let mut redacted = String::with_capacity(url.len());
            redacted.push_str(&url[..at]);
            redacted.push_str("***");
            redacted.push_str(&url[at + info.len()..]);
            redacted.into()
        }
        None => url.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A flush waits for the takes before its own, until each is dropped: sent, or
    /// abandoned by a request that went away; an empty take holds nothing up.
    #[test]
    fn a_take_is_under_way_until_it_is_dropped() {
        use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
        use std::task::{Context as TaskContext, Poll, Waker};

        let pending = Arc::new(Pending::default());
        pending.enable();
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_span_processor(PendingProcessor(Arc::clone(&pending)))
            .build();
        provider.tracer("test").start("ended").end();

        let first = pending.take();
        assert_eq!(first.spans.len(), 1);
        let empty = pending.take();
        assert!(empty.spans.is_empty());
        let third = pending.take();
        let mut cx = TaskContext::from_waker(Waker::noop());
        let mut waits = std::pin::pin!(pending.earlier_exported(third.ticket));
        assert!(waits.as_mut().poll(&mut cx).is_pending());
        // Nothing before the first take: it waits for nothing.
        let mut first_waits = std::pin::pin!(pending.earlier_exported(first.ticket));
        assert_eq!(first_waits.as_mut().poll(&mut cx), Poll::Ready(()));
        drop(empty);
        assert!(waits.as_mut().poll(&mut cx).is_pending());
        // The first export abandoned mid-way (its request went away).
        drop(first);
        assert_eq!(waits.as_mut().poll(&mut cx), Poll::Ready(()));
    }

    #[test]
    fn endpoints_lose_their_userinfo() {
        let cases = [
            (
                "http://user:PASSW0RD@127.0.0.1:4318/v1/traces",
                "http://***@127.0.0.1:4318/v1/traces",
            ),
            (
                "http://token@c:4318/v1/traces?x=a@b",
                "http://***@c:4318/v1/traces?x=a@b",
            ),
            (
                "http://c:4318/v1/traces?x=a@b",
                "http://c:4318/v1/traces?x=a@b",
            ),
            ("http://c:4318/v1/traces", "http://c:4318/v1/traces"),
            ("http://a:b@c@d:1/", "http://***@d:1/"),
        ];
        for (url, want) in cases {
            assert_eq!(redact(url), want, "{url}");
        }
    }

    #[test]
    fn the_breaker_skips_for_a_growing_window_then_probes_once() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut b = Breaker::default();
        assert_eq!(b.before(t0), Decision::Export { probing: false });
        assert_eq!(b.after(t0, 3, Outcome::Sent), Report::Nothing);
        // The first failure is reported, with the window.
        assert_eq!(b.before(t0), Decision::Export { probing: false });
        assert_eq!(
            b.after(t0, 2, Outcome::Failed("down".into())),
            Report::Failing {
                problem: "down".into(),
                backoff: FIRST_BACKOFF
            }
        );
        // Within the window every flush skips.
        assert_eq!(b.before(t0 + s(1)), Decision::Skip);
        assert_eq!(b.before(t0 + s(4)), Decision::Skip);
        b.dropped += 4; // what the skipped flushes dropped
        // After it, one probe; the others skip while it runs.
        assert_eq!(b.before(t0 + s(5)), Decision::Export { probing: true });
        assert_eq!(b.before(t0 + s(5)), Decision::Skip);
        // It fails: silently, and the window doubles.
        assert_eq!(
            b.after(t0 + s(6), 1, Outcome::Failed("down".into())),
            Report::Nothing
        );
        assert_eq!(b.before(t0 + s(15)), Decision::Skip);
        assert_eq!(b.before(t0 + s(16)), Decision::Export { probing: true });
        // Up to the cap.
        let mut now = t0 + s(16);
        for _ in 0..10 {
            b.after(now, 0, Outcome::Failed("down".into()));
            now += MAX_BACKOFF;
            assert_eq!(b.before(now), Decision::Export { probing: true });
        }
        // It works again: reported once, with every span lost meanwhile.
        assert_eq!(
            b.after(now, 5, Outcome::Sent),
            Report::Recovered { dropped: 2 + 4 + 1 }
        );
        assert_eq!(b.before(now), Decision::Export { probing: false });
        assert_eq!(b.after(now, 5, Outcome::Sent), Report::Nothing);
        // Running out of the invocation's time is no failure.
        assert_eq!(b.after(now, 5, Outcome::OutOfTime), Report::Nothing);
        assert_eq!(b.before(now), Decision::Export { probing: false });
    }
}
