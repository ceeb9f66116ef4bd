//! The Log Service (SLS) trigger.

use serde::{Deserialize, Serialize};

/// What a Log Service (SLS) trigger sends: a range of one shard to process.
///
/// The event carries no logs: read the range `begin_cursor..end_cursor` of
/// `source.shard_id` with the SLS API.
///
/// ```
/// use fc::events::SlsEvent;
///
/// #[fc::invoke]
/// async fn on_logs(ev: SlsEvent) -> String {
///     let s = &ev.source;
///     format!("{}/{} shard {}: {}..{}", s.project_name, s.logstore_name, s.shard_id, s.begin_cursor, s.end_cursor)
/// }
///
/// let ev = SlsEvent { job_name: "etl".into(), ..Default::default() };
/// assert!(ev.parameter.is_null());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlsEvent {
    /// The function parameter configured on the trigger (any JSON, usually an object).
    #[serde(default)]
    pub parameter: serde_json::Value,
    /// The shard and the cursor range to process.
    pub source: SlsSource,
    /// The name of the SLS ETL job.
    pub job_name: String,
    /// The id of this task of the job.
    pub task_id: String,
    /// When the data in the range was written, in seconds since the Unix epoch.
    pub cursor_time: i64,
}

/// The shard and range of an [`SlsEvent`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlsSource {
    /// The SLS endpoint (`http://cn-shanghai-intranet.log.aliyuncs.com`).
    pub endpoint: String,
    /// The project.
    pub project_name: String,
    /// The Logstore.
    pub logstore_name: String,
    /// The shard.
    pub shard_id: u32,
    /// The first cursor of the range.
    pub begin_cursor: String,
    /// The cursor after the range.
    pub end_cursor: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testing::{fixture, parse, parse_error, round_trip, with, without};
    use serde_json::{Value, json};

    const SAMPLE: &str = fixture!("sls");

    #[test]
    fn sample_round_trips() {
        let ev: SlsEvent = round_trip(SAMPLE);
        assert_eq!(ev.parameter, json!({}));
        assert_eq!(
            ev.source,
            SlsSource {
                endpoint: "http://cn-shanghai-intranet.log.aliyuncs.com".into(),
                project_name: "log-com".into(),
                logstore_name: "log-en".into(),
                shard_id: 0,
                begin_cursor: "MTUyOTQ4MDIwOTY1NTk3ODQ2Mw==".into(),
                end_cursor: "MTUyOTQ4MDIwOTY1NTk3ODQ2NA==".into(),
            }
        );
        assert_eq!(ev.job_name, "1f7043ced683de1a4e3d8d70b5a412843d817a39");
        assert_eq!(ev.task_id, "c2691505-38da-4d1b-998a-f1d4bb8c9994");
        assert_eq!(ev.cursor_time, 1529486425);
    }

    #[test]
    fn parameter_is_any_json_or_missing_and_extras_are_ignored() {
        let sample: Value = serde_json::from_str(SAMPLE).unwrap();
        let json = with(sample.clone(), "", "parameter", json!({"bucket": "b"}));
        assert_eq!(parse::<SlsEvent>(&json).parameter["bucket"], "b");
        let ev: SlsEvent = parse(&without(sample.clone(), "", "parameter"));
        assert_eq!(ev.parameter, Value::Null);
        let ev: SlsEvent = parse(&with(sample, "/source", "region", json!("cn-shanghai")));
        assert_eq!(ev.source.shard_id, 0);
    }

    #[test]
    fn errors_name_the_field() {
        let sample: Value = serde_json::from_str(SAMPLE).unwrap();
        let message = parse_error::<SlsEvent>(&with(sample, "/source", "shardId", json!(-1)));
        assert!(
            message.starts_with("invalid event: source.shardId: invalid value: integer `-1`"),
            "{message}"
        );
    }
}
