//! The fc echo function measured by bench/run.sh.

#[fc::invoke]
async fn echo(event: serde_json::Value) -> serde_json::Value {
    serde_json::json!({ "echo": event })
}

fn main() {
    fc::run(fc::routes![echo]);
}
