//! tonic services as HTTP functions, called with tonic's own client over h2c: every
//! call is an invocation (markers, context, state, deadline), and fc's failures are
//! gRPC statuses.

use crate::common;

use std::pin::Pin;
use std::sync::LazyLock;

use axum::routing::get;
use common::{Client, Req, assert_markers, invoke_markers, log_lines, start, wait_for_markers};
use fc::grpc::RequestExt;
use futures_util::Stream;
use tonic::metadata::MetadataValue;
use tonic::service::Routes;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request, Response, Status};
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::health_server::HealthServer;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus};
use tonic_health::server::{HealthReporter, HealthService};

#[allow(unreachable_pub, clippy::all, reason = "generated code")]
mod fctest {
    include!("proto/fctest.rs");
}

use fctest::probe_client::ProbeClient;
use fctest::probe_server::{Probe, ProbeServer};
use fctest::{CountRequest, Message};

/// The largest message either side accepts (tonic's default is 4 MB).
const MAX_MESSAGE: usize = 32 * 1024 * 1024;
/// How many calls the concurrency test keeps in flight at once.
const CONCURRENT: usize = 200;

/// Instance state, from the initializer.
struct Greeting(&'static str);

static HEALTH: LazyLock<HealthReporter> = LazyLock::new(HealthReporter::new);

#[fc::initialize]
async fn init() -> Result<Greeting, fc::Error> {
    HEALTH.set_serving::<ProbeServer<TestProbe>>().await;
    Ok(Greeting("hello"))
}

/// Holds every `barrier` call until all of them are in flight at once.
static BARRIER: LazyLock<tokio::sync::Barrier> =
    LazyLock::new(|| tokio::sync::Barrier::new(CONCURRENT));
/// Lets a `Count` stream go on past its first message.
static STREAM_GATE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(0);

struct TestProbe;

type CountStream = Pin<Box<dyn Stream<Item = Result<Message, Status>> + Send>>;

#[tonic::async_trait]
impl Probe for TestProbe {
    async fn echo(&self, request: Request<Message>) -> Result<Response<Message>, Status> {
        let ctx = request.context();
        let greeting = request.state::<Greeting>()?;
        tracing::info!("echo {}", request.get_ref().text);
        let message = request.into_inner();
        match message.text.as_str() {
            "panic" => panic!("the secret panic text"),
            "hang" => std::future::pending::<()>().await,
            "barrier" => {
                BARRIER.wait().await;
            }
            _ => {}
        }
        Ok(Response::new(Message {
            text: format!("{} {}", greeting.0, message.text),
            payload: message.payload,
            request_id: ctx.request_id().to_owned(),
        }))
    }

    type CountStream = CountStream;

    async fn count(&self, request: Request<CountRequest>) -> Result<Response<CountStream>, Status> {
        let request_id = request.context().request_id().to_owned();
        let CountRequest { count, panic_after } = request.into_inner();
        let stream = futures_util::stream::unfold(0, move |n| {
            let request_id = request_id.clone();
            async move {
                if n == count {
                    return None;
                }
                if n == 1 && panic_after == 0 {
                    // Hold the rest until the test has seen the first message.
                    STREAM_GATE.acquire().await.ok()?.forget();
                }
                if panic_after != 0 && n == panic_after {
                    panic!("the stream broke");
                }
                let message = Message {
                    text: n.to_string(),
                    payload: Vec::new(),
                    request_id,
                };
                Some((Ok(message), n + 1))
            }
        });
        Ok(Response::new(Box::pin(stream)))
    }
}

/// The probe and the health service, beside an ordinary route.
#[fc::http]
fn app() -> axum::Router {
    let probe = ProbeServer::new(TestProbe)
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE);
    Routes::new(probe)
        .add_service(HealthServer::new(HealthService::from_health_reporter(
            HEALTH.clone(),
        )))
        .into_axum_router()
        .route(
            "/plain",
            get(|ctx: fc::Context| async move { format!("plain {}", ctx.request_id()) }),
        )
}

/// One HTTP/2 connection to the server, as FC's gateway keeps one per instance.
async fn channel(server: &common::Server) -> Channel {
    Endpoint::from_shared(format!("http://{}", server.addr))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect")
}

