//! The smallest function: greets whoever the event names. Run: `cargo run --example hello`,
//! then `curl -s localhost:9000/invoke -d '{"name": "FC"}'`.

use serde::Deserialize;

#[derive(Deserialize)]
struct Greeting {
    name: String,
}

#[fc::invoke]
async fn hello(event: Greeting, ctx: fc::Context) -> String {
    tracing::info!(name = %event.name, "greeting");
    format!("hello, {}! (request {})\n", event.name, ctx.request_id())
}

fn main() {
    fc::run(fc::routes![hello]);
}
