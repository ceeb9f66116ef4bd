//! The Timer trigger.

use serde::{Deserialize, Serialize};

/// What a Timer trigger sends each time it fires.
///
/// ```
/// use fc::events::TimerEvent;
///
/// #[fc::invoke]
/// async fn tick(ev: TimerEvent) -> String {
///     format!("{} fired at {} with {:?}", ev.trigger_name, ev.trigger_time, ev.payload)
/// }
///
/// let ev: TimerEvent = serde_json::from_str(
///     r#"{"triggerTime": "2018-02-09T05:49:00Z", "triggerName": "nightly", "payload": "full"}"#,
/// )?;
/// assert_eq!(ev.trigger_name, "nightly");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimerEvent {
    /// When the timer fired, RFC 3339 in UTC (`2018-02-09T05:49:00Z`).
    pub trigger_time: String,
    /// The trigger's name.
    pub trigger_name: String,
    /// The text configured as the trigger's payload; empty when none is configured.
    #[serde(default)]
    pub payload: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testing::{fixture, parse, parse_error, round_trip, with, without};
    use serde_json::json;

    const SAMPLE: &str = fixture!("timer");

    #[test]
    fn sample() {
        let ev: TimerEvent = round_trip(SAMPLE);
        assert_eq!(
            ev,
            TimerEvent {
                trigger_time: "2018-02-09T05:49:00Z".into(),
                trigger_name: "timer-trigger".into(),
                payload: "awesome-fc".into(),
            }
        );
    }

    #[test]
    fn payload_may_be_missing_and_extra_fields_are_ignored() {
        let sample: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        let ev: TimerEvent = parse(&without(sample.clone(), "", "payload"));
        assert_eq!(ev.payload, "");
        let ev: TimerEvent = parse(&with(sample, "", "newField", json!({"a": 1})));
        assert_eq!(ev.payload, "awesome-fc");
    }

    #[test]
    fn missing_name_is_named() {
        let sample: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        let message = parse_error::<TimerEvent>(&without(sample, "", "triggerName"));
        assert!(
            message.starts_with("invalid event: missing field `triggerName`"),
            "{message}"
        );
    }
}
