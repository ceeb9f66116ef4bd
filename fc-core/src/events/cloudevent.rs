//! EventBridge deliveries: CloudEvents, one or a batch, and the data of the sources
//! FC documents (MNS queue, RocketMQ, Kafka).

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// One event as EventBridge delivers it: a [CloudEvents 1.0] envelope with Alibaba
/// Cloud's `aliyun*` extension attributes, around the source's `data`.
///
/// `T` is the type of `data`: [`MnsQueueData`], [`RocketMqData`], [`KafkaData`], your
/// own type for other sources, or `serde_json::Value` (the default). Use
/// `CloudEvent<Option<T>>` for events that may come without data.
///
/// [CloudEvents 1.0]: https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md
///
/// ```
/// use fc::events::{CloudEvent, MnsQueueData};
///
/// #[fc::invoke]
/// async fn on_message(ev: CloudEvent<MnsQueueData>) -> String {
///     format!("{} from {}: {}", ev.data.message_id, ev.source, ev.data.message_body)
/// }
///
/// let ev: CloudEvent = serde_json::from_str(r#"{
///     "id": "c2g7", "source": "acs.oss", "specversion": "1.0", "type": "oss:ObjectCreated:PutObject",
///     "aliyunregionid": "cn-hangzhou", "aliyunnewattribute": 1, "data": {"any": "json"}
/// }"#)?;
/// assert_eq!(ev.r#type, "oss:ObjectCreated:PutObject");
/// assert_eq!(ev.aliyun_region_id.as_deref(), Some("cn-hangzhou"));
/// assert_eq!(ev.extensions["aliyunnewattribute"], 1);
/// assert_eq!(ev.data["any"], "json");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CloudEvent<T = Value> {
    /// The event's id, unique per source.
    pub id: String,
    /// The event source (`acs:alikafka`, `MNS-Function-mnstrigger`, …).
    pub source: String,
    /// The CloudEvents version (`1.0`).
    #[serde(rename = "specversion")]
    pub spec_version: String,
    /// The event type (`mns:Queue:SendMessage`, `alikafka:Topic:Message`, …).
    pub r#type: String,
    /// The media type of `data` (`application/json; charset=utf-8`).
    #[serde(
        rename = "datacontenttype",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub data_content_type: Option<String>,
    /// The schema `data` adheres to.
    #[serde(
        rename = "dataschema",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub data_schema: Option<String>,
    /// The subject of the event in the source (`acs:mns:cn-hangzhou:…:queues/zeus`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// When the event happened, RFC 3339 (`2021-04-08T06:28:17.093Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The account id the event belongs to.
    #[serde(
        rename = "aliyunaccountid",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub aliyun_account_id: Option<String>,
    /// When EventBridge received the event, RFC 3339.
    #[serde(
        rename = "aliyunpublishtime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub aliyun_publish_time: Option<String>,
    /// The account id of the event's original publisher.
    #[serde(
        rename = "aliyunoriginalaccountid",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub aliyun_original_account_id: Option<String>,
    /// The event bus that routed the event.
    #[serde(
        rename = "aliyuneventbusname",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub aliyun_event_bus_name: Option<String>,
    /// The region of the event bus.
    #[serde(
        rename = "aliyunregionid",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub aliyun_region_id: Option<String>,
    /// The address the event was published from (masked in samples).
    #[serde(
        rename = "aliyunpublishaddr",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub aliyun_publish_addr: Option<String>,
    /// The source's payload.
    pub data: T,
    /// Every other attribute: extensions not listed above, by their wire names.
    #[serde(flatten)]
    pub extensions: Map<String, Value>,
}

/// The events of one EventBridge delivery.
///
/// Parses each form EventBridge uses: a single CloudEvent object (one event), an array
/// of CloudEvent objects (batch delivery, e.g. RocketMQ), and Kafka's array of
/// JSON-encoded strings, each a CloudEvent. It serializes as an array of objects.
///
/// ```
/// use fc::events::{CloudEventBatch, KafkaData};
///
/// #[fc::invoke]
/// async fn on_records(batch: CloudEventBatch<KafkaData>) -> String {
///     let offsets: Vec<String> = batch.iter().map(|ev| ev.data.offset.to_string()).collect();
///     offsets.join(",")
/// }
///
/// let one = r#"{"id": "1", "source": "s", "specversion": "1.0", "type": "t", "data": 7}"#;
/// let encoded = serde_json::to_string(&[one])?;
/// for form in [one.to_owned(), format!("[{one}, {one}]"), encoded] {
///     let batch: CloudEventBatch<u32> = serde_json::from_str(&form)?;
///     assert!(batch.iter().all(|ev| ev.data == 7));
/// }
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(transparent)]
pub struct CloudEventBatch<T = Value> {
    /// The events, in delivery order.
    pub events: Vec<CloudEvent<T>>,
}

