#[fc::invoke]
async fn handle(file: std::fs::File) -> String {
    let _ = file;
    String::new()
}

fn main() {
    let _ = fc::routes![handle];
}
