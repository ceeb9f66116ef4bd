//! The Tablestore trigger: changed rows of a table's stream.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a Tablestore trigger sends: the rows a table's stream changed.
///
/// Tablestore sends it **CBOR-encoded**: take [`Cbor<TablestoreEvent>`](super::Cbor)
/// as the event. `TablestoreEvent` alone parses the JSON rendering of the same data
/// (handy in tests and when another function forwards the records as JSON).
///
/// ```
/// use fc::events::{Cbor, TablestoreEvent};
///
/// #[fc::invoke]
/// async fn on_rows(ev: Cbor<TablestoreEvent>) -> String {
///     let mut lines = Vec::new();
///     for record in &ev.records {
///         let pk: Vec<String> = record.primary_key.iter().map(|c| format!("{}={}", c.column_name, c.value)).collect();
///         lines.push(format!("{} {}", record.r#type, pk.join(",")));
///     }
///     lines.join("\n")
/// }
///
/// let ev = TablestoreEvent { version: "Sync-v1".into(), ..Default::default() };
/// assert!(ev.records.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TablestoreEvent {
    /// The payload version (`Sync-v1`).
    pub version: String,
    /// The changed rows.
    pub records: Vec<TablestoreRecord>,
}

/// One changed row of a [`TablestoreEvent`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TablestoreRecord {
    /// The operation: `PutRow`, `UpdateRow` or `DeleteRow`.
    pub r#type: String,
    /// When the change was made.
    pub info: TablestoreRecordInfo,
    /// The row's primary key, column by column.
    pub primary_key: Vec<TablestorePrimaryKeyColumn>,
    /// The changed attribute columns (none for `DeleteRow`).
    #[serde(default)]
    pub columns: Vec<TablestoreColumn>,
}

/// The time of a [`TablestoreRecord`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TablestoreRecordInfo {
    /// When the row was changed, in microseconds since the Unix epoch.
    pub timestamp: i64,
}

/// One primary-key column of a [`TablestoreRecord`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TablestorePrimaryKeyColumn {
    /// The column's name.
    pub column_name: String,
    /// The column's value.
    pub value: TablestoreValue,
}

/// One changed attribute column of a [`TablestoreRecord`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TablestoreColumn {
    /// The change: `Put`, `DeleteOneVersion` or `DeleteAllVersions`.
    pub r#type: String,
    /// The column's name.
    pub column_name: String,
    /// The new value (`None` for deletions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<TablestoreValue>,
    /// The version of the cell, in milliseconds since the Unix epoch (`None` for
    /// `DeleteAllVersions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
}

/// A Tablestore cell value: integer, double, string, boolean or binary.
///
/// In CBOR a binary value is a byte string; in JSON it is read from (and written as)
/// an array of byte values. `Display` prints the value as text (binary as hex).
///
/// ```
/// use fc::events::TablestoreValue;
///
/// let v: TablestoreValue = serde_json::from_str("1506416585881590900")?;
/// assert_eq!(v.as_i64(), Some(1506416585881590900));
/// let v: TablestoreValue = serde_json::from_str(r#""hello""#)?;
/// assert_eq!(v.as_str(), Some("hello"));
/// assert_eq!(TablestoreValue::Binary(vec![0xca, 0xfe]).to_string(), "cafe");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum TablestoreValue {
    /// A 64-bit integer.
    Integer(i64),
    /// A double.
    Double(f64),
    /// A string.
    String(String),
    /// A boolean.
    Boolean(bool),
    /// Binary data.
    Binary(Vec<u8>),
}

/// `Integer(0)`.
impl Default for TablestoreValue {
    fn default() -> Self {
        TablestoreValue::Integer(0)
    }
}

impl TablestoreValue {
    /// The integer, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            TablestoreValue::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The double, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            TablestoreValue::Double(d) => Some(*d),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            TablestoreValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            TablestoreValue::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// The bytes, if this is binary.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            TablestoreValue::Binary(b) => Some(b),
            _ => None,
        }
    }
}

impl fmt::Display for TablestoreValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TablestoreValue::Integer(i) => write!(f, "{i}"),
            TablestoreValue::Double(d) => write!(f, "{d}"),
            TablestoreValue::String(s) => f.write_str(s),
            TablestoreValue::Boolean(b) => write!(f, "{b}"),
            TablestoreValue::Binary(bytes) => bytes.iter().try_for_each(|b| write!(f, "{b:02x}")),
        }
    }
}

impl Serialize for TablestoreValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            TablestoreValue::Integer(i) => serializer.serialize_i64(*i),
            TablestoreValue::Double(d) => serializer.serialize_f64(*d),
            TablestoreValue::String(s) => serializer.serialize_str(s),
            TablestoreValue::Boolean(b) => serializer.serialize_bool(*b),
            TablestoreValue::Binary(bytes) => serializer.serialize_bytes(bytes),
        }
    }
}

