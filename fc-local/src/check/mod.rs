//! `fc-local check`: a conformance run of any FC custom runtime, written in any
//! language, against the contract FC's documentation gives (port, start-up line,
//! dispatch, `x-fc-status`, markers, concurrency, keep-alive, HTTP passthrough and
//! response headers, WebSocket, h2c, health checks, pre-stop, SIGTERM). One line per
//! check; exit 1 on a failure.
//!
//! [`run`] lists every check in the order it runs; each family of checks lives in a
//! module of its own and returns its [`Outcome`], which [`Report`] prints.

mod connections;
mod dispatch;
mod health;
mod http;
mod lifecycle;
mod markers;
mod protocols;
mod startup;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ::http::{HeaderMap, Method, Request};

use crate::args::CheckArgs;
use crate::client::{self, Body, Conn, Reply};
use crate::error::{self, Error};
use crate::function::Function;
use crate::identity::{self, Control};
use crate::logs::Logs;
use crate::marker::Kind;
use crate::request::Requests;
use crate::ui::{Style, Ui};

/// How long a single check request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long markers and the start-up line may lag behind what they mark.
const LINE_GRACE: Duration = Duration::from_secs(3);
/// How long an invocation may wait while others are still arriving.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pass,
    Fail,
    Skip,
}

/// What a check found: its verdict and why.
type Outcome = (Verdict, String);

pub(crate) async fn run(args: CheckArgs, ui: Arc<Ui>) -> Result<(), Error> {
    let event = args
        .event
        .read()
        .map_err(|e| Error::fatal(format!("fc-local: {e}")).plain())?
        .unwrap_or_else(|| b"{}".to_vec());
    let logs = Logs::new();
    if args.verbose {
        let ui = Arc::clone(&ui);
        logs.set_sink(move |line| ui.say(&ui.function_line("  | ", line)));
    }
    let mut function = Function::start(&args.function, Arc::clone(&logs), &ui)?;
    ui.say(&format!(
        "fc-local check: `{}` ({} function, port {})",
        function.program,
        if args.http { "HTTP" } else { "event" },
        function.port
    ));
    let mut report = Report::new(Arc::clone(&ui));
    let start_timeout = Duration::from_secs(args.function.start_timeout);
    let port = startup::port(&mut function, start_timeout, &ui).await;
    let listening = port.0 == Verdict::Pass;
    report.line("port", port);
    if !listening {
        for line in function.tail(20) {
            ui.say(&ui.function_line("  | ", &line));
        }
        let _ = function.terminate().await;
        return report.summary();
    }
    let mut c = Checker {
        http: args.http,
        requests: function.requests.clone(),
        port: function.port,
        addr: function.addr,
        logs,
        main: None,
        sent: Vec::new(),
        http_headers: Vec::new(),
    };
    let path = args.path.as_str();
    let parallel = usize::from(args.parallel);

    let emulation = &function.emulation;
    // With an s.yaml, /initialize only when it configures an initializer, as on FC.
    let initialize =
        !args.no_initialize && (emulation.config().is_none() || emulation.sends_initialize(false));

    report.line("interfaces", c.interfaces().await);
    report.line("inited-line", c.inited_line().await);
    if initialize {
        report.line("initialize", c.initialize().await);
    }
    if let Some(health) = emulation.first_health_check(&c.requests, c.addr).await {
        let outcome = match health {
            Ok(passed) => (Verdict::Pass, passed),
            Err(why) => (Verdict::Fail, why),
        };
        report.line("health-check", outcome);
    }
    if args.http {
        report.line("http-invoke", c.http_invoke(path).await);
        report.line(
            "passthrough",
            c.passthrough(args.echo_path.as_deref()).await,
        );
        report.line(
            "websocket",
            c.websocket(args.websocket_path.as_deref()).await,
        );
        report.line("http2", c.http2(path).await);
    } else {
        report.line("invoke", c.invoke(&event).await);
        let fail = args
            .fail_data
            .as_deref()
            .unwrap_or("fc-local check: this event is not JSON {");
        report.line("failure", c.failure(fail.as_bytes()).await);
    }
    let sleeper = if args.http {
        args.sleep_path.as_deref()
    } else {
        args.sleep_data.as_deref()
    };
    let concurrency = match (emulation.instance_concurrency(), sleeper) {
        (Some(1), _) => (
            Verdict::Skip,
            "instanceConcurrency is 1 in s.yaml: FC sends this instance one request at a time"
                .to_owned(),
        ),
        (_, Some(what)) => c.concurrency_by_sleep(what, parallel).await,
        (_, None) => c.concurrency_by_holding(&event, path, parallel).await,
    };
    report.line("concurrency", concurrency);
    report.line("keep-alive", c.keep_alive(&event, path, args.idle).await);
    report.line("markers", c.markers().await);
    if args.http {
        // After `markers`: any marker the probe prints is the runtime's mistake alone.
        let configured = emulation.health_check();
        let health_path = args
            .health_path
            .as_deref()
            .or(configured.map(|h| h.http_get_url.as_str()));
        let timeout = configured.map_or(health::HEALTH_TIMEOUT, |h| {
            Duration::from_secs(h.timeout_seconds.max(1))
        });
        report.line("health", c.health(health_path, timeout, path).await);
        report.line("headers", c.response_headers());
    }
    let initialized: Vec<String> = c
        .sent
        .iter()
        .filter(|s| s.kind == Kind::Initialize)
        .map(|s| s.id.clone())
        .collect();
    emulation.warn_disagreements(&c.logs.snapshot(), &initialized, &ui);
    if function.emulation.sends_pre_stop() {
        report.line("pre-stop", c.pre_stop(&function).await);
    } else {
        let why = "s.yaml configures no preStop: FC sends no /pre-stop";
        report.line("pre-stop", (Verdict::Skip, why.to_owned()));
    }
    report.line("sigterm", c.sigterm(&mut function).await);
    report.summary()
}

