// The annotated function stays a plain async function: a test can call it.
use fc::{Context, State};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Order { qty: u32 }

#[derive(Serialize, Debug, PartialEq)]
struct Total { total: u64 }

struct Prices { unit: u64 }

#[fc::invoke]
async fn handle(order: Order, _ctx: Context, prices: State<Prices>) -> Result<Total, fc::Error> {
    Ok(Total { total: prices.unit * u64::from(order.qty) })
}

#[fc::invoke]
async fn echo(event: String) -> String {
    event
}

fn main() {
    let prices = State::new(Prices { unit: 7 });
    let future = handle(Order { qty: 3 }, Context::default(), prices);
    drop(future);

    // Still a plain function item: it can be named and passed around.
    let f: fn(String) -> _ = echo;
    let _ = f(String::from("hi"));

    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(runtime.block_on(echo("hi".to_owned())), "hi");
}
