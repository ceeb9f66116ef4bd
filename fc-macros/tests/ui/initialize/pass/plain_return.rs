// An initializer that cannot fail returns its state as it is.
use std::collections::HashMap;

struct Config { greeting: String }

#[fc::initialize]
async fn init() -> Config {
    Config { greeting: "hello".to_owned() }
}

mod unit {
    #[fc::initialize]
    pub async fn init(_ctx: fc::Context) {}
}

mod map {
    use super::*;
    #[fc::initialize]
    pub async fn init() -> HashMap<String, u64> {
        HashMap::new()
    }
}

#[fc::invoke]
async fn greet(name: String, config: fc::State<Config>) -> String {
    format!("{}, {name}", config.greeting)
}

fn main() {
    let _ = fc::routes![init, greet];
    let _ = fc::routes![unit::init];
    let _ = fc::routes![map::init];
}
