#[fc::initialize]
async fn init(config: String) -> Result<(), fc::Error> {
    let _ = config;
    Ok(())
}

fn main() {}
