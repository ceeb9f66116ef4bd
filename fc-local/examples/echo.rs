//! An fc HTTP function that answers every request with the request it got (method,
//! path, query, body) as JSON, after sleeping `sleep_ms` milliseconds when the query
//! asks. fc-local's tests check the runtime's HTTP passthrough and concurrency with it:
//! `fc-local check --http --echo-path / --sleep-path '/slow?sleep_ms=300' -- target/debug/examples/echo`.

#[fc::http]
async fn echo(request: fc::http::Request) -> String {
    let (parts, body) = request.into_parts();
    let query = parts.uri.query().unwrap_or_default();
    let sleep_ms = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("sleep_ms="))
        .and_then(|ms| ms.parse().ok());
    if let Some(ms) = sleep_ms {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    let body = fc::axum::body::to_bytes(body, usize::MAX)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_else(|e| format!("<unreadable body: {e}>"));
    serde_json::json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": query,
        "body": body,
    })
    .to_string()
}

fn main() {
    fc::run(fc::routes![echo]);
}
