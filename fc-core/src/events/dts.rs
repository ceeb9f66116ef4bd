//! Data Transmission Service (DTS) change tracking, delivered by EventBridge.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::CloudEvent;

/// One change a DTS change tracking task captured, delivered by EventBridge (a DTS
/// trigger sends a batch of them: take
/// [`CloudEventBatch<DtsData>`](super::CloudEventBatch)).
pub type DtsEvent = CloudEvent<DtsData>;

/// The `data` of a DTS change ([`DtsEvent`]): which row of which table changed how,
/// with the row before and after the change.
///
/// ```
/// use fc::events::{CloudEventBatch, DtsData};
///
/// #[fc::invoke]
/// async fn on_changes(batch: CloudEventBatch<DtsData>) -> Vec<String> {
///     batch
///         .iter()
///         .map(|ev| {
///             let change = &ev.data;
///             let after = change.after_image.as_ref().and_then(|row| row.get("topic"));
///             format!(
///                 "{} {}.{}: topic = {:?}",
///                 change.operation_type,
///                 change.schema.database_name,
///                 change.schema.table_name,
///                 after.and_then(|value| value.text()),
///             )
///         })
///         .collect()
/// }
///
/// let change: DtsData = serde_json::from_value(serde_json::json!({
///     "id": 1, "topicPartition": {"hash": 0, "partition": 0, "topic": "t"}, "offset": 7,
///     "sourceTimestamp": 1654847757, "operationType": "INSERT",
///     "schema": {"databaseName": "shop", "tableName": "orders"}
/// }))?;
/// assert_eq!(change.operation_type, "INSERT");
/// assert!(change.before_image.is_none());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DtsData {
    /// The record's id in the change tracking task.
    pub id: i64,
    /// Where DTS stored the record.
    pub topic_partition: DtsTopicPartition,
    /// The record's offset in DTS's storage.
    pub offset: i64,
    /// When the change happened in the source database, in seconds since the Unix
    /// epoch.
    pub source_timestamp: i64,
    /// What changed the row: `INSERT`, `UPDATE`, `DELETE` or `DDL`.
    pub operation_type: String,
    /// The table's schema.
    #[serde(default)]
    pub schema: DtsSchema,
    /// The row before the change (`UPDATE`, `DELETE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_image: Option<DtsImage>,
    /// The row after the change (`INSERT`, `UPDATE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_image: Option<DtsImage>,
}

/// Where DTS stored a [`DtsData`] record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DtsTopicPartition {
    /// A value of DTS's storage layer.
    #[serde(default)]
    pub hash: i64,
    /// The partition.
    pub partition: i32,
    /// The topic.
    pub topic: String,
}

/// A table's schema, as DTS describes it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DtsSchema {
    /// The columns, in table order.
    #[serde(default)]
    pub record_fields: Vec<DtsField>,
    /// The columns by name.
    #[serde(default)]
    pub name_index: BTreeMap<String, DtsField>,
    /// The schema's id (`(database,database,table)`).
    #[serde(default)]
    pub schema_id: String,
    /// The database.
    #[serde(default)]
    pub database_name: String,
    /// The table.
    #[serde(default)]
    pub table_name: String,
    /// The primary key, when the table has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_index_info: Option<DtsIndex>,
    /// The unique indexes.
    #[serde(default)]
    pub unique_index_info: Vec<DtsIndex>,
    /// The foreign keys.
    #[serde(default)]
    pub foreign_index_info: Vec<DtsIndex>,
    /// The other indexes.
    #[serde(default)]
    pub normal_index_info: Vec<DtsIndex>,
    /// The source database's kind and version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_info: Option<DtsDatabaseInfo>,
    /// The table's row count, as DTS knows it (`0` when it does not).
    #[serde(default)]
    pub total_rows: i64,
}

impl DtsSchema {
    /// The column called `name`.
    pub fn field(&self, name: &str) -> Option<&DtsField> {
        self.name_index
            .get(name)
            .or_else(|| self.record_fields.iter().find(|f| f.field_name == name))
    }
}

/// A column of a [`DtsSchema`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DtsField {
    /// The column's name.
    pub field_name: String,
    /// The column's type, as the source database numbers it (for MySQL, the
    /// protocol's type codes: `8` is BIGINT, `253` is VARCHAR).
    pub raw_data_type_num: i32,
    /// Whether the column is part of the primary key.
    #[serde(default)]
    pub is_primary_key: bool,
    /// Whether the column is part of a unique key.
    #[serde(default)]
    pub is_unique_key: bool,
    /// The column's position in the row, from 0: its index in [`DtsImage::values`].
    pub field_position: usize,
}

