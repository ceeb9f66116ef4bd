// An FC function as the destination of another function's asynchronous invocations:
// FC sends the record of each (`fc::events::AsyncDestinationEvent`), e.g. one that
// failed or ran out of retries.

use fc::events::AsyncDestinationEvent;

#[fc::invoke]
async fn on_record(event: AsyncDestinationEvent) -> String {
    let request = &event.request_context;
    tracing::info!(
        function = %request.function_arn,
        request_id = %request.request_id,
        condition = %request.condition,
        attempts = request.approximate_invoke_count,
        status = event.response_context.status_code,
        "asynchronous invocation recorded"
    );
    format!(
        "{} after {} attempts: {}",
        request.request_id, request.approximate_invoke_count, request.condition
    )
}

fn main() {
    fc::run(fc::routes![on_record]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc::events::payloads;
    use fc::testing::TestApp;

    #[tokio::test]
    async fn answers_a_real_destination_record() {
        let app = TestApp::new(fc::routes![on_record]);
        // What FC really sends (`fc-local invoke --example async-destination`).
        let resp = app.invoke(payloads::ASYNC_DESTINATION.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(
            resp.text(),
            "xxx after 3 attempts: FunctionResourceExhausted"
        );
        assert!(
            resp.logs()
                .iter()
                .any(|l| l.contains("asynchronous invocation recorded")
                    && l.contains("condition=FunctionResourceExhausted")),
            "{:?}",
            resp.logs()
        );
    }
}
