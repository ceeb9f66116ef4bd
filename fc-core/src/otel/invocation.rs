//! One request's trace: the invocation's span, started when the request arrives,
//! made the current OpenTelemetry context while the request runs (so the handler's
//! `tracing` spans become its children), ended when the response is ready, and
//! exported, with every span pending, before the response is returned.

use std::convert::Infallible;
use std::str::FromStr;

use axum::extract::Request;
use axum::response::Response;
use http::StatusCode;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{
    SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId, TraceState, Tracer,
};
use opentelemetry::{Context as OtelContext, KeyValue};

use tracing::Instrument;

use crate::context::Context;
use crate::dispatch::Policy;
use crate::header;
use crate::instance::Instance;
use crate::routes::BoxFuture;
use crate::trace_context::TraceContext;

/// A request's trace, when fc's exporter is installed.
pub(crate) struct InvocationTrace {
    /// The invocation's span, for invocations; `None` for the initializer and the
    /// hooks, which are only flushed after.
    span: Option<OtelContext>,
    forwarded: bool,
    active: bool,
    /// The invocation's deadline: the export after it must not pass it.
    deadline: Option<tokio::time::Instant>,
    /// fc's `tracing` span with the request id, for what the export logs.
    log_span: tracing::Span,
}

impl InvocationTrace {
    /// Starts the span of an invocation (per `policy`) as a child of the trace
    /// context FC sent. Nothing when no exporter is installed.
    pub(crate) fn start(
        request: &Request,
        context: &Context,
        policy: Policy,
        instance: &Instance,
        log_span: tracing::Span,
    ) -> Self {
        let deadline = context
            .deadline()
            .filter(|_| policy.invocation)
            .map(tokio::time::Instant::from_std);
        let inactive = |active| Self {
            span: None,
            forwarded: policy.keeps_headers,
            active,
            deadline,
            log_span: log_span.clone(),
        };
        let Some((pipeline, _)) = super::active() else {
            return inactive(false);
        };
        // FC's health check and the pre-freeze hook never wait for a collector.
        if !policy.exports_traces {
            return inactive(false);
        }
        if !policy.invocation {
            return inactive(true);
        }
        // The span's parent and attributes come from FC's headers: an HTTP app's are
        // copied into its context here rather than where the request reaches the app.
        context.copy_headers(request.headers());
        let parent = match context.trace_context() {
            Some(trace) => OtelContext::new().with_remote_span_context(span_context(&trace)),
            None => OtelContext::new(),
        };
        let trigger = if policy.keeps_headers {
            "http"
        } else {
            "other"
        };
        let mut attributes = vec![
            KeyValue::new("faas.invocation_id", context.request_id().to_owned()),
            KeyValue::new("faas.trigger", trigger),
            KeyValue::new("faas.coldstart", instance.first_invocation()),
            KeyValue::new("cloud.provider", "alibaba_cloud"),
            KeyValue::new("cloud.platform", "alibaba_cloud_fc"),
        ];
        let optional = [
            ("faas.name", context.function_name()),
            ("cloud.region", context.region()),
            ("cloud.account.id", context.account_id()),
            ("faas.version", context.version_id()),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                attributes.push(KeyValue::new(key, value.to_owned()));
            }
        }
        let name = if policy.keeps_headers {
            attributes.push(KeyValue::new(
                "http.request.method",
                request.method().to_string(),
            ));
            attributes.push(KeyValue::new("url.path", request.uri().path().to_owned()));
            request.method().to_string()
        } else {
            context.function_name().unwrap_or("invoke").to_owned()
        };
        let span = pipeline
            .tracer
            .span_builder(name)
            .with_kind(SpanKind::Server)
            .with_attributes(attributes)
            .start_with_context(&pipeline.tracer, &parent);
        Self {
            span: Some(parent.with_span(span)),
            forwarded: policy.keeps_headers,
            active: true,
            deadline,
            log_span,
        }
    }

    /// Runs the request (fc's whole handling of it) with the invocation's span as the
    /// current context, ends the span when the response is ready, and exports every
    /// pending span before returning the response, within the invocation's deadline.
    pub(crate) fn run<B: Send + 'static>(
        self,
        request: BoxFuture<Result<Response<B>, Infallible>>,
    ) -> BoxFuture<Result<Response<B>, Infallible>> {
        if !self.active {
            return request;
        }
        let log_span = self.log_span.clone();
        Box::pin(
            async move {
                let result = match &self.span {
                    Some(cx) => request.with_context(cx.clone()).await,
                    None => request.await,
                };
                if let Some(cx) = &self.span {
                    match &result {
                        Ok(response) => end(cx, response, self.forwarded),
                        Err(never) => match *never {},
                    }
                }
                // Within the invocation's deadline, as its response is.
                let left = self
                    .deadline
                    .map(|d| d.saturating_duration_since(tokio::time::Instant::now()));
                super::flush_within(left).await;
                result
            }
            .instrument(log_span),
        )
    }
}

/// Records the outcome on the span and ends it.
fn end<B>(cx: &OtelContext, response: &Response<B>, forwarded: bool) {
    let span = cx.span();
    let failed = response
        .headers()
        .get(header::STATUS)
        .is_some_and(|status| status != "200");
    let status = response.status();
    if forwarded {
        span.set_attribute(KeyValue::new(
            "http.response.status_code",
            i64::from(status.as_u16()),
        ));
    }
    if failed {
        span.set_status(Status::error("the invocation failed (x-fc-status: 404)"));
    } else if forwarded && status >= StatusCode::INTERNAL_SERVER_ERROR {
        span.set_status(Status::error(format!("the function answered {status}")));
    }
    span.end();
}

/// The remote parent FC sent, as OpenTelemetry's span context.
fn span_context(trace: &TraceContext) -> SpanContext {
    let state = trace
        .trace_state()
        .and_then(|s| TraceState::from_str(s).ok())
        .unwrap_or_default();
    SpanContext::new(
        TraceId::from_bytes(trace.trace_id().to_be_bytes()),
        SpanId::from_bytes(trace.span_id().to_be_bytes()),
        TraceFlags::new(trace.flags()),
        true,
        state,
    )
}
