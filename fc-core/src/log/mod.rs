//! Logging: FC's marker lines, FC's log line format, and where both are written.
//!
//! [`fc::run`](crate::run) installs a subscriber that writes every `tracing` event in
//! FC's format to stdout, filtered by `RUST_LOG` (default `info`), unless the program
//! set its own; with `RUST_LOG_FORMAT=json` it writes one JSON object per event
//! instead ([`JsonFormat`]). Levels a build leaves out with `tracing`'s
//! `release_max_level_*` features (a crate made by `fc-local new` leaves out trace lines)
//! cannot be printed whatever `RUST_LOG` says: fc warns once at start when it asks for
//! them. To combine FC's format with your own layers, add [`layer`] to your subscriber:
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt;
//! let subscriber = tracing_subscriber::registry().with(fc::log::layer(fc::log::Output::stdout()));
//! tracing::subscriber::set_global_default(subscriber).ok();
//! ```

mod format;
mod json;
pub(crate) mod marker;
mod output;
pub(crate) mod stdout;
mod subscriber;
mod time;

use std::str::FromStr;

use std::cell::{Cell, RefCell};
use std::io::Write as _;
use std::sync::Arc;

use tracing::span::{Attributes, Id};
use tracing::{Event, Span, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::{DefaultFields, Writer};
use tracing_subscriber::fmt::{FormatFields, MakeWriter};
use tracing_subscriber::layer::{Context as LayerContext, Layer};
use tracing_subscriber::registry::LookupSpan;

pub use format::{FcFormat, MAX_LINE, RequestIdLayer};
pub use json::JsonFormat;
pub use output::{Output, OutputWriter};
pub(crate) use subscriber::FcSubscriber;
pub use time::UtcMillis;

/// FC's format as a layer, writing to `output`: each event in [`FcFormat`]'s format,
/// with the request id of the invocation's span around it (this layer records each new
/// span's `request_id` field, the record [`RequestIdLayer`] makes for a fmt layer of
/// your own: do not add it beside this one). It renders no span fields, which FC's
/// format never prints.
pub fn layer<S>(output: Output) -> impl Layer<S> + Send + Sync + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    format_layer(output, Format::Text)
}

/// [`JsonFormat`] as a layer, writing to `output`: [`layer`] with one JSON object per
/// event instead of FC's text format. [`fc::run`](crate::run) uses it when
/// `RUST_LOG_FORMAT=json`.
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
/// let subscriber =
///     tracing_subscriber::registry().with(fc::log::json_layer(fc::log::Output::stdout()));
/// tracing::subscriber::set_global_default(subscriber).ok();
/// ```
pub fn json_layer<S>(output: Output) -> impl Layer<S> + Send + Sync + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    format_layer(output, Format::Json)
}

/// fc's layer in `format`: [`layer`] or [`json_layer`], as one type.
pub(crate) fn format_layer<S>(
    output: Output,
    format: Format,
) -> impl Layer<S> + Send + Sync + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    EventLayer { output, format }
}

/// The log line format `RUST_LOG_FORMAT` asks for: FC's text format unless it is `json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Text,
    Json,
}

impl Format {
    /// The format `RUST_LOG_FORMAT` names (`text`, the default, or `json`, in any case),
    /// or the text format and what was wrong with the value.
    pub(crate) fn from_env(value: Option<&str>) -> (Self, Option<String>) {
        match value.map(str::trim) {
            None | Some("") => (Self::Text, None),
            Some(v) if v.eq_ignore_ascii_case("text") => (Self::Text, None),
            Some(v) if v.eq_ignore_ascii_case("json") => (Self::Json, None),
            Some(v) => (
                Self::Text,
                Some(format!("RUST_LOG_FORMAT={v:?}: expected `text` or `json`")),
            ),
        }
    }
}

/// fc's own layer: what [`FcFormat`] or [`JsonFormat`] in a fmt layer would write, with
/// less work per span. It keeps one thing of a new span, its request id (a fmt layer
/// would also render every span's fields into a string FC's formats never print), and
/// writes each event with one write.
#[derive(Debug)]
struct EventLayer {
    output: Output,
    format: Format,
}

impl<S> Layer<S> for EventLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        // fc's own invocation span hands its request id over shared, not as a field
        // to copy out.
        let handed = if attrs.metadata().name() == SPAN_NAME {
            HANDED_OVER.with(Cell::take)
        } else {
            None
        };
        let request_id = handed.or_else(|| format::request_id_of(attrs));
        if let (Some(request_id), Some(span)) = (request_id, ctx.span(id)) {
            span.extensions_mut().insert(format::RequestId(request_id));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        let id = format::request_id_in(ctx.event_scope(event).into_iter().flatten());
        write_event(&self.output, self.format, event, id.as_deref());
    }
}

/// Writes `event` to `output` as one line in `format`, with `request_id`, in one write.
fn write_event(output: &Output, format: Format, event: &Event<'_>, request_id: Option<&str>) {
    thread_local! {
        static BUFFER: RefCell<String> = const { RefCell::new(String::new()) };
    }
    BUFFER.with(|buffer| {
        // An event logged while one is being formatted (a `Debug` that logs) gets
        // a buffer of its own.
        let mut own = String::new();
        let mut borrowed = buffer.try_borrow_mut();
        let line = match &mut borrowed {
            Ok(buffer) => &mut **buffer,
            Err(_) => &mut own,
        };
        line.clear();
        let written = match format {
            Format::Text => {
                let mut message = String::new();
                DefaultFields::new()
                    .format_fields(Writer::new(&mut message), event)
                    .and_then(|()| {
                        format::write_text(
                            line,
                            &UtcMillis,
                            request_id,
                            event.metadata().level().as_str(),
                            &message,
                        )
                    })
            }
            Format::Json => json::write_json(line, &UtcMillis, request_id, event),
        };
        if written.is_ok() {
            let _ = output.make_writer().write_all(line.as_bytes());
        }
        // A rare huge event does not keep its buffer for the thread's life.
        if line.capacity() > 64 * 1024 {
            *line = String::new();
        }
    });
}

