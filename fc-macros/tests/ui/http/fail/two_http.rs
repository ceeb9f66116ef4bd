#[fc::http]
fn a() -> axum::Router {
    axum::Router::new()
}

#[fc::http]
fn b() -> axum::Router {
    axum::Router::new()
}

fn main() {
    let _ = fc::routes![a, b];
}
