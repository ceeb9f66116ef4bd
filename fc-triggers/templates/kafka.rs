// An FC function for a Kafka trigger: EventBridge delivers the records as a batch of
// CloudEvents (`fc::events::CloudEventBatch<KafkaData>`).

use fc::events::{CloudEventBatch, KafkaData};

#[fc::invoke]
async fn on_records(batch: CloudEventBatch<KafkaData>) -> Vec<String> {
    let mut values = Vec::new();
    for event in batch {
        let record = event.data;
        tracing::info!(
            topic = %record.topic,
            partition = record.partition,
            offset = record.offset,
            "record received"
        );
        values.push(record.value);
    }
    values
}

fn main() {
    fc::run(fc::routes![on_records]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc::events::payloads;
    use fc::testing::TestApp;

    #[tokio::test]
    async fn answers_the_values_of_a_real_kafka_event() {
        let app = TestApp::new(fc::routes![on_records]);
        // What EventBridge really sends (`fc-local invoke --example kafka`).
        let resp = app.invoke(payloads::KAFKA.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(
            resp.json::<Vec<String>>(),
            ["b'{\\n    \"Test\": \"TestKafkaEventBridgetrigger\"\\n}'"]
        );
        assert!(
            resp.logs().iter().any(|l| l.contains("record received")
                && l.contains("topic=HelloTopic")
                && l.contains("offset=3")),
            "{:?}",
            resp.logs()
        );
    }
}