/// One line per check on stdout, and the tally.
struct Report {
    ui: Arc<Ui>,
    /// Passed, failed, skipped.
    counts: [usize; 3],
}

impl Report {
    fn new(ui: Arc<Ui>) -> Self {
        Self { ui, counts: [0; 3] }
    }

    /// `pass  markers       why`.
    fn line(&mut self, name: &str, (verdict, why): Outcome) {
        let (word, style, index) = match verdict {
            Verdict::Pass => ("pass", Style::Green, 0),
            Verdict::Fail => ("FAIL", Style::Red, 1),
            Verdict::Skip => ("skip", Style::Yellow, 2),
        };
        self.counts[index] += 1;
        self.ui.out(&format!(
            "{}  {}  {why}",
            self.ui.paint_out(style, word),
            self.ui.paint_out(Style::Bold, &format!("{name:<12}")),
        ));
    }

    /// `11 passed, 0 failed, 0 skipped`; a failure when a check failed.
    fn summary(&self) -> Result<(), Error> {
        let [pass, fail, skip] = self.counts;
        let style = if fail > 0 { Style::Red } else { Style::Green };
        self.ui.out(&self.ui.paint_out(
            style,
            &format!("{pass} passed, {fail} failed, {skip} skipped"),
        ));
        if fail > 0 {
            Err(Error::quiet(error::Kind::Failed))
        } else {
            Ok(())
        }
    }
}

/// An invocation sent, for the markers check.
#[derive(Debug)]
struct Sent {
    id: String,
    kind: Kind,
}

/// What the checks share: how to reach the function, and what was sent and seen.
struct Checker {
    http: bool,
    requests: Requests,
    port: u16,
    addr: SocketAddr,
    logs: Arc<Logs>,
    /// FC's long-lived connection.
    main: Option<Conn>,
    sent: Vec<Sent>,
    /// Every HTTP-mode response's headers, for the response-headers check.
    http_headers: Vec<HeaderMap>,
}

impl Checker {
    /// A request with a new id.
    fn request(
        &self,
        method: Method,
        path: &str,
        control: Control,
        body: Vec<u8>,
    ) -> (String, Request<Body>) {
        let id = identity::request_id();
        let request = self
            .requests
            .build(method, path, &id, control, client::full(body));
        (id, request)
    }

    /// The invocation request for this mode: the event, or a request to `path`.
    fn invocation(&self, event: &[u8], path: &str) -> (String, Request<Body>) {
        if self.http {
            self.request(Method::GET, path, Control::HttpInvoke, Vec::new())
        } else {
            self.request(Method::POST, "/invoke", Control::Invoke, event.to_vec())
        }
    }

    /// Records an invocation sent on a connection of its own.
    fn record(&mut self, id: String) {
        self.sent.push(Sent {
            id,
            kind: Kind::Invoke,
        });
    }

    /// Sends on the main connection (FC's long-lived one), reconnecting if the
    /// function closed it; the keep-alive check is where closing counts.
    async fn send(
        &mut self,
        id: &str,
        kind: Kind,
        request: Request<Body>,
    ) -> Result<Reply, String> {
        self.sent.push(Sent {
            id: id.to_owned(),
            kind,
        });
        let reusable = match self.main.take() {
            Some(mut conn) => conn.ready().await.then_some(conn),
            None => None,
        };
        let mut conn = match reusable {
            Some(conn) => conn,
            None => Conn::connect(self.addr).await?,
        };
        let reply = client::exchange(&mut conn, request, REQUEST_TIMEOUT).await;
        self.main = Some(conn);
        if let Ok(reply) = &reply {
            if self.http && kind == Kind::Invoke {
                self.http_headers.push(reply.headers.clone());
            }
        }
        reply
    }
}

/// The start of a response body, for a message.
fn snippet(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return "(empty body)".to_owned();
    }
    let mut cut: String = one_line.chars().take(120).collect();
    if cut.len() < one_line.len() {
        cut.push('…');
    }
    format!("body: {cut}")
}
