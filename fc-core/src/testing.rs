//! An in-process test kit: invoke an app the way FC does, with realistic headers,
//! through the same router and layers, without a socket, and read back the status,
//! `x-fc-status`, body and the log lines of that one invocation.
//!
//! ```
//! use fc::testing::{Invocation, TestApp};
//!
//! #[fc::invoke]
//! async fn greet(name: String, ctx: fc::Context) -> Result<String, fc::Error> {
//!     if name.is_empty() {
//!         return Err("no name".into());
//!     }
//!     tracing::info!("greeting {name}");
//!     Ok(format!("hello, {name} ({})", ctx.function_name().unwrap_or("?")))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = TestApp::new(fc::routes![greet]);
//!
//! let ok = app.invoke("Ana").await;
//! assert!(ok.is_success());
//! assert_eq!(ok.text(), "hello, Ana (test-function)");
//! assert_eq!(ok.logs().len(), 3); // Start marker, the info line, End marker
//! assert!(ok.logs()[1].ends_with("[INFO] greeting Ana"));
//!
//! let failed = app.send(Invocation::event("").request_id("req-empty")).await;
//! assert_eq!((failed.status(), failed.fc_status()), (404, Some("404")));
//! assert_eq!(failed.json::<serde_json::Value>()["errorMessage"], "no name");
//! assert_eq!(failed.logs()[0], "FC Invoke Start RequestId: req-empty");
//! # }
//! ```

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use tracing::Dispatch;
use tracing::instrument::WithSubscriber;
use tracing_subscriber::filter::{LevelFilter, Targets};

use crate::app::App;
use crate::context::generate_request_id;
use crate::header;
use crate::log::Output;

/// An app under test: every request runs in process through fc's full stack, with
/// markers and log lines captured.
#[derive(Clone)]
pub struct TestApp {
    router: Router,
    output: Output,
    dispatch: Dispatch,
}

impl std::fmt::Debug for TestApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApp").finish_non_exhaustive()
    }
}

impl TestApp {
    /// The app (an [`App`] or the `Routes` of `fc::routes![..]`), ready to invoke.
    pub fn new(app: impl Into<App>) -> Self {
        let output = Output::capture();
        let router = app.into().output(output.clone()).into_router();
        // The subscriber `fc::run` installs, with every level let through.
        let subscriber = crate::log::FcSubscriber::new(
            Targets::new().with_default(LevelFilter::TRACE),
            output.clone(),
            crate::log::Format::Text,
        );
        Self {
            router,
            output,
            dispatch: Dispatch::new(subscriber),
        }
    }

    /// Invokes the event function with `event` and FC's usual headers.
    pub async fn invoke(&self, event: impl Into<Bytes>) -> TestResponse {
        self.send(Invocation::event(event)).await
    }

    /// Calls `/initialize`, as FC does once per instance.
    pub async fn initialize(&self) -> TestResponse {
        self.send(Invocation::initialize()).await
    }

    /// Calls the pre-stop hook.
    pub async fn pre_stop(&self) -> TestResponse {
        self.send(Invocation::pre_stop()).await
    }

    /// Calls the pre-freeze hook.
    pub async fn pre_freeze(&self) -> TestResponse {
        self.send(Invocation::pre_freeze()).await
    }

    /// An HTTP invocation: `GET`s `path` (with its query) on the HTTP function.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Invocation::http(Method::GET, path)).await
    }

    /// Sends any invocation.
    pub async fn send(&self, invocation: Invocation) -> TestResponse {
        let request_id = invocation.request_id.clone();
        let mut request = http::Request::new(Body::from(invocation.body));
        *request.method_mut() = invocation.method;
        *request.uri_mut() = invocation
            .path
            .parse()
            .unwrap_or_else(|_| http::Uri::from_static("/"));
        *request.headers_mut() = invocation.headers;
        let call = async {
            let response = match self.router.clone().oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            let (parts, body) = response.into_parts();
            // Collected here, in the same subscriber scope: a streaming body's log lines
            // are captured too.
            let body = match body.collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(_) => Bytes::new(),
            };
            (parts, body)
        };
        let (parts, body) = call.with_subscriber(self.dispatch.clone()).await;
        let needles = [
            format!("RequestId: {request_id}"),
            format!(" {request_id} ["),
        ];
        let logs = self
            .output
            .captured()
            .lines()
            .filter(|line| {
                line.ends_with(needles[0].as_str()) || line.contains(needles[1].as_str())
            })
            .map(str::to_owned)
            .collect();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
            request_id,
            logs: Arc::new(logs),
        }
    }
}