/// An index of a [`DtsSchema`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DtsIndex {
    /// The kind of index (`PrimaryKey`, …).
    pub index_type: String,
    /// The indexed columns.
    #[serde(default)]
    pub index_fields: Vec<DtsField>,
    /// The index's cardinality, as DTS knows it.
    #[serde(default)]
    pub cardinality: i64,
    /// Whether the indexed columns may be null.
    #[serde(default)]
    pub nullable: bool,
    /// Whether this is the table's first unique index.
    #[serde(default)]
    pub is_first_unique_index: bool,
}

/// The source database of a [`DtsSchema`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DtsDatabaseInfo {
    /// The kind of database (`MySQL`).
    pub database_type: String,
    /// Its version (`5.7.35-log`).
    #[serde(default)]
    pub version: String,
}

/// A row of a [`DtsData`], before or after the change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DtsImage {
    /// The schema of the row.
    #[serde(default)]
    pub record_schema: DtsSchema,
    /// The column values, in column order (see [`DtsField::field_position`]).
    #[serde(default)]
    pub values: Vec<DtsValue>,
    /// The row's size in bytes, as DTS counts it.
    #[serde(default)]
    pub size: i64,
}

impl DtsImage {
    /// The value of the column called `name`.
    pub fn get(&self, name: &str) -> Option<&DtsValue> {
        let field = self.record_schema.field(name)?;
        self.values.get(field.field_position)
    }
}

/// A column value of a [`DtsImage`].
///
/// Numbers arrive as JSON numbers; text and binary columns as the JSON rendering of a
/// Java `ByteBuffer` (`{"hb": [104, 105], "position": 0, "limit": 2, …}`) with the
/// column's `charset`. [`bytes`](Self::bytes) and [`text`](Self::text) decode both.
///
/// A JSON `null` in place of a value parses as a `DtsValue` whose `data` is null.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct DtsValue {
    /// The value as DTS sent it.
    pub data: Value,
    /// The character set of a text column (`utf8mb4`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
}

impl<'de> Deserialize<'de> for DtsValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(default)]
            data: Value,
            #[serde(default)]
            charset: Option<String>,
        }
        let wire = Option::<Wire>::deserialize(deserializer)?;
        Ok(wire.map_or_else(Self::default, |wire| Self {
            data: wire.data,
            charset: wire.charset,
        }))
    }
}

