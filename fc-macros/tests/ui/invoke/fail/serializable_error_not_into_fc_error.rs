#[derive(Debug, serde::Serialize)]
struct Rejected {
    code: u32,
}

#[fc::invoke]
async fn handle(event: String) -> Result<String, Rejected> {
    if event.is_empty() {
        return Err(Rejected { code: 7 });
    }
    Ok(event)
}

fn main() {
    let _ = fc::routes![handle];
}
