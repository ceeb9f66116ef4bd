// Several mistakes in one signature are reported together.
#[fc::invoke]
fn handle<T>(event: &str, _other: impl Sized) -> String {
    event.to_owned()
}

fn main() {}
