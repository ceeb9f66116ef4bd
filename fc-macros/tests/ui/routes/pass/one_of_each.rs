// One initializer and one event handler, in either order, with a trailing comma;
// each alone; and none.
#[fc::initialize]
async fn init() -> Result<u8, fc::Error> {
    Ok(1)
}

#[fc::invoke]
async fn handle(event: String, n: fc::State<u8>) -> String {
    format!("{event}{}", *n)
}

fn main() {
    let _: fc::Routes = fc::routes![init, handle];
    let _: fc::Routes = fc::routes![handle, init];
    let _: fc::Routes = fc::routes![handle, init,];
    let _: fc::Routes = fc::routes![handle];
    let _: fc::Routes = fc::routes![init];
    let _: fc::Routes = fc::routes![];
    let _app = fc::App::new().routes(fc::routes![init, handle]);
}
