// `fc::Context` imported under another name.
use fc::Context as Ctx;

#[fc::invoke]
async fn handle(ctx: Ctx) -> String {
    ctx.request_id().to_owned()
}

fn main() {
    let _ = fc::routes![handle];
}
