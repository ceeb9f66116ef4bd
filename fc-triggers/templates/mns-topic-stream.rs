// An FC function for an MNS topic trigger, STREAM event format with attributes: the
// message body and its attributes (`fc::events::MnsTopicStreamEvent`). Without
// attributes, MNS sends the raw message: take a `String` instead.

use fc::events::MnsTopicStreamEvent;

#[fc::invoke]
async fn on_message(event: MnsTopicStreamEvent) -> String {
    let attributes: Vec<&str> = event.attrs.keys().map(String::as_str).collect();
    tracing::info!(
        body = %event.body,
        attributes = %attributes.join(","),
        "message received"
    );
    event.body
}

fn main() {
    fc::run(fc::routes![on_message]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc::events::payloads;
    use fc::testing::TestApp;

    #[tokio::test]
    async fn answers_the_body_of_a_real_mns_stream_event() {
        let app = TestApp::new(fc::routes![on_message]);
        // What MNS really sends (`fc-local invoke --example mns-topic-stream`).
        let resp = app.invoke(payloads::MNS_TOPIC_STREAM.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(resp.text(), "hello topic");
        assert!(
            resp.logs()
                .iter()
                .any(|l| l.contains("message received") && l.contains("attributes=Extend")),
            "{:?}",
            resp.logs()
        );
    }
}
