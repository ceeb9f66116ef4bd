#[fc::pre_stop]
async fn flush() -> u32 {
    1
}

fn main() {
    let _ = fc::routes![flush];
}
