//! A JSON line format for the function's log, one object per event, for SLS to index:
//! `{"time":…,"requestId":…,"level":…,"target":…,"message":…,<the event's fields>}`.

use std::fmt;

use serde_json::Value;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::log::format::{MAX_LINE, request_id_in};
use crate::log::time::UtcMillis;

/// The keys fc writes itself. An event field with one of these names is written as
/// `field.<name>`, so it can neither hide nor fake them.
const RESERVED: [&str; 7] = [
    "time",
    "requestId",
    "level",
    "target",
    "message",
    "part",
    "parts",
];

/// Room kept on each piece of a split event for `"part":N,"parts":N`.
const PART_KEYS: usize = 40;

/// Formats each event as one JSON object on one line:
///
/// ```text
/// {"time":"2026-11-21T05:47:00.123Z","requestId":"1-67adb489-15d49184-2d4fa002fa2b","level":"INFO","target":"orders","message":"loading prices","function":"hello","n":3}
/// ```
///
/// `requestId` is the enclosing invocation's (left out outside one, as in
/// [`FcFormat`](crate::log::FcFormat)); the event's fields follow, numbers and booleans
/// as JSON numbers and booleans, everything else as strings (`?x` and `%x` as `Debug`
/// and `Display` write them). Newlines and carriage returns in a message are escaped,
/// so a multi-line message stays one object and cannot fake another line.
///
/// FC cuts log lines at 32 KB ([`MAX_LINE`]). An event that does not fit is written as
/// several objects, each a whole JSON object with the same `time`, `requestId`, `level`
/// and `target` and with `"part"` (from 1) and `"parts"`. The first piece carries the
/// short fields; a long string value is cut into pieces under its own key, in order,
/// so joining the pieces gives it back.
///
/// [`fc::run`](crate::run) uses this format when `RUST_LOG_FORMAT=json` (FC reserves
/// the `FC_` prefix for its own variables); in a subscriber of your own, use
/// [`json_layer`](crate::log::json_layer). FC's marker lines are not log events and
/// keep their own format.
#[derive(Clone, Debug, Default)]
pub struct JsonFormat<T = UtcMillis> {
    timer: T,
}

impl JsonFormat {
    /// The format with the system clock.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<T> JsonFormat<T> {
    /// The format with another clock, e.g. a fixed one in tests.
    pub fn with_timer<T2: FormatTime>(self, timer: T2) -> JsonFormat<T2> {
        JsonFormat { timer }
    }
}

impl<S, N, T> FormatEvent<S, N> for JsonFormat<T>
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
        let id = request_id_in(ctx.event_scope().into_iter().flatten());
        write_json(&mut writer, &self.timer, id.as_deref(), event)
    }
}

/// Writes one event as JSON lines (one, unless it is over [`MAX_LINE`]).
pub(crate) fn write_json(
    writer: &mut impl fmt::Write,
    timer: &impl FormatTime,
    request_id: Option<&str>,
    event: &Event<'_>,
) -> fmt::Result {
    let mut time = String::with_capacity(24);
    timer.format_time(&mut Writer::new(&mut time))?;
    let metadata = event.metadata();
    let mut head = Vec::with_capacity(4);
    head.push(entry("time", &Value::String(time)));
    if let Some(id) = request_id {
        head.push(entry("requestId", &Value::from(id)));
    }
    head.push(entry("level", &Value::from(metadata.level().as_str())));
    head.push(entry("target", &Value::from(metadata.target())));

    let mut fields = Fields::default();
    event.record(&mut fields);
    for line in lines(&head, fields.0) {
        writer.write_str(&line)?;
        writer.write_char('\n')?;
    }
    Ok(())
}

/// `"key":value`, as JSON.
fn entry(key: &str, value: &Value) -> String {
    let mut out = serde_json::to_string(key).unwrap_or_default();
    out.push(':');
    out.push_str(&value.to_string());
    out
}

