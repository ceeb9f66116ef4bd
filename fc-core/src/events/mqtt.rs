//! ApsaraMQ for MQTT, delivered by EventBridge.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::CloudEvent;

/// An MQTT message wrapped in a CloudEvent, for triggers whose event schema is
/// CloudEvents.
pub type MqttEvent = CloudEvent<MqttData>;

/// One MQTT message.
///
/// Function Compute documents the MQTT trigger's event as a JSON array of these, with
/// no CloudEvents envelope: take `Vec<MqttData>`. A trigger that delivers CloudEvents
/// (EventBridge's default event schema) wraps each message in one: take
/// [`CloudEventBatch<MqttData>`](super::CloudEventBatch).
///
/// ```
/// use fc::events::MqttData;
///
/// #[fc::invoke]
/// async fn on_messages(messages: Vec<MqttData>) -> Vec<String> {
///     messages
///         .iter()
///         .map(|m| format!("{} from {}: {}", m.topic(), m.props.client_id, m.body))
///         .collect()
/// }
///
/// let messages: Vec<MqttData> = serde_json::from_str(r#"[{
///     "props": {"firstTopic": "sensors", "secondTopic": "/room/1", "clientId": "GID_a@@@dev-1"},
///     "body": "21.5"
/// }]"#)?;
/// assert_eq!(messages[0].topic(), "sensors/room/1");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MqttData {
    /// Where the message came from: its topic and client.
    pub props: MqttProperties,
    /// The message payload, as text.
    pub body: String,
}

impl MqttData {
    /// The full topic: the parent topic followed by the subtopic
    /// (`testTopic` + `/testMq4` = `testTopic/testMq4`).
    pub fn topic(&self) -> String {
        match &self.props.second_topic {
            Some(second) => format!("{}{second}", self.props.first_topic),
            None => self.props.first_topic.clone(),
        }
    }
}

/// The properties of an [`MqttData`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MqttProperties {
    /// The parent topic the message was published to.
    pub first_topic: String,
    /// The subtopic under the parent topic, starting with `/`, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_topic: Option<String>,
    /// The id of the client that published the message (`GroupID@@@DeviceID`).
    #[serde(default)]
    pub client_id: String,
    /// Every other property, by its wire name.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::CloudEventBatch;
    use crate::events::testing::{fixture, parse, parse_error, with, without};
    use serde_json::json;

    const SAMPLE: &str = fixture!("mqtt");

    #[test]
    fn sample_round_trips() {
        let messages: Vec<MqttData> = parse(SAMPLE);
        assert_eq!(
            messages,
            vec![MqttData {
                props: MqttProperties {
                    first_topic: "testTopic".into(),
                    second_topic: Some("/testMq4****".into()),
                    client_id: "consumerGroupID@@@xxx".into(),
                    other: Map::new(),
                },
                body: "hello mq4Iot pub sub msg".into(),
            }]
        );
        assert_eq!(messages[0].topic(), "testTopic/testMq4****");
        let sample: Value = serde_json::from_str(SAMPLE).unwrap();
        assert_eq!(serde_json::to_value(&messages).unwrap(), sample);
    }

    #[test]
    fn as_cloudevent_data() {
        let sample: Value = serde_json::from_str(SAMPLE).unwrap();
        let event = json!({
            "id": "1", "source": "acs:mqtt", "specversion": "1.0",
            "type": "mqtt:Topic:SendMessage", "data": sample[0]
        });
        let batch: CloudEventBatch<MqttData> = parse(&json!([event]).to_string());
        assert_eq!(batch.events[0].data.body, "hello mq4Iot pub sub msg");
    }

    #[test]
    fn subtopic_may_be_missing_and_other_properties_are_kept() {
        let sample: Value = serde_json::from_str(SAMPLE).unwrap();
        let json = without(sample[0].clone(), "/props", "secondTopic");
        let json = with(
            serde_json::from_str(&json).unwrap(),
            "/props",
            "qos",
            json!(1),
        );
        let message: MqttData = parse(&json);
        assert_eq!(message.topic(), "testTopic");
        assert_eq!(message.props.other["qos"], 1);
        let message = parse_error::<MqttData>(&without(sample[0].clone(), "/props", "firstTopic"));
        assert!(
            message.starts_with("invalid event: props: missing field `firstTopic`"),
            "{message}"
        );
    }
}
