struct Order { id: u64 }

#[fc::invoke]
async fn handle(order: Order) -> u64 {
    order.id
}

fn main() {
    let _ = fc::routes![handle];
}