/// The event's lines: one object if it fits in [`MAX_LINE`], else as many as it takes,
/// each with `head` and its part number, long strings cut to fit.
fn lines(head: &[String], body: Vec<(String, Value)>) -> Vec<String> {
    let head = head.join(",");
    let rendered: Vec<String> = body.iter().map(|(k, v)| entry(k, v)).collect();
    let whole = rendered.iter().map(|e| e.len() + 1).sum::<usize>() + head.len() + 3;
    if whole <= MAX_LINE {
        let mut line = String::with_capacity(whole);
        line.push('{');
        line.push_str(&head);
        for e in &rendered {
            line.push(',');
            line.push_str(e);
        }
        line.push('}');
        return vec![line];
    }
    // Room for the event's own entries in each piece: the braces, the head, the part
    // numbers and the newline are taken out.
    let room = MAX_LINE.saturating_sub(head.len() + PART_KEYS + 3).max(256);
    // The entries that fit come first, so the first piece has every short field; then
    // the long strings, piece by piece.
    let mut entries = Vec::new();
    let mut long = Vec::new();
    for ((key, value), rendered) in body.into_iter().zip(rendered) {
        if rendered.len() < room {
            entries.push(rendered);
        } else {
            long.push((key, value));
        }
    }
    for (key, value) in long {
        // Only a string can be this long: the visitor makes nothing else that large.
        let text = match value {
            Value::String(text) => text,
            other => other.to_string(),
        };
        let key_room = room.saturating_sub(entry(&key, &Value::from("")).len() + 1);
        for chunk in chunks(&text, key_room) {
            entries.push(entry(&key, &Value::from(chunk)));
        }
    }
    let mut objects: Vec<String> = Vec::new();
    let mut current = String::new();
    for e in entries {
        if !current.is_empty() && current.len() + e.len() + 1 > room {
            objects.push(std::mem::take(&mut current));
        }
        current.push(',');
        current.push_str(&e);
    }
    if !current.is_empty() {
        objects.push(current);
    }
    let parts = objects.len();
    objects
        .into_iter()
        .enumerate()
        .map(|(i, entries)| format!("{{{head},\"part\":{},\"parts\":{parts}{entries}}}", i + 1))
        .collect()
}

/// `text` cut into pieces whose JSON strings take at most `room` bytes each, at char
/// boundaries.
fn chunks(text: &str, room: usize) -> Vec<&str> {
    let room = room.max(16);
    let mut out = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (at, c) in text.char_indices() {
        let cost = match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8(),
        };
        if used + cost > room {
            out.push(&text[start..at]);
            (start, used) = (at, 0);
        }
        used += cost;
    }
    out.push(&text[start..]);
    out
}

/// The event's fields in the order they were recorded, `message` first if present.
#[derive(Default)]
struct Fields(Vec<(String, Value)>);

