// An FC function for a RabbitMQ trigger: EventBridge delivers the messages as
// CloudEvents, one or a batch (`fc::events::CloudEventBatch<RabbitMqData>`).

use fc::events::{CloudEventBatch, RabbitMqData};

#[fc::invoke]
async fn on_messages(batch: CloudEventBatch<RabbitMqData>) -> Vec<String> {
    let mut bodies = Vec::new();
    for event in batch {
        let message = event.data;
        tracing::info!(
            routing_key = %message.envelope.routing_key,
            delivery_tag = message.envelope.delivery_tag,
            body = %message.body_text(),
            "message received"
        );
        bodies.push(message.body_text());
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
    async fn answers_the_bodies_of_a_real_rabbitmq_event() {
        let app = TestApp::new(fc::routes![on_messages]);
        // What EventBridge really sends (`fc-local invoke --example rabbitmq`).
        let resp = app.invoke(payloads::RABBITMQ.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(
            resp.json::<Vec<String>>(),
            [r#"{"Hello":"RabbitMQ"}"#, r#"{"Hello":"RabbitMQ"}"#]
        );
        assert!(
            resp.logs()
                .iter()
                .any(|l| l.contains("message received") && l.contains("routing_key=housekeeping")),
            "{:?}",
            resp.logs()
        );
    }
}
