#[derive(Debug)]
struct MyError;

#[fc::invoke]
async fn handle(event: String) -> Result<String, MyError> {
    if event.is_empty() {
        return Err(MyError);
    }
    Ok(event)
}

fn main() {
    let _ = fc::routes![handle];
}
