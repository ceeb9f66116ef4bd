struct Service;

impl Service {
    #[fc::invoke]
    async fn handle(&self, event: String) -> String {
        event
    }
}

fn main() {}
