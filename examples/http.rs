//! An existing axum app served as an FC HTTP function: a JSON API with a path
//! parameter and a query, an HTML page, fc's Context and State as extractors, and
//! FC's health check answered at `/healthz` (what the deploy templates configure).
//! Run: `cargo run --example http`, then open http://localhost:9000/ or
//! `curl -s 'localhost:9000/api/orders/7?currency=CNY'`.

use axum::extract::{Path, Query};
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

struct Catalog {
    unit_price: u64,
}

#[fc::initialize]
async fn init() -> Result<Catalog, fc::Error> {
    Ok(Catalog { unit_price: 42 })
}

#[derive(Deserialize)]
struct Currency {
    currency: Option<String>,
}

#[derive(Serialize)]
struct Order {
    id: u64,
    price: u64,
    currency: String,
    request_id: String,
}

async fn order(
    Path(id): Path<u64>,
    Query(query): Query<Currency>,
    catalog: fc::State<Catalog>,
    ctx: fc::Context,
) -> Json<Order> {
    tracing::info!(id, "looking up an order");
    Json(Order {
        id,
        price: catalog.unit_price * id,
        currency: query.currency.unwrap_or_else(|| "CNY".to_owned()),
        request_id: ctx.request_id().to_owned(),
    })
}

async fn home(ctx: fc::Context) -> Html<String> {
    let base = ctx.base_path().unwrap_or("/").trim_end_matches('/');
    Html(format!(
        "<!doctype html><title>fc</title><h1>Hello from Function Compute</h1>\
         <p><a href=\"{base}/api/orders/7\">order 7</a></p>"
    ))
}

#[fc::http]
fn app() -> Router {
    Router::new()
        .route("/", get(home))
        .route("/api/orders/{id}", get(order))
}

fn main() {
    fc::run(fc::App::from(fc::routes![init, app]).health_check(fc::DEFAULT_HEALTH_PATH));
}
