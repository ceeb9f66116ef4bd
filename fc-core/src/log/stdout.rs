//! Writing to stdout so that a log consumer that stops reading never blocks the
//! runtime.
//!
//! FC collects stdout through a pipe. When the reader stalls, a plain `write(2)`
//! blocks once the pipe (64 KiB) is full, and with it the Tokio worker that wrote,
//! then every other worker waiting for the same lock: every invocation and the
//! health check. So, when stdout is a pipe, a FIFO or a character device, fc writes
//! through a description of its own with `O_NONBLOCK` (fd 1 itself, which the
//! user's `println!` and child processes share, stays as it was):
//!
//! - **Healthy consumer:** each line is written at once, from the caller, in one
//!   `write(2)`: it is in the pipe before the caller goes on (before the response
//!   leaves, for markers: the instance may freeze right after it).
//! - **Pipe full:** the line, and every line after it while any wait (to keep their
//!   order), goes to a bounded queue that a thread of its own (started at the first
//!   need) writes with blocking writes, in batches. Nothing waits for it.
//! - **Queue full:** ordinary lines are dropped, and counted; markers (and the rest
//!   of a line already half written) have a reserved share, and when even that is
//!   full, queued ordinary lines make room for them. When the queue has drained, one
//!   line says how many were dropped, and lines are written at once again.
//!
//! Any other stdout (a regular file, a socket) is written directly, as before:
//! a file does not stall for a reader.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;

/// Bytes of ordinary lines the queue holds, at most.
const ORDINARY: usize = 768 * 1024;
/// Bytes the queue holds, at most: the rest, above [`ORDINARY`], is kept for markers.
const TOTAL: usize = 1024 * 1024;
/// The most one write of the writer thread carries.
const BATCH: usize = 256 * 1024;

/// The process's stdout, as fc writes it.
pub(crate) fn sink() -> &'static Sink {
    static SINK: OnceLock<Sink> = OnceLock::new();
    SINK.get_or_init(Sink::open)
}

/// What a line is, for what to drop first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Priority {
    /// A log line: dropped (and counted) first.
    Ordinary,
    /// An FC marker line, or the rest of a line already partly written.
    Keep,
}

pub(crate) struct Sink {
    /// Our own non-blocking description of stdout, when it is a pipe, a FIFO or a
    /// character device.
    fast: Option<File>,
    /// fd 1 itself (a duplicate): where the writer thread, and anything without a
    /// fast path, writes.
    blocking: Option<File>,
    state: Mutex<State>,
    /// The writer thread waits here for lines.
    queued: Condvar,
    /// [`Sink::flush`] waits here for the queue to drain.
    drained: Condvar,
    /// Lines are queued, or a drop is still to be reported: [`State::backed_up`],
    /// readable without the lock.
    backed_up: AtomicBool,
    /// The sequence number of the last queued line written.
    written: AtomicU64,
    /// Woken after each batch the writer thread writes.
    wrote: Notify,
    /// A wait for a line timed out, and the writer thread has written nothing
    /// since: the reader has stopped, and waiting again would only slow every
    /// response down.
    stalled: AtomicBool,
}

/// A queued line: [`Sink::written`] says when it is written.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ticket(u64);

#[derive(Default)]
struct State {
    queue: VecDeque<(Vec<u8>, Priority, u64)>,
    /// The sequence number of the last line queued.
    last_seq: u64,
    queued_bytes: usize,
    /// The writer thread is writing a batch it took from the queue.
    writing: bool,
    /// Lines dropped since the last report.
    dropped_lines: u64,
    dropped_markers: u64,
    writer_started: bool,
}

impl State {
    /// Lines go to the queue, not straight to stdout, while any are waiting or a
    /// drop is still to be reported.
    fn backed_up(&self) -> bool {
        self.writing
            || !self.queue.is_empty()
            || self.dropped_lines != 0
            || self.dropped_markers != 0
    }
}

