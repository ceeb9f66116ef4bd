// Both forms of #[fc::http], sync and async, beside the other attributes.
use axum::routing::get;
use axum::Router;

#[fc::http]
fn sync_app() -> Router {
    Router::new().route("/", get(|ctx: fc::Context, n: fc::State<u8>| async move {
        format!("{} {}", ctx.request_id(), *n)
    }))
}

#[fc::http]
async fn async_app() -> axum::Router {
    Router::new()
}

#[fc::http]
pub async fn handler(req: fc::http::Request) -> impl axum::response::IntoResponse {
    req.uri().to_string()
}

#[fc::http]
async fn no_argument() -> (axum::http::StatusCode, &'static str) {
    (axum::http::StatusCode::ACCEPTED, "accepted")
}

#[fc::invoke]
async fn event(e: String) -> String {
    e
}

#[fc::initialize]
async fn init() -> Result<u8, fc::Error> {
    Ok(1)
}

fn main() {
    let _ = fc::routes![sync_app, event, init];
    let _ = fc::routes![async_app];
    let _ = fc::routes![handler];
    let _ = fc::routes![no_argument];
    let _app: Router = sync_app();
}
