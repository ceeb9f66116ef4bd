//! The fc echo function measured by bench/run.sh.

#[fc::invoke]
async fn echo(event: serde_json::Value) -> serde_json::Value {
    serde_json::json!({ "echo": event })
}

/// The mimalloc candidate of `bench/run.sh --candidates`.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    fc::run(fc::routes![echo]);
}
