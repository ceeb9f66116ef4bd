//! The names of the headers FC sends and fc answers with (contract §4 and §5), and
//! how their values are read: FC sends many of them present but empty, and empty
//! counts as absent.
//!
//! The names are `HeaderName` constants: a lookup by one hashes it directly, where a
//! lookup by `&str` first parses and validates the name.

use http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, PROXY_AUTHORIZATION};
use http::{HeaderMap, HeaderName, HeaderValue};

mod flat;

pub(crate) use flat::{FlatHeaders, as_text};

/// The names, as `HeaderName` constants and, for tests, as text in [`str`].
macro_rules! names {
    ($($name:ident = $value:literal;)*) => {
        $(pub(crate) const $name: HeaderName = HeaderName::from_static($value);)*

        /// The same names as `&str`, for tests that build requests by hand.
        #[cfg(test)]
        #[allow(dead_code, reason = "each test module uses the names it needs")]
        pub(crate) mod str {
            $(pub(crate) const $name: &str = $value;)*
        }
    };
}

names! {
    REQUEST_ID = "x-fc-request-id";
    ACCESS_KEY_ID = "x-fc-access-key-id";
    ACCESS_KEY_SECRET = "x-fc-access-key-secret";
    SECURITY_TOKEN = "x-fc-security-token";
    FUNCTION_NAME = "x-fc-function-name";
    FUNCTION_HANDLER = "x-fc-function-handler";
    FUNCTION_MEMORY = "x-fc-function-memory";
    FUNCTION_TIMEOUT = "x-fc-function-timeout";
    INITIALIZATION_TIMEOUT = "x-fc-initialization-timeout";
    REGION = "x-fc-region";
    ACCOUNT_ID = "x-fc-account-id";
    QUALIFIER = "x-fc-qualifier";
    VERSION_ID = "x-fc-version-id";
    SERVICE_NAME = "x-fc-service-name";
    LOG_PROJECT = "x-fc-service-logproject";
    LOG_STORE = "x-fc-service-logstore";
    RETRY_COUNT = "x-fc-retry-count";
    CONTROL_PATH = "x-fc-control-path";
    BASE_PATH = "x-fc-base-path";
    STATUS = "x-fc-status";
    ASYNC_TASK_ID = "x-fc-async-task-id";
    STATEFUL_ASYNC_INVOCATION_ID = "x-fc-stateful-async-invocation-id";
    CLIENT_IP = "x-fc-client-ip";
    TRACEPARENT = "traceparent";
    TRACESTATE = "tracestate";
    JAEGER_SPAN_CONTEXT = "x-fc-tracing-opentracing-span-context";
}

/// Where headers are read from: a request's own map, or a context's flat copy of one.
pub(crate) trait Lookup {
    /// Every value of `name`, in order.
    fn every(&self, name: &HeaderName) -> impl Iterator<Item = &[u8]>;

    /// The first value of `name`.
    fn first(&self, name: &HeaderName) -> Option<&[u8]> {
        self.every(name).next()
    }

    /// The first value of `name` as text; missing, empty or non-text values are `None`.
    fn text(&self, name: &HeaderName) -> Option<&str> {
        trimmed(self.first(name).and_then(as_text))
    }
}

impl Lookup for HeaderMap {
    fn every(&self, name: &HeaderName) -> impl Iterator<Item = &[u8]> {
        self.get_all(name).into_iter().map(HeaderValue::as_bytes)
    }

    fn first(&self, name: &HeaderName) -> Option<&[u8]> {
        self.get(name).map(HeaderValue::as_bytes)
    }
}

impl Lookup for FlatHeaders {
    fn every(&self, name: &HeaderName) -> impl Iterator<Item = &[u8]> {
        self.get_all(name)
    }
}

/// The `x-fc-*` headers read on every request, found in one pass over the headers.
/// A lookup by name hashes the name: one look at each of a gRPC call's few headers
/// costs less than four lookups, and no more with FC's twenty-odd `x-fc-*` headers.
/// Each is its first value, as [`HeaderMap::get`] gives it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Common<'a> {
    pub(crate) request_id: Option<&'a HeaderValue>,
    pub(crate) control_path: Option<&'a HeaderValue>,
    pub(crate) function_timeout: Option<&'a HeaderValue>,
    pub(crate) base_path: Option<&'a HeaderValue>,
    /// `content-type` says gRPC ([`is_grpc_content_type`]).
    pub(crate) grpc: bool,
}

