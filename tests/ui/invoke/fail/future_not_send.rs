// The handler's future runs on a multi-threaded runtime: it must be `Send`.
use std::rc::Rc;

#[fc::invoke]
async fn handle(event: String) -> String {
    let shared = Rc::new(event);
    tokio::task::yield_now().await;
    shared.to_string()
}

fn main() {
    let _ = fc::routes![handle];
}
