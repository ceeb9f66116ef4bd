//! FC's log line format as a `tracing` [`FormatEvent`]:
//! `<utc yyyy-MM-ddTHH:mm:ss.fffZ> <requestId> [LEVEL] <message>`.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

use crate::log::time::UtcMillis;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::{Context as LayerContext, Layer};
use tracing_subscriber::registry::{LookupSpan, SpanRef};

/// The longest line, newline included, that fc writes: FC cuts log lines at 32 KB.
pub const MAX_LINE: usize = 32 * 1024;

/// Formats each event as FC recommends, one physical line per line of the message,
/// each with the timestamp, the request id of the enclosing invocation and the level:
///
/// ```text
/// 2026-11-21T05:47:00.123Z 1-67adb489-15d49184-2d4fa002fa2b [INFO] loading prices function="hello"
/// ```
///
/// A line longer than [`MAX_LINE`] is split into continuation lines, each with the
/// same prefix: nothing is cut off, and every piece keeps its request id. A carriage
/// return inside a line is written as `\r`, so a message cannot fake a line.
///
/// The request id is read from the nearest enclosing span that has a `request_id`
/// field (every invocation runs in one), recorded there by [`layer`](crate::log::layer)'s
/// span layer (or by [`RequestIdLayer`] when `FcFormat` is used in a fmt layer of your
/// own); outside an invocation the id is left out. Use it through
/// [`layer`](crate::log::layer).
#[derive(Clone, Debug, Default)]
pub struct FcFormat<T = UtcMillis> {
    timer: T,
}

impl FcFormat {
    /// The format with the system clock.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<T> FcFormat<T> {
    /// The format with another clock, e.g. a fixed one in tests.
    pub fn with_timer<T2: FormatTime>(self, timer: T2) -> FcFormat<T2> {
        FcFormat { timer }
    }
}

impl<S, N, T> FormatEvent<S, N> for FcFormat<T>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    T: FormatTime,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut message = String::new();
        ctx.format_fields(Writer::new(&mut message), event)?;
        let id = request_id_in(ctx.event_scope().into_iter().flatten());
        let level = event.metadata().level().as_str();
        write_text(&mut writer, &self.timer, id.as_deref(), level, &message)
    }
}

/// Writes one event's lines in FC's format: `message` (the event's fields as text)
/// split at its newlines and at [`MAX_LINE`], every piece with the prefix.
pub(crate) fn write_text(
    writer: &mut impl fmt::Write,
    timer: &impl FormatTime,
    request_id: Option<&str>,
    level: &str,
    message: &str,
) -> fmt::Result {
    let mut prefix = String::with_capacity(64);
    timer.format_time(&mut Writer::new(&mut prefix))?;
    prefix.push(' ');
    if let Some(id) = request_id {
        prefix.push_str(id);
        prefix.push(' ');
    }
    write!(prefix, "[{level}] ")?;
    // FC cuts log lines at 32 KB: a longer line continues on the next, which
    // carries the same prefix, so nothing is lost and every piece is attributed.
    let room = MAX_LINE.saturating_sub(prefix.len() + 1).max(64);
    for line in message.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        // A carriage return inside a line would let a viewer that honours it show
        // a line of the message's own making: it is written as `\r`.
        let escaped;
        let mut rest = if line.contains('\r') {
            escaped = line.replace('\r', "\\r");
            escaped.as_str()
        } else {
            line
        };
        loop {
            let mut cut = room.min(rest.len());
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            writer.write_str(&prefix)?;
            writer.write_str(&rest[..cut])?;
            writer.write_char('\n')?;
            rest = &rest[cut..];
            if rest.is_empty() {
                break;
            }
        }
    }
    Ok(())
}

/// The request id of the nearest span in `scope` (an event's, innermost first) that
/// has one: what fc's layer and a fmt layer on [`FcFormat`] or `JsonFormat` print.
pub(crate) fn request_id_in<'a, R: LookupSpan<'a> + 'a>(
    scope: impl IntoIterator<Item = SpanRef<'a, R>>,
) -> Option<Arc<str>> {
    scope.into_iter().find_map(|span| {
        let extensions = span.extensions();
        extensions
            .get::<RequestId>()
            .map(|RequestId(id)| Arc::clone(id))
    })
}

/// The request id of an invocation's span, kept in the span's extensions.
#[derive(Clone, Debug)]
pub(crate) struct RequestId(pub(crate) Arc<str>);

/// Records the `request_id` field of every new span, so [`FcFormat`] can print it on
/// the lines logged inside that span. Only for a fmt layer of your own built on
/// [`FcFormat`]: [`layer`](crate::log::layer) records the id itself and needs no
/// `RequestIdLayer`.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestIdLayer;

