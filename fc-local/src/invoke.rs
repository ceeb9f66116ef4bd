//! `fc-local invoke`: one event, as FC's console sends a test event.

use std::io::Write;
use std::sync::Arc;

use crate::args::InvokeArgs;
use crate::client::{self, Conn, Reply};
use crate::error::Error;
use crate::error::Kind::{Failed, Fatal};
use crate::function::Function;
use crate::group::{Tracker, heading};
use crate::identity;
use crate::logs::Logs;
use crate::marker::Kind;
use crate::ui::{self, Style, Ui};

pub(crate) async fn run(args: InvokeArgs, ui: Arc<Ui>) -> Result<(), Error> {
    let event = args
        .event
        .read()
        .map_err(|e| Error::fatal(format!("fc-local: {e}")).plain())?
        .unwrap_or_default();
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
        return Err(Error::fatal(
            "fc-local: --endpoint, --profile and --resource go with --remote",
        )
        .plain());
    }
    let logs = Logs::new();
    let tracker = Tracker::follow(&logs, Arc::clone(&ui));
    let mut function = Function::start(&args.function, logs, &ui)?;
    let waited = function.listening(&args.function, &ui).await?;
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
    let result = attempt(&function, &args, event, &ui, &tracker).await;
    function.stop(&ui, &tracker).await;
    result
}

async fn attempt(
    function: &Function,
    args: &InvokeArgs,
    event: Vec<u8>,
    ui: &Ui,
    tracker: &Arc<Tracker>,
) -> Result<(), Error> {
    // Errors are said here, before the function's stop is.
    let mut conn = match Conn::connect(function.addr).await {
        Ok(conn) => conn,
        Err(e) => {
            ui.say(&ui.paint(Style::Red, &format!("fc-local: {e}")));
            return Err(Error::quiet(Fatal));
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
            return Err(Error::quiet(Failed));
        }
        if !conn.ready().await {
            conn = match Conn::connect(function.addr).await {
                Ok(conn) => conn,
                Err(e) => {
                    ui.say(&ui.paint(Style::Red, &format!("fc-local: {e}")));
                    return Err(Error::quiet(Fatal));
                }
            };
        }
    }

    if !emulation
        .health_check_at_start(&function.requests, function.addr, ui)
        .await
    {
        return Err(Error::quiet(Failed));
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
            if reply.succeeded() {
                Ok(())
            } else {
                Err(Error::quiet(Failed))
            }
        }
        // Its heading said why.
        Err(_) => Err(Error::quiet(Failed)),
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
