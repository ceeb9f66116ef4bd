#[fc::invoke]
fn handle(event: String) -> String {
    event
}

fn main() {}
