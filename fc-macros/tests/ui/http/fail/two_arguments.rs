#[fc::http]
async fn web(req: fc::http::Request, ctx: fc::Context) -> String {
    format!("{} {}", req.uri(), ctx.request_id())
}

fn main() {}
