//! The `otel` feature against a real OTLP/HTTP receiver on 127.0.0.1:0, decoding
//! every export with the OpenTelemetry protocol's own types: parents from
//! `traceparent` and from FC's Jaeger header, the FaaS attributes, the handler's own
//! spans, the export done before the response, 64 invocations at once; and, as real
//! processes configured by `OTEL_*` variables only, the same path `fc::run` takes,
//! and a collector that refuses connections.
//!
//! The exporter and the tracing subscriber are process-wide: this binary installs
//! them once, pointed at its receiver, and runs every test on one shared runtime.

#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

#[path = "../../tests/common/mod.rs"]
mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, mpsc};
use std::time::Duration;

use common::{Client, Req, Resp};
use opentelemetry_proto::tonic::common::v1::any_value;
use opentelemetry_proto::tonic::trace::v1::{span, status};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tracing::Instrument;
use tracing_subscriber::layer::{Layer, SubscriberExt};

#[path = "otel/receiver.rs"]
mod receiver;

use receiver::{Receiver, string};

/// The runtime every test runs on: the exporter's pooled connections live on it.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
});

/// The receiver, with fc's exporter pointed at it and the subscriber installed.
fn receiver() -> &'static Receiver {
    static RECEIVER: OnceLock<Receiver> = OnceLock::new();
    RECEIVER.get_or_init(|| {
        let receiver = Receiver::default();
        let addr = RUNTIME.block_on(receiver.clone().start());
        fc::otel::install(
            // A generous export timeout: on a loaded CI machine a loopback export can
            // take longer than the 1 s default, and a dropped export fails a test.
            fc::otel::Config::new(format!("http://{addr}"))
                .service_name("otel-test")
                .timeout(std::time::Duration::from_secs(30)),
        )
        .unwrap();
        // A program with its own subscriber adds fc's layers itself.
        let subscriber = tracing_subscriber::registry()
            .with(fc::log::layer(fc::log::Output::capture()))
            .with(fc::otel::layer().with_filter(tracing_subscriber::filter::LevelFilter::INFO));
        tracing::subscriber::set_global_default(subscriber).unwrap();
        receiver
    })
}

fn run<F: Future<Output = ()>>(test: F) {
    receiver();
    RUNTIME.block_on(test);
}

/// The handler's own work: a span of its own, with a grandchild, and the context an
/// outgoing call would carry.
#[tracing::instrument(name = "user_work")]
async fn user_work(n: u64) -> String {
    tracing::info!("working");
    async { tracing::info!("deeper") }
        .instrument(tracing::info_span!("user_inner"))
        .await;
    let mut headers = fc::http::HeaderMap::new();
    fc::otel::inject(&mut headers);
    headers
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// Signalled when `child_then_wait`'s span has ended.
static CHILD_ENDED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Signalled when the span of the work an invocation left running has ended.
static LATE_DONE: tokio::sync::Notify = tokio::sync::Notify::const_new();

#[fc::invoke]
async fn handle(event: Value) -> Result<Value, fc::Error> {
    if event["fail"] == true {
        return Err("asked to fail".into());
    }
    if event["hold"] == true {
        // Ends a span whose export the receiver holds, once the other invocation's
        // span has ended: this invocation's export then takes that span too.
        drop(tracing::info_span!(receiver::HELD).entered());
        CHILD_ENDED.notified().await;
        return Ok(json!({}));
    }
    if event["child_then_wait"] == true {
        drop(tracing::info_span!("early_child").entered());
        CHILD_ENDED.notify_one();
        // Time for the other invocation to end and take the pending spans.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        return Ok(json!({}));
    }
    if event["late"] == true {
        // Work that outlives the invocation: its span ends after the response.
        // Made here, in the invocation, so that it is the invocation's child.
        let span = tracing::info_span!("late_work");
        let (started, start) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            async {
                let _ = start.await;
            }
            .instrument(span)
            .await;
            LATE_DONE.notify_one();
        });
        return Ok(json!({ "late": started.send(()).is_ok() }));
    }
    let traceparent = user_work(event["n"].as_u64().unwrap_or(0)).await;
    Ok(json!({ "traceparent": traceparent }))
}

