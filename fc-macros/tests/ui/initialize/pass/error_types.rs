// `E` is anything that converts into `fc::Error`.
mod string { #[fc::initialize] pub async fn init() -> Result<u8, String> { Ok(1) } }
mod static_str { #[fc::initialize] pub async fn init() -> Result<u8, &'static str> { Ok(1) } }
mod io { #[fc::initialize] pub async fn init() -> Result<u8, std::io::Error> { Ok(1) } }
mod boxed {
    #[fc::initialize]
    pub async fn init() -> Result<u8, Box<dyn std::error::Error + Send + Sync>> {
        let n: u8 = "1".parse()?;
        Ok(n)
    }
}

fn main() {
    let _ = fc::routes![string::init];
    let _ = fc::routes![static_str::init];
    let _ = fc::routes![io::init];
    let _ = fc::routes![boxed::init];
}
