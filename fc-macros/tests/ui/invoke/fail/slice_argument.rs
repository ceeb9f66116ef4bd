#[fc::invoke]
async fn handle(event: &[u8]) -> usize {
    event.len()
}

fn main() {}
