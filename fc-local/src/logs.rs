//! The function's output, line by line: every line kept (the check reads them all),
//! and each handed to a sink as it arrives (invoke and serve group them).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

/// Which pipe a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

/// One line of the function's output, without its line ending.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub(crate) stream: Stream,
    pub(crate) text: String,
}

type Sink = Box<dyn Fn(&Line) + Send + Sync>;

/// All lines so far, in the order they were read.
pub(crate) struct Logs {
    lines: Mutex<Vec<Line>>,
    count: watch::Sender<usize>,
    /// Held while a line is stored and handed on, so the sink sees lines in order.
    sink: Mutex<Option<Sink>>,
}

impl std::fmt::Debug for Logs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logs").field("lines", &self.len()).finish()
    }
}

impl Logs {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            lines: Mutex::new(Vec::new()),
            count: watch::channel(0).0,
            sink: Mutex::new(None),
        })
    }

    /// Hands every later line to `sink` too.
    pub(crate) fn set_sink(&self, sink: impl Fn(&Line) + Send + Sync + 'static) {
        *self.sink.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(sink));
    }

    pub(crate) fn push(&self, line: Line) {
        let sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sink) = sink.as_ref() {
            sink(&line);
        }
        let len = {
            let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
            lines.push(line);
            lines.len()
        };
        drop(sink);
        self.count.send_replace(len);
    }

    pub(crate) fn len(&self) -> usize {
        self.lines.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub(crate) fn snapshot(&self) -> Vec<Line> {
        self.lines.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until `done` holds for the lines so far, at most `timeout`; tells whether
    /// it did.
    pub(crate) async fn wait_until(
        &self,
        timeout: Duration,
        done: impl Fn(&[Line]) -> bool,
    ) -> bool {
        let mut changed = self.count.subscribe();
        let wait = async {
            loop {
                {
                    let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
                    if done(&lines) {
                        return;
                    }
                }
                if changed.changed().await.is_err() {
                    // Cannot happen while `self` lives; stop waiting rather than spin.
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wait_until_sees_lines_pushed_later() {
        let logs = Logs::new();
        let pusher = Arc::clone(&logs);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            pusher.push(Line {
                stream: Stream::Stdout,
                text: "ready".into(),
            });
        });
        assert!(
            logs.wait_until(Duration::from_secs(5), |l| l
                .iter()
                .any(|l| l.text == "ready"))
                .await
        );
        assert!(
            !logs
                .wait_until(Duration::from_millis(30), |l| l.len() > 1)
                .await
        );
    }
}