/// The name of the span that carries the request id.
pub(crate) const SPAN_NAME: &str = "fc_invocation";

thread_local! {
    /// The request id of the invocation span being made on this thread.
    static HANDED_OVER: Cell<Option<Arc<str>>> = const { Cell::new(None) };
}

/// Makes an invocation's span (`make` creates it, named [`SPAN_NAME`], with its
/// `request_id` field for every other layer) and hands fc's layer the request id
/// shared, so it keeps a reference instead of a copy.
pub(crate) fn invocation_span(request_id: Arc<str>, make: impl FnOnce() -> Span) -> Span {
    HANDED_OVER.with(|handed| handed.set(Some(request_id)));
    let span = make();
    // Not taken when no layer of fc's saw the span (another subscriber, a filter).
    HANDED_OVER.with(Cell::take);
    span
}

/// The filter `RUST_LOG` asks for (`target=level` directives, comma separated), or
/// `info` when it is unset or unreadable.
pub(crate) fn filter_from(rust_log: Option<&str>) -> Result<Targets, String> {
    match rust_log.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Targets::new().with_default(LevelFilter::INFO)),
        Some(spec) => Targets::from_str(spec).map_err(|e| format!("RUST_LOG={spec:?}: {e}")),
    }
}

/// What `RUST_LOG` asks for that this build cannot print: the levels above
/// `compiled` (`tracing::level_filters::STATIC_MAX_LEVEL`, set at build time by
/// `tracing`'s `max_level_*` and `release_max_level_*` features; a crate made by
/// `fc-local new` leaves trace lines out of release builds) that `filter` lets
/// through. `None` when the build prints all it asks for.
pub(crate) fn compiled_out(filter: &Targets, compiled: LevelFilter) -> Option<String> {
    use tracing_subscriber::layer::Filter;
    let asked = Filter::<tracing_subscriber::Registry>::max_level_hint(filter)?;
    (asked > compiled).then(|| {
        format!(
            "RUST_LOG asks for {asked} lines, but this build keeps only {compiled} and \
             above (tracing's `release_max_level_*` or `max_level_*` feature, in \
             Cargo.toml)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_the_build_leaves_out_is_named() {
        let debug = filter_from(Some("warn,my_fn=debug")).unwrap();
        assert_eq!(compiled_out(&debug, LevelFilter::DEBUG), None);
        assert_eq!(compiled_out(&debug, LevelFilter::TRACE), None);
        let said = compiled_out(&debug, LevelFilter::INFO).unwrap();
        assert!(said.contains("asks for debug lines"), "{said}");
        assert!(said.contains("keeps only info and above"), "{said}");
        let trace = filter_from(Some("trace")).unwrap();
        assert!(compiled_out(&trace, LevelFilter::DEBUG).is_some());
        assert_eq!(
            compiled_out(&filter_from(None).unwrap(), LevelFilter::DEBUG),
            None
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

    /// fc's own layer writes what `FcFormat` in a fmt layer writes, but the time.
    #[test]
    fn the_layer_writes_what_fc_format_writes() {
        use tracing_subscriber::layer::SubscriberExt;
        let events = || {
            tracing::info!("outside any invocation");
            let span =
                tracing::error_span!(SPAN_NAME, request_id = "1-67adb489-15d49184-2d4fa002fa2b");
            let _entered = span.enter();
            tracing::info!(function = "hello", n = 3, "loading prices");
            tracing::warn!("two\nlines\rand a CR");
            let inner = tracing::info_span!("user_span", step = 1);
            let _inner = inner.enter();
            tracing::error!(error = %"boom", debug = ?Some(1), "inside a nested span");
        };
        let ours = Output::capture();
        let subscriber = tracing_subscriber::registry().with(layer(ours.clone()));
        tracing::subscriber::with_default(subscriber, events);
        let theirs = Output::capture();
        let subscriber = tracing_subscriber::registry().with(RequestIdLayer).with(
            tracing_subscriber::fmt::layer()
                .event_format(FcFormat::new())
                .with_writer(theirs.clone()),
        );
        tracing::subscriber::with_default(subscriber, events);
        let untimed = |text: String| -> Vec<String> {
            text.lines()
                .map(|l| l.split_once(' ').expect("a time first").1.to_owned())
                .collect()
        };
        let ours = untimed(ours.captured());
        assert_eq!(ours.len(), 5, "{ours:#?}");
        assert_eq!(ours, untimed(theirs.captured()));
    }

    #[test]
    fn rust_log_format_picks_the_format() {
        assert_eq!(Format::from_env(None), (Format::Text, None));
        assert_eq!(Format::from_env(Some(" JSON ")), (Format::Json, None));
        assert_eq!(Format::from_env(Some("text")), (Format::Text, None));
        let (format, problem) = Format::from_env(Some("yaml"));
        assert_eq!(format, Format::Text);
        assert!(problem.unwrap().contains("RUST_LOG_FORMAT=\"yaml\""));
    }
}
