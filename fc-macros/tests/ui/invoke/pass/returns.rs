// Every kind of return a handler may have.
use serde::Serialize;

#[derive(Serialize)]
struct Receipt { id: u64 }

#[derive(Debug)]
struct MyError;
impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("my error")
    }
}
impl std::error::Error for MyError {}

mod plain {
    use super::*;
    #[fc::invoke] pub async fn string() -> String { String::new() }
    #[fc::invoke] pub async fn static_str() -> &'static str { "" }
    #[fc::invoke] pub async fn vec() -> Vec<u8> { Vec::new() }
    #[fc::invoke] pub async fn bytes() -> fc::Bytes { fc::Bytes::new() }
    #[fc::invoke] pub async fn unit() {}
    #[fc::invoke] pub async fn explicit_unit() -> () {}
    #[fc::invoke] pub async fn json() -> Receipt { Receipt { id: 1 } }
    #[fc::invoke] pub async fn json_value() -> serde_json::Value { serde_json::json!({"a": 1}) }
    #[fc::invoke] pub async fn number() -> u64 { 1 }
    #[fc::invoke] pub async fn option() -> Option<Receipt> { None }
}

mod result {
    use super::*;
    #[fc::invoke] pub async fn fc_error() -> Result<Receipt, fc::Error> { Ok(Receipt { id: 1 }) }
    #[fc::invoke] pub async fn io_error() -> Result<String, std::io::Error> { Ok(String::new()) }
    #[fc::invoke] pub async fn string_error() -> Result<Vec<u8>, String> { Err("no".to_owned()) }
    #[fc::invoke] pub async fn str_error() -> Result<(), &'static str> { Err("no") }
    #[fc::invoke] pub async fn boxed_error() -> Result<fc::Bytes, Box<dyn std::error::Error + Send + Sync>> {
        Ok(fc::Bytes::new())
    }
    #[fc::invoke] pub async fn box_error_alias() -> Result<&'static str, fc::BoxError> { Ok("") }
    #[fc::invoke] pub async fn own_error() -> Result<(), MyError> { Err(MyError) }
    #[fc::invoke] pub async fn json_error() -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str("{}")
    }
    #[fc::invoke] pub async fn unit_fc_error() -> Result<(), fc::Error> { Ok(()) }
    #[fc::invoke] pub async fn question_mark(event: String) -> Result<u32, fc::Error> {
        Ok(event.trim().parse::<u32>()?)
    }
}

fn main() {
    let _ = fc::routes![plain::string];
    let _ = fc::routes![plain::static_str];
    let _ = fc::routes![plain::vec];
    let _ = fc::routes![plain::bytes];
    let _ = fc::routes![plain::unit];
    let _ = fc::routes![plain::explicit_unit];
    let _ = fc::routes![plain::json];
    let _ = fc::routes![plain::json_value];
    let _ = fc::routes![plain::number];
    let _ = fc::routes![plain::option];
    let _ = fc::routes![result::fc_error];
    let _ = fc::routes![result::io_error];
    let _ = fc::routes![result::string_error];
    let _ = fc::routes![result::str_error];
    let _ = fc::routes![result::boxed_error];
    let _ = fc::routes![result::box_error_alias];
    let _ = fc::routes![result::own_error];
    let _ = fc::routes![result::json_error];
    let _ = fc::routes![result::unit_fc_error];
    let _ = fc::routes![result::question_mark];
}
