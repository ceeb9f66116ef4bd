//! Connections: invocations side by side, and one connection kept alive across
//! requests (contract §2, §6).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Version};
use http_body_util::BodyExt;
use hyper::body::Frame;
use tokio::sync::mpsc;

use super::{Checker, Outcome, PROBE_TIMEOUT, REQUEST_TIMEOUT, Verdict};
use crate::client::{self, BoxError, Conn};
use crate::identity::{self, Control};
use crate::marker::Kind;
use crate::ui;

/// A request body sent in parts: what is sent on the channel, then its end when the
/// sender is dropped.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }
}

impl Checker {
    /// N invocations that each sleep, at once, against one alone.
    /// `what`: the sleeping event, or in HTTP mode the sleeping request's path.
    pub(super) async fn concurrency_by_sleep(&mut self, what: &str, n: usize) -> Outcome {
        let make = |checker: &Checker| {
            if checker.http {
                checker.request(Method::GET, what, Control::HttpInvoke, Vec::new())
            } else {
                checker.request(
                    Method::POST,
                    "/invoke",
                    Control::Invoke,
                    what.as_bytes().to_vec(),
                )
            }
        };
        let (id, request) = make(self);
        let one = match self.send(&id, Kind::Invoke, request).await {
            Ok(reply) if reply.succeeded() => reply.elapsed,
            Ok(reply) => {
                let why = format!("the sleeping invocation was answered {}", reply.describe());
                return (Verdict::Fail, why);
            }
            Err(e) => {
                return (Verdict::Fail, format!("the sleeping invocation: {e}"));
            }
        };
        if one < Duration::from_millis(100) {
            let why = format!(
                "the sleeping invocation took only {}: too short to tell parallel from serial",
                ui::duration(one)
            );
            return (Verdict::Skip, why);
        }
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..n {
            let (id, request) = make(self);
            self.record(id);
            let addr = self.addr;
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::connect(addr).await?;
                client::exchange(&mut conn, request, REQUEST_TIMEOUT).await
            }));
        }
        let mut failures = Vec::new();
        for task in tasks {
            match task.await {
                Ok(Ok(reply)) if reply.succeeded() => {
                    if self.http {
                        self.http_headers.push(reply.headers);
                    }
                }
                Ok(Ok(reply)) => failures.push(reply.describe()),
                Ok(Err(e)) => failures.push(e),
                Err(e) => failures.push(e.to_string()),
            }
        }
        let all = start.elapsed();
        let serial = one * u32::try_from(n).unwrap_or(u32::MAX);
        let (verdict, why) = if !failures.is_empty() {
            (
                Verdict::Fail,
                format!(
                    "{} of {n} parallel invocations failed: {}",
                    failures.len(),
                    failures[0]
                ),
            )
        } else if all < one * 2 + Duration::from_millis(100) {
            (
                Verdict::Pass,
                format!(
                    "{n} sleeping invocations at once took {}, one alone {} (one after another: {})",
                    ui::duration(all),
                    ui::duration(one),
                    ui::duration(serial)
                ),
            )
        } else {
            (
                Verdict::Fail,
                format!(
                    "{n} sleeping invocations at once took {}, one alone {}: they did not run \
                     side by side (FC sends up to instanceConcurrency at once)",
                    ui::duration(all),
                    ui::duration(one)
                ),
            )
        };
        (verdict, why)
    }

    /// Without a sleeping invocation: N requests whose bodies are still arriving, and
    /// one more that must be answered meanwhile.
    pub(super) async fn concurrency_by_holding(
        &mut self,
        event: &[u8],
        path: &str,
        n: usize,
    ) -> Outcome {
        let body: Vec<u8> = if self.http {
            b"fc-local check: a request body sent in two parts".to_vec()
        } else {
            event.to_vec()
        };
        if body.len() < 2 {
            let why = "the event is too short to send in parts; give --sleep-data";
            return (Verdict::Skip, why.into());
        }
        let (first, rest) = body.split_at(body.len() / 2);
        let mut held = Vec::new();
        for _ in 0..n {
            let id = identity::request_id();
            let (tx, rx) = mpsc::channel(2);
            let (method, target, control) = if self.http {
                (Method::POST, path, Control::HttpInvoke)
            } else {
                (Method::POST, "/invoke", Control::Invoke)
            };
            let mut request =
                self.requests
                    .build(method, target, &id, control, ChannelBody(rx).boxed());
            request
                .headers_mut()
                .insert(http::header::CONTENT_LENGTH, body.len().into());
            self.record(id);
            let addr = self.addr;
            let _ = tx.send(Bytes::copy_from_slice(first)).await;
            let task = tokio::spawn(async move {
                let mut conn = Conn::connect(addr).await?;
                client::exchange(&mut conn, request, REQUEST_TIMEOUT).await
            });
            held.push((tx, task));
        }
        // Let every held request reach the function before the one that must pass them.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (id, request) = self.invocation(event, path);
        self.record(id);
        let quick = async {
            let mut conn = Conn::connect(self.addr).await?;
            client::exchange(&mut conn, request, PROBE_TIMEOUT).await
        }
        .await;
        let mut late = 0;
        for (tx, task) in held {
            let _ = tx.send(Bytes::copy_from_slice(rest)).await;
            drop(tx);
            match tokio::time::timeout(REQUEST_TIMEOUT, task).await {
                Ok(Ok(Ok(reply))) => {
                    if self.http {
                        self.http_headers.push(reply.headers);
                    }
                }
                _ => late += 1,
            }
        }
        let (verdict, why) = match quick {
            Ok(reply) if reply.succeeded() => (
                Verdict::Pass,
                format!(
                    "an invocation was answered in {} while {n} others were still arriving{}",
                    ui::duration(reply.elapsed),
                    if late > 0 {
                        format!(" ({late} of those got no answer)")
                    } else {
                        String::new()
                    }
                ),
            ),
            Ok(reply) => (
                Verdict::Fail,
                format!(
                    "while {n} invocations were arriving, another was answered {}",
                    reply.describe()
                ),
            ),
            Err(e) => (
                Verdict::Fail,
                format!(
                    "while {n} invocations were still arriving, another got no answer ({e}): \
                     requests are served one at a time (FC sends up to instanceConcurrency at \
                     once)"
                ),
            ),
        };
        (verdict, why)
    }

    pub(super) async fn keep_alive(&mut self, event: &[u8], path: &str, idle: Duration) -> Outcome {
        let mut conn = match Conn::connect(self.addr).await {
            Ok(conn) => conn,
            Err(e) => {
                return (Verdict::Fail, e);
            }
        };
        for round in 1..=3 {
            if round == 3 {
                tokio::time::sleep(idle).await;
            }
            if conn.is_closed() {
                let why = format!(
                    "the function closed the connection after request {}; FC keeps \
                     connections open and reuses them (a POST on a closed one fails with 502)",
                    round - 1
                );
                return (Verdict::Fail, why);
            }
            let (id, request) = self.invocation(event, path);
            self.record(id);
            let reply = match client::exchange(&mut conn, request, REQUEST_TIMEOUT).await {
                Ok(reply) => reply,
                Err(e) => {
                    let why = format!("request {round} on one connection: {e}");
                    return (Verdict::Fail, why);
                }
            };
            if self.http {
                self.http_headers.push(reply.headers.clone());
            }
            if reply.version != Version::HTTP_11 {
                let why = format!(
                    "answered {:?}; FC speaks HTTP/1.1 with keep-alive",
                    reply.version
                );
                return (Verdict::Fail, why);
            }
            let closing = reply
                .headers
                .get_all(http::header::CONNECTION)
                .iter()
                .any(|v| {
                    v.to_str()
                        .is_ok_and(|v| v.to_ascii_lowercase().contains("close"))
                });
            if closing {
                let why = format!(
                    "request {round} was answered with `Connection: close`; FC keeps connections \
                     open and reuses them (a POST on a closed one fails with 502)"
                );
                return (Verdict::Fail, why);
            }
        }
        let why = format!(
            "3 requests on one connection, the last after {} idle",
            ui::duration(idle)
        );
        (Verdict::Pass, why)
    }
}
