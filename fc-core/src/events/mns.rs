//! The MNS topic trigger, in its JSON and STREAM formats.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What an MNS topic trigger sends when its event format is JSON.
///
/// MNS merges the message's attributes into the event as top-level keys; every key
/// that is not a field here lands in [`attributes`](Self::attributes).
///
/// ```
/// use fc::events::MnsTopicEvent;
///
/// #[fc::invoke]
/// async fn on_message(ev: MnsTopicEvent) -> String {
///     format!("{} on {}", ev.message, ev.topic_name)
/// }
///
/// let ev: MnsTopicEvent = serde_json::from_str(r#"{
///     "TopicOwner": "1186", "Message": "hello topic", "Subscriber": "1186",
///     "PublishTime": 1550216480040, "SubscriptionName": "sub", "MessageMD5": "BA4B",
///     "TopicName": "test-topic", "MessageId": "2F5B", "MessageTag": "important"
/// }"#)?;
/// assert_eq!(ev.message, "hello topic");
/// assert_eq!(ev.attributes["MessageTag"], "important");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MnsTopicEvent {
    /// The account id of the topic's owner.
    pub topic_owner: String,
    /// The message body.
    pub message: String,
    /// The account id of the subscriber.
    pub subscriber: String,
    /// When the message was published, in milliseconds since the Unix epoch.
    pub publish_time: i64,
    /// The subscription that delivered the message.
    pub subscription_name: String,
    /// The MD5 of the message body, upper-case hex.
    #[serde(rename = "MessageMD5")]
    pub message_md5: String,
    /// The topic.
    pub topic_name: String,
    /// The message id.
    pub message_id: String,
    /// Every other top-level key: the message attributes MNS merged in.
    #[serde(flatten)]
    pub attributes: Map<String, Value>,
}

/// What an MNS topic trigger sends when its event format is STREAM and the message
/// has attributes.
///
/// A STREAM message without attributes arrives as its raw text: take `String` (or
/// `Vec<u8>`) as the event then.
///
/// ```
/// use fc::events::MnsTopicStreamEvent;
///
/// #[fc::invoke]
/// async fn on_message(ev: MnsTopicStreamEvent) -> String {
///     let extend = ev.attrs.get("Extend").and_then(|v| v.as_str()).unwrap_or("{}");
///     format!("{} {}", ev.body, extend)
/// }
///
/// let ev = MnsTopicStreamEvent { body: "hello".into(), ..Default::default() };
/// assert!(ev.attrs.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MnsTopicStreamEvent {
    /// The message body.
    pub body: String,
    /// The message attributes (`Extend` holds the user's JSON-encoded attributes).
    #[serde(default)]
    pub attrs: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testing::{fixture, parse, parse_error, round_trip, with, without};
    use serde_json::json;

    const JSON_SAMPLE: &str = fixture!("mns-topic");
    const STREAM_SAMPLE: &str = fixture!("mns-topic-stream");

    #[test]
    fn json_format_sample_round_trips() {
        let ev: MnsTopicEvent = round_trip(JSON_SAMPLE);
        assert_eq!(
            ev,
            MnsTopicEvent {
                topic_owner: "118620210433****".into(),
                message: "hello topic".into(),
                subscriber: "118620210433****".into(),
                publish_time: 1550216480040,
                subscription_name: "test-fc-subscribe".into(),
                message_md5: "BA4BA9B48AC81F0F9C66F6C909C3****".into(),
                topic_name: "test-topic".into(),
                message_id: "2F5B3C082B923D4EAC694B76D928****".into(),
                attributes: Map::new(),
            }
        );
    }

    #[test]
    fn json_format_keeps_merged_attributes() {
        let sample: Value = serde_json::from_str(JSON_SAMPLE).unwrap();
        let json = with(sample, "", "Extend", json!("{\"key\":\"value\"}"));
        let ev: MnsTopicEvent = round_trip(&json);
        assert_eq!(ev.attributes.len(), 1);
        assert_eq!(ev.attributes["Extend"], "{\"key\":\"value\"}");
    }

    #[test]
    fn json_format_errors_name_the_field() {
        let sample: Value = serde_json::from_str(JSON_SAMPLE).unwrap();
        let message = parse_error::<MnsTopicEvent>(&with(
            sample.clone(),
            "",
            "PublishTime",
            json!("yesterday"),
        ));
        assert!(
            message.starts_with("invalid event: PublishTime: invalid type: string \"yesterday\""),
            "{message}"
        );
        let message = parse_error::<MnsTopicEvent>(&without(sample, "", "Message"));
        assert!(
            message.starts_with("invalid event: missing field `Message`"),
            "{message}"
        );
    }

    #[test]
    fn stream_format_sample_round_trips() {
        let ev: MnsTopicStreamEvent = round_trip(STREAM_SAMPLE);
        assert_eq!(ev.body, "hello topic");
        assert_eq!(ev.attrs["Extend"], "{\"key\":\"value\"}");
    }

    #[test]
    fn stream_format_attrs_may_be_missing_and_extras_are_ignored() {
        let ev: MnsTopicStreamEvent = parse(r#"{"body": "hi", "other": 1}"#);
        assert_eq!(
            ev,
            MnsTopicStreamEvent {
                body: "hi".into(),
                attrs: Map::new()
            }
        );
    }
}
