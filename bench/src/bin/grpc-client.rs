//! The gRPC client of `bench/run.sh --grpc`: `SayHello` calls over one h2c connection,
//! as FC's gateway sends them (every call a stream of one shared connection).
//!
//! `grpc-client <port> calls <n>`: `n` sequential calls, then exit (for callgrind).
//! `grpc-client <port> load <streams> <seconds>`: `streams` callers at once for
//! `seconds`; prints `<calls/s> <p50 µs> <p99 µs>`.
//! `grpc-client <port> spread <streams> <n>`: `n` calls made by `streams` callers at
//! once, then exit (for callgrind under concurrency).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fc_bench::greeter::{GreeterClient, HelloRequest};
use tonic::transport::{Channel, Endpoint};

async fn call(client: &mut GreeterClient<Channel>) {
    let reply = client
        .say_hello(HelloRequest { name: "FC".into() })
        .await
        .expect("SayHello");
    assert_eq!(reply.get_ref().message, "Hello FC");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: grpc-client <port> calls <n> | load <streams> <seconds> | spread <streams> <n>";
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
                call(&mut client).await;
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
                        call(&mut client).await;
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
                        call(&mut client).await;
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
