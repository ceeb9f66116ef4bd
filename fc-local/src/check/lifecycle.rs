//! Stopping: `GET /pre-stop`, then SIGTERM (contract §3, §11).

use std::time::Duration;

use super::{Checker, LINE_GRACE, Outcome, Verdict, markers};
use crate::function::{self, Function};
use crate::identity;
use crate::logs::Line;
use crate::marker::{self, Kind};
use crate::ui;

/// How long the pre-stop check waits for a `FC PreStop Start` line before taking the
/// runtime for one that prints no hook markers.
const HOOK_MARKER_WAIT: Duration = Duration::from_millis(300);

impl Checker {
    /// `GET /pre-stop` answers 2xx; `FC PreStop` markers, when it prints them, are
    /// right (FC's own runtimes print them; other runtimes need not).
    pub(super) async fn pre_stop(&mut self, function: &Function) -> Outcome {
        let id = identity::request_id();
        let (verdict, why) = match function.pre_stop(&id).await {
            Ok(reply) if reply.status.is_success() => {
                let answered = format!("GET /pre-stop answered {}", reply.status.as_u16());
                let (start, end) = (Kind::PreStop.start(&id), Kind::PreStop.end(&id));
                let seen = |lines: &[Line], m: &str| lines.iter().any(|l| marker::is(&l.text, m));
                // A runtime without hook markers costs a short wait; one with them, until
                // the End line is read.
                let marked = self
                    .logs
                    .wait_until(HOOK_MARKER_WAIT, |l| seen(l, &start) || seen(l, &end))
                    .await;
                if marked {
                    self.logs.wait_until(LINE_GRACE, |l| seen(l, &end)).await;
                }
                match markers::problem(&self.logs.snapshot(), Kind::PreStop, &id) {
                    None => (
                        Verdict::Pass,
                        format!("{answered}, inside FC PreStop markers"),
                    ),
                    Some(_) if !marked => (
                        Verdict::Pass,
                        format!("{answered} (no FC PreStop markers; FC's own runtimes print them)"),
                    ),
                    Some(problem) => (
                        Verdict::Fail,
                        format!("{answered}, but its FC PreStop markers: {problem}"),
                    ),
                }
            }
            Ok(reply) => (
                Verdict::Fail,
                format!(
                    "GET /pre-stop answered {}; FC counts only 2xx as success",
                    reply.status.as_u16()
                ),
            ),
            Err(e) => (Verdict::Fail, format!("GET /pre-stop: {e}")),
        };
        (verdict, why)
    }

    pub(super) async fn sigterm(&mut self, function: &mut Function) -> Outcome {
        if let Some(status) = function.exited() {
            let why = format!(
                "the function had already {}",
                function::describe_exit(status)
            );
            return (Verdict::Fail, why);
        }
        // FC's connections are gone by then.
        self.main = None;
        let (status, took) = function.terminate().await;
        let (verdict, why) = match status {
            Some(status) if status.success() => (
                Verdict::Pass,
                format!("exited 0, {} after SIGTERM", ui::duration(took)),
            ),
            Some(status) => (
                Verdict::Pass,
                format!(
                    "{} {} after SIGTERM (handling SIGTERM lets invocations in flight finish)",
                    function::describe_exit(status),
                    ui::duration(took)
                ),
            ),
            None => (
                Verdict::Fail,
                format!(
                    "still running {} after SIGTERM, killed: FC kills it too, cutting off \
                     invocations in flight",
                    ui::duration(took)
                ),
            ),
        };
        (verdict, why)
    }
}
