//! fc-local's integration tests, one binary: the `fc-local` binary driven as a user
//! runs it, against fc's examples, Python fixtures and freshly generated crates.

mod common;

mod build;
mod check;
mod config;
mod deploy;
mod examples;
mod invoke;
mod new;
mod package;
mod serve;
mod templates;
mod watch;
