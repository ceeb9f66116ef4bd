//! `fc-local invoke`: one event, as FC's console sends a test event.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http::Method;

use crate::client::{self, Conn, Reply};
use crate::function::{self, Function};
use crate::group::{Kind, Tracker};
use crate::identity::{self, Control, Identity};
use crate::logs::Logs;
use crate::ui::{self, Style, Ui};
use crate::{EXIT_ERROR, EXIT_FAILED, FunctionArgs};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The event: a file, or `-` for standard input [default: an empty event]
    #[arg(long, value_name = "FILE|-", conflicts_with = "data")]
    event: Option<PathBuf>,
    /// The event, inline
    #[arg(short = 'd', long, value_name = "TEXT")]
    data: Option<String>,
    /// Send `/initialize` first, as FC does for a function configured with an
    /// initializer
    #[arg(long)]
    initializer: bool,
    #[command(flatten)]
    function: FunctionArgs,
}

pub(crate) async fn run(args: Args, ui: Arc<Ui>) -> u8 {
    let event = match crate::read_event(args.event.as_deref(), args.data.as_deref()) {
        Ok(event) => event,
        Err(e) => {
            ui.say(&format!("fc-local: {e}"));
            return EXIT_ERROR;
        }
    };
    let identity = Arc::new(Identity::new(&args.function));
    let logs = Logs::new();
    let tracker = Tracker::new(Arc::clone(&ui));
    {
        let tracker = Arc::clone(&tracker);
        logs.set_sink(move |line| tracker.line(line));
    }
    let mut function =
        match Function::spawn(&args.function.command, &args.function.env, identity, logs) {
            Ok(function) => function,
            Err(e) => {
                ui.say(&ui.paint(Style::Red, &format!("fc-local: {e}")));
                return EXIT_ERROR;
            }
        };
    let (code, listened) = invoke(&mut function, &args, event, &ui, &tracker).await;
    if listened {
        stop(&mut function, &ui).await;
    } else {
        let _ = function.terminate().await;
    }
    code
}

/// The exit code, and whether the function got as far as listening.
async fn invoke(
    function: &mut Function,
    args: &Args,
    event: Vec<u8>,
    ui: &Ui,
    tracker: &Arc<Tracker>,
) -> (u8, bool) {
    let start_timeout = Duration::from_secs(args.function.start_timeout);
    match function.wait_listening(start_timeout, ui).await {
        Ok(waited) => ui.say(&ui.paint(
            Style::Dim,
            &format!(
                "fc-local: `{}` listens on port {} (function {}, started in {})",
                function.program,
                function.port,
                function.identity.function_name,
                ui::duration(waited)
            ),
        )),
        Err(why) => {
            function::report_start_failure(function, &why, ui);
            return (EXIT_ERROR, false);
        }
    }
    (attempt(function, args, event, ui, tracker).await, true)
}

async fn attempt(
    function: &mut Function,
    args: &Args,
    event: Vec<u8>,
    ui: &Ui,
    tracker: &Arc<Tracker>,
) -> u8 {
    let timeout = Duration::from_secs(args.function.timeout + 5);
    let mut conn = match Conn::connect(function.addr).await {
        Ok(conn) => conn,
        Err(e) => {
            ui.say(&ui.paint(Style::Red, &format!("fc-local: {e}")));
            return EXIT_ERROR;
        }
    };

    if args.initializer {
        let id = identity::request_id();
        let request = function.request(
            Method::POST,
            "/initialize",
            &id,
            Control::Initialize,
            client::full(Vec::new()),
        );
        tracker.open(&id, Kind::Initialize);
        let result = client::exchange(&mut conn, request, timeout).await;
        let ok = result.as_ref().is_ok_and(Reply::succeeded);
        let _ = tracker
            .close(&id, heading(ui, "Initialize", &id, &result))
            .await;
        if !ok {
            if let Ok(reply) = &result {
                print_body(&reply.body);
            }
            return EXIT_FAILED;
        }
        if !conn.ready().await {
            conn = match Conn::connect(function.addr).await {
                Ok(conn) => conn,
                Err(e) => {
                    ui.say(&ui.paint(Style::Red, &format!("fc-local: {e}")));
                    return EXIT_ERROR;
                }
            };
        }
    }

    let id = identity::request_id();
    let mut request = function.request(
        Method::POST,
        "/invoke",
        &id,
        Control::Invoke,
        client::full(event),
    );
    request.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/octet-stream"),
    );
    tracker.open(&id, Kind::Invoke);
    let result = client::exchange(&mut conn, request, timeout).await;
    let _ = tracker
        .close(&id, heading(ui, "Invoke", &id, &result))
        .await;
    match result {
        Ok(reply) => {
            print_body(&reply.body);
            if reply.succeeded() { 0 } else { EXIT_FAILED }
        }
        Err(_) => EXIT_FAILED,
    }
}

/// `Invoke 1-… · 200 (x-fc-status: 200) · 3 ms`, green or red.
fn heading(ui: &Ui, what: &str, id: &str, result: &Result<Reply, String>) -> String {
    match result {
        Ok(reply) => {
            let (style, verdict) = match (reply.succeeded(), reply.status.is_success()) {
                (true, true) => (Style::Green, "succeeded"),
                // What FC does with an answer that has no x-fc-status.
                (true, false) => (
                    Style::Yellow,
                    "succeeded, as FC counts it (no x-fc-status: 404)",
                ),
                (false, _) => (Style::Red, "failed"),
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

/// The result body, as is, on stdout (a final newline added on a terminal).
fn print_body(body: &[u8]) {
    use std::io::IsTerminal;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(body);
    if out.is_terminal() && !body.ends_with(b"\n") && !body.is_empty() {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

/// `/pre-stop`, then SIGTERM, as FC stops an instance.
pub(crate) async fn stop(function: &mut Function, ui: &Ui) {
    let pre_stop = if function.exited().is_none() {
        match function.pre_stop().await {
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
    let was_running = function.exited().is_none();
    let (status, took) = function.terminate().await;
    let end = match (was_running, status) {
        (true, Some(status)) => format!(
            "{} {} after SIGTERM",
            function::describe_exit(status),
            ui::duration(took)
        ),
        (false, Some(status)) => ui.paint(
            Style::Yellow,
            &format!("had already {}", function::describe_exit(status)),
        ),
        (_, None) => ui.paint(
            Style::Yellow,
            &format!("still running {} after SIGTERM: killed", ui::duration(took)),
        ),
    };
    ui.say(&ui.paint(Style::Dim, &format!("fc-local: stopped: {pre_stop}, {end}")));
}