impl<T> CloudEventBatch<T> {
    /// The events, in delivery order.
    pub fn iter(&self) -> std::slice::Iter<'_, CloudEvent<T>> {
        self.events.iter()
    }

    /// How many events there are.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

impl<T> From<Vec<CloudEvent<T>>> for CloudEventBatch<T> {
    fn from(events: Vec<CloudEvent<T>>) -> Self {
        Self { events }
    }
}

impl<T> IntoIterator for CloudEventBatch<T> {
    type Item = CloudEvent<T>;
    type IntoIter = std::vec::IntoIter<CloudEvent<T>>;

    fn into_iter(self) -> Self::IntoIter {
        self.events.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a CloudEventBatch<T> {
    type Item = &'a CloudEvent<T>;
    type IntoIter = std::slice::Iter<'a, CloudEvent<T>>;

    fn into_iter(self) -> Self::IntoIter {
        self.events.iter()
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for CloudEventBatch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BatchVisitor<T>(PhantomData<fn() -> T>);

        impl<'de, T: DeserializeOwned> Visitor<'de> for BatchVisitor<T> {
            type Value = CloudEventBatch<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a CloudEvent, an array of CloudEvents or an array of JSON-encoded CloudEvents",
                )
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let event = CloudEvent::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(vec![event].into())
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut events = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(Element(event)) = seq.next_element()? {
                    events.push(event);
                }
                Ok(events.into())
            }
        }

        deserializer.deserialize_any(BatchVisitor(PhantomData))
    }
}

/// One element of a batch: a CloudEvent object, or a string holding one as JSON.
struct Element<T>(CloudEvent<T>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Element<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ElementVisitor<T>(PhantomData<fn() -> T>);

        impl<'de, T: DeserializeOwned> Visitor<'de> for ElementVisitor<T> {
            type Value = Element<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CloudEvent or a JSON-encoded CloudEvent")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                CloudEvent::deserialize(de::value::MapAccessDeserializer::new(map)).map(Element)
            }

            fn visit_str<E: de::Error>(self, json: &str) -> Result<Self::Value, E> {
                let mut de = serde_json::Deserializer::from_str(json);
                serde_path_to_error::deserialize(&mut de)
                    .map(Element)
                    .map_err(|e| {
                        let path = e.path().to_string();
                        match path.as_str() {
                            "" | "." | "?" => E::custom(format_args!(
                                "in the JSON-encoded CloudEvent: {}",
                                e.inner()
                            )),
                            _ => E::custom(format_args!(
                                "in the JSON-encoded CloudEvent: {path}: {}",
                                e.inner()
                            )),
                        }
                    })
            }
        }

        deserializer.deserialize_any(ElementVisitor(PhantomData))
    }
}

/// A message from an MNS queue, delivered by EventBridge.
pub type MnsQueueEvent = CloudEvent<MnsQueueData>;
/// A RocketMQ message, delivered by EventBridge one at a time.
pub type RocketMqEvent = CloudEvent<RocketMqData>;
/// A Kafka record, delivered by EventBridge (which sends them as a
/// [`CloudEventBatch<KafkaData>`]).
pub type KafkaEvent = CloudEvent<KafkaData>;

/// The `data` of an MNS queue message ([`MnsQueueEvent`]).
///
/// ```
/// use fc::events::MnsQueueEvent;
///
/// #[fc::invoke]
/// async fn on_message(ev: MnsQueueEvent) -> String {
///     ev.data.message_body
/// }
///
/// let mut ev = MnsQueueEvent::default();
/// ev.data.message_body = "TEST".into();
/// assert_eq!(ev.data.message_body, "TEST");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MnsQueueData {
    /// MNS's request id.
    pub request_id: String,
    /// The message id.
    pub message_id: String,
    /// The message body.
    pub message_body: String,
}

