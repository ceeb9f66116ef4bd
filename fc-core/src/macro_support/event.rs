//! What an `#[fc::invoke]` handler receives: the [`Invocation`] the endpoint hands
//! the generated closure, and the event decoded from its body, raw or JSON by type.

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::context::Context;
use crate::error::{Fail, Failure};
use crate::macro_support::Probe;
use crate::state::State;

#[doc(hidden)]
pub use crate::routes::Invocation;

impl Invocation {
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    pub fn context(&self) -> Context {
        self.context.clone()
    }

    pub fn state<T: Send + Sync + 'static>(&self) -> Result<State<T>, Fail> {
        self.states.get::<T>().map_err(Fail)
    }
}

/// Event types that receive the raw body.
#[doc(hidden)]
pub trait RawEvent: Sized {
    fn from_body(body: &Bytes) -> Result<Self, Fail>;
}

impl RawEvent for Bytes {
    fn from_body(body: &Bytes) -> Result<Self, Fail> {
        Ok(body.clone())
    }
}

impl RawEvent for Vec<u8> {
    fn from_body(body: &Bytes) -> Result<Self, Fail> {
        Ok(body.to_vec())
    }
}

impl RawEvent for String {
    fn from_body(body: &Bytes) -> Result<Self, Fail> {
        String::from_utf8(body.to_vec()).map_err(|e| {
            Fail(Failure::new(
                "InvalidEvent",
                format!("the event is not valid UTF-8: {e}"),
            ))
        })
    }
}

/// Event types parsed from JSON.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an `#[fc::invoke]` event",
    label = "not an event type",
    note = "an event is `String`, `Vec<u8>` or `fc::Bytes` (the raw body), or a type that implements `serde::Deserialize` (parsed from JSON)",
    note = "the other arguments a handler may take are `fc::Context` and `fc::State<T>`, recognised by those names: a renamed import or a type alias of them counts as the event"
)]
pub trait JsonEvent: DeserializeOwned {}
impl<T: DeserializeOwned> JsonEvent for T {}

#[doc(hidden)]
pub trait DecodeRaw<T> {
    fn decode(&self, body: &Bytes) -> Result<T, Fail>;
}

impl<T: RawEvent> DecodeRaw<T> for &Probe<T> {
    fn decode(&self, body: &Bytes) -> Result<T, Fail> {
        T::from_body(body)
    }
}

#[doc(hidden)]
pub trait DecodeJson<T> {
    fn decode(&self, body: &Bytes) -> Result<T, Fail>
    where
        T: JsonEvent;
}

impl<T> DecodeJson<T> for Probe<T> {
    fn decode(&self, body: &Bytes) -> Result<T, Fail>
    where
        T: JsonEvent,
    {
        decode_json(body).map_err(Fail)
    }
}

/// Parses JSON; on failure, parses again to name the path of the offending field.
pub(crate) fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(body).map_err(|error| {
        let mut de = serde_json::Deserializer::from_slice(body);
        let path = match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(e) => e.path().to_string(),
            Ok(_) => String::new(),
        };
        // "." is the root and "?" a place serde could not name: no path worth printing.
        let message = if path.is_empty() || path == "." || path == "?" {
            error.to_string()
        } else {
            format!("{path}: {error}")
        };
        Failure::new("InvalidEvent", format!("invalid event: {message}"))
    })
}

#[cfg(test)]
// The `&&` is the point: it is what the generated code writes.
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Order {
        id: u64,
        qty: u32,
    }

    #[test]
    fn events_are_raw_or_json_by_type() {
        let body = Bytes::from_static(br#"{"id": 1, "qty": 2}"#);
        let s: String = (&&Probe::<String>::new()).decode(&body).ok().unwrap();
        assert_eq!(s, r#"{"id": 1, "qty": 2}"#);
        let v: Vec<u8> = (&&Probe::<Vec<u8>>::new()).decode(&body).ok().unwrap();
        assert_eq!(v, body.to_vec());
        let order: Order = (&&Probe::<Order>::new()).decode(&body).ok().unwrap();
        assert_eq!(order, Order { id: 1, qty: 2 });
        let value: serde_json::Value = (&&Probe::<serde_json::Value>::new())
            .decode(&body)
            .ok()
            .unwrap();
        assert_eq!(value["qty"], 2);
    }

    #[test]
    fn json_errors_name_field_line_and_column() {
        let cases = [
            (
                &br#"{"id": 1, "qty": "two"}"#[..],
                "invalid event: qty: invalid type: string \"two\", expected u32 at line 1 column 22",
            ),
            (
                br#"{"id": 1}"#,
                "invalid event: missing field `qty` at line 1 column 9",
            ),
            (
                br#"{"id": 1, "#,
                "invalid event: EOF while parsing a value at line 1 column 10",
            ),
            (
                b"",
                "invalid event: EOF while parsing a value at line 1 column 0",
            ),
        ];
        for (body, want) in cases {
            let failure = decode_json::<Order>(body).unwrap_err();
            assert_eq!(failure.body.error_type, "InvalidEvent");
            assert_eq!(failure.body.error_message, want);
        }
        let not_utf8 = Bytes::from_static(b"\xff\xfe");
        let err = (&&Probe::<String>::new()).decode(&not_utf8).err().unwrap();
        assert_eq!(err.0.body.error_type, "InvalidEvent");
    }
}
