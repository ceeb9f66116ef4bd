//! [`TraceContext`]: the span context FC hands an invocation, parsed from W3C
//! `traceparent`/`tracestate` (FC 3.0) or FC's Jaeger header
//! `x-fc-tracing-opentracing-span-context`.

use std::fmt;

use http::HeaderMap;

use crate::header::{self, Lookup};

/// The longest `tracestate` kept. The W3C spec asks vendors to propagate at least
/// 512 characters and lets them drop a longer one.
const MAX_TRACE_STATE: usize = 512;

/// The span context of the caller (FC's own invocation span, or whoever called FC),
/// as FC hands it to the function: what a span of the function's own should be a
/// child of.
///
/// Read by [`Context::trace_context`](crate::Context::trace_context) from, in order:
/// - W3C Trace Context, `traceparent` and `tracestate` (FC 3.0's tracing);
/// - FC's Jaeger/OpenTracing header `x-fc-tracing-opentracing-span-context`
///   (`traceid:spanid:parentid:flags`, hex). A 64-bit Jaeger trace id is
///   left-padded with zeros to 128 bits, as Alibaba's own Go sample does, so the
///   trace id is the same whichever way it is written.
///
/// A header that does not follow its format is ignored; nothing here fails or panics.
///
/// ```
/// let mut headers = fc::http::HeaderMap::new();
/// headers.insert(
///     "traceparent",
///     "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".parse().unwrap(),
/// );
/// let trace = fc::TraceContext::from_headers(&headers).unwrap();
/// assert_eq!(trace.trace_id(), 0x0af7651916cd43dd8448eb211c80319c);
/// assert_eq!(trace.span_id(), 0xb7ad6b7169203331);
/// assert!(trace.sampled());
/// assert_eq!(trace.to_string(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: u128,
    span_id: u64,
    flags: u8,
    trace_state: Option<Box<str>>,
    source: TraceSource,
}

/// Which header a [`TraceContext`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceSource {
    /// W3C `traceparent` (and `tracestate`).
    W3c,
    /// FC's Jaeger header, `x-fc-tracing-opentracing-span-context`.
    Jaeger,
}

impl TraceContext {
    /// The trace context in `headers`: `traceparent` when it is valid, else FC's
    /// Jaeger header when it is valid, else `None`.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        Self::from_lookup(headers)
    }

    /// [`from_headers`](TraceContext::from_headers), from a context's copy of them too.
    pub(crate) fn from_lookup(headers: &impl Lookup) -> Option<Self> {
        Self::from_w3c(headers).or_else(|| Self::from_jaeger(headers))
    }

    /// The 128-bit trace id.
    pub fn trace_id(&self) -> u128 {
        self.trace_id
    }

    /// The caller's span id: the parent of the function's own span.
    pub fn span_id(&self) -> u64 {
        self.span_id
    }

    /// Whether the caller sampled this trace (W3C flag `01`; Jaeger flag bit 1).
    pub fn sampled(&self) -> bool {
        self.flags & 1 == 1
    }

    /// The trace flags: W3C's byte as sent; for Jaeger, `01` when sampled, else `00`
    /// (Jaeger's debug and other bits have no W3C meaning).
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// The vendor-specific `tracestate` that came with `traceparent` (several header
    /// lines joined with `,`), when present and at most 512 characters long. Always
    /// `None` for the Jaeger header.
    pub fn trace_state(&self) -> Option<&str> {
        self.trace_state.as_deref()
    }

    /// Which header this came from.
    pub fn source(&self) -> TraceSource {
        self.source
    }

    fn from_w3c(headers: &impl Lookup) -> Option<Self> {
        let value = headers.text(&header::TRACEPARENT)?;
        let (trace_id, span_id, flags) = parse_traceparent(value)?;
        Some(Self {
            trace_id,
            span_id,
            flags,
            trace_state: trace_state(headers),
            source: TraceSource::W3c,
        })
    }

    fn from_jaeger(headers: &impl Lookup) -> Option<Self> {
        let value = headers.text(&header::JAEGER_SPAN_CONTEXT)?;
        let (trace_id, span_id, sampled) = parse_jaeger(value)?;
        Some(Self {
            trace_id,
            span_id,
            flags: u8::from(sampled),
            trace_state: None,
            source: TraceSource::Jaeger,
        })
    }
}

impl fmt::Display for TraceContext {
    /// The W3C `traceparent` form, `00-<trace id>-<span id>-<flags>`, whichever header
    /// it came from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{:032x}-{:016x}-{:02x}",
            self.trace_id, self.span_id, self.flags
        )
    }
}

