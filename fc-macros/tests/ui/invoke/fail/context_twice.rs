use fc::Context;

#[fc::invoke]
async fn handle(ctx: Context, again: fc::Context) -> String {
    let _ = again;
    ctx.request_id().to_owned()
}

fn main() {}
