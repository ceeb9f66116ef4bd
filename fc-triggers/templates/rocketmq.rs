// An FC function for a RocketMQ trigger: EventBridge delivers the messages as
// CloudEvents, one or a batch (`fc::events::CloudEventBatch<RocketMqData>` takes
// both).

use fc::events::{CloudEventBatch, RocketMqData};

#[fc::invoke]
async fn on_messages(batch: CloudEventBatch<RocketMqData>) -> Vec<String> {
    let mut bodies = Vec::new();
    for event in batch {
        let message = event.data;
        tracing::info!(
            topic = %message.topic,
            tags = message.tags().unwrap_or(""),
            keys = message.keys().unwrap_or(""),
            body = %message.body,
            "message received"
        );
        bodies.push(message.body);
    }
    bodies
}

fn main() {
    fc::run(fc::routes![on_messages]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc::events::payloads;
    use fc::testing::TestApp;

    #[tokio::test]
    async fn answers_the_bodies_of_a_real_rocketmq_event() {
        let app = TestApp::new(fc::routes![on_messages]);
        // What EventBridge really sends (`fc-local invoke --example rocketmq`).
        let resp = app.invoke(payloads::ROCKETMQ.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(resp.json::<Vec<String>>(), ["TEST"]);
        assert!(
            resp.logs()
                .iter()
                .any(|l| l.contains("message received") && l.contains("topic=TopicName")),
            "{:?}",
            resp.logs()
        );
    }
}
