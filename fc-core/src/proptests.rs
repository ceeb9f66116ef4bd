//! Property tests: whatever bytes arrive in headers, paths and bodies, parsing them
//! never panics. Bounded (a few hundred cases each), so they run in every `cargo test`.

#![allow(
    clippy::needless_borrow,
    reason = "`&&` is what the generated code writes"
)]

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use proptest::prelude::*;
use serde::Deserialize;

use crate::context::{Context, Env};
use crate::dispatch::classify;
use crate::header::str as header;
use crate::macro_support::Probe;
use crate::macro_support::event::{DecodeRaw, decode_json};
use crate::trace_context::{TraceContext, TraceSource};

const NAMES: [&str; 22] = [
    header::REQUEST_ID,
    header::ACCESS_KEY_ID,
    header::ACCESS_KEY_SECRET,
    header::SECURITY_TOKEN,
    header::FUNCTION_NAME,
    header::FUNCTION_MEMORY,
    header::FUNCTION_TIMEOUT,
    header::INITIALIZATION_TIMEOUT,
    header::REGION,
    header::RETRY_COUNT,
    header::CONTROL_PATH,
    header::BASE_PATH,
    header::QUALIFIER,
    header::VERSION_ID,
    header::LOG_PROJECT,
    "authorization",
    header::TRACEPARENT,
    header::TRACESTATE,
    header::JAEGER_SPAN_CONTEXT,
    header::ASYNC_TASK_ID,
    header::STATEFUL_ASYNC_INVOCATION_ID,
    header::CLIENT_IP,
];

fn headers() -> impl Strategy<Value = HeaderMap> {
    proptest::collection::vec(
        (
            0..NAMES.len(),
            proptest::collection::vec(any::<u8>(), 0..64),
        ),
        0..24,
    )
    .prop_map(|pairs| {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            // Only what could arrive over HTTP: hyper rejects other bytes earlier.
            if let Ok(value) = HeaderValue::from_bytes(&value) {
                map.append(HeaderName::from_static(NAMES[name]), value);
            }
        }
        map
    })
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Order {
    id: u64,
    qty: u32,
    items: Vec<String>,
    note: Option<String>,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn context_from_any_headers(headers in headers()) {
        let ctx = Context::new(headers, std::sync::Arc::new(Env::default()));
        prop_assert!(!ctx.request_id().is_empty());
        prop_assert!(ctx.request_id().len() <= 128);
        let _ = (ctx.function_name(), ctx.memory_mb(), ctx.function_timeout(), ctx.deadline());
        let _ = (ctx.remaining(), ctx.retry_count(), ctx.initialization_timeout());
        let _ = (ctx.region(), ctx.control_path(), ctx.base_path(), ctx.credentials());
        let _ = (ctx.async_task_id(), ctx.client_ip());
        if let Some(trace) = ctx.trace_context() {
            prop_assert!(trace.trace_id() != 0 && trace.span_id() != 0);
            prop_assert_eq!(trace.to_string().len(), 55);
        }
        let debug = format!("{ctx:?}");
        if let Some(creds) = ctx.credentials() {
            if creds.access_key_secret().len() > 3 {
                prop_assert!(!debug.contains(creds.access_key_secret()));
            }
        }
    }

    #[test]
    fn events_from_any_bytes(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode_json::<Order>(&body);
        let _ = decode_json::<serde_json::Value>(&body);
        let bytes = bytes::Bytes::from(body);
        let _ = (&&Probe::<String>::new()).decode(&bytes);
    }

    #[test]
    fn json_like_events(body in r#"\{("id": ?[0-9-]{0,22}, ?)?("qty": ?("x"|[0-9]{0,12}|null), ?)?("items": ?\[("a"|1|null)?\])?\}"#) {
        match decode_json::<Order>(body.as_bytes()) {
            Ok(order) => prop_assert!(order.qty as u64 <= u64::from(u32::MAX)),
            Err(failure) => {
                prop_assert_eq!(failure.body.error_type, "InvalidEvent");
                prop_assert!(failure.body.error_message.contains("line 1 column"));
            }
        }
    }

    #[test]
    fn trace_context_from_near_valid_headers(
        traceparent in "[0-9a-fA-F]{2}-[0-9a-fA-Fx]{30,34}-[0-9a-f+]{15,17}-[0-9a-f]{1,3}(-[ -~]{0,8})?",
        jaeger in "[0-9a-fA-F%3A:]{0,50}",
        tracestate in "[ -~]{0,40}",
    ) {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            (header::TRACEPARENT, &traceparent),
            (header::JAEGER_SPAN_CONTEXT, &jaeger),
            (header::TRACESTATE, &tracestate),
        ] {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
        if let Some(trace) = TraceContext::from_headers(&headers) {
            prop_assert!(trace.trace_id() != 0 && trace.span_id() != 0);
            // A W3C context prints back as it came (version 00, lower-case).
            if trace.source() == TraceSource::W3c && traceparent.starts_with("00-") {
                prop_assert_eq!(trace.to_string(), traceparent);
            }
        }
    }

    #[test]
    fn dispatch_any_request(method in "[A-Z]{1,10}", path in "/[ -~]{0,40}", control in proptest::option::of("[ -~]{0,20}")) {
        let Ok(method) = Method::from_bytes(method.as_bytes()) else { return Ok(()) };
        let mut headers = HeaderMap::new();
        if let Some(control) = control.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::CONTROL_PATH, control);
        }
        let _ = classify(&method, &path, &headers, Some("/healthz"));
    }
}
