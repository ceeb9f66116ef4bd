//! Real trigger payloads: one body per trigger, byte for byte as Function Compute
//! POSTs it to `/invoke` (Tablestore's in CBOR, the rest JSON), taken from Alibaba
//! Cloud's documentation and samples.
//!
//! Feed them to a function in its unit tests, so it is tested against what FC really
//! sends rather than a hand-written guess:
//!
//! ```
//! use fc::events::{OssEvent, payloads};
//! use fc::testing::TestApp;
//!
//! #[fc::invoke]
//! async fn on_upload(ev: OssEvent) -> Vec<String> {
//!     ev.events.into_iter().map(|record| record.oss.object.key).collect()
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // In a #[tokio::test]:
//! let app = TestApp::new(fc::routes![on_upload]);
//! let resp = app.invoke(payloads::OSS.bytes()).await;
//! assert!(resp.is_success());
//! assert_eq!(resp.json::<Vec<String>>(), ["image/a.jpg"]);
//!
//! // Every payload, by name, as `fc-local invoke --example <name>` sends it.
//! let kafka = payloads::find("kafka").expect("a payload");
//! assert_eq!(kafka.event_type(), "CloudEventBatch<KafkaData>");
//! assert_eq!(payloads::ALL.len(), 17);
//! # }
//! ```
//!
//! Masked values (`****`, `XX.XX`) and placeholders are as Alibaba published them.

use std::fmt;

/// How a [`Payload`] is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JSON text.
    Json,
    /// CBOR (Tablestore).
    Cbor,
}

impl Format {
    /// The media type of the encoding.
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Cbor => "application/cbor",
        }
    }
}

/// One trigger's real payload.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Payload {
    name: &'static str,
    description: &'static str,
    event_type: &'static str,
    format: Format,
    bytes: &'static [u8],
}

impl Payload {
    /// The trigger's kebab-case name (`oss`, `mns-topic-stream`, …): the name
    /// [`find`] and `fc-local invoke --example` take.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// What the payload is, in one line.
    pub const fn description(&self) -> &'static str {
        self.description
    }

    /// The `fc::events` type to take it as (`OssEvent`, `CloudEventBatch<KafkaData>`,
    /// `Cbor<TablestoreEvent>`, …).
    pub const fn event_type(&self) -> &'static str {
        self.event_type
    }

    /// How it is encoded.
    pub const fn format(&self) -> Format {
        self.format
    }

    /// The body, exactly as FC sends it.
    pub const fn bytes(&self) -> &'static [u8] {
        self.bytes
    }

    /// The body as text, for the JSON payloads; `None` for CBOR.
    pub fn text(&self) -> Option<&'static str> {
        match self.format {
            Format::Json => std::str::from_utf8(self.bytes).ok(),
            Format::Cbor => None,
        }
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Payload")
            .field("name", &self.name)
            .field("event_type", &self.event_type)
            .field("format", &self.format)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// The payload called `name` (see [`Payload::name`]).
pub fn find(name: &str) -> Option<&'static Payload> {
    ALL.iter().find(|payload| payload.name == name)
}

macro_rules! payloads {
    ($( $item:ident: $name:literal, $file:literal, $format:ident, $event_type:literal, $description:literal; )*) => {
        $(
            #[doc = concat!("`", $name, "`: ", $description, "\n\nTake it as `", $event_type, "`; the file is `fc-core/src/events/payloads/", $file, "`.")]
            pub const $item: Payload = Payload {
                name: $name,
                description: $description,
                event_type: $event_type,
                format: Format::$format,
                bytes: include_bytes!(concat!("payloads/", $file)),
            };
        )*

        /// Every payload, in the order of the table in [`fc::events`](super).
        pub const ALL: &[Payload] = &[$($item),*];
    };
}

