//! The native OSS trigger.

use serde::{Deserialize, Serialize};

/// What a native OSS trigger sends: one or more object events.
///
/// ```
/// use fc::events::OssEvent;
///
/// #[fc::invoke]
/// async fn on_upload(ev: OssEvent) -> Result<String, fc::Error> {
///     let record = ev.events.first().ok_or("no event")?;
///     Ok(format!("{} {}/{}", record.event_name, record.oss.bucket.name, record.oss.object.key))
/// }
///
/// let mut ev = OssEvent::default();
/// ev.events.push(Default::default());
/// ev.events[0].oss.object.key = "image/a.jpg".into();
/// assert_eq!(ev.events[0].oss.object.key, "image/a.jpg");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OssEvent {
    /// The events, usually one.
    pub events: Vec<OssEventRecord>,
}

/// One object event of an [`OssEvent`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OssEventRecord {
    /// What happened, e.g. `ObjectCreated:PutObject` or `ObjectRemoved:DeleteObject`.
    pub event_name: String,
    /// `acs:oss`.
    pub event_source: String,
    /// When it happened, RFC 3339 (`2017-04-21T12:46:37.000Z`).
    pub event_time: String,
    /// The version of the event format (`1.0`).
    pub event_version: String,
    /// The bucket and the object.
    pub oss: OssEntity,
    /// The bucket's region (`cn-shanghai`).
    pub region: String,
    /// About the request that caused the event.
    pub request_parameters: OssRequestParameters,
    /// About OSS's response to it.
    pub response_elements: OssResponseElements,
    /// Who made the request.
    pub user_identity: OssUserIdentity,
}

/// The bucket and object of an [`OssEventRecord`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OssEntity {
    /// The bucket.
    pub bucket: OssBucket,
    /// The object.
    pub object: OssObject,
    /// The version of the `oss` part of the event (`1.0`).
    pub oss_schema_version: String,
    /// The id of the notification rule that matched.
    pub rule_id: String,
}

/// The bucket of an [`OssEntity`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OssBucket {
    /// `acs:oss:<region>:<account>:<bucket>`.
    pub arn: String,
    /// The bucket's name.
    pub name: String,
    /// The owner's account id.
    pub owner_identity: String,
    /// The virtual bucket, usually empty.
    #[serde(default)]
    pub virtual_bucket: String,
}

/// The object of an [`OssEntity`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OssObject {
    /// The object's key (its path in the bucket), URL-encoded as OSS sends it.
    pub key: String,
    /// The object's size in bytes (0 when the event carries none).
    #[serde(default)]
    pub size: u64,
    /// The object's ETag (empty when the event carries none).
    #[serde(default)]
    pub e_tag: String,
    /// How much the bucket grew in bytes; negative when an object shrank or went away.
    #[serde(default)]
    pub delta_size: i64,
    /// The object's metadata, when OSS sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_meta: Option<OssObjectMeta>,
}

/// The metadata of an [`OssObject`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OssObjectMeta {
    /// The object's content type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
}

/// The request of an [`OssEventRecord`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OssRequestParameters {
    /// The client's IP address (masked in samples).
    #[serde(rename = "sourceIPAddress")]
    pub source_ip_address: String,
}

/// OSS's response of an [`OssEventRecord`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OssResponseElements {
    /// OSS's request id.
    pub request_id: String,
}

/// The requester of an [`OssEventRecord`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OssUserIdentity {
    /// The requester's account (or RAM user) id.
    pub principal_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testing::{fixture, parse, parse_error, round_trip, with, without};
    use serde_json::{Value, json};

    const SAMPLE: &str = fixture!("oss");

    fn sample() -> Value {
        serde_json::from_str(SAMPLE).unwrap()
    }

    #[test]
    fn sample_round_trips() {
        let ev: OssEvent = round_trip(SAMPLE);
        assert_eq!(ev.events.len(), 1);
        let record = &ev.events[0];
        assert_eq!(record.event_name, "ObjectCreated:PutObject");
        assert_eq!(record.event_time, "2017-04-21T12:46:37.000Z");
        assert_eq!(record.region, "cn-shanghai");
        assert_eq!(record.oss.bucket.name, "testbucket");
        assert_eq!(record.oss.bucket.virtual_bucket, "");
        assert_eq!(
            record.oss.object,
            OssObject {
                key: "image/a.jpg".into(),
                size: 122539,
                e_tag: "688A7BF4F233DC9C88A80BF985AB7329".into(),
                delta_size: 122539,
                object_meta: None,
            }
        );
        assert_eq!(
            record.request_parameters.source_ip_address,
            "140.205.***.***"
        );
        assert_eq!(
            record.response_elements.request_id,
            "58F9FF2D3DF792092E12044C"
        );
        assert_eq!(record.user_identity.principal_id, "123456789");
    }

    #[test]
    fn object_meta_when_present_and_extra_fields() {
        let json = with(
            sample(),
            "/events/0/oss/object",
            "objectMeta",
            json!({"mimeType": "image/jpeg", "userMeta": {"x": "y"}}),
        );
        let ev: OssEvent = parse(&json);
        assert_eq!(
            ev.events[0].oss.object.object_meta,
            Some(OssObjectMeta {
                mime_type: Some("image/jpeg".into())
            })
        );
        let json = with(sample(), "/events/0", "xEventExtra", json!([1, 2]));
        assert_eq!(parse::<OssEvent>(&json), parse::<OssEvent>(SAMPLE));
    }

    #[test]
    fn removals_without_size_or_etag_and_negative_delta() {
        let mut v = sample();
        v["events"][0]["oss"]["object"]["deltaSize"] = json!(-122539);
        let json = without(v, "/events/0/oss/object", "size");
        let json = without(
            serde_json::from_str(&json).unwrap(),
            "/events/0/oss/object",
            "eTag",
        );
        let ev: OssEvent = parse(&json);
        assert_eq!(ev.events[0].oss.object.size, 0);
        assert_eq!(ev.events[0].oss.object.e_tag, "");
        assert_eq!(ev.events[0].oss.object.delta_size, -122539);
    }

    #[test]
    fn errors_name_the_field() {
        let mut v = sample();
        v["events"][0]["oss"]["object"]["size"] = json!("big");
        let message = parse_error::<OssEvent>(&v.to_string());
        assert!(
            message.starts_with(
                "invalid event: events[0].oss.object.size: invalid type: string \"big\", expected u64"
            ),
            "{message}"
        );
        let message = parse_error::<OssEvent>(&without(sample(), "/events/0/oss/object", "key"));
        assert!(
            message.starts_with("invalid event: events[0].oss.object: missing field `key`"),
            "{message}"
        );
    }
}
