// Lifecycle hooks: an optional Context, `()` or `Result<(), E>`.
#[fc::pre_stop]
async fn flush(ctx: fc::Context) -> Result<(), fc::Error> {
    let _ = ctx.request_id();
    Ok(())
}

#[fc::pre_freeze]
async fn pause() {}

#[fc::pre_stop]
async fn stop_plain() -> Result<(), std::io::Error> {
    Ok(())
}

#[fc::invoke]
async fn event(e: String) -> String {
    e
}

fn main() {
    let _ = fc::routes![flush, pause, event];
    let _ = fc::routes![stop_plain];
    let _future = flush(fc::Context::default());
}
