#[fc::invoke]
async fn handle(event: String) -> &str {
    "hi"
}

fn main() {}
