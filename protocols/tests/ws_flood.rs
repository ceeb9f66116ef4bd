//! A WebSocket client that floods pings and never reads its pongs: the server's
//! memory stays bounded, on fc's `ws::on_upgrade` and on axum's own `on_upgrade`.
//!
//! Alone in its binary: it measures this process's resident memory, which other
//! tests running beside it would disturb.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;

/// The README's echo loop: reads until the socket ends.
async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        if let Message::Text(_) | Message::Binary(_) = message
            && socket.send(message).await.is_err()
        {
            break;
        }
    }
}

#[fc::http]
fn app() -> Router {
    Router::new()
        .route(
            "/fc",
            get(|ws: WebSocketUpgrade| async { fc::ws::on_upgrade(ws, echo) }),
        )
        .route(
            "/axum",
            get(|ws: WebSocketUpgrade| async { ws.on_upgrade(echo) as Response }),
        )
        .route("/", get(|| async { "ok" }))
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Pings, 100 bytes each.
const PINGS: usize = 300_000;

/// Upgrades on `path`, then sends up to [`PINGS`] pings without reading (for at most
/// 20 s; a write that blocks for a second ends it). Returns the pings sent and the
/// socket, still open.
fn flood(addr: std::net::SocketAddr, path: &str) -> (usize, TcpStream) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n\
         sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\
         x-fc-control-path: /http-invoke\r\n\r\n"
    )
    .expect("upgrade request");
    let mut head = [0u8; 1024];
    let n = s.read(&mut head).expect("101");
    assert!(
        head[..n].starts_with(b"HTTP/1.1 101"),
        "{:?}",
        String::from_utf8_lossy(&head[..n])
    );
    let mask = [0x11, 0x22, 0x33, 0x44];
    let mut ping = vec![0x89, 0x80 | 100];
    ping.extend_from_slice(&mask);
    ping.extend((0..100).map(|i| b'p' ^ mask[i % 4]));
    let batch: Vec<u8> = ping.repeat(1000);
    s.set_write_timeout(Some(Duration::from_secs(1)))
        .expect("timeout");
    let started = Instant::now();
    let mut sent = 0;
    while sent < PINGS && started.elapsed() < Duration::from_secs(20) {
        match s.write(&batch) {
            Ok(n) => sent += n / ping.len(),
            Err(_) => break, // blocked: the server stopped reading
        }
    }
    (sent, s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ping_flood_from_a_client_that_never_reads_keeps_memory_bounded() {
    let server = common::start(fc::App::from(fc::routes![app])).await;
    let addr = server.addr;
    for path in ["/fc", "/axum"] {
        let before = rss_kib();
        let (sent, socket) = tokio::task::spawn_blocking(move || flood(addr, path))
            .await
            .expect("flood");
        // Let the server read what it will.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let grown = rss_kib().saturating_sub(before);
        eprintln!("{path}: {sent} pings sent, RSS grew by {grown} KiB");
        // Unbounded, the pongs take about 100 bytes per ping (30 MB for 300 000).
        assert!(
            grown < 10 * 1024,
            "{path}: RSS grew by {grown} KiB after {sent} pings"
        );
        // The server still serves.
        let req = common::Req::new("GET", "/").header("x-fc-control-path", "/http-invoke");
        let resp = tokio::time::timeout(Duration::from_secs(30), server.send(req))
            .await
            .expect("an ordinary request during the flood");
        assert_eq!(resp.status, 200);
        drop(socket);
    }
    server.stop().await;
}
