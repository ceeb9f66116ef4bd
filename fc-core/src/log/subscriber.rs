//! fc's own subscriber: what `registry().with(filter).with(fc::log::layer(..))` does, for
//! the setup [`fc::run`](crate::run) installs when the program set none, with less work
//! on every invocation.
//!
//! That stack keeps every span in tracing-subscriber's registry: a lock-free slab entry
//! with a map of extensions (fc's layer puts the request id there), a reference taken on
//! every enter and given back on every exit, and the parents walked for every event. FC's
//! formats need one thing of a span: the request id of the nearest span that has one.
//! So each span here is a slot holding that id, worked out once when the span is made
//! (its own `request_id` field, else its parent's); entering and leaving a span touch
//! only this thread's stack of entered spans, never the shared slots.
//!
//! A span's id carries its slot and the slot's generation, so an id kept after its span
//! closed finds nothing (never another span's data).

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_core::span::Current;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::Filter;

use super::{Format, HANDED_OVER, Output, SPAN_NAME, format, write_event};

/// FC's log lines for every event `filter` lets through, written to `output` in `format`
/// with the request id of the span the event is in.
#[derive(Debug)]
pub(crate) struct FcSubscriber {
    filter: Targets,
    output: Output,
    format: Format,
    spans: Mutex<Slots>,
    /// Tells this subscriber's entries on a thread's stack from another's (tests
    /// run several).
    instance: u64,
}

/// Every span's slot; freed slots are reused, with their generation moved on.
#[derive(Debug, Default)]
struct Slots {
    slots: Vec<Slot>,
    free: Vec<u32>,
}

#[derive(Debug)]
struct Slot {
    generation: u32,
    /// Handles to the span (`Span`s and clones of its id); 0 when the slot is free.
    refs: usize,
    request_id: Option<Arc<str>>,
    metadata: &'static Metadata<'static>,
}

thread_local! {
    /// The spans entered on this thread, innermost last: the subscriber's instance and
    /// the span's id.
    static ENTERED: RefCell<Vec<(u64, u64)>> = const { RefCell::new(Vec::new()) };
}

impl FcSubscriber {
    pub(crate) fn new(filter: Targets, output: Output, format: Format) -> Self {
        static INSTANCES: AtomicU64 = AtomicU64::new(0);
        Self {
            filter,
            output,
            format,
            spans: Mutex::default(),
            instance: INSTANCES.fetch_add(1, Ordering::Relaxed),
        }
    }

    fn slots(&self) -> MutexGuard<'_, Slots> {
        // Nothing panics while the lock is held; a poisoned lock still holds whole slots.
        self.spans.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The innermost span this thread entered, of this subscriber's.
    fn current(&self) -> Option<u64> {
        ENTERED.with(|entered| {
            entered
                .borrow()
                .iter()
                .rev()
                .find(|(instance, _)| *instance == self.instance)
                .map(|&(_, id)| id)
        })
    }

    /// The span a new span or event belongs to: its explicit parent, else the current
    /// span when it is contextual, else none (a root).
    fn parent_of(&self, explicit: Option<&Id>, contextual: bool) -> Option<u64> {
        match explicit {
            Some(id) => Some(id.into_u64()),
            None if contextual => self.current(),
            None => None,
        }
    }
}

