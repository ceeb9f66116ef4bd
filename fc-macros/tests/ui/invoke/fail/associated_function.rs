// A handler must be a free function, not an associated function of a type.
struct Service;

impl Service {
    #[fc::invoke]
    async fn handle(event: String) -> String {
        event
    }
}

fn main() {}
