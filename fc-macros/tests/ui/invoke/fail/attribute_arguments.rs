#[fc::invoke(foo)]
async fn handle(event: String) -> String {
    event
}

fn main() {}
