//! fc's integration tests, one binary: real servers on 127.0.0.1:0 spoken to as FC
//! speaks to a custom runtime, and the examples as real processes. (`load.rs` is a
//! binary of its own: it measures this process's memory.) Run one module with
//! `cargo test --test it invoke::`.

#[path = "../common/mod.rs"]
mod common;

// First in name order, which is the order the harness starts tests in: its 31 s of
// real idle time then overlaps the other tests instead of following most of them.
mod connection_keepalive;
mod context;
mod errors;
mod events;
mod health;
mod http;
#[cfg(feature = "http2")]
mod http2;
mod init_deadline;
mod initialize;
mod invoke;
mod lifecycle;
mod process;
mod stray_panics;
mod testing;
