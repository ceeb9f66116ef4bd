// An FC function for an MNS queue trigger: EventBridge delivers the messages as
// CloudEvents, one or a batch (`fc::events::CloudEventBatch<MnsQueueData>` takes
// both).

use fc::events::{CloudEventBatch, MnsQueueData};

#[fc::invoke]
async fn on_messages(batch: CloudEventBatch<MnsQueueData>) -> Vec<String> {
    let mut bodies = Vec::new();
    for event in batch {
        tracing::info!(
            queue = event.subject.as_deref().unwrap_or("?"),
            message_id = %event.data.message_id,
            body = %event.data.message_body,
            "message received"
        );
        bodies.push(event.data.message_body);
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
    async fn answers_the_bodies_of_a_real_mns_queue_event() {
        let app = TestApp::new(fc::routes![on_messages]);
        // What EventBridge really sends (`fc-local invoke --example mns-queue`).
        let resp = app.invoke(payloads::MNS_QUEUE.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(resp.json::<Vec<String>>(), ["TEST"]);
        assert!(
            resp.logs().iter().any(|l| l.contains("message received")
                && l.contains("message_id=C6DB60D1574661357FA227277445****")),
            "{:?}",
            resp.logs()
        );
    }
}
