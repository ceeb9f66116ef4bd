#[fc::invoke]
async fn handle(a: fc::State<u64>, b: fc::State<u64>) -> u64 {
    *a + *b
}

fn main() {}
