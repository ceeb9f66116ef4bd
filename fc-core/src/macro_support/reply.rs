//! How an `#[fc::invoke]` handler's return value becomes FC's answer: a `Result` is
//! split into success or failure, and a success goes out raw or as JSON by type.

use std::borrow::Cow;

use bytes::Bytes;
use serde::Serialize;

use crate::error::{Error, Fail, Failure};
use crate::macro_support::Probe;

pub(crate) use crate::routes::Reply;

impl Reply {
    /// No body: what the initializer and the hooks answer.
    pub(crate) fn empty() -> Self {
        Reply {
            body: Bytes::new(),
            content_type: "application/octet-stream",
        }
    }
}

/// Errors a handler may return.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error of an fc function",
    label = "does not convert into `fc::Error`",
    note = "return an error that implements `std::error::Error + Send + Sync + 'static`, a `String`, `&str`, `fc::Error`, or convert with `.map_err(fc::Error::new)`"
)]
pub trait IntoFcError: Into<Error> {}
impl<E: Into<Error>> IntoFcError for E {}

/// `Result<T, E>` returns: `Ok` goes on, `Err` becomes the failure. Every `Result`
/// takes this path, so an error that does not convert is a compile error, never a
/// success.
#[doc(hidden)]
pub trait SplitResult<T, E> {
    fn split(&self, value: Result<T, E>) -> Result<T, Fail>
    where
        E: IntoFcError;
}

impl<T, E> SplitResult<T, E> for &Probe<Result<T, E>> {
    fn split(&self, value: Result<T, E>) -> Result<T, Fail>
    where
        E: IntoFcError,
    {
        value.map_err(|e| Fail(Failure::from_error(e.into())))
    }
}

/// Any other return type is a success.
#[doc(hidden)]
pub trait SplitPlain<T> {
    fn split(&self, value: T) -> Result<T, Fail>;
}

impl<T> SplitPlain<T> for Probe<T> {
    fn split(&self, value: T) -> Result<T, Fail> {
        Ok(value)
    }
}

/// Return types that go out as they are.
#[doc(hidden)]
pub trait RawBody {
    const CONTENT_TYPE: &'static str;
    fn into_body(self) -> Bytes;
}

const TEXT: &str = "text/plain; charset=utf-8";
const OCTETS: &str = "application/octet-stream";

impl RawBody for String {
    const CONTENT_TYPE: &'static str = TEXT;
    fn into_body(self) -> Bytes {
        Bytes::from(self)
    }
}

impl RawBody for &'static str {
    const CONTENT_TYPE: &'static str = TEXT;
    fn into_body(self) -> Bytes {
        Bytes::from_static(self.as_bytes())
    }
}

impl RawBody for Cow<'static, str> {
    const CONTENT_TYPE: &'static str = TEXT;
    fn into_body(self) -> Bytes {
        match self {
            Cow::Borrowed(s) => s.into_body(),
            Cow::Owned(s) => s.into_body(),
        }
    }
}

impl RawBody for Vec<u8> {
    const CONTENT_TYPE: &'static str = OCTETS;
    fn into_body(self) -> Bytes {
        Bytes::from(self)
    }
}

impl RawBody for Bytes {
    const CONTENT_TYPE: &'static str = OCTETS;
    fn into_body(self) -> Bytes {
        self
    }
}

impl RawBody for () {
    const CONTENT_TYPE: &'static str = OCTETS;
    fn into_body(self) -> Bytes {
        Bytes::new()
    }
}

/// Return types sent as JSON.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the body of an `#[fc::invoke]` response",
    label = "not a response body",
    note = "return `String`, `&'static str`, `Vec<u8>`, `fc::Bytes` or `()` (sent as they are), a type that implements `serde::Serialize` (sent as JSON), or `Result<T, E>` of these with `E: Into<fc::Error>`"
)]
pub trait JsonBody: Serialize {}
impl<T: Serialize> JsonBody for T {}

/// `size_hint` is the event's size: a JSON reply reserves that much up front, since a
/// response is often about as large as its event, and regrowing a buffer of many
/// megabytes holds two of them at once.
#[doc(hidden)]
pub trait ReplyRaw<T> {
    fn reply(&self, value: T, size_hint: usize) -> Result<Reply, Fail>;
}

impl<T: RawBody> ReplyRaw<T> for &Probe<T> {
    fn reply(&self, value: T, _size_hint: usize) -> Result<Reply, Fail> {
        Ok(Reply {
            body: value.into_body(),
            content_type: T::CONTENT_TYPE,
        })
    }
}

#[doc(hidden)]
pub trait ReplyJson<T> {
    fn reply(&self, value: T, size_hint: usize) -> Result<Reply, Fail>
    where
        T: JsonBody;
}

impl<T> ReplyJson<T> for Probe<T> {
    fn reply(&self, value: T, size_hint: usize) -> Result<Reply, Fail>
    where
        T: JsonBody,
    {
        let mut json = Vec::with_capacity(size_hint.max(128));
        match serde_json::to_writer(&mut json, &value).map(|()| json) {
            Ok(json) => Ok(Reply {
                body: Bytes::from(json),
                content_type: "application/json",
            }),
            Err(e) => Err(Fail(Failure::new(
                "SerializationError",
                format!("the result could not be serialized as JSON: {e}"),
            ))),
        }
    }
}

#[cfg(test)]
// The `&&` is the point: it is what the generated code writes.
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;
    use crate::macro_support::probe;

    #[derive(Serialize)]
    struct Order {
        id: u64,
        qty: u32,
    }

    #[test]
    fn returns_are_raw_or_json_by_type() {
        fn reply<T>(value: T) -> (Bytes, &'static str)
        where
            for<'a> &'a Probe<T>: ReplyRaw<T>,
        {
            let r = (&&probe(&value)).reply(value, 0).ok().unwrap();
            (r.body, r.content_type)
        }
        assert_eq!(
            reply(String::from("hi")),
            (Bytes::from("hi"), "text/plain; charset=utf-8")
        );
        assert_eq!(reply(()).0, Bytes::new());
        let json = (&&probe(&Order { id: 1, qty: 2 }))
            .reply(Order { id: 1, qty: 2 }, 16)
            .ok()
            .unwrap();
        assert_eq!(json.body, Bytes::from(r#"{"id":1,"qty":2}"#));
        assert_eq!(json.content_type, "application/json");
    }

    #[test]
    fn results_split_into_ok_or_failure() {
        let ok: Result<u8, Error> = Ok(1);
        assert_eq!((&&probe(&ok)).split(ok).ok(), Some(1));
        let err: Result<u8, &str> = Err("nope");
        let fail = (&&probe(&err)).split(err).err().unwrap();
        assert_eq!(fail.0.body.error_message, "nope");
        let plain = 5_u8;
        assert_eq!((&&probe(&plain)).split(plain).ok(), Some(5));
    }
}
