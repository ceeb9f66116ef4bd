//! The gRPC client of `bench/run.sh --grpc`: `SayHello` calls over one h2c connection,
//! as FC's gateway sends them (every call a stream of one shared connection).
//!
//! `grpc-client <port> calls <n>`: `n` sequential calls, then exit (for callgrind).
//! `grpc-client <port> load <streams> <seconds>`: `streams` callers at once for
//! `seconds`; prints `<calls/s> <p50 µs> <p99 µs>`.
//! `grpc-client <port> spread <streams> <n>`: `n` calls made by `streams` callers at
//! once, then exit (for callgrind under concurrency).
//!
//! With `--fc-headers` anywhere among the arguments, every call carries the request
//! headers FC's gateway adds to an HTTP function's request (contract §4): a request id
//! of its own, the function's metadata and timeout, and the role's STS credentials.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fc_bench::greeter::{GreeterClient, HelloRequest};
use tonic::metadata::{AsciiMetadataValue, MetadataMap};
use tonic::transport::{Channel, Endpoint};

/// The headers FC sends with every invocation of an HTTP function whose role has
/// credentials, the same on every call but the request id. The values are of the
/// lengths FC's have (an STS token runs to several hundred characters).
const FC_HEADERS: [(&str, &str); 14] = [
    ("x-fc-control-path", "/http-invoke"),
    ("x-fc-function-name", "greeter"),
    ("x-fc-function-handler", "index.handler"),
    ("x-fc-function-memory", "512"),
    ("x-fc-function-timeout", "60"),
    ("x-fc-region", "cn-hangzhou"),
    ("x-fc-account-id", "1234567890123456"),
    ("x-fc-qualifier", "LATEST"),
    ("x-fc-version-id", "0"),
    ("x-fc-service-logproject", "aliyun-fc-cn-hangzhou-2a0b8c1d"),
    ("x-fc-service-logstore", "function-log"),
    ("x-fc-access-key-id", "STS.NUgYrLnoC37mZZCNnAbez2mex"),
    (
        "x-fc-access-key-secret",
        "4Gq5rVJ8cYbHqT2wWf7dXkP9mN3sL6aZ1eU0iO8yRtB",
    ),
    ("x-fc-security-token", STS_TOKEN),
];

const STS_TOKEN: &str = concat!(
    "CAIS8AF1q6Ft5B2yfSjIr5bQKYz3qL1j5qyKYVXVsnQ0VsVtvYDJjjz2IHhMdHVoCO0fs/Q0m2hZ7v0Y",
    "lrUqFsAfHhWaM5YvtcoMqV3yJpLFst2J6r8JjsUZ1exzBVLxEe9zgI8sDJC9Hc2tNQaTRnZj4NrwJNZ",
    "Bt1kz1CvMUl7Gj1N2b4i8QYlw5rtpNDnH5fmYW9eJq1rL5j2JV4hh1B2eU5BVj7B5E5r3v2TgPvKYD",
    "7LmR0aYg3uHc8sP5fQw9xZ2kN4jM6tB1vC8nE3rG7yU0iO2pA5sD9fH1jK4lQ6wR8tY3uI7oP0aS2d",
    "F5gH8jK1lZ4xC7vB0nM3qW6eR9tY2uI5oP8aS1dF4gH7jK0lZ3xC6vB9nM2qW5eR8tY1uI4oP7aS0d",
    "F3gH6jK9lZ2xC5vB8nM1qW4eR7tY0uI3oP6aS9dF2gH5jK8lZ1xC4vB7nM0qW3eR6tY9uI2oP5aS8d",
    "GoABmK1pQ2wE3rT4yU5iO6pA7sD8fG9hJ0kL1zX2cV3bN4mQ5wE6rT7yU8iO9pA0sD1fG2hJ3kL4zX"
);

/// The metadata FC's gateway would add to call number `n`.
fn fc_headers(metadata: &mut MetadataMap, n: u64) {
    let request_id = format!("1-6752f1a0-15d49184-{n:012x}");
    metadata.insert(
        "x-fc-request-id",
        AsciiMetadataValue::try_from(request_id).expect("ASCII"),
    );
    for (name, value) in FC_HEADERS {
        metadata.insert(name, AsciiMetadataValue::from_static(value));
    }
}

async fn call(client: &mut GreeterClient<Channel>, fc: bool) {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut request = tonic::Request::new(HelloRequest { name: "FC".into() });
    if fc {
        fc_headers(
            request.metadata_mut(),
            CALLS.fetch_add(1, Ordering::Relaxed),
        );
    }
    let reply = client.say_hello(request).await.expect("SayHello");
    assert_eq!(reply.get_ref().message, "Hello FC");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let fc = args.iter().any(|a| a == "--fc-headers");
    args.retain(|a| a != "--fc-headers");
    let usage = "usage: grpc-client [--fc-headers] <port> calls <n> | load <streams> <seconds> \
         | spread <streams> <n>";
    let arg = |i: usize| -> u64 { args.get(i).and_then(|a| a.parse().ok()).expect(usage) };
    let channel = Endpoint::from_shared(format!("http://127.0.0.1:{}", arg(0)))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    let client = GreeterClient::new(channel);
    match args.get(1).map(String::as_str) {
        Some("calls") => {
            let mut client = client;
            for _ in 0..arg(2) {
                call(&mut client, fc).await;
            }
        }
        Some("load") => {
            let until = Instant::now() + Duration::from_secs(arg(3));
            let callers = (0..arg(2)).map(|_| {
                let mut client = client.clone();
                tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    while Instant::now() < until {
                        let began = Instant::now();
                        call(&mut client, fc).await;
                        latencies.push(began.elapsed());
                    }
                    latencies
                })
            });
            let mut latencies = Vec::new();
            for caller in callers.collect::<Vec<_>>() {
                latencies.extend(caller.await.expect("caller"));
            }
            latencies.sort();
            let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_micros();
            let rate = latencies.len() as f64 / arg(3) as f64;
            println!("{rate:.0} {} {}", at(0.50), at(0.99));
        }
        Some("spread") => {
            // The callers take calls from one shared count until it is used up.
            let left = Arc::new(AtomicU64::new(arg(3)));
            let callers = (0..arg(2)).map(|_| {
                let (mut client, left) = (client.clone(), left.clone());
                tokio::spawn(async move {
                    let take = || {
                        left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                            n.checked_sub(1)
                        })
                    };
                    while take().is_ok() {
                        call(&mut client, fc).await;
                    }
                })
            });
            for caller in callers.collect::<Vec<_>>() {
                caller.await.expect("caller");
            }
        }
        _ => panic!("{usage}"),
    }
}
