//! The CDN events trigger.

use serde::{Deserialize, Serialize};

/// What a CDN events trigger sends: one or more CDN events.
///
/// The parameters differ by event: `CachedObjectsRefreshed`, `CachedObjectsPushed` and
/// `CachedObjectsBlocked` carry `object_path`, `object_type`, `task_id`,
/// `create_time` and `complete_time`; `LogFileCreated` carries `file_path`,
/// `file_size`, `start_time` and `end_time`; `CdnDomainStarted`, `CdnDomainStopped`,
/// `CdnDomainAdded` and `CdnDomainDeleted` carry `status`. So every parameter is an
/// `Option`.
///
/// ```
/// use fc::events::CdnEvent;
///
/// #[fc::invoke]
/// async fn on_cdn(ev: CdnEvent) -> String {
///     let mut paths = Vec::new();
///     for e in ev.events.iter().filter(|e| e.event_name == "CachedObjectsRefreshed") {
///         paths.extend(e.event_parameter.object_path.iter().flatten().cloned());
///     }
///     paths.join("\n")
/// }
///
/// let ev = CdnEvent::default();
/// assert!(ev.events.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CdnEvent {
    /// The events, usually one.
    pub events: Vec<CdnEventRecord>,
}

/// One event of a [`CdnEvent`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CdnEventRecord {
    /// What happened (`CachedObjectsRefreshed`, `LogFileCreated`, `CdnDomainStarted`, …).
    pub event_name: String,
    /// The version of the event format (`1.0.0`).
    pub event_version: String,
    /// `cdn`.
    pub event_source: String,
    /// The region (`cn-hangzhou`).
    pub region: String,
    /// When it happened, RFC 3339 (`2018-03-16T14:19:55+08:00`).
    pub event_time: String,
    /// The trace id of the event.
    pub trace_id: String,
    /// What the event is about.
    pub resource: CdnResource,
    /// The event's parameters; which are set depends on `event_name`.
    pub event_parameter: CdnEventParameter,
    /// The account the event belongs to.
    pub user_identity: CdnUserIdentity,
}

/// The resource of a [`CdnEventRecord`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CdnResource {
    /// The accelerated domain.
    pub domain: String,
}

/// The parameters of a [`CdnEventRecord`]: the union of every CDN event's, each set
/// only for the events that carry it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CdnEventParameter {
    /// The accelerated domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Refreshed, pushed or blocked objects: their paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_path: Option<Vec<String>>,
    /// Refreshed, pushed or blocked objects: `File` or `Directory`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    /// Refreshed, pushed or blocked objects: the CDN task id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<u64>,
    /// Refreshed, pushed or blocked objects: when the task was created, in seconds
    /// since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<i64>,
    /// Refreshed, pushed or blocked objects: when the task completed, in seconds since
    /// the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_time: Option<i64>,
    /// `LogFileCreated`: the log file's path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_path: Option<String>,
    /// `LogFileCreated`: the log file's size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size: Option<u64>,
    /// `LogFileCreated`: the start of the period the file covers, in seconds since the
    /// Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<i64>,
    /// `LogFileCreated`: the end of the period the file covers, in seconds since the
    /// Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<i64>,
    /// Domain events: the domain's status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// The account of a [`CdnEventRecord`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CdnUserIdentity {
    /// The account id.
    pub ali_uid: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testing::{fixture, parse, parse_error, round_trip, with};
    use serde_json::{Value, json};

    const SAMPLE: &str = fixture!("cdn");

    #[test]
    fn refreshed_sample_round_trips() {
        let ev: CdnEvent = round_trip(SAMPLE);
        assert_eq!(ev.events.len(), 1);
        let e = &ev.events[0];
        assert_eq!(e.event_name, "CachedObjectsRefreshed");
        assert_eq!(e.event_version, "1.0.0");
        assert_eq!(e.event_source, "cdn");
        assert_eq!(e.region, "cn-hangzhou");
        assert_eq!(e.event_time, "2018-03-16T14:19:55+08:00");
        assert_eq!(e.trace_id, "cf89e5a8-7d59-4bb5-a33e-4c3d08e25acf");
        assert_eq!(e.resource.domain, "example.com");
        assert_eq!(e.user_identity.ali_uid, "1xxxxxxxxxx");
        assert_eq!(
            e.event_parameter,
            CdnEventParameter {
                domain: Some("example.com".into()),
                object_path: Some(vec![
                    "/2018/03/16/13/33b430c57e7.mp4".into(),
                    "/2018/03/16/14/4ff6b9bd54d.mp4".into()
                ]),
                object_type: Some("File".into()),
                task_id: Some(2089687230),
                create_time: Some(1521180769),
                complete_time: Some(1521180777),
                ..Default::default()
            }
        );
    }

    #[test]
    fn other_events_carry_other_parameters() {
        let mut v: Value = serde_json::from_str(SAMPLE).unwrap();
        v["events"][0]["eventName"] = json!("LogFileCreated");
        v["events"][0]["eventParameter"] = json!({
            "domain": "example.com", "endTime": 1521180000, "fileSize": 1024,
            "filePath": "http://cdnlog.cn-hangzhou.oss.aliyun-inc.com/example.com/2018_03_16/x.gz",
            "startTime": 1521176400, "newParameter": true
        });
        let ev: CdnEvent = parse(&v.to_string());
        let p = &ev.events[0].event_parameter;
        assert_eq!(p.file_size, Some(1024));
        assert_eq!(p.start_time, Some(1521176400));
        assert_eq!(p.end_time, Some(1521180000));
        assert_eq!(p.object_path, None);
        v["events"][0]["eventParameter"] = json!({"domain": "example.com", "status": "online"});
        let ev: CdnEvent = round_trip(&v.to_string());
        assert_eq!(
            ev.events[0].event_parameter.status.as_deref(),
            Some("online")
        );
    }

    #[test]
    fn errors_name_the_field() {
        let v: Value = serde_json::from_str(SAMPLE).unwrap();
        let json = with(v, "/events/0/eventParameter", "taskId", json!("t-1"));
        let message = parse_error::<CdnEvent>(&json);
        assert!(
            message.starts_with(
                "invalid event: events[0].eventParameter.taskId: invalid type: string \"t-1\""
            ),
            "{message}"
        );
    }
}
