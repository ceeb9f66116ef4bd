//! Dispatch and answers: `/initialize`, an event or an HTTP request, and a failure,
//! each answered with the status and `x-fc-status` FC expects (contract §3, §5).

use http::Method;

use super::{Checker, Outcome, Verdict, snippet};
use crate::identity::Control;
use crate::marker::Kind;
use crate::ui;

impl Checker {
    pub(super) async fn initialize(&mut self) -> Outcome {
        let (id, request) =
            self.request(Method::POST, "/initialize", Control::Initialize, Vec::new());
        let reply = self.send(&id, Kind::Initialize, request).await;
        let (verdict, why) = match reply {
            Ok(reply) if reply.status == 200 && reply.fc_status() == Some("200") => (
                Verdict::Pass,
                format!("POST /initialize answered {}", reply.describe()),
            ),
            Ok(reply) => (
                Verdict::Fail,
                format!(
                    "POST /initialize answered {}; FC expects 200 with x-fc-status: 200 ({})",
                    reply.describe(),
                    snippet(&reply.text())
                ),
            ),
            Err(e) => (Verdict::Fail, format!("POST /initialize: {e}")),
        };
        (verdict, why)
    }

    pub(super) async fn invoke(&mut self, event: &[u8]) -> Outcome {
        let (id, request) = self.invocation(event, "/");
        let reply = self.send(&id, Kind::Invoke, request).await;
        let (verdict, why) = match reply {
            Ok(reply) if reply.status == 200 && reply.fc_status() == Some("200") => (
                Verdict::Pass,
                format!(
                    "an event was answered {} in {}",
                    reply.describe(),
                    ui::duration(reply.elapsed)
                ),
            ),
            Ok(reply) => (
                Verdict::Fail,
                format!(
                    "the event was answered {}; FC expects 200 with x-fc-status: 200 (is \
                     --data an event it succeeds on?) {}",
                    reply.describe(),
                    snippet(&reply.text())
                ),
            ),
            Err(e) => (Verdict::Fail, e),
        };
        (verdict, why)
    }

    pub(super) async fn failure(&mut self, event: &[u8]) -> Outcome {
        let (id, request) = self.invocation(event, "/");
        let reply = self.send(&id, Kind::Invoke, request).await;
        let (verdict, why) = match reply {
            Ok(reply) if reply.status == 404 && reply.fc_status() == Some("404") => {
                let shaped = serde_json::from_slice::<serde_json::Value>(&reply.body)
                    .ok()
                    .is_some_and(|v| v.get("errorMessage").is_some());
                let note = if shaped {
                    "with FC's {errorMessage, errorType, stackTrace} body"
                } else {
                    "(its body is not FC's {errorMessage, errorType, stackTrace} shape)"
                };
                (
                    Verdict::Pass,
                    format!("a failing event was answered {} {note}", reply.describe()),
                )
            }
            Ok(reply) if reply.succeeded() && reply.status.is_success() => (
                Verdict::Fail,
                format!(
                    "the failing event was answered {}: give --fail-data an event the function \
                     rejects",
                    reply.describe()
                ),
            ),
            Ok(reply) if reply.fc_status().is_none() => (
                Verdict::Fail,
                format!(
                    "a failure was answered {}: without x-fc-status: 404 FC counts it a \
                     success and records no error",
                    reply.describe()
                ),
            ),
            Ok(reply) => (
                Verdict::Fail,
                format!(
                    "a failure was answered {}; FC expects 404 with x-fc-status: 404",
                    reply.describe()
                ),
            ),
            Err(e) => (Verdict::Fail, e),
        };
        (verdict, why)
    }

    pub(super) async fn http_invoke(&mut self, path: &str) -> Outcome {
        let (id, request) = self.invocation(&[], path);
        let reply = self.send(&id, Kind::Invoke, request).await;
        let (verdict, why) = match reply {
            Ok(reply) if reply.fc_status() == Some("200") => (
                Verdict::Pass,
                format!(
                    "GET {path} was answered {} in {}",
                    reply.describe(),
                    ui::duration(reply.elapsed)
                ),
            ),
            Ok(reply) => (
                Verdict::Fail,
                format!(
                    "GET {path} was answered {}; FC expects the app's status with \
                     x-fc-status: 200 {}",
                    reply.describe(),
                    snippet(&reply.text())
                ),
            ),
            Err(e) => (Verdict::Fail, e),
        };
        (verdict, why)
    }
}
