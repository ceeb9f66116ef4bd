//! FC 3.0's HTTP trigger event (the JSON form built-in runtimes receive); its response
//! is [`HttpTriggerResponse`](super::HttpTriggerResponse).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::body::{self, BodyDecodeError};

/// An HTTP request in FC 3.0's event format.
///
/// Built-in runtimes receive HTTP triggers in this form; a custom runtime normally gets
/// the request itself (see `#[fc::http]`), but can still receive this event through
/// the Invoke API. Answer with an [`HttpTriggerResponse`](super::HttpTriggerResponse).
///
/// ```
/// use fc::events::{HttpTriggerEvent, HttpTriggerResponse};
///
/// #[fc::invoke]
/// async fn web(req: HttpTriggerEvent) -> Result<HttpTriggerResponse, fc::Error> {
///     let who = req.query_parameters.get("name").map_or("world", String::as_str);
///     let body = req.body_bytes()?;
///     Ok(format!("hello {who}, you sent {} bytes to {}", body.len(), req.raw_path).into())
/// }
///
/// let req = HttpTriggerEvent { raw_path: "/example".into(), ..Default::default() };
/// assert_eq!(req.body_bytes()?.as_ref(), b"");
/// # Ok::<(), fc::events::BodyDecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpTriggerEvent {
    /// The event format's version (`v1`).
    pub version: String,
    /// The path, undecoded.
    pub raw_path: String,
    /// The body: text, or base64 when `is_base64_encoded`; see
    /// [`body_bytes`](Self::body_bytes).
    #[serde(default)]
    pub body: String,
    /// Whether `body` is base64.
    #[serde(default)]
    pub is_base64_encoded: bool,
    /// The request headers, repeated ones joined with commas; look one up with
    /// [`header`](Self::header).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The query parameters, repeated ones joined with commas.
    #[serde(default)]
    pub query_parameters: BTreeMap<String, String>,
    /// About the request: account, domain, method, client, time.
    pub request_context: HttpTriggerRequestContext,
}

impl HttpTriggerEvent {
    /// The body's bytes: base64-decoded when `is_base64_encoded`.
    ///
    /// # Errors
    /// When the body is marked base64 but is not.
    pub fn body_bytes(&self) -> Result<Cow<'_, [u8]>, BodyDecodeError> {
        body::decode(&self.body, self.is_base64_encoded)
    }

    /// The value of header `name`, whatever its case.
    pub fn header(&self, name: &str) -> Option<&str> {
        body::header(&self.headers, name)
    }
}

/// The request context of an [`HttpTriggerEvent`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpTriggerRequestContext {
    /// The account id (masked in samples).
    pub account_id: String,
    /// The domain the request came to (`<trigger-id>.<region>.fcapp.run`).
    pub domain_name: String,
    /// The first label of `domain_name`.
    pub domain_prefix: String,
    /// The HTTP request line and client.
    pub http: HttpTriggerHttpInfo,
    /// FC's request id.
    pub request_id: String,
    /// When the request arrived, RFC 3339 (`2023-09-05T06:41:11Z`).
    pub time: String,
    /// When the request arrived, in milliseconds since the Unix epoch, as text
    /// (`"1693896071895"`).
    pub time_epoch: String,
}

/// The HTTP request line and client of an [`HttpTriggerRequestContext`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpTriggerHttpInfo {
    /// The method (`GET`).
    pub method: String,
    /// The path (`/example`).
    pub path: String,
    /// The protocol (`HTTP/1.1`).
    pub protocol: String,
    /// The client's IP address.
    pub source_ip: String,
    /// The client's `User-Agent` (empty when it sent none).
    #[serde(default)]
    pub user_agent: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testing::{fixture, parse, parse_error, round_trip, with, without};
    use serde_json::{Value, json};

    const SAMPLE: &str = fixture!("http-trigger");

    fn sample() -> Value {
        serde_json::from_str(SAMPLE).unwrap()
    }

    #[test]
    fn sample_round_trips() {
        let req: HttpTriggerEvent = round_trip(SAMPLE);
        assert_eq!(req.version, "v1");
        assert_eq!(req.raw_path, "/example");
        assert_eq!(req.body, "Hello FC!");
        assert!(!req.is_base64_encoded);
        assert_eq!(req.body_bytes().unwrap().as_ref(), b"Hello FC!");
        assert_eq!(req.header("Header2"), Some("value1,value2"));
        assert_eq!(req.query_parameters["parameter1"], "value1");
        let ctx = &req.request_context;
        assert_eq!(ctx.account_id, "123456*********");
        assert_eq!(ctx.domain_name, "<http-trigger-id>.<region-id>.fcapp.run");
        assert_eq!(ctx.domain_prefix, "<http-trigger-id>");
        assert_eq!(
            ctx.http,
            HttpTriggerHttpInfo {
                method: "GET".into(),
                path: "/example".into(),
                protocol: "HTTP/1.1".into(),
                source_ip: "11.11.11.**".into(),
                user_agent: "PostmanRuntime/7.32.3".into(),
            }
        );
        assert_eq!(ctx.request_id, "1-64f6cd87-*************");
        assert_eq!(ctx.time, "2023-09-05T06:41:11Z");
        assert_eq!(ctx.time_epoch, "1693896071895");
    }

    #[test]
    fn binary_bodies_and_missing_optional_fields() {
        let mut v = sample();
        v["body"] = json!("iVBORw==");
        v["isBase64Encoded"] = json!(true);
        let req: HttpTriggerEvent = parse(&v.to_string());
        assert_eq!(req.body_bytes().unwrap().as_ref(), b"\x89PNG");
        let mut v = sample();
        for key in ["body", "isBase64Encoded", "headers", "queryParameters"] {
            v = serde_json::from_str(&without(v, "", key)).unwrap();
        }
        let v: Value =
            serde_json::from_str(&without(v, "/requestContext/http", "userAgent")).unwrap();
        let req: HttpTriggerEvent = parse(&with(v, "", "cookies", json!(["a=b"])));
        assert_eq!(req.body, "");
        assert!(req.headers.is_empty() && req.query_parameters.is_empty());
        assert_eq!(req.request_context.http.user_agent, "");
    }

    #[test]
    fn errors_name_the_field() {
        let json = without(sample(), "/requestContext/http", "method");
        let message = parse_error::<HttpTriggerEvent>(&json);
        assert!(
            message.starts_with("invalid event: requestContext.http: missing field `method`"),
            "{message}"
        );
    }
}
