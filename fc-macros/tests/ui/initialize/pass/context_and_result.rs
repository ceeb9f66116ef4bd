// An initializer taking `fc::Context` (by either path) and returning `Result`.
use fc::Context;

struct Prices { unit: u64 }

mod imported {
    use super::*;
    #[fc::initialize]
    pub async fn init(ctx: Context) -> Result<Prices, fc::Error> {
        let _ = ctx.function_name();
        Ok(Prices { unit: 7 })
    }
}

mod full_path {
    use super::Prices;
    #[fc::initialize]
    pub async fn init(ctx: fc::Context) -> Result<Prices, std::io::Error> {
        let _ = ctx.request_id();
        Ok(Prices { unit: 7 })
    }
}

#[fc::invoke]
async fn price(qty: u64, prices: fc::State<Prices>) -> u64 {
    qty * prices.unit
}

fn main() {
    let _ = fc::routes![imported::init, price];
    let _ = fc::routes![price, full_path::init];
}
