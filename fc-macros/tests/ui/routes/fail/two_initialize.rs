#[fc::initialize]
async fn first() -> Result<(), fc::Error> {
    Ok(())
}

#[fc::initialize]
async fn second() -> Result<(), fc::Error> {
    Ok(())
}

#[fc::invoke]
async fn handle(event: String) -> String {
    event
}

fn main() {
    let _ = fc::routes![first, handle, second];
}
