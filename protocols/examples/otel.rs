//! OpenTelemetry traces: each invocation a child of FC's span, the handler's own spans
//! beneath it, exported before the response. Run with a collector listening:
//! `OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 cargo run -p fc-protocols --example otel`,
//! then `curl -s localhost:9000/invoke -d '{"city": "Hangzhou"}'`.

use serde::Deserialize;

#[derive(Deserialize)]
struct Lookup {
    city: String,
}

#[fc::invoke]
async fn weather(event: Lookup, ctx: fc::Context) -> String {
    if let Some(trace) = ctx.trace_context() {
        tracing::info!(parent = %trace, "FC's span context");
    }
    let forecast = forecast(&event.city).await;
    format!(
        "{}: {forecast} (request {})\n",
        event.city,
        ctx.request_id()
    )
}

/// A span of the function's own: a child of the invocation's span.
#[tracing::instrument]
async fn forecast(city: &str) -> &'static str {
    // A call to another service carries the trace on with it.
    let mut headers = fc::http::HeaderMap::new();
    fc::otel::inject(&mut headers);
    tracing::info!(traceparent = ?headers.get("traceparent"), "calling the forecast service");
    "sunny"
}

fn main() {
    fc::run(fc::routes![weather]);
}