impl Fields {
    fn add(&mut self, field: &Field, value: Value) {
        let name = field.name();
        if name == "message" {
            self.0.insert(0, ("message".to_owned(), value));
        } else if RESERVED.contains(&name) {
            self.0.push((format!("field.{name}"), value));
        } else {
            self.0.push((name.to_owned(), value));
        }
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity: those are written as their names.
        let value = serde_json::Number::from_f64(value)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(value.to_string()));
        self.add(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.add(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.add(field, Value::from(value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        let value =
            i64::try_from(value).map_or_else(|_| Value::String(value.to_string()), Value::from);
        self.add(field, value);
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        let value =
            u64::try_from(value).map_or_else(|_| Value::String(value.to_string()), Value::from);
        self.add(field, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.add(field, Value::Bool(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.add(field, Value::from(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.add(field, Value::String(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::Output;
    use crate::log::time::write_utc_millis;
    use serde_json::json;
    use tracing_subscriber::layer::SubscriberExt;

    fn fixed(w: &mut Writer<'_>) -> fmt::Result {
        write_utc_millis(w, 1_739_437_033_042)
    }

    fn capture(f: impl FnOnce()) -> Vec<Value> {
        let output = Output::capture();
        let subscriber = tracing_subscriber::registry()
            .with(crate::log::RequestIdLayer)
            .with(
                tracing_subscriber::fmt::layer()
                    .event_format(
                        JsonFormat::new().with_timer(fixed as fn(&mut Writer<'_>) -> fmt::Result),
                    )
                    .with_writer(output.clone()),
            );
        tracing::subscriber::with_default(subscriber, f);
        output
            .captured()
            .lines()
            .map(|line| {
                assert!(line.len() < MAX_LINE, "{} bytes", line.len());
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
            })
            .collect()
    }

    #[test]
    fn one_object_per_event_with_the_request_id_and_the_fields() {
        let lines = capture(|| {
            tracing::info!("outside any invocation");
            let span = tracing::error_span!("fc", request_id = %"1-67adb489-15d49184-2d4fa002fa2b");
            let _entered = span.enter();
            tracing::info!(
                function = "hello",
                n = 3,
                ok = true,
                ratio = 0.5,
                "loading prices"
            );
            tracing::warn!(order = ?[7, 8], level = "fake", "two\nlines\r");
            tracing::error!(nan = f64::NAN, big = u128::MAX, "{}", "formatted");
        });
        let id = "1-67adb489-15d49184-2d4fa002fa2b";
        let time = "2025-02-13T08:57:13.042Z";
        assert_eq!(
            lines,
            [
                json!({"time": time, "level": "INFO", "target": module_path!(),
                       "message": "outside any invocation"}),
                json!({"time": time, "requestId": id, "level": "INFO", "target": module_path!(),
                       "message": "loading prices", "function": "hello", "n": 3, "ok": true,
                       "ratio": 0.5}),
                json!({"time": time, "requestId": id, "level": "WARN", "target": module_path!(),
                       "message": "two\nlines\r", "order": "[7, 8]",
                       "field.level": "fake"}),
                json!({"time": time, "requestId": id, "level": "ERROR", "target": module_path!(),
                       "message": "formatted", "nan": "NaN",
                       "big": "340282366920938463463374607431768211455"}),
            ]
        );
    }

    #[test]
    fn keys_come_in_a_fixed_order() {
        let output = Output::capture();
        let subscriber =
            tracing_subscriber::registry().with(crate::log::json_layer(output.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("fc", request_id = "req-1");
            let _entered = span.enter();
            tracing::info!(b = 1, a = 2, "m");
        });
        let line = output.captured();
        let after_time = line.split_once(r#"Z","#).expect("a time").1;
        assert_eq!(
            after_time,
            format!(
                "\"requestId\":\"req-1\",\"level\":\"INFO\",\"target\":\"{}\",\"message\":\"m\",\"b\":1,\"a\":2}}\n",
                module_path!()
            )
        );
        assert!(line.starts_with(r#"{"time":"20"#), "{line}");
    }

    #[test]
    fn an_event_longer_than_32_kb_is_split_into_whole_objects() {
        let long: String = "é\"€\n".repeat(9_000) + "end";
        let other = "x".repeat(20_000);
        let lines = capture(|| {
            let span = tracing::error_span!("fc", request_id = %"req-long");
            let _entered = span.enter();
            tracing::info!(order = 42, other = %other, "{long}");
        });
        assert!(lines.len() >= 3, "{} pieces", lines.len());
        let parts = lines.len() as u64;
        let (mut message, mut others) = (String::new(), String::new());
        for (i, line) in lines.iter().enumerate() {
            assert_eq!(line["requestId"], "req-long");
            assert_eq!(line["level"], "INFO");
            assert_eq!(line["part"], i as u64 + 1);
            assert_eq!(line["parts"], parts);
            if let Some(piece) = line["message"].as_str() {
                message.push_str(piece);
            }
            if let Some(piece) = line["other"].as_str() {
                others.push_str(piece);
            }
        }
        assert_eq!(message, long);
        assert_eq!(others, other);
        assert_eq!(lines[0]["order"], 42, "small fields ride along");
    }
}
