#[fc::invoke]
async fn ping() -> &'static str {
    "pong"
}

fn main() {
    let _ = fc::routes![ping];
}