impl Slots {
    fn get(&self, id: u64) -> Option<&Slot> {
        let (index, generation) = split(id)?;
        self.slots
            .get(index)
            .filter(|slot| slot.generation == generation && slot.refs > 0)
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut Slot> {
        let (index, generation) = split(id)?;
        self.slots
            .get_mut(index)
            .filter(|slot| slot.generation == generation && slot.refs > 0)
    }

    fn insert(
        &mut self,
        request_id: Option<Arc<str>>,
        metadata: &'static Metadata<'static>,
    ) -> u64 {
        let index = match self.free.pop() {
            Some(index) => {
                let slot = &mut self.slots[index as usize];
                slot.refs = 1;
                slot.request_id = request_id;
                slot.metadata = metadata;
                index
            }
            None => {
                // The slots are bounded by memory long before 2^32 of them.
                let index = u32::try_from(self.slots.len()).unwrap_or(u32::MAX - 1);
                self.slots.push(Slot {
                    generation: 0,
                    refs: 1,
                    request_id,
                    metadata,
                });
                index
            }
        };
        join(index, self.slots[index as usize].generation)
    }
}

/// A span's id: its slot's index plus one (an id is never 0) and the slot's generation.
fn join(index: u32, generation: u32) -> u64 {
    (u64::from(generation) << 32) | (u64::from(index) + 1)
}

/// The slot index and generation of an id, if it is one of this subscriber's form.
fn split(id: u64) -> Option<(usize, u32)> {
    let index = (id as u32).checked_sub(1)?;
    Some((index as usize, (id >> 32) as u32))
}

impl Subscriber for FcSubscriber {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        Filter::<Self>::callsite_enabled(&self.filter, metadata)
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.filter
            .would_enable(metadata.target(), metadata.level())
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Filter::<Self>::max_level_hint(&self.filter)
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        // fc's own invocation span hands its request id over shared; any other span
        // has its own `request_id` field or its parent's id.
        let handed = if attrs.metadata().name() == SPAN_NAME {
            HANDED_OVER.with(Cell::take)
        } else {
            None
        };
        let own = handed.or_else(|| format::request_id_of(attrs));
        let parent = match own {
            Some(_) => None,
            None => self.parent_of(attrs.parent(), attrs.is_contextual()),
        };
        let mut slots = self.slots();
        let request_id = own.or_else(|| {
            parent
                .and_then(|parent| slots.get(parent))
                .and_then(|slot| slot.request_id.clone())
        });
        Id::from_u64(slots.insert(request_id, attrs.metadata()))
    }

    fn record(&self, _: &Id, _: &Record<'_>) {
        // FC's formats print no span fields; the request id is read when a span is made.
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let request_id = self
            .parent_of(event.parent(), event.is_contextual())
            .and_then(|span| self.slots().get(span).and_then(|s| s.request_id.clone()));
        write_event(&self.output, self.format, event, request_id.as_deref());
    }

    fn enter(&self, span: &Id) {
        ENTERED.with(|entered| entered.borrow_mut().push((self.instance, span.into_u64())));
    }

    fn exit(&self, span: &Id) {
        let span = (self.instance, span.into_u64());
        ENTERED.with(|entered| {
            let mut entered = entered.borrow_mut();
            // Usually the last one, taken off the end; spans may be left out of order.
            if entered.last() == Some(&span) {
                entered.pop();
            } else if let Some(at) = entered.iter().rposition(|e| *e == span) {
                entered.remove(at);
            }
        });
    }

    fn clone_span(&self, span: &Id) -> Id {
        if let Some(slot) = self.slots().get_mut(span.into_u64()) {
            slot.refs += 1;
        }
        span.clone()
    }

    fn try_close(&self, span: Id) -> bool {
        let id = span.into_u64();
        let mut slots = self.slots();
        let Some(slot) = slots.get_mut(id) else {
            return false;
        };
        slot.refs -= 1;
        if slot.refs > 0 {
            return false;
        }
        slot.generation = slot.generation.wrapping_add(1);
        let request_id = slot.request_id.take();
        if let Some((index, _)) = split(id) {
            slots.free.push(index as u32);
        }
        drop(slots);
        // The id's last reference goes outside the lock.
        drop(request_id);
        true
    }

