struct Receipt { id: u64 }

#[fc::invoke]
async fn handle(event: String) -> Receipt {
    Receipt { id: event.len() as u64 }
}

fn main() {
    let _ = fc::routes![handle];
}
