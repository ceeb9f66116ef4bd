// No arguments, `Result<(), fc::Error>`: set-up with no state to keep.
#[fc::initialize]
async fn init() -> Result<(), fc::Error> {
    Ok(())
}

#[fc::invoke]
async fn handle(event: String) -> String {
    event
}

fn main() {
    let _ = fc::routes![init, handle];
    let _ = fc::routes![init];
}
