//! [`Error`], what a handler returns on failure, and [`Failure`], how any failure
//! becomes FC's 404 response (or, for a gRPC call, a gRPC status).

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header::CONTENT_TYPE};
use serde::Serialize;

use crate::grpc_status::{Code, GrpcStatus};

/// A boxed error, the currency of [`Error`].
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// The error a handler returns: any `std::error::Error + Send + Sync`, a `String` or a
/// `&str`.
///
/// Everything that converts into a [`BoxError`] converts into `Error`, so `?` works on
/// io, serde_json and anyhow errors, and `Err("message".into())` works too. FC sees
/// a 404 with `x-fc-status: 404` and the body
/// `{"errorMessage", "errorType", "stackTrace"}`; the log gets the error and its chain
/// of sources.
///
/// ```
/// fn parse(input: &str) -> Result<u32, fc::Error> {
///     if input.is_empty() {
///         return Err("empty input".into());
///     }
///     Ok(input.parse::<u32>()?)
/// }
/// let err = parse("x").unwrap_err();
/// assert_eq!(err.error_type(), "core::num::error::ParseIntError");
/// assert_eq!(parse("").unwrap_err().to_string(), "empty input");
/// ```
pub struct Error {
    inner: BoxError,
    error_type: Cow<'static, str>,
}

impl Error {
    /// Wraps an error, naming its type after `E`.
    pub fn new<E: Into<BoxError>>(error: E) -> Self {
        Self::from(error)
    }

    /// Sets the `errorType` FC reports (by default the Rust type of the error, or
    /// `Error` for plain messages).
    ///
    /// ```
    /// let err = fc::Error::new("no such order").with_type("NotFound");
    /// assert_eq!(err.error_type(), "NotFound");
    /// ```
    pub fn with_type(mut self, error_type: impl Into<Cow<'static, str>>) -> Self {
        self.error_type = error_type.into();
        self
    }

    /// The `errorType` FC reports.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// The wrapped error, e.g. to walk its `source()` chain or downcast it.
    pub fn inner(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.inner
    }

    /// Unwraps the boxed error.
    pub fn into_inner(self) -> BoxError {
        self.inner
    }

    /// The messages of the error's sources, outermost first.
    pub fn sources(&self) -> impl Iterator<Item = String> + '_ {
        let mut next = self.inner.source();
        std::iter::from_fn(move || {
            let current = next?;
            next = current.source();
            Some(current.to_string())
        })
    }
}

impl<E: Into<BoxError>> From<E> for Error {
    fn from(error: E) -> Self {
        let name = std::any::type_name::<E>();
        // Plain messages and already-boxed errors have no useful type of their own.
        let error_type = if name == "&str"
            || name == "alloc::string::String"
            || name.starts_with("alloc::boxed::Box<dyn ")
        {
            "Error"
        } else {
            name
        };
        Self {
            inner: error.into(),
            error_type: Cow::Borrowed(error_type),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("error_type", &self.error_type)
            .field("inner", &self.inner)
            .finish()
    }
}

/// The JSON body of every failed invocation, as FC's built-in runtimes shape it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorBody {
    pub(crate) error_message: String,
    pub(crate) error_type: Cow<'static, str>,
    pub(crate) stack_trace: Vec<String>,
}

/// Any failure of an invocation: what goes to the caller, and what goes to the log.
///
/// Turning it into a response has no side effect: the text to log travels in the
/// response's extensions as a [`Report`], and the invocation layer logs it.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) body: ErrorBody,
    /// What the log gets (may hold more than the body, e.g. a panic's backtrace).
    pub(crate) log: String,
    /// The gRPC status a gRPC call gets instead of the body.
    pub(crate) grpc_code: Code,
}

/// A failure, carried from the response to the invocation layer: the text it logs,
/// and the status it answers a gRPC call with instead.
#[derive(Clone, Debug)]
pub(crate) struct Report {
    pub(crate) log: Arc<str>,
    pub(crate) grpc: GrpcStatus,
}

