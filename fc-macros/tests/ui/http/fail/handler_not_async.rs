#[fc::http]
fn web(req: fc::http::Request) -> String {
    req.uri().to_string()
}

fn main() {}
