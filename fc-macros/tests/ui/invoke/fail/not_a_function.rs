#[fc::invoke]
struct Handler;

fn main() {}
