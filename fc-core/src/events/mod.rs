//! Typed trigger events: what Function Compute's triggers send to `POST /invoke`.
//!
//! Name one of these types as the event argument of an `#[fc::invoke]` function and
//! the body is parsed into it; a body of the wrong shape is answered with 404 and an
//! `InvalidEvent` error that names the offending field.
//!
//! ```no_run
//! use fc::events::OssEvent;
//!
//! #[fc::invoke]
//! async fn on_upload(ev: OssEvent) -> Result<String, fc::Error> {
//!     let mut keys = Vec::new();
//!     for record in &ev.events {
//!         tracing::info!(bucket = %record.oss.bucket.name, key = %record.oss.object.key, "uploaded");
//!         keys.push(record.oss.object.key.clone());
//!     }
//!     Ok(keys.join(","))
//! }
//!
//! fn main() {
//!     fc::run(fc::routes![on_upload]);
//! }
//! ```
//!
//! Every trigger fc has a real payload of, with the name `fc-local examples`,
//! `invoke --example` and `new --event` take:
//!
#![doc = fc_triggers::__events_doc_table!()]
//!
//! And events without a payload here:
//!
//! | Event | Event argument | Notes |
//! |---|---|---|
//! | API Gateway | [`ApiGatewayRequest`], answer [`ApiGatewayResponse`] | |
//! | Any EventBridge source with the RawData event schema | `Vec<T>` of its data type | no envelope, e.g. `Vec<RabbitMqData>` |
//! | Any other EventBridge source | [`CloudEvent<T>`] or [`CloudEventBatch<T>`] | `T` defaults to `serde_json::Value` |
//!
//! # Conventions
//! - Rust fields are the snake_case names of the JSON fields (`eventName` is
//!   `event_name`, `TopicName` is `topic_name`, `specversion` is `spec_version`,
//!   `type` is `r#type`); serialization writes the wire names back.
//! - Unknown fields are ignored, so new fields FC adds do not break a function. Where
//!   the set of keys is open (MNS message attributes, CloudEvent extension attributes)
//!   the unknown ones are kept in a map.
//! - Fields that real events may omit are `Option`; maps and lists that may be
//!   missing default to empty.
//! - Timestamps stay as they arrive: RFC 3339 text as `String`, epoch numbers as
//!   integers (the unit is in each field's docs). fc depends on no date-time crate;
//!   parse them with the one your function uses.
//! - Every type implements `Default`, so tests can build an event with
//!   `..Default::default()`, and `Serialize`, so a test can send one as JSON.
//!
//! # Real payloads for tests
//! [`payloads`] holds a real body of each trigger, byte for byte as FC sends it, to
//! feed a function in its unit tests (see [`payloads`] for an example with
//! `fc::testing`).
//!
//! # Adding a trigger
//! A trigger lives in the `fc-rs-triggers` crate (`fc-triggers/`), which `fc` and
//! `fc-local` both read. Adding one touches four files:
//! 1. `fc-triggers/payloads/<name>.json` (or `.cbor`): its real body, byte for byte.
//! 2. `fc-triggers/src/lib.rs`: its row in the table (name, trigger, file, format,
//!    event type, notes, description, source, and `new`: what `fc-local new` calls it).
//! 3. `fc-triggers/templates/<name>.rs`: the `src/main.rs` of `fc-local new --event
//!    <name>`, whose test sends `payloads::<NAME>`.
//! 4. `README.md`: its row in the trigger table.
//!
//! The rest follows from the row: `payloads::<NAME>`, [`payloads::ALL`] and
//! [`payloads::find`], the table above, `fc-local examples`, `--example` and `new
//! --event`. Tests fail until the four agree: file and row (fc-triggers), template
//! compiled and its test passing (fc-triggers), README row (fc-triggers), payload
//! decoding as its event type (this module's tests).
//!
//! When no type here takes the event yet, that type comes first, as its own change:
//! its module in `fc-core/src/events/` with its tests, and in this file its `mod`,
//! its `pub use` and its arm in the test `every_payload_decodes_as_its_event_type`.
//!
//! This module is behind the `events` cargo feature of `fc`, on by default.

