//! Stopping: `GET /pre-stop`, then SIGTERM (contract §3, §11).

use super::{Checker, Outcome, Verdict};
use crate::function::{self, Function};
use crate::identity;
use crate::ui;

impl Checker {
    pub(super) async fn pre_stop(&mut self, function: &Function) -> Outcome {
        let (verdict, why) = match function.pre_stop(&identity::request_id()).await {
            Ok(reply) if reply.status.is_success() => (
                Verdict::Pass,
                format!("GET /pre-stop answered {}", reply.status.as_u16()),
            ),
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
