// The handler's future runs on a multi-threaded runtime: it must be `Send`.
use std::rc::Rc;

#[fc::invoke]
async fn handle(event: Vec<u8>) -> Vec<u8> {
    let shared = Rc::new(event.len());
    tokio::task::yield_now().await;
    vec![*shared as u8]
}

fn main() {
    let _ = fc::routes![handle];
}
