// `pub` and `pub(crate)` handlers in a module, named by path in `fc::routes!`.
mod handlers {
    #[fc::invoke]
    pub async fn public(event: String) -> String {
        event
    }

    #[fc::invoke]
    pub(crate) async fn crate_visible(event: String) -> String {
        event
    }

    pub mod nested {
        #[fc::initialize]
        pub async fn init() -> Result<u8, fc::Error> {
            Ok(1)
        }
    }
}

fn main() {
    let _ = fc::routes![handlers::public];
    let _ = fc::routes![handlers::crate_visible, handlers::nested::init];
    let _ = fc::routes![crate::handlers::public, self::handlers::nested::init,];
}