#[fc::http]
async fn web(req: fc::http::Request) -> (fc::http::StatusCode, String) {
    if req.uri().path() == "/broken" {
        return (fc::http::StatusCode::SERVICE_UNAVAILABLE, "down".into());
    }
    (fc::http::StatusCode::OK, user_work(1).await)
}

/// An app on 127.0.0.1:0, served until the test's runtime ends.
async fn start(routes: fc::Routes) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = fc::App::new()
        .routes(routes)
        .output(fc::log::Output::capture());
    tokio::spawn(app.serve_with(listener, std::future::pending()));
    addr
}

async fn invoke(addr: SocketAddr, req: Req) -> Resp {
    Client::connect(addr).await.send(req).await
}

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

#[test]
fn invocation_span_is_a_child_of_traceparent_with_its_tracestate() {
    run(async {
        let addr = start(fc::routes![handle]).await;
        let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
        let resp = invoke(
            addr,
            Req::invoke("tp-1", r#"{"n": 1}"#)
                .header("traceparent", &traceparent)
                .header("tracestate", "fc=abc,other=1"),
        )
        .await;
        resp.expect_ok();
        let span = receiver().invocation("tp-1");
        assert_eq!(span.trace_id(), TRACE_ID);
        assert_eq!(span.parent_span_id(), PARENT_ID);
        assert_eq!(span.span.trace_state, "fc=abc,other=1");
        assert_eq!(span.span.kind, span::SpanKind::Server as i32);
    });
}

#[test]
fn invocation_span_is_a_child_of_fc_jaeger_context_padded_to_128_bits() {
    run(async {
        let addr = start(fc::routes![handle]).await;
        let resp = invoke(
            addr,
            Req::invoke("jaeger-1", r#"{"n": 2}"#).header(
                "x-fc-tracing-opentracing-span-context",
                "1e7a9b3c5d7f9a1b:2b3c4d5e6f708192:0:1",
            ),
        )
        .await;
        resp.expect_ok();
        let span = receiver().invocation("jaeger-1");
        assert_eq!(span.trace_id(), "00000000000000001e7a9b3c5d7f9a1b");
        assert_eq!(span.parent_span_id(), "2b3c4d5e6f708192");
    });
}

#[test]
fn faas_attributes_and_resource() {
    run(async {
        let addr = start(fc::routes![handle]).await;
        let fc_headers = |req: Req| {
            req.header("x-fc-function-name", "orders")
                .header("x-fc-region", "cn-hangzhou")
                .header("x-fc-account-id", "1234567890")
        };
        invoke(addr, fc_headers(Req::invoke("attr-1", "{}")))
            .await
            .expect_ok();
        invoke(addr, fc_headers(Req::invoke("attr-2", "{}")))
            .await
            .expect_ok();
        let first = receiver().invocation("attr-1");
        let second = receiver().invocation("attr-2");
        assert_eq!(first.span.name, "orders");
        for (key, want) in [
            ("faas.invocation_id", string("attr-1")),
            ("faas.name", string("orders")),
            ("faas.trigger", string("other")),
            ("cloud.provider", string("alibaba_cloud")),
            ("cloud.region", string("cn-hangzhou")),
            ("cloud.account.id", string("1234567890")),
            ("faas.coldstart", Some(any_value::Value::BoolValue(true))),
        ] {
            assert_eq!(first.attr(key), want, "{key}");
        }
        // Only the instance's first invocation is its cold start.
        assert_eq!(
            second.attr("faas.coldstart"),
            Some(any_value::Value::BoolValue(false))
        );
        assert_eq!(first.resource_attr("service.name"), string("otel-test"));
        assert_eq!(
            first.resource_attr("cloud.provider"),
            string("alibaba_cloud")
        );
        assert_eq!(
            first.span.status.as_ref().map_or(0, |s| s.code),
            status::StatusCode::Unset as i32
        );
    });
}

#[test]
fn a_failed_invocation_has_error_status() {
    run(async {
        let addr = start(fc::routes![handle]).await;
        invoke(addr, Req::invoke("fail-1", r#"{"fail": true}"#))
            .await
            .expect_failure();
        let span = receiver().invocation("fail-1");
        assert_eq!(
            span.span.status.unwrap().code,
            status::StatusCode::Error as i32
        );
    });
}

/// An HTTP function's invocation span reads FC's headers too: its parent from
/// `traceparent`, its FaaS attributes from `x-fc-*`.
#[test]
fn an_http_functions_span_is_a_child_of_traceparent_with_faas_attributes() {
    run(async {
        let addr = start(fc::routes![web]).await;
        let req = Req::new("GET", "/hello")
            .header("x-fc-control-path", "/http-invoke")
            .header("x-fc-request-id", "http-tp-1")
            .header("x-fc-function-name", "storefront")
            .header("traceparent", &format!("00-{TRACE_ID}-{PARENT_ID}-01"));
        assert_eq!(invoke(addr, req).await.status, 200);
        let span = receiver().invocation("http-tp-1");
        assert_eq!(span.trace_id(), TRACE_ID);
        assert_eq!(span.parent_span_id(), PARENT_ID);
        assert_eq!(span.attr("faas.name"), string("storefront"));
    });
}

#[test]
fn http_functions_are_http_triggered_server_spans() {
    run(async {
        let addr = start(fc::routes![web]).await;
        let req = |path: &str, id: &str| {
            Req::new("GET", path)
                .header("x-fc-control-path", "/http-invoke")
                .header("x-fc-request-id", id)
        };
        let ok = invoke(addr, req("/hello", "http-1")).await;
        assert_eq!(ok.status, 200);
        let broken = invoke(addr, req("/broken", "http-2")).await;
        assert_eq!(broken.status, 503);
        let span = receiver().invocation("http-1");
        assert_eq!(span.span.name, "GET");
        assert_eq!(span.attr("faas.trigger"), string("http"));
        assert_eq!(span.attr("url.path"), string("/hello"));
        assert_eq!(
            span.attr("http.response.status_code"),
            Some(any_value::Value::IntValue(200))
        );
        // The user's span is its child here too.
        let children = receiver().in_trace(&span.trace_id());
        assert!(
            children
                .iter()
                .any(|c| c.span.name == "user_work" && c.parent_span_id() == span.span_id())
        );
        let broken = receiver().invocation("http-2");
        assert_eq!(
            broken.attr("http.response.status_code"),
            Some(any_value::Value::IntValue(503))
        );
        assert_eq!(
            broken.span.status.unwrap().code,
            status::StatusCode::Error as i32
        );
    });
}

#[test]
fn the_handlers_spans_are_children_in_the_same_trace_and_inject_carries_them_on() {
    run(async {
        let addr = start(fc::routes![handle]).await;
        let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
        let resp = invoke(
            addr,
            Req::invoke("child-1", r#"{"n": 3}"#).header("traceparent", &traceparent),
        )
        .await;
        let injected = resp.expect_ok().json()["traceparent"]
            .as_str()
            .unwrap()
            .to_owned();
        let root = receiver().invocation("child-1");
        // Other tests reuse the trace id: this invocation's spans are those below it.
        let trace = receiver().in_trace(TRACE_ID);
        let work = trace
            .iter()
            .find(|s| s.span.name == "user_work" && s.parent_span_id() == root.span_id())
            .expect("user_work under the invocation");
        // `#[instrument]` records arguments with `Debug`.
        assert_eq!(work.attr("n"), string("3"));
        assert!(work.span.events.iter().any(|e| e.name == "working"));
        let inner = trace
            .iter()
            .find(|s| s.span.name == "user_inner" && s.parent_span_id() == work.span_id());
        assert!(inner.is_some(), "user_inner under user_work: {trace:#?}");
        // An outgoing call from inside user_work continues the trace from user_work.
        assert_eq!(injected, format!("00-{TRACE_ID}-{}-01", work.span_id()));
    });
}

#[test]
fn the_export_is_received_before_the_client_has_its_response() {
    run(async {
        let addr = start(fc::routes![handle]).await;
        for i in 0..5 {
            let id = format!("before-{i}");
            invoke(addr, Req::invoke(&id, "{}")).await.expect_ok();
            // No waiting, no polling: the spans are already there.
            let root = receiver().invocation(&id);
            let children = receiver().in_trace(&root.trace_id());
            assert!(
                children.iter().any(|c| c.span.name == "user_work"),
                "{children:#?}"
            );
        }
    });
}

#[test]
fn spans_that_end_after_their_invocation_leave_with_the_pre_stop_hook() {
    run(async {
        let addr = start(fc::routes![handle]).await;
        invoke(addr, Req::invoke("late-1", r#"{"late": true}"#))
            .await
            .expect_ok();
        let root = receiver().invocation("late-1");
        LATE_DONE.notified().await;
        let resp = invoke(
            addr,
            Req::new("GET", "/pre-stop").header("x-fc-request-id", "stop-1"),
        )
        .await;
        resp.expect_ok();
        let late = receiver().in_trace(&root.trace_id());
        assert!(
            late.iter()
                .any(|s| s.span.name == "late_work" && s.parent_span_id() == root.span_id()),
            "{late:#?}"
        );
    });
}

/// Concurrent invocations share one queue of ended spans: an invocation's spans can
/// leave in another's export. Its response still waits for them to arrive.
#[test]
fn spans_taken_by_another_invocations_export_arrive_before_the_response() {
    run(async {
        let addr = start(fc::routes![handle]).await;
        let trace_id = format!("{:032x}", 0x00ea_71e5_u128);
        let traceparent = format!("00-{trace_id}-{:016x}-01", 0x2000);
        let holder = tokio::spawn(async move {
            invoke(addr, Req::invoke("holder", r#"{"hold": true}"#))
                .await
                .expect_ok();
        });
        invoke(
            addr,
            Req::invoke("child-then-wait", r#"{"child_then_wait": true}"#)
                .header("traceparent", &traceparent),
        )
        .await
        .expect_ok();
        let spans = receiver().in_trace(&trace_id);
        let names: Vec<&str> = spans.iter().map(|s| s.span.name.as_str()).collect();
        assert_eq!(names.len(), 2, "the invocation and early_child: {names:?}");
        assert!(names.contains(&"early_child"), "{names:?}");
        holder.await.unwrap();
    });
}

#[test]
fn concurrent_invocations_each_export_under_their_own_trace() {
    run(async {
        let addr = start(fc::routes![handle]).await;
        let tasks: Vec<_> = (0..64u32)
            .map(|i| {
                tokio::spawn(async move {
                    let trace_id = format!("{:032x}", 0x00c0_ffee_0000_u128 + u128::from(i));
                    let traceparent = format!("00-{trace_id}-{:016x}-01", 0x1000 + i);
                    let id = format!("many-{i}");
                    invoke(
                        addr,
                        Req::invoke(&id, "{}").header("traceparent", &traceparent),
                    )
                    .await
                    .expect_ok();
                    (id, trace_id, format!("{:016x}", 0x1000 + i))
                })
            })
            .collect();
        let mut traces = HashSet::new();
        for task in tasks {
            let (id, trace_id, parent) = task.await.unwrap();
            let root = receiver().invocation(&id);
            assert_eq!(
                (root.trace_id(), root.parent_span_id()),
                (trace_id.clone(), parent)
            );
            let spans = receiver().in_trace(&trace_id);
            assert_eq!(
                spans.len(),
                3,
                "invocation, user_work, user_inner: {spans:#?}"
            );
            assert!(
                spans.iter().all(
                    |s| s.attr("faas.invocation_id").is_none() || s.span_id() == root.span_id()
                )
            );
            traces.insert(trace_id);
        }
        assert_eq!(traces.len(), 64);
    });
}

// ---- The real process: configured by `OTEL_*` variables, as on FC.

/// The `otel` example, built by `cargo test`.
fn example() -> PathBuf {
    let path = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("examples")
        .join("otel");
    if !path.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "fc-protocols", "--example", "otel"])
            .status()
            .unwrap();
        assert!(status.success(), "building the otel example");
    }
    path
}

/// The example running with `env`; its stdout lines arrive on the channel.
struct Process {
    child: Child,
    addr: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Process {
    fn start(env: &[(&str, &str)]) -> Process {
        let mut command = Command::new(example());
        command
            .env_remove("RUST_LOG")
            .env_remove("FC_CUSTOM_LISTEN_PORT")
            .env("FC_SERVER_PORT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = mpsc::channel();
        let pipe = child.stdout.take().unwrap();
        let collected = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if line == "FunctionCompute fc-rust runtime inited." {
                    let _ = ready_tx.send(());
                }
                collected.lock().unwrap().push(line);
            }
        });
        ready_rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the function starts");
        let port = lines
            .lock()
            .unwrap()
            .iter()
            .find_map(|l| {
                l.split("listening on ")
                    .nth(1)
                    .map(|a| a.trim().rsplit(':').next().unwrap().parse::<u16>().unwrap())
            })
            .expect("the function logs where it listens");
        Process {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            lines,
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn fc_run_exports_to_the_endpoint_the_environment_names() {
    run(async {
        let receiver = Receiver::default();
        let collector = receiver.clone().start().await;
        let endpoint = format!("http://{collector}");
        let process = Process::start(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_SERVICE_NAME", "weather-svc"),
            ("FC_FUNCTION_NAME", "weather"),
        ]);
        let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
        let resp = invoke(
            process.addr,
            Req::invoke("proc-otel-1", r#"{"city": "Hangzhou"}"#)
                .header("traceparent", &traceparent),
        )
        .await;
        resp.expect_ok();
        let root = receiver.invocation("proc-otel-1");
        assert_eq!(
            (root.trace_id().as_str(), root.parent_span_id().as_str()),
            (TRACE_ID, PARENT_ID)
        );
        assert_eq!(root.resource_attr("service.name"), string("weather-svc"));
        assert_eq!(root.attr("faas.name"), string("weather"));
        let spans = receiver.in_trace(TRACE_ID);
        assert!(
            spans
                .iter()
                .any(|s| s.span.name == "forecast" && s.parent_span_id() == root.span_id())
        );
    });
}

#[test]
fn a_collector_that_refuses_connections_costs_the_invocation_nothing_but_a_logged_warning() {
    run(async {
        // A port that was just free: connections to it are refused.
        let closed = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        let endpoint = format!("http://{closed}");
        let process = Process::start(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
        let mut client = Client::connect(process.addr).await;
        for i in 0..3 {
            let resp = client
                .send(Req::invoke(&format!("down-{i}"), r#"{"city": "Xi'an"}"#))
                .await;
            assert!(resp.expect_ok().text().starts_with("Xi'an: sunny"));
        }
        let lines = process.lines.lock().unwrap().clone();
        let warnings: Vec<&String> = lines
            .iter()
            .filter(|l| l.contains("OpenTelemetry: exporting"))
            .collect();
        assert_eq!(warnings.len(), 1, "logged once: {lines:#?}");
        assert!(warnings[0].contains(&endpoint), "{}", warnings[0]);
    });
}
