//! What a function answers to an HTTP-style event (API Gateway, FC 3.0's HTTP trigger
//! event): `{statusCode, headers, isBase64Encoded, body}`, and a builder for it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::body::{self, BodyDecodeError};

/// The content type of a response made from a string.
const TEXT: &str = "text/plain; charset=utf-8";

/// Defines a response type and its builder; both response types have the same shape.
macro_rules! response {
    ($(#[$doc:meta])* $name:ident, $builder:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// The HTTP status code.
            pub status_code: u16,
            /// The response headers (one value each).
            #[serde(default)]
            pub headers: BTreeMap<String, String>,
            /// Whether `body` is base64 (a binary body).
            #[serde(default)]
            pub is_base64_encoded: bool,
            /// The body: text, or base64 when `is_base64_encoded`.
            #[serde(default)]
            pub body: String,
        }

        /// Status 200, no headers, an empty body.
        impl Default for $name {
            fn default() -> Self {
                Self {
                    status_code: 200,
                    headers: BTreeMap::new(),
                    is_base64_encoded: false,
                    body: String::new(),
                }
            }
        }

        impl $name {
            /// A builder that starts at status 200, without headers, with an empty body.
            pub fn builder() -> $builder {
                $builder::default()
            }

            /// The body's bytes: base64-decoded when `is_base64_encoded`.
            ///
            /// # Errors
            /// When the body is marked base64 but is not.
            pub fn body_bytes(&self) -> Result<Cow<'_, [u8]>, BodyDecodeError> {
                body::decode(&self.body, self.is_base64_encoded)
            }
        }

        /// Status 200 with the string as a `text/plain; charset=utf-8` body.
        impl From<String> for $name {
            fn from(text: String) -> Self {
                $builder::default()
                    .header("content-type", TEXT)
                    .body(text)
                    .build()
            }
        }

        /// Status 200 with the string as a `text/plain; charset=utf-8` body.
        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self::from(text.to_owned())
            }
        }

        #[doc = concat!("Builds a [`", stringify!($name), "`]: `", stringify!($name), "::builder()`, then status, headers and body, then `build()`.")]
        ///
        /// A binary body given to [`binary_body`](Self::binary_body) is base64-encoded
        /// and marked so; a text body given to [`body`](Self::body) goes as it is.
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct $builder {
            response: $name,
        }

        impl $builder {
            /// Sets the status code (200 unless set).
            pub fn status(mut self, status_code: u16) -> Self {
                self.response.status_code = status_code;
                self
            }

            /// Sets a header, replacing an earlier value of the same name.
            pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                self.response.headers.insert(name.into(), value.into());
                self
            }

            /// Sets a text body.
            pub fn body(mut self, text: impl Into<String>) -> Self {
                self.response.body = text.into();
                self.response.is_base64_encoded = false;
                self
            }

            /// Sets a binary body: base64-encoded, with `isBase64Encoded: true`.
            pub fn binary_body(mut self, bytes: impl AsRef<[u8]>) -> Self {
                self.response.body = body::encode(bytes.as_ref());
                self.response.is_base64_encoded = true;
                self
            }

            /// The response.
            pub fn build(self) -> $name {
                self.response
            }
        }
    };
}

response! {
    /// What a function answers to an [`HttpTriggerEvent`](super::HttpTriggerEvent):
    /// `{statusCode, headers, isBase64Encoded, body}`.
    ///
    /// A `String` or `&str` converts into a 200 text response; the builder sets status,
    /// headers and a text or binary body.
    ///
    /// ```
    /// use fc::events::{HttpTriggerEvent, HttpTriggerResponse};
    ///
    /// #[fc::invoke]
    /// async fn web(req: HttpTriggerEvent) -> HttpTriggerResponse {
    ///     match req.request_context.http.path.as_str() {
    ///         "/hello" => "hello".into(),
    ///         "/logo.png" => HttpTriggerResponse::builder()
    ///             .header("content-type", "image/png")
    ///             .binary_body([0x89, b'P', b'N', b'G'])
    ///             .build(),
    ///         _ => HttpTriggerResponse::builder().status(404).body("no such page").build(),
    ///     }
    /// }
    ///
    /// let png = HttpTriggerResponse::builder().binary_body([0x89, b'P', b'N', b'G']).build();
    /// assert!(png.is_base64_encoded);
    /// assert_eq!(png.body, "iVBORw==");
    /// assert_eq!(png.body_bytes()?.as_ref(), b"\x89PNG");
    /// # Ok::<(), fc::events::BodyDecodeError>(())
    /// ```
    HttpTriggerResponse, HttpTriggerResponseBuilder
}

