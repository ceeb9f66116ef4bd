//! [`Output`]: where marker lines and log lines go, one whole line at a time.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tracing_subscriber::fmt::MakeWriter;

/// Where fc writes marker lines and, with its own subscriber, log lines: stdout (what
/// FC collects), or an in-memory buffer for tests.
///
/// Every line is written whole under one lock, so concurrent invocations never
/// interleave within a line.
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

    /// Writes one whole line (a newline is added).
    pub(crate) fn line(&self, text: std::fmt::Arguments<'_>) {
        // Formatted straight into the locked writer: stdout's line buffer sends the
        // whole line in one write once the newline is in, and no other thread can
        // write in between.
        let _ = match &self.buffer {
            None => writeln!(io::stdout().lock(), "{text}"),
            Some(buffer) => writeln!(lock(buffer), "{text}"),
        };
    }

    /// Writes one whole line made of `parts` (a newline is added), in one write.
    pub(crate) fn line_of(&self, parts: &[&str]) {
        let len = parts.iter().map(|p| p.len()).sum::<usize>() + 1;
        let mut line = Vec::with_capacity(len);
        for part in parts {
            line.extend_from_slice(part.as_bytes());
        }
        line.push(b'\n');
        let _ = match &self.buffer {
            None => io::stdout().lock().write_all(&line),
            Some(buffer) => lock(buffer).write_all(&line),
        };
    }

    /// Flushes stdout.
    pub(crate) fn flush(&self) {
        let _ = self.make_writer().flush();
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
    Stdout(io::Stdout),
    Buffer(&'a Mutex<Vec<u8>>),
}

impl Write for OutputWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &self.target {
            // `Stdout::write_all` holds the stdout lock for the whole buffer.
            Target::Stdout(stdout) => stdout.lock().write_all(buf),
            Target::Buffer(buffer) => {
                lock(buffer).extend_from_slice(buf);
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &self.target {
            Target::Stdout(stdout) => stdout.lock().flush(),
            Target::Buffer(_) => Ok(()),
        }
    }
}

impl<'a> MakeWriter<'a> for Output {
    type Writer = OutputWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        let target = match &self.buffer {
            Some(buffer) => Target::Buffer(buffer),
            None => Target::Stdout(io::stdout()),
        };
        OutputWriter { target }
    }
}
