//! The names of the headers FC sends and fc answers with (contract §4 and §5), and
//! how their values are read: FC sends many of them present but empty, and empty
//! counts as absent.

use http::{HeaderMap, HeaderValue};

pub(crate) const REQUEST_ID: &str = "x-fc-request-id";
pub(crate) const ACCESS_KEY_ID: &str = "x-fc-access-key-id";
pub(crate) const ACCESS_KEY_SECRET: &str = "x-fc-access-key-secret";
pub(crate) const SECURITY_TOKEN: &str = "x-fc-security-token";
pub(crate) const FUNCTION_NAME: &str = "x-fc-function-name";
pub(crate) const FUNCTION_HANDLER: &str = "x-fc-function-handler";
pub(crate) const FUNCTION_MEMORY: &str = "x-fc-function-memory";
pub(crate) const FUNCTION_TIMEOUT: &str = "x-fc-function-timeout";
pub(crate) const INITIALIZATION_TIMEOUT: &str = "x-fc-initialization-timeout";
pub(crate) const REGION: &str = "x-fc-region";
pub(crate) const ACCOUNT_ID: &str = "x-fc-account-id";
pub(crate) const QUALIFIER: &str = "x-fc-qualifier";
pub(crate) const VERSION_ID: &str = "x-fc-version-id";
pub(crate) const SERVICE_NAME: &str = "x-fc-service-name";
pub(crate) const LOG_PROJECT: &str = "x-fc-service-logproject";
pub(crate) const LOG_STORE: &str = "x-fc-service-logstore";
pub(crate) const RETRY_COUNT: &str = "x-fc-retry-count";
pub(crate) const CONTROL_PATH: &str = "x-fc-control-path";
pub(crate) const BASE_PATH: &str = "x-fc-base-path";
pub(crate) const STATUS: &str = "x-fc-status";
pub(crate) const ASYNC_TASK_ID: &str = "x-fc-async-task-id";
pub(crate) const STATEFUL_ASYNC_INVOCATION_ID: &str = "x-fc-stateful-async-invocation-id";
pub(crate) const CLIENT_IP: &str = "x-fc-client-ip";
pub(crate) const TRACEPARENT: &str = "traceparent";
pub(crate) const TRACESTATE: &str = "tracestate";
pub(crate) const JAEGER_SPAN_CONTEXT: &str = "x-fc-tracing-opentracing-span-context";

/// A header's value as text; missing, empty or non-text values are `None`.
pub(crate) fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}
