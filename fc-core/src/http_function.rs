//! HTTP functions: [`HttpFunction`] holds the user's app, built on its first
//! invocation, and forwards each HTTP invocation to it whole: the base path FC puts in
//! front is stripped, and the response headers FC forbids are dropped. The instance
//! state travels in the request's `Context`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, OriginalUri, Request};
use axum::response::Response;
use http::header::{CONNECTION, CONTENT_DISPOSITION, CONTENT_LENGTH, DATE, SERVER};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use tokio::sync::OnceCell;
use tower::{Layer, Service};

use crate::context::Context;
use crate::panic::CatchUnwind;
use crate::routes::{HttpFn, Named};

/// The user's `#[fc::http]` function and the app it builds, once per instance.
pub(crate) struct HttpFunction {
    build: Named<HttpFn>,
    app: Arc<OnceCell<Router>>,
    /// A build has started (it may have finished): `app`'s own state cannot say it.
    building: Arc<AtomicBool>,
    /// Why the last build the health check started did not finish (it panicked).
    failed: Arc<Mutex<Option<String>>>,
    body_limit: usize,
}

/// How long the health check that starts the app's build waits for it: half of FC's
/// shortest health-check timeout (1 s).
pub(crate) const BUILD_WAIT: Duration = Duration::from_millis(500);

/// Whether the app can serve, for the health check.
pub(crate) enum Build {
    Ready,
    /// The builder is running (it was started now if it had not been).
    Running,
    /// The last build panicked; the next health check starts another.
    Failed(String),
}

impl HttpFunction {
    pub(crate) fn new(build: Named<HttpFn>, body_limit: usize) -> Self {
        Self {
            build,
            app: Arc::new(OnceCell::new()),
            building: Arc::new(AtomicBool::new(false)),
            failed: Arc::new(Mutex::new(None)),
            body_limit,
        }
    }

    /// For the health check: whether the app is built. If no build has started yet
    /// (no request has come), starts one in the background and gives it up to
    /// [`BUILD_WAIT`] to finish, so a quick builder answers the first check with 200.
    pub(crate) async fn build(&self) -> Build {
        if self.app.initialized() {
            return Build::Ready;
        }
        if let Some(reason) = self
            .failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            self.building.store(false, Ordering::SeqCst);
            return Build::Failed(reason);
        }
        if self.building.swap(true, Ordering::SeqCst) {
            return Build::Running;
        }
        let (app, failed) = (Arc::clone(&self.app), Arc::clone(&self.failed));
        let built = init(Arc::clone(&self.build.handler));
        let task = tokio::spawn(async move {
            let run = CatchUnwind::new(Box::pin(app.get_or_init(|| built)));
            if run.await.is_err() {
                tracing::error!("the HTTP app's builder (#[fc::http]) panicked");
                *failed.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some("the HTTP app's builder panicked".to_owned());
            }
        });
        // Dropping the handle at the timeout leaves the build running.
        let _ = tokio::time::timeout(BUILD_WAIT, task).await;
        if self.app.initialized() {
            return Build::Ready;
        }
        match self
            .failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            Some(reason) => {
                self.building.store(false, Ordering::SeqCst);
                Build::Failed(reason)
            }
            None => Build::Running,
        }
    }

    /// The app, built by its first caller while the others wait.
    async fn app(&self) -> &Router {
        if !self.building.load(Ordering::Relaxed) {
            self.building.store(true, Ordering::SeqCst);
        }
        self.app
            .get_or_init(|| init(Arc::clone(&self.build.handler)))
            .await
    }

    /// The app, once built.
    pub(crate) fn built(&self) -> Option<&Router> {
        self.app.get()
    }

    /// Forwards an HTTP invocation to the app, whole, once the app is built (its
    /// first callers build it, the others wait), and returns its response with the
    /// headers FC forbids removed.
    pub(crate) async fn forward(&self, req: Request, context: Context) -> Response {
        let app = self.app().await;
        self.forward_to(app, req, context).await
    }

    /// [`forward`](HttpFunction::forward) to the app built: the future holds the
    /// request and its context, then the app's call, and nothing more.
    pub(crate) fn forward_to(
        &self,
        app: &Router,
        mut req: Request,
        context: Context,
    ) -> impl Future<Output = Response> + Send + 'static + use<> {
        let (app, limit) = (app.clone(), self.body_limit);
        // The app's call is made when the future first runs: until then the future
        // holds the request and its context, which is all its moves copy.
        async move {
            // The context's copy of the headers, and the context in the extensions
            // (unless the user's layers needed them first), made here, in the task of
            // the invocation. An HTTP/2 connection's task reads requests in bursts and
            // starts their invocations in a row: these allocations, made there, came
            // eight of a size at once, one more than glibc's per-thread cache keeps.
            context.copy_headers(req.headers());
            strip_base_path(&mut req, context.base_path());
            if req.extensions().get::<Context>().is_none() {
                req.extensions_mut().insert(context);
            }
            // The body limit for axum's extractors, set once around the whole app:
            // applied to each route (`Router::layer`), it boxed every route again and
            // cost every request a second route future (0.6 k instructions of a gRPC
            // call). Asked whether it is ready, then called, in place: tower's
            // `oneshot` keeps the service and the request in a state of its own and
            // moves them out again to call it (about 90 instructions a call).
            let mut service = DefaultBodyLimit::max(limit).layer(app);
            let Ok(()) =
                std::future::poll_fn(|cx| Service::<Request>::poll_ready(&mut service, cx)).await;
            let Ok(mut response) = service.call(req).await;
            let status = response.status();
            sanitize(status, response.headers_mut());
            response
        }
    }
}