/// The `data` of a RocketMQ message ([`RocketMqEvent`]).
///
/// ```
/// use fc::events::{CloudEventBatch, RocketMqData};
///
/// #[fc::invoke]
/// async fn on_messages(batch: CloudEventBatch<RocketMqData>) -> String {
///     batch.iter().map(|ev| format!("{}:{}", ev.data.tags().unwrap_or("-"), ev.data.body)).collect()
/// }
///
/// let mut data = RocketMqData { body: "TEST".into(), ..Default::default() };
/// data.system_properties.insert("TAGS".into(), "orders".into());
/// assert_eq!(data.tags(), Some("orders"));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RocketMqData {
    /// The topic.
    pub topic: String,
    /// RocketMQ's properties of the message (`TAGS`, `KEYS`, `MSG_REGION`,
    /// `INSTANCE_ID`, `CONSUME_START_TIME`, …); most are strings, a few numbers.
    #[serde(default)]
    pub system_properties: Map<String, Value>,
    /// The properties the producer set.
    #[serde(default)]
    pub user_properties: BTreeMap<String, String>,
    /// The message body.
    pub body: String,
}

impl RocketMqData {
    /// The message's tag (`TAGS`), when it has one.
    pub fn tags(&self) -> Option<&str> {
        self.system_properties.get("TAGS").and_then(Value::as_str)
    }

    /// The message's keys (`KEYS`), when it has some.
    pub fn keys(&self) -> Option<&str> {
        self.system_properties.get("KEYS").and_then(Value::as_str)
    }
}

/// The `data` of a Kafka record ([`KafkaEvent`]).
///
/// ```
/// use fc::events::{CloudEventBatch, KafkaData};
///
/// #[fc::invoke]
/// async fn on_records(batch: CloudEventBatch<KafkaData>) -> usize {
///     batch.iter().map(|ev| ev.data.value.len()).sum()
/// }
///
/// let data = KafkaData { topic: "HelloTopic".into(), partition: 9, offset: 3, ..Default::default() };
/// assert_eq!(data.key, None);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KafkaData {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The record's offset in the partition.
    pub offset: i64,
    /// The record's timestamp, in milliseconds since the Unix epoch.
    pub timestamp: i64,
    /// The record's headers.
    #[serde(default)]
    pub headers: KafkaHeaders,
    /// The record's key, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The record's value, as text.
    pub value: String,
}

