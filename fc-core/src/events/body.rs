//! Bodies that travel as text in a JSON event, base64-encoded when binary.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A body marked `isBase64Encoded` that is not valid base64.
///
/// ```
/// let req = fc::events::ApiGatewayRequest {
///     body: "not base64!".into(),
///     is_base64_encoded: true,
///     ..Default::default()
/// };
/// let err = req.body_bytes().unwrap_err();
/// assert!(err.to_string().starts_with("the body is marked isBase64Encoded but is not base64"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyDecodeError(base64::DecodeError);

impl fmt::Display for BodyDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the body is marked isBase64Encoded but is not base64: {}",
            self.0
        )
    }
}

impl std::error::Error for BodyDecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// The bytes of `body`: decoded when `is_base64_encoded`, else its UTF-8 bytes.
pub(crate) fn decode(
    body: &str,
    is_base64_encoded: bool,
) -> Result<Cow<'_, [u8]>, BodyDecodeError> {
    if is_base64_encoded {
        STANDARD
            .decode(body)
            .map(Cow::Owned)
            .map_err(BodyDecodeError)
    } else {
        Ok(Cow::Borrowed(body.as_bytes()))
    }
}

/// `bytes` as standard, padded base64.
pub(crate) fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// The value of header `name` in `headers`, matched without regard to ASCII case.
pub(crate) fn header<'a>(
    headers: &'a std::collections::BTreeMap<String, String>,
    name: &str,
) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_bodies_are_borrowed_and_base64_is_decoded() {
        assert!(matches!(decode("hi", false), Ok(Cow::Borrowed(b"hi"))));
        assert_eq!(decode("aGk=", true).unwrap().as_ref(), b"hi");
        assert_eq!(decode("", true).unwrap().as_ref(), b"");
        assert_eq!(encode(&[0, 255, 1]), "AP8B");
        assert_eq!(
            decode(&encode(&[0, 255, 1]), true).unwrap().as_ref(),
            [0, 255, 1]
        );
    }

    #[test]
    fn invalid_base64_says_so() {
        let err = decode("a", true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the body is marked isBase64Encoded but is not base64: Invalid input length: 1"
        );
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn headers_match_in_any_case() {
        let headers = [("Content-Type".to_owned(), "text/plain".to_owned())].into();
        assert_eq!(header(&headers, "content-type"), Some("text/plain"));
        assert_eq!(header(&headers, "CONTENT-TYPE"), Some("text/plain"));
        assert_eq!(header(&headers, "accept"), None);
    }
}
