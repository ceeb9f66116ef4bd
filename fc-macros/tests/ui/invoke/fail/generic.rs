#[fc::invoke]
async fn handle<T>(event: T) -> String {
    let _ = event;
    String::new()
}

fn main() {}
