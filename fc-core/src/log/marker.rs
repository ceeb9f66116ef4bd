//! FC's marker lines around each invocation (`FC Invoke Start RequestId: <id>`, …),
//! printed by a guard so the End line comes on every path, and, for `panic = "abort"`
//! builds, the registry of invocations in flight whose End lines the panic hook
//! prints before the process ends.

use crate::context::Context;
use crate::log::Output;
use crate::log::stdout::Ticket;

/// The kind of lines FC prints around a request: required around invocations and
/// the initializer, and printed by FC's own runtimes around the lifecycle hooks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    Invoke,
    Initialize,
    PreStop,
    PreFreeze,
}

/// Which of a request's two marker lines.
#[derive(Clone, Copy, Debug)]
enum Phase {
    Start,
    End,
}

impl Marker {
    /// `FC <Kind> <Start|End> RequestId: <id>`, put together without the formatting
    /// machinery: two of these frame every invocation.
    fn print(self, phase: Phase, request_id: &str, output: &Output) -> Option<Ticket> {
        output.line_of(&[self.opening(phase), request_id])
    }

    /// The line up to the request id, whole: two copies make a line, not six (a
    /// copy of a length known only at run time is a call to `memcpy`, which musl,
    /// in the packaged binary, makes slowly for short strings).
    fn opening(self, phase: Phase) -> &'static str {
        match (self, phase) {
            (Marker::Invoke, Phase::Start) => "FC Invoke Start RequestId: ",
            (Marker::Invoke, Phase::End) => "FC Invoke End RequestId: ",
            (Marker::Initialize, Phase::Start) => "FC Initialize Start RequestId: ",
            (Marker::Initialize, Phase::End) => "FC Initialize End RequestId: ",
            (Marker::PreStop, Phase::Start) => "FC PreStop Start RequestId: ",
            (Marker::PreStop, Phase::End) => "FC PreStop End RequestId: ",
            (Marker::PreFreeze, Phase::Start) => "FC PreFreeze Start RequestId: ",
            (Marker::PreFreeze, Phase::End) => "FC PreFreeze End RequestId: ",
        }
    }

    /// Prints `FC <Kind> Start RequestId: <id>` now and the matching End line when the
    /// returned guard drops: on success, failure, panic, or a dropped request alike.
    pub(crate) fn start(self, context: &Context, output: &Output) -> MarkerGuard {
        let _ = self.print(Phase::Start, context.request_id(), output);
        let mut guard = MarkerGuard {
            marker: self,
            context: context.clone(),
            output: output.clone(),
            slot: None,
            ended: false,
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
    /// The End line is printed.
    ended: bool,
}

impl MarkerGuard {
    /// Prints the End line now. A ticket when it had to be queued behind a slow
    /// stdout: [`MarkerGuard::output`]`.written(ticket, …)` waits for it.
    pub(crate) fn end(mut self) -> Option<Ticket> {
        self.finish()
    }

    /// Where the lines go.
    pub(crate) fn output(&self) -> &Output {
        &self.output
    }

    fn finish(&mut self) -> Option<Ticket> {
        if std::mem::replace(&mut self.ended, true) {
            return None;
        }
        if let Some(slot) = self.slot.take() {
            in_flight::unregister(slot);
        }
        self.marker
            .print(Phase::End, self.context.request_id(), &self.output)
    }
}

impl Drop for MarkerGuard {
    fn drop(&mut self) {
        let _ = self.finish();
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
            let _ = marker.print(super::Phase::End, request_id, output);
            output.flush_within(std::time::Duration::from_millis(100));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_and_phase_prints_fcs_line() {
        let output = Output::capture();
        let kinds = [
            (Marker::Invoke, "Invoke"),
            (Marker::Initialize, "Initialize"),
            (Marker::PreStop, "PreStop"),
            (Marker::PreFreeze, "PreFreeze"),
        ];
        let mut expected = String::new();
        for (marker, word) in kinds {
            for (phase, name) in [(Phase::Start, "Start"), (Phase::End, "End")] {
                let _ = marker.print(phase, "req-9", &output);
                expected.push_str(&format!("FC {word} {name} RequestId: req-9\n"));
            }
        }
        assert_eq!(output.captured(), expected);
    }

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
}
