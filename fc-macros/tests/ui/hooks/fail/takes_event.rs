#[fc::pre_freeze]
async fn pause(event: String) {
    let _ = event;
}

fn main() {}
