//! Records of asynchronous invocations, as FC sends them to a destination function.

use serde::{Deserialize, Serialize};

/// What FC sends to a destination function when an asynchronous invocation succeeds
/// or fails.
///
/// ```
/// use fc::events::AsyncDestinationEvent;
///
/// #[fc::invoke]
/// async fn on_failure(ev: AsyncDestinationEvent) -> String {
///     let r = &ev.request_context;
///     format!("{} failed ({}) after {} tries", r.request_id, r.condition, r.approximate_invoke_count)
/// }
///
/// let ev = AsyncDestinationEvent { timestamp: 1660120276975, ..Default::default() };
/// assert_eq!(ev.response_context.status_code, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AsyncDestinationEvent {
    /// When the record was made, in milliseconds since the Unix epoch.
    pub timestamp: i64,
    /// The invocation the record is about.
    pub request_context: AsyncDestinationRequestContext,
    /// The event the invocation received.
    #[serde(default)]
    pub request_payload: String,
    /// How the invocation ended.
    pub response_context: AsyncDestinationResponseContext,
    /// What the invocation returned.
    #[serde(default)]
    pub response_payload: String,
}

/// The invocation of an [`AsyncDestinationEvent`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AsyncDestinationRequestContext {
    /// The invocation's request id.
    pub request_id: String,
    /// The invoked function (`acs:fc:<region>:<account>:functions/<name>`).
    pub function_arn: String,
    /// Why the record was sent (`FunctionResourceExhausted`, …).
    pub condition: String,
    /// How many times FC tried the invocation.
    pub approximate_invoke_count: u32,
}

/// How the invocation of an [`AsyncDestinationEvent`] ended.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AsyncDestinationResponseContext {
    /// The invocation's status code.
    pub status_code: u16,
    /// The function's error type; empty when it did not fail.
    #[serde(default)]
    pub function_error: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testing::{fixture, parse, parse_error, round_trip, with, without};
    use serde_json::{Value, json};

    const SAMPLE: &str = fixture!("async-destination");

    #[test]
    fn sample_round_trips() {
        let ev: AsyncDestinationEvent = round_trip(SAMPLE);
        assert_eq!(
            ev,
            AsyncDestinationEvent {
                timestamp: 1660120276975,
                request_context: AsyncDestinationRequestContext {
                    request_id: "xxx".into(),
                    function_arn: "acs:fc:{regionid}:{accountid}:functions/xxxx".into(),
                    condition: "FunctionResourceExhausted".into(),
                    approximate_invoke_count: 3,
                },
                request_payload: String::new(),
                response_context: AsyncDestinationResponseContext {
                    status_code: 200,
                    function_error: String::new(),
                },
                response_payload: String::new(),
            }
        );
    }

    #[test]
    fn payloads_may_be_missing_and_extras_are_ignored() {
        let v: Value = serde_json::from_str(SAMPLE).unwrap();
        let json = without(v, "", "requestPayload");
        let json = with(
            serde_json::from_str(&json).unwrap(),
            "",
            "version",
            json!("v1"),
        );
        let ev: AsyncDestinationEvent = parse(&json);
        assert_eq!(ev.request_payload, "");
    }

    #[test]
    fn errors_name_the_field() {
        let v: Value = serde_json::from_str(SAMPLE).unwrap();
        let json = with(v, "/responseContext", "statusCode", json!("OK"));
        let message = parse_error::<AsyncDestinationEvent>(&json);
        assert!(
            message.starts_with(
                "invalid event: responseContext.statusCode: invalid type: string \"OK\""
            ),
            "{message}"
        );
    }
}