    fn current_span(&self) -> Current {
        let Some(id) = self.current() else {
            return Current::none();
        };
        match self.slots().get(id) {
            Some(slot) => Current::new(Id::from_u64(id), slot.metadata),
            None => Current::none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use tracing::{Dispatch, Span};
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    fn everything() -> Targets {
        Targets::new().with_default(LevelFilter::TRACE)
    }

    /// The lines without their time.
    fn untimed(text: &str) -> Vec<String> {
        text.lines()
            .map(|l| l.split_once(' ').expect("a time first").1.to_owned())
            .collect()
    }

    /// What a program might do with spans: nested, explicit parents, roots, a span of
    /// its own with a request id, a span moved to another thread, a parent dropped
    /// before its child, `Span::current()`, spans left out of order.
    fn spans_and_events() {
        tracing::info!("outside any invocation");
        let invocation = super::super::invocation_span(
            Arc::from("req-1"),
            || tracing::error_span!(parent: None, SPAN_NAME, request_id = "req-1"),
        );
        let entered = invocation.enter();
        tracing::info!(n = 3, "in the invocation");
        let child = tracing::info_span!("child", step = 1);
        {
            let _child = child.enter();
            tracing::warn!("in a child");
            let current = Span::current();
            tracing::info!(parent: &current, "under Span::current()");
            let own = tracing::info_span!("own", request_id = "req-own");
            own.in_scope(|| tracing::info!("in a span with its own request id"));
            tracing::info!(parent: None, "a root event inside spans");
            let root = tracing::info_span!(parent: None, "root");
            root.in_scope(|| tracing::info!("in a root span"));
        }
        drop(entered);
        tracing::info!("after the invocation");
        tracing::info!(parent: &child, "explicitly under the child");
        let grandchild = tracing::info_span!(parent: &child, "grandchild");
        drop(invocation);
        drop(child);
        grandchild.in_scope(|| tracing::info!("the grandchild outlives its parents"));
        let dispatch = tracing::dispatcher::get_default(Dispatch::clone);
        std::thread::spawn(move || {
            tracing::dispatcher::with_default(&dispatch, || {
                let _in = grandchild.enter();
                tracing::error!("on another thread");
            });
        })
        .join()
        .unwrap();
        let (a, b) = (
            tracing::info_span!("a"),
            tracing::info_span!("b", request_id = "req-b"),
        );
        let in_a = a.enter();
        let in_b = b.enter();
        drop(in_a);
        tracing::info!("b left entered after a was left");
        drop(in_b);
        tracing::info!("neither entered");
    }

    #[test]
    fn writes_what_fcs_layer_in_the_registry_writes() {
        for format in [Format::Text, Format::Json] {
            let ours = Output::capture();
            let subscriber = FcSubscriber::new(everything(), ours.clone(), format);
            tracing::subscriber::with_default(subscriber, spans_and_events);
            let theirs = Output::capture();
            let subscriber = tracing_subscriber::registry()
                .with(everything())
                .with(super::super::format_layer(theirs.clone(), format));
            tracing::subscriber::with_default(subscriber, spans_and_events);
            let (ours, theirs) = (ours.captured(), theirs.captured());
            match format {
                Format::Text => {
                    assert_eq!(untimed(&ours), untimed(&theirs));
                    let ours = untimed(&ours);
                    assert_eq!(ours.len(), 13, "{ours:#?}");
                    assert!(ours[1].starts_with("req-1 [INFO]"), "{ours:#?}");
                    assert!(ours[4].starts_with("req-own [INFO]"), "{ours:#?}");
                    assert!(ours[5].starts_with("[INFO] a root event"), "{ours:#?}");
                    assert!(
                        ours[10].starts_with("req-1 [ERROR] on another"),
                        "{ours:#?}"
                    );
                    assert!(ours[11].starts_with("req-b [INFO]"), "{ours:#?}");
                }
                Format::Json => {
                    let fields = |text: &str| -> Vec<serde_json::Value> {
                        text.lines()
                            .map(|l| {
                                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                                v.as_object_mut().unwrap().remove("time");
                                v
                            })
                            .collect()
                    };
                    assert_eq!(fields(&ours), fields(&theirs));
                }
            }
        }
    }

    #[test]
    fn slots_are_reused_and_an_old_id_finds_nothing() {
        let output = Output::capture();
        let subscriber = Arc::new(FcSubscriber::new(
            everything(),
            output.clone(),
            Format::Text,
        ));
        let dispatch = Dispatch::from(Arc::clone(&subscriber));
        tracing::dispatcher::with_default(&dispatch, || {
            let old = tracing::info_span!("old", request_id = "req-old");
            let stale = old.id().unwrap();
            drop(old);
            for i in 0..1000 {
                let span = tracing::info_span!("span", request_id = i);
                let _clone = span.clone();
                span.in_scope(|| {});
            }
            assert_eq!(subscriber.slots().slots.len(), 1, "one slot, reused");
            // The old id's slot now holds another span: the old id finds nothing.
            let now = tracing::info_span!("now", request_id = "req-now");
            assert_eq!(subscriber.slots().slots.len(), 1);
            assert!(!dispatch.try_close(stale.clone()));
            assert_eq!(dispatch.clone_span(&stale), stale);
            dispatch.enter(&stale);
            assert!(Span::current().is_none());
            tracing::info!("under an id that closed");
            dispatch.exit(&stale);
            now.in_scope(|| tracing::info!("under the new span"));
            // Ids no span of this subscriber ever had.
            for id in [1 << 40, u64::MAX] {
                let id = Id::from_u64(id);
                assert!(!dispatch.try_close(id.clone()));
                dispatch.enter(&id);
                tracing::info!("under a made-up id");
                dispatch.exit(&id);
            }
        });
        let lines = untimed(&output.captured());
        assert_eq!(
            lines,
            [
                "[INFO] under an id that closed",
                "req-now [INFO] under the new span",
                "[INFO] under a made-up id",
                "[INFO] under a made-up id",
            ]
        );
        assert!(subscriber.slots().slots.iter().all(|s| s.refs == 0));
        assert!(
            subscriber
                .slots()
                .slots
                .iter()
                .all(|s| s.request_id.is_none())
        );
    }

    #[test]
    fn rust_log_picks_the_events_and_spans() {
        let output = Output::capture();
        let filter = super::super::filter_from(Some("warn,my_fn=debug")).unwrap();
        let subscriber = FcSubscriber::new(filter, output.clone(), Format::Text);
        assert_eq!(subscriber.max_level_hint(), Some(LevelFilter::DEBUG));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("dropped");
            tracing::warn!("kept");
            tracing::debug!(target: "my_fn::db", "kept at debug");
            tracing::trace!(target: "my_fn", "dropped at trace");
            let span = tracing::info_span!("filtered out", request_id = "req-x");
            assert!(span.is_disabled());
        });
        assert_eq!(
            untimed(&output.captured()),
            ["[WARN] kept", "[DEBUG] kept at debug"]
        );
        let off = FcSubscriber::new(Targets::new(), Output::capture(), Format::Text);
        assert_eq!(off.max_level_hint(), Some(LevelFilter::OFF));
    }

    #[test]
    fn threads_entering_spans_at_once_keep_their_own_request_ids() {
        let output = Output::capture();
        let dispatch = Dispatch::new(FcSubscriber::new(
            everything(),
            output.clone(),
            Format::Text,
        ));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let dispatch = dispatch.clone();
                std::thread::spawn(move || {
                    tracing::dispatcher::with_default(&dispatch, || {
                        for i in 0..200 {
                            let span = tracing::info_span!("call", request_id = format!("{t}-{i}"));
                            let _in = span.enter();
                            let inner = tracing::info_span!("inner");
                            inner.in_scope(|| tracing::info!(t, i));
                        }
                    });
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let lines = untimed(&output.captured());
        assert_eq!(lines.len(), 800);
        for line in lines {
            let (request_id, rest) = line.split_once(' ').unwrap();
            let (t, i) = request_id.split_once('-').unwrap();
            assert_eq!(rest, format!("[INFO] t={t} i={i}"));
        }
    }
}
