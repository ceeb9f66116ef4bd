// Any `DeserializeOwned` type is parsed from JSON: `serde_json::Value`, a derived
// struct, standard types.
use std::collections::HashMap;

use serde::Deserialize;

#[derive(Deserialize)]
struct Order { id: u64 }

#[fc::invoke]
async fn value(event: serde_json::Value) -> serde_json::Value {
    event
}

#[fc::invoke]
async fn derived(order: Order) -> u64 {
    order.id
}

#[fc::invoke]
async fn number(n: u64) -> u64 {
    n * 2
}

#[fc::invoke]
async fn map(m: HashMap<String, Vec<Option<i32>>>) -> usize {
    m.len()
}

fn main() {
    let _ = fc::routes![value];
    let _ = fc::routes![derived];
    let _ = fc::routes![number];
    let _ = fc::routes![map];
}