impl DtsValue {
    /// The bytes of a text or binary value: the buffer's bytes from `position` to
    /// `limit` (both past `offset`), kept within the array. `None` when `data` is not
    /// such a buffer.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        let buffer = self.data.as_object()?;
        let array = buffer.get("hb")?.as_array()?;
        // Java bytes are signed: -1 is 0xff.
        let all: Vec<u8> = array
            .iter()
            .map(|b| {
                b.as_i64().and_then(|b| {
                    i8::try_from(b)
                        .ok()
                        .map(|b| b as u8)
                        .or_else(|| u8::try_from(b).ok())
                })
            })
            .collect::<Option<_>>()?;
        let number = |key: &str| buffer.get(key).and_then(Value::as_u64).map(|n| n as usize);
        let offset = number("offset").unwrap_or(0);
        let start = offset
            .saturating_add(number("position").unwrap_or(0))
            .min(all.len());
        let end = number("limit")
            .map_or(all.len(), |limit| offset.saturating_add(limit))
            .clamp(start, all.len());
        Some(all[start..end].to_vec())
    }

    /// The value as text: a buffer's bytes as UTF-8, a string as is, a number or
    /// boolean as written. `None` for null, and for bytes that are not UTF-8.
    pub fn text(&self) -> Option<String> {
        match &self.data {
            Value::Null => None,
            Value::String(text) => Some(text.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => String::from_utf8(self.bytes()?).ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::CloudEventBatch;
    use crate::events::testing::{fixture, parse, parse_error, with, without};
    use serde_json::json;

    const SAMPLE: &str = fixture!("dts");

    #[test]
    fn sample_round_trips() {
        let batch: CloudEventBatch<DtsData> = parse(SAMPLE);
        assert_eq!(batch.len(), 1);
        let ev = &batch.events[0];
        assert_eq!(ev.r#type, "dts:ConsumeMessage");
        assert_eq!(ev.source, "DTSstreamDemo");
        assert_eq!(ev.time.as_deref(), Some("2022-06-10T07:55:57Z"));
        let change = &ev.data;
        assert_eq!(change.id, 3210001);
        assert_eq!(
            change.topic_partition,
            DtsTopicPartition {
                hash: 0,
                partition: 0,
                topic: "cn_hangzhou_rm_1234****_test_version2".into()
            }
        );
        assert_eq!(
            (change.offset, change.source_timestamp),
            (3218099, 1654847757)
        );
        assert_eq!(change.operation_type, "UPDATE");
        let schema = &change.schema;
        assert_eq!(schema.table_name, "message_info");
        assert_eq!(schema.record_fields.len(), 2);
        assert_eq!(
            schema.field("topic").map(|f| f.raw_data_type_num),
            Some(253)
        );
        let primary = schema.primary_index_info.as_ref().unwrap();
        assert_eq!(primary.index_type, "PrimaryKey");
        assert_eq!(primary.index_fields[0].field_name, "id");
        assert_eq!(
            schema.database_info.as_ref().map(|d| d.version.as_str()),
            Some("5.7.35-log")
        );

        let before = change.before_image.as_ref().unwrap();
        let after = change.after_image.as_ref().unwrap();
        assert_eq!(
            before.get("id").and_then(DtsValue::text).as_deref(),
            Some("115")
        );
        assert_eq!(
            before.get("topic").and_then(DtsValue::text).as_deref(),
            Some("hello")
        );
        assert_eq!(
            after.get("topic").and_then(DtsValue::text).as_deref(),
            Some("bye")
        );
        assert_eq!(
            after.get("topic").unwrap().charset.as_deref(),
            Some("utf8mb4")
        );
        assert_eq!((before.size, after.size), (45, 47));
        assert!(after.get("missing").is_none());

        // Every field is kept: serialized, the batch is the sample.
        let sample: Value = serde_json::from_str(SAMPLE).unwrap();
        assert_eq!(serde_json::to_value(&batch).unwrap(), sample);
    }

    #[test]
    fn buffer_bytes_follow_position_and_limit_and_are_signed() {
        let value = DtsValue {
            data: json!({"hb": [0, 104, 105, -1, 33], "offset": 1, "position": 0, "limit": 3}),
            charset: None,
        };
        assert_eq!(value.bytes(), Some(vec![104, 105, 0xff]));
        assert_eq!(value.text(), None, "0xff is not UTF-8");
        let value = DtsValue {
            data: json!({"hb": [104, 105, 33], "position": 1}),
            charset: None,
        };
        assert_eq!(value.text().as_deref(), Some("i!"));
        let value = DtsValue {
            data: json!({"hb": [104, "x"]}),
            charset: None,
        };
        assert_eq!(value.bytes(), None);
        assert_eq!(DtsValue::default().text(), None);
        let values: Vec<DtsValue> = serde_json::from_value(json!([null, {"data": null}])).unwrap();
        assert_eq!(values, [DtsValue::default(), DtsValue::default()]);
        let huge = DtsValue {
            data: json!({"hb": [1, 2], "offset": u64::MAX, "position": u64::MAX, "limit": u64::MAX}),
            charset: None,
        };
        assert_eq!(huge.bytes(), Some(vec![]));
        let value = DtsValue {
            data: json!(2.5),
            charset: None,
        };
        assert_eq!(
            (value.bytes(), value.text().as_deref()),
            (None, Some("2.5"))
        );
    }

    proptest::proptest! {
        /// Any buffer, offsets and limit: the bytes are a slice of the array, never a
        /// panic.
        #[test]
        fn buffer_bytes_never_panic(
            hb in proptest::collection::vec(-300_i64..300, 0..16),
            offset in proptest::option::of(0_u64..20),
            position in proptest::option::of(proptest::prelude::any::<u64>()),
            limit in proptest::option::of(0_u64..40),
        ) {
            let mut data = json!({"hb": hb});
            for (key, n) in [("offset", offset), ("position", position), ("limit", limit)] {
                if let Some(n) = n {
                    data[key] = json!(n);
                }
            }
            let value = DtsValue { data, charset: None };
            let in_range = hb.iter().all(|b| (-128..=255).contains(b));
            match value.bytes() {
                Some(bytes) => {
                    proptest::prop_assert!(in_range);
                    proptest::prop_assert!(bytes.len() <= hb.len());
                }
                None => proptest::prop_assert!(!in_range),
            }
            let _ = value.text();
        }
    }

    #[test]
    fn images_may_be_missing_and_errors_name_the_field() {
        let sample: Value = serde_json::from_str(SAMPLE).unwrap();
        let insert = without(sample[0].clone(), "/data", "beforeImage");
        let ev: DtsEvent = parse(&insert);
        assert!(ev.data.before_image.is_none());
        assert!(ev.data.after_image.is_some());

        let json = with(sample[0].clone(), "/data", "offset", json!("late"));
        let message = parse_error::<DtsEvent>(&json);
        assert!(
            message.starts_with("invalid event: data.offset: invalid type: string \"late\""),
            "{message}"
        );
    }
}