/// One request as FC would send it, with realistic `x-fc-*` headers: a fresh request
/// id in FC's form, the control path, function name `test-function`, region
/// `cn-hangzhou`, 512 MB, a 60 s timeout, fake credentials. Change any of them with
/// [`Invocation::header`].
#[derive(Clone, Debug)]
pub struct Invocation {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
    request_id: String,
}

impl Invocation {
    fn new(method: Method, path: &str, control_path: &'static str) -> Self {
        let request_id = generate_request_id();
        let mut headers = HeaderMap::new();
        let common: [(HeaderName, &str); 13] = [
            (header::CONTROL_PATH, control_path),
            (header::FUNCTION_NAME, "test-function"),
            (header::FUNCTION_HANDLER, "index.handler"),
            (header::FUNCTION_MEMORY, "512"),
            (header::FUNCTION_TIMEOUT, "60"),
            (header::REGION, "cn-hangzhou"),
            (header::ACCOUNT_ID, "1234567890123456"),
            (header::QUALIFIER, "LATEST"),
            (header::SERVICE_NAME, "test-service"),
            (header::ACCESS_KEY_ID, "STS.test-access-key-id"),
            (header::ACCESS_KEY_SECRET, "test-access-key-secret"),
            (header::SECURITY_TOKEN, "test-security-token"),
            (header::RETRY_COUNT, "0"),
        ];
        for (name, value) in common {
            headers.insert(name, HeaderValue::from_static(value));
        }
        let mut invocation = Self {
            method,
            path: path.to_owned(),
            headers,
            body: Bytes::new(),
            request_id: String::new(),
        };
        invocation = invocation.request_id(&request_id);
        invocation
    }

    /// An event invocation: `POST /invoke` with this body.
    pub fn event(body: impl Into<Bytes>) -> Self {
        let mut invocation = Self::new(Method::POST, "/invoke", "/invoke");
        invocation.body = body.into();
        invocation.header("content-type", "application/octet-stream")
    }

    /// `POST /initialize`.
    pub fn initialize() -> Self {
        Self::new(Method::POST, "/initialize", "/initialize")
    }

    /// `GET /pre-stop`.
    pub fn pre_stop() -> Self {
        Self::new(Method::GET, "/pre-stop", "/pre-stop")
    }

    /// `GET /pre-freeze`.
    pub fn pre_freeze() -> Self {
        Self::new(Method::GET, "/pre-freeze", "/pre-freeze")
    }

    /// An HTTP invocation of the HTTP function: the original method and path (with
    /// its query), `x-fc-control-path: /http-invoke`.
    pub fn http(method: Method, path: &str) -> Self {
        Self::new(method, path, "/http-invoke")
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets the request id (`x-fc-request-id`).
    pub fn request_id(mut self, id: &str) -> Self {
        self.request_id = id.to_owned();
        self.header(header::REQUEST_ID.as_str(), id)
    }

    /// Sets a header, replacing FC's default; an empty value is sent empty, as FC
    /// 3.0 does for credentials of a function without a role.
    ///
    /// # Panics
    /// On a name or value that is not valid in HTTP: a mistake in the test itself.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("a valid header name");
        let value = HeaderValue::from_str(value).expect("a valid header value");
        self.headers.insert(name, value);
        self
    }

    /// Removes a header, e.g. to see how the function copes without it.
    pub fn without(mut self, name: &str) -> Self {
        self.headers.remove(name);
        self
    }
}

/// What an invocation answered, and what it logged.
#[derive(Clone, Debug)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    request_id: String,
    logs: Arc<Vec<String>>,
}

impl TestResponse {
    /// The HTTP status (200 or 404 for events; the app's own for HTTP functions).
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// The `x-fc-status` header FC reads: `Some("200")` or `Some("404")`.
    pub fn fc_status(&self) -> Option<&str> {
        self.headers
            .get(header::STATUS)
            .and_then(|v| v.to_str().ok())
    }

    /// True when FC would count the invocation a success (`x-fc-status: 200`).
    pub fn is_success(&self) -> bool {
        self.fc_status() == Some("200")
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    ///
    /// # Panics
    /// When the body is not `T` as JSON, with the body in the message.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("the body is not the JSON expected ({e}): {}", self.text()))
    }

    /// The request id the invocation carried.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// This invocation's lines, in order: its markers and the log lines carrying its
    /// request id, in FC's format.
    pub fn logs(&self) -> &[String] {
        &self.logs
    }
}
