#[fc::pre_stop]
async fn a() {}

#[fc::pre_stop]
async fn b() {}

fn main() {
    let _ = fc::routes![a, b];
}
