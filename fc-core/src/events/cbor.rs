//! [`Cbor<T>`]: an event that arrives CBOR-encoded (Tablestore's).

use std::cell::Cell;
use std::fmt;
use std::ops::{Deref, DerefMut};

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::Fail;
use crate::error::Failure;
use crate::macro_support::event::RawEvent;

/// An event decoded from CBOR rather than JSON.
///
/// As the event argument of an `#[fc::invoke]` function, `Cbor<T>` decodes the body as
/// CBOR into `T`; a body that is not CBOR, or not a `T`, is answered with 404 and an
/// `InvalidEvent` error naming the offending field. Tablestore sends its events this
/// way: take `Cbor<TablestoreEvent>`.
///
/// `Cbor<T>` dereferences to `T`; [`into_inner`](Self::into_inner) or `.0` gives it.
///
/// ```
/// use fc::events::{Cbor, TablestoreEvent};
///
/// #[fc::invoke]
/// async fn on_rows(ev: Cbor<TablestoreEvent>) -> String {
///     format!("{} changed rows", ev.records.len())
/// }
///
/// // {"Version": "Sync-v1", "Records": []} in CBOR:
/// let body = b"\xa2\x67Version\x67Sync-v1\x67Records\x80";
/// let ev = Cbor::<TablestoreEvent>::from_slice(body)?;
/// assert_eq!(ev.version, "Sync-v1");
///
/// let err = Cbor::<TablestoreEvent>::from_slice(b"\xa1\x67Version\x67Sync-v1").unwrap_err();
/// assert_eq!(err.to_string(), "missing field `Records`");
/// # Ok::<(), fc::events::CborError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Cbor<T>(pub T);

impl<T> Cbor<T> {
    /// The decoded event.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned> Cbor<T> {
    /// Decodes `body` as CBOR into `T`, as `#[fc::invoke]` does.
    ///
    /// Bytes after the first CBOR item are ignored.
    ///
    /// # Errors
    /// When `body` is not CBOR, ends early, or does not describe a `T`; the error
    /// names the path of the offending field.
    pub fn from_slice(body: &[u8]) -> Result<Self, CborError> {
        FAILED_AT.set(None);
        match ciborium::from_reader::<Tracked<T>, _>(body) {
            Ok(Tracked(value)) => Ok(Cbor(value)),
            Err(error) => {
                use ciborium::de::Error;
                let path = FAILED_AT
                    .take()
                    .filter(|path| !matches!(path.as_str(), "" | "." | "?"));
                let message = match error {
                    Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                        "the CBOR data ends early".to_owned()
                    }
                    Error::Io(e) => format!("the CBOR data could not be read: {e}"),
                    Error::Syntax(offset) => format!("invalid CBOR at byte {offset}"),
                    Error::Semantic(Some(offset), message) => {
                        format!("{message} (CBOR byte {offset})")
                    }
                    Error::Semantic(None, message) => message,
                    Error::RecursionLimitExceeded => "the CBOR data nests too deeply".to_owned(),
                };
                Err(CborError { path, message })
            }
        }
    }
}

impl<T> Deref for Cbor<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Cbor<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> From<T> for Cbor<T> {
    fn from(value: T) -> Self {
        Cbor(value)
    }
}

/// The event rule: `Cbor<T>` receives the raw body and decodes it itself.
impl<T: DeserializeOwned> RawEvent for Cbor<T> {
    fn from_body(body: &Bytes) -> Result<Self, Fail> {
        Cbor::from_slice(body)
            .map_err(|e| Fail(Failure::new("InvalidEvent", format!("invalid event: {e}"))))
    }
}

/// Why a body did not decode as a [`Cbor<T>`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CborError {
    path: Option<String>,
    message: String,
}

impl CborError {
    /// Where in the event the problem is (`Records[0].PrimaryKey`), when inside it.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }
}

impl fmt::Display for CborError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{path}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CborError {}

thread_local! {
    /// The path at which the last [`Tracked`] decode on this thread failed.
    ///
    /// ciborium keeps its `Deserializer` private, so the path tracker cannot wrap it
    /// from outside; a value decoded through [`Tracked`] wraps it from inside and
    /// leaves the path here (decoding is synchronous, so nothing else runs between).
    static FAILED_AT: Cell<Option<String>> = const { Cell::new(None) };
}

