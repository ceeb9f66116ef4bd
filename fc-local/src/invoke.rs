//! `fc-local invoke`: one event, as FC's console sends a test event.

use std::io::Write;
use std::sync::Arc;

use crate::args::InvokeArgs;
use crate::client::{self, Conn, Reply};
use crate::function::Function;
use crate::group::{Tracker, heading};
use crate::identity;
use crate::logs::Logs;
use crate::marker::Kind;
use crate::ui::{self, Style, Ui};
use crate::{EXIT_ERROR, EXIT_FAILED};

pub(crate) async fn run(args: InvokeArgs, ui: Arc<Ui>) -> u8 {
    let event = match args.event.read() {
        Ok(event) => event.unwrap_or_default(),
        Err(e) => {
            ui.say(&format!("fc-local: {e}"));
            return EXIT_ERROR;
        }
    };
    if args.remote {
        let remote = crate::cloud::invoke::Remote {
            access: &args.access,
            qualifier: args.qualifier.as_deref(),
            function_name: args.function.function_name.as_deref(),
            region: args.function.region.as_deref(),
            config: args.function.config.as_deref(),
        };
        return crate::cloud::invoke::run(remote, event, ui).await;
    }
    let access = &args.access;
    if access.endpoint.is_some() || access.profile.is_some() || access.resource.is_some() {
        ui.say("fc-local: --endpoint, --profile and --resource go with --remote");
        return EXIT_ERROR;
    }
    let logs = Logs::new();
    let tracker = Tracker::follow(&logs, Arc::clone(&ui));
    let mut function = match Function::start(&args.function, logs, &ui) {
        Ok(function) => function,
        Err(code) => return code,
    };
    let waited = match function.listening(&args.function, &ui).await {
        Ok(waited) => waited,
        Err(code) => return code,
    };
    ui.say(&ui.paint(
        Style::Dim,
        &format!(
            "fc-local: `{}` listens on port {} (function {}, started in {})",
            function.program,
            function.port,
            function.requests.identity().function_name,
            ui::duration(waited)
        ),
    ));
    let code = attempt(&function, &args, event, &ui, &tracker).await;
    function.stop(&ui, &tracker).await;
    code
}

async fn attempt(
    function: &Function,
    args: &InvokeArgs,
    event: Vec<u8>,
    ui: &Ui,
    tracker: &Arc<Tracker>,
) -> u8 {
    let mut conn = match Conn::connect(function.addr).await {
        Ok(conn) => conn,
        Err(e) => {
            ui.say(&ui.paint(Style::Red, &format!("fc-local: {e}")));
            return EXIT_ERROR;
        }
    };

    let emulation = &function.emulation;
    let mut initialized = Vec::new();
    if emulation.sends_initialize(args.initializer) {
        let id = identity::request_id();
        initialized.push(id.clone());
        let request = function.requests.initialize(&id);
        tracker.open(&id, Kind::Initialize);
        let result = client::exchange(&mut conn, request, emulation.initialize_timeout()).await;
        let ok = result.as_ref().is_ok_and(Reply::succeeded);
        let _ = tracker
            .close(
                &id,
                heading(ui, Kind::Initialize, "Initialize", &id, &result),
            )
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

    if !emulation
        .health_check_at_start(&function.requests, function.addr, ui)
        .await
    {
        return EXIT_FAILED;
    }

    let id = identity::request_id();
    let request = function.requests.event(&id, event);
    tracker.open(&id, Kind::Invoke);
    let result = client::exchange(&mut conn, request, function.invocation_timeout()).await;
    let _ = tracker
        .close(&id, heading(ui, Kind::Invoke, "Invoke", &id, &result))
        .await;
    emulation.warn_disagreements(&function.logs.snapshot(), &initialized, ui);
    match result {
        Ok(reply) => {
            print_body(&reply.body);
            if reply.succeeded() { 0 } else { EXIT_FAILED }
        }
        Err(_) => EXIT_FAILED,
    }
}

/// The result body, as is, on stdout (a final newline added on a terminal).
pub(crate) fn print_body(body: &[u8]) {
    use std::io::IsTerminal;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(body);
    if out.is_terminal() && !body.ends_with(b"\n") && !body.is_empty() {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}
