#[derive(Debug)]
struct SetupError;

#[fc::initialize]
async fn init() -> Result<u8, SetupError> {
    Err(SetupError)
}

fn main() {
    let _ = fc::routes![init];
}