impl State {
    /// Queues `bytes`, or counts them as dropped: ordinary lines up to [`ORDINARY`]
    /// bytes; lines to keep up to [`TOTAL`], making room by dropping queued ordinary
    /// lines, the oldest first. Its sequence number, when queued.
    fn push(&mut self, bytes: &[u8], priority: Priority) -> Option<u64> {
        let room = match priority {
            Priority::Ordinary => ORDINARY,
            Priority::Keep => TOTAL,
        };
        if self.queued_bytes + bytes.len() > room {
            if priority == Priority::Ordinary {
                self.dropped_lines += lines_in(bytes);
                return None;
            }
            while self.queued_bytes + bytes.len() > TOTAL {
                let Some(i) = self
                    .queue
                    .iter()
                    .position(|(_, p, _)| *p == Priority::Ordinary)
                else {
                    self.dropped_markers += lines_in(bytes);
                    return None;
                };
                if let Some((line, ..)) = self.queue.remove(i) {
                    self.queued_bytes -= line.len();
                    self.dropped_lines += lines_in(&line);
                }
            }
        }
        self.queued_bytes += bytes.len();
        self.last_seq += 1;
        self.queue
            .push_back((bytes.to_vec(), priority, self.last_seq));
        Some(self.last_seq)
    }
}