/// Runs the user's builder: the app. (axum's extractors refuse bodies over 2 MB
/// unless told otherwise: [`HttpFunction::forward`] tells them the app's limit.)
async fn init(build: Arc<HttpFn>) -> Router {
    build().await
}

/// FC answers 502 when the response headers exceed this.
const MAX_RESPONSE_HEADERS: usize = 8 * 1024;

/// Removes FC's `x-fc-base-path` prefix from the request's path, keeping the original
/// URI in the extensions (axum's `OriginalUri`). A path outside the prefix is left
/// as it is.
pub(crate) fn strip_base_path(req: &mut Request, base: Option<&str>) {
    let Some(base) = base
        .map(|b| b.trim_end_matches('/'))
        .filter(|b| !b.is_empty())
    else {
        // The URI stays as it came: axum's router records it as `OriginalUri`.
        return;
    };
    let original = req.uri().clone();
    req.extensions_mut().insert(OriginalUri(original.clone()));
    let Some(rest) = original.path().strip_prefix(base) else {
        tracing::debug!("path {} is outside the base path {base}", original.path());
        return;
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return; // `/a/bc` is not under `/a/b`
    }
    let path = if rest.is_empty() { "/" } else { rest };
    let path_and_query = match original.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    let mut parts = original.into_parts();
    match path_and_query.parse() {
        Ok(pq) => parts.path_and_query = Some(pq),
        Err(_) => return,
    }
    if let Ok(uri) = Uri::from_parts(parts) {
        *req.uri_mut() = uri;
    }
}

/// Drops the response headers FC does not allow a function to send (contract §5),
/// naming them in a debug line, and warns when the rest exceed FC's 8 KB.
///
/// A `101 Switching Protocols` keeps `connection` (a WebSocket handshake needs
/// `Connection: upgrade`, contract §10); `upgrade` and `sec-websocket-*` are never
/// dropped.
pub(crate) fn sanitize(status: StatusCode, headers: &mut HeaderMap) {
    let switching = status == StatusCode::SWITCHING_PROTOCOLS;
    // One pass over the headers, which on most responses finds nothing to drop and
    // sums their size on the way.
    let mut size = 0;
    let mut dropped: Vec<HeaderName> = Vec::new();
    for (name, value) in headers.iter() {
        size += entry_size(name, value);
        if forbidden(name, value, switching) && !dropped.contains(name) {
            dropped.push(name.clone());
        }
    }
    if !dropped.is_empty() {
        for name in &dropped {
            headers.remove(name);
        }
        size = headers.iter().map(|(n, v)| entry_size(n, v)).sum();
        // axum sets `content-length` on every sized body, and hyper sets it again
        // from the body itself: its removal is not worth a line.
        let named: Vec<&str> = dropped
            .iter()
            .filter(|name| **name != CONTENT_LENGTH)
            .map(HeaderName::as_str)
            .collect();
        if !named.is_empty() {
            tracing::debug!(
                "dropped response headers FC does not allow: {}",
                named.join(", ")
            );
        }
    }
    if size > MAX_RESPONSE_HEADERS {
        tracing::warn!(
            "the response headers take {size} bytes; FC answers 502 above {MAX_RESPONSE_HEADERS}"
        );
    }
}

