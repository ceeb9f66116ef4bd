async fn handle(event: String) -> String {
    event
}

fn main() {
    let _ = fc::routes![handle];
}