mod apigateway;
mod body;
mod cbor;
mod cdn;
mod cloudevent;
mod datahub;
mod destination;
mod dts;
mod http_trigger;
mod mns;
mod mqtt;
mod oss;
pub mod payloads;
mod rabbitmq;
mod response;
mod sls;
mod tablestore;
mod timer;

pub use apigateway::ApiGatewayRequest;
pub use body::BodyDecodeError;
pub use cbor::{Cbor, CborError};
pub use cdn::{CdnEvent, CdnEventParameter, CdnEventRecord, CdnResource, CdnUserIdentity};
pub use cloudevent::{
    CloudEvent, CloudEventBatch, KafkaData, KafkaEvent, KafkaHeaders, MnsQueueData, MnsQueueEvent,
    RocketMqData, RocketMqEvent,
};
pub use datahub::{DataHubEvent, DataHubRecord};
pub use destination::{
    AsyncDestinationEvent, AsyncDestinationRequestContext, AsyncDestinationResponseContext,
};
pub use dts::{
    DtsData, DtsDatabaseInfo, DtsEvent, DtsField, DtsImage, DtsIndex, DtsSchema, DtsTopicPartition,
    DtsValue,
};
pub use http_trigger::{HttpTriggerEvent, HttpTriggerHttpInfo, HttpTriggerRequestContext};
pub use mns::{MnsTopicEvent, MnsTopicStreamEvent};
pub use mqtt::{MqttData, MqttEvent, MqttProperties};
pub use oss::{
    OssBucket, OssEntity, OssEvent, OssEventRecord, OssObject, OssObjectMeta, OssRequestParameters,
    OssResponseElements, OssUserIdentity,
};
pub use rabbitmq::{RabbitMqData, RabbitMqEnvelope, RabbitMqEvent, RabbitMqProperties};
pub use response::{
    ApiGatewayResponse, ApiGatewayResponseBuilder, HttpTriggerResponse, HttpTriggerResponseBuilder,
};
pub use sls::{SlsEvent, SlsSource};
pub use tablestore::{
    TablestoreColumn, TablestoreEvent, TablestorePrimaryKeyColumn, TablestoreRecord,
    TablestoreRecordInfo, TablestoreValue,
};
pub use timer::TimerEvent;

/// Helpers for the unit tests of each event type.
#[cfg(test)]
mod testing {
    use std::fmt::Debug;

    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    /// A JSON payload of [`payloads`](super::payloads), by name, in a `const`.
    macro_rules! fixture {
        ($name:literal) => {
            match crate::events::payloads::find($name) {
                Some(payload) => match payload.text() {
                    Some(text) => text,
                    None => panic!(concat!("payload ", $name, " is not JSON")),
                },
                None => panic!(concat!("no payload ", $name)),
            }
        };
    }
    pub(crate) use fixture;

    /// Parses `json` the way `#[fc::invoke]` does, panicking with its message.
    pub(crate) fn parse<T: DeserializeOwned>(json: &str) -> T {
        match crate::macro_support::event::decode_json::<T>(json.as_bytes()) {
            Ok(value) => value,
            Err(failure) => panic!("{}", failure.body.error_message),
        }
    }

    /// The message `#[fc::invoke]` answers for `json` that does not parse as `T`.
    pub(crate) fn parse_error<T: DeserializeOwned + Debug>(json: &str) -> String {
        match crate::macro_support::event::decode_json::<T>(json.as_bytes()) {
            Ok(value) => panic!("parsed: {value:?}"),
            Err(failure) => {
                assert_eq!(failure.body.error_type, "InvalidEvent");
                failure.body.error_message
            }
        }
    }

    /// Deserializes a sample, serializes it back and deserializes that again: the
    /// value is the same, and the JSON is the sample's.
    pub(crate) fn round_trip<T>(sample: &str) -> T
    where
        T: DeserializeOwned + Serialize + PartialEq + Debug,
    {
        let event: T = parse(sample);
        let json = serde_json::to_value(&event).expect("serialize");
        let again: T = serde_json::from_value(json.clone()).expect("deserialize again");
        assert_eq!(again, event);
        let sample: Value = serde_json::from_str(sample).expect("sample is JSON");
        assert_eq!(json, sample, "serializing gives back the sample");
        event
    }