response! {
    /// What a function answers to an [`ApiGatewayRequest`](super::ApiGatewayRequest):
    /// `{isBase64Encoded, statusCode, headers, body}`.
    ///
    /// A `String` or `&str` converts into a 200 text response; the builder sets status,
    /// headers and a text or binary body.
    ///
    /// ```
    /// use fc::events::{ApiGatewayRequest, ApiGatewayResponse};
    ///
    /// #[fc::invoke]
    /// async fn api(req: ApiGatewayRequest) -> ApiGatewayResponse {
    ///     match req.path_parameters.get("id") {
    ///         Some(id) => ApiGatewayResponse::builder()
    ///             .header("content-type", "application/json")
    ///             .body(format!(r#"{{"id":"{id}"}}"#))
    ///             .build(),
    ///         None => ApiGatewayResponse::builder().status(400).body("no id").build(),
    ///     }
    /// }
    ///
    /// let ok = ApiGatewayResponse::from("done");
    /// assert_eq!((ok.status_code, ok.body.as_str()), (200, "done"));
    /// assert_eq!(ok.headers["content-type"], "text/plain; charset=utf-8");
    /// ```
    ApiGatewayResponse, ApiGatewayResponseBuilder
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_are_200_text() {
        let r = HttpTriggerResponse::from("hi");
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({
                "statusCode": 200,
                "headers": {"content-type": "text/plain; charset=utf-8"},
                "isBase64Encoded": false,
                "body": "hi",
            })
        );
        assert_eq!(HttpTriggerResponse::from(String::from("hi")), r);
        let r = ApiGatewayResponse::from("hi");
        assert_eq!((r.status_code, r.body.as_str()), (200, "hi"));
    }

    #[test]
    fn builder_sets_status_headers_and_binary_body() {
        let r = HttpTriggerResponse::builder()
            .status(201)
            .header("x-a", "1")
            .header("x-a", "2")
            .header("content-type", "application/octet-stream")
            .binary_body(vec![0_u8, 1, 254, 255])
            .build();
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({
                "statusCode": 201,
                "headers": {"x-a": "2", "content-type": "application/octet-stream"},
                "isBase64Encoded": true,
                "body": "AAH+/w==",
            })
        );
        assert_eq!(r.body_bytes().unwrap().as_ref(), [0, 1, 254, 255]);
        // A text body afterwards replaces it and clears the flag.
        let r = ApiGatewayResponse::builder()
            .binary_body(b"x")
            .body("text")
            .build();
        assert!(!r.is_base64_encoded);
        assert_eq!(r.body_bytes().unwrap().as_ref(), b"text");
    }

    #[test]
    fn default_is_an_empty_200_and_round_trips() {
        let r = ApiGatewayResponse::default();
        assert_eq!(r, ApiGatewayResponse::builder().build());
        assert_eq!(r.status_code, 200);
        let json = json!({"isBase64Encoded": false, "statusCode": 302, "headers": {"location": "/"}, "body": ""});
        let r: ApiGatewayResponse = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(r.headers["location"], "/");
        assert_eq!(serde_json::to_value(&r).unwrap(), json);
        // Only the status is required.
        let r: HttpTriggerResponse = serde_json::from_str(r#"{"statusCode": 204}"#).unwrap();
        assert_eq!(r, HttpTriggerResponse::builder().status(204).build());
    }
}
