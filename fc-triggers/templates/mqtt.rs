// An FC function for an MQTT trigger (Micro Message Queue for MQTT, through
// EventBridge): a list of messages, each with its topic (`Vec<fc::events::MqttData>`).

use fc::events::MqttData;

#[fc::invoke]
async fn on_messages(messages: Vec<MqttData>) -> Vec<String> {
    let mut received = Vec::new();
    for message in messages {
        tracing::info!(
            topic = %message.topic(),
            client = %message.props.client_id,
            body = %message.body,
            "message received"
        );
        received.push(format!("{}: {}", message.topic(), message.body));
    }
    received
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
    async fn answers_the_messages_of_a_real_mqtt_event() {
        let app = TestApp::new(fc::routes![on_messages]);
        // What EventBridge really sends (`fc-local invoke --example mqtt`).
        let resp = app.invoke(payloads::MQTT.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(
            resp.json::<Vec<String>>(),
            ["testTopic/testMq4****: hello mq4Iot pub sub msg"]
        );
        assert!(
            resp.logs()
                .iter()
                .any(|l| l.contains("message received")
                    && l.contains("client=consumerGroupID@@@xxx")),
            "{:?}",
            resp.logs()
        );
    }
}
