//! HTTP functions: the base path FC puts in front, the response headers FC forbids,
//! and `Context` / `State<T>` as axum extractors.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{FromRequestParts, OriginalUri, Request};
use axum::response::{IntoResponse, Response};
use http::header::{CONNECTION, CONTENT_DISPOSITION, CONTENT_LENGTH, DATE, SERVER};
use http::request::Parts;
use http::{HeaderMap, HeaderName, Uri};

use crate::context::Context;
use crate::error::Failure;
use crate::state::{State, States};

/// FC answers 502 when the response headers exceed this.
const MAX_RESPONSE_HEADERS: usize = 8 * 1024;

/// Removes FC's `x-fc-base-path` prefix from the request's path, keeping the original
/// URI in the extensions (axum's `OriginalUri`). A path outside the prefix is left
/// as it is.
pub(crate) fn strip_base_path(req: &mut Request, base: Option<&str>) {
    let original = req.uri().clone();
    req.extensions_mut().insert(OriginalUri(original.clone()));
    let Some(base) = base
        .map(|b| b.trim_end_matches('/'))
        .filter(|b| !b.is_empty())
    else {
        return;
    };
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
pub(crate) fn sanitize(headers: &mut HeaderMap) {
    let forbidden = |name: &HeaderName, headers: &HeaderMap| {
        name.as_str().starts_with("x-fc-")
            || [CONNECTION, CONTENT_LENGTH, DATE, SERVER].contains(name)
            || name.as_str() == "keep-alive"
            || (name == CONTENT_DISPOSITION
                && headers.get_all(name).iter().any(|v| {
                    v.as_bytes()
                        .get(..10)
                        .is_some_and(|p| p.eq_ignore_ascii_case(b"attachment"))
                }))
    };
    let dropped: Vec<HeaderName> = headers
        .keys()
        .filter(|name| forbidden(name, headers))
        .cloned()
        .collect();
    for name in &dropped {
        headers.remove(name);
    }
    // axum sets `content-length` on every sized body, and hyper sets it again from
    // the body itself: its removal is not worth a line.
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
    let size: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if size > MAX_RESPONSE_HEADERS {
        tracing::warn!(
            "the response headers take {size} bytes; FC answers 502 above {MAX_RESPONSE_HEADERS}"
        );
    }
}

/// `fc::Context` as an axum extractor in HTTP functions.
impl<S: Send + Sync> FromRequestParts<S> for Context {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(match parts.extensions.get::<Context>() {
            Some(context) => context.clone(),
            // Outside fc's stack (a router served some other way): read the headers.
            None => Context::from_headers(parts.headers.clone()),
        })
    }
}

/// Why `fc::State<T>` could not be extracted: no state of that type. Answers FC's 404.
#[derive(Debug)]
pub struct StateRejection(Failure);

impl IntoResponse for StateRejection {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

/// `fc::State<T>` as an axum extractor in HTTP functions: the initializer's value, or
/// one set with `App::state`.
impl<T, S> FromRequestParts<S> for State<T>
where
    T: Send + Sync + 'static,
    S: Send + Sync,
{
    type Rejection = StateRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Arc<States>>() {
            Some(states) => states.get::<T>().map_err(StateRejection),
            None => Err(StateRejection(Failure::new(
                "MissingState",
                "fc::State is only available in apps served by fc",
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn stripped(uri: &str, base: Option<&str>) -> (String, String) {
        let mut req = Request::builder()
            .uri(uri)
            .body(axum::body::Body::empty())
            .unwrap();
        strip_base_path(&mut req, base);
        let original = req.extensions().get::<OriginalUri>().unwrap().0.to_string();
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
        sanitize(&mut headers);
        let mut left: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["content-type", "set-cookie", "x-request-id"]);

        let mut attachment = HeaderMap::new();
        attachment.insert(
            CONTENT_DISPOSITION,
            HeaderValue::from_static("Attachment; filename=a.txt"),
        );
        sanitize(&mut attachment);
        assert!(attachment.is_empty());
        let mut inline = HeaderMap::new();
        inline.insert(CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
        sanitize(&mut inline);
        assert_eq!(inline.len(), 1);
    }
}
