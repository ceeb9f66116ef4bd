//! The fc echo function measured by bench/run.sh.

#[fc::invoke]
async fn echo(event: serde_json::Value) -> serde_json::Value {
    serde_json::json!({ "echo": event })
}

/// bench/candidates.sh's jemalloc candidate.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    fc::run(fc::routes![echo]);
}
