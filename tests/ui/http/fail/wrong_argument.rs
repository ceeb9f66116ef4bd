#[fc::http]
async fn web(body: String) -> String {
    body
}

fn main() {
    let _ = fc::routes![web];
}
