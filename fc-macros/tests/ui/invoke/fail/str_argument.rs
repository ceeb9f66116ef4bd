#[fc::invoke]
async fn handle(event: &str) -> String {
    event.to_owned()
}

fn main() {}
