//! DataHub, through its Function Compute connector.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What DataHub's Function Compute connector sends: records written to a topic.
///
/// This is not an EventBridge delivery: DataHub calls the function itself, with its
/// own JSON shape.
///
/// ```
/// use fc::events::DataHubEvent;
///
/// #[fc::invoke]
/// async fn on_records(ev: DataHubEvent) -> Result<usize, fc::Error> {
///     let mut columns = 0;
///     for record in &ev.records {
///         columns += record.columns()?.len();
///     }
///     tracing::info!(topic = ?ev.topic(), records = ev.records.len(), "received");
///     Ok(columns)
/// }
///
/// let ev: DataHubEvent = serde_json::from_str(r#"{
///     "eventSource": "acs:datahub", "eventName": "acs:datahub:putRecord",
///     "eventSourceARN": "/projects/shop/topics/orders", "region": "cn-hangzhou",
///     "records": [{"eventId": "0:1", "systemTime": 1463000123000, "data": "[\"a\",\"1\"]"}]
/// }"#)?;
/// assert_eq!((ev.project(), ev.topic()), (Some("shop"), Some("orders")));
/// assert_eq!(ev.records[0].columns()?, ["a", "1"]);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataHubEvent {
    /// The event source, `acs:datahub`.
    pub event_source: String,
    /// The event name, `acs:datahub:putRecord`.
    pub event_name: String,
    /// The topic the records were written to: `/projects/<project>/topics/<topic>`.
    #[serde(rename = "eventSourceARN")]
    pub event_source_arn: String,
    /// The region of the DataHub project.
    #[serde(default)]
    pub region: String,
    /// The records, in the order they were written.
    #[serde(default)]
    pub records: Vec<DataHubRecord>,
}

impl DataHubEvent {
    /// The project, from [`event_source_arn`](Self::event_source_arn).
    pub fn project(&self) -> Option<&str> {
        self.arn_parts().map(|(project, _)| project)
    }

    /// The topic, from [`event_source_arn`](Self::event_source_arn).
    pub fn topic(&self) -> Option<&str> {
        self.arn_parts().map(|(_, topic)| topic)
    }

    fn arn_parts(&self) -> Option<(&str, &str)> {
        let rest = self.event_source_arn.strip_prefix("/projects/")?;
        let (project, topic) = rest.split_once("/topics/")?;
        Some((project, topic))
    }
}

/// One record of a [`DataHubEvent`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataHubRecord {
    /// The record's id: `<shard>:<sequence>`.
    pub event_id: String,
    /// When DataHub stored the record, in milliseconds since the Unix epoch.
    pub system_time: i64,
    /// The record's data, as text: for a TUPLE topic a JSON array of the column
    /// values (see [`columns`](Self::columns)).
    pub data: String,
}

impl DataHubRecord {
    /// The column values of a TUPLE topic's record: `data` parsed as a JSON array.
    pub fn columns(&self) -> Result<Vec<Value>, serde_json::Error> {
        serde_json::from_str(&self.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testing::{fixture, parse_error, round_trip, with, without};
    use serde_json::json;

    const SAMPLE: &str = fixture!("datahub");

    #[test]
    fn sample_round_trips() {
        let ev: DataHubEvent = round_trip(SAMPLE);
        assert_eq!(ev.event_source, "acs:datahub");
        assert_eq!(ev.event_name, "acs:datahub:putRecord");
        assert_eq!(ev.project(), Some("test_project_name"));
        assert_eq!(ev.topic(), Some("test_topic_name"));
        assert_eq!(ev.region, "cn-hangzhou");
        assert_eq!(
            ev.records
                .iter()
                .map(|r| (r.event_id.as_str(), r.system_time))
                .collect::<Vec<_>>(),
            [("0:12345", 1463000123000), ("0:12346", 1463000156000)]
        );
        assert_eq!(
            ev.records[0].columns().unwrap(),
            [json!("col1's value"), json!("col2's value")]
        );
    }

    #[test]
    fn odd_arns_and_blob_data() {
        let ev = DataHubEvent {
            event_source_arn: "acs:datahub:cn-hangzhou:1:projects/p/topics/t".into(),
            ..Default::default()
        };
        assert_eq!((ev.project(), ev.topic()), (None, None));
        let record = DataHubRecord {
            data: "not json".into(),
            ..Default::default()
        };
        assert!(record.columns().is_err());
    }

    #[test]
    fn errors_name_the_field() {
        let sample: Value = serde_json::from_str(SAMPLE).unwrap();
        let message = parse_error::<DataHubEvent>(&without(sample.clone(), "", "eventSourceARN"));
        assert!(
            message.starts_with("invalid event: missing field `eventSourceARN`"),
            "{message}"
        );
        let json = with(sample, "/records/1", "systemTime", json!("now"));
        let message = parse_error::<DataHubEvent>(&json);
        assert!(
            message
                .starts_with("invalid event: records[1].systemTime: invalid type: string \"now\""),
            "{message}"
        );
    }
}
