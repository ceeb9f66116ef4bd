// An FC function for an HTTP trigger in event format (FC 3.0): the request arrives
// as an event (`fc::events::HttpTriggerEvent`) and the answer is an
// `HttpTriggerResponse`. (For an ordinary web app, `fc-local new --http` instead.)

use fc::events::{HttpTriggerEvent, HttpTriggerResponse};

#[fc::invoke]
async fn on_request(event: HttpTriggerEvent) -> Result<HttpTriggerResponse, fc::Error> {
    let http = &event.request_context.http;
    let body = event.body_bytes()?;
    tracing::info!(
        method = %http.method,
        path = %http.path,
        source_ip = %http.source_ip,
        bytes = body.len(),
        "request"
    );
    Ok(HttpTriggerResponse::builder()
        .header("content-type", "text/plain; charset=utf-8")
        .body(format!(
            "{} {}: {} bytes\n",
            http.method,
            http.path,
            body.len()
        ))
        .build())
}

fn main() {
    fc::run(fc::routes![on_request]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc::events::payloads;
    use fc::testing::TestApp;

    #[tokio::test]
    async fn answers_a_real_http_trigger_event() {
        let app = TestApp::new(fc::routes![on_request]);
        // What an HTTP trigger really sends (`fc-local invoke --example http-trigger`).
        let resp = app.invoke(payloads::HTTP_TRIGGER.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        let answer: HttpTriggerResponse = resp.json();
        assert_eq!(answer.status_code, 200);
        assert_eq!(answer.body, "GET /example: 9 bytes\n");
        assert!(
            resp.logs()
                .iter()
                .any(|l| l.contains("request") && l.contains("path=/example")),
            "{:?}",
            resp.logs()
        );
    }
}
