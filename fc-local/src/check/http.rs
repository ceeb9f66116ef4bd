//! HTTP functions: the request reaches the app whole, and responses carry no header
//! FC forbids (contract §3, §5).

use http::Method;

use super::{Checker, Outcome, Verdict, snippet};
use crate::identity::{self, Control};
use crate::marker::Kind;

impl Checker {
    pub(super) async fn passthrough(&mut self, echo_path: Option<&str>) -> Outcome {
        let Some(echo_path) = echo_path else {
            return (
                Verdict::Skip,
                "no --echo-path (a path under which the app answers with the method, path, \
                 query and body it got)"
                    .into(),
            );
        };
        let token = format!("fc-local-{}", identity::request_id());
        let path = format!(
            "{}/fc-local%20probe/invoke",
            echo_path.trim_end_matches('/')
        );
        let query = [("alpha", "1"), ("beta", "two%20words")];
        let uri = format!("{path}?alpha=1&beta=two%20words");
        let (id, mut request) = self.request(
            Method::PUT,
            &uri,
            Control::HttpInvoke,
            token.clone().into_bytes(),
        );
        request.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain"),
        );
        let reply = self.send(&id, Kind::Invoke, request).await;
        let (verdict, why) = match reply {
            Ok(reply) => {
                let missing = echoes(&reply.text(), "PUT", &path, &query, &token);
                if missing.is_empty() && reply.fc_status() == Some("200") {
                    (
                        Verdict::Pass,
                        format!("PUT {uri} reached the app whole: method, path, query and body"),
                    )
                } else if missing.is_empty() {
                    (
                        Verdict::Fail,
                        format!(
                            "the request reached the app whole, but was answered {}",
                            reply.describe()
                        ),
                    )
                } else {
                    (
                        Verdict::Fail,
                        format!(
                            "PUT {uri}: the app's echo lacks {}: {}",
                            missing.join(", "),
                            snippet(&reply.text())
                        ),
                    )
                }
            }
            Err(e) => (Verdict::Fail, e),
        };
        if verdict == Verdict::Pass && echo_path.trim_end_matches('/').is_empty() {
            if let Err(why) = self.invoke_path_reaches_app().await {
                return (Verdict::Fail, why);
            }
            let why = format!("{why}; POST /invoke as an HTTP invocation reached the app too");
            return (verdict, why);
        }
        (verdict, why)
    }

    /// An HTTP function may serve `/invoke` itself: with `x-fc-control-path:
    /// /http-invoke` the request is the app's, not an event.
    async fn invoke_path_reaches_app(&mut self) -> Result<(), String> {
        let token = format!("fc-local-{}", identity::request_id());
        let (id, request) = self.request(
            Method::POST,
            "/invoke",
            Control::HttpInvoke,
            token.clone().into_bytes(),
        );
        let reply = self.send(&id, Kind::Invoke, request).await?;
        let missing = echoes(&reply.text(), "POST", "/invoke", &[], &token);
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "POST /invoke with x-fc-control-path: /http-invoke did not reach the app (was it \
                 taken for an event?): answered {}, {}",
                reply.describe(),
                snippet(&reply.text())
            ))
        }
    }

    pub(super) fn response_headers(&mut self) -> Outcome {
        let mut bad: Vec<String> = Vec::new();
        let mut too_big = 0;
        for headers in &self.http_headers {
            let size: usize = headers
                .iter()
                .map(|(n, v)| n.as_str().len() + v.len() + 4)
                .sum();
            if size > 8 * 1024 {
                too_big += 1;
            }
            for (name, value) in headers {
                let n = name.as_str();
                let forbidden = (n.starts_with("x-fc-") && n != "x-fc-status")
                    || ["connection", "date", "keep-alive", "server"].contains(&n)
                    || (n == "content-disposition"
                        && value.to_str().is_ok_and(|v| {
                            v.trim_start()
                                .to_ascii_lowercase()
                                .starts_with("attachment")
                        }));
                if forbidden && !bad.iter().any(|b| b == n) {
                    bad.push(n.to_owned());
                }
            }
        }
        let count = self.http_headers.len();
        if bad.is_empty() && too_big == 0 {
            let why = format!(
                "none of x-fc-* (but x-fc-status), connection, date, keep-alive, server, \
                 content-disposition: attachment in {count} responses (content-length is \
                 framing and FC sets its own)"
            );
            return (Verdict::Pass, why);
        }
        let mut why = Vec::new();
        if !bad.is_empty() {
            why.push(format!(
                "responses carry headers FC does not allow an HTTP function to send: {}",
                bad.join(", ")
            ));
        }
        if too_big > 0 {
            why.push(format!(
                "{too_big} responses have over 8 KB of headers (FC answers 502)"
            ));
        }
        (Verdict::Fail, why.join("; "))
    }
}

/// Whether a response body shows the request: method, path, query and body each
/// appear in it (the path and query raw or percent-decoded).
fn echoes(
    body: &str,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    payload: &str,
) -> Vec<String> {
    let mut missing = Vec::new();
    if !body.contains(method) {
        missing.push(format!("method {method}"));
    }
    if !body.contains(path) && !body.contains(&path.replace("%20", " ")) {
        missing.push(format!("path {path}"));
    }
    for (key, value) in query {
        let raw = format!("{key}={value}");
        let decoded = value.replace("%20", " ");
        let seen = body.contains(&raw) || (body.contains(key) && body.contains(&decoded));
        if !seen {
            missing.push(format!("query {raw}"));
        }
    }
    if !body.contains(payload) {
        missing.push("body".to_owned());
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn an_echo_is_recognised_raw_or_decoded() {
        let query = [("alpha", "1"), ("beta", "two%20words")];
        let json = r#"{"method":"PUT","path":"/e/fc-local probe/invoke","query":{"alpha":"1","beta":"two words"},"body":"tok"}"#;
        assert!(echoes(json, "PUT", "/e/fc-local%20probe/invoke", &query, "tok").is_empty());
        let missing = echoes(
            r#"{"method":"PUT","path":"/e/fc-local%20probe/invoke"}"#,
            "PUT",
            "/e/fc-local%20probe/invoke",
            &query,
            "tok",
        );
        assert_eq!(missing, ["query alpha=1", "query beta=two%20words", "body"]);
    }
}
