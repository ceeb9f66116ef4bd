//! The function as a child process, started and stopped the way FC does it: the
//! environment FC sets, a port that must accept connections within the start-up
//! timeout, `GET /pre-stop` and then SIGTERM.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::args::FunctionArgs;
use crate::client::{self, Conn, Reply};
use crate::emulation::Emulation;
use crate::error::{self, Error};
use crate::group::{self, Tracker};
use crate::identity::{self, Identity};
use crate::logs::{Line, Logs, Stream};
use crate::marker::Kind;
use crate::request::Requests;
use crate::ui::{self, Style, Ui};

/// How long the function may take to exit after SIGTERM before it is killed.
const TERM_GRACE: Duration = Duration::from_secs(15);

/// A running function.
#[derive(Debug)]
pub(crate) struct Function {
    child: Child,
    /// The port it was given.
    pub(crate) port: u16,
    /// Where fc-local reaches it.
    pub(crate) addr: SocketAddr,
    pub(crate) logs: Arc<Logs>,
    /// The command, for messages.
    pub(crate) program: String,
    /// Requests as FC sends them to this function.
    pub(crate) requests: Requests,
    /// Its configuration, as fc-local emulates it.
    pub(crate) emulation: Emulation,
    readers: Vec<JoinHandle<()>>,
    exited: Option<ExitStatus>,
}

/// A free port on this machine: bound, read and released.
pub(crate) fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

impl Function {
    /// Starts the function `args` describe, its output going to `logs`; on failure,
    /// the error saying why.
    pub(crate) fn start(args: &FunctionArgs, logs: Arc<Logs>, ui: &Ui) -> Result<Function, Error> {
        let emulation = Emulation::load(args, ui)?;
        let identity = Arc::new(Identity::new(args, emulation.config()));
        let env: Vec<(String, String)> = emulation
            .environment()
            .iter()
            .chain(&args.env)
            .cloned()
            .collect();
        let mut function = Function::spawn(&args.command, &env, identity, logs)
            .map_err(|e| Error::fatal(format!("fc-local: {e}")))?;
        function.emulation = emulation;
        Ok(function)
    }

    /// How long fc-local waits for an invocation's answer: the function's timeout
    /// and 5 s more.
    pub(crate) fn invocation_timeout(&self) -> Duration {
        Duration::from_secs(self.requests.identity().timeout_s + 5)
    }

    /// Waits until the function listens (see [`Function::wait_listening`]); when it
    /// does not, shows why with its last output (there and then), ends it and fails.
    pub(crate) async fn listening(
        &mut self,
        args: &FunctionArgs,
        ui: &Ui,
    ) -> Result<Duration, Error> {
        match self
            .wait_listening(Duration::from_secs(args.start_timeout), ui)
            .await
        {
            Ok(waited) => Ok(waited),
            Err(why) => {
                report_start_failure(self, &why, ui);
                let _ = self.terminate().await;
                Err(Error::quiet(error::Kind::Fatal))
            }
        }
    }

