#[derive(Clone)]
struct AppState;

#[fc::http]
fn app() -> axum::Router<AppState> {
    axum::Router::new()
}

fn main() {
    let _ = fc::routes![app];
}