payloads! {
    TIMER: "timer", "timer.json", Json, "TimerEvent",
        "A Timer trigger firing, with its configured payload.";
    OSS: "oss", "oss.json", Json, "OssEvent",
        "An OSS object created by PutObject (native OSS trigger).";
    SLS: "sls", "sls.json", Json, "SlsEvent",
        "A Log Service (SLS) trigger's job: the logstore shard and cursor range to read.";
    MNS_TOPIC: "mns-topic", "mns-topic.json", Json, "MnsTopicEvent",
        "An MNS topic message, JSON event format.";
    MNS_TOPIC_STREAM: "mns-topic-stream", "mns-topic-stream.json", Json, "MnsTopicStreamEvent",
        "An MNS topic message with attributes, STREAM event format.";
    MNS_QUEUE: "mns-queue", "mns-queue.json", Json, "MnsQueueEvent",
        "An MNS queue message delivered by EventBridge: one CloudEvent.";
    ROCKETMQ: "rocketmq", "rocketmq.json", Json, "RocketMqEvent",
        "A RocketMQ message delivered by EventBridge: one CloudEvent.";
    KAFKA: "kafka", "kafka.json", Json, "CloudEventBatch<KafkaData>",
        "A Kafka record delivered by EventBridge: an array of JSON-encoded CloudEvents.";
    RABBITMQ: "rabbitmq", "rabbitmq.json", Json, "CloudEventBatch<RabbitMqData>",
        "Two RabbitMQ messages delivered by EventBridge: an array of CloudEvents.";
    MQTT: "mqtt", "mqtt.json", Json, "Vec<MqttData>",
        "An MQTT message delivered by EventBridge, as FC documents it: an array of messages.";
    DTS: "dts", "dts.json", Json, "CloudEventBatch<DtsData>",
        "A DTS change tracking UPDATE delivered by EventBridge, rows before and after.";
    DATAHUB: "datahub", "datahub.json", Json, "DataHubEvent",
        "Two records of a DataHub topic, from DataHub's Function Compute connector.";
    CDN: "cdn", "cdn.json", Json, "CdnEvent",
        "A CDN CachedObjectsRefreshed event.";
    HTTP_TRIGGER: "http-trigger", "http-trigger.json", Json, "HttpTriggerEvent",
        "A GET request through an HTTP trigger, FC 3.0 event format.";
    TABLESTORE: "tablestore", "tablestore.cbor", Cbor, "Cbor<TablestoreEvent>",
        "A Tablestore PutRow, CBOR-encoded as Tablestore sends it.";
    TABLESTORE_JSON: "tablestore-json", "tablestore-json.json", Json, "TablestoreEvent",
        "The Tablestore PutRow rendered as JSON (Tablestore itself sends CBOR).";
    ASYNC_DESTINATION: "async-destination", "async-destination.json", Json, "AsyncDestinationEvent",
        "An async invocation's record, as sent to its destination.";
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::fmt::Debug;

    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    use super::*;
    use crate::events::testing::round_trip;
    use crate::events::*;

    /// Decodes `payload` as `T` the way `#[fc::invoke]` does, serializes it back and
    /// compares with the payload, as JSON values: `T` keeps every field.
    fn exact<T>(payload: &Payload) -> T
    where
        T: DeserializeOwned + Serialize + PartialEq + Debug,
    {
        round_trip(payload.text().expect("a JSON payload"))
    }

    #[test]
    fn every_payload_decodes_as_its_type_and_round_trips() {
        for payload in ALL {
            let name = payload.name();
            match name {
                "timer" => {
                    exact::<TimerEvent>(payload);
                }
                "oss" => {
                    exact::<OssEvent>(payload);
                }
                "sls" => {
                    exact::<SlsEvent>(payload);
                }
                "mns-topic" => {
                    exact::<MnsTopicEvent>(payload);
                }
                "mns-topic-stream" => {
                    exact::<MnsTopicStreamEvent>(payload);
                }
                "mns-queue" => {
                    exact::<MnsQueueEvent>(payload);
                }
                "rocketmq" => {
                    exact::<RocketMqEvent>(payload);
                }
                "rabbitmq" => {
                    exact::<CloudEventBatch<RabbitMqData>>(payload);
                }
                "mqtt" => {
                    exact::<Vec<MqttData>>(payload);
                }
                "dts" => {
                    exact::<CloudEventBatch<DtsData>>(payload);
                }
                "datahub" => {
                    exact::<DataHubEvent>(payload);
                }
                "cdn" => {
                    exact::<CdnEvent>(payload);
                }
                "http-trigger" => {
                    exact::<HttpTriggerEvent>(payload);
                }
                "tablestore-json" => {
                    exact::<TablestoreEvent>(payload);
                }
                "async-destination" => {
                    exact::<AsyncDestinationEvent>(payload);
                }
                "kafka" => {
                    // Every field is kept, but EventBridge sends each event as a
                    // JSON-encoded string and the batch serializes the objects: compare
                    // with the decoded strings.
                    let batch: CloudEventBatch<KafkaData> = exact_lossless_kafka(payload);
                    assert_eq!(batch.len(), 1);
                }
                "tablestore" => {
                    // CBOR on the wire: decode it, and compare the typed event,
                    // serialized, with the CBOR decoded as plain data.
                    let Cbor(ev) = Cbor::<TablestoreEvent>::from_slice(payload.bytes())
                        .expect("the CBOR payload decodes");
                    let plain: Value =
                        ciborium::from_reader(payload.bytes()).expect("CBOR as plain data");
                    assert_eq!(serde_json::to_value(&ev).unwrap(), plain);
                    assert_eq!(payload.text(), None);
                }
                other => panic!("no round-trip check for payload `{other}`"),
            }
        }
    }

    fn exact_lossless_kafka(payload: &Payload) -> CloudEventBatch<KafkaData> {
        let text = payload.text().unwrap();
        let batch: CloudEventBatch<KafkaData> = crate::events::testing::parse(text);
        let decoded: Vec<Value> = serde_json::from_str::<Vec<String>>(text)
            .unwrap()
            .iter()
            .map(|event| serde_json::from_str(event).unwrap())
            .collect();
        assert_eq!(serde_json::to_value(&batch).unwrap(), Value::Array(decoded));
        batch
    }

    #[test]
    fn names_are_unique_kebab_case_and_found() {
        let mut names = BTreeSet::new();
        for payload in ALL {
            let name = payload.name();
            assert!(names.insert(name), "{name} twice");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{name}"
            );
            assert_eq!(find(name), Some(payload));
            assert!(!payload.description().is_empty());
            assert!(!payload.bytes().is_empty());
            if payload.format() == Format::Json {
                let text = payload.text().expect("UTF-8");
                serde_json::from_str::<Value>(text).expect("valid JSON");
            }
        }
        assert_eq!(find("nope"), None);
        assert_eq!(Format::Cbor.content_type(), "application/cbor");
    }

    #[test]
    fn every_file_in_the_directory_is_a_payload() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/events/payloads");
        let files: BTreeSet<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name != "README.md")
            .collect();
        let named: BTreeSet<String> = ALL
            .iter()
            .map(|p| {
                let ext = match p.format() {
                    Format::Json => "json",
                    Format::Cbor => "cbor",
                };
                format!("{}.{ext}", p.name())
            })
            .collect();
        assert_eq!(files, named);
    }
}
