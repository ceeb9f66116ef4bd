//! Compile-time behaviour of `#[fc::invoke]`, `#[fc::initialize]`, `#[fc::http]`, the
//! lifecycle hooks and `fc::routes!`:
//! what must compile, and the error a user sees for each mistake.
//!
//! Bless changed `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p fc-rs-macros --test ui` and
//! read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/*/pass/*.rs");
    t.compile_fail("tests/ui/*/fail/*.rs");
}
