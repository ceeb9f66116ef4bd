//! Logging: FC's marker lines, FC's log line format, and where both are written.
//!
//! [`fc::run`](crate::run) installs a subscriber that writes every `tracing` event in
//! FC's format to stdout, filtered by `RUST_LOG` (default `info`), unless the program
//! set its own; with `RUST_LOG_FORMAT=json` it writes one JSON object per event
//! instead ([`JsonFormat`]). To combine FC's format with your own layers, add [`layer`] to your
//! subscriber:
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
mod time;

use std::str::FromStr;

use tracing::Subscriber;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::FormattedFields;
use tracing_subscriber::fmt::format::DefaultFields;
use tracing_subscriber::layer::Layer;
use tracing_subscriber::registry::LookupSpan;

pub use format::{FcFormat, MAX_LINE, RequestIdLayer};
pub use json::JsonFormat;
pub use output::{Output, OutputWriter};
pub use time::UtcMillis;

/// FC's format as a layer, writing to `output`: [`FcFormat`] behind fc's own span layer,
/// which records each new span's `request_id` field for [`FcFormat`] to print (the same
/// record [`RequestIdLayer`] makes) and skips rendering span fields FC's format never
/// prints. Do not add [`RequestIdLayer`] beside it: this layer already does its work.
pub fn layer<S>(output: Output) -> impl Layer<S> + Send + Sync + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    SpanFields.and_then(
        tracing_subscriber::fmt::layer()
            .event_format(FcFormat::new())
            .with_writer(output),
    )
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
    SpanFields.and_then(
        tracing_subscriber::fmt::layer()
            .event_format(JsonFormat::new())
            .with_writer(output),
    )
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

/// What fc keeps of a new span, in one visit of its extensions: the request id
/// [`FcFormat`] prints (the record [`RequestIdLayer`] also makes), and an empty rendering of
/// its fields. FC's format prints no span fields, yet the fmt layer renders every new
/// span's fields into a string; the empty one tells it the work is done.
#[derive(Clone, Copy, Debug)]
struct SpanFields;

impl<S> Layer<S> for SpanFields
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut extensions = span.extensions_mut();
        extensions.insert(FormattedFields::<DefaultFields>::new(String::new()));
        if let Some(request_id) = format::request_id_of(attrs) {
            extensions.insert(format::RequestId(request_id));
        }
    }
}

/// The name of the span that carries the request id.
pub(crate) const SPAN_NAME: &str = "fc_invocation";

/// The filter `RUST_LOG` asks for (`target=level` directives, comma separated), or
/// `info` when it is unset or unreadable.
pub(crate) fn filter_from(rust_log: Option<&str>) -> Result<Targets, String> {
    match rust_log.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Targets::new().with_default(LevelFilter::INFO)),
        Some(spec) => Targets::from_str(spec).map_err(|e| format!("RUST_LOG={spec:?}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
