// An FC function for an MNS topic trigger, JSON event format: each message with its
// topic and attributes (`fc::events::MnsTopicEvent`).

use fc::events::MnsTopicEvent;

#[fc::invoke]
async fn on_message(event: MnsTopicEvent) -> String {
    tracing::info!(
        topic = %event.topic_name,
        message_id = %event.message_id,
        message = %event.message,
        "message received"
    );
    event.message
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
    async fn answers_the_message_of_a_real_mns_topic_event() {
        let app = TestApp::new(fc::routes![on_message]);
        // What MNS really sends (`fc-local invoke --example mns-topic`).
        let resp = app.invoke(payloads::MNS_TOPIC.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(resp.text(), "hello topic");
        assert!(
            resp.logs()
                .iter()
                .any(|l| l.contains("message received") && l.contains("topic=test-topic")),
            "{:?}",
            resp.logs()
        );
    }
}
