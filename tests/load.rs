//! Load and fault tests on loopback, bounded in count and time: many invocations at
//! once, idle sockets, a slow client, and memory that does not grow with the load.
//! No timing is asserted; the numbers are printed (`cargo test --test load --
//! --nocapture`).

#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod common;

use std::time::{Duration, Instant};

use common::{Client, Req};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[fc::invoke]
async fn mixed(n: u64) -> Result<String, fc::Error> {
    match n % 10 {
        0 => panic!("load panic {n}"),
        1..=3 => Err(format!("load error {n}").into()),
        _ => Ok(format!("ok {n}")),
    }
}

/// A server without the test subscriber: log lines go nowhere, so memory measures the
/// server and not a growing capture buffer.
async fn quiet_server(app: fc::App) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Markers into a buffer: the load's own lines, a few hundred KB at most.
    let app = app.output(fc::log::Output::capture());
    tokio::spawn(app.serve_with(listener, std::future::pending()));
    addr
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn run_clients(addr: std::net::SocketAddr, clients: u64, per_client: u64, offset: u64) {
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            tokio::spawn(async move {
                let mut client = Client::connect(addr).await;
                for i in 0..per_client {
                    let n = offset + c * per_client + i;
                    let resp = client
                        .send(Req::invoke(&format!("load-{n}"), n.to_string()))
                        .await;
                    match n % 10 {
                        0 => assert_eq!(resp.expect_failure()["errorType"], "Panic"),
                        1..=3 => assert_eq!(
                            resp.expect_failure()["errorMessage"],
                            format!("load error {n}")
                        ),
                        _ => assert_eq!(resp.expect_ok().text(), format!("ok {n}")),
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_mixed_invocations_at_concurrency_twenty() {
    let addr = quiet_server(fc::routes![mixed].into()).await;
    // Warm up allocator pools and lazily built state first.
    run_clients(addr, 20, 10, 1_000_000).await;
    let before = rss_kib();
    let started = Instant::now();
    run_clients(addr, 20, 100, 0).await;
    let elapsed = started.elapsed();
    let after = rss_kib();
    eprintln!(
        "load: 2000 invocations (1200 ok, 600 Err, 200 panics) at concurrency 20 in {elapsed:?}; \
         RSS {before} KiB before, {after} KiB after"
    );
    assert!(
        after.saturating_sub(before) < 64 * 1024,
        "RSS grew from {before} KiB to {after} KiB"
    );
}

#[fc::invoke]
async fn quick(event: String) -> String {
    event
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_idle_sockets_do_not_stop_invocations() {
    let addr = quiet_server(fc::routes![quick].into()).await;
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    // Half of them mid-request: headers started, never finished.
    for socket in idle.iter_mut().step_by(2) {
        socket
            .write_all(b"POST /invoke HTTP/1.1\r\nhost: x\r\n")
            .await
            .unwrap();
    }
    let started = Instant::now();
    for i in 0..50 {
        let resp = Client::connect(addr)
            .await
            .send(Req::invoke(&format!("idle-{i}"), format!("n{i}")))
            .await;
        assert_eq!(resp.expect_ok().text(), format!("n{i}"));
    }
    eprintln!(
        "idle: 50 invocations beside 300 idle sockets in {:?}",
        started.elapsed()
    );
    // The idle sockets are still open: nothing closed them.
    let mut byte = [0_u8; 1];
    let still_open =
        tokio::time::timeout(Duration::from_millis(100), idle[1].read(&mut byte)).await;
    assert!(
        still_open.is_err(),
        "an idle connection was closed: {still_open:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sending_one_byte_at_a_time_does_not_hold_up_others() {
    let addr = quiet_server(fc::routes![quick].into()).await;
    let body = "slowly, one byte at a time";
    let slow = tokio::spawn(async move {
        let mut socket = TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /invoke HTTP/1.1\r\nhost: x\r\nx-fc-request-id: slow-1\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        for byte in body.bytes() {
            socket.write_all(&[byte]).await.unwrap();
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        let mut response = Vec::new();
        let mut buf = [0_u8; 1024];
        loop {
            let n = socket.read(&mut buf).await.unwrap();
            response.extend_from_slice(&buf[..n]);
            if n == 0 || response.ends_with(body.as_bytes()) {
                break;
            }
        }
        String::from_utf8(response).unwrap()
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // While the slow body trickles in (about a second), others are served.
    for i in 0..20 {
        let resp = Client::connect(addr)
            .await
            .send(Req::invoke(&format!("fast-{i}"), "fast"))
            .await;
        resp.expect_ok();
        assert!(
            !slow.is_finished(),
            "the slow client finished before the fast ones"
        );
    }
    let response = slow.await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.contains("x-fc-status: 200"), "{response}");
    assert!(response.ends_with(body), "{response}");
}
