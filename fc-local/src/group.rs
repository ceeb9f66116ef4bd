//! Groups the function's output by invocation, as FC's console shows an invocation's
//! log: the lines carrying its request id, and the lines without one printed while it
//! was the only invocation running. Other lines are the instance's own and are shown
//! as they come.
//!
//! The function's lines are read on a thread of their own, and a runtime may write
//! them from another (fc does while stdout is slow): startup lines can be read after
//! the first request is already on its way. So lines without an id that come before
//! an invocation's Start marker are held: once the Start marker shows up they were the
//! instance's, and are shown as such; if it never does (a runtime without markers),
//! they were the invocation's.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::client::Reply;
use crate::logs::{Line, Logs};
use crate::marker::{Edge, Kind, Marker};
use crate::ui::{self, Style, Ui};

/// How long a finished invocation waits for its End marker before it is shown anyway.
const END_GRACE: Duration = Duration::from_secs(2);
/// How long a hook's group waits for its Start marker once the hook has answered,
/// before it is taken for one of a runtime without hook markers.
const HOOK_START_GRACE: Duration = Duration::from_millis(200);

#[derive(Debug)]
struct Group {
    id: String,
    kind: Kind,
    lines: Vec<Line>,
    /// Lines without the id that came while it was the only invocation running,
    /// before its Start marker: whose they are is known once the marker comes or not.
    unclaimed: Vec<Line>,
    /// The Start marker was seen.
    started: bool,
    /// The End marker was seen.
    ended: bool,
    /// The response arrived: the heading to print.
    heading: Option<String>,
    printed: Option<oneshot::Sender<()>>,
}

/// Shared by the line reader (through [`Logs::set_sink`](crate::logs::Logs::set_sink))
/// and whoever sends invocations.
pub(crate) struct Tracker {
    ui: Arc<Ui>,
    /// Where finished text goes: [`Ui::say`], or a test's buffer.
    say: Box<dyn Fn(&str) + Send + Sync>,
    open: Mutex<Vec<Group>>,
}

impl std::fmt::Debug for Tracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracker").field("open", &self.open).finish()
    }
}

impl Tracker {
    /// A tracker grouping every later line of `logs`.
    pub(crate) fn follow(logs: &Logs, ui: Arc<Ui>) -> Arc<Self> {
        let to = Arc::clone(&ui);
        let tracker = Self::with_output(ui, move |text| to.say(text));
        tracker.attach(logs);
        tracker
    }

    fn with_output(ui: Arc<Ui>, say: impl Fn(&str) + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(Self {
            ui,
            say: Box::new(say),
            open: Mutex::new(Vec::new()),
        })
    }

