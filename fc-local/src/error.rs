//! Why a command did not succeed: which of fc-local's two kinds of failure it is, and
//! the message left to print. Commands return it; `main` prints it and turns its
//! kind into the exit status.

use std::fmt;

use crate::ui::{Style, Ui};

/// The two ways a command fails, each its own exit status (see `main`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The invocation, or a check, failed.
    Failed,
    /// The function did not start, or fc-local could not do its work.
    Fatal,
}

/// A command's failure.
#[derive(Debug)]
pub(crate) struct Error {
    kind: Kind,
    /// The line for stderr; None when there is nothing left to say (it was said where
    /// it happened, in between other output).
    message: Option<String>,
    /// Red, as fc-local's errors are, or plain.
    red: bool,
}

impl Error {
    /// The invocation or a check failed, and `message` (red) says how.
    pub(crate) fn failed(message: impl Into<String>) -> Error {
        Error {
            kind: Kind::Failed,
            message: Some(message.into()),
            red: true,
        }
    }

    /// fc-local could not do its work, and `message` (red) says why.
    pub(crate) fn fatal(message: impl Into<String>) -> Error {
        Error {
            kind: Kind::Fatal,
            message: Some(message.into()),
            red: true,
        }
    }

    /// A failure with nothing left to print: what there was to say was said where it
    /// happened (or there is nothing to say, as when stdout is closed).
    pub(crate) fn quiet(kind: Kind) -> Error {
        Error {
            kind,
            message: None,
            red: false,
        }
    }

    /// The same, its message printed without colour.
    pub(crate) fn plain(self) -> Error {
        Error { red: false, ..self }
    }

    /// Which failure it is.
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    /// Prints the message, if there is one left, on stderr.
    pub(crate) fn show(&self, ui: &Ui) {
        if self.message.is_none() {
            return;
        }
        let text = self.to_string();
        ui.say(&if self.red {
            ui.paint(Style::Red, &text)
        } else {
            text
        });
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(message) => f.write_str(message),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Error {}
