use std::rc::Rc;

#[fc::initialize]
async fn init() -> Result<Rc<u8>, fc::Error> {
    Ok(Rc::new(1))
}

fn main() {
    let _ = fc::routes![init];
}