impl Sink {
    fn open() -> Sink {
        let blocking = duplicate_stdout();
        let fast = blocking.as_ref().and_then(nonblocking_description);
        Sink {
            fast,
            blocking,
            state: Mutex::new(State::default()),
            queued: Condvar::new(),
            drained: Condvar::new(),
            backed_up: AtomicBool::new(false),
            written: AtomicU64::new(0),
            wrote: Notify::new(),
            stalled: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lines are waiting in the queue (stdout is slow or not being read).
    pub(crate) fn backed_up(&self) -> bool {
        self.backed_up.load(Ordering::Relaxed)
    }

    /// Whether the queued line is written.
    pub(crate) fn written(&self, ticket: Ticket) -> bool {
        self.written.load(Ordering::Acquire) >= ticket.0
    }

    /// Waits, up to `limit`, until the queued line is written; not at all once a
    /// wait has timed out and nothing has been written since.
    pub(crate) async fn wait_within(&self, ticket: Ticket, limit: Duration) {
        if self.written(ticket) || self.stalled.load(Ordering::Relaxed) {
            return;
        }
        if tokio::time::timeout(limit, self.wait(ticket))
            .await
            .is_err()
        {
            self.stalled.store(true, Ordering::Relaxed);
        }
    }

    /// Waits until the queued line is written.
    async fn wait(&self, ticket: Ticket) {
        loop {
            let wrote = self.wrote.notified();
            tokio::pin!(wrote);
            wrote.as_mut().enable();
            if self.written(ticket) {
                return;
            }
            wrote.await;
        }
    }

    /// Writes whole lines (`bytes` ends with a newline); never blocks on a stalled
    /// reader when stdout is a pipe. A ticket when the line had to be queued.
    pub(crate) fn write(&'static self, bytes: &[u8], priority: Priority) -> Option<Ticket> {
        let mut state = self.lock();
        if !state.backed_up() {
            let Some(fast) = &self.fast else {
                // A file or a socket: written as before, whole, under the lock.
                if let Some(file) = &self.blocking {
                    let _ = (&*file).write_all(bytes);
                }
                return None;
            };
            let mut written = 0;
            loop {
                match (&*fast).write(&bytes[written..]) {
                    Ok(0) => return None,
                    Ok(n) => {
                        written += n;
                        if written == bytes.len() {
                            return None;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    // The reader is gone (EPIPE): nothing can be written, as before.
                    Err(_) => return None,
                }
            }
            // Half a line is out: its rest must follow, before anything else.
            let priority = if written > 0 {
                Priority::Keep
            } else {
                priority
            };
            self.enqueue(&mut state, &bytes[written..], priority)
        } else {
            self.enqueue(&mut state, bytes, priority)
        }
    }

    fn enqueue(
        &'static self,
        state: &mut State,
        bytes: &[u8],
        priority: Priority,
    ) -> Option<Ticket> {
        let seq = state.push(bytes, priority);
        self.backed_up.store(true, Ordering::Relaxed);
        let seq = seq?;
        if !state.writer_started {
            state.writer_started = std::thread::Builder::new()
                .name("fc-stdout".into())
                .spawn(|| self.run_writer())
                .is_ok();
        }
        self.queued.notify_one();
        Some(Ticket(seq))
    }

    /// The writer thread: writes what the queue holds, in batches, with blocking
    /// writes; after the batch that empties it, the count of what was dropped.
    fn run_writer(&self) {
        let mut state = self.lock();
        loop {
            while state.queue.is_empty() {
                state = self
                    .queued
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            let mut batch = Vec::with_capacity(state.queued_bytes.min(BATCH));
            let mut last = 0;
            while let Some((line, ..)) = state.queue.front() {
                if !batch.is_empty() && batch.len() + line.len() > BATCH {
                    break;
                }
                if let Some((line, _, seq)) = state.queue.pop_front() {
                    state.queued_bytes -= line.len();
                    batch.extend_from_slice(&line);
                    last = seq;
                }
            }
            if state.queue.is_empty() {
                report_drops(&mut batch, &mut state, JSON_REPORT.load(Ordering::Relaxed));
            }
            state.writing = true;
            drop(state);
            if let Some(file) = &self.blocking {
                write_all_waiting(file, &batch);
            }
            self.written.fetch_max(last, Ordering::Release);
            self.stalled.store(false, Ordering::Relaxed);
            self.wrote.notify_waiters();
            state = self.lock();
            state.writing = false;
            if !state.backed_up() {
                self.backed_up.store(false, Ordering::Relaxed);
                self.drained.notify_all();
            }
        }
    }

    /// Waits, up to `limit`, until every queued line is written.
    pub(crate) fn flush(&self, limit: Duration) {
        let until = Instant::now() + limit;
        let mut state = self.lock();
        while state.backed_up() && state.writer_started {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            state = self
                .drained
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// The log lines are JSON objects (`RUST_LOG_FORMAT=json`): the drop report is one too.
static JSON_REPORT: AtomicBool = AtomicBool::new(false);

/// Writes the drop report as a JSON object, as the log lines around it are.
pub(crate) fn report_in_json() {
    JSON_REPORT.store(true, Ordering::Relaxed);
}

/// Appends, in the log's format (FC's, or JSON), how many lines were dropped since
/// the last report.
fn report_drops(batch: &mut Vec<u8>, state: &mut State, json: bool) {
    let (lines, markers) = (state.dropped_lines, state.dropped_markers);
    if lines == 0 && markers == 0 {
        return;
    }
    state.dropped_lines = 0;
    state.dropped_markers = 0;
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let mut time = String::with_capacity(24);
    let _ = super::time::write_utc_millis(&mut time, millis);
    let mut message = format!("fc dropped {lines} log lines while stdout was not being read");
    if markers != 0 {
        message.push_str(&format!(", and {markers} FC marker lines"));
    }
    let line = if json {
        serde_json::json!({
            "time": time,
            "level": "WARN",
            "target": "fc",
            "message": message,
            "droppedLines": lines,
            "droppedMarkers": markers,
        })
        .to_string()
    } else {
        format!("{time} [WARN] {message}")
    };
    batch.extend_from_slice(line.as_bytes());
    batch.push(b'\n');
}

/// `write_all` that waits out `WouldBlock` (fd 1 made non-blocking by someone else).
fn write_all_waiting(mut file: &File, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        match file.write(bytes) {
            Ok(0) => return,
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(_) => return,
        }
    }
}

fn lines_in(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count().max(1) as u64
}

/// fd 1, duplicated: the same open file description.
fn duplicate_stdout() -> Option<File> {
    use std::os::fd::AsFd;
    io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .ok()
        .map(File::from)
}

/// A description of stdout of our own, opened anew with `O_NONBLOCK`, when stdout is
/// a pipe, a FIFO or a character device (a terminal, `/dev/null`). Opening
/// `/proc/self/fd/1` gives the same pipe, but a description whose flags are ours:
/// fd 1 stays blocking for everyone else. Not for regular files (a new description
/// has its own offset) or sockets (which cannot be opened so).
#[cfg(target_os = "linux")]
fn nonblocking_description(stdout: &File) -> Option<File> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let kind = stdout.metadata().ok()?.file_type();
    if !(kind.is_fifo() || kind.is_char_device()) {
        return None;
    }
    std::fs::OpenOptions::new()
        .write(true)
        // Not a terminal's new controlling process, either.
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open("/proc/self/fd/1")
        .ok()
}

#[cfg(not(target_os = "linux"))]
fn nonblocking_description(_: &File) -> Option<File> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(len: usize) -> Vec<u8> {
        let mut line = vec![b'x'; len - 1];
        line.push(b'\n');
        line
    }

    #[test]
    fn ordinary_lines_are_dropped_first_and_markers_make_room() {
        let mut state = State::default();
        let ordinary = line(1024);
        for _ in 0..ORDINARY / 1024 {
            assert!(state.push(&ordinary, Priority::Ordinary).is_some());
        }
        // The ordinary share is full: log lines are counted, markers still queue.
        assert!(state.push(&ordinary, Priority::Ordinary).is_none());
        assert!(state.push(b"two\nlines\n", Priority::Ordinary).is_none());
        assert_eq!(state.dropped_lines, 3);
        let marker = line(64);
        for _ in 0..(TOTAL - ORDINARY) / 64 {
            assert!(state.push(&marker, Priority::Keep).is_some());
        }
        assert_eq!(state.queued_bytes, TOTAL);
        // Full: the next marker takes the place of the oldest log line.
        assert!(state.push(&marker, Priority::Keep).is_some());
        assert_eq!(state.dropped_lines, 4);
        assert_eq!(state.queued_bytes, TOTAL - 1024 + 64);
        assert_eq!(
            state.queue.front().map(|(l, p, _)| (l.len(), *p)),
            Some((1024, Priority::Ordinary))
        );
        assert_eq!(state.queue.back().map(|(_, p, _)| *p), Some(Priority::Keep));
        assert_eq!(state.dropped_markers, 0);

        // Markers only: a marker that cannot fit is counted as such.
        let mut markers = State::default();
        let big = line(TOTAL / 2);
        assert!(markers.push(&big, Priority::Keep).is_some());
        assert!(markers.push(&big, Priority::Keep).is_some());
        assert!(markers.push(&marker, Priority::Keep).is_none());
        assert_eq!((markers.dropped_lines, markers.dropped_markers), (0, 1));
    }

    #[test]
    fn the_drop_report_is_a_json_object_when_the_log_is_json() {
        let mut state = State {
            dropped_lines: 7,
            ..State::default()
        };
        let mut batch = Vec::new();
        report_drops(&mut batch, &mut state, true);
        let line = String::from_utf8(batch).unwrap();
        assert_eq!(line.matches('\n').count(), 1, "{line}");
        let report: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(report["level"], "WARN");
        assert_eq!(report["droppedLines"], 7);
        assert_eq!(report["droppedMarkers"], 0);
        assert_eq!(
            report["message"],
            "fc dropped 7 log lines while stdout was not being read"
        );
        assert!(report["time"].as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn the_drop_report_is_one_line_in_fcs_format() {
        let mut state = State {
            dropped_lines: 631,
            ..State::default()
        };
        let mut batch = Vec::new();
        report_drops(&mut batch, &mut state, false);
        let text = String::from_utf8(batch).unwrap();
        assert!(
            text.ends_with("Z [WARN] fc dropped 631 log lines while stdout was not being read\n"),
            "{text}"
        );
        // `2025-02-13T08:57:13.042Z [WARN] …`
        let (time, rest) = text.split_at(24);
        assert_eq!((&time[10..11], &time[23..]), ("T", "Z"), "{text}");
        assert!(rest.starts_with(" [WARN] fc dropped 631 "), "{text}");
        assert_eq!(text.matches('\n').count(), 1);
        assert!(!state.backed_up());
        state.dropped_markers = 2;
        let mut batch = Vec::new();
        report_drops(&mut batch, &mut state, false);
        let text = String::from_utf8(batch).unwrap();
        assert!(
            text.ends_with(
                "fc dropped 0 log lines while stdout was not being read, and 2 FC marker lines\n"
            ),
            "{text}"
        );
    }
}