fn client(channel: &Channel) -> ProbeClient<Channel> {
    ProbeClient::new(channel.clone())
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE)
}

/// A request with FC's request id in its metadata.
fn with_id<T>(message: T, request_id: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "x-fc-request-id",
        MetadataValue::try_from(request_id).expect("metadata"),
    );
    request
}

fn text(text: &str) -> Message {
    Message {
        text: text.to_owned(),
        ..Message::default()
    }
}

/// A server whose instance FC has initialized.
async fn server() -> common::Server {
    let server = start(fc::routes![init, app].into()).await;
    server.send(Req::initialize("grpc-init")).await.expect_ok();
    server
}

#[tokio::test]
async fn unary_call_is_an_invocation_with_context_and_state() {
    let server = server().await;
    let channel = channel(&server).await;
    let response = client(&channel)
        .echo(with_id(text("world"), "grpc-unary-1"))
        .await
        .expect("echo");
    assert_eq!(
        response
            .metadata()
            .get("x-fc-status")
            .map(|v| v.to_str().ok()),
        Some(Some("200"))
    );
    assert!(response.metadata().get("date").is_none());
    let reply = response.into_inner();
    assert_eq!(reply.text, "hello world");
    assert_eq!(reply.request_id, "grpc-unary-1");
    wait_for_markers(&server, "grpc-unary-1", &invoke_markers("grpc-unary-1")).await;
    let logs = log_lines("grpc-unary-1");
    assert!(
        logs.iter().any(|l| l.ends_with("[INFO] echo world")),
        "{logs:?}"
    );

    // Without an id, one is generated: markers and the handler agree on it.
    let reply = client(&channel)
        .echo(text("anon"))
        .await
        .expect("echo")
        .into_inner();
    assert!(!reply.request_id.is_empty());
    wait_for_markers(
        &server,
        &reply.request_id,
        &invoke_markers(&reply.request_id),
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn server_streaming_prints_end_when_the_stream_ends() {
    let server = server().await;
    let channel = channel(&server).await;
    let mut stream = client(&channel)
        .count(with_id(
            CountRequest {
                count: 3,
                panic_after: 0,
            },
            "grpc-stream-1",
        ))
        .await
        .expect("count")
        .into_inner();
    let first = stream.message().await.expect("first").expect("a message");
    assert_eq!(
        (first.text.as_str(), first.request_id.as_str()),
        ("0", "grpc-stream-1")
    );
    // The stream is still open (held at its second message): no End yet.
    assert_markers(
        &server,
        "grpc-stream-1",
        &["FC Invoke Start RequestId: grpc-stream-1".to_owned()],
    );
    STREAM_GATE.add_permits(1);
    let mut rest = Vec::new();
    while let Some(message) = stream.message().await.expect("message") {
        rest.push(message.text);
    }
    assert_eq!(rest, ["1", "2"]);
    wait_for_markers(&server, "grpc-stream-1", &invoke_markers("grpc-stream-1")).await;
    server.stop().await;
}

#[tokio::test]
async fn a_panic_mid_stream_ends_it_with_internal() {
    let server = server().await;
    let channel = channel(&server).await;
    let mut stream = client(&channel)
        .count(with_id(
            CountRequest {
                count: 5,
                panic_after: 2,
            },
            "grpc-stream-panic",
        ))
        .await
        .expect("count")
        .into_inner();
    let mut seen = Vec::new();
    let status = loop {
        match stream.message().await {
            Ok(Some(message)) => seen.push(message.text),
            Ok(None) => panic!("the stream ended without the panic's status"),
            Err(status) => break status,
        }
    };
    // tonic batches messages into frames: those produced just before the panic may
    // go down with it, never a wrong one.
    assert!(
        seen.iter().zip(["0", "1"]).all(|(a, b)| a == b) && seen.len() <= 2,
        "{seen:?}"
    );
    assert_eq!(status.code(), Code::Internal, "{status:?}");
    assert!(status.message().contains("grpc-stream-panic"), "{status:?}");
    assert!(!status.message().contains("the stream broke"), "{status:?}");
    wait_for_markers(
        &server,
        "grpc-stream-panic",
        &invoke_markers("grpc-stream-panic"),
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn two_hundred_concurrent_calls_over_one_connection() {
    let server = server().await;
    let channel = channel(&server).await;
    // Each call waits at a barrier until all 200 are in the handler at once: the
    // test only finishes when one connection carries 200 concurrent streams.
    let calls = (0..CONCURRENT).map(|i| {
        let mut client = client(&channel);
        async move {
            let id = format!("grpc-many-{i}");
            let reply = client
                .echo(with_id(text("barrier"), &id))
                .await
                .expect("echo")
                .into_inner();
            assert_eq!(reply.request_id, id);
            id
        }
    });
    let ids = futures_util::future::join_all(calls).await;
    for id in &ids {
        wait_for_markers(&server, id, &invoke_markers(id)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn a_panic_answers_internal_naming_the_request_and_the_server_goes_on() {
    let server = server().await;
    let channel = channel(&server).await;
    let status = client(&channel)
        .echo(with_id(text("panic"), "grpc-panic-1"))
        .await
        .expect_err("a panic fails the call");
    assert_eq!(status.code(), Code::Internal, "{status:?}");
    assert!(status.message().contains("grpc-panic-1"), "{status:?}");
    assert!(!status.message().contains("secret"), "{status:?}");
    wait_for_markers(&server, "grpc-panic-1", &invoke_markers("grpc-panic-1")).await;
    let logs = log_lines("grpc-panic-1");
    assert!(
        logs.iter().any(|l| l.contains("the secret panic text")),
        "the log has the panic: {logs:?}"
    );
    // The same connection serves the next call.
    let reply = client(&channel)
        .echo(with_id(text("again"), "grpc-panic-2"))
        .await
        .expect("echo after a panic")
        .into_inner();
    assert_eq!(reply.text, "hello again");
    server.stop().await;
}

#[tokio::test]
async fn the_deadline_answers_deadline_exceeded() {
    let server = server().await;
    let channel = channel(&server).await;
    let mut request = with_id(text("hang"), "grpc-deadline-1");
    request
        .metadata_mut()
        .insert("x-fc-function-timeout", MetadataValue::from_static("1"));
    let status = client(&channel)
        .echo(request)
        .await
        .expect_err("the deadline fails the call");
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    wait_for_markers(
        &server,
        "grpc-deadline-1",
        &invoke_markers("grpc-deadline-1"),
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn an_eight_megabyte_message_goes_both_ways() {
    let server = server().await;
    let channel = channel(&server).await;
    let payload: Vec<u8> = (0..8 * 1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    let message = Message {
        text: "big".to_owned(),
        payload: payload.clone(),
        request_id: String::new(),
    };
    let reply = client(&channel)
        .echo(with_id(message, "grpc-big-1"))
        .await
        .expect("echo")
        .into_inner();
    assert_eq!(reply.payload.len(), payload.len());
    assert!(reply.payload == payload, "the payload came back changed");
    wait_for_markers(&server, "grpc-big-1", &invoke_markers("grpc-big-1")).await;
    server.stop().await;
}

#[tokio::test]
async fn health_service_and_ordinary_routes_beside_the_service() {
    let server = server().await;
    let channel = channel(&server).await;
    let health = HealthClient::new(channel.clone())
        .check(with_id(
            HealthCheckRequest {
                service: "fctest.Probe".to_owned(),
            },
            "grpc-health-1",
        ))
        .await
        .expect("health check")
        .into_inner();
    assert_eq!(health.status(), ServingStatus::Serving);
    // An unknown method: tonic's router answers UNIMPLEMENTED, as an invocation.
    let status = tonic_health::pb::health_client::HealthClient::new(channel.clone())
        .check(with_id(
            HealthCheckRequest {
                service: "nope".to_owned(),
            },
            "grpc-health-2",
        ))
        .await
        .expect_err("unknown service");
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    // The ordinary route, over HTTP/1.1 on the same port.
    let resp = Client::connect(server.addr)
        .await
        .send(Req::new("GET", "/plain").header("x-fc-request-id", "plain-1"))
        .await;
    resp.expect_ok();
    assert_eq!(resp.text(), "plain plain-1");
    wait_for_markers(&server, "plain-1", &invoke_markers("plain-1")).await;
    server.stop().await;
}
