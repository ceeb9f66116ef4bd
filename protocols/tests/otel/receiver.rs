//! The stand-in OTLP/HTTP collector `otel.rs` exports to: every export request,
//! decoded with the OpenTelemetry protocol's own types, and the spans in them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use tokio::net::TcpListener;

/// One span as received, with its resource's attributes.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) resource: Vec<KeyValue>,
    pub(crate) span: Span,
}

impl Received {
    pub(crate) fn attr(&self, key: &str) -> Option<any_value::Value> {
        attr(&self.span.attributes, key)
    }

    pub(crate) fn resource_attr(&self, key: &str) -> Option<any_value::Value> {
        attr(&self.resource, key)
    }

    pub(crate) fn trace_id(&self) -> String {
        hex(&self.span.trace_id)
    }

    pub(crate) fn span_id(&self) -> String {
        hex(&self.span.span_id)
    }

    pub(crate) fn parent_span_id(&self) -> String {
        hex(&self.span.parent_span_id)
    }
}

pub(crate) fn attr(attributes: &[KeyValue], key: &str) -> Option<any_value::Value> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.clone())
        .and_then(|AnyValue { value }| value)
}

pub(crate) fn string(value: &str) -> Option<any_value::Value> {
    Some(any_value::Value::StringValue(value.to_owned()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A collector: every export request, decoded.
/// The name of a span whose export the receiver answers only after [`HOLD`].
pub(crate) const HELD: &str = "held_export";
/// How long the receiver holds an export that carries a [`HELD`] span.
pub(crate) const HOLD: std::time::Duration = std::time::Duration::from_millis(500);

fn holds(request: &ExportTraceServiceRequest) -> bool {
    request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .any(|span| span.name == HELD)
}

#[derive(Clone, Default)]
pub(crate) struct Receiver {
    pub(crate) exports: Arc<Mutex<Vec<ExportTraceServiceRequest>>>,
}

impl Receiver {
    pub(crate) async fn start(self) -> SocketAddr {
        let exports = Arc::clone(&self.exports);
        let app = axum::Router::new().route(
            "/v1/traces",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: Bytes| async move {
                    assert_eq!(headers["content-type"], "application/x-protobuf");
                    let request = ExportTraceServiceRequest::decode(body).expect("an OTLP export");
                    // A slow collector, for the exports that carry a span so named.
                    if holds(&request) {
                        tokio::time::sleep(HOLD).await;
                    }
                    exports.lock().unwrap().push(request);
                    (
                        [("content-type", "application/x-protobuf")],
                        ExportTraceServiceResponse::default().encode_to_vec(),
                    )
                },
            ),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let app = app.clone();
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        tower::ServiceExt::oneshot(app.clone(), req.map(axum::body::Body::new))
                    },
                );
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                );
            }
        });
        addr
    }

    /// Every span received so far.
    pub(crate) fn spans(&self) -> Vec<Received> {
        let exports = self.exports.lock().unwrap();
        let mut all = Vec::new();
        for export in exports.iter() {
            for resource_spans in &export.resource_spans {
                let resource = resource_spans
                    .resource
                    .as_ref()
                    .map(|r| r.attributes.clone())
                    .unwrap_or_default();
                for scope_spans in &resource_spans.scope_spans {
                    for span in &scope_spans.spans {
                        all.push(Received {
                            resource: resource.clone(),
                            span: span.clone(),
                        });
                    }
                }
            }
        }
        all
    }

    /// The invocation span of `request_id`, as received by now (never waited for:
    /// fc exports before it answers).
    pub(crate) fn invocation(&self, request_id: &str) -> Received {
        let found: Vec<Received> = self
            .spans()
            .into_iter()
            .filter(|s| s.attr("faas.invocation_id") == string(request_id))
            .collect();
        assert_eq!(found.len(), 1, "spans of {request_id}: {found:#?}");
        found.into_iter().next().unwrap()
    }

    pub(crate) fn in_trace(&self, trace_id: &str) -> Vec<Received> {
        self.spans()
            .into_iter()
            .filter(|s| s.trace_id() == trace_id)
            .collect()
    }
}
