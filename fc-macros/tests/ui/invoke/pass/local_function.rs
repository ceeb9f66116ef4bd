// Handlers may be declared inside a function body, e.g. in a test.
fn main() {
    #[fc::initialize]
    async fn init() -> Result<u64, fc::Error> {
        Ok(7)
    }

    #[fc::invoke]
    async fn handle(qty: u64, unit: fc::State<u64>) -> u64 {
        qty * *unit
    }

    let _ = fc::routes![init, handle];
}