/// `T`, decoded while tracking the path of the field being decoded.
struct Tracked<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Tracked<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_path_to_error::deserialize(deserializer)
            .map(Tracked)
            .map_err(|e| {
                FAILED_AT.set(Some(e.path().to_string()));
                e.into_inner()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::TablestoreEvent;
    use crate::events::TablestoreValue;
    use crate::events::testing::fixture;
    use crate::macro_support::Probe;
    use crate::macro_support::event::DecodeRaw as _;

    const SAMPLE: &str = fixture!("tablestore-json");
    /// The sample, CBOR-encoded (made from the JSON sample by `fixture_is_the_sample`).
    const SAMPLE_CBOR: &[u8] = crate::events::payloads::TABLESTORE.bytes();

    fn cbor(value: &impl serde::Serialize) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(value, &mut out).unwrap();
        out
    }

    #[test]
    fn fixture_is_the_sample() {
        let json: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        let encoded = cbor(&json);
        if std::env::var_os("FC_BLESS_FIXTURES").is_some() {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fc-triggers/payloads/tablestore.cbor"
            );
            std::fs::write(path, &encoded).unwrap();
        }
        assert_eq!(
            SAMPLE_CBOR,
            encoded.as_slice(),
            "re-make with FC_BLESS_FIXTURES=1"
        );
    }

    #[test]
    fn decodes_the_sample_like_its_json_rendering() {
        let from_json: TablestoreEvent = serde_json::from_str(SAMPLE).unwrap();
        let Cbor(from_cbor) = Cbor::<TablestoreEvent>::from_slice(SAMPLE_CBOR).unwrap();
        assert_eq!(from_cbor, from_json);
        // And through the event rule `#[fc::invoke]` uses.
        let body = Bytes::from_static(SAMPLE_CBOR);
        let decoded = (&&Probe::<Cbor<TablestoreEvent>>::new()).decode(&body);
        assert_eq!(decoded.ok().map(Cbor::into_inner), Some(from_json.clone()));
        // Our own encoding decodes to the same.
        assert_eq!(
            Cbor::<TablestoreEvent>::from_slice(&cbor(&from_json))
                .unwrap()
                .0,
            from_json
        );
    }

    #[test]
    fn binary_values_are_byte_strings() {
        use ciborium::cbor;
        let value = cbor!({
            "Version" => "Sync-v1",
            "Records" => [{
                "Type" => "PutRow",
                "Info" => { "Timestamp" => 1 },
                "PrimaryKey" => [{ "ColumnName" => "pk", "Value" => ciborium::Value::Bytes(vec![0xca, 0xfe]) }],
                "Columns" => [{ "Type" => "Put", "ColumnName" => "f", "Value" => 2.5, "Timestamp" => 2 }],
                "Unknown" => null
            }]
        })
        .unwrap();
        let ev = Cbor::<TablestoreEvent>::from_slice(&cbor(&value)).unwrap();
        assert_eq!(
            ev.records[0].primary_key[0].value,
            TablestoreValue::Binary(vec![0xca, 0xfe])
        );
        assert_eq!(
            ev.records[0].columns[0].value,
            Some(TablestoreValue::Double(2.5))
        );
        // Our encoding of binary is a byte string, too.
        let again = Cbor::<TablestoreEvent>::from_slice(&cbor(&ev.0)).unwrap();
        assert_eq!(again, ev);
    }

    #[test]
    fn errors_say_what_and_where() {
        let cases: [(&[u8], &str); 4] = [
            (b"", "the CBOR data ends early"),
            (b"\xa2\x67Version\x67Sync-v1", "the CBOR data ends early"),
            (b"\x1c", "invalid CBOR at byte 0"),
            (b"\xa1\x67Version\x67Sync-v1", "missing field `Records`"),
        ];
        for (body, want) in cases {
            let err = Cbor::<TablestoreEvent>::from_slice(body).unwrap_err();
            assert_eq!(err.to_string(), want, "{body:?}");
        }
        // A value of the wrong type names the field.
        let mut json: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        json["Records"][0]["Info"]["Timestamp"] = "now".into();
        let err = Cbor::<TablestoreEvent>::from_slice(&cbor(&json)).unwrap_err();
        assert_eq!(err.path(), Some("Records[0].Info.Timestamp"));
        assert!(
            err.to_string()
                .starts_with("Records[0].Info.Timestamp: invalid type: string"),
            "{err}"
        );
        // JSON is not CBOR.
        let err = Cbor::<TablestoreEvent>::from_slice(SAMPLE.as_bytes()).unwrap_err();
        assert_eq!(err.path(), None, "{err}");
        // And through the event rule: an InvalidEvent failure.
        let fail = (&&Probe::<Cbor<TablestoreEvent>>::new())
            .decode(&Bytes::from_static(b"\xa1\x67Version\x67Sync-v1"))
            .err()
            .unwrap();
        assert_eq!(fail.0.body.error_type, "InvalidEvent");
        assert_eq!(
            fail.0.body.error_message,
            "invalid event: missing field `Records`"
        );
    }
}
