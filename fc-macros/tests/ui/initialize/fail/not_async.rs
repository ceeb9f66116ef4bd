#[fc::initialize]
fn init() -> Result<(), fc::Error> {
    Ok(())
}

fn main() {}