/// What a header takes of FC's 8 KB: its name, value, `: ` and the line's end.
fn entry_size(name: &HeaderName, value: &HeaderValue) -> usize {
    name.as_str().len() + value.len() + 4
}

/// A response header FC does not let a function send; for `content-disposition`,
/// one value of `attachment` drops them all.
fn forbidden(name: &HeaderName, value: &HeaderValue, switching: bool) -> bool {
    if *name == CONTENT_LENGTH || *name == DATE || *name == SERVER {
        return true;
    }
    if *name == CONNECTION {
        return !switching;
    }
    if *name == CONTENT_DISPOSITION {
        let value = value.as_bytes();
        return value
            .get(..10)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"attachment"));
    }
    let name = name.as_str();
    name.starts_with("x-fc-") || name == "keep-alive"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripped(uri: &str, base: Option<&str>) -> (String, String) {
        let mut req = Request::builder()
            .uri(uri)
            .body(axum::body::Body::empty())
            .unwrap();
        strip_base_path(&mut req, base);
        // Without a base path the URI is left alone, and axum's router records it.
        let original = match req.extensions().get::<OriginalUri>() {
            Some(OriginalUri(uri)) => uri.to_string(),
            None => req.uri().to_string(),
        };
        (req.uri().to_string(), original)
    }

    #[test]
    fn base_paths() {
        let base = Some("/2016-08-15/proxy/svc/fn/");
        let cases = [
            ("/2016-08-15/proxy/svc/fn/users/7?x=1", base, "/users/7?x=1"),
            ("/2016-08-15/proxy/svc/fn/", base, "/"),
            ("/2016-08-15/proxy/svc/fn", base, "/"),
            ("/2016-08-15/proxy/svc/fn?q=2", base, "/?q=2"),
            (
                "/2016-08-15/proxy/svc/fnx/a",
                base,
                "/2016-08-15/proxy/svc/fnx/a",
            ),
            ("/elsewhere", base, "/elsewhere"),
            ("/users/7", None, "/users/7"),
            ("/users/7", Some("/"), "/users/7"),
            ("/api/v1/items", Some("/api"), "/v1/items"),
        ];
        for (uri, base, want) in cases {
            let (got, original) = stripped(uri, base);
            assert_eq!(got, want, "{uri} under {base:?}");
            assert_eq!(original, uri);
        }
    }

    #[test]
    fn forbidden_response_headers_are_dropped() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("x-fc-status", "500"),
            ("x-fc-anything", "1"),
            ("connection", "close"),
            ("content-length", "12"),
            ("date", "Sat, 21 Nov 2026 06:00:00 GMT"),
            ("keep-alive", "timeout=5"),
            ("server", "my-app"),
            ("content-type", "text/html"),
            ("x-request-id", "kept"),
            ("set-cookie", "a=1"),
        ] {
            headers.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let mut switching = headers.clone();
        sanitize(StatusCode::OK, &mut headers);
        let mut left: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["content-type", "set-cookie", "x-request-id"]);

        // A WebSocket handshake keeps its `Connection: upgrade` and the rest of it.
        for (name, value) in [
            ("upgrade", "websocket"),
            ("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
            ("sec-websocket-protocol", "chat"),
        ] {
            switching.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        sanitize(StatusCode::SWITCHING_PROTOCOLS, &mut switching);
        let mut left: Vec<&str> = switching.keys().map(HeaderName::as_str).collect();
        left.sort_unstable();
        assert_eq!(
            left,
            [
                "connection",
                "content-type",
                "sec-websocket-accept",
                "sec-websocket-protocol",
                "set-cookie",
                "upgrade",
                "x-request-id"
            ]
        );

        let mut attachment = HeaderMap::new();
        attachment.insert(
            CONTENT_DISPOSITION,
            HeaderValue::from_static("Attachment; filename=a.txt"),
        );
        sanitize(StatusCode::OK, &mut attachment);
        assert!(attachment.is_empty());
        let mut inline = HeaderMap::new();
        inline.insert(CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
        sanitize(StatusCode::OK, &mut inline);
        assert_eq!(inline.len(), 1);
        // An attachment among several values drops them all.
        inline.append(CONTENT_DISPOSITION, HeaderValue::from_static("attachment"));
        sanitize(StatusCode::OK, &mut inline);
        assert!(inline.is_empty());
    }
}
