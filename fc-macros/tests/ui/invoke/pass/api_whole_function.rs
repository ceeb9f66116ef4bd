// The "A user's whole function" example of API.md, exactly, except that `main`
// only builds the call: trybuild runs pass cases, and `fc::run` serves until SIGTERM.
use fc::{Context, Error};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Order { id: u64, qty: u32 }

#[derive(Serialize)]
struct Receipt { id: u64, total: u64, request_id: String }

struct Prices { unit: u64 }

// Runs once per instance, before the first invocation. What it returns is the
// instance state that handlers receive as fc::State<T>.
#[fc::initialize]
async fn init(ctx: Context) -> Result<Prices, Error> {
    tracing::info!(function = ctx.function_name(), "loading prices");
    Ok(Prices { unit: 7 })
}

// An event function: the body of POST /invoke, parsed as JSON into Order.
#[fc::invoke]
async fn handle(order: Order, ctx: Context, prices: fc::State<Prices>) -> Result<Receipt, Error> {
    if order.qty == 0 {
        return Err("quantity must be positive".into());
    }
    Ok(Receipt { id: order.id, total: prices.unit * order.qty as u64, request_id: ctx.request_id().to_owned() })
}

fn main() {
    let _serve = || fc::run(fc::routes![init, handle]);
}
