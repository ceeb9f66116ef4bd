//! The API Gateway trigger's request; its response is
//! [`ApiGatewayResponse`](super::ApiGatewayResponse).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::body::{self, BodyDecodeError};

/// What API Gateway sends when its backend is a function in event mode.
///
/// Answer with an [`ApiGatewayResponse`](super::ApiGatewayResponse).
///
/// ```
/// use fc::events::{ApiGatewayRequest, ApiGatewayResponse};
///
/// #[fc::invoke]
/// async fn api(req: ApiGatewayRequest) -> Result<ApiGatewayResponse, fc::Error> {
///     let body = req.body_bytes()?;
///     Ok(format!("{} {}: {} bytes", req.http_method, req.path, body.len()).into())
/// }
///
/// let req = ApiGatewayRequest {
///     http_method: "POST".into(),
///     body: "aGk=".into(),
///     is_base64_encoded: true,
///     ..Default::default()
/// };
/// assert_eq!(req.body_bytes()?.as_ref(), b"hi");
/// # Ok::<(), fc::events::BodyDecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGatewayRequest {
    /// The request path, e.g. `/users/42`.
    pub path: String,
    /// The method, e.g. `GET`.
    pub http_method: String,
    /// The request headers; look one up with [`header`](Self::header).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The query parameters.
    #[serde(default)]
    pub query_parameters: BTreeMap<String, String>,
    /// The parameters of the API's path template (`/users/[id]` gives `id`).
    #[serde(default)]
    pub path_parameters: BTreeMap<String, String>,
    /// The body: text, or base64 when `is_base64_encoded`; see
    /// [`body_bytes`](Self::body_bytes).
    #[serde(default)]
    pub body: String,
    /// Whether `body` is base64.
    #[serde(default)]
    pub is_base64_encoded: bool,
}

impl ApiGatewayRequest {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testing::{parse, parse_error, round_trip};

    /// The fields the contract documents (no literal sample is published).
    const DOCUMENTED: &str = r#"{
        "path": "/users/42",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/octet-stream", "X-Ca-Request-Id": "r-1"},
        "queryParameters": {"verbose": "1"},
        "pathParameters": {"id": "42"},
        "body": "AAH+/w==",
        "isBase64Encoded": true
    }"#;

    #[test]
    fn documented_fields_round_trip() {
        let req: ApiGatewayRequest = round_trip(DOCUMENTED);
        assert_eq!(req.path, "/users/42");
        assert_eq!(req.http_method, "POST");
        assert_eq!(req.header("content-type"), Some("application/octet-stream"));
        assert_eq!(req.query_parameters["verbose"], "1");
        assert_eq!(req.path_parameters["id"], "42");
        assert_eq!(req.body_bytes().unwrap().as_ref(), [0, 1, 254, 255]);
    }

    #[test]
    fn only_path_and_method_are_required() {
        let req: ApiGatewayRequest =
            parse(r#"{"path": "/", "httpMethod": "GET", "stage": "RELEASE"}"#);
        assert_eq!(
            req,
            ApiGatewayRequest {
                path: "/".into(),
                http_method: "GET".into(),
                ..Default::default()
            }
        );
        assert_eq!(req.body_bytes().unwrap().as_ref(), b"");
        let message = parse_error::<ApiGatewayRequest>(r#"{"path": "/"}"#);
        assert!(
            message.starts_with("invalid event: missing field `httpMethod`"),
            "{message}"
        );
        let message = parse_error::<ApiGatewayRequest>(
            r#"{"path": "/", "httpMethod": "GET", "headers": {"a": 1}}"#,
        );
        assert!(
            message.starts_with("invalid event: headers.a: invalid type: integer `1`"),
            "{message}"
        );
    }
}
