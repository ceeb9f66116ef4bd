use serde::Deserialize;

#[derive(Deserialize)]
struct Order { id: u64 }

#[fc::invoke]
async fn handle(order: Order, raw: String) -> String {
    format!("{} {raw}", order.id)
}

fn main() {}