/// The headers of a [`KafkaData`], as the Kafka client's `RecordHeaders` serializes
/// them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KafkaHeaders {
    /// The headers.
    #[serde(default)]
    pub headers: Vec<Value>,
    /// Whether the client had made them read-only.
    #[serde(default)]
    pub is_read_only: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testing::{fixture, parse, parse_error, round_trip, with, without};
    use serde_json::json;

    const MNS_QUEUE: &str = fixture!("mns-queue");
    const ROCKETMQ: &str = fixture!("rocketmq");
    const KAFKA: &str = fixture!("kafka");

    #[test]
    fn mns_queue_sample_round_trips() {
        let ev: MnsQueueEvent = round_trip(MNS_QUEUE);
        assert_eq!(ev.id, "c2g71017-6f65-fhcf-a814-a396fc8d****");
        assert_eq!(ev.source, "MNS-Function-mnstrigger");
        assert_eq!(ev.spec_version, "1.0");
        assert_eq!(ev.r#type, "mns:Queue:SendMessage");
        assert_eq!(
            ev.data_content_type.as_deref(),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(ev.data_schema, None);
        assert_eq!(
            ev.subject.as_deref(),
            Some("acs:mns:cn-hangzhou:164901546557****:queues/zeus")
        );
        assert_eq!(ev.time.as_deref(), Some("2021-04-08T06:28:17.093Z"));
        assert_eq!(ev.aliyun_account_id.as_deref(), Some("1649015465574023"));
        assert_eq!(
            ev.aliyun_publish_time.as_deref(),
            Some("2021-10-15T07:06:34.028Z")
        );
        assert_eq!(
            ev.aliyun_original_account_id.as_deref(),
            Some("164901546557****")
        );
        assert_eq!(
            ev.aliyun_event_bus_name.as_deref(),
            Some("MNS-Function-mnstrigger")
        );
        assert_eq!(ev.aliyun_region_id.as_deref(), Some("cn-chengdu"));
        assert_eq!(ev.aliyun_publish_addr.as_deref(), Some("42.120.XX.XX"));
        assert!(ev.extensions.is_empty());
        assert_eq!(
            ev.data,
            MnsQueueData {
                request_id: "606EA3074344430D4C81****".into(),
                message_id: "C6DB60D1574661357FA227277445****".into(),
                message_body: "TEST".into(),
            }
        );
        // As untyped data, too.
        let ev: CloudEvent = round_trip(MNS_QUEUE);
        assert_eq!(ev.data["messageBody"], "TEST");
    }

    #[test]
    fn rocketmq_sample_round_trips() {
        let ev: RocketMqEvent = round_trip(ROCKETMQ);
        assert_eq!(ev.r#type, "mq:Topic:SendMessage");
        assert_eq!(ev.data.topic, "TopicName");
        assert_eq!(ev.data.body, "TEST");
        assert_eq!(ev.data.tags(), Some("systemProperties.TAGS"));
        assert_eq!(ev.data.keys(), Some("systemProperties.KEYS"));
        assert_eq!(
            ev.data.system_properties["CONSUME_START_TIME"],
            1628577790396_i64
        );
        assert!(ev.data.user_properties.is_empty());
    }

    #[test]
    fn optional_attributes_may_be_missing_and_unknown_ones_are_kept() {
        let sample: Value = serde_json::from_str(MNS_QUEUE).unwrap();
        let mut minimal = sample.clone();
        for key in [
            "datacontenttype",
            "subject",
            "time",
            "aliyunaccountid",
            "aliyunpublishtime",
            "aliyunoriginalaccountid",
            "aliyuneventbusname",
            "aliyunregionid",
            "aliyunpublishaddr",
        ] {
            minimal = serde_json::from_str(&without(minimal, "", key)).unwrap();
        }
        let ev: MnsQueueEvent = round_trip(&minimal.to_string());
        assert_eq!(
            (ev.time, ev.subject, ev.aliyun_region_id),
            (None, None, None)
        );

        let json = with(sample, "", "aliyunsubscriptionid", json!("sub-1"));
        let json = with(
            serde_json::from_str(&json).unwrap(),
            "/data",
            "extra",
            json!(1),
        );
        let ev: MnsQueueEvent = round_trip_lossy(&json);
        assert_eq!(ev.extensions["aliyunsubscriptionid"], "sub-1");
        assert_eq!(ev.data.message_body, "TEST");
    }

    /// Like `round_trip`, for input with fields the type drops.
    fn round_trip_lossy<T>(json: &str) -> T
    where
        T: DeserializeOwned + Serialize + PartialEq + fmt::Debug,
    {
        let ev: T = parse(json);
        let again: T = serde_json::from_value(serde_json::to_value(&ev).unwrap()).unwrap();
        assert_eq!(again, ev);
        ev
    }

    #[test]
    fn data_may_be_optional() {
        let sample: Value = serde_json::from_str(MNS_QUEUE).unwrap();
        let json = without(sample, "", "data");
        let ev: CloudEvent<Option<MnsQueueData>> = parse(&json);
        assert_eq!(ev.data, None);
        let message = parse_error::<MnsQueueEvent>(&json);
        assert!(
            message.starts_with("invalid event: missing field `data`"),
            "{message}"
        );
    }

    #[test]
    fn errors_name_the_field() {
        let sample: Value = serde_json::from_str(MNS_QUEUE).unwrap();
        let json = with(sample.clone(), "/data", "messageId", json!(7));
        let message = parse_error::<MnsQueueEvent>(&json);
        assert!(
            message.starts_with("invalid event: data.messageId: invalid type: integer `7`"),
            "{message}"
        );
        let message = parse_error::<MnsQueueEvent>(&without(sample, "", "specversion"));
        assert!(
            message.starts_with("invalid event: missing field `specversion`"),
            "{message}"
        );
    }

    #[test]
    fn kafka_sample_is_an_array_of_json_encoded_events() {
        let batch: CloudEventBatch<KafkaData> = parse(KAFKA);
        assert_eq!(batch.len(), 1);
        let ev = &batch.events[0];
        assert_eq!(ev.id, "1cb591f9-987e-41d9-b974-0342e9acb90a");
        assert_eq!(ev.source, "acs:alikafka");
        assert_eq!(ev.r#type, "alikafka:Topic:Message");
        assert_eq!(
            ev.data_content_type.as_deref(),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(ev.aliyun_account_id.as_deref(), Some("111111111111"));
        assert_eq!(
            ev.data,
            KafkaData {
                topic: "HelloTopic".into(),
                partition: 9,
                offset: 3,
                timestamp: 1659346376797,
                headers: KafkaHeaders {
                    headers: vec![],
                    is_read_only: false
                },
                key: None,
                value: "b'{\\n    \"Test\": \"TestKafkaEventBridgetrigger\"\\n}'".into(),
            }
        );
        // Serialized, the batch is an array of the decoded objects, and parses again.
        let json = serde_json::to_value(&batch).unwrap();
        let decoded: Vec<Value> = serde_json::from_str::<Vec<String>>(KAFKA)
            .unwrap()
            .iter()
            .map(|s| serde_json::from_str(s).unwrap())
            .collect();
        assert_eq!(json, Value::Array(decoded));
        assert_eq!(
            serde_json::from_value::<CloudEventBatch<KafkaData>>(json).unwrap(),
            batch
        );
    }

    #[test]
    fn batches_take_one_object_an_array_or_encoded_strings() {
        let one: RocketMqEvent = parse(ROCKETMQ);
        let single: CloudEventBatch<RocketMqData> = parse(ROCKETMQ);
        assert_eq!(single.events, vec![one.clone()]);
        let array: CloudEventBatch<RocketMqData> = parse(&format!("[{ROCKETMQ}, {ROCKETMQ}]"));
        assert_eq!(array.events, vec![one.clone(), one.clone()]);
        let encoded = serde_json::to_string(&[ROCKETMQ, ROCKETMQ]).unwrap();
        let strings: CloudEventBatch<RocketMqData> = parse(&encoded);
        assert_eq!(strings, array);
        let mixed: CloudEventBatch<RocketMqData> = parse(&format!(
            "[{ROCKETMQ}, {}]",
            serde_json::to_string(ROCKETMQ).unwrap()
        ));
        assert_eq!(mixed, array);
        let empty: CloudEventBatch<RocketMqData> = parse("[]");
        assert!(empty.is_empty());
        assert_eq!(array.into_iter().count(), 2);
    }

    #[test]
    fn batch_errors_name_the_element_and_field() {
        let message = parse_error::<CloudEventBatch<RocketMqData>>("42");
        assert!(
            message.starts_with("invalid event: invalid type: integer `42`, expected a CloudEvent, an array of CloudEvents or an array of JSON-encoded CloudEvents"),
            "{message}"
        );
        let message = parse_error::<CloudEventBatch<RocketMqData>>(&format!("[{ROCKETMQ}, 1]"));
        assert!(
            message.starts_with("invalid event: [1]: invalid type: integer `1`, expected a CloudEvent or a JSON-encoded CloudEvent"),
            "{message}"
        );
        let bad: Value = serde_json::from_str(ROCKETMQ).unwrap();
        let bad = with(bad, "/data", "body", json!(false));
        let message = parse_error::<CloudEventBatch<RocketMqData>>(&format!("[{ROCKETMQ}, {bad}]"));
        assert!(
            message.starts_with("invalid event: [1].data.body: invalid type: boolean `false`"),
            "{message}"
        );
        let encoded = serde_json::to_string(&[bad.to_string()]).unwrap();
        let message = parse_error::<CloudEventBatch<RocketMqData>>(&encoded);
        assert!(
            message.starts_with(
                "invalid event: [0]: in the JSON-encoded CloudEvent: data.body: invalid type: boolean `false`"
            ),
            "{message}"
        );
        let message = parse_error::<CloudEventBatch<RocketMqData>>(r#"["{not json"]"#);
        assert!(
            message.starts_with(
                "invalid event: [0]: in the JSON-encoded CloudEvent: key must be a string"
            ),
            "{message}"
        );
    }
}
