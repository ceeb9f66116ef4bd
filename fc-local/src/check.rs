//! `fc-local check`: a conformance run of any FC custom runtime, written in any
//! language, against the contract FC's documentation gives (port, start-up line,
//! dispatch, `x-fc-status`, markers, concurrency, keep-alive, HTTP passthrough and
//! response headers, pre-stop, SIGTERM). One line per check; exit 1 on a failure.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Version};
use http_body_util::BodyExt;
use hyper::body::Frame;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::client::{self, Body, BoxError, Conn, Reply};
use crate::function::{self, Function};
use crate::group::Kind;
use crate::identity::{self, Control, Identity};
use crate::logs::{self, Line, Logs, Stream};
use crate::ui::{self, Style, Ui};
use crate::{EXIT_FAILED, FunctionArgs};

/// How long a single check request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long markers and the start-up line may lag behind what they mark.
const LINE_GRACE: Duration = Duration::from_secs(3);
/// How long an invocation may wait while others are still arriving.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// Names FC reserves for its own runtimes (contract §1): a custom runtime names
/// itself otherwise.
const OFFICIAL_RUNTIMES: [&str; 12] = [
    "nodejs", "node.js", "node", "python", "python3", "php", "java", "go", "golang", "dotnet",
    ".net", "custom",
];

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Check an HTTP function (requests with `x-fc-control-path: /http-invoke`)
    /// instead of an event function
    #[arg(long)]
    http: bool,
    /// An event the function succeeds on: a file, or `-` for standard input
    /// [default: `{}`]
    #[arg(long, value_name = "FILE|-", conflicts_with = "data")]
    event: Option<PathBuf>,
    /// An event the function succeeds on, inline
    #[arg(short = 'd', long, value_name = "TEXT")]
    data: Option<String>,
    /// An event the function fails on [default: a body that is not JSON]
    #[arg(long, value_name = "TEXT")]
    fail_data: Option<String>,
    /// An event during which the function sleeps a while (a few hundred ms): the
    /// concurrency check then times parallel invocations against one [default: the
    /// concurrency check holds requests open instead]
    #[arg(long, value_name = "TEXT")]
    sleep_data: Option<String>,
    /// HTTP mode: the path (and query) of a request the app answers
    #[arg(long, value_name = "PATH", default_value = "/")]
    path: String,
    /// HTTP mode: a path prefix under which the app answers with the request it got
    /// (method, path, query and body in its response body), to check passthrough
    #[arg(long, value_name = "PATH")]
    echo_path: Option<String>,
    /// HTTP mode: a path whose request sleeps a while, for the concurrency check
    #[arg(long, value_name = "PATH")]
    sleep_path: Option<String>,
    /// How many invocations the concurrency check sends at once
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(2..=200))]
    parallel: u16,
    /// How long the keep-alive check leaves its connection idle, in seconds
    #[arg(long, value_name = "S", default_value = "1", value_parser = parse_seconds)]
    idle: Duration,
    /// Do not send `/initialize` (a function configured without an initializer)
    #[arg(long)]
    no_initialize: bool,
    /// Show the function's output as it comes
    #[arg(short, long)]
    verbose: bool,
    #[command(flatten)]
    function: FunctionArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pass,
    Fail,
    Skip,
}

/// An invocation sent, for the markers check.
#[derive(Debug)]
struct Sent {
    id: String,
    kind: Kind,
}

struct Checker {
    ui: Arc<Ui>,
    http: bool,
    identity: Arc<Identity>,
    port: u16,
    addr: SocketAddr,
    logs: Arc<Logs>,
    main: Option<Conn>,
    sent: Vec<Sent>,
    /// Every HTTP-mode response's headers, for the response-headers check.
    http_headers: Vec<HeaderMap>,
    counts: [usize; 3],
}

