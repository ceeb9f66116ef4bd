#[fc::initialize]
async fn init(prices: fc::State<u64>) -> Result<u64, fc::Error> {
    Ok(*prices)
}

fn main() {}
