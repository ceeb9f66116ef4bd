//! The names of the headers FC sends and fc answers with (contract §4 and §5), and
//! how their values are read: FC sends many of them present but empty, and empty
//! counts as absent.
//!
//! The names are `HeaderName` constants: a lookup by one hashes it directly, where a
//! lookup by `&str` first parses and validates the name.

use http::header::AsHeaderName;
use http::{HeaderMap, HeaderName, HeaderValue};

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

/// A header's value as text; missing, empty or non-text values are `None`.
pub(crate) fn text(headers: &HeaderMap, name: impl AsHeaderName) -> Option<&str> {
    text_of(headers.get(name))
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
}

impl<'a> Common<'a> {
    pub(crate) fn find(headers: &'a HeaderMap) -> Self {
        let mut found = Self::default();
        for (name, value) in headers {
            let Some(rest) = name.as_str().strip_prefix("x-fc-") else {
                continue;
            };
            let slot = match rest {
                "request-id" => &mut found.request_id,
                "control-path" => &mut found.control_path,
                "function-timeout" => &mut found.function_timeout,
                "base-path" => &mut found.base_path,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        found
    }
}

/// A found header's value as text, as [`text`] reads it.
pub(crate) fn text_of(value: Option<&HeaderValue>) -> Option<&str> {
    value
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}