pub(crate) async fn run(args: Args, ui: Arc<Ui>) -> u8 {
    let event = match crate::read_event(args.event.as_deref(), args.data.as_deref()) {
        Ok(event) if event.is_empty() && args.event.is_none() && args.data.is_none() => {
            b"{}".to_vec()
        }
        Ok(event) => event,
        Err(e) => {
            ui.say(&format!("fc-local: {e}"));
            return crate::EXIT_ERROR;
        }
    };
    let identity = Arc::new(Identity::new(&args.function));
    let logs = Logs::new();
    if args.verbose {
        let ui = Arc::clone(&ui);
        logs.set_sink(move |line| ui.say(&ui.function_line("  | ", line)));
    }
    let mut function = match Function::spawn(
        &args.function.command,
        &args.function.env,
        Arc::clone(&identity),
        Arc::clone(&logs),
    ) {
        Ok(function) => function,
        Err(e) => {
            ui.say(&ui.paint(Style::Red, &format!("fc-local: {e}")));
            return crate::EXIT_ERROR;
        }
    };
    ui.say(&format!(
        "fc-local check: `{}` ({} function, port {})",
        function.program,
        if args.http { "HTTP" } else { "event" },
        function.port
    ));
    let mut checker = Checker {
        ui: Arc::clone(&ui),
        http: args.http,
        identity,
        port: function.port,
        addr: function.addr,
        logs,
        main: None,
        sent: Vec::new(),
        http_headers: Vec::new(),
        counts: [0; 3],
    };

    let started = function
        .wait_listening(Duration::from_secs(args.function.start_timeout), &ui)
        .await;
    match started {
        Ok(waited) => checker.report(
            "port",
            Verdict::Pass,
            format!(
                "accepted a connection on the port it was given ({}) after {}",
                function.port,
                ui::duration(waited)
            ),
        ),
        Err(why) => {
            checker.report("port", Verdict::Fail, why);
            for line in function.tail(20) {
                ui.say(&ui.function_line("  | ", &line));
            }
            let _ = function.terminate().await;
            return checker.summary();
        }
    }
    checker.interfaces().await;
    checker.inited_line().await;
    if !args.no_initialize {
        checker.initialize().await;
    }
    if args.http {
        checker.http_invoke(&args.path).await;
        checker.passthrough(args.echo_path.as_deref()).await;
    } else {
        checker.invoke(&event).await;
        let fail = args
            .fail_data
            .as_deref()
            .unwrap_or("fc-local check: this event is not JSON {");
        checker.failure(fail.as_bytes()).await;
    }
    let sleeper = if args.http {
        args.sleep_path.as_deref()
    } else {
        args.sleep_data.as_deref()
    };
    match sleeper {
        Some(what) => {
            checker
                .concurrency_by_sleep(what, usize::from(args.parallel))
                .await;
        }
        None => {
            checker
                .concurrency_by_holding(&event, &args.path, usize::from(args.parallel))
                .await;
        }
    }
    checker.keep_alive(&event, &args.path, args.idle).await;
    checker.markers().await;
    if args.http {
        checker.response_headers();
    }
    checker.pre_stop(&function).await;
    checker.sigterm(&mut function).await;
    checker.summary()
}

/// Seconds, as a duration: `0.3`, `2`.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && (0.0..=900.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!("`{text}` is not a number of seconds from 0 to 900")),
    }
}

/// A request body sent in parts: what is sent on the channel, then its end when the
/// sender is dropped.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }
}

/// The runtime's name in `FunctionCompute <name> runtime inited.`.
fn inited_name(text: &str) -> Option<&str> {
    text.strip_prefix("FunctionCompute ")?
        .strip_suffix(" runtime inited.")
}

fn is_official(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let bare = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    OFFICIAL_RUNTIMES.contains(&lower.as_str()) || OFFICIAL_RUNTIMES.contains(&bare)
}

/// Whether a response body shows the request: method, path, query and body each
/// appear in it (the path and query raw or percent-decoded).
fn echoes(
    body: &str,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    payload: &str,
) -> Vec<String> {
    let mut missing = Vec::new();
    if !body.contains(method) {
        missing.push(format!("method {method}"));
    }
    if !body.contains(path) && !body.contains(&path.replace("%20", " ")) {
        missing.push(format!("path {path}"));
    }
    for (key, value) in query {
        let raw = format!("{key}={value}");
        let decoded = value.replace("%20", " ");
        let seen = body.contains(&raw) || (body.contains(key) && body.contains(&decoded));
        if !seen {
            missing.push(format!("query {raw}"));
        }
    }
    if !body.contains(payload) {
        missing.push("body".to_owned());
    }
    missing
}