impl fmt::Debug for TraceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceContext")
            .field("trace_id", &format_args!("{:032x}", self.trace_id))
            .field("span_id", &format_args!("{:016x}", self.span_id))
            .field("sampled", &self.sampled())
            .field("trace_state", &self.trace_state)
            .field("source", &self.source)
            .finish()
    }
}

/// Exactly `len` hex digits (`lower_only`: lowercase only, as W3C requires).
fn hex_exact(s: &str, len: usize, lower_only: bool) -> Option<u128> {
    let ok = s.len() == len
        && s.bytes().all(|b| {
            b.is_ascii_digit()
                || (b'a'..=b'f').contains(&b)
                || (!lower_only && (b'A'..=b'F').contains(&b))
        });
    if !ok {
        return None;
    }
    u128::from_str_radix(s, 16).ok()
}

/// `version-traceid-spanid-flags` (W3C Trace Context, level 1). A future version may
/// append fields after a `-`; version `ff` is invalid; zero ids are invalid.
fn parse_traceparent(value: &str) -> Option<(u128, u64, u8)> {
    let mut parts = value.splitn(5, '-');
    let version = parts.next()?;
    let trace_id = parts.next()?;
    let span_id = parts.next()?;
    let flags = parts.next()?;
    let rest = parts.next();
    let version = hex_exact(version, 2, true)?;
    if version == 0xff || (version == 0 && rest.is_some()) {
        return None;
    }
    let trace_id = hex_exact(trace_id, 32, true).filter(|&id| id != 0)?;
    let span_id = hex_exact(span_id, 16, true).filter(|&id| id != 0)?;
    let flags = hex_exact(flags, 2, true)?;
    Some((
        trace_id,
        u64::try_from(span_id).ok()?,
        u8::try_from(flags).ok()?,
    ))
}

/// Every `tracestate` line, joined with `,`, when all are text and the whole is at
/// most [`MAX_TRACE_STATE`] characters.
fn trace_state(headers: &impl Lookup) -> Option<Box<str>> {
    let mut joined = String::new();
    for value in headers.every(&header::TRACESTATE) {
        let value = header::as_text(value)?.trim();
        if value.is_empty() {
            continue;
        }
        if !joined.is_empty() {
            joined.push(',');
        }
        joined.push_str(value);
    }
    (!joined.is_empty() && joined.len() <= MAX_TRACE_STATE).then(|| joined.into_boxed_str())
}

