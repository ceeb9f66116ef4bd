//! ApsaraMQ for RabbitMQ, delivered by EventBridge.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::CloudEvent;

/// A RabbitMQ message, delivered by EventBridge (a RabbitMQ trigger sends a batch of
/// them: take [`CloudEventBatch<RabbitMqData>`](super::CloudEventBatch)).
pub type RabbitMqEvent = CloudEvent<RabbitMqData>;

/// The `data` of a RabbitMQ message ([`RabbitMqEvent`]): the AMQP delivery envelope,
/// the message properties and the body.
///
/// ```
/// use fc::events::{CloudEventBatch, RabbitMqData};
///
/// #[fc::invoke]
/// async fn on_messages(batch: CloudEventBatch<RabbitMqData>) -> Vec<String> {
///     batch
///         .iter()
///         .map(|ev| format!("{} #{}: {}", ev.data.envelope.routing_key, ev.data.envelope.delivery_tag, ev.data.body))
///         .collect()
/// }
///
/// let data: RabbitMqData = serde_json::from_str(r#"{
///     "envelope": {"deliveryTag": 98, "exchange": "", "redeliver": false, "routingKey": "housekeeping"},
///     "body": {"Hello": "RabbitMQ"},
///     "props": {"contentEncoding": "UTF-8", "messageId": "f7622d51", "priority": 5}
/// }"#)?;
/// assert_eq!(data.body["Hello"], "RabbitMQ");
/// assert_eq!(data.props.message_id.as_deref(), Some("f7622d51"));
/// assert_eq!(data.props.other["priority"], 5);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RabbitMqData {
    /// How the message was delivered: tag, exchange, routing key, redelivery.
    pub envelope: RabbitMqEnvelope,
    /// The message properties (AMQP `BasicProperties`).
    #[serde(default)]
    pub props: RabbitMqProperties,
    /// The message body: the JSON value itself when the message is JSON (as in
    /// Alibaba's sample, `{"Hello": "RabbitMQ"}`), otherwise a string.
    pub body: Value,
}

impl RabbitMqData {
    /// The body as text: the string itself, or the JSON text of any other value.
    pub fn body_text(&self) -> String {
        match &self.body {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        }
    }
}

/// The AMQP envelope of a [`RabbitMqData`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RabbitMqEnvelope {
    /// The delivery tag the broker gave the message on EventBridge's channel.
    pub delivery_tag: u64,
    /// The exchange the message was published to; empty for the default exchange.
    #[serde(default)]
    pub exchange: String,
    /// Whether the broker delivered the message before without an acknowledgement.
    #[serde(default)]
    pub redeliver: bool,
    /// The routing key the message was published with.
    #[serde(default)]
    pub routing_key: String,
}

/// The properties of a [`RabbitMqData`], as the publisher set them.
///
/// The ones Alibaba's sample shows are fields; every other property (`priority`,
/// `deliveryMode`, `timestamp`, `replyTo`, …) is kept by its wire name in `other`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RabbitMqProperties {
    /// The MIME type of the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The encoding of the body (`UTF-8`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    /// The id the publisher gave the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The correlation id, for request/reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The application headers.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub headers: Map<String, Value>,
    /// Every other property, by its wire name.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::CloudEventBatch;
    use crate::events::testing::{fixture, parse, parse_error, with};
    use serde_json::json;

    const SAMPLE: &str = fixture!("rabbitmq");

    #[test]
    fn sample_is_a_batch_that_round_trips() {
        let batch: CloudEventBatch<RabbitMqData> = parse(SAMPLE);
        assert_eq!(batch.len(), 2);
        let ev = &batch.events[0];
        assert_eq!(ev.r#type, "amqp:Queue:SendMessage");
        assert_eq!(ev.source, "RabbitMQ-Function-rabbitmq-trigger");
        assert_eq!(
            ev.subject.as_deref(),
            Some(
                "acs:amqp:cn-hangzhou:164901546557****:/instances/amqp-cn-tl32e756****/vhosts/eb-connect/queues/housekeeping"
            )
        );
        assert_eq!(
            ev.data,
            RabbitMqData {
                envelope: RabbitMqEnvelope {
                    delivery_tag: 98,
                    exchange: String::new(),
                    redeliver: false,
                    routing_key: "housekeeping".into(),
                },
                props: RabbitMqProperties {
                    content_encoding: Some("UTF-8".into()),
                    message_id: Some("f7622d51-e198-41de-a072-77c1ead7****".into()),
                    ..Default::default()
                },
                body: json!({"Hello": "RabbitMQ"}),
            }
        );
        assert_eq!(ev.data.body_text(), r#"{"Hello":"RabbitMQ"}"#);
        // Every field is kept: serialized, the batch is the sample.
        let sample: Value = serde_json::from_str(SAMPLE).unwrap();
        assert_eq!(serde_json::to_value(&batch).unwrap(), sample);
        // One event alone parses too.
        let one: RabbitMqEvent = parse(&sample[1].to_string());
        assert_eq!(&one, ev);
    }

    #[test]
    fn other_properties_and_text_bodies_are_kept() {
        let sample: Value = serde_json::from_str(SAMPLE).unwrap();
        let mut data = sample[0]["data"].clone();
        data["body"] = json!("plain text");
        let json = with(data, "/props", "deliveryMode", json!(2));
        let json = with(
            serde_json::from_str(&json).unwrap(),
            "/props",
            "headers",
            json!({"x-retry": 1}),
        );
        let data: RabbitMqData = parse(&json);
        assert_eq!(data.body_text(), "plain text");
        assert_eq!(data.props.other["deliveryMode"], 2);
        assert_eq!(data.props.headers["x-retry"], 1);
        assert_eq!(
            serde_json::to_value(&data).unwrap(),
            serde_json::from_str::<Value>(&json).unwrap()
        );
    }

    #[test]
    fn errors_name_the_field() {
        let sample: Value = serde_json::from_str(SAMPLE).unwrap();
        let json = with(
            sample[0].clone(),
            "/data/envelope",
            "deliveryTag",
            json!("98"),
        );
        let message = parse_error::<RabbitMqEvent>(&json);
        assert!(
            message.starts_with(
                "invalid event: data.envelope.deliveryTag: invalid type: string \"98\""
            ),
            "{message}"
        );
    }
}