impl Checker {
    fn report(&mut self, name: &str, verdict: Verdict, why: impl Into<String>) {
        let (word, style, index) = match verdict {
            Verdict::Pass => ("pass", Style::Green, 0),
            Verdict::Fail => ("FAIL", Style::Red, 1),
            Verdict::Skip => ("skip", Style::Yellow, 2),
        };
        self.counts[index] += 1;
        self.ui.out(&format!(
            "{}  {}  {}",
            self.ui.paint_out(style, word),
            self.ui.paint_out(Style::Bold, &format!("{name:<12}")),
            why.into()
        ));
    }

    fn summary(&self) -> u8 {
        let [pass, fail, skip] = self.counts;
        let style = if fail > 0 { Style::Red } else { Style::Green };
        self.ui.out(&self.ui.paint_out(
            style,
            &format!("{pass} passed, {fail} failed, {skip} skipped"),
        ));
        if fail > 0 { EXIT_FAILED } else { 0 }
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        control: Control,
        body: Vec<u8>,
    ) -> (String, Request<Body>) {
        let id = identity::request_id();
        let mut request =
            self.identity
                .request(self.port, method, path, &id, control, client::full(body));
        if control == Control::Invoke {
            request.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/octet-stream"),
            );
        }
        (id, request)
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

    /// The invocation request for this mode: the event, or a request to `path`.
    fn invocation(&self, event: &[u8], path: &str) -> (String, Request<Body>) {
        if self.http {
            self.request(Method::GET, path, Control::HttpInvoke, Vec::new())
        } else {
            self.request(Method::POST, "/invoke", Control::Invoke, event.to_vec())
        }
    }