impl<'a> Common<'a> {
    /// Finds them and, in the same pass, marks the credentials FC sends (and
    /// `authorization`, `proxy-authorization`, `cookie`) sensitive, so that `Debug`
    /// and header-logging layers print them as `Sensitive`: wherever the headers go
    /// next (the context, the request an HTTP app gets), they are marked.
    pub(crate) fn find_and_mark(headers: &'a mut HeaderMap) -> Self {
        let mut found = Self::default();
        let mut content_type = None;
        for (name, value) in headers.iter_mut() {
            let Some(rest) = name.as_str().as_bytes().strip_prefix(b"x-fc-") else {
                if name == CONTENT_TYPE {
                    content_type.get_or_insert(&*value);
                } else if [AUTHORIZATION, PROXY_AUTHORIZATION, COOKIE].contains(name) {
                    value.set_sensitive(true);
                }
                continue;
            };
            let slot = match rest {
                r if is(r, b"request-id") => &mut found.request_id,
                r if is(r, b"control-path") => &mut found.control_path,
                r if is(r, b"function-timeout") => &mut found.function_timeout,
                r if is(r, b"base-path") => &mut found.base_path,
                r if is(r, b"access-key-id")
                    || is(r, b"access-key-secret")
                    || is(r, b"security-token") =>
                {
                    value.set_sensitive(true);
                    continue;
                }
                _ => continue,
            };
            slot.get_or_insert(&*value);
        }
        found.grpc = content_type.is_some_and(is_grpc_content_type);
        found
    }
}

/// `text` is `name`. A comparison of arrays of one size, which the compiler makes
/// inline: a `match` on the text called `bcmp` for every name as long as one of these,
/// about nine times a request with FC's headers (bench/README.md, tenth section).
fn is<const N: usize>(text: &[u8], name: &[u8; N]) -> bool {
    <&[u8; N]>::try_from(text).is_ok_and(|text| text == name)
}

/// A content type of gRPC's: `application/grpc`, alone or with a subtype
/// (`application/grpc+proto`) or parameters. gRPC-Web is not: its status travels in
/// the body, which fc does not write.
pub(crate) fn is_grpc_content_type(value: &HeaderValue) -> bool {
    let value = value.as_bytes();
    let prefix = b"application/grpc";
    value.len() >= prefix.len()
        && value[..prefix.len()].eq_ignore_ascii_case(prefix)
        && matches!(value.get(prefix.len()), None | Some(b'+' | b';'))
}

/// A found header's value as text, as [`Lookup::text`] reads it.
pub(crate) fn text_of(value: Option<&HeaderValue>) -> Option<&str> {
    trimmed(value.and_then(|v| v.to_str().ok()))
}

/// A value's text trimmed; empty is `None`: FC sends many headers present but empty.
/// The text is a header value's (visible ASCII and tabs), whose whitespace is ASCII's.
fn trimmed(text: Option<&str>) -> Option<&str> {
    text.map(str::trim_ascii).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one pass finds what lookups by name would, first values first, and marks
    /// every credential sensitive.
    #[test]
    fn one_pass_finds_what_lookups_find_and_marks_credentials() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("content-type", "application/grpc+proto"),
            // Names as long as those looked for, before them: neither found nor marked.
            ("x-fc-account-id", "1234"),
            ("x-fc-service-name", "svc"),
            ("x-fc-function-handler", "index.handler"),
            ("x-fc-qualifier", "LATEST"),
            ("x-fc-function-name", "f"),
            ("x-fc-function-memory", "512"),
            ("x-fc-request-id", "req-1"),
            ("x-fc-access-key-id", "id"),
            ("x-fc-access-key-secret", "secret"),
            ("x-fc-security-token", "token"),
            ("authorization", "Bearer t"),
            ("proxy-authorization", "Basic p"),
            ("cookie", "c=1"),
            ("x-fc-function-timeout", "7"),
            ("x-fc-base-path", "/base"),
            ("x-fc-control-path", "/http-invoke"),
            ("x-fc-request-id", "req-2"),
            ("x-custom", "seen"),
        ] {
            headers.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let expected = [REQUEST_ID, CONTROL_PATH, FUNCTION_TIMEOUT, BASE_PATH]
            .map(|name| headers.text(&name).map(str::to_owned));
        let found = Common::find_and_mark(&mut headers);
        let got = [
            found.request_id,
            found.control_path,
            found.function_timeout,
            found.base_path,
        ]
        .map(|value| text_of(value).map(str::to_owned));
        assert_eq!(got, expected);
        assert_eq!(got[0].as_deref(), Some("req-1"));
        assert!(found.grpc);
        for (name, value) in &headers {
            let credential = [
                "x-fc-access-key-id",
                "x-fc-access-key-secret",
                "x-fc-security-token",
                "authorization",
                "proxy-authorization",
                "cookie",
            ]
            .contains(&name.as_str());
            assert_eq!(value.is_sensitive(), credential, "{name}");
        }

        let mut none = HeaderMap::new();
        none.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/grpc-web"),
        );
        let found = Common::find_and_mark(&mut none);
        assert!(!found.grpc);
        assert!(found.request_id.is_none() && found.control_path.is_none());
    }
}