    /// Starts `command` with FC's environment (plus `env`) on a free port; its output
    /// goes to `logs`.
    pub(crate) fn spawn(
        command: &[String],
        env: &[(String, String)],
        identity: Arc<Identity>,
        logs: Arc<Logs>,
    ) -> Result<Function, String> {
        let (program, args) = command
            .split_first()
            .ok_or_else(|| "no command to run".to_owned())?;
        let port = free_port().map_err(|e| format!("cannot find a free port: {e}"))?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .envs(identity.env(port))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // Its own process group: Ctrl-C in the terminal reaches fc-local alone, which
        // then stops the function as FC would (pre-stop, then SIGTERM).
        #[cfg(unix)]
        cmd.process_group(0);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start `{program}`: {e}"))?;
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            readers.push(read_lines(out, Stream::Stdout, Arc::clone(&logs)));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(read_lines(err, Stream::Stderr, Arc::clone(&logs)));
        }
        Ok(Function {
            child,
            port,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            logs,
            program: display_command(command),
            requests: Requests::new(identity, port),
            emulation: Emulation::default(),
            readers,
            exited: None,
        })
    }

    /// The exit status, once the process has ended.
    pub(crate) fn exited(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().ok().flatten();
        }
        self.exited
    }

    /// Waits until the port accepts a TCP connection, as FC does, for at most
    /// `timeout`; a progress line says what is awaited. Fails when the process exits
    /// first or the time runs out.
    pub(crate) async fn wait_listening(
        &mut self,
        timeout: Duration,
        ui: &Ui,
    ) -> Result<Duration, String> {
        let start = Instant::now();
        let mut last_shown = u64::MAX;
        loop {
            let waited = start.elapsed();
            if let Some(status) = self.exited() {
                ui.end_progress();
                return Err(format!(
                    "`{}` {} before listening on port {}",
                    self.program,
                    describe_exit(status),
                    self.port
                ));
            }
            let attempt =
                tokio::time::timeout(Duration::from_millis(500), TcpStream::connect(self.addr))
                    .await;
            if let Ok(Ok(_stream)) = attempt {
                ui.end_progress();
                return Ok(waited);
            }
            if waited >= timeout {
                ui.end_progress();
                return Err(format!(
                    "`{}` did not accept connections on port {} within {} s (FC gives a \
                     function 120 s: listen on FC_CUSTOM_LISTEN_PORT, or FC_SERVER_PORT)",
                    self.program,
                    self.port,
                    timeout.as_secs()
                ));
            }
            if waited.as_secs() != last_shown {
                last_shown = waited.as_secs();
                let mut text = format!(
                    "waiting for `{}` to listen on port {} (up to {} s)",
                    self.program,
                    self.port,
                    timeout.as_secs()
                );
                if ui.is_live() {
                    text.push_str(&format!(": {last_shown} s"));
                }
                ui.progress(&text);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `GET /pre-stop` as request `id`, on a connection of its own.
    pub(crate) async fn pre_stop(&self, id: &str) -> Result<Reply, String> {
        let mut conn = Conn::connect(self.addr).await?;
        let timeout = self.emulation.pre_stop_timeout();
        client::exchange(&mut conn, self.requests.pre_stop(id), timeout).await
    }

    /// Stops the function as FC stops an instance: `/pre-stop` unless its s.yaml
    /// configures none (its log lines grouped by `tracker` under its `FC PreStop`
    /// markers), then SIGTERM; one line says how it went.
    pub(crate) async fn stop(&mut self, ui: &Ui, tracker: &Arc<Tracker>) {
        let pre_stop = if !self.emulation.sends_pre_stop() {
            "no preStop configured".to_owned()
        } else if self.exited().is_none() {
            let id = identity::request_id();
            tracker.open(&id, Kind::PreStop);
            let result = self.pre_stop(&id).await;
            let _ = tracker
                .close(
                    &id,
                    group::heading(ui, Kind::PreStop, "PreStop", &id, &result),
                )
                .await;
            match result {
                Ok(reply) if reply.status.is_success() => {
                    format!("/pre-stop {}", reply.status.as_u16())
                }
                Ok(reply) => ui.paint(
                    Style::Yellow,
                    &format!("/pre-stop answered {}", reply.status.as_u16()),
                ),
                Err(e) => ui.paint(Style::Yellow, &format!("/pre-stop: {e}")),
            }
        } else {
            "no /pre-stop".to_owned()
        };
        let was_running = self.exited().is_none();
        let (status, took) = self.terminate().await;
        let end = match (was_running, status) {
            (true, Some(status)) => format!(
                "{} {} after SIGTERM",
                describe_exit(status),
                ui::duration(took)
            ),
            (false, Some(status)) => ui.paint(
                Style::Yellow,
                &format!("had already {}", describe_exit(status)),
            ),
            (_, None) => ui.paint(
                Style::Yellow,
                &format!("still running {} after SIGTERM: killed", ui::duration(took)),
            ),
        };
        ui.say(&ui.paint(Style::Dim, &format!("fc-local: stopped: {pre_stop}, {end}")));
    }

    /// SIGTERM (to the function's process group), then waits for it to exit; kills it
    /// after [`TERM_GRACE`]. Returns the exit status (None: killed) and how long it
    /// took. Waits briefly for the rest of its output.
    pub(crate) async fn terminate(&mut self) -> (Option<ExitStatus>, Duration) {
        let start = Instant::now();
        let status = if let Some(status) = self.exited() {
            Some(status)
        } else {
            self.signal("TERM");
            match tokio::time::timeout(TERM_GRACE, self.child.wait()).await {
                Ok(Ok(status)) => Some(status),
                _ => {
                    self.signal("KILL");
                    let _ = self.child.kill().await;
                    None
                }
            }
        };
        self.exited = status.or(self.exited);
        let elapsed = start.elapsed();
        for reader in self.readers.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(2), reader).await;
        }
        (status, elapsed)
    }

    fn signal(&mut self, name: &str) {
        let Some(pid) = self.child.id() else { return };
        #[cfg(unix)]
        {
            // The process group created at spawn: the function and what it started.
            let group = format!("-{pid}");
            let sent = std::process::Command::new("kill")
                .args(["-s", name, "--", &group])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if sent {
                return;
            }
            let _ = std::process::Command::new("kill")
                .args(["-s", name, &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
        #[cfg(not(unix))]
        {
            let _ = (pid, name);
            let _ = self.child.start_kill();
        }
    }

    /// The last `n` lines of output, for a message about a function that failed.
    pub(crate) fn tail(&self, n: usize) -> Vec<Line> {
        let lines = self.logs.snapshot();
        let skip = lines.len().saturating_sub(n);
        lines.into_iter().skip(skip).collect()
    }
}

fn read_lines(
    pipe: impl AsyncRead + Unpin + Send + 'static,
    stream: Stream,
    logs: Arc<Logs>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut reader = BufReader::new(pipe);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                        buf.pop();
                    }
                    logs.push(Line {
                        stream,
                        text: String::from_utf8_lossy(&buf).into_owned(),
                    });
                }
            }
        }
    })
}

/// The command as a shell would take it back: words with spaces or quotes quoted.
fn display_command(command: &[String]) -> String {
    let plain = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b))
    };
    command
        .iter()
        .map(|w| {
            if plain(w) {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `exited 0`, `exited 3`, `was killed by signal 15 (TERM)`.
pub(crate) fn describe_exit(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                2 => " (INT)",
                9 => " (KILL)",
                15 => " (TERM)",
                _ => "",
            };
            return format!("was killed by signal {signal}{name}");
        }
    }
    format!("ended ({status})")
}

/// Prints why the function did not start, with its last lines of output.
pub(crate) fn report_start_failure(function: &Function, why: &str, ui: &Ui) {
    ui.say(&ui.paint(ui::Style::Red, &format!("fc-local: {why}")));
    let tail = function.tail(30);
    if !tail.is_empty() {
        ui.say(&ui.paint(ui::Style::Dim, "its last output:"));
        for line in &tail {
            ui.say(&ui.function_line("  ", line));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn commands_are_shown_quoted_where_needed() {
        let words = ["sh", "-c", "sleep 3; exec ./x", "it's"].map(str::to_owned);
        assert_eq!(
            super::display_command(&words),
            r#"sh -c 'sleep 3; exec ./x' 'it'\''s'"#
        );
    }
}