impl<'de> Deserialize<'de> for TablestoreValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor;

        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = TablestoreValue;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Tablestore value (integer, double, string, boolean or bytes)")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(TablestoreValue::Integer(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v)
                    .map(TablestoreValue::Integer)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(TablestoreValue::Double(v))
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(TablestoreValue::Boolean(v))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TablestoreValue::String(v.to_owned()))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(TablestoreValue::String(v))
            }

            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(TablestoreValue::Binary(v.to_vec()))
            }

            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
                Ok(TablestoreValue::Binary(v))
            }

            // Binary in JSON: an array of byte values.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(byte) = seq.next_element::<u8>()? {
                    bytes.push(byte);
                }
                Ok(TablestoreValue::Binary(bytes))
            }
        }

        deserializer.deserialize_any(ValueVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testing::{fixture, parse, parse_error, round_trip};
    use serde_json::{Value, json};

    const SAMPLE: &str = fixture!("tablestore-json");

    #[test]
    fn json_rendering_round_trips() {
        let ev: TablestoreEvent = round_trip(SAMPLE);
        assert_eq!(ev.version, "Sync-v1");
        assert_eq!(ev.records.len(), 1);
        let record = &ev.records[0];
        assert_eq!(record.r#type, "PutRow");
        assert_eq!(record.info.timestamp, 1506416585740836);
        assert_eq!(
            record.primary_key,
            vec![
                TablestorePrimaryKeyColumn {
                    column_name: "pk_0".into(),
                    value: TablestoreValue::Integer(1506416585881590900)
                },
                TablestorePrimaryKeyColumn {
                    column_name: "pk_1".into(),
                    value: TablestoreValue::String("2017-09-26 17:03:05.8815909 +0800 CST".into())
                },
                TablestorePrimaryKeyColumn {
                    column_name: "pk_2".into(),
                    value: TablestoreValue::Integer(1506416585741000)
                },
            ]
        );
        assert_eq!(
            record.columns,
            vec![
                TablestoreColumn {
                    r#type: "Put".into(),
                    column_name: "attr_0".into(),
                    value: Some(TablestoreValue::String("hello_table_store".into())),
                    timestamp: Some(1506416585741),
                },
                TablestoreColumn {
                    r#type: "Put".into(),
                    column_name: "attr_1".into(),
                    value: Some(TablestoreValue::Integer(1506416585881590900)),
                    timestamp: Some(1506416585741),
                },
            ]
        );
    }

    #[test]
    fn every_value_kind_and_deletions() {
        let json = json!({
            "Version": "Sync-v1",
            "Records": [
                {"Type": "UpdateRow", "Info": {"Timestamp": 1}, "PrimaryKey": [{"ColumnName": "pk", "Value": -5}],
                 "Columns": [
                    {"Type": "Put", "ColumnName": "d", "Value": 1.5, "Timestamp": 2},
                    {"Type": "Put", "ColumnName": "b", "Value": true, "Timestamp": 2},
                    {"Type": "Put", "ColumnName": "bin", "Value": [0, 255], "Timestamp": 2},
                    {"Type": "DeleteOneVersion", "ColumnName": "old", "Timestamp": 1},
                    {"Type": "DeleteAllVersions", "ColumnName": "gone"}
                 ]},
                {"Type": "DeleteRow", "Info": {"Timestamp": 3}, "PrimaryKey": [{"ColumnName": "pk", "Value": "k"}], "Extra": 1}
            ]
        });
        let ev: TablestoreEvent = parse(&json.to_string());
        let columns = &ev.records[0].columns;
        assert_eq!(ev.records[0].primary_key[0].value.as_i64(), Some(-5));
        assert_eq!(columns[0].value, Some(TablestoreValue::Double(1.5)));
        assert_eq!(
            columns[1].value.as_ref().and_then(TablestoreValue::as_bool),
            Some(true)
        );
        assert_eq!(
            columns[2].value,
            Some(TablestoreValue::Binary(vec![0, 255]))
        );
        assert_eq!((&columns[3].value, columns[3].timestamp), (&None, Some(1)));
        assert_eq!((&columns[4].value, columns[4].timestamp), (&None, None));
        assert!(ev.records[1].columns.is_empty());
        // Binary goes out as an array of byte values in JSON and comes back the same.
        let out = serde_json::to_value(&ev).unwrap();
        assert_eq!(out["Records"][0]["Columns"][2]["Value"], json!([0, 255]));
        assert_eq!(serde_json::from_value::<TablestoreEvent>(out).unwrap(), ev);
    }

    #[test]
    fn display_and_accessors() {
        let values = [
            (TablestoreValue::Integer(-1), "-1"),
            (TablestoreValue::Double(0.5), "0.5"),
            (TablestoreValue::String("s".into()), "s"),
            (TablestoreValue::Boolean(false), "false"),
            (TablestoreValue::Binary(vec![0, 171]), "00ab"),
        ];
        for (value, text) in values {
            assert_eq!(value.to_string(), text);
        }
        assert_eq!(TablestoreValue::default(), TablestoreValue::Integer(0));
        assert_eq!(TablestoreValue::Double(0.5).as_f64(), Some(0.5));
        assert_eq!(TablestoreValue::Binary(vec![1]).as_bytes(), Some(&[1][..]));
        assert_eq!(TablestoreValue::Integer(1).as_str(), None);
    }

    #[test]
    fn errors_name_the_field() {
        let mut v: Value = serde_json::from_str(SAMPLE).unwrap();
        v["Records"][0]["PrimaryKey"][1]["Value"] = json!(null);
        let message = parse_error::<TablestoreEvent>(&v.to_string());
        assert!(
            message.starts_with("invalid event: Records[0].PrimaryKey[1].Value: invalid type: null, expected a Tablestore value"),
            "{message}"
        );
        v["Records"][0]["PrimaryKey"][1]["Value"] = json!(u64::MAX);
        let message = parse_error::<TablestoreEvent>(&v.to_string());
        assert!(
            message.starts_with("invalid event: Records[0].PrimaryKey[1].Value: invalid value: integer `18446744073709551615`"),
            "{message}"
        );
    }
}