impl Failure {
    pub(crate) fn new(
        error_type: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        let body = ErrorBody {
            error_message: message.into(),
            error_type: error_type.into(),
            stack_trace: Vec::new(),
        };
        let log = format!("{}: {}", body.error_type, body.error_message);
        Self {
            body,
            log,
            grpc_code: Code::Internal,
        }
    }

    /// The gRPC status code a gRPC call gets for this failure (`INTERNAL` unless set).
    pub(crate) fn with_grpc_code(mut self, code: Code) -> Self {
        self.grpc_code = code;
        self
    }

    /// A handler's `Err`: message, type and source chain, in the body and the log.
    pub(crate) fn from_error(error: Error) -> Self {
        let stack_trace: Vec<String> = error.sources().collect();
        let mut log = format!("{}: {}", error.error_type(), error);
        for cause in &stack_trace {
            log.push_str("\ncaused by: ");
            log.push_str(cause);
        }
        Self {
            body: ErrorBody {
                error_message: error.to_string(),
                error_type: error.error_type,
                stack_trace,
            },
            log,
            grpc_code: Code::Internal,
        }
    }

    /// A caught panic: the body names the request id only; message, location and
    /// backtrace were logged by the panic hook where the panic happened.
    pub(crate) fn panic(request_id: &str) -> Self {
        Self::new(
            "Panic",
            format!("the function panicked; see the log of request {request_id}"),
        )
    }

    /// FC's failure answer: 404 with the JSON body, and a [`Report`] for the
    /// invocation layer, which logs it, writes `x-fc-status`, and answers a gRPC call
    /// with the report's gRPC status instead.
    pub(crate) fn into_response(self) -> Response {
        let json = serde_json::to_vec(&self.body).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = Response::new(Body::from(json));
        *response.status_mut() = StatusCode::NOT_FOUND;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let grpc = GrpcStatus {
            code: self.grpc_code,
            message: Arc::from(self.body.error_message),
        };
        response.extensions_mut().insert(Report {
            log: Arc::from(self.log),
            grpc,
        });
        response
    }
}

/// A failure on its way out of generated code: what the erased handlers return, and
/// what `?` on any `Into<Error>` makes inside them.
#[doc(hidden)]
pub struct Fail(pub(crate) Failure);

impl<E: Into<Error>> From<E> for Fail {
    fn from(error: E) -> Self {
        Fail(Failure::from_error(error.into()))
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::from_error(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("could not load prices")
        }
    }
    impl StdError for Outer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn error_types() {
        assert_eq!(Error::from("m").error_type(), "Error");
        assert_eq!(Error::from(String::from("m")).error_type(), "Error");
        let boxed: BoxError = "m".into();
        assert_eq!(Error::from(boxed).error_type(), "Error");
        let io = std::io::Error::other("disk");
        assert_eq!(Error::from(io).error_type(), "std::io::error::Error");
    }

    #[test]
    fn failure_from_error_keeps_the_chain() {
        let err = Error::from(Outer(std::io::Error::other("disk on fire")));
        let failure = Failure::from_error(err);
        assert_eq!(failure.body.error_message, "could not load prices");
        assert_eq!(failure.body.stack_trace, vec!["disk on fire".to_owned()]);
        assert!(failure.body.error_type.ends_with("Outer"));
        assert!(
            failure
                .log
                .ends_with("could not load prices\ncaused by: disk on fire")
        );
        let json = serde_json::to_value(&failure.body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "errorMessage": "could not load prices",
                "errorType": failure.body.error_type,
                "stackTrace": ["disk on fire"],
            })
        );
    }

    #[test]
    fn failure_response_is_404_with_report() {
        let response = Failure::new("InvalidEvent", "bad").into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let report = response.extensions().get::<Report>().unwrap();
        assert_eq!(&*report.log, "InvalidEvent: bad");
        assert_eq!(report.grpc.code, Code::Internal);
        assert_eq!(&*report.grpc.message, "bad");
    }
}