    /// `value` with `key` added to the object at `pointer`.
    pub(crate) fn with(mut value: Value, pointer: &str, key: &str, added: Value) -> String {
        value
            .pointer_mut(pointer)
            .and_then(Value::as_object_mut)
            .expect("an object at the pointer")
            .insert(key.to_owned(), added);
        value.to_string()
    }

    /// `value` without `key` in the object at `pointer`.
    pub(crate) fn without(mut value: Value, pointer: &str, key: &str) -> String {
        value
            .pointer_mut(pointer)
            .and_then(Value::as_object_mut)
            .expect("an object at the pointer")
            .remove(key)
            .expect("the key was there");
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    use super::payloads::{ALL, Payload};
    use super::testing::round_trip;
    use super::*;

    /// Decodes `payload` as `T` the way `#[fc::invoke]` does, serializes it back and
    /// compares with the payload, as JSON values: `T` keeps every field.
    fn exact<T>(payload: &Payload) -> T
    where
        T: DeserializeOwned + Serialize + PartialEq + Debug,
    {
        round_trip(payload.text().expect("a JSON payload"))
    }

    #[test]
    fn every_payload_decodes_as_its_event_type() {
        for payload in ALL {
            let name = payload.name();
            match payload.event_type() {
                "TimerEvent" => {
                    exact::<TimerEvent>(payload);
                }
                "OssEvent" => {
                    exact::<OssEvent>(payload);
                }
                "SlsEvent" => {
                    exact::<SlsEvent>(payload);
                }
                "MnsTopicEvent" => {
                    exact::<MnsTopicEvent>(payload);
                }
                "MnsTopicStreamEvent" => {
                    exact::<MnsTopicStreamEvent>(payload);
                }
                "MnsQueueEvent" => {
                    exact::<MnsQueueEvent>(payload);
                }
                "RocketMqEvent" => {
                    exact::<RocketMqEvent>(payload);
                }
                "CloudEventBatch<RabbitMqData>" => {
                    exact::<CloudEventBatch<RabbitMqData>>(payload);
                }
                "Vec<MqttData>" => {
                    exact::<Vec<MqttData>>(payload);
                }
                "CloudEventBatch<DtsData>" => {
                    exact::<CloudEventBatch<DtsData>>(payload);
                }
                "DataHubEvent" => {
                    exact::<DataHubEvent>(payload);
                }
                "CdnEvent" => {
                    exact::<CdnEvent>(payload);
                }
                "HttpTriggerEvent" => {
                    exact::<HttpTriggerEvent>(payload);
                }
                "TablestoreEvent" => {
                    exact::<TablestoreEvent>(payload);
                }
                "AsyncDestinationEvent" => {
                    exact::<AsyncDestinationEvent>(payload);
                }
                "CloudEventBatch<KafkaData>" => {
                    // Every field is kept, but EventBridge sends each event as a
                    // JSON-encoded string and the batch serializes the objects: compare
                    // with the decoded strings.
                    let batch: CloudEventBatch<KafkaData> = exact_lossless_kafka(payload);
                    assert!(!batch.is_empty(), "{name}");
                }
                "Cbor<TablestoreEvent>" => {
                    // CBOR on the wire: decode it, and compare the typed event,
                    // serialized, with the CBOR decoded as plain data.
                    let Cbor(ev) = Cbor::<TablestoreEvent>::from_slice(payload.bytes())
                        .expect("the CBOR payload decodes");
                    let plain: Value =
                        ciborium::from_reader(payload.bytes()).expect("CBOR as plain data");
                    assert_eq!(serde_json::to_value(&ev).unwrap(), plain);
                    assert_eq!(payload.text(), None);
                }
                other => {
                    panic!("{name}: no decoding check for its event type `{other}`: add one here")
                }
            }
        }
    }

    fn exact_lossless_kafka(payload: &Payload) -> CloudEventBatch<KafkaData> {
        let text = payload.text().unwrap();
        let batch: CloudEventBatch<KafkaData> = super::testing::parse(text);
        let decoded: Vec<Value> = serde_json::from_str::<Vec<String>>(text)
            .unwrap()
            .iter()
            .map(|event| serde_json::from_str(event).unwrap())
            .collect();
        assert_eq!(serde_json::to_value(&batch).unwrap(), Value::Array(decoded));
        batch
    }
}