    async fn interfaces(&mut self) {
        let other = SocketAddr::from(([127, 0, 0, 2], self.port));
        let attempt = tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(other)).await;
        match attempt {
            Ok(Ok(_)) => self.report(
                "interfaces",
                Verdict::Pass,
                "accepts on 127.0.0.2 too: listening on all interfaces (0.0.0.0)",
            ),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => self.report(
                "interfaces",
                Verdict::Fail,
                "127.0.0.1 accepts but 127.0.0.2 refuses: it listens on 127.0.0.1 only; FC \
                 connects from outside the instance (FunctionNotStarted): listen on 0.0.0.0",
            ),
            Ok(Err(e)) => self.report(
                "interfaces",
                Verdict::Skip,
                format!("127.0.0.2 is not reachable on this machine ({e})"),
            ),
            Err(_) => self.report(
                "interfaces",
                Verdict::Skip,
                "127.0.0.2 did not answer within 2 s on this machine",
            ),
        }
    }

    async fn inited_line(&mut self) {
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
        self.report("inited-line", verdict, why);
    }

    async fn initialize(&mut self) {
        let (id, request) =
            self.request(Method::POST, "/initialize", Control::Initialize, Vec::new());
        let reply = self.send(&id, Kind::Initialize, request).await;
        let (verdict, why) = match reply {
            Ok(reply) if reply.status == 200 && reply.fc_status() == Some("200") => (
                Verdict::Pass,
                format!("POST /initialize answered {}", reply.describe()),
            ),
            Ok(reply) => (
                Verdict::Fail,
                format!(
                    "POST /initialize answered {}; FC expects 200 with x-fc-status: 200 ({})",
                    reply.describe(),
                    snippet(&reply.text())
                ),
            ),
            Err(e) => (Verdict::Fail, format!("POST /initialize: {e}")),
        };
        self.report("initialize", verdict, why);
    }

    async fn invoke(&mut self, event: &[u8]) {
        let (id, request) = self.invocation(event, "/");
        let reply = self.send(&id, Kind::Invoke, request).await;
        let (verdict, why) = match reply {
            Ok(reply) if reply.status == 200 && reply.fc_status() == Some("200") => (
                Verdict::Pass,
                format!(
                    "an event was answered {} in {}",
                    reply.describe(),
                    ui::duration(reply.elapsed)
                ),
            ),
            Ok(reply) => (
                Verdict::Fail,
                format!(
                    "the event was answered {}; FC expects 200 with x-fc-status: 200 (is \
                     --data an event it succeeds on?) {}",
                    reply.describe(),
                    snippet(&reply.text())
                ),
            ),
            Err(e) => (Verdict::Fail, e),
        };
        self.report("invoke", verdict, why);
    }

    async fn failure(&mut self, event: &[u8]) {
        let (id, request) = self.invocation(event, "/");
        let reply = self.send(&id, Kind::Invoke, request).await;
        let (verdict, why) = match reply {
            Ok(reply) if reply.status == 404 && reply.fc_status() == Some("404") => {
                let shaped = serde_json::from_slice::<serde_json::Value>(&reply.body)
                    .ok()
                    .is_some_and(|v| v.get("errorMessage").is_some());
                let note = if shaped {
                    "with FC's {errorMessage, errorType, stackTrace} body"
                } else {
                    "(its body is not FC's {errorMessage, errorType, stackTrace} shape)"
                };
                (
                    Verdict::Pass,
                    format!("a failing event was answered {} {note}", reply.describe()),
                )
            }
            Ok(reply) if reply.succeeded() && reply.status.is_success() => (
                Verdict::Fail,
                format!(
                    "the failing event was answered {}: give --fail-data an event the function \
                     rejects",
                    reply.describe()
                ),
            ),
            Ok(reply) if reply.fc_status().is_none() => (
                Verdict::Fail,
                format!(
                    "a failure was answered {}: without x-fc-status: 404 FC counts it a \
                     success and records no error",
                    reply.describe()
                ),
            ),
            Ok(reply) => (
                Verdict::Fail,
                format!(
                    "a failure was answered {}; FC expects 404 with x-fc-status: 404",
                    reply.describe()
                ),
            ),
            Err(e) => (Verdict::Fail, e),
        };
        self.report("failure", verdict, why);
    }

    async fn http_invoke(&mut self, path: &str) {
        let (id, request) = self.invocation(&[], path);
        let reply = self.send(&id, Kind::Invoke, request).await;
        let (verdict, why) = match reply {
            Ok(reply) if reply.fc_status() == Some("200") => (
                Verdict::Pass,
                format!(
                    "GET {path} was answered {} in {}",
                    reply.describe(),
                    ui::duration(reply.elapsed)
                ),
            ),
            Ok(reply) => (
                Verdict::Fail,
                format!(
                    "GET {path} was answered {}; FC expects the app's status with \
                     x-fc-status: 200 {}",
                    reply.describe(),
                    snippet(&reply.text())
                ),
            ),
            Err(e) => (Verdict::Fail, e),
        };
        self.report("http-invoke", verdict, why);
    }

    async fn passthrough(&mut self, echo_path: Option<&str>) {
        let Some(echo_path) = echo_path else {
            self.report(
                "passthrough",
                Verdict::Skip,
                "no --echo-path (a path under which the app answers with the method, path, \
                 query and body it got)",
            );
            return;
        };
        let token = format!("fc-local-{}", identity::request_id());
        let path = format!(
            "{}/fc-local%20probe/invoke",
            echo_path.trim_end_matches('/')
        );
        let query = [("alpha", "1"), ("beta", "two%20words")];
        let uri = format!("{path}?alpha=1&beta=two%20words");
        let (id, mut request) = self.request(
            Method::PUT,
            &uri,
            Control::HttpInvoke,
            token.clone().into_bytes(),
        );
        request.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain"),
        );
        let reply = self.send(&id, Kind::Invoke, request).await;
        let (verdict, why) = match reply {
            Ok(reply) => {
                let missing = echoes(&reply.text(), "PUT", &path, &query, &token);
                if missing.is_empty() && reply.fc_status() == Some("200") {
                    (
                        Verdict::Pass,
                        format!("PUT {uri} reached the app whole: method, path, query and body"),
                    )
                } else if missing.is_empty() {
                    (
                        Verdict::Fail,
                        format!(
                            "the request reached the app whole, but was answered {}",
                            reply.describe()
                        ),
                    )
                } else {
                    (
                        Verdict::Fail,
                        format!(
                            "PUT {uri}: the app's echo lacks {}: {}",
                            missing.join(", "),
                            snippet(&reply.text())
                        ),
                    )
                }
            }
            Err(e) => (Verdict::Fail, e),
        };
        if verdict == Verdict::Pass && echo_path.trim_end_matches('/').is_empty() {
            if let Err(why) = self.invoke_path_reaches_app().await {
                self.report("passthrough", Verdict::Fail, why);
                return;
            }
            let why = format!("{why}; POST /invoke as an HTTP invocation reached the app too");
            self.report("passthrough", verdict, why);
            return;
        }
        self.report("passthrough", verdict, why);
    }

    /// An HTTP function may serve `/invoke` itself: with `x-fc-control-path:
    /// /http-invoke` the request is the app's, not an event.
    async fn invoke_path_reaches_app(&mut self) -> Result<(), String> {
        let token = format!("fc-local-{}", identity::request_id());
        let (id, request) = self.request(
            Method::POST,
            "/invoke",
            Control::HttpInvoke,
            token.clone().into_bytes(),
        );
        let reply = self.send(&id, Kind::Invoke, request).await?;
        let missing = echoes(&reply.text(), "POST", "/invoke", &[], &token);
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "POST /invoke with x-fc-control-path: /http-invoke did not reach the app (was it \
                 taken for an event?): answered {}, {}",
                reply.describe(),
                snippet(&reply.text())
            ))
        }
    }

    /// N invocations that each sleep, at once, against one alone.
    /// `what`: the sleeping event, or in HTTP mode the sleeping request's path.
    async fn concurrency_by_sleep(&mut self, what: &str, n: usize) {
        let make = |checker: &Checker| {
            if checker.http {
                checker.request(Method::GET, what, Control::HttpInvoke, Vec::new())
            } else {
                checker.request(
                    Method::POST,
                    "/invoke",
                    Control::Invoke,
                    what.as_bytes().to_vec(),
                )
            }
        };
        let (id, request) = make(self);
        let one = match self.send(&id, Kind::Invoke, request).await {
            Ok(reply) if reply.succeeded() => reply.elapsed,
            Ok(reply) => {
                let why = format!("the sleeping invocation was answered {}", reply.describe());
                self.report("concurrency", Verdict::Fail, why);
                return;
            }
            Err(e) => {
                self.report(
                    "concurrency",
                    Verdict::Fail,
                    format!("the sleeping invocation: {e}"),
                );
                return;
            }
        };
        if one < Duration::from_millis(100) {
            let why = format!(
                "the sleeping invocation took only {}: too short to tell parallel from serial",
                ui::duration(one)
            );
            self.report("concurrency", Verdict::Skip, why);
            return;
        }
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..n {
            let (id, request) = make(self);
            self.sent.push(Sent {
                id,
                kind: Kind::Invoke,
            });
            let addr = self.addr;
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::connect(addr).await?;
                client::exchange(&mut conn, request, REQUEST_TIMEOUT).await
            }));
        }
        let mut failures = Vec::new();
        for task in tasks {
            match task.await {
                Ok(Ok(reply)) if reply.succeeded() => {
                    if self.http {
                        self.http_headers.push(reply.headers);
                    }
                }
                Ok(Ok(reply)) => failures.push(reply.describe()),
                Ok(Err(e)) => failures.push(e),
                Err(e) => failures.push(e.to_string()),
            }
        }
        let all = start.elapsed();
        let serial = one * u32::try_from(n).unwrap_or(u32::MAX);
        let (verdict, why) = if !failures.is_empty() {
            (
                Verdict::Fail,
                format!(
                    "{} of {n} parallel invocations failed: {}",
                    failures.len(),
                    failures[0]
                ),
            )
        } else if all < one * 2 + Duration::from_millis(100) {
            (
                Verdict::Pass,
                format!(
                    "{n} sleeping invocations at once took {}, one alone {} (one after another: {})",
                    ui::duration(all),
                    ui::duration(one),
                    ui::duration(serial)
                ),
            )
        } else {
            (
                Verdict::Fail,
                format!(
                    "{n} sleeping invocations at once took {}, one alone {}: they did not run \
                     side by side (FC sends up to instanceConcurrency at once)",
                    ui::duration(all),
                    ui::duration(one)
                ),
            )
        };
        self.report("concurrency", verdict, why);
    }

    /// Without a sleeping invocation: N requests whose bodies are still arriving, and
    /// one more that must be answered meanwhile.
    async fn concurrency_by_holding(&mut self, event: &[u8], path: &str, n: usize) {
        let body: Vec<u8> = if self.http {
            b"fc-local check: a request body sent in two parts".to_vec()
        } else {
            event.to_vec()
        };
        if body.len() < 2 {
            let why = "the event is too short to send in parts; give --sleep-data";
            self.report("concurrency", Verdict::Skip, why);
            return;
        }
        let (first, rest) = body.split_at(body.len() / 2);
        let mut held = Vec::new();
        for _ in 0..n {
            let id = identity::request_id();
            let (tx, rx) = mpsc::channel(2);
            let (method, target, control) = if self.http {
                (Method::POST, path, Control::HttpInvoke)
            } else {
                (Method::POST, "/invoke", Control::Invoke)
            };
            let mut request = self.identity.request(
                self.port,
                method,
                target,
                &id,
                control,
                ChannelBody(rx).boxed(),
            );
            request
                .headers_mut()
                .insert(http::header::CONTENT_LENGTH, body.len().into());
            self.sent.push(Sent {
                id,
                kind: Kind::Invoke,
            });
            let addr = self.addr;
            let _ = tx.send(Bytes::copy_from_slice(first)).await;
            let task = tokio::spawn(async move {
                let mut conn = Conn::connect(addr).await?;
                client::exchange(&mut conn, request, REQUEST_TIMEOUT).await
            });
            held.push((tx, task));
        }
        // Let every held request reach the function before the one that must pass them.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (id, request) = self.invocation(event, path);
        self.sent.push(Sent {
            id,
            kind: Kind::Invoke,
        });
        let quick = async {
            let mut conn = Conn::connect(self.addr).await?;
            client::exchange(&mut conn, request, PROBE_TIMEOUT).await
        }
        .await;
        let mut late = 0;
        for (tx, task) in held {
            let _ = tx.send(Bytes::copy_from_slice(rest)).await;
            drop(tx);
            match tokio::time::timeout(REQUEST_TIMEOUT, task).await {
                Ok(Ok(Ok(reply))) => {
                    if self.http {
                        self.http_headers.push(reply.headers);
                    }
                }
                _ => late += 1,
            }
        }
        let (verdict, why) = match quick {
            Ok(reply) if reply.succeeded() => (
                Verdict::Pass,
                format!(
                    "an invocation was answered in {} while {n} others were still arriving{}",
                    ui::duration(reply.elapsed),
                    if late > 0 {
                        format!(" ({late} of those got no answer)")
                    } else {
                        String::new()
                    }
                ),
            ),
            Ok(reply) => (
                Verdict::Fail,
                format!(
                    "while {n} invocations were arriving, another was answered {}",
                    reply.describe()
                ),
            ),
            Err(e) => (
                Verdict::Fail,
                format!(
                    "while {n} invocations were still arriving, another got no answer ({e}): \
                     requests are served one at a time (FC sends up to instanceConcurrency at \
                     once)"
                ),
            ),
        };
        self.report("concurrency", verdict, why);
    }

    async fn keep_alive(&mut self, event: &[u8], path: &str, idle: Duration) {
        let mut conn = match Conn::connect(self.addr).await {
            Ok(conn) => conn,
            Err(e) => {
                self.report("keep-alive", Verdict::Fail, e);
                return;
            }
        };
        for round in 1..=3 {
            if round == 3 {
                tokio::time::sleep(idle).await;
            }
            if conn.is_closed() {
                let why = format!(
                    "the function closed the connection after request {}; FC keeps \
                     connections open and reuses them (a POST on a closed one fails with 502)",
                    round - 1
                );
                self.report("keep-alive", Verdict::Fail, why);
                return;
            }
            let (id, request) = self.invocation(event, path);
            self.sent.push(Sent {
                id,
                kind: Kind::Invoke,
            });
            let reply = match client::exchange(&mut conn, request, REQUEST_TIMEOUT).await {
                Ok(reply) => reply,
                Err(e) => {
                    let why = format!("request {round} on one connection: {e}");
                    self.report("keep-alive", Verdict::Fail, why);
                    return;
                }
            };
            if self.http {
                self.http_headers.push(reply.headers.clone());
            }
            if reply.version != Version::HTTP_11 {
                let why = format!(
                    "answered {:?}; FC speaks HTTP/1.1 with keep-alive",
                    reply.version
                );
                self.report("keep-alive", Verdict::Fail, why);
                return;
            }
            let closing = reply
                .headers
                .get_all(http::header::CONNECTION)
                .iter()
                .any(|v| {
                    v.to_str()
                        .is_ok_and(|v| v.to_ascii_lowercase().contains("close"))
                });
            if closing {
                let why = format!(
                    "request {round} was answered with `Connection: close`; FC keeps connections \
                     open and reuses them (a POST on a closed one fails with 502)"
                );
                self.report("keep-alive", Verdict::Fail, why);
                return;
            }
        }
        let why = format!(
            "3 requests on one connection, the last after {} idle",
            ui::duration(idle)
        );
        self.report("keep-alive", Verdict::Pass, why);
    }

    async fn markers(&mut self) {
        let wanted: Vec<(String, String)> = self
            .sent
            .iter()
            .map(|s| match s.kind {
                Kind::Invoke => (logs::invoke_start(&s.id), logs::invoke_end(&s.id)),
                Kind::Initialize => (logs::initialize_start(&s.id), logs::initialize_end(&s.id)),
            })
            .collect();
        self.logs
            .wait_until(LINE_GRACE, |lines| {
                wanted
                    .iter()
                    .all(|(_, end)| lines.iter().any(|l| logs::is_marker(&l.text, end)))
            })
            .await;
        let lines = self.logs.snapshot();
        let stdout: Vec<&Line> = lines
            .iter()
            .filter(|l| l.stream == Stream::Stdout)
            .collect();
        let mut problems = Vec::new();
        for (sent, (start, end)) in self.sent.iter().zip(&wanted) {
            let find = |marker: &str| -> Vec<usize> {
                stdout
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| logs::is_marker(&l.text, marker))
                    .map(|(i, _)| i)
                    .collect()
            };
            let (starts, ends) = (find(start), find(end));
            let on_stderr = lines.iter().any(|l| {
                l.stream == Stream::Stderr
                    && (logs::is_marker(&l.text, start) || logs::is_marker(&l.text, end))
            });
            let problem = match (starts.as_slice(), ends.as_slice()) {
                _ if on_stderr => Some("markers on stderr (FC reads them from stdout)".to_owned()),
                ([], []) => Some("no Start or End line".to_owned()),
                ([], _) => Some("no Start line".to_owned()),
                (_, []) => Some("no End line".to_owned()),
                ([s], [e]) if s > e => Some("End before Start".to_owned()),
                ([_], [_]) => None,
                (s, e) => Some(format!("{} Start and {} End lines", s.len(), e.len())),
            };
            if let Some(problem) = problem {
                problems.push(format!("{}: {problem}", sent.id));
            }
        }
        let ours: HashSet<&str> = self.sent.iter().map(|s| s.id.as_str()).collect();
        let mut foreign: Vec<&str> = Vec::new();
        for line in &lines {
            for prefix in [
                "FC Invoke Start RequestId: ",
                "FC Invoke End RequestId: ",
                "FC Initialize Start RequestId: ",
                "FC Initialize End RequestId: ",
            ] {
                if let Some(rest) = line.text.strip_prefix(prefix) {
                    let id = rest.split(',').next().unwrap_or(rest).trim();
                    if !ours.contains(id) && !foreign.contains(&id) {
                        foreign.push(id);
                    }
                }
            }
        }
        let total = self.sent.len();
        if problems.is_empty() && foreign.is_empty() {
            let why = format!(
                "Start and End lines, in order, with the request's own id, for all {total} invocations"
            );
            self.report("markers", Verdict::Pass, why);
            return;
        }
        let mut why = format!(
            "{} of {total} invocations: {}",
            problems.len(),
            problems
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        );
        if problems.len() > 3 {
            why.push_str("; …");
        }
        if !foreign.is_empty() {
            why.push_str(&format!(
                "; marker lines carry ids fc-local never sent ({}): use x-fc-request-id",
                foreign
                    .iter()
                    .take(2)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        self.report("markers", Verdict::Fail, why);
    }

    fn response_headers(&mut self) {
        let mut bad: Vec<String> = Vec::new();
        let mut too_big = 0;
        for headers in &self.http_headers {
            let size: usize = headers
                .iter()
                .map(|(n, v)| n.as_str().len() + v.len() + 4)
                .sum();
            if size > 8 * 1024 {
                too_big += 1;
            }
            for (name, value) in headers {
                let n = name.as_str();
                let forbidden = (n.starts_with("x-fc-") && n != "x-fc-status")
                    || ["connection", "date", "keep-alive", "server"].contains(&n)
                    || (n == "content-disposition"
                        && value.to_str().is_ok_and(|v| {
                            v.trim_start()
                                .to_ascii_lowercase()
                                .starts_with("attachment")
                        }));
                if forbidden && !bad.iter().any(|b| b == n) {
                    bad.push(n.to_owned());
                }
            }
        }
        let count = self.http_headers.len();
        if bad.is_empty() && too_big == 0 {
            let why = format!(
                "none of x-fc-* (but x-fc-status), connection, date, keep-alive, server, \
                 content-disposition: attachment in {count} responses (content-length is \
                 framing and FC sets its own)"
            );
            self.report("headers", Verdict::Pass, why);
            return;
        }
        let mut why = Vec::new();
        if !bad.is_empty() {
            why.push(format!(
                "responses carry headers FC does not allow an HTTP function to send: {}",
                bad.join(", ")
            ));
        }
        if too_big > 0 {
            why.push(format!(
                "{too_big} responses have over 8 KB of headers (FC answers 502)"
            ));
        }
        self.report("headers", Verdict::Fail, why.join("; "));
    }

    async fn pre_stop(&mut self, function: &Function) {
        let (verdict, why) = match function.pre_stop().await {
            Ok(reply) if reply.status.is_success() => (
                Verdict::Pass,
                format!("GET /pre-stop answered {}", reply.status.as_u16()),
            ),
            Ok(reply) => (
                Verdict::Fail,
                format!(
                    "GET /pre-stop answered {}; FC counts only 2xx as success",
                    reply.status.as_u16()
                ),
            ),
            Err(e) => (Verdict::Fail, format!("GET /pre-stop: {e}")),
        };
        self.report("pre-stop", verdict, why);
    }

    async fn sigterm(&mut self, function: &mut Function) {
        if let Some(status) = function.exited() {
            let why = format!(
                "the function had already {}",
                function::describe_exit(status)
            );
            self.report("sigterm", Verdict::Fail, why);
            return;
        }
        // FC's connections are gone by then.
        self.main = None;
        let (status, took) = function.terminate().await;
        let (verdict, why) = match status {
            Some(status) if status.success() => (
                Verdict::Pass,
                format!("exited 0, {} after SIGTERM", ui::duration(took)),
            ),
            Some(status) => (
                Verdict::Pass,
                format!(
                    "{} {} after SIGTERM (handling SIGTERM lets invocations in flight finish)",
                    function::describe_exit(status),
                    ui::duration(took)
                ),
            ),
            None => (
                Verdict::Fail,
                format!(
                    "still running {} after SIGTERM, killed: FC kills it too, cutting off \
                     invocations in flight",
                    ui::duration(took)
                ),
            ),
        };
        self.report("sigterm", verdict, why);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_names_are_recognised() {
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
    fn the_inited_line_is_parsed() {
        assert_eq!(
            inited_name("FunctionCompute fc-rust runtime inited."),
            Some("fc-rust")
        );
        assert_eq!(inited_name("FunctionCompute fc-rust runtime inited"), None);
    }

    #[test]
    fn an_echo_is_recognised_raw_or_decoded() {
        let query = [("alpha", "1"), ("beta", "two%20words")];
        let json = r#"{"method":"PUT","path":"/e/fc-local probe/invoke","query":{"alpha":"1","beta":"two words"},"body":"tok"}"#;
        assert!(echoes(json, "PUT", "/e/fc-local%20probe/invoke", &query, "tok").is_empty());
        let missing = echoes(
            r#"{"method":"PUT","path":"/e/fc-local%20probe/invoke"}"#,
            "PUT",
            "/e/fc-local%20probe/invoke",
            &query,
            "tok",
        );
        assert_eq!(missing, ["query alpha=1", "query beta=two%20words", "body"]);
    }
}
