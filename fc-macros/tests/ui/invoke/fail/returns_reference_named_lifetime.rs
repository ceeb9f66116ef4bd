#[fc::invoke]
async fn handle<'a>() -> &'a str {
    "hi"
}

fn main() {}
