#[fc::http]
async fn web(body: u32) -> String {
    body.to_string()
}

fn main() {
    let _ = fc::routes![web];
}
