//! The health check FC sends an HTTP function (contract §10): `GET <httpGetUrl>` once
//! the initializer has run, passing on 200–399. It is not an invocation: no Invoke
//! markers.

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use http::Method;

use super::{Checker, LINE_GRACE, Outcome, Verdict, snippet};
use crate::client::{self, Conn};
use crate::identity::{self, Control};
use crate::marker::{self, Kind, Marker};
use crate::ui;

/// How long the probe may take without s.yaml's timeoutSeconds: FC's largest.
pub(super) const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

impl Checker {
    /// `GET path` as FC's probe, within `timeout`; then an ordinary request to `fence`,
    /// whose End line shows that any marker the probe printed has arrived too.
    pub(super) async fn health(
        &mut self,
        path: Option<&str>,
        timeout: Duration,
        fence: &str,
    ) -> Outcome {
        let Some(path) = path else {
            let why = "no --health-path, and no s.yaml with healthCheckConfig.httpGetUrl";
            return (Verdict::Skip, why.into());
        };
        let before = self.logs.len();
        let id = identity::request_id();
        let probe = self.requests.build(
            Method::GET,
            path,
            &id,
            Control::None,
            client::full(Bytes::new()),
        );
        let reply = match Conn::connect(self.addr).await {
            Ok(mut conn) => client::exchange(&mut conn, probe, timeout).await,
            Err(e) => Err(e),
        };
        let reply = match reply {
            Ok(reply) => reply,
            Err(e) => {
                let why = format!(
                    "GET {path}: {e} (FC's probe waits timeoutSeconds, at most 3 s, and must \
                     never queue behind work)"
                );
                return (Verdict::Fail, why);
            }
        };
        let (fence_id, request) = self.invocation(&[], fence);
        let _ = self.send(&fence_id, Kind::Invoke, request).await;
        let fence_end = Kind::Invoke.end(&fence_id);
        self.logs
            .wait_until(LINE_GRACE, |lines| {
                lines.iter().any(|l| marker::is(&l.text, &fence_end))
            })
            .await;
        let ours: HashSet<&str> = self.sent.iter().map(|s| s.id.as_str()).collect();
        let lines = self.logs.snapshot();
        let marked = lines.get(before..).unwrap_or_default().iter().any(|line| {
            Marker::parse(&line.text).is_some_and(|(_, marked)| !ours.contains(marked))
        });
        let status = reply.status.as_u16();
        let mut problems = Vec::new();
        if !(200..400).contains(&status) {
            problems.push(format!(
                "answered {status}; FC passes 200–399 and otherwise takes the instance for \
                 failed ({})",
                snippet(&reply.text())
            ));
        }
        if marked {
            problems.push(
                "printed FC marker lines for the probe: a health check is not an invocation"
                    .to_owned(),
            );
        }
        if problems.is_empty() {
            let why = format!(
                "GET {path} answered {status} in {}, without Invoke markers",
                ui::duration(reply.elapsed)
            );
            (Verdict::Pass, why)
        } else {
            (
                Verdict::Fail,
                format!("GET {path}: {}", problems.join("; ")),
            )
        }
    }
}
