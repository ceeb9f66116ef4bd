// `String`, `Vec<u8>` and `fc::Bytes` (also named `bytes::Bytes`) receive the raw body.

#[fc::invoke]
async fn string(event: String) -> String {
    event
}

#[fc::invoke]
async fn vec(event: Vec<u8>) -> Vec<u8> {
    event
}

#[fc::invoke]
async fn bytes(event: fc::Bytes) -> fc::Bytes {
    event
}

#[fc::invoke]
async fn bytes_crate(event: bytes::Bytes) -> bytes::Bytes {
    event
}

fn main() {
    let _ = fc::routes![string];
    let _ = fc::routes![vec];
    let _ = fc::routes![bytes];
    let _ = fc::routes![bytes_crate];
}
