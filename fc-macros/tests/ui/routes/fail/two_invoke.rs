#[fc::invoke]
async fn a(event: String) -> String {
    event
}

#[fc::invoke]
async fn b(event: String) -> String {
    event
}

fn main() {
    let _ = fc::routes![a, b];
}