/// `traceid:spanid:parentid:flags` (Jaeger's `uber-trace-id` format; also seen
/// URL-encoded, `%3A` for `:`). Ids are 1 to 32 (trace) or 16 (span) hex digits,
/// leading zeros optional; zero ids are invalid; the parent id is not used.
fn parse_jaeger(value: &str) -> Option<(u128, u64, bool)> {
    let decoded;
    let value = if value.contains('%') {
        decoded = value.replace("%3A", ":").replace("%3a", ":");
        decoded.as_str()
    } else {
        value
    };
    let mut parts = value.split(':');
    let (trace_id, span_id, parent_id, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let hex = |s: &str, max: usize| {
        (1..=max)
            .contains(&s.len())
            .then(|| hex_exact(s, s.len(), false))?
    };
    let trace_id = hex(trace_id, 32).filter(|&id| id != 0)?;
    let span_id = u64::try_from(hex(span_id, 16)?)
        .ok()
        .filter(|&id| id != 0)?;
    hex(parent_id, 16)?;
    let flags = hex(flags, 2)?;
    Some((trace_id, span_id, flags & 1 == 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_bytes(v.as_bytes()).unwrap(),
            );
        }
        map
    }

    /// Trace id, span id, sampled.
    type Parsed = Option<(u128, u64, bool)>;

    const TP: &str = "traceparent";
    const TS: &str = "tracestate";
    const JAEGER: &str = header::str::JAEGER_SPAN_CONTEXT;

    #[test]
    fn traceparent_table() {
        let valid = Some((0x0af7651916cd43dd8448eb211c80319c, 0xb7ad6b7169203331, true));
        let cases: [(&str, Parsed); 16] = [
            (
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                valid,
            ),
            (
                " 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 ",
                valid,
            ),
            (
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
                Some((
                    0x0af7651916cd43dd8448eb211c80319c,
                    0xb7ad6b7169203331,
                    false,
                )),
            ),
            // A later version may append fields.
            (
                "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-09-what-ever",
                valid,
            ),
            // Version 00 may not.
            (
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x",
                None,
            ),
            (
                "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                None,
            ),
            (
                "00-00000000000000000000000000000000-b7ad6b7169203331-01",
                None,
            ),
            (
                "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
                None,
            ),
            (
                "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
                None,
            ),
            (
                "00-0af7651916cd43dd8448eb211c80319-b7ad6b7169203331-01",
                None,
            ),
            (
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01",
                None,
            ),
            (
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1",
                None,
            ),
            (
                "00-0af7651916cd43dd8448eb211c80319c-+7ad6b7169203331-01",
                None,
            ),
            (
                "00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01",
                None,
            ),
            ("", None),
            ("garbage", None),
        ];
        for (value, want) in cases {
            let got = TraceContext::from_headers(&headers(&[(TP, value)]))
                .map(|t| (t.trace_id(), t.span_id(), t.sampled()));
            assert_eq!(got, want, "{value:?}");
        }
        assert_eq!(TraceContext::from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn tracestate_comes_with_traceparent_only() {
        let tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let t =
            TraceContext::from_headers(&headers(&[(TP, tp), (TS, "congo=t61rcWkgMzE")])).unwrap();
        assert_eq!(t.trace_state(), Some("congo=t61rcWkgMzE"));
        assert_eq!(t.source(), TraceSource::W3c);
        let two = headers(&[(TP, tp), (TS, "a=1"), (TS, " b=2 ")]);
        assert_eq!(
            TraceContext::from_headers(&two).unwrap().trace_state(),
            Some("a=1,b=2")
        );
        let empty = headers(&[(TP, tp), (TS, "")]);
        assert_eq!(
            TraceContext::from_headers(&empty).unwrap().trace_state(),
            None
        );
        let long = "k=".to_owned() + &"v".repeat(600);
        let too_long = headers(&[(TP, tp), (TS, &long)]);
        assert_eq!(
            TraceContext::from_headers(&too_long).unwrap().trace_state(),
            None
        );
        // No traceparent: the tracestate alone means nothing.
        assert_eq!(TraceContext::from_headers(&headers(&[(TS, "a=1")])), None);
    }

    #[test]
    fn jaeger_table() {
        let cases: [(&str, Parsed); 14] = [
            // A 64-bit trace id, left-padded to 128 bits.
            (
                "1e7a9b3c5d7f9a1b:2b3c4d5e6f708192:0:1",
                Some((0x1e7a9b3c5d7f9a1b, 0x2b3c4d5e6f708192, true)),
            ),
            (
                "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1",
                Some((0x4bf92f3577b34da6a3ce929d0e0e4736, 0x00f067aa0ba902b7, true)),
            ),
            // Leading zeros left out, upper case, not sampled, debug flag.
            ("ABC:def:0:0", Some((0xabc, 0xdef, false))),
            ("abc:def:123:3", Some((0xabc, 0xdef, true))),
            ("abc:def:0:2", Some((0xabc, 0xdef, false))),
            ("abc%3Adef%3A0%3A1", Some((0xabc, 0xdef, true))),
            ("0:def:0:1", None),
            ("abc:0:0:1", None),
            ("abc:def:0", None),
            ("abc:def:0:1:9", None),
            ("abc:def:0:xyz", None),
            ("abc:+def:0:1", None),
            ("4bf92f3577b34da6a3ce929d0e0e47361:def:0:1", None),
            ("abc:11112222333344445:0:1", None),
        ];
        for (value, want) in cases {
            let got = TraceContext::from_headers(&headers(&[(JAEGER, value)]))
                .map(|t| (t.trace_id(), t.span_id(), t.sampled()));
            assert_eq!(got, want, "{value:?}");
        }
        let t = TraceContext::from_headers(&headers(&[(
            JAEGER,
            "1e7a9b3c5d7f9a1b:2b3c4d5e6f708192:0:1",
        )]))
        .unwrap();
        assert_eq!(
            t.to_string(),
            "00-00000000000000001e7a9b3c5d7f9a1b-2b3c4d5e6f708192-01"
        );
        assert_eq!(t.source(), TraceSource::Jaeger);
        assert_eq!(t.trace_state(), None);
    }

    #[test]
    fn traceparent_wins_and_a_bad_one_falls_back() {
        let tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let both = headers(&[(TP, tp), (JAEGER, "abc:def:0:1")]);
        assert_eq!(
            TraceContext::from_headers(&both).unwrap().source(),
            TraceSource::W3c
        );
        let bad_w3c = headers(&[(TP, "00-zz"), (JAEGER, "abc:def:0:1")]);
        assert_eq!(
            TraceContext::from_headers(&bad_w3c).unwrap().trace_id(),
            0xabc
        );
    }
}
