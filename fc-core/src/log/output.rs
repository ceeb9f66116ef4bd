//! [`Output`]: where marker lines and log lines go, one whole line at a time.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

use super::stdout::{Priority, Ticket, sink};

/// How long [`Output::flush`] waits for lines queued behind a stalled stdout.
const FLUSH_LIMIT: Duration = Duration::from_secs(1);

/// Where fc writes marker lines and, with its own subscriber, log lines: stdout (what
/// FC collects), or an in-memory buffer for tests.
///
/// Every line is written whole under one lock, so concurrent invocations never
/// interleave within a line. A stdout that is not being read never blocks the
/// caller: lines wait in a bounded queue, ordinary log lines are dropped (and
/// counted, in a line written once stdout drains) before FC's marker lines.
#[derive(Clone, Debug, Default)]
pub struct Output {
    buffer: Option<Arc<Mutex<Vec<u8>>>>,
}

impl Output {
    /// The process's stdout.
    pub fn stdout() -> Self {
        Self { buffer: None }
    }

    /// An in-memory buffer; read it with [`Output::captured`].
    pub fn capture() -> Self {
        Self {
            buffer: Some(Arc::default()),
        }
    }

    /// Everything written so far to a [`capture`](Output::capture) buffer (empty for
    /// stdout).
    pub fn captured(&self) -> String {
        match &self.buffer {
            Some(buffer) => String::from_utf8_lossy(&lock(buffer)).into_owned(),
            None => String::new(),
        }
    }

    /// Writes one whole line (a newline is added): an FC line (the runtime-inited
    /// line), kept before log lines when stdout is backed up.
    pub(crate) fn line(&self, text: std::fmt::Arguments<'_>) {
        match &self.buffer {
            None => {
                let mut line = text.to_string();
                line.push('\n');
                let _ = sink().write(line.as_bytes(), Priority::Keep);
            }
            Some(buffer) => {
                let _ = writeln!(lock(buffer), "{text}");
            }
        }
    }

    /// Writes one whole marker line made of `parts` (a newline is added), in one
    /// write. A ticket when it had to wait in the queue behind a slow stdout.
    pub(crate) fn line_of(&self, parts: &[&str]) -> Option<Ticket> {
        let len = parts.iter().map(|p| p.len()).sum::<usize>() + 1;
        // A marker line (a request id is at most 128 bytes) fits on the stack: no
        // allocation on every invocation's path.
        let mut stack = [0u8; 256];
        let mut heap = Vec::new();
        let line: &mut [u8] = if len <= stack.len() {
            &mut stack[..len]
        } else {
            heap.resize(len, 0);
            &mut heap
        };
        let mut at = 0;
        for part in parts {
            line[at..at + part.len()].copy_from_slice(part.as_bytes());
            at += part.len();
        }
        line[at] = b'\n';
        match &self.buffer {
            None => sink().write(line, Priority::Keep),
            Some(buffer) => {
                lock(buffer).extend_from_slice(line);
                None
            }
        }
    }

    /// Lines wait in a queue behind a slow stdout: a marker written now may not be
    /// in the pipe when the call returns.
    pub(crate) fn backed_up(&self) -> bool {
        self.buffer.is_none() && sink().backed_up()
    }

    /// Waits, up to `limit`, until the queued line is written; not at all while the
    /// reader has stopped (a wait timed out and nothing was written since).
    pub(crate) async fn written(&self, ticket: Ticket, limit: Duration) {
        sink().wait_within(ticket, limit).await;
    }

    /// Flushes stdout: waits (up to a second) for lines queued behind a stalled
    /// reader, and flushes what the program printed through `std::io::stdout`.
    pub(crate) fn flush(&self) {
        self.flush_within(FLUSH_LIMIT);
    }

    /// [`flush`](Output::flush), waiting up to `limit` for queued lines.
    pub(crate) fn flush_within(&self, limit: Duration) {
        if self.buffer.is_none() {
            sink().flush(limit);
            let _ = io::stdout().flush();
        }
    }
}

fn lock(buffer: &Mutex<Vec<u8>>) -> MutexGuard<'_, Vec<u8>> {
    buffer.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A writer for one line or one event, from [`Output`].
#[derive(Debug)]
pub struct OutputWriter<'a> {
    target: Target<'a>,
}

#[derive(Debug)]
enum Target<'a> {
    Stdout,
    Buffer(&'a Mutex<Vec<u8>>),
}

impl Write for OutputWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &self.target {
            // One event, whole: a log line, dropped first when stdout is backed up.
            Target::Stdout => {
                let _ = sink().write(buf, Priority::Ordinary);
            }
            Target::Buffer(buffer) => lock(buffer).extend_from_slice(buf),
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Output {
    type Writer = OutputWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        let target = match &self.buffer {
            Some(buffer) => Target::Buffer(buffer),
            None => Target::Stdout,
        };
        OutputWriter { target }
    }
}
