#[fc::initialize(timeout = 10)]
async fn init() -> Result<(), fc::Error> {
    Ok(())
}

fn main() {}
