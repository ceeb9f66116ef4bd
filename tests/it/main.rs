//! fc's integration tests, one binary: real servers on 127.0.0.1:0 spoken to as FC
//! speaks to a custom runtime, and the examples as real processes. (`load.rs` is a
//! binary of its own: it measures this process's memory.) Run one module with
//! `cargo test --test it invoke::`.

#[path = "../common/mod.rs"]
mod common;

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
mod keepalive;
mod lifecycle;
mod process;
mod stray_panics;
mod testing;
