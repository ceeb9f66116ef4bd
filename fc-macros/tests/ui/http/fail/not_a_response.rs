struct NotAResponse;

#[fc::http]
async fn web(req: fc::http::Request) -> NotAResponse {
    let _ = req;
    NotAResponse
}

fn main() {
    let _ = fc::routes![web];
}
