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
//! | Trigger | Event argument | Notes |
//! |---|---|---|
//! | Timer | [`TimerEvent`] | |
//! | OSS (native) | [`OssEvent`] | one or more records in `events` |
//! | Log Service (SLS) | [`SlsEvent`] | |
//! | MNS topic, JSON format | [`MnsTopicEvent`] | message attributes land in `attributes` |
//! | MNS topic, STREAM format with attributes | [`MnsTopicStreamEvent`] | without attributes the body is the raw message: take `String` |
//! | MNS queue (EventBridge) | [`MnsQueueEvent`] or [`CloudEventBatch<MnsQueueData>`] | |
//! | RocketMQ (EventBridge) | [`RocketMqEvent`] or [`CloudEventBatch<RocketMqData>`] | batch delivery sends an array |
//! | Kafka (EventBridge) | [`CloudEventBatch<KafkaData>`] | an array of JSON-encoded strings |
//! | RabbitMQ (EventBridge) | [`CloudEventBatch<RabbitMqData>`] or [`RabbitMqEvent`] | the body is JSON when the message is |
//! | MQTT (EventBridge) | `Vec<`[`MqttData`]`>` | as documented, without a CloudEvents envelope; with one, [`CloudEventBatch<MqttData>`] |
//! | DTS change tracking (EventBridge) | [`CloudEventBatch<DtsData>`] or [`DtsEvent`] | rows before and after the change |
//! | DataHub (its Function Compute connector) | [`DataHubEvent`] | |
//! | Any EventBridge source with the RawData event schema | `Vec<T>` of its data type | no envelope, e.g. `Vec<RabbitMqData>` |
//! | Any other EventBridge source | [`CloudEvent<T>`] or [`CloudEventBatch<T>`] | `T` defaults to `serde_json::Value` |
//! | CDN | [`CdnEvent`] | |
//! | API Gateway | [`ApiGatewayRequest`], answer [`ApiGatewayResponse`] | |
//! | HTTP trigger event (FC 3.0 event format) | [`HttpTriggerEvent`], answer [`HttpTriggerResponse`] | |
//! | Tablestore | [`Cbor<TablestoreEvent>`](Cbor) | Tablestore sends CBOR; [`TablestoreEvent`] alone parses the JSON rendering |
//! | Async invocation destination | [`AsyncDestinationEvent`] | |
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

    /// A sample from `payloads/`, by file name.
    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("payloads/", $name))
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
