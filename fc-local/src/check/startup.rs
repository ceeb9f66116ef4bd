//! Start-up: the port, all interfaces, the `runtime inited.` line (contract §1).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

use super::{Checker, LINE_GRACE, Outcome, Verdict};
use crate::function::Function;
use crate::logs::{Line, Stream};
use crate::ui::{self, Ui};

/// Names FC reserves for its own runtimes (contract §1): a custom runtime names
/// itself otherwise.
const OFFICIAL_RUNTIMES: [&str; 12] = [
    "nodejs", "node.js", "node", "python", "python3", "php", "java", "go", "golang", "dotnet",
    ".net", "custom",
];

/// The port check: whether the function accepts connections on its port in time.
pub(super) async fn port(function: &mut Function, timeout: Duration, ui: &Ui) -> Outcome {
    match function.wait_listening(timeout, ui).await {
        Ok(waited) => (
            Verdict::Pass,
            format!(
                "accepted a connection on the port it was given ({}) after {}",
                function.port,
                ui::duration(waited)
            ),
        ),
        Err(why) => (Verdict::Fail, why),
    }
}

impl Checker {
    pub(super) async fn interfaces(&mut self) -> Outcome {
        let other = SocketAddr::from(([127, 0, 0, 2], self.port));
        let attempt = tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(other)).await;
        match attempt {
            Ok(Ok(_)) => (
                Verdict::Pass,
                "accepts on 127.0.0.2 too: listening on all interfaces (0.0.0.0)".to_owned(),
            ),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => (
                Verdict::Fail,
                "127.0.0.1 accepts but 127.0.0.2 refuses: it listens on 127.0.0.1 only; FC \
                 connects from outside the instance (FunctionNotStarted): listen on 0.0.0.0"
                    .to_owned(),
            ),
            Ok(Err(e)) => (
                Verdict::Skip,
                format!("127.0.0.2 is not reachable on this machine ({e})"),
            ),
            Err(_) => (
                Verdict::Skip,
                "127.0.0.2 did not answer within 2 s on this machine".to_owned(),
            ),
        }
    }

    pub(super) async fn inited_line(&mut self) -> Outcome {
        self.logs
            .wait_until(LINE_GRACE, |lines| {
                lines.iter().any(|l| inited_name(&l.text).is_some())
            })
            .await;
        let lines = self.logs.snapshot();
        let found: Vec<&Line> = lines
            .iter()
            .filter(|l| inited_name(&l.text).is_some())
            .collect();
        let on_stdout: Vec<&&Line> = found
            .iter()
            .filter(|l| l.stream == Stream::Stdout)
            .collect();
        let (verdict, why) = match (found.first(), on_stdout.len()) {
            (None, _) => (
                Verdict::Fail,
                format!(
                    "no `FunctionCompute <runtime> runtime inited.` line within {} s of listening",
                    LINE_GRACE.as_secs()
                ),
            ),
            (Some(line), 0) => (
                Verdict::Fail,
                format!("`{}` went to stderr; FC expects it on stdout", line.text),
            ),
            (Some(_), n) if n > 1 => (
                Verdict::Fail,
                format!("printed {n} times; FC expects it once, at start"),
            ),
            (Some(line), _) => {
                let name = inited_name(&line.text).unwrap_or_default();
                if is_official(name) {
                    (
                        Verdict::Fail,
                        format!(
                            "`{}`: `{name}` is the name of an official FC runtime; a custom \
                             runtime names itself",
                            line.text
                        ),
                    )
                } else {
                    (Verdict::Pass, format!("`{}`, once, on stdout", line.text))
                }
            }
        };
        (verdict, why)
    }
}

/// The runtime's name in `FunctionCompute <name> runtime inited.`.
fn inited_name(text: &str) -> Option<&str> {
    text.strip_prefix("FunctionCompute ")?
        .strip_suffix(" runtime inited.")
}

/// Whether `name` is one of FC's own runtimes, with or without a version.
fn is_official(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let bare = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    OFFICIAL_RUNTIMES.contains(&lower.as_str()) || OFFICIAL_RUNTIMES.contains(&bare)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn official_names_are_recognised() {
        for name in [
            "python3",
            "Python",
            "nodejs",
            "nodejs18",
            "java",
            "python3.10",
            "go",
        ] {
            assert!(is_official(name), "{name}");
        }
        for name in ["fc-rust", "py-fixture", "my-runtime", "gopher"] {
            assert!(!is_official(name), "{name}");
        }
    }

    #[test]
    pub(super) fn the_inited_line_is_parsed() {
        assert_eq!(
            inited_name("FunctionCompute fc-rust runtime inited."),
            Some("fc-rust")
        );
        assert_eq!(inited_name("FunctionCompute fc-rust runtime inited"), None);
    }
}
