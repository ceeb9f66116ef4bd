//! What people read: colours only on a terminal (and never with `NO_COLOR`), a
//! progress line that redraws in place on a terminal and is printed once elsewhere.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use crate::args::ColorChoice;
use crate::logs::{Line, Stream};

#[derive(Debug, Clone, Copy)]
pub(crate) enum Style {
    Bold,
    Dim,
    Red,
    Green,
    Yellow,
    Cyan,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Red => "31",
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Cyan => "36",
        }
    }
}

/// Messages go to stderr; results (an invocation's body, check lines) to stdout.
#[derive(Debug)]
pub(crate) struct Ui {
    err_color: bool,
    out_color: bool,
    /// stderr is a terminal: the progress line redraws in place.
    live: bool,
    progress: Mutex<Option<String>>,
}

impl Ui {
    pub(crate) fn new(choice: ColorChoice) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("TERM").is_ok_and(|t| t == "dumb");
        let decide = |terminal: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        };
        let live = std::io::stderr().is_terminal();
        Self {
            err_color: decide(live),
            out_color: decide(std::io::stdout().is_terminal()),
            live,
            progress: Mutex::new(None),
        }
    }

    fn paint_if(on: bool, style: Style, text: &str) -> String {
        if on {
            format!("\x1b[{}m{text}\x1b[0m", style.code())
        } else {
            text.to_owned()
        }
    }

    /// Whether stderr is a terminal (the progress line redraws in place).
    pub(crate) fn is_live(&self) -> bool {
        self.live
    }

    /// `text` in `style`, for stderr.
    pub(crate) fn paint(&self, style: Style, text: &str) -> String {
        Self::paint_if(self.err_color, style, text)
    }

    /// `text` in `style`, for stdout.
    pub(crate) fn paint_out(&self, style: Style, text: &str) -> String {
        Self::paint_if(self.out_color, style, text)
    }

    /// A line on stderr, above the progress line if one is showing.
    pub(crate) fn say(&self, text: &str) {
        let progress = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        let mut err = std::io::stderr().lock();
        if self.live && progress.is_some() {
            let _ = write!(err, "\r\x1b[2K");
        }
        let _ = writeln!(err, "{text}");
        if self.live {
            if let Some(p) = progress.as_deref() {
                let _ = write!(err, "{p}");
            }
        }
        let _ = err.flush();
    }

    /// A line on stdout (check results, the invocation's body).
    pub(crate) fn out(&self, text: &str) {
        let _progress = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// Shows or updates the progress line. On a terminal it redraws in place; elsewhere
    /// only the first text is printed, as an ordinary line.
    pub(crate) fn progress(&self, text: &str) {
        let mut progress = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        let first = progress.is_none();
        let text = self.paint(Style::Dim, text);
        let mut err = std::io::stderr().lock();
        if self.live {
            let _ = write!(err, "\r\x1b[2K{text}");
        } else if first {
            let _ = writeln!(err, "{text}");
        }
        let _ = err.flush();
        *progress = Some(text);
    }

    /// Removes the progress line.
    pub(crate) fn end_progress(&self) {
        let mut progress = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        if progress.take().is_some() && self.live {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }

    /// One line of the function's output, coloured by what it is: markers dim, errors
    /// red, warnings yellow; stderr lines marked.
    pub(crate) fn function_line(&self, indent: &str, line: &Line) -> String {
        let text = line.text.as_str();
        let style = if crate::marker::is_any(text) || text.starts_with("FunctionCompute ") {
            Some(Style::Cyan)
        } else if text.contains(" [ERROR] ")
            || text.contains(" [FATAL] ")
            || text.contains(r#""level":"ERROR""#)
        {
            Some(Style::Red)
        } else if text.contains(" [WARN] ")
            || text.contains(" [WARNING] ")
            || text.contains(r#""level":"WARN""#)
        {
            Some(Style::Yellow)
        } else {
            None
        };
        let body = match style {
            Some(style) => self.paint(style, text),
            None => text.to_owned(),
        };
        match line.stream {
            Stream::Stdout => format!("{indent}{body}"),
            Stream::Stderr => format!("{indent}{}{body}", self.paint(Style::Dim, "stderr| ")),
        }
    }
}

/// A duration for people: `12 ms`, `1.52 s`.
pub(crate) fn duration(d: std::time::Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}