impl<S> Layer<S> for RequestIdLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        if let (Some(request_id), Some(span)) = (request_id_of(attrs), ctx.span(id)) {
            span.extensions_mut().insert(RequestId(request_id));
        }
    }
}

/// The `request_id` field of a new span, if it has one.
pub(crate) fn request_id_of(attrs: &Attributes<'_>) -> Option<Arc<str>> {
    attrs.metadata().fields().field("request_id")?;
    let mut visitor = RequestIdVisitor(None);
    attrs.record(&mut visitor);
    visitor.0
}

struct RequestIdVisitor(Option<Arc<str>>);

impl Visit for RequestIdVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "request_id" {
            self.0 = Some(Arc::from(value));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "request_id" {
            self.0 = Some(Arc::from(format!("{value:?}")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::Output;
    use crate::log::time::write_utc_millis;
    use tracing_subscriber::layer::SubscriberExt;

    fn fixed(w: &mut Writer<'_>) -> fmt::Result {
        // 2025-02-13T08:57:13.042Z, the second a real FC request id was minted.
        write_utc_millis(w, 1_739_437_033_042)
    }

    fn capture(f: impl FnOnce()) -> String {
        let output = Output::capture();
        let subscriber = tracing_subscriber::registry().with(RequestIdLayer).with(
            tracing_subscriber::fmt::layer()
                .event_format(
                    FcFormat::new().with_timer(fixed as fn(&mut Writer<'_>) -> fmt::Result),
                )
                .with_writer(output.clone()),
        );
        tracing::subscriber::with_default(subscriber, f);
        output.captured()
    }

    #[test]
    fn whole_lines() {
        let out = capture(|| {
            tracing::info!("outside any invocation");
            let span = tracing::error_span!("fc", request_id = %"1-67adb489-15d49184-2d4fa002fa2b");
            let _entered = span.enter();
            tracing::info!(function = "hello", n = 3, "loading prices");
            tracing::warn!("two\nlines");
            let inner = tracing::info_span!("user_span", step = 1);
            let _inner = inner.enter();
            tracing::error!(error = %"boom", "inside a nested span");
            tracing::debug!("debug is kept by this subscriber");
        });
        assert_eq!(
            out,
            "2025-02-13T08:57:13.042Z [INFO] outside any invocation\n\
             2025-02-13T08:57:13.042Z 1-67adb489-15d49184-2d4fa002fa2b [INFO] loading prices function=\"hello\" n=3\n\
             2025-02-13T08:57:13.042Z 1-67adb489-15d49184-2d4fa002fa2b [WARN] two\n\
             2025-02-13T08:57:13.042Z 1-67adb489-15d49184-2d4fa002fa2b [WARN] lines\n\
             2025-02-13T08:57:13.042Z 1-67adb489-15d49184-2d4fa002fa2b [ERROR] inside a nested span error=boom\n\
             2025-02-13T08:57:13.042Z 1-67adb489-15d49184-2d4fa002fa2b [DEBUG] debug is kept by this subscriber\n"
        );
    }

    #[test]
    fn a_carriage_return_cannot_fake_a_line() {
        let out = capture(|| {
            let span = tracing::error_span!("fc", request_id = %"req-cr");
            let _entered = span.enter();
            tracing::info!("user input: x\r2025-02-13T08:57:13.042Z req-cr [ERROR] injected");
            tracing::info!("crlf ends a line\r\nand\rthis\r\r");
        });
        assert_eq!(
            out,
            "2025-02-13T08:57:13.042Z req-cr [INFO] user input: x\\r2025-02-13T08:57:13.042Z req-cr [ERROR] injected\n\
             2025-02-13T08:57:13.042Z req-cr [INFO] crlf ends a line\n\
             2025-02-13T08:57:13.042Z req-cr [INFO] and\\rthis\\r\n"
        );
    }

    #[test]
    fn long_lines_are_split_at_32_kb_with_the_prefix_kept() {
        // Multi-byte characters straddle the cut.
        let long: String = "é€".repeat(20_000) + "end";
        let out = capture(|| {
            let span = tracing::error_span!("fc", request_id = %"req-long");
            let _entered = span.enter();
            tracing::info!("{long}");
        });
        let prefix = "2025-02-13T08:57:13.042Z req-long [INFO] ";
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4, "{} bytes in", long.len());
        let mut joined = String::new();
        for line in &lines {
            assert!(line.len() < MAX_LINE, "{} bytes", line.len());
            joined.push_str(
                line.strip_prefix(prefix)
                    .expect("every piece has the prefix"),
            );
        }
        assert_eq!(joined, long);
        assert!(
            lines[0].len() > MAX_LINE - 4,
            "pieces are as long as allowed"
        );
    }
}
