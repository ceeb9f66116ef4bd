// The initializer stays a plain async function: a test can call it.
struct Prices { unit: u64 }

#[fc::initialize]
async fn init(_ctx: fc::Context) -> Result<Prices, fc::Error> {
    Ok(Prices { unit: 7 })
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let prices = runtime.block_on(init(fc::Context::default())).unwrap();
    assert_eq!(prices.unit, 7);
    let _ = fc::routes![init];
}