    /// Groups every later line of `logs` too (a restarted function's).
    pub(crate) fn attach(self: &Arc<Self>, logs: &Logs) {
        let sink = Arc::clone(self);
        logs.set_sink(move |line| sink.line(line));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Group>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a group for a request about to be sent.
    pub(crate) fn open(&self, id: &str, kind: Kind) {
        self.lock().push(Group {
            id: id.to_owned(),
            kind,
            lines: Vec::new(),
            unclaimed: Vec::new(),
            started: false,
            ended: false,
            heading: None,
            printed: None,
        });
    }

    /// One line of output, as it is read.
    pub(crate) fn line(&self, line: &Line) {
        let mut open = self.lock();
        let by_id = open.iter().position(|g| line.text.contains(g.id.as_str()));
        let index = by_id.or_else(|| {
            let mut running = open.iter().enumerate().filter(|(_, g)| !g.ended);
            match (running.next(), running.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        });
        let Some(index) = index else {
            drop(open);
            (self.say)(&self.ui.function_line("  ", line));
            return;
        };
        let group = &mut open[index];
        if by_id.is_none() && !group.started {
            group.unclaimed.push(line.clone());
            return;
        }
        if crate::marker::is(&line.text, &group.kind.start(&group.id)) {
            group.started = true;
            // What came before the marker was the instance's.
            let earlier = std::mem::take(&mut group.unclaimed);
            group.lines.push(line.clone());
            drop(open);
            for line in &earlier {
                (self.say)(&self.ui.function_line("  ", line));
            }
            return;
        }
        group.lines.push(line.clone());
        if crate::marker::is(&line.text, &group.kind.end(&group.id)) {
            group.ended = true;
            if group.heading.is_some() {
                let group = open.remove(index);
                drop(open);
                self.print(group, true);
            }
        }
    }

    /// The response for `id` arrived: its group is printed under `heading` once its
    /// End marker is seen, or after a grace period without it. A hook whose Start
    /// marker has not shown up soon after is taken for one of a runtime that prints
    /// no hook markers, and printed without waiting longer. The receiver resolves
    /// once the group is printed.
    pub(crate) fn close(self: &Arc<Self>, id: &str, heading: String) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        let mut open = self.lock();
        let Some(index) = open.iter().position(|g| g.id == id) else {
            drop(open);
            (self.say)(&heading);
            let _ = tx.send(());
            return rx;
        };
        let group = &mut open[index];
        group.heading = Some(heading);
        group.printed = Some(tx);
        if group.ended {
            let group = open.remove(index);
            drop(open);
            self.print(group, true);
        } else {
            let unmarked_hook = group.kind.is_hook() && !group.started;
            drop(open);
            let tracker = Arc::clone(self);
            let id = id.to_owned();
            tokio::spawn(async move {
                let mut waited = Duration::ZERO;
                if unmarked_hook {
                    tokio::time::sleep(HOOK_START_GRACE).await;
                    waited = HOOK_START_GRACE;
                    if let Some(group) = tracker.take(&id, |g| !g.started) {
                        tracker.print(group, true);
                        return;
                    }
                }
                tokio::time::sleep(END_GRACE.saturating_sub(waited)).await;
                if let Some(group) = tracker.take(&id, |_| true) {
                    tracker.print(group, false);
                }
            });
        }
        rx
    }

    /// Removes `id`'s group if it is still open and `when` holds for it.
    fn take(&self, id: &str, when: impl Fn(&Group) -> bool) -> Option<Group> {
        let mut open = self.lock();
        let index = open.iter().position(|g| g.id == id && when(g))?;
        Some(open.remove(index))
    }

    fn print(&self, mut group: Group, ended: bool) {
        let mut text = group.heading.take().unwrap_or_default();
        let bar = self.ui.paint(Style::Dim, "│ ");
        // Without a Start marker, the lines held for it were the invocation's.
        let unclaimed = std::mem::take(&mut group.unclaimed);
        for line in unclaimed.iter().chain(&group.lines) {
            text.push('\n');
            text.push_str(&self.ui.function_line(&bar, line));
        }
        if !ended {
            text.push('\n');
            text.push_str(&self.ui.paint(
                Style::Yellow,
                &format!(
                    "│ (no `{}` line within {} s)",
                    Marker::new(group.kind, Edge::End).line(&group.id),
                    END_GRACE.as_secs()
                ),
            ));
        }
        (self.say)(&text);
        if let Some(printed) = group.printed.take() {
            let _ = printed.send(());
        }
    }
}

/// A group's heading: `Invoke 1-… succeeded · 200 (x-fc-status: 200) · 3 ms`, green,
/// yellow (a success only as FC counts it) or red. An invocation succeeds unless
/// `x-fc-status` says otherwise; a hook (FC 3.0) with any 2xx.
pub(crate) fn heading(
    ui: &Ui,
    kind: Kind,
    what: &str,
    id: &str,
    result: &Result<Reply, String>,
) -> String {
    match result {
        Ok(reply) => {
            let (style, verdict) =
                match (kind.is_hook(), reply.succeeded(), reply.status.is_success()) {
                    (true, _, true) | (false, true, true) => (Style::Green, "succeeded"),
                    (true, _, false) => (Style::Red, "failed"),
                    // What FC does with an answer that has no x-fc-status.
                    (false, true, false) => (
                        Style::Yellow,
                        "succeeded, as FC counts it (no x-fc-status: 404)",
                    ),
                    (false, false, _) => (Style::Red, "failed"),
                };
            format!(
                "{} {} {}",
                ui.paint(Style::Bold, &format!("{what} {id}")),
                ui.paint(style, verdict),
                ui.paint(
                    Style::Dim,
                    &format!("· {} · {}", reply.describe(), ui::duration(reply.elapsed))
                ),
            )
        }
        Err(e) => format!(
            "{} {}",
            ui.paint(Style::Bold, &format!("{what} {id}")),
            ui.paint(Style::Red, &format!("failed: {e}"))
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::ColorChoice;
    use crate::logs::Stream;

    fn tracker() -> (Arc<Tracker>, Arc<Mutex<Vec<String>>>) {
        let said = Arc::new(Mutex::new(Vec::new()));
        let to = Arc::clone(&said);
        let ui = Arc::new(Ui::new(ColorChoice::Never));
        let tracker = Tracker::with_output(ui, move |text| to.lock().unwrap().push(text.into()));
        (tracker, said)
    }

    fn out(text: &str) -> Line {
        Line {
            stream: Stream::Stdout,
            text: text.into(),
        }
    }

    #[test]
    fn startup_lines_read_after_the_request_went_out_stay_the_instances() {
        let (tracker, said) = tracker();
        tracker.open("1-a", Kind::Initialize);
        // fc's log writer runs on its own thread: these can come after the request.
        tracker.line(&out("listening on 0.0.0.0:9000"));
        tracker.line(&out("FunctionCompute fc-rust runtime inited."));
        tracker.line(&out("FC Initialize Start RequestId: 1-a"));
        tracker.line(&out("loading prices"));
        tracker.line(&out("FC Initialize End RequestId: 1-a"));
        // Its End marker was seen: printed at once.
        drop(tracker.close("1-a", "Initialize 1-a succeeded".into()));
        assert_eq!(
            *said.lock().unwrap(),
            [
                "  listening on 0.0.0.0:9000",
                "  FunctionCompute fc-rust runtime inited.",
                "Initialize 1-a succeeded\n\
                 │ FC Initialize Start RequestId: 1-a\n\
                 │ loading prices\n\
                 │ FC Initialize End RequestId: 1-a",
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn without_markers_the_lines_held_are_the_invocations() {
        let (tracker, said) = tracker();
        tracker.open("1-b", Kind::PreStop);
        tracker.line(&out("closing the pool"));
        tracker.line(&out("closed"));
        tracker
            .close("1-b", "PreStop 1-b succeeded".into())
            .await
            .unwrap();
        assert_eq!(
            *said.lock().unwrap(),
            ["PreStop 1-b succeeded\n│ closing the pool\n│ closed"]
        );
    }
}
